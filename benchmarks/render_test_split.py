"""Render the synthetic test split over every exercise: the clips `posecoach eval` reports on.

The seeds are the test seeds of ``posecoach/synth/splits.toml`` (never used to tune a value).
Per built-in choreography (all 29 exercises):

(``--tuning`` renders the same design on tuning seeds 1004-1006, to tune on.)

- seed 9004, clean, in the choreography's own view;
- seed 9005, clean, in a second view the exercise's spec allows, when it allows one the
  performer can be filmed from (the seeds already draw which side of the body a side view sees);
- seed 9006, one judged fault of the choreography at ``--severity moderate`` (the first fault
  that is the exercise's own, else the first shared one).

``--round 2`` renders a fresh split of the same design on the next three seeds (9007-9009, or
1007-1009 with ``--tuning``), and its fault clip takes the exercise's second judged fault (in
the same order, wrapping round), so that a second round also tests other rules.

The tempo cycles through the split's speeds (shifted by one each round). Clips already
rendered are kept, so an interrupted run resumes. The folder then holds one ``NAME.labels.json``
per clip, which ``posecoach eval`` reads:

    .venv/bin/python benchmarks/render_test_split.py OUT [--only EXERCISE ...] [--list] [--tuning] [--round N]
    posecoach eval OUT --tracks OUT/tracks --json out.json --markdown out.md
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_RULES = ("too_fast", "short_hold", "bouncing")
#: spec view names the performer's camera knows by another name
SYNTH_VIEW = {"back": "behind"}
SYNTH_VIEWS = ("side", "front", "behind", "feet", "above")


def _spec_views(exercise: str) -> list[str]:
    spec = tomllib.loads((ROOT / "exercise_specs" / f"{exercise}.toml").read_text(encoding="utf-8"))
    views = spec.get("view", [])
    return [SYNTH_VIEW.get(v, v) for v in ([views] if isinstance(views, str) else views)]


def jobs(part: str = "test", round_no: int = 1) -> list[tuple[str, list[str]]]:
    """(clip name, render arguments) for every clip of the split, in a fixed order. ``part``
    "tuning" gives the same design on the tuning seeds (1004-1006), to tune on. ``round_no`` 2
    and on take the next three seeds each and the next fault in turn."""
    from posecoach.synth import choreo as choreo_mod
    from posecoach.synth.splits import load_splits

    chosen = load_splits()[part]
    if round_no < 1 or 3 * round_no + 3 > len(chosen.seeds):
        raise SystemExit(f"--round must be 1 to {(len(chosen.seeds) - 3) // 3}: the {part} split has "
                         f"{len(chosen.seeds)} seeds")
    seeds, speeds = chosen.seeds[3 * (round_no - 1):], chosen.speeds
    tag = "T" if part == "test" else "U"
    out: list[tuple[str, list[str]]] = []
    for k, path in enumerate(sorted(choreo_mod.builtin_dir().glob("*.toml"))):
        ch = choreo_mod.load(path)
        ex = ch.exercise
        speed = str(speeds[(k + round_no - 1) % len(speeds)])
        common = ["--random", "--width", "480", "--height", "270"]
        out.append((f"{tag}_{ex}_{seeds[3]}", [ex, "--seed", str(seeds[3]), "--speed", speed, *common]))
        others = [v for v in _spec_views(ex) if v in SYNTH_VIEWS and v != ch.view]
        if others:
            out.append((f"{tag}_{ex}_{seeds[4]}_{others[0]}",
                        [ex, "--seed", str(seeds[4]), "--view", others[0], *common]))
        judged = [fid for fid, f in ch.faults.items() if f.judged]
        own = [fid for fid in judged if fid not in SHARED_RULES]
        ordered = own + [fid for fid in judged if fid not in own]
        pick = ordered[(round_no - 1) % len(ordered)] if ordered else None
        if pick is not None:
            out.append((f"{tag}_{ex}_{seeds[5]}_{pick}",
                        [ex, "--seed", str(seeds[5]), "--fault", pick, "--severity", "moderate", *common]))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--only", action="append", help="only this exercise id (repeatable)")
    p.add_argument("--tuning", action="store_true", help="the same clips on tuning seeds, to tune on")
    p.add_argument("--round", type=int, default=1, dest="round_no",
                   help="2 or more: a fresh round on the next three seeds, testing the next fault in turn")
    p.add_argument("--list", action="store_true", help="print the clips and their arguments, render nothing")
    args = p.parse_args(argv)
    part = "tuning" if args.tuning else "test"
    todo = [(n, a) for n, a in jobs(part, args.round_no) if not args.only or a[0] in args.only]
    for name, rargs in todo:
        if args.list:
            print(name, " ".join(rargs))
            continue
        if (args.out / f"{name}.labels.json").exists() and (args.out / f"{name}.mp4").exists():
            continue
        cmd = [sys.executable, "-m", "posecoach.synth", "render", *rargs, "-o", str(args.out), "--name", name]
        print(" ".join(cmd[1:]), flush=True)
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            print(f"{name}: render failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

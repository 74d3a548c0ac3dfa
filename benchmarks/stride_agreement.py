"""Do strided and every-frame analysis give the same verdicts? On every sample and real clip.

Each labelled video (``sample_videos/*.labels.json`` and ``../shared/real/labels.json``) is
analysed twice with the pose model, as ``posecoach analyze`` does: with the adaptive frame stride
and with ``--every-frame``. Per clip it prints the reps, the reps per side, the faults raised, the
hold times, the frames the model looked at, and whether the two agree: the same reps, per-side
counts and faults (id and how often), and hold times within 0.2 s. The landmark tracks of real
clips whose videos are not here (``../shared/real/tracks``) are compared too, by simulation (the
engine on the track's every frame against the frames the stride picks, with the skipped ones
filled in), marked "track". Exits 1 on any disagreement.

    POSECOACH_MODEL_DIR=../shared/models .venv/bin/python benchmarks/stride_agreement.py [--only TEXT] [--model full]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL = ROOT.parent / "shared" / "real"
sys.path.insert(0, str(HERE))


def clips(only: list[str]) -> list[tuple[str, Path, str]]:
    """(kind, path, exercise) of every labelled clip here: sample and real videos, real tracks."""
    found: list[tuple[str, Path, str]] = []
    for labels in sorted((ROOT / "sample_videos").glob("*.labels.json")):
        for clip in json.loads(labels.read_text())["clips"]:
            found.append(("sample", labels.parent / clip["file"], clip["exercise"]))
    if (REAL / "labels.json").exists():
        for clip in json.loads((REAL / "labels.json").read_text())["clips"]:
            if (REAL / clip["file"]).exists():
                found.append(("real", REAL / clip["file"], clip["exercise"]))
    tracks = REAL / "tracks"
    if (tracks / "labels.json").exists():
        for clip in json.loads((tracks / "labels.json").read_text())["clips"]:
            path = tracks / f"{Path(clip['file']).stem}.jsonl"
            if path.exists():
                found.append(("track", path, clip["exercise"]))
    if only:
        found = [c for c in found if any(t in str(c[1]) or t == c[2] for t in only)]
    return found


def analyse(kind: str, path: Path, exercise: str, model: str, every_frame: bool) -> tuple[dict[str, Any], int]:
    """The report of one clip, and the frames the model (or the simulation) looked at."""
    from posecoach.app.analyze import analyze_video
    from posecoach.app.build import make_analysis

    if kind == "track":
        from stride_tune import simulate

        from posecoach.engine.stride import StrideConfig

        report, analysed, _ = simulate(path, exercise, None if every_frame else StrideConfig())
        return report, analysed
    report, _ = analyze_video(path, make_analysis(exercise), model, None, progress=False, every_frame=every_frame)
    return report, int(report["source"].get("frames_analysed", report["frames"]))


def row(kind: str, path: Path, exercise: str, model: str) -> tuple[list[str], bool, float, float]:
    """The table row of one clip, whether it agrees, and the seconds each mode took."""
    from posecoach.engine.stride import differences, verdicts

    t0 = time.perf_counter()
    every, n_every = analyse(kind, path, exercise, model, True)
    t1 = time.perf_counter()
    strided, n_strided = analyse(kind, path, exercise, model, False)
    t2 = time.perf_counter()
    a, b = verdicts(every), verdicts(strided)
    diff = differences(every, strided)

    def pair(key: str) -> str:
        return f"{a[key]} / {b[key]}" if a[key] != b[key] else str(a[key])

    cells = [f"{kind}: {path.name}", exercise, pair("reps"), pair("reps_by_side"), pair("faults"),
             pair("holds_s"), f"{n_strided}/{n_every}", "yes" if not diff else "NO: " + "; ".join(diff)]
    return cells, not diff, t1 - t0, t2 - t1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", default=[], metavar="TEXT",
                    help="only clips whose path contains TEXT or whose exercise is TEXT (repeatable)")
    ap.add_argument("--model", default="full", help="pose model (default: full)")
    args = ap.parse_args(argv)
    os.environ.setdefault("GLOG_minloglevel", "2")
    todo = clips(args.only)
    if not todo:
        print("stride_agreement: no clip matches", file=sys.stderr)
        return 2
    print(f"model: {args.model}; every frame / strided where they differ; analysed = frames the model "
          f"looked at, strided/every frame\n")
    print("| clip | exercise | reps | per side | faults | hold times (s) | analysed | agree |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    bad = 0
    times = [0.0, 0.0]
    for kind, path, exercise in todo:
        cells, ok, t_every, t_strided = row(kind, path, exercise, args.model)
        bad += not ok
        if kind != "track":
            times[0] += t_every
            times[1] += t_strided
        print("| " + " | ".join(cells) + " |", flush=True)
    print(f"\n{len(todo) - bad}/{len(todo)} clips agree; videos took {times[0]:.1f} s every frame, "
          f"{times[1]:.1f} s strided")
    return 1 if bad else 0


if __name__ == "__main__":
    from posecoach.native import isolate_stderr

    isolate_stderr()
    sys.exit(main())

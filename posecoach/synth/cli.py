"""Command line of the synthetic performer.

    python -m posecoach.synth render CHOREO.toml|EXERCISE -o OUTDIR [--view side] [--seed N]
        [--fault ID] [--fault-reps 2,3] [--speed X] [--random] [--hard] ...
    python -m posecoach.synth preview CHOREO -o poses.png   one still per key pose
    python -m posecoach.synth check [CHOREO.toml ...]    validate choreographies without rendering
    python -m posecoach.synth list                       exercises, views and faults available
    python -m posecoach.synth corpus [--out .cache/synth] [--variants N] [--exercise ID ...] [--hard]
    python -m posecoach.synth samples [--only NAME ...]  re-render the committed sample clips
    python -m posecoach.synth demos [--only ID ...]      re-render the shipped demonstration clips
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posecoach.errors import PosecoachError, SpecError
from posecoach.synth import choreo as choreo_mod
from posecoach.synth import timeline as timeline_mod
from posecoach.synth.choreo import SIDES, VIEWS


def _reps(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected rep numbers like 2 or 2,3 [got {text!r}]") from None


def _body(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected name=value pairs like height=0.7,weight=0.6 [got {part!r}]") from None
        if not sep:
            raise argparse.ArgumentTypeError(f"expected name=value [got {part!r}]")
        if not 0.0 <= out[key.strip()] <= 1.0:
            raise argparse.ArgumentTypeError(f"body values are in [0, 1] [got {part!r}]")
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m posecoach.synth",
                                     description="Render exercise clips with exact labels from a 3D body model.")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render one clip (mp4 + labels + truth track)")
    r.add_argument("choreography", help="a .toml file or a built-in exercise id")
    r.add_argument("-o", "--out", type=Path, required=True, help="output folder")
    r.add_argument("--name", help="file stem of the outputs (default: exercise id, plus the fault)")
    r.add_argument("--view", choices=VIEWS)
    r.add_argument("--camera-side", choices=SIDES, help="for side views: which side of the person is filmed")
    r.add_argument("--elevation", type=float, help="camera height, degrees above the horizon")
    r.add_argument("--distance", type=float, default=1.0, help="scale on the auto-framed camera distance")
    r.add_argument("--width", type=int, default=640)
    r.add_argument("--height", type=int, default=360)
    r.add_argument("--fps", type=float, default=30.0)
    r.add_argument("--speed", type=float, default=1.0, help="> 1 performs everything faster")
    r.add_argument("--reps", type=int, help="number of reps (default: the choreography's)")
    r.add_argument("--fault", help="inject this fault of the choreography")
    r.add_argument("--fault-reps", type=_reps, help="1-based reps that get the fault (default: the 2nd)")
    r.add_argument("--severity", choices=tuple(timeline_mod.SEVERITIES), default="clear",
                   help="how strongly the fault shows (clear: the choreography's full fault)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--random", action="store_true", help="draw body, look and camera from --seed")
    r.add_argument("--hard", action="store_true",
                   help="also draw from --seed a cluttered room, clothing patterns, a held camera (tilt, roll, "
                        "shake, a knock, partial framing), image degradation and human variability")
    r.add_argument("--jitter", type=float, default=0.0, help="timing/angle variation in [0, 0.5]")
    r.add_argument("--body", type=_body, default={}, help="phenotype values, e.g. height=0.8,weight=0.6,gender=1")
    r.add_argument("--codec", choices=("auto", "h264", "mp4v"), default="auto")
    p = sub.add_parser("preview", help="render one still per key pose into a PNG")
    p.add_argument("choreography")
    p.add_argument("-o", "--out", type=Path, required=True, help="PNG file")
    p.add_argument("--view", choices=VIEWS)
    p.add_argument("--fault", help="show the poses with this fault's offsets")
    p.add_argument("--width", type=int, default=480)
    p.add_argument("--height", type=int, default=270)
    c = sub.add_parser("check", help="validate choreographies (all built-in ones by default)")
    c.add_argument("files", nargs="*")
    sub.add_parser("list", help="list built-in choreographies with their views and faults")
    sm = sub.add_parser("samples", help="render the committed sample clips into sample_videos/")
    sm.add_argument("--out", type=Path, default=Path("sample_videos"))
    sm.add_argument("--only", action="append", help="only these sample names (repeatable)")
    d = sub.add_parser("demos", help="render the demonstration clips shipped in posecoach/data/demos/")
    d.add_argument("--out", type=Path, default=None, help="output folder (default: posecoach/data/demos/)")
    d.add_argument("--only", action="append", metavar="ID",
                   help="only these exercise ids (repeatable; also renders one that ships without a demonstration)")
    k = sub.add_parser("corpus", help="render a varied corpus into a cache folder")
    k.add_argument("--out", type=Path, default=Path(".cache/synth"))
    k.add_argument("--exercise", action="append", help="only these exercise ids (repeatable)")
    k.add_argument("--variants", type=int, default=4, help="clips per exercise (plus one per fault)")
    k.add_argument("--no-faults", action="store_true")
    k.add_argument("--width", type=int, default=480)
    k.add_argument("--height", type=int, default=270)
    k.add_argument("--seed", type=int, default=1)
    k.add_argument("--hard", action="store_true", help="render every clip with the hard variation of its seed")
    return parser


def _check(files: list[str]) -> int:
    paths = [Path(f) for f in files] or sorted(choreo_mod.builtin_dir().glob("*.toml"))
    bad = 0
    for path in paths:
        try:
            ch = choreo_mod.load(path)
            tl = timeline_mod.build(ch)
            for fid in ch.faults:
                timeline_mod.build(ch, fault=fid)
            mismatches = _vocabulary_problems(ch)
        except (SpecError, ValueError) as exc:
            print(f"error: {exc}")
            bad += 1
            continue
        if mismatches:
            for line in mismatches:
                print(f"error: {line}")
            bad += 1
            continue
        print(f"ok: {path} ({ch.exercise}, {tl.duration:.1f} s, {tl.reps} reps, faults: {', '.join(ch.faults) or '-'})")
    return 4 if bad else 0


def _vocabulary_problems(ch: choreo_mod.Choreography) -> list[str]:
    """Fault ids that differ from the exercise's spec (none when no spec of that id ships)."""
    from posecoach.spec.loader import exercise_ids, find_spec
    from posecoach.synth.vocabulary import problems

    if ch.exercise not in exercise_ids():
        return []
    return problems(ch, find_spec(ch.exercise))


def _list() -> int:
    for path in sorted(choreo_mod.builtin_dir().glob("*.toml")):
        ch = choreo_mod.load(path)
        print(f"{ch.exercise:20s} view={ch.view:6s} reps={ch.count:<3d} faults: {', '.join(ch.faults) or '-'}")
    return 0


def _demos(out: Path | None, only: list[str] | None) -> int:
    from posecoach.app.demo import WITHOUT_DEMO, packaged_demo_dir
    from posecoach.synth.demos import build_demos

    for ex in only or ():
        if ex in WITHOUT_DEMO:
            print(f"note: {ex} ships without a demonstration ({WITHOUT_DEMO[ex]})")
    for path in build_demos(out or packaged_demo_dir(), only, skip=WITHOUT_DEMO):
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args.files)
        if args.command == "list":
            return _list()
        if args.command == "samples":
            from posecoach.synth.corpus import build_samples

            for path in build_samples(args.out, args.only):
                print(f"wrote {path}")
            return 0
        if args.command == "demos":
            return _demos(args.out, args.only)
        if args.command == "corpus":
            from posecoach.synth.corpus import build_corpus

            index = build_corpus(args.out, exercises=args.exercise, variants=args.variants,
                                 faults=not args.no_faults, width=args.width, height=args.height, seed=args.seed,
                                 hard=args.hard)
            print(f"wrote {index}")
            return 0
        from posecoach.synth.render import Options, preview, render_clip
        from posecoach.synth.variation import harden, randomize

        path = choreo_mod.find(args.choreography)
        if args.command == "preview":
            popt = Options(view=args.view, width=args.width, height=args.height, fault=args.fault)
            print(f"wrote {preview(path, args.out, popt)}")
            return 0
        opt = Options(view=args.view, camera_side=args.camera_side, elevation=args.elevation,
                      distance=args.distance, width=args.width, height=args.height, fps=args.fps,
                      speed=args.speed, reps=args.reps, fault=args.fault, fault_reps=args.fault_reps,
                      severity=args.severity, seed=args.seed,
                      jitter=args.jitter, body=args.body, codec=args.codec)
        if args.random:
            opt = randomize(opt, args.seed, choreo_mod.load(path).view)
        if args.hard:
            opt = harden(opt, args.seed, choreo_mod.load(path).view)
        stem = args.name or (choreo_mod.load(path).exercise + (f"_{args.fault}" if args.fault else "")
                             + (f"_{args.severity}" if args.fault and args.severity != "clear" else "")
                             + ("_hard" if args.hard else ""))
        entry = render_clip(path, args.out, stem, opt, progress=True)
        print(f"wrote {args.out / entry['file']} ({entry['frames']} frames, {entry['reps']} reps)")
        return 0
    except (PosecoachError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        return 130

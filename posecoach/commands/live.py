"""``posecoach live``: coach a set from the camera (or a video played as if live), in a window.

Keys: q ends the set (the report is saved), space pauses, p is a pain stop (ends the set at once,
recorded in the report, with advice to ask a therapist).

Hands-free, for someone on the floor: say "stop" (pain stop), "pause", "go on", "next", or raise a
hand and wave it (pause / go on; keep waving, or wave both hands, for a pain stop). The coach talks
you through getting down, the start position and the movement (s or "skip" ends that), and asks
for a pain level 0-10 at the end (a number key, or say it). Each control is listed in the report.

Before the set (with a camera), a demonstration of the exercise plays: any key, or saying "next",
skips it (listed in the report's events as skip_demo); --no-demo leaves it out.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from posecoach.app.build import make_analysis, spec_inputs
from posecoach.commands.analyze import add_model_argument
from posecoach.control import cli as floor_cli
from posecoach.errors import CameraError, ExitCode, UsageError
from posecoach.routine import any_summary_text, current_section
from posecoach.store.hook import add_store_arguments, dose_adjuster, record_session

if TYPE_CHECKING:
    from posecoach.app.demo import Demo

logger = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("live", help="coach a set live from the camera, in a window", description=__doc__)
    p.add_argument("--exercise", "-e", required=True, help="exercise id (see 'posecoach exercises') or a spec .toml")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=_camera, default=0, metavar="N|DEVICE|URL",
                     help="camera number (default: 0), or a device path or stream URL")
    src.add_argument("--source", type=Path, metavar="VIDEO",
                     help="play a video file through the live path at its real frame rate instead of a camera")
    p.add_argument("--no-drop", action="store_true",
                   help="with --source: process every frame, at full resolution, as fast as possible, without "
                        "pacing or dropping (gives the same report as 'posecoach analyze')")
    p.add_argument("--record", type=Path, metavar="DIR",
                   help="keep the session in DIR: video.ts (MPEG-TS, readable after a crash), track.jsonl, "
                        "report.json, all written as the session goes")
    p.add_argument("--report", type=Path, help="JSON report path (default: DIR/report.json with --record, "
                   "else live-<exercise>-<time>.report.json here)")
    p.add_argument("--profile", type=Path, help="a personal limits profile (a therapist's adjustments)")
    p.add_argument("--mute", action="store_true", help="no spoken cues")
    p.add_argument("--voice-wav", type=Path, metavar="DIR", help="write each spoken cue to a WAV file in DIR "
                   "instead of the sound card")
    p.add_argument("--headless", action="store_true",
                   help="run without a window (also POSECOACH_HEADLESS=1); the overlay is still drawn")
    p.add_argument("--keys", default="", metavar="T:KEY,...",
                   help="headless only: keys to press at video times, e.g. '2.5:p' (for tests and demos)")
    p.add_argument("--summary-s", type=float, default=None, metavar="S",
                   help="close the end-of-set summary after S seconds (default: wait for a key; 0: no summary screen)")
    p.add_argument("--demo", action=argparse.BooleanOptionalAction, default=None,
                   help="show a demonstration of the exercise before the set, skippable with any key or by "
                        "saying \"next\" (default: on with a camera in a window; off with --source or --headless)")
    p.add_argument("--quiet", "-q", action="store_true", help="print no summary")
    add_model_argument(p)
    add_store_arguments(p)
    floor_cli.add_arguments(p)
    p.set_defaults(func=run)


def _camera(text: str) -> int | str:
    """``--camera``: a number for /dev/videoN, otherwise a device path or a stream URL."""
    return int(text) if text.isdigit() else text


def _demo(args: argparse.Namespace, exercise_id: str, headless: bool) -> Demo | None:
    """The demonstration to show before the set, or None. By default only for a person at a
    camera: a ``--source`` video is a recording, and offscreen nobody watches."""
    from posecoach.app.demo import WITHOUT_DEMO, find_demo

    wanted = args.demo if args.demo is not None else (args.source is None and not headless)
    if not wanted:
        return None
    demo = find_demo(exercise_id)
    if demo is None and args.demo:
        why = WITHOUT_DEMO.get(exercise_id, "no clip is installed; 'posecoach exercises show ID --demo' renders one")
        logger.warning(f"posecoach: no demonstration of {exercise_id} ({why}); the set starts without one")
    return demo


def _default_report(args: argparse.Namespace, exercise_id: str) -> Path:
    if args.report is not None:
        return args.report
    if args.record is not None:
        return args.record / "report.json"
    if args.source is not None:
        return Path(f"{args.source.stem}.live.report.json")
    from datetime import datetime

    return Path(f"live-{exercise_id}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.report.json")


def _check_outputs(args: argparse.Namespace, report_path: Path) -> None:
    """Before the camera opens: no output overwrites an input, and every output can be written
    (a set is not coached only to lose its report at the end)."""
    from posecoach.outputs import check_outputs, check_writable
    from posecoach.report import csv_paths

    reps_csv, faults_csv = csv_paths(report_path)
    outputs: dict[str, Path | None] = {"--report": report_path, "its reps CSV": reps_csv, "its faults CSV": faults_csv}
    if args.record is not None:
        outputs.update({"the recorded video": args.record / "video.ts", "the recorded track": args.record / "track.jsonl"})
    check_outputs({"--source": args.source, **spec_inputs(args.exercise, args.profile)}, outputs)
    if args.voice_wav is not None:
        check_writable(args.voice_wav, "--voice-wav", folder=True)


def run(args: argparse.Namespace) -> int:
    from posecoach.app.live import LiveOptions, run_live
    from posecoach.render.window import check_display, headless_requested, parse_key_script

    if args.no_drop and args.source is None:
        raise UsageError("--no-drop needs --source VIDEO: a camera cannot wait for the coach")
    headless = headless_requested(args.headless)
    try:
        script = parse_key_script(args.keys)
    except ValueError as exc:
        raise UsageError(f"--keys: {exc}; write it as T:KEY pairs, e.g. '2.5:p,4:q'") from None
    if script and not headless:
        raise UsageError("--keys works only with --headless; in a window, press the keys")
    if args.record is not None:
        if args.record.exists() and not args.record.is_dir():
            raise UsageError(f"{args.record}: is a file; give --record a folder (it is created if missing)")
        if (args.record / "session.json").exists():
            raise UsageError(f"{args.record}: already holds a recorded session; choose a new folder for --record")
        try:
            args.record.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"{args.record}: cannot create the folder ({exc.strerror}); choose another place") from None
    floor_cli.check_arguments(args)
    if not headless:
        check_display()  # before the camera and the model: the cheapest thing that can be missing
    analysis = make_analysis(args.exercise, args.profile, dose_adjuster(args))
    report_path = _default_report(args, analysis.spec.id)
    _check_outputs(args, report_path)
    options = LiveOptions(args.exercise, args.profile, args.model, report_path, camera=args.camera, source=args.source,
                          no_drop=args.no_drop, record=args.record, headless=headless, keys=script, mute=args.mute,
                          voice_wav=args.voice_wav, summary_s=args.summary_s,
                          demo=_demo(args, analysis.spec.id, headless))
    result = run_live(analysis, options, lambda voice: floor_cli.make_floor(args, voice))
    report = result.report
    record_session(args, report, report_path, kind="live", pain_rating=result.pain_rating)
    if not args.quiet:
        print(any_summary_text(report))
        lat = result.latency_summary()
        print(f"  live: {result.frames} frames processed, {result.dropped} dropped; "
              f"latency median {lat['median_ms']:.0f} ms, 95th percentile {lat['p95_ms']:.0f} ms")
        if result.write_error is None:
            print(f"  report: {report_path}")
        if result.pain_rating is not None:
            print(f"  pain after the set: {result.pain_rating}/10")
        if current_section(report).get("pain_stop"):
            print(f"  {current_section(report)['pain_stop']['advice']}")
    if result.write_error is not None:
        raise result.write_error  # one line: where the report went instead
    if result.reason == "camera_lost":
        where = f"camera {args.camera}" if args.source is None else str(args.source)
        raise CameraError(f"{where}: stopped giving frames at {current_section(report)['stop']['t_s']} s; the set was ended and "
                          f"the report saved to {report_path}; reconnect the camera and start a new set")
    if result.reason == "interrupted":
        return int(ExitCode.INTERRUPTED)
    if result.reason == "display_lost":
        raise CameraError(f"the live window's display went away at {current_section(report)['stop']['t_s']} s; "
                          f"the set was ended and the report saved to {report_path}")
    from posecoach.app.pipeline import require_person

    require_person(report, str(args.source) if args.source is not None else f"camera {args.camera}")
    return int(ExitCode.OK)

"""``posecoach analyze``: a recorded video (or a saved landmark track) becomes a session report."""

from __future__ import annotations

import argparse
from pathlib import Path

from posecoach.app.analyze import analyze_track_file, analyze_video
from posecoach.app.build import make_analysis, spec_inputs
from posecoach.app.pipeline import require_person
from posecoach.errors import UsageError
from posecoach.outputs import check_outputs
from posecoach.report import csv_paths, summary_text
from posecoach.routine import routine_summary_text
from posecoach.store.hook import add_store_arguments, dose_adjuster, record_session


def add_every_frame_argument(p: argparse.ArgumentParser) -> None:
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--every-frame", dest="every_frame", action="store_true", default=True,
                      help="give the pose model every frame of the video (the default)")
    mode.add_argument("--strided", dest="every_frame", action="store_false",
                      help="skip frames while the body is still and no count, fault or hold time is about to change: "
                           "faster on recordings with still stretches (rests, holds), but a verdict decided by a "
                           "fraction of a degree can still differ from every-frame analysis (see the README's frame "
                           "stride section); the report says which mode ran")


def add_model_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default="full", metavar="lite|full|heavy|PATH",
                   help="pose model: a name (obtained automatically if missing) or a .task file (default: full)")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="analyse a recorded exercise video", description=__doc__)
    p.add_argument("video", type=Path, help="a video file, or a landmark track (.jsonl) saved with --save-track")
    p.add_argument("--exercise", "-e", required=True, help="exercise id (see 'posecoach exercises'), a spec .toml, or routine:NAME "
                   "(exercise_specs/routines/NAME.toml) for several exercises in a row")
    p.add_argument("--report", type=Path, help="JSON report path (default: <video name>.report.json here); "
                   "CSVs of reps and faults are written beside it")
    p.add_argument("--save-track", type=Path, metavar="TRACK.jsonl", help="also save the per-frame landmarks")
    p.add_argument("--profile", type=Path, help="a personal limits profile (a therapist's adjustments)")
    p.add_argument("--quiet", "-q", action="store_true", help="print no summary")
    add_model_argument(p)
    add_every_frame_argument(p)
    add_store_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    video: Path = args.video
    report_path: Path = args.report or Path(f"{video.stem}.report.json")
    if video.suffix == ".jsonl" and args.save_track:
        raise UsageError("--save-track needs a video; the input is already a track")
    reps_csv, faults_csv = csv_paths(report_path)
    # before anything is read: an output must neither overwrite an input nor be unwritable
    check_outputs({"the input": video, **spec_inputs(args.exercise, args.profile)},
                  {"--report": report_path, "its reps CSV": reps_csv, "its faults CSV": faults_csv,
                   "--save-track": args.save_track})
    analysis = make_analysis(args.exercise, args.profile, dose_adjuster(args))
    if video.suffix == ".jsonl":
        report, code = analyze_track_file(video, analysis, report_path)
    else:
        report, code = analyze_video(video, analysis, args.model, report_path, args.save_track,
                                     every_frame=args.every_frame)
    require_person(report, str(video))
    record_session(args, report, report_path, kind="analyze")
    if not args.quiet:
        print(routine_summary_text(report) if "exercises" in report else summary_text(report))
        print(f"  report: {report_path} (and {reps_csv.name}, {faults_csv.name})")
    return int(code)

"""``posecoach replay``: an annotated copy of a video, with the live overlay and a timeline strip
of reps, holds and faults under it.

The input is a video (the model is run again, or a saved ``--track`` is used) or a session folder
recorded with ``posecoach live --record DIR`` (its video, track and exercise are used).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from posecoach.app.annotate import collect_steps, read_session, write_annotated
from posecoach.app.build import make_analysis, spec_inputs
from posecoach.app.pipeline import finish as finish_analysis
from posecoach.commands.analyze import add_model_argument
from posecoach.errors import ExitCode, UsageError
from posecoach.outputs import check_outputs


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="write an annotated video (overlay and timeline)", description=__doc__)
    p.add_argument("input", type=Path, metavar="VIDEO|SESSION_DIR",
                   help="a video file, or a folder recorded with 'posecoach live --record'")
    p.add_argument("--output", "-o", type=Path, required=True, help="the annotated video to write (.mp4)")
    p.add_argument("--exercise", "-e", help="exercise id or spec .toml (needed for a video; a session folder has it)")
    p.add_argument("--track", type=Path, metavar="TRACK.jsonl",
                   help="use these saved landmarks instead of running the model (made with analyze --save-track)")
    p.add_argument("--profile", type=Path, help="a personal limits profile (a therapist's adjustments)")
    p.add_argument("--report", type=Path, help="also write the session report here")
    p.add_argument("--quiet", "-q", action="store_true", help="print no summary")
    add_model_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posecoach.render.video import count_frames
    from posecoach.report import summary_text

    source: Path = args.input
    track: Path | None = args.track
    exercise, profile, model = args.exercise, args.profile, args.model
    if source.is_dir():
        session = read_session(source)
        video = source / session.get("video", "video.ts")
        track = track or source / session.get("track", "track.jsonl")
        exercise = exercise or session.get("exercise")
        profile = profile or (Path(session["profile"]) if session.get("profile") else None)
        if not exercise:
            raise UsageError(f"{source}/session.json names no exercise; give one with --exercise")
    else:
        video = source
        if not exercise:
            raise UsageError(f"{source}: which exercise is it? give --exercise ID (see 'posecoach exercises')")
    if args.output.suffix.lower() != ".mp4":
        raise UsageError(f"{args.output}: the annotated video must be an .mp4 file")
    from posecoach.report import csv_paths

    outputs: dict[str, Path | None] = {"--output": args.output, "--report": args.report}
    if args.report is not None:
        reps_csv, faults_csv = csv_paths(args.report)
        outputs.update({"its reps CSV": reps_csv, "its faults CSV": faults_csv})
    # before anything is read: no output may overwrite an input, and each must be writable
    check_outputs({"the input video": video, "--track": track, **spec_inputs(exercise, profile)}, outputs)
    analysis = make_analysis(exercise, profile)
    steps, meta = collect_steps(analysis, video, track, model)
    report = finish_analysis(analysis, meta, args.report)
    written, fps, codec = write_annotated(analysis, video, steps, report, args.output)
    read_back, _ = count_frames(args.output)
    if read_back != written:
        from posecoach.render.video import VideoWriteError

        raise VideoWriteError(f"{args.output}: {written} frames were written but {read_back} read back; "
                              f"check the free disk space and write it again")
    if not args.quiet:
        print(summary_text(report))
        print(f"  annotated video: {args.output} ({written} frames at {fps:g} fps, codec {codec}; "
              f"{read_back} frames read back)")
    return int(ExitCode.OK)

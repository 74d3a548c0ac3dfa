"""``posecoach replay``: an annotated copy of a video, with the live overlay and a timeline strip
of reps, holds and faults under it.

The input is a video (the model is run again, or a saved ``--track`` is used) or a session folder
recorded with ``posecoach live --record DIR`` (its video, track and exercise are used).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from posecoach.commands.analyze import add_model_argument, make_analysis
from posecoach.errors import ExitCode, TrackError, UsageError
from posecoach.jsonio import read_json
from posecoach.outputs import check_outputs
from posecoach.pipeline import Analysis, Progress, Step
from posecoach.pipeline import finish as finish_analysis


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


def _read_session(folder: Path) -> dict[str, Any]:
    path = folder / "session.json"
    if not path.is_file():
        raise UsageError(f"{folder}: is a folder but not a recorded session (no session.json); "
                         f"give a video file, or a folder made with 'posecoach live --record'")
    session = read_json(path, UsageError)
    if not isinstance(session, dict) or session.get("format") != "posecoach.session":
        raise UsageError(f"{path}: not a posecoach session file")
    for key in ("video", "track", "exercise", "profile"):
        value = session.get(key)
        if value is not None and (not isinstance(value, str) or not value or "\0" in value):
            raise UsageError(f"{path}: {key}: expected a file name or id [got {value!r}]; record the session again")
    return session


def collect_steps(analysis: Analysis, video: Path, track: Path | None, model: str,
                  log: Any = None) -> tuple[dict[int, Step], dict[str, Any]]:
    """Run the engine over the whole clip first (the timeline needs the whole set): steps by frame
    index, and the report's source fields."""
    from posecoach.sources import VideoFileSource
    from posecoach.track import read_frames, read_header

    probe = VideoFileSource(video)
    probe.close()
    meta: dict[str, Any] = {"video": str(video), "fps": probe.fps, "width": probe.width, "height": probe.height}
    steps: dict[int, Step] = {}
    if track is not None:
        header = read_header(track)
        if (header["width"], header["height"]) != (probe.width, probe.height):
            raise TrackError(f"{track}: its frames are {header['width']}x{header['height']} but {video} is "
                             f"{probe.width}x{probe.height}; give the track saved from this video")
        for pose in read_frames(track):
            steps[pose.index] = analysis.step_pose(pose)
        meta.update(track=str(track), model=header.get("model"))
        return steps, meta
    from posecoach.pose.estimator import PoseEstimator
    from posecoach.pose.models import resolve_model

    model_path = resolve_model(model, log=log or (lambda m: print(m, file=sys.stderr)))
    meta["model"] = model if model in ("lite", "full", "heavy") else str(model_path)
    source = VideoFileSource(video)
    bar = Progress(source.frame_count)
    try:
        with PoseEstimator(model_path) as estimator:
            for frame in source:
                steps[frame.index] = analysis.step_pose(estimator.process(frame))
                bar(len(steps))
    finally:
        bar.close()
        source.close()
    meta.update(source.damage())
    return steps, meta


def write_annotated(analysis: Analysis, video: Path, steps: dict[int, Step], report: dict[str, Any],
                    output: Path) -> tuple[int, float, str]:
    """Draw the overlay and the timeline on every frame of ``video`` into ``output``.
    Returns (frames written, frame rate, codec)."""
    from posecoach.render.overlay import HudInfo, Overlay
    from posecoach.render.timeline import Timeline, with_strip
    from posecoach.render.video import VideoOut
    from posecoach.sources import VideoFileSource

    source = VideoFileSource(video)
    duration = max(source.duration_s, max((s.result.t_s for s in steps.values()), default=0.0))
    timeline = Timeline(report, duration, source.width)
    overlay = Overlay(analysis.spec)
    size = (source.width, source.height + timeline.height)
    last: Step | None = None
    bar = Progress(source.frame_count)
    with VideoOut(output, source.fps, size) as out:
        try:
            for frame in source:
                # a frame without its own step (dropped live, or past the track's end) shows the last one
                last = steps.get(frame.index, last)
                image = frame.image.copy()
                if last is not None:
                    overlay.draw(image, last, HudInfo())
                out.write(with_strip(image, timeline.render(frame.timestamp_ms / 1000.0)))
                bar(out.frames)
        finally:
            bar.close()
            source.close()
        return out.frames, source.fps, out.codec


def run(args: argparse.Namespace) -> int:
    from posecoach.render.video import count_frames
    from posecoach.report import summary_text

    source: Path = args.input
    track: Path | None = args.track
    exercise, profile, model = args.exercise, args.profile, args.model
    if source.is_dir():
        session = _read_session(source)
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
    from posecoach.commands.analyze import spec_inputs
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

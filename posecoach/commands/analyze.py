"""``posecoach analyze``: a recorded video (or a saved landmark track) becomes a session report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posecoach.errors import ExitCode, UsageError
from posecoach.outputs import check_outputs
from posecoach.pipeline import Analysis, Progress, analyze_track, finish, require_person, run_frames
from posecoach.report import csv_paths, summary_text
from posecoach.routine import routine_summary_text
from posecoach.spec.loader import find_spec
from posecoach.spec.schema import Spec
from posecoach.track import read_header
from posecoach.store.hook import add_store_arguments, dose_adjuster, record_session


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
    add_store_arguments(p)
    p.set_defaults(func=run)


def make_analysis(exercise: str, profile: Path | None = None, adjust=None) -> Analysis:  # type: ignore[no-untyped-def]
    """The engine for ``--exercise`` (an id or a spec file), with a personal profile applied.
    ``live``, ``replay`` and ``analyze`` all build their engine here. ``routine:NAME`` (or
    ``routine:FILE.toml``) gives a ``RoutineRunner``, which has the same interface."""
    if exercise.startswith("routine:"):
        from posecoach.routine import RoutineRunner, load_routine

        routine = load_routine(exercise.removeprefix("routine:"))
        for spec in routine.specs[1:]:
            _analysis_for(spec, profile)  # a bad profile value fails now, not halfway through
        return RoutineRunner(routine, lambda spec: _analysis_for(spec, profile, adjust))  # type: ignore[return-value]
    return _analysis_for(find_spec(exercise), profile, adjust)


def _analysis_for(spec: Spec, profile: Path | None, adjust=None) -> Analysis:  # type: ignore[no-untyped-def]
    """One exercise's engine, with the profile's changes for it applied."""
    limits = None
    if profile is not None:
        from posecoach.spec.profile import apply_profile

        spec, limits = apply_profile(spec, profile)
        if adjust is not None:
            spec, limits = adjust(spec, limits)
    return Analysis(spec, limits=limits)


def spec_inputs(exercise: str, profile: Path | None) -> dict[str, Path | None]:
    """The files ``--exercise`` and ``--profile`` name, which no output may overwrite."""
    inputs: dict[str, Path | None] = {"--profile": profile}
    name = exercise.removeprefix("routine:")
    if name.endswith(".toml"):
        inputs["--exercise"] = Path(name)
    return inputs


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
        header = read_header(video)
        source = {"track": str(video), "video": header.get("source"), "fps": header.get("fps"),
                  "width": header["width"], "height": header["height"], "model": header.get("model")}
        reason, code = None, ExitCode.OK
        try:
            analyze_track(video, analysis)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the frames so far still make a report
            reason, code = "interrupted", ExitCode.INTERRUPTED
            sys.stderr.write("\nposecoach: stopped (Ctrl-C); writing a partial report\n")
        report = finish(analysis, source, report_path, reason=reason)
    else:
        report, code = analyze_video(video, analysis, args.model, report_path, args.save_track)
    require_person(report, str(video))
    record_session(args, report, report_path, kind="analyze")
    if not args.quiet:
        print(routine_summary_text(report) if "exercises" in report else summary_text(report))
        print(f"  report: {report_path} (and {reps_csv.name}, {faults_csv.name})")
    return int(code)


def analyze_video(video: Path, analysis: Analysis, model: str, report_path: Path | None,
                  save_track: Path | None = None, *, progress: bool | None = None) -> tuple[dict, ExitCode]:
    """Analyse a video file end to end. Ctrl-C still writes a valid partial report."""
    from posecoach.pose.estimator import PoseEstimator
    from posecoach.pose.models import resolve_model
    from posecoach.sources import VideoFileSource
    from posecoach.track import TrackWriter

    source = VideoFileSource(video)
    model_path = resolve_model(model, log=lambda m: print(m, file=sys.stderr))
    meta = {"video": str(video), "fps": source.fps, "width": source.width, "height": source.height,
            "model": model if model in ("lite", "full", "heavy") else str(model_path)}
    track = TrackWriter(save_track, {**meta, "source": str(video)}) if save_track else None
    if track is not None:
        meta["track"] = str(save_track)
    bar = Progress(source.frame_count, progress)
    reason, code = None, ExitCode.OK
    try:
        with PoseEstimator(model_path) as estimator:
            run_frames(analysis, source, estimator, track=track, progress=bar)
    except KeyboardInterrupt:
        reason, code = "interrupted", ExitCode.INTERRUPTED
        sys.stderr.write("\nposecoach: stopped (Ctrl-C); writing a partial report\n")
    except Exception:
        # a crash must not lose what was analysed: write the partial report, then report the bug
        meta.update(source.damage())
        finish(analysis, meta, report_path, reason="error")
        raise
    finally:
        bar.close()
        source.close()
        meta.update(source.damage())
        if track is not None:
            track.close()
    return finish(analysis, meta, report_path, reason=reason), code

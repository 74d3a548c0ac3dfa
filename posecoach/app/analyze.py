"""Analysing a recorded video, or a saved landmark track, into a session report.

``posecoach analyze``, ``batch`` and ``eval`` call these; a Ctrl-C or a crash part-way still
leaves a valid partial report of the frames analysed so far.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from posecoach.app.build import resolve_model_arg
from posecoach.app.pipeline import Runner, analyze_track, finish, frames_done, progress_bar, run_frames
from posecoach.errors import ExitCode
from posecoach.track import read_header
from posecoach.types import Frame, PoseFrame


def interrupted_notice() -> None:
    """One line on stderr: the set stopped, and the report written will be a partial one."""
    sys.stderr.write("\nposecoach: stopped (Ctrl-C); writing a partial report\n")


def analyze_track_file(track: Path, analysis: Runner, report_path: Path | None) -> tuple[dict[str, Any], ExitCode]:
    """Re-run the engine on a saved track (no model) and write its report."""
    header = read_header(track)
    source = {"track": str(track), "video": header.get("source"), "fps": header.get("fps"),
              "width": header["width"], "height": header["height"], "model": header.get("model")}
    reason, code = None, ExitCode.OK
    try:
        analyze_track(track, analysis)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the frames so far still make a report
        reason, code = "interrupted", ExitCode.INTERRUPTED
        interrupted_notice()
    return finish(analysis, source, report_path, reason=reason), code


def analyze_video(video: Path, analysis: Runner, model: str, report_path: Path | None,
                  save_track: Path | None = None, *, progress: bool | None = None,
                  every_frame: bool = True) -> tuple[dict[str, Any], ExitCode]:
    """Analyse a video file end to end. Ctrl-C still writes a valid partial report.

    The pose model looks at every frame, or (``every_frame`` False) only at the frames the
    adaptive stride picks (``engine.stride``). The report's ``source`` says which ran
    (``frame_mode``: "strided" or "every_frame") and how many frames the model looked at
    (``frames_analysed``); a saved track's header says the mode too, as its skipped frames'
    landmarks are filled in, not measured."""
    from posecoach.engine.stride import StridePolicy
    from posecoach.pose.estimator import PoseEstimator
    from posecoach.sources import VideoFileSource
    from posecoach.track import TrackWriter

    source = VideoFileSource(video)
    model_path, label = resolve_model_arg(model)
    stride = None if every_frame else StridePolicy(source.fps)
    mode = {"frame_mode": "every_frame" if stride is None else "strided"}
    meta: dict[str, Any] = {"video": str(video), "fps": source.fps, "width": source.width,
                            "height": source.height, "model": label}
    track = TrackWriter(save_track, {**meta, "source": str(video), **mode}) if save_track else None
    if track is not None:
        meta["track"] = str(save_track)
    bar = progress_bar(source.frame_count, progress)
    reason, code = None, ExitCode.OK
    looked = _Counted()
    try:
        with PoseEstimator(model_path) as estimator:
            looked.estimator = estimator
            run_frames(analysis, source, looked, track=track, progress=frames_done(bar), stride=stride)
    except KeyboardInterrupt:
        reason, code = "interrupted", ExitCode.INTERRUPTED
        interrupted_notice()
    except Exception:
        # a crash must not lose what was analysed: write the partial report, then report the bug
        meta.update(source.damage())
        finish(analysis, {**meta, **mode, "frames_analysed": looked.n}, report_path, reason="error")
        raise
    finally:
        bar.close()
        source.close()
        meta.update(source.damage())
        if track is not None:
            track.close()
    return finish(analysis, {**meta, **mode, "frames_analysed": looked.n}, report_path, reason=reason), code


class _Counted:
    """The pose model, counting the frames it is given (the report's ``frames_analysed``)."""

    def __init__(self) -> None:
        self.estimator: Any = None
        self.n = 0

    def process(self, frame: Frame) -> PoseFrame:
        self.n += 1
        pose: PoseFrame = self.estimator.process(frame)
        return pose

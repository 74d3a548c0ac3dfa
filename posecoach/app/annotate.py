"""The annotated replay: the engine over a whole clip, then every frame drawn again with the live
overlay and a timeline strip of reps, holds and faults (``posecoach replay``).

The input is a video (the model is run again, or a saved track is used) or a session folder
recorded with ``posecoach live --record`` (``read_session`` reads what it names).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from posecoach.app.build import resolve_model_arg
from posecoach.app.pipeline import Runner, frames_done, progress_bar, run_frames
from posecoach.engine.step import Step
from posecoach.errors import TrackError, UsageError
from posecoach.formats.errors import validate
from posecoach.formats.session import SessionFile
from posecoach.jsonio import read_json
from posecoach.types import Frame


def read_session(folder: Path) -> dict[str, Any]:
    """The ``session.json`` of a recorded session folder, checked enough that what it names can be
    opened: a folder that is not a session, or a damaged file, is a one-line ``UsageError``."""
    path = folder / "session.json"
    if not path.is_file():
        raise UsageError(f"{folder}: is a folder but not a recorded session (no session.json); "
                         f"give a video file, or a folder made with 'posecoach live --record'")
    session = read_json(path, UsageError)
    if not isinstance(session, dict) or session.get("format") != "posecoach.session":
        raise UsageError(f"{path}: not a posecoach session file")
    validate(SessionFile, session, path, UsageError, "record the session again")
    return session


def collect_steps(analysis: Runner, video: Path, track: Path | None, model: str) -> tuple[dict[int, Step], dict[str, Any]]:
    """Run the engine over the whole clip first (the timeline needs the whole set): steps by frame
    index, and the report's source fields."""
    from posecoach.sources import VideoFileSource
    from posecoach.track import read_frames, read_header

    probe = VideoFileSource(video)
    probe.close()
    meta: dict[str, Any] = {"video": str(video), "fps": probe.fps, "width": probe.width, "height": probe.height}
    steps: dict[int, Step] = {}

    def collect(frame: Frame | None, step: Step) -> None:
        steps[step.raw.index if frame is None else frame.index] = step

    if track is not None:
        header = read_header(track)
        if (header["width"], header["height"]) != (probe.width, probe.height):
            raise TrackError(f"{track}: its frames are {header['width']}x{header['height']} but {video} is "
                             f"{probe.width}x{probe.height}; give the track saved from this video")
        run_frames(analysis, read_frames(track), None, on_step=collect)
        meta.update(track=str(track), model=header.get("model"))
        return steps, meta
    from posecoach.pose.estimator import PoseEstimator

    model_path, meta["model"] = resolve_model_arg(model)
    source = VideoFileSource(video)
    bar = progress_bar(source.frame_count)
    try:
        with PoseEstimator(model_path) as estimator:
            run_frames(analysis, source, estimator, on_step=collect, progress=frames_done(bar))
    finally:
        bar.close()
        source.close()
    meta.update(source.damage())
    return steps, meta


def write_annotated(analysis: Runner, video: Path, steps: dict[int, Step], report: dict[str, Any],
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
    bar = progress_bar(source.frame_count)
    advance = frames_done(bar)
    with VideoOut(output, source.fps, size) as out:
        try:
            for frame in source:
                # a frame without its own step (dropped live, or past the track's end) shows the last one
                last = steps.get(frame.index, last)
                image = frame.image.copy()
                if last is not None:
                    overlay.draw(image, last, HudInfo())
                out.write(with_strip(image, timeline.render(frame.timestamp_ms / 1000.0)))
                advance(out.frames)
        finally:
            bar.close()
            source.close()
        return out.frames, source.fps, out.codec

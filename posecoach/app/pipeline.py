"""The one loop: frames -> pose -> smoothing -> features -> session -> sinks.

``Analysis`` is shared by ``analyze`` (video file), track re-analysis, ``live`` and ``replay``, so
they all produce the same events for the same input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from posecoach.engine.events import SetupCompleted
from posecoach.engine.session import Session
from posecoach.engine.step import Step
from posecoach.engine.stride import StridePolicy, fill_between
from posecoach.errors import NoPersonError
from posecoach.features import FeatureExtractor
from posecoach.pose.smoothing import Smoother
from posecoach.report import build_report, save_report
from posecoach.spec.schema import Spec
from posecoach.track import TrackWriter, read_frames, read_header
from posecoach.types import Frame, PoseFrame

if TYPE_CHECKING:
    from tqdm import tqdm

TRACK_DIGITS = 5


def quantize(pose: PoseFrame) -> PoseFrame:
    """Round landmarks to the precision a track stores, so a saved track replays exactly."""
    if pose.landmarks is None:
        return pose
    world = None if pose.world is None else np.round(pose.world, TRACK_DIGITS)
    return PoseFrame(pose.index, pose.timestamp_ms, pose.width, pose.height, np.round(pose.landmarks, TRACK_DIGITS), world)


class Runner(Protocol):
    """What the app drives over a stream of poses: one exercise (``Analysis``) or a routine of
    several (``routine.RoutineRunner``). ``spec``, ``session`` and ``limits`` are the current
    exercise's; ``finished`` is True once there is nothing more to do (a routine's whole dose,
    or a pain stop); ``exercise_changed`` is True on the step that moved to a new exercise."""

    @property
    def spec(self) -> Spec: ...

    @property
    def session(self) -> Session: ...

    @property
    def limits(self) -> dict[str, Any] | None: ...

    @property
    def finished(self) -> bool: ...

    @property
    def exercise_changed(self) -> bool: ...

    def step_pose(self, raw: PoseFrame) -> Step: ...

    def next(self) -> bool: ...

    def finish(self, reason: str | None = None) -> None: ...

    def report(self, source: dict[str, Any]) -> dict[str, Any]: ...


class Analysis:
    """Runs the engine for one exercise set over a stream of poses."""

    #: one exercise never finishes early nor moves on: the stream's end closes it
    finished = False
    exercise_changed = False

    def __init__(self, spec: Spec, *, smoother: Smoother | None = None, limits: dict[str, Any] | None = None) -> None:
        self.spec = spec
        self.limits = limits  # the personal limits in force, recorded in the report
        self.smoother = smoother or Smoother(min_visibility=spec.min_visibility)
        self.features = FeatureExtractor(spec)
        self.session = Session(spec, baseline_metrics=self.features.baseline_metrics())

    def step_pose(self, raw: PoseFrame) -> Step:
        raw = quantize(raw)
        pose = self.smoother(raw)
        feats = self.features.compute(pose)
        result = self.session.update(feats)
        # the start position is reached: the features measure from here on (their baseline)
        if any(isinstance(ev, SetupCompleted) for ev in result.events):
            self.features.set_baseline()
        return Step(raw, pose, feats, result)

    def next(self) -> bool:
        """A single exercise has no next one to skip to."""
        return False

    def finish(self, reason: str | None = None) -> None:
        self.session.finish(reason)

    def report(self, source: dict[str, Any]) -> dict[str, Any]:
        return build_report(self.spec, self.session, source, limits=self.limits)


def progress_bar(total: int, enabled: bool | None = None) -> tqdm[None]:
    """A one-line progress display on stderr: frames done (of ``total``, 0 when unknown), frames
    per second and the time left. By default shown only when stderr is a terminal, so a pipe or a
    log file gets nothing. Close it when done."""
    from tqdm import tqdm  # late: only the commands that read a video need it

    show = sys.stderr.isatty() if enabled is None else enabled
    fmt = ("  {n_fmt}/{total_fmt} frames ({percentage:.0f}%), {rate_noinv_fmt}, {remaining} left " if total
           else "  {n_fmt} frames, {rate_noinv_fmt} ")
    return tqdm(total=total or None, file=sys.stderr, disable=not show, bar_format=fmt, unit=" frames",
                mininterval=0.25)


def frames_done(bar: tqdm[None]) -> Callable[[int], None]:
    """The ``progress`` callback of ``run_frames`` (frames done so far) moving ``bar`` on."""
    return lambda done: None if bar.disable else bar.update(done - bar.n)


class Estimator(Protocol):
    """The pose model as the loop sees it (``pose.estimator.PoseEstimator``)."""

    def process(self, frame: Frame) -> PoseFrame: ...


#: A sink sees every step: the frame it came from (None when the input is a saved track) and
#: what the engine made of it. Drawing, recording, speaking and collecting are sinks.
Sink = Callable[["Frame | None", Step], None]


def run_frames(
    analysis: Runner | None,
    frames: Iterable[Frame] | Iterable[PoseFrame],
    estimator: Estimator | None,
    *,
    track: TrackWriter | None = None,
    on_step: Sink | None = None,
    progress: Callable[[int], None] | None = None,
    stride: StridePolicy | None = None,
) -> int:
    """The one loop: every frame (through ``estimator``) or every saved pose (``estimator`` None)
    goes through the engine, then to the sinks. Returns the number of frames. A
    KeyboardInterrupt stops it after the current frame, for the caller to write a partial report.

    With ``stride`` (a recorded video: ``frames`` is a ``VideoFileSource``, or saved poses read as
    if they were one: ``engine.stride.StridedPoses``), the policy says after
    each analysed frame how many frames to move on. The frames passed over are never converted
    nor given to the model; the engine gets a pose for each of them, at its own time, filled in
    between the analysed frames around it (``engine.stride.fill_between``), so every frame is
    still counted and timed. Sinks see those steps with frame None.

    With no engine (``analysis`` None) the poses only go to ``track``, as a saved track stores them."""
    skip = 1
    items: Iterable[tuple[list[tuple[int, int]], Frame | PoseFrame | None]]
    if stride is not None:
        if not hasattr(frames, "strided"):
            raise TypeError("run_frames: a frame stride needs a source that can pass over frames")
        items = frames.strided(lambda: skip)
    else:
        items = (([], item) for item in frames)
    n = 0
    last: PoseFrame | None = None
    for passed, item in items:
        frame: Frame | None = None
        if item is None:  # the video ended inside a skip: the last pose analysed stands
            if last is None:
                break
            raw = last
        elif isinstance(item, PoseFrame):
            raw = item
        elif estimator is None:
            raise TypeError("run_frames: video frames need an estimator")
        else:
            frame, raw = item, estimator.process(item)
        if analysis is None:  # no engine: the poses go to the track as it stores them
            if stride is not None:
                raise TypeError("run_frames: a frame stride needs an engine to steer it")
            if track is not None:
                track.write(quantize(raw))
            n += 1
            if progress is not None:
                progress(n)
            continue
        steps = [_step(analysis, None, pose, track, on_step) for pose in fill_between(last, raw, passed)]
        n += len(passed)
        if item is None:
            break
        steps.append(_step(analysis, frame, raw, track, on_step))
        n += 1
        last = raw
        if stride is not None:
            skip = stride.advance(analysis.spec, steps)
        if progress is not None:
            progress(n)
    if progress is not None and stride is not None and n:
        progress(n)  # the frames passed over at the very end
    return n


def _step(analysis: Runner, frame: Frame | None, raw: PoseFrame, track: TrackWriter | None,
          on_step: Sink | None) -> Step:
    """One pose through the engine, then to the sinks."""
    step = analysis.step_pose(raw)
    if track is not None:
        track.write(step.raw)
    if on_step is not None:
        on_step(frame, step)
    return step


def analyze_track(track_path: Path, analysis: Runner, *, on_step: Sink | None = None) -> dict[str, Any]:
    """Re-run the engine on a saved landmark track (no model). Returns the track's header."""
    header = read_header(track_path)
    run_frames(analysis, read_frames(track_path), None, on_step=on_step)
    return header


def mark_lost_frames(report: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """A report over a video some of whose frames could not be decoded says so: how many were
    lost and where (``frames_lost``, ``frames_lost_at``), and its ``status`` is never "complete"
    (nor that of any routine section)."""
    lost = int(source.get("frames_lost") or 0)
    if lost <= 0:
        return report
    sections = [report, *report.get("exercises", [])]
    for sec in sections:
        sec["status"] = "partial"
    report["frames_lost"] = lost
    report["frames_lost_at"] = list(source.get("frames_lost_at") or [])
    return report


def finish(analysis: Runner, source: dict[str, Any], report_path: Path | None, *,
           reason: str | None = None) -> dict[str, Any]:
    """Close the set, build the report and write it (when a path is given). A report that cannot
    be written at its path is saved in a fallback folder and ``OutputError`` says where."""
    analysis.finish(reason)
    report = mark_lost_frames(analysis.report(source), source)
    if report_path is not None:
        save_report(report, report_path)
    return report


def require_person(report: dict[str, Any], where: str) -> None:
    """``NoPersonError`` (exit 6) when frames were seen but none had a person in them."""
    if report["frames"] > 0 and report["frames_with_pose"] == 0:
        raise NoPersonError(f"{where}: nobody was found in any of the {report['frames']} frames; "
                            f"film the whole body, well lit, from the spec's view")

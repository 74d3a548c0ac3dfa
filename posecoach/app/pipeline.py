"""The one loop: frames -> pose -> smoothing -> features -> session -> sinks.

``Analysis`` is shared by ``analyze`` (video file), track re-analysis, ``live`` and ``replay``, so
they all produce the same events for the same input.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.engine.session import FrameResult, Session
from posecoach.errors import NoPersonError
from posecoach.features import FeatureExtractor
from posecoach.pose.smoothing import Smoother
from posecoach.report import build_report, save_report
from posecoach.spec.schema import Spec
from posecoach.track import TrackWriter, read_frames, read_header
from posecoach.types import Features, Frame, PoseFrame

TRACK_DIGITS = 5


def quantize(pose: PoseFrame) -> PoseFrame:
    """Round landmarks to the precision a track stores, so a saved track replays exactly."""
    if pose.landmarks is None:
        return pose
    world = None if pose.world is None else np.round(pose.world, TRACK_DIGITS)
    return PoseFrame(pose.index, pose.timestamp_ms, pose.width, pose.height, np.round(pose.landmarks, TRACK_DIGITS), world)


@dataclass
class Step:
    """Everything one frame produced, for drawing."""

    raw: PoseFrame
    pose: PoseFrame
    features: Features
    result: FrameResult


class Analysis:
    """Runs the engine for one exercise set over a stream of poses."""

    def __init__(self, spec: Spec, *, smoother: Smoother | None = None, limits: dict[str, Any] | None = None) -> None:
        self.spec = spec
        self.limits = limits  # the personal limits in force, recorded in the report
        self.smoother = smoother or Smoother()
        self.features = FeatureExtractor(spec)
        self.session = Session(spec, baseline_metrics=self.features.baseline_metrics(),
                               on_setup=self.features.set_baseline)

    def step_pose(self, raw: PoseFrame) -> Step:
        raw = quantize(raw)
        pose = self.smoother(raw)
        feats = self.features.compute(pose)
        return Step(raw, pose, feats, self.session.update(feats))

    def finish(self, reason: str | None = None) -> None:
        self.session.finish(reason)

    def report(self, source: dict[str, Any]) -> dict[str, Any]:
        return build_report(self.spec, self.session, source, limits=self.limits)


class Progress:
    """A one-line progress display on stderr (only when it is a terminal)."""

    def __init__(self, total: int, enabled: bool | None = None) -> None:
        self.total = total
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._t0 = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.25 and done < self.total:
            return
        self._last = now
        fps = done / max(now - self._t0, 1e-6)
        if self.total:
            eta = (self.total - done) / max(fps, 1e-6)
            sys.stderr.write(f"\r  {done}/{self.total} frames ({100 * done / self.total:.0f}%), {fps:.0f} fps, {eta:.0f} s left ")
        else:
            sys.stderr.write(f"\r  {done} frames, {fps:.0f} fps ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def run_frames(
    analysis: Analysis,
    frames: Iterable[Frame],
    estimator: Any,
    *,
    track: TrackWriter | None = None,
    on_step: Callable[[Frame, Step], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Feed video frames through the estimator and the engine. Returns the number of frames.
    Stops cleanly on KeyboardInterrupt by re-raising after the current frame is accounted."""
    n = 0
    for frame in frames:
        step = analysis.step_pose(estimator.process(frame))
        if track is not None:
            track.write(step.raw)
        if on_step is not None:
            on_step(frame, step)
        n += 1
        if progress is not None:
            progress(n)
    return n


def analyze_track(track_path: Path, analysis: Analysis) -> dict[str, Any]:
    """Re-run the engine on a saved landmark track (no model). Returns the track's header."""
    header = read_header(track_path)
    for pose in read_frames(track_path):
        analysis.step_pose(pose)
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


def finish(analysis: Analysis, source: dict[str, Any], report_path: Path | None, *,
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

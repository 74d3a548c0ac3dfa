"""The main metric over a session's time, re-measured from its saved landmark track.

A report keeps per-rep summaries only; the trace (the metric frame by frame) comes from running
the exercise's features over the landmark track the session saved (``--save-track``, a ``live
--record`` folder, or an analysed track), with the same smoothing as the session had. No model,
no video: a track of a few minutes takes well under a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.spec.schema import JointAngle, SegmentAngle, Spec


@dataclass
class Trace:
    metric: str
    unit: str
    t_s: np.ndarray  #: seconds from the start of the recording
    values: np.ndarray  #: the metric as the engine measured it (NaN where not seen)


def _source_file(section: dict[str, Any], key: str, in_recording: str) -> Path | None:
    """The file a report's section names under ``source[key]``, or else the recording folder's
    ``in_recording`` file, whichever is still on disk."""
    source = section.get("source") or {}
    candidates = [source.get(key)]
    if source.get("recording"):
        candidates.append(str(Path(source["recording"]) / in_recording))
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


def track_path(section: dict[str, Any]) -> Path | None:
    """The landmark track a report's section was measured from, if it is still on disk."""
    return _source_file(section, "track", "track.jsonl")


def video_path(section: dict[str, Any]) -> Path | None:
    """The video a report's section was measured from, if it is still on disk."""
    return _source_file(section, "video", "video.ts")


def section_spec(section: dict[str, Any]) -> Spec | None:
    try:
        from posecoach.spec.loader import find_spec

        return find_spec(section["exercise"])
    except Exception:  # noqa: BLE001 - an exercise unknown to this build: no trace, the rest still shows
        return None


def trace_for(section: dict[str, Any]) -> Trace | None:
    """The main metric over time for one report section, or None without a track or spec."""
    path = track_path(section)
    spec = section_spec(section)
    if path is None or spec is None:
        return None
    from posecoach.app.pipeline import Analysis, Step, run_frames
    from posecoach.report import metric_unit
    from posecoach.track import read_frames

    ts: list[float] = []
    vals: list[float] = []
    metric = spec.main_metric

    def collect(_frame: object, step: Step) -> None:
        ts.append(step.raw.timestamp_ms / 1000.0)
        vals.append(float(step.features.values.get(metric, math.nan)))

    run_frames(Analysis(spec), read_frames(path), None, on_step=collect)
    return Trace(spec.main_metric, metric_unit(spec), np.asarray(ts), np.asarray(vals))


def metric_at(trace: Trace, t: float) -> float | None:
    """The metric at time ``t`` (the nearest measured frame within half a second), or None."""
    ok = np.isfinite(trace.values)
    if not ok.any():
        return None
    t_ok, v_ok = trace.t_s[ok], trace.values[ok]
    i = int(np.argmin(np.abs(t_ok - t)))
    return round(float(v_ok[i]), 2) if abs(t_ok[i] - t) <= 0.5 else None


# -- the clinical convention ---------------------------------------------------------------------
_JOINT_NAMES = {"hip": "Hip", "knee": "Knee", "elbow": "Elbow", "shoulder": "Shoulder"}


@dataclass(frozen=True)
class Clinical:
    """How a metric reads in the clinical convention: ``value = offset + sign * measured``."""

    label: str
    offset: float
    sign: float
    joint: str | None  #: the joint whose angle it is (for its measured uncertainty), if any

    def __call__(self, value: float | None) -> float | None:
        return None if value is None or not math.isfinite(value) else self.offset + self.sign * value

    def span(self, value: float | None) -> float | None:
        """A range of motion (a difference) in this convention: the same size."""
        return None if value is None else abs(value)


def clinical(spec: Spec, metric: str | None = None) -> Clinical:
    """The metric in the clinical convention. A joint angle (0-180, 180 = straight) becomes the
    joint's flexion from neutral (0 = straight), as a goniometer reads it; a segment angle is
    already degrees from its reference line; other metrics keep their own scale."""
    name = metric or spec.main_metric
    m = spec.metrics.get(name)
    if isinstance(m, JointAngle):
        joint = m.points[1].removeprefix("left_").removeprefix("right_")
        label = f"{_JOINT_NAMES.get(joint, joint.capitalize())} flexion (degrees from straight, 0 = straight)"
        return Clinical(label, 180.0, -1.0, joint)
    if isinstance(m, SegmentAngle):
        ref = "the floor line" if m.reference == "horizontal" else "the vertical"
        what = m.label or f"{m.points[0]}-{m.points[1]} line"
        return Clinical(f"{what} (degrees from {ref})", 0.0, 1.0, None)
    label = getattr(m, "label", "") or name
    return Clinical(label, 0.0, 1.0, None)

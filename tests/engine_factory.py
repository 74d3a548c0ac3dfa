"""Builders for engine tests: a tiny spec from keyword overrides, and Features sequences."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from posecoach.engine.session import FrameResult, Session
from posecoach.spec.loader import parse_spec
from posecoach.spec.schema import Spec
from posecoach.types import Features

NAN = math.nan


def make_spec(**over: Any) -> Spec:
    """A valid rep spec on metric ``a`` (up from rest 100 to peak 150), adjustable per test."""
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": "test_ex",
        "name": "Test exercise",
        "view": ["side"],
        "position": "supine",
        "instructions": "Do it.",
        "dose": {"reps": 5},
        "metrics": {
            "a": {"type": "joint_angle", "points": ["shoulder", "hip", "knee"]},
            "b": {"type": "joint_angle", "points": ["hip", "knee", "ankle"]},
        },
        "setup": {"hold_s": 0.2},
        "rep": {"metric": "a", "direction": "up", "rest": 100, "peak": 150, "min_duration_s": 0.5,
                "debounce_s": 0.1},
    }
    for key, value in over.items():
        if value is None:
            data.pop(key, None)
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return parse_spec(data)


def run(spec: Spec, samples: Iterable[tuple[float, dict[str, float]]], *, view: str = "side",
        sides: Sequence[str | None] | None = None, metric: str = "a") -> tuple[Session, list[FrameResult]]:
    """Feed (t_s, {metric: value}) samples to a fresh session; returns it (finished) and the results."""
    session = Session(spec)
    results = []
    for i, (t, vals) in enumerate(samples):
        side = sides[i] if sides is not None else None
        f = Features(i, int(round(t * 1000)), True, dict(vals), {metric: side} if side else {}, view)
        results.append(session.update(f))
    session.finish()
    return session, results


def wave(points: Sequence[tuple[float, float]], fps: float = 30.0) -> list[tuple[float, float]]:
    """Piecewise-linear signal through (t_s, value) knots, sampled at ``fps``."""
    out = []
    t = points[0][0]
    i = 0
    while t <= points[-1][0] + 1e-9:
        while i + 1 < len(points) - 1 and t > points[i + 1][0]:
            i += 1
        (t0, v0), (t1, v1) = points[i], points[i + 1]
        v = v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
        out.append((round(t, 6), v))
        t += 1.0 / fps
    return out


def reps_signal(n: int, *, rest: float = 80, peak: float = 170, up_s: float = 1.0, top_s: float = 1.0,
                down_s: float = 1.0, pause_s: float = 1.0, start_s: float = 1.0) -> list[tuple[float, float]]:
    """Knots of ``n`` clean reps after ``start_s`` of rest."""
    knots = [(0.0, rest), (start_s, rest)]
    t = start_s
    for _ in range(n):
        knots += [(t + up_s, peak), (t + up_s + top_s, peak), (t + up_s + top_s + down_s, rest)]
        t += up_s + top_s + down_s + pause_s
        knots.append((t, rest))
    return knots

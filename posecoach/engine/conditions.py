"""Evaluating spec conditions on a frame's metrics, with three outcomes: True, False, or None
(unknown: a metric it needs is NaN, so the condition cannot be judged)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from posecoach.spec.schema import Condition


def evaluate(cond: Condition, values: Mapping[str, float]) -> bool | None:
    v = values.get(cond.metric, math.nan)
    if math.isnan(v):
        return None
    if cond.op == "<":
        return v < cond.value  # type: ignore[operator]
    if cond.op == ">":
        return v > cond.value  # type: ignore[operator]
    lo, hi = cond.value  # type: ignore[misc]
    inside = lo <= v <= hi
    return inside if cond.op == "between" else not inside


def evaluate_all(conds: Iterable[Condition], values: Mapping[str, float]) -> bool | None:
    """All true -> True; any false -> False; otherwise (some unknown) None."""
    unknown = False
    for c in conds:
        r = evaluate(c, values)
        if r is False:
            return False
        if r is None:
            unknown = True
    return None if unknown else True


def evaluate_margin(cond: Condition, values: Mapping[str, float], margin: float) -> bool | None:
    """Like ``evaluate``, but true only when the condition still holds with the value moved by
    ``margin`` towards the side where it would fail: a fault condition that holds by less than
    the metric's measured wobble is not evidence of the fault."""
    v = values.get(cond.metric, math.nan)
    if math.isnan(v):
        return None
    m = max(0.0, margin)
    if cond.op == "<":
        return v + m < cond.value  # type: ignore[operator]
    if cond.op == ">":
        return v - m > cond.value  # type: ignore[operator]
    lo, hi = cond.value  # type: ignore[misc]
    if cond.op == "between":
        return lo + m <= v <= hi - m
    return v < lo - m or v > hi + m


def evaluate_all_margin(conds: Iterable[Condition], values: Mapping[str, float],
                        margins: Mapping[str, float]) -> bool | None:
    """``evaluate_all`` with each condition's metric margin (see ``evaluate_margin``)."""
    unknown = False
    for c in conds:
        r = evaluate_margin(c, values, margins.get(c.metric, 0.0))
        if r is False:
            return False
        if r is None:
            unknown = True
    return None if unknown else True

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

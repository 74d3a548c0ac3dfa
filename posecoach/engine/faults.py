"""Form faults: debounced conditions, judged only where they can be judged.

Each frame a fault is either *judged* (its view matches and its metrics are known) or *not
judged*, and the time of each is kept, so a report can say "not judged from this view" instead
of passing a check it never made.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from posecoach.engine.conditions import evaluate_all
from posecoach.engine.events import Event, FaultCleared, FaultRaised, FaultRecord
from posecoach.spec.schema import Bounce, Fault

FRONTAL_VIEWS = frozenset({"front", "back", "above", "feet"})
CLEAR_AFTER_S = 0.2


def view_matches(detected: str, allowed: tuple[str, ...]) -> bool:
    """Whether a detected view ("side", "frontal", "unknown") is one the spec allows."""
    if detected == "side":
        return "side" in allowed
    if detected == "frontal":
        return bool(FRONTAL_VIEWS.intersection(allowed))
    return False


@dataclass
class FaultCheck:
    """How much of the time a fault could be judged, and why not otherwise."""

    id: str
    judged_s: float = 0.0
    not_judged_view_s: float = 0.0
    not_judged_landmarks_s: float = 0.0
    records: list[FaultRecord] = field(default_factory=list)

    @property
    def status(self) -> str:
        total = self.judged_s + self.not_judged_view_s + self.not_judged_landmarks_s
        if total <= 0:
            return "not applicable"
        if self.judged_s >= 0.5 * total:
            return "judged"
        if self.judged_s > 0:
            return "partly judged"
        return "not judged"

    @property
    def reason(self) -> str:
        if self.status == "judged":
            return ""
        if self.not_judged_view_s >= self.not_judged_landmarks_s and self.not_judged_view_s > 0:
            return "the camera view does not show it"
        if self.not_judged_landmarks_s > 0:
            return "the body parts it needs were not visible"
        return "its phase of the exercise did not occur"


class _Debounced:
    """True/False input -> raised/cleared with a debounce on raising."""

    def __init__(self, debounce_s: float) -> None:
        self.debounce_s = debounce_s
        self.active: FaultRecord | None = None
        self._true_since: float | None = None
        self._false_since: float | None = None

    def step(self, t: float, cond: bool, make: callable) -> list[Event]:  # type: ignore[valid-type]
        events: list[Event] = []
        if cond:
            self._false_since = None
            if self._true_since is None:
                self._true_since = t
            if self.active is None and t - self._true_since >= self.debounce_s - 1e-9:
                self.active = make(self._true_since)
                events.append(FaultRaised(t, self.active.id, self.active.message, self.active.severity))
        else:
            self._true_since = None
            if self.active is not None:
                if self._false_since is None:
                    self._false_since = t
                if t - self._false_since >= CLEAR_AFTER_S - 1e-9:
                    events.extend(self.close(self._false_since))
        return events

    def close(self, t: float) -> list[Event]:
        self._true_since = self._false_since = None
        if self.active is None:
            return []
        self.active.end_s = t
        fid = self.active.id
        self.active = None
        return [FaultCleared(t, fid)]


class FaultMonitor:
    """One spec fault over time."""

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.check = FaultCheck(fault.id)
        self._deb = _Debounced(fault.debounce_s)

    def _make(self, start: float) -> FaultRecord:
        rec = FaultRecord(self.fault.id, start, None, self.fault.message, self.fault.severity)
        self.check.records.append(rec)
        return rec

    @property
    def active(self) -> FaultRecord | None:
        return self._deb.active

    def update(self, t: float, dt: float, phase: str, view: str, values: dict[str, float]) -> list[Event]:
        if "any" not in self.fault.phases and phase not in self.fault.phases:
            return self._deb.close(t)
        if not view_matches(view, self.fault.views):
            self.check.not_judged_view_s += dt
            return self._deb.close(t)
        ok = evaluate_all(self.fault.when, values)
        if ok is None:
            self.check.not_judged_landmarks_s += dt
            return self._deb.close(t)
        self.check.judged_s += dt
        return self._deb.step(t, ok, self._make)

    def close(self, t: float) -> list[Event]:
        return self._deb.close(t)


class BounceMonitor:
    """Bouncing at end range: repeated direction changes of the main metric while held."""

    ID = "bouncing"

    def __init__(self, rule: Bounce) -> None:
        self.rule = rule
        self.check = FaultCheck(self.ID)
        self._deb = _Debounced(0.0)
        self._reversals: deque[float] = deque()
        self._ext: float | None = None  # last extreme value
        self._dir = 0

    def _make(self, start: float) -> FaultRecord:
        rec = FaultRecord(self.ID, start, None, self.rule.message)
        self.check.records.append(rec)
        return rec

    @property
    def active(self) -> FaultRecord | None:
        return self._deb.active

    def update(self, t: float, dt: float, in_range: bool, value: float) -> list[Event]:
        if not in_range:
            self._reversals.clear()
            self._ext, self._dir = None, 0
            return self._deb.close(t)
        if math.isnan(value):
            self.check.not_judged_landmarks_s += dt
            return []
        self.check.judged_s += dt
        if self._ext is None:
            self._ext = value
        else:
            delta = value - self._ext
            if self._dir >= 0 and delta <= -self.rule.amplitude or self._dir <= 0 and delta >= self.rule.amplitude:
                if self._dir != 0:
                    self._reversals.append(t)
                self._dir = -1 if delta < 0 else 1
                self._ext = value
            elif self._dir > 0 and value > self._ext or self._dir < 0 and value < self._ext:
                self._ext = value
        while self._reversals and self._reversals[0] < t - self.rule.window_s:
            self._reversals.popleft()
        bouncing = len(self._reversals) >= self.rule.min_reversals
        start = self._reversals[0] if self._reversals else t
        return self._deb.step(t, bouncing, lambda _s: self._make(start))

    def close(self, t: float) -> list[Event]:
        return self._deb.close(t)

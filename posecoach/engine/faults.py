"""Form faults: debounced conditions, judged only where they can be judged.

Each frame a fault is either *judged* (its view matches and its metrics are known) or *not
judged*, and the time of each is kept, so a report can say "not judged from this view" instead
of passing a check it never made.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from posecoach.engine.conditions import evaluate_all, evaluate_all_margin
from posecoach.engine.events import Event, FaultCleared, FaultRaised, FaultRecord, PossibleFault
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
    possible: list[PossibleFault] = field(default_factory=list)

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

    def step(self, t: float, cond: bool, make: Callable[[float], FaultRecord]) -> list[Event]:
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
    """One spec fault over time.

    The condition is judged on the engine's filtered metrics and must hold by more than each
    metric's margin (half its measured wobble on this person) to raise the fault. When it holds
    only within that margin for longer than the debounce, the episode is kept as *possible*
    (with its reason) and never raised.
    """

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.check = FaultCheck(fault.id)
        self._deb = _Debounced(fault.debounce_s)
        self._weak_since: float | None = None
        self._weak_last = 0.0
        self._weak_raised = False
        self._weak_margin: dict[str, float] = {}

    def _make(self, start: float) -> FaultRecord:
        rec = FaultRecord(self.fault.id, start, None, self.fault.message, self.fault.severity)
        self.check.records.append(rec)
        return rec

    @property
    def active(self) -> FaultRecord | None:
        return self._deb.active

    def _end_weak(self) -> None:
        since, self._weak_since = self._weak_since, None
        if since is None or self._weak_raised:
            return
        if self._weak_last - since >= self.fault.debounce_s - 1e-9 and self._weak_last > since:
            used = sorted({c.metric for c in self.fault.when if self._weak_margin.get(c.metric, 0.0) > 0})
            detail = ", ".join(f"{m} ±{self._weak_margin[m]:.3g}" for m in used)
            self.check.possible.append(PossibleFault(
                self.fault.id, since, self._weak_last, self.fault.message,
                f"past its limit by less than the measurement wobble on this person ({detail})"))

    def update(self, t: float, dt: float, phase: str, view: str, values: dict[str, float],
               margins: dict[str, float] | None = None) -> list[Event]:
        if "any" not in self.fault.phases and phase not in self.fault.phases:
            self._end_weak()
            return self._deb.close(t)
        if not view_matches(view, self.fault.views):
            self.check.not_judged_view_s += dt
            self._end_weak()
            return self._deb.close(t)
        ok = evaluate_all(self.fault.when, values)
        if ok is None:
            self.check.not_judged_landmarks_s += dt
            self._end_weak()
            return self._deb.close(t)
        self.check.judged_s += dt
        # the margin is needed to raise the fault, not to keep it raised (hysteresis)
        sure = ok if self._deb.active is not None else (
            evaluate_all_margin(self.fault.when, values, margins or {}) if ok else False)
        if ok:
            if self._weak_since is None:
                self._weak_since, self._weak_raised = t, False
                self._weak_margin = dict(margins or {})
            self._weak_last = t
        else:
            self._end_weak()
        events = self._deb.step(t, bool(sure), self._make)
        if self._deb.active is not None:
            self._weak_raised = True
        return events

    def close(self, t: float) -> list[Event]:
        self._end_weak()
        return self._deb.close(t)


class BounceMonitor:
    """Bouncing at end range: repeated direction changes of the main metric while held.

    The metric it sees is the engine's filtered one (a one-frame landmark jump is not a
    direction change). A swing counts when it takes as long as a bounce's pulse
    (``MIN_SWING_S``-``MAX_SWING_S``) and travels ``AMPLITUDE_SHARE`` of the spec's ``amplitude``
    (the swing of a clear bounce: a moderate one travels about two thirds of it); the swing from
    where the metric came into range is the way in and never counts. To be raised, the swings
    must also travel more than ``WOBBLE_FACTOR`` times the metric's measured wobble on this
    person; swings that pass the amplitude but not the wobble make a *possible* bounce, never a
    raised one.

    During a break in a hold (``provisional``) swings are still tracked but nothing new is
    raised: if the hold resumes, the swings seen in the break count toward a bounce as usual
    (a bounce that dips out of the held posture on each swing is still a bounce); if the break
    ends the hold, it was the way out of the position and the swings are forgotten.
    """

    ID = "bouncing"
    WOBBLE_FACTOR = 2.0
    #: a swing counts from this share of the spec's ``amplitude`` (the travel of a clear bounce)
    AMPLITUDE_SHARE = 0.5
    #: a bounce's swing takes 0.1-0.6 s (a pulse of about 1-5 a second): a quicker one is a
    #: landmark jump, a slower one an adjustment or the way into or out of the position
    MIN_SWING_S = 0.1
    MAX_SWING_S = 0.6

    def __init__(self, rule: Bounce) -> None:
        self.rule = rule
        self.check = FaultCheck(self.ID)
        self._deb = _Debounced(0.0)
        self._reversals: deque[tuple[float, float]] = deque()  # (t, travel of the swing that turned)
        self._ext_t = self._ext_prev_t = 0.0  # when those extremes were reached
        self._ext: float | None = None  # last extreme value
        self._ext_prev: float | None = None  # the extreme before it
        self._dir = 0
        self._from_entry = False
        self._weak: tuple[float, float, float] | None = None  # (start, last, needed travel)
        self._wobble: float | None = None  # the wobble measured before this stay at end range

    def _make(self, start: float) -> FaultRecord:
        rec = FaultRecord(self.ID, start, None, self.rule.message)
        self.check.records.append(rec)
        return rec

    @property
    def active(self) -> FaultRecord | None:
        return self._deb.active

    @property
    def reversing(self) -> bool:
        """Whether bounce-sized direction changes are under way (then the metric is not still,
        and its samples must not be taken as measurement wobble)."""
        return bool(self._reversals)

    def _end_weak(self) -> None:
        if self._weak is not None:
            start, last, need = self._weak
            self.check.possible.append(PossibleFault(
                self.ID, start, last, self.rule.message,
                f"direction changes smaller than the measurement wobble on this person (needs {need:.3g})"))
        self._weak = None

    def update(self, t: float, dt: float, in_range: bool, value: float, wobble: float = 0.0,
               provisional: bool = False) -> list[Event]:
        if not in_range:
            self._reversals.clear()
            self._ext = self._ext_prev = None
            self._dir = 0
            self._wobble = None
            self._end_weak()
            return self._deb.close(t)
        if self._wobble is None:
            # a bounce is itself a wobble: judge it against what was measured before it began
            self._wobble = wobble
        if math.isnan(value):
            self.check.not_judged_landmarks_s += dt
            return []
        self.check.judged_s += dt
        if self._ext is None:
            self._ext, self._ext_t = value, t
        else:
            delta = value - self._ext
            turn = self.AMPLITUDE_SHARE * self.rule.amplitude
            if self._dir >= 0 and delta <= -turn or self._dir <= 0 and delta >= turn:
                swing_s = self._ext_t - self._ext_prev_t
                if (self._dir != 0 and self._ext_prev is not None and not self._from_entry
                        and self.MIN_SWING_S <= swing_s <= self.MAX_SWING_S):
                    self._reversals.append((t, abs(self._ext - self._ext_prev)))
                # the first swing runs from where the metric came into range: the way in, not a bounce
                self._from_entry = self._dir == 0
                self._dir = -1 if delta < 0 else 1
                self._ext_prev, self._ext_prev_t = self._ext, self._ext_t
                self._ext, self._ext_t = value, t
            elif self._dir > 0 and value > self._ext or self._dir < 0 and value < self._ext:
                self._ext, self._ext_t = value, t
        while self._reversals and self._reversals[0][0] < t - self.rule.window_s:
            self._reversals.popleft()
        need = max(self.AMPLITUDE_SHARE * self.rule.amplitude, self.WOBBLE_FACTOR * self._wobble)
        sure = [r for r in self._reversals if r[1] >= need]
        bouncing = len(sure) >= self.rule.min_reversals
        if provisional and self.active is None:
            # not yet known whether this break is a dip of the bounce or the way out of the hold
            return self._deb.step(t, False, self._make)
        if not bouncing and self.active is None and len(self._reversals) >= self.rule.min_reversals:
            start = self._reversals[0][0] if self._weak is None else self._weak[0]
            self._weak = (start, t, need)
        elif self._weak is not None and (bouncing or len(self._reversals) < self.rule.min_reversals):
            if bouncing:
                self._weak = None
            else:
                self._end_weak()
        start = sure[0][0] if sure else t
        return self._deb.step(t, bouncing, lambda _s: self._make(start))

    def close(self, t: float) -> list[Event]:
        self._end_weak()
        return self._deb.close(t)

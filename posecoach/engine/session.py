"""One exercise set: setup, reps or holds, faults; fed ``Features`` frame by frame.

Phases: ``setup`` (getting into the start position; nothing is counted), then for rep
exercises ``rest`` / ``moving`` / ``peak`` / ``returning``, for hold exercises ``rest`` / ``hold``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from posecoach.engine.conditions import evaluate, evaluate_all
from posecoach.engine.events import (
    Event, FaultRecord, HoldRecord, PainStopped, PoseFound, PoseLost, PossibleFault,
    RepCompleted, RepRecord, SetupCompleted,
)
from posecoach.engine.faults import BounceMonitor, FaultCheck, FaultMonitor, view_matches
from posecoach.engine.holds import HoldTimer
from posecoach.engine.noise import MedianFilter, WobbleMeter, edge_uncertainty
from posecoach.engine.reps import PEAK, REST, RepCounter
from posecoach.features import BodyMotion
from posecoach.spec.schema import Hold, Rep, Spec
from posecoach.types import Features

POSE_LOST_AFTER_S = 0.5
BREAK = "break"  #: the phase faults are judged in during a break in a hold (no spec phase matches it)
STILL_AT_TOP_S = 1.0  #: time at the top of a rep after which the person counts as holding still
SMOOTHING_LAG_S = 0.15  #: how late the landmark smoothing lets a movement settle (per end of a rep)
SETTLE_S = 1.0  #: after a rep, how long to watch the metric settle before timing the whole movement
HISTORY_S = 40.0  #: main-metric history kept for timing movements
MARGIN_SHARE = 0.5  #: a fault condition must hold by this share of its metric's wobble
#: a movement starts (and ends) where the metric is this share of the way from its resting
#: level to the rep's ``rest`` threshold
ONSET_SHARE = 0.15
#: a rep whose furthest point passed the peak threshold by less than this share of the distance
#: between the rest and peak thresholds only just counted: its times between threshold crossings
#: shrink towards nothing as the movement's size nears the threshold (a far-side knee roll seen
#: from beside the mat), so its hold is not judged and it is too fast only when its whole
#: movement is; otherwise the rules are "possible", never raised
MARGINAL_PEAK = 0.25
#: a timed hold ends at once when the body's shape changes by more than this (``features.BodyMotion``,
#: body sizes in 0.3 s): on real footage a held child's pose, plank or hip-flexor stretch moves it by
#: 0.02-0.03 at most, a dissolve to another camera by 0.07-0.08 (../shared/real/tracks) ...
HOLD_MOTION = 0.045
#: ... or by more than this many times the motion's upper quartile over the last ``MOTION_WINDOW_S``
#: on this person, when their landmarks jitter more than that (a hard render of child's pose: upper
#: quartile 0.10, single frames up to 0.23 while still)
MOTION_NOISE_FACTOR = 3.0
#: a timed hold is timed from where the body moves less than this (the eased last of the way into
#: the posture is not holding it; held real postures stay under 0.02-0.03), and a hold that ends is
#: timed to the last moment the body was under it, if the movement out began before the break
HOLD_SETTLED = 0.02
MOTION_WINDOW_S = 5.0
VIEW_NAMES = {"side": "the side", "front": "the front", "back": "behind", "above": "above", "feet": "the feet"}
VIEW_ADVICE = {
    "side": "Turn so the camera sees you from the side",
    "front": "Face the camera",
    "back": "Turn your back to the camera",
    "above": "Place the camera above you",
    "feet": "Place the camera at your feet",
}


def marginal_reason(rep: RepRecord) -> str:
    """Why a rep's timing cannot be judged ("" when it can): it only just passed the peak threshold."""
    if not rep.peak_margin < MARGINAL_PEAK:  # nan (unknown) is judged as before
        return ""
    return (f"the rep only just reached the counting threshold ({rep.peak_margin:.0%} past it), "
            "so the times between its threshold crossings are too uncertain to judge")


@dataclass
class FrameResult:
    """What the engine made of one frame; what a live overlay draws."""

    t_s: float
    phase: str
    events: list[Event]
    reps: int
    reps_by_side: dict[str, int]
    hold_s: float
    active_faults: list[FaultRecord]
    setup_unmet: list[str] = field(default_factory=list)
    view: str = "unknown"
    view_ok: bool = True
    main_value: float = float("nan")
    has_pose: bool = True


class Session:
    """The engine for one set of one exercise. ``update`` per frame, ``finish`` at the end."""

    def __init__(self, spec: Spec, *, baseline_metrics: frozenset[str] = frozenset()) -> None:
        self.spec = spec
        self.baseline_metrics = baseline_metrics
        self.phase = "setup"
        self.started_s: float | None = None
        counted = spec.counting
        self.reps_counter = RepCounter(counted) if isinstance(counted, Rep) else None
        #: the hold exercise's rule (None for a rep exercise)
        self.hold_rule = counted if isinstance(counted, Hold) else None
        self.hold_timer: HoldTimer | None = None
        if isinstance(counted, Hold):
            self.hold_timer = HoldTimer(counted.target_s, counted.min_s, counted.grace_s)
        elif spec.hold_target_s is not None:
            # drives the live hold timer and cues (past the peak threshold); the report's holds of a
            # rep exercise are each rep's stretch near its top (see RepCounter)
            self.hold_timer = HoldTimer(spec.hold_target_s, 0.5, counted.debounce_s)
        self.faults = [FaultMonitor(f) for f in spec.faults]
        self.bounce = BounceMonitor(spec.bounce) if spec.bounce else None
        self.rules = FaultCheck("too_fast"), FaultCheck("short_hold")
        self._filters = {m: MedianFilter() for m in spec.metrics}
        self.wobble = {m: WobbleMeter() for m in spec.metrics}
        self._history: deque[tuple[float, float]] = deque()  # (t, filtered main metric, directed)
        self._motion: deque[tuple[float, float]] = deque()  # (t, body motion) over MOTION_WINDOW_S
        self._last_still_t: float | None = None  # when the body last moved less than HOLD_SETTLED
        self._motion_now = (False, True)  # this frame's (moved, settled)
        self._to_time: list[RepRecord] = []  # reps whose whole movement is not yet timed
        self.reps: list[RepRecord] = []
        self.events: list[Event] = []
        self.frames = 0
        self.frames_with_pose = 0
        self.frames_out_of_order = 0
        self.pose_gaps: list[tuple[float, float]] = []
        self.view_time: dict[str, float] = {}
        self.stop_reason = "completed"
        self.pain_stop_s: float | None = None
        self._setup_since: float | None = None
        self._last_t: float | None = None
        self._last_dt = 0.0
        self._no_pose_since: float | None = None
        self._pose_lost = False
        self.first_t: float | None = None

    @property
    def last_t(self) -> float | None:
        """The time of the last frame seen (None before the first): where a report that is
        checkpointed or finished now ends."""
        return self._last_t

    # -- per frame -------------------------------------------------------------------------
    def update(self, f: Features) -> FrameResult:
        t = f.t_s
        if self._last_t is not None and t <= self._last_t:
            self.frames_out_of_order += 1
            return self._result(t, [], f)
        dt = 0.0 if self._last_t is None else min(t - self._last_t, 1.0)
        self._last_dt = dt or self._last_dt
        if self.first_t is None:
            self.first_t = t
        self._last_t = t
        self.frames += 1
        events: list[Event] = []
        events += self._track_pose(t, f.has_pose)
        if f.has_pose:
            self.frames_with_pose += 1
            self.view_time[f.view] = self.view_time.get(f.view, 0.0) + dt
        unmet: list[str] = []
        if self.hold_rule is not None:  # only a timed hold asks whether the body moves
            self._motion_now = self._body_moved(t, f.body_motion)
        filtered = {m: self._filters[m](t, v) if m in self._filters else v for m, v in f.values.items()}
        if self.reps_counter is not None:
            self.reps_counter.wobble = self.wobble[self.reps_counter.rule.metric].wobble
        if self.phase == "setup":
            events += self._setup(t, f, unmet)
        else:
            events += self._count(t, f)
        phase = self.phase if self.phase == "setup" else self._phase()
        # still: holding the start position (its conditions met), at the top of a rep, in a hold
        # but not while the main metric changes direction by bounce-sized steps: that is movement
        still = self._still(t, phase) and not (self.bounce is not None and self.bounce.reversing)
        for m, meter in self.wobble.items():
            meter.update(t, filtered.get(m, math.nan), still)
        margins = {m: MARGIN_SHARE * meter.wobble for m, meter in self.wobble.items()}
        # a break in a hold (its posture not right) is not judged as holding: if it ends the hold,
        # it was the way out of it (lowering out of a plank is not a sagging plank); if the
        # grace bridges it, it was too short to be a fault anyway
        judged_phase = BREAK if phase == "hold" and self.hold_timer is not None and self.hold_timer.in_break else phase
        for mon in self.faults:
            events += mon.update(t, dt, judged_phase, f.view, filtered, margins)
        main = self.spec.main_metric
        if self.bounce is not None and self.phase != "setup":
            # a break the hold's grace may still bridge stays in range: a bounce that dips out of
            # the held posture on each swing is still a bounce (its state is not reset by the dip);
            # but what is seen in the break is only raised once the hold resumes
            in_range = judged_phase in (PEAK, "hold", BREAK)
            # the raw value, unless it jumped from its neighbours' median by half a bounce in one
            # frame: a median would also clip a real bounce's turns
            raw, med = f.values.get(main, math.nan), filtered.get(main, math.nan)
            value = med if abs(raw - med) > 0.5 * self.bounce.rule.amplitude else raw
            events += self.bounce.update(t, dt, in_range, value, self.wobble[main].wobble,
                                         provisional=judged_phase == BREAK)
        if self.reps_counter is not None and self.phase != "setup":
            self._remember(self.reps_counter, t, filtered.get(main, math.nan))
        self.events.extend(events)
        return self._result(t, events, f, unmet)

    def _track_pose(self, t: float, has_pose: bool) -> list[Event]:
        if has_pose:
            self._no_pose_since = None
            if self._pose_lost:
                self._pose_lost = False
                if self.pose_gaps:
                    self.pose_gaps[-1] = (self.pose_gaps[-1][0], t)
                return [PoseFound(t)]
            return []
        if self._no_pose_since is None:
            self._no_pose_since = t
        if not self._pose_lost and t - self._no_pose_since >= POSE_LOST_AFTER_S:
            self._pose_lost = True
            self.pose_gaps.append((self._no_pose_since, t))
            return [PoseLost(self._no_pose_since)]
        if self._pose_lost and self.pose_gaps:
            self.pose_gaps[-1] = (self.pose_gaps[-1][0], t)
        return []

    def _setup(self, t: float, f: Features, unmet: list[str]) -> list[Event]:
        if not f.has_pose:
            unmet.append("Step into view: nobody is in the picture")
            self._setup_since = None
            return []
        ok = True
        # said first: from a view the spec cannot coach from, the rest is beside the point
        wrong_view = not view_matches(f.view, self.spec.view) and f.view != "unknown"
        if wrong_view:
            unmet.append(f"Not coached from this view: {VIEW_ADVICE[self.spec.view[0]].lower()}")
        for cond in self.spec.setup.require:
            r = evaluate(cond, f.values)
            if r is None and cond.metric in self.baseline_metrics:
                continue
            if not r:
                ok = False
                unmet.append(cond.message or self.spec.setup.message)
                if r is None:
                    unmet[-1] = "Move so the camera sees your whole body"
        if self.reps_counter is not None and self.reps_counter.rule.metric not in self.baseline_metrics:
            v = f.values.get(self.reps_counter.rule.metric, math.nan)
            if math.isnan(v):
                ok = False
                if not wrong_view:  # unknown because of the view, which is said already
                    unmet.append("Move so the camera sees your whole body")
            elif self.reps_counter.norm(v) > self.reps_counter.rest_th:
                ok = False
                unmet.append(self.spec.setup.message)
        if not ok:
            self._setup_since = None
            return []
        if self._setup_since is None:
            self._setup_since = t
        if t - self._setup_since >= self.spec.setup.hold_s - 1e-9:
            self.phase = "active"
            self.started_s = t
            return [SetupCompleted(t)]
        return []

    def _phase(self) -> str:
        if self.reps_counter is not None:
            return self.reps_counter.phase
        assert self.hold_timer is not None
        return "hold" if self.hold_timer.holding else "rest"

    def _still(self, t: float, phase: str) -> bool:
        """Whether the person is meant to be still now: holding the start position (its
        conditions met), in a hold, resting between reps (not between timed holds: that is the way
        into or out of one), or held at the top of a rep for a
        while (the turn at the top of a rep without a hold is movement, not noise)."""
        if phase == "setup":
            return self._setup_since is not None
        if phase == "hold":
            return True
        if phase == "rest":
            # between reps the body rests; between timed holds it is getting in or out of one
            return self.reps_counter is not None
        since = self.reps_counter.peak_since if self.reps_counter is not None else None
        if phase == PEAK and since is not None:
            return t - since >= STILL_AT_TOP_S
        return False

    def _remember(self, counter: RepCounter, t: float, value: float) -> None:
        """Keep the main metric's history (directed: larger = further into a rep) and time the
        whole movement of reps that have settled."""
        if not math.isnan(value):
            self._history.append((t, counter.norm(value)))
        while self._history and self._history[0][0] < t - HISTORY_S:
            self._history.popleft()
        if self._to_time and (counter.state != REST or t - self._to_time[0].end_s >= SETTLE_S):
            for rep in self._to_time:
                self._time_movement(counter, rep)
            self._to_time = []

    def _time_movement(self, counter: RepCounter, rep: RepRecord) -> None:
        """The whole movement of a rep, from where the metric left its resting level to where it
        settled back, with the uncertainty of both ends; then the too_fast rule on it. The rep
        counter's own times are threshold crossings, which cut the slow start and end of a
        controlled rep short."""
        rule = counter.rule
        rest_th = counter.rest_th
        wob = self.wobble[rule.metric].wobble
        prev_end = max((r.end_s for r in self.reps if r.end_s < rep.start_s), default=-math.inf)
        before = [(t, v) for t, v in self._history if max(prev_end, rep.start_s - 3.0) <= t <= rep.start_s]
        after = [(t, v) for t, v in self._history if rep.end_s <= t <= rep.end_s + SETTLE_S]
        onset, offset = rep.start_s, rep.end_s
        if before:
            base = min(v for _, v in before)
            level = min(rest_th, base + ONSET_SHARE * (rest_th - base) + 0.5 * wob)
            onset = max((t for t, v in before if v <= level), default=rep.start_s)
        if after:
            base = min(v for _, v in after)
            level = min(rest_th, base + ONSET_SHARE * (rest_th - base) + 0.5 * wob)
            offset = min((t for t, v in after if v <= level), default=rep.end_s)
        hist = list(self._history)
        unc = edge_uncertainty(hist, onset, wob) + edge_uncertainty(hist, offset, wob) + self._last_dt
        rep.move_start_s, rep.move_end_s, rep.move_uncertainty_s = onset, offset, unc
        if rule.too_fast_s <= 0:
            return
        # The spec's limit is on the rep as counted (threshold to threshold), as its thresholds
        # were set. It is raised only when under the limit by more than the timing uncertainty
        # of both crossings, and not when the whole movement (leaving the resting level to
        # settling back) clearly took longer than the limit: a small or slow-ending rep spends
        # much of its time outside the thresholds, and that is control, not rushing.
        counted_unc = (edge_uncertainty(hist, rep.start_s, wob) + edge_uncertainty(hist, rep.end_s, wob)
                       + self._last_dt)
        took, whole = rep.duration_s, offset - onset
        msg = f"Slow down: take at least {rule.too_fast_s:g} s for each rep"
        if took >= rule.too_fast_s:
            return
        clearly_longer = rule.too_fast_s + unc + 2 * SMOOTHING_LAG_S
        if marginal_reason(rep) and not whole < rule.too_fast_s - unc:
            # only the whole movement can tell, and it is not clearly under the limit
            self.rules[0].possible.append(PossibleFault(
                "too_fast", rep.start_s, rep.end_s, msg,
                f"counted in {took:.1f} s, but {marginal_reason(rep)}; the whole movement took "
                f"{whole:.1f} s (±{unc:.1f} s)"))
        elif took < rule.too_fast_s - counted_unc and whole < clearly_longer:
            self.rules[0].records.append(FaultRecord("too_fast", rep.start_s, rep.end_s, msg))
        elif whole >= clearly_longer:
            self.rules[0].possible.append(PossibleFault(
                "too_fast", onset, offset, msg,
                f"counted in {took:.1f} s, but the whole movement took {whole:.1f} s (±{unc:.1f} s), "
                f"longer than the {rule.too_fast_s:g} s limit"))
        else:
            self.rules[0].possible.append(PossibleFault(
                "too_fast", rep.start_s, rep.end_s, msg,
                f"counted in {took:.1f} s, within the timing uncertainty (±{counted_unc:.1f} s) of the "
                f"{rule.too_fast_s:g} s limit; the whole movement took {whole:.1f} s"))

    def _count(self, t: float, f: Features) -> list[Event]:
        events: list[Event] = []
        counter = self.reps_counter
        if counter is not None:
            metric = counter.rule.metric
            side = f.sides.get(metric)
            if counter.rule.side_from == "travel" and f.moved_side is not None:
                side = f.moved_side
            events += counter.update(t, f.values.get(metric, math.nan), side)
            if self.hold_timer is not None:
                events += self.hold_timer.update(t, counter.state == PEAK, side)
            for ev in events:
                if isinstance(ev, RepCompleted):
                    self._finish_rep(counter.rule, ev.rep)
        elif self.hold_rule is not None and self.hold_timer is not None:
            hold = self.hold_rule
            side = f.sides.get(hold.side_metric) if hold.side_metric else None
            moved, settled = self._motion_now
            # the motion at a frame spans the window before it: the movement out began within it
            still_until = None if self._last_still_t is None else self._last_still_t - BodyMotion.WINDOW_S / 2
            events += self.hold_timer.update(t, evaluate_all(hold.require, f.values), side, moved=moved,
                                             settled=settled, still_until=still_until)
        return events

    def _body_moved(self, t: float, motion: float) -> tuple[bool, bool]:
        """Whether the body as a whole moves past this person's own landmark jitter, and whether
        it has settled (moves less than ``HOLD_SETTLED``, or than that jitter)."""
        recent = self._motion
        if not math.isnan(motion):
            recent.append((t, motion))
        while recent and recent[0][0] < t - MOTION_WINDOW_S:
            recent.popleft()
        if math.isnan(motion):
            return False, True
        values = sorted(v for _, v in recent)
        jitter = MOTION_NOISE_FACTOR * values[(3 * len(values)) // 4]
        # settling is judged against the quietest quarter: the last 5 s may hold the way in
        settled = motion < max(HOLD_SETTLED, MOTION_NOISE_FACTOR * values[len(values) // 4])
        if settled:
            self._last_still_t = t
        return motion > max(HOLD_MOTION, jitter), settled

    def _finish_rep(self, rule: Rep, rep: RepRecord) -> None:
        if rule.hold_s > 0 and rep.peak_hold_s < 0.8 * rule.hold_s:
            msg = f"Hold the position for about {rule.hold_s:g} s"
            if marginal_reason(rep):
                self.rules[1].possible.append(PossibleFault(
                    "short_hold", rep.peak_s or rep.start_s, rep.end_s, msg,
                    f"held {rep.peak_hold_s:.1f} s, but {marginal_reason(rep)}"))
            elif rep.peak_hold_s < 0.8 * rule.hold_s - rep.hold_uncertainty_s:
                self.rules[1].records.append(FaultRecord("short_hold", rep.peak_s or rep.start_s, rep.end_s, msg))
            else:
                self.rules[1].possible.append(PossibleFault(
                    "short_hold", rep.peak_s or rep.start_s, rep.end_s, msg,
                    f"held {rep.peak_hold_s:.1f} s, within the timing uncertainty (±{rep.hold_uncertainty_s:.1f} s) "
                    f"of the {0.8 * rule.hold_s:g} s needed"))
        self.reps.append(rep)
        self._to_time.append(rep)

    # -- control ----------------------------------------------------------------------------
    def pain_stop(self, t: float) -> None:
        """End the set at once because of pain; recorded in the report."""
        self.pain_stop_s = t
        self.stop_reason = "pain"
        self.events.append(PainStopped(t))

    def finish(self, reason: str | None = None) -> None:
        """Close running holds and faults. Safe to call more than once."""
        if reason and self.stop_reason == "completed":
            self.stop_reason = reason
        t = self._last_t if self._last_t is not None else 0.0
        counter = self.reps_counter
        if counter is not None and self.phase != "setup":
            for ev in counter.finish(t):
                self.events.append(ev)
                if isinstance(ev, RepCompleted):
                    self._finish_rep(counter.rule, ev.rep)
        if counter is not None:  # reps are only ever waiting to be timed in a rep exercise
            for rep in self._to_time:
                self._time_movement(counter, rep)
        self._to_time = []
        if self.hold_timer is not None:
            self.events += self.hold_timer.finish(t)
        monitors: list[FaultMonitor | BounceMonitor] = [*self.faults, *([self.bounce] if self.bounce else [])]
        for mon in monitors:
            self.events += mon.close(t)
        for rep in self.reps:
            rep.faults = sorted(
                {r.id for r in self.fault_records() if r.start_s < rep.end_s and (r.end_s or t) > rep.start_s}
            )

    # -- queries ----------------------------------------------------------------------------
    def _timed_holds(self) -> list[HoldRecord]:
        """The holds the hold timer of a hold exercise timed (none in a rep exercise)."""
        return self.hold_timer.holds if self.hold_rule is not None and self.hold_timer is not None else []

    @property
    def count(self) -> int:
        if self.reps_counter is not None:
            return self.reps_counter.count
        return len(self._timed_holds())

    @property
    def by_side(self) -> dict[str, int]:
        if self.reps_counter is not None:
            return dict(self.reps_counter.by_side)
        out: dict[str, int] = {}
        for h in self._timed_holds():
            out[h.side or "unknown"] = out.get(h.side or "unknown", 0) + 1
        return out

    @property
    def holds(self) -> list[HoldRecord]:
        """Timed holds; for a rep exercise with a hold, each rep's stretch held at its top."""
        target = self.spec.hold_target_s
        if self.hold_rule is None:
            if target is None:
                return []
            return [HoldRecord(r.peak_s, r.peak_s + r.peak_hold_s, r.peak_hold_s, r.side, target)
                    for r in self.reps if r.peak_s is not None]
        return list(self._timed_holds())

    def fault_checks(self) -> list[FaultCheck]:
        checks = [m.check for m in self.faults]
        if self.bounce is not None:
            checks.append(self.bounce.check)
        built_in = self.spec.built_in_faults
        if "too_fast" in built_in:
            checks.append(self.rules[0])
        if "short_hold" in built_in:
            checks.append(self.rules[1])
        return checks

    def view_note(self) -> str:
        """A plain sentence when most of the set was filmed from a view the spec cannot coach
        from (its reps, holds and faults are then not to be trusted); "" otherwise."""
        seen = {v: s for v, s in self.view_time.items() if v != "unknown"}
        if not seen:
            return ""
        main = max(seen, key=seen.__getitem__)
        if view_matches(main, self.spec.view):
            return ""
        shown = "from the side" if main == "side" else "from the front, back, above or feet"
        allowed = " or ".join(VIEW_NAMES[v] for v in self.spec.view)
        return (f"Filmed mostly {shown}: {self.spec.name.lower()} can be coached only from {allowed}, so what "
                f"is counted here may be wrong. {VIEW_ADVICE[self.spec.view[0]]}.")

    def possible_faults(self) -> list[PossibleFault]:
        """Faults seen but not supported by the evidence (never raised), with their reasons."""
        return sorted((p for c in self.fault_checks() for p in c.possible), key=lambda p: p.start_s)

    def fault_records(self) -> list[FaultRecord]:
        recs = [r for c in self.fault_checks() for r in c.records]
        return sorted(recs, key=lambda r: r.start_s)

    def _result(self, t: float, events: list[Event], f: Features, unmet: list[str] | None = None) -> FrameResult:
        active = [m.active for m in self.faults if m.active is not None]
        if self.bounce is not None and self.bounce.active is not None:
            active.append(self.bounce.active)
        hold_s = self.hold_timer.elapsed(t) if self.hold_timer is not None else 0.0
        return FrameResult(
            t_s=t,
            phase=self.phase if self.phase == "setup" else self._phase(),
            events=events,
            reps=self.count,
            reps_by_side=self.by_side,
            hold_s=hold_s,
            active_faults=active,
            setup_unmet=unmet or [],
            view=f.view,
            view_ok=view_matches(f.view, self.spec.view),
            main_value=f.values.get(self.spec.main_metric, math.nan),
            has_pose=f.has_pose,
        )

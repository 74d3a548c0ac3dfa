"""Counting reps with two thresholds (hysteresis), a debounce and a minimum duration.

A rep leaves ``rest``, passes ``peak`` and comes back to ``rest``. Jitter around either
threshold cannot make a rep: the metric has to travel the whole way between them. A crossing
counts only once it has lasted ``debounce_s``; its time is the first frame of the crossing.

The hold of a rep is the longest stretch spent near its furthest point (within ``HOLD_BAND`` of
the rep's range), not the time past the peak threshold: a threshold crossed early on a long,
slow movement would otherwise count the movement as holding. A rep also records how long it
stayed still past its peak threshold across small adjustments (``still_stay``): a leg held a
little low and then lifted further and held again was held for both, so where that stay is the
longer reading it is the rep's hold (its start and its seconds still).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter

from posecoach.engine.events import Event, RepCompleted, RepRecord, RepRejected
from posecoach.engine.noise import edge_uncertainty
from posecoach.spec.schema import Rep

REST, MOVING, PEAK, RETURNING, WAIT_REST = "rest", "moving", "peak", "returning", "wait_rest"
HOLD_BAND = 0.25  #: share of a rep's range within which it counts as held at its furthest point
SETTLE_SHARE = 0.5  #: a hold's ends still moving faster than this share of the range per second are left out
SPEED_WINDOW_S = 0.3  #: the window over which that speed is measured
#: moves shorter than this between still stretches past a rep's peak threshold do not end its stay
#: there (a held leg lifted a little further and held again)
STILL_GRACE_S = 0.5
STILL_WINDOW_S = 0.5  #: the window over which stillness in position is judged ...
STILL_SPAN_SHARE = 0.15  #: ... as the metric spanning less than this share of the rep's range
#: the stay in position is counted at or past the peak threshold, and never lower than this share
#: of the rep's range from its top
STILL_FLOOR_SHARE = 0.5


def running_median(samples: list[tuple[float, float]], n: int = 5) -> list[tuple[float, float]]:
    """Each sample's value replaced by the median of it and the ``n - 1`` before it: a single
    implausible frame cannot set a rep's top."""
    out: list[tuple[float, float]] = []
    for i, (t, _) in enumerate(samples):
        window = sorted(v for _, v in samples[max(0, i - n + 1):i + 1])
        out.append((t, window[len(window) // 2]))
    return out


def held_stretch(samples: list[tuple[float, float]], band: float = HOLD_BAND,
                 grace_s: float = 0.4, min_band: float = 0.0,
                 settle_share: float = SETTLE_SHARE) -> tuple[float, float] | None:
    """(start, end) of the longest stretch of samples within ``band`` of the range from the top,
    bridging dips shorter than ``grace_s`` (landmark noise). ``samples`` are (t, value) with
    larger values further into the rep. ``min_band`` (metric units, the measured wobble) keeps
    the band from being narrower than the estimate's own wobble, so a still hold on a noisy
    estimate is not cut into pieces. The stretch's ends where the metric still moves faster
    than ``settle_share`` of the range per second are left out: the eased last part of the way
    to the top is movement, not holding."""
    if not samples:
        return None
    values = [v for _, v in samples]
    top, bottom = max(values), min(values)
    floor = top - max(band * max(top - bottom, 1e-9), min_band)
    best: tuple[float, float] | None = None
    run: tuple[float, float] | None = None  # (start, last time inside the band)
    for t, v in samples:
        if v < floor:
            continue
        run = (run[0], t) if run is not None and t - run[1] <= grace_s else (t, t)
        if best is None or run[1] - run[0] > best[1] - best[0]:
            best = run
    if best is None or settle_share <= 0:
        return best
    return settled_part(samples, best, min_band, settle_share)


def settled_part(samples: list[tuple[float, float]], stretch: tuple[float, float], wobble: float = 0.0,
                 settle_share: float = SETTLE_SHARE) -> tuple[float, float]:
    """``stretch`` without its ends where the metric is still arriving at or leaving the top
    faster than ``settle_share`` of the samples' range per second (speeds over ``SPEED_WINDOW_S``;
    a still estimate's own ``wobble`` over that window is never taken for movement). Its middle
    is kept whole."""
    values = [v for _, v in samples]
    limit = max(settle_share * max(max(values) - min(values), 1e-9), 2.0 * wobble / SPEED_WINDOW_S)
    times = [t for t, _ in samples]

    def speed(i: int) -> float:
        t = times[i]
        lo = bisect.bisect_left(times, t - SPEED_WINDOW_S / 2)
        hi = bisect.bisect_right(times, t + SPEED_WINDOW_S / 2) - 1
        if hi <= lo or times[hi] - times[lo] < 1e-6:
            return 0.0
        return abs(samples[hi][1] - samples[lo][1]) / (times[hi] - times[lo])

    first = bisect.bisect_left(times, stretch[0])
    last = bisect.bisect_right(times, stretch[1]) - 1
    while first < last and speed(first) > limit:
        first += 1
    while last > first and speed(last) > limit:
        last -= 1
    return times[first], times[last]


def still_stay(samples: list[tuple[float, float]], floor: float, wobble: float = 0.0,
               grace_s: float = STILL_GRACE_S) -> tuple[float, float, float] | None:
    """The longest stay still at or past ``floor``: (start, end, seconds still), where short
    moves (under ``grace_s``) between still stretches do not end the stay but are not counted:
    a person who holds, lifts a little further and holds again has held for both. A sample is
    still when the metric within ``STILL_WINDOW_S`` around it spans less than ``STILL_SPAN_SHARE``
    of the samples' range (or twice the estimate's own wobble): a slow climb is not still.
    None when no sample is still there."""
    if len(samples) < 2:
        return None
    values = [v for _, v in samples]
    limit = max(STILL_SPAN_SHARE * (max(values) - min(values)), 2.0 * wobble)
    times = [t for t, _ in samples]
    best: tuple[float, float, float] | None = None
    run = 0.0
    run_start = 0.0
    last_still: float | None = None
    for i in range(1, len(samples)):
        t, v = samples[i]
        dt = t - times[i - 1]
        lo = bisect.bisect_left(times, t - STILL_WINDOW_S / 2)
        hi = bisect.bisect_right(times, t + STILL_WINDOW_S / 2)
        near = values[lo:hi]
        if v < floor or max(near) - min(near) > limit:
            continue
        if last_still is None or t - last_still > grace_s + dt:
            run, run_start = 0.0, t
        elif t - last_still <= dt + 1e-9:
            run += dt
        last_still = t
        if best is None or run > best[2]:
            best = (run_start, t, run)
    return best


class RepCounter:
    """Feeds on (time, metric value, side) triples; emits ``RepCompleted``/``RepRejected``."""

    def __init__(self, rule: Rep) -> None:
        self.rule = rule
        self.sign = 1.0 if rule.direction == "up" else -1.0
        self.rest_th = self.sign * rule.rest
        self.peak_th = self.sign * rule.peak
        self.state = REST
        self.count = 0
        self.by_side: Counter[str] = Counter()
        self._pending: tuple[str, float] | None = None  # (target state, since)
        self._last_rest_s = 0.0
        self._last_valid_s: float | None = None
        self._start_s = 0.0
        self._peak_enter_s: float | None = None
        self._lo = math.inf
        self._hi = -math.inf
        self._sides: Counter[str] = Counter()
        self._samples: list[tuple[float, float]] = []  # (t, directed value) during the current rep
        self._rest_lo = math.inf  # extremes seen while resting: the start of the next rep's range
        self._rest_hi = -math.inf
        #: the main metric's measured wobble on this person (set by the session; 0 = unknown)
        self.wobble = 0.0

    @property
    def peak_since(self) -> float | None:
        """When the current stay past the peak threshold began (None when not there)."""
        return self._peak_enter_s if self.state == PEAK else None

    @property
    def phase(self) -> str:
        return REST if self.state == WAIT_REST else self.state

    def norm(self, value: float) -> float:
        """The metric in the rule's direction (larger = further into the rep)."""
        if self.rule.side_from == "sign" and self.rule.sided:
            value = abs(value)
        return self.sign * value

    def _debounced(self, target: str, cond: bool, t: float) -> float | None:
        """The time the condition began, once it has held for ``debounce_s``; else None."""
        if not cond:
            if self._pending is not None and self._pending[0] == target:
                self._pending = None
            return None
        if self._pending is None or self._pending[0] != target:
            self._pending = (target, t)
        since = self._pending[1]
        if t - since >= self.rule.debounce_s - 1e-9:
            self._pending = None
            return since
        return None

    def _begin(self, start_s: float) -> None:
        self.state = MOVING
        self._start_s = start_s
        self._peak_enter_s = None
        self._lo, self._hi = self._rest_lo, self._rest_hi
        self._rest_lo, self._rest_hi = math.inf, -math.inf
        self._sides.clear()
        self._samples = []

    def update(self, t: float, value: float, side: str | None) -> list[Event]:
        """Advance by one frame. ``value`` may be NaN (unknown): the state then holds, and a
        rep whose metric stays unknown longer than ``max_gap_s`` is dropped."""
        events: list[Event] = []
        if math.isnan(value):
            if (
                self.state in (MOVING, PEAK, RETURNING)
                and self._last_valid_s is not None
                and t - self._last_valid_s > self.rule.max_gap_s
            ):
                events.append(RepRejected(t, "lost_track", self._start_s))
                self.state = WAIT_REST
                self._pending = None
            return events
        self._last_valid_s = t
        v = self.norm(value)
        if self.state in (MOVING, PEAK, RETURNING):
            self._lo, self._hi = min(self._lo, value), max(self._hi, value)
            self._samples.append((t, v))
        if self.state == WAIT_REST:
            if v <= self.rest_th:
                self.state = REST
                self._last_rest_s = t
            return events
        if self.state == REST:
            self._rest_lo, self._rest_hi = min(self._rest_lo, value), max(self._rest_hi, value)
            if v <= self.rest_th:
                self._last_rest_s = t
            if self._debounced(MOVING, v > self.rest_th, t) is not None:
                self._begin(self._last_rest_s)
        elif self.state == MOVING:
            if v <= self.rest_th:
                self.state = REST
                self._last_rest_s = t
                self._pending = None
                events.append(RepRejected(t, "not_far_enough", self._start_s))
            elif (since := self._debounced(PEAK, v >= self.peak_th, t)) is not None:
                self.state = PEAK
                self._peak_enter_s = since
        elif self.state == PEAK:
            if side:
                self._sides[side] += 1
            if (since := self._debounced(RETURNING, v < self.peak_th, t)) is not None:
                self.state = RETURNING
        elif self.state == RETURNING:
            if v >= self.peak_th:
                self.state = PEAK
                self._peak_enter_s = t
                self._pending = None
            elif (since := self._debounced(REST, v <= self.rest_th, t)) is not None:
                events.extend(self._complete(since))
                self.state = REST
                self._last_rest_s = t
        return events

    def _complete(self, end_s: float) -> list[Event]:
        duration = end_s - self._start_s
        if duration < self.rule.min_duration_s:
            return [RepRejected(end_s, "too_short", self._start_s)]
        side = None
        if self.rule.sided:
            side = self._sides.most_common(1)[0][0] if self._sides else "unknown"
            self.by_side[side] += 1
        self.count += 1
        smooth = running_median(self._samples)
        top = max((v for _, v in smooth), default=math.nan)
        span = abs(self.peak_th - self.rest_th)
        margin = (top - self.peak_th) / span if span > 0 else math.nan
        near_top = held_stretch(smooth, min_band=self.wobble, settle_share=0.0)
        held = None if near_top is None else settled_part(smooth, near_top, self.wobble)
        hold_unc = 0.0
        if held is not None and near_top is not None:
            hold_unc = edge_uncertainty(smooth, held[0], self.wobble) + edge_uncertainty(smooth, held[1], self.wobble)
            # the slow ends left out as still arriving or leaving may, on a real body, be holding
            # with a drift: the hold is timed without them, and judged short only if it is short with them
            hold_unc += (near_top[1] - near_top[0]) - (held[1] - held[0])
        values = [v for _, v in smooth]
        floor = max(self.peak_th, top - STILL_FLOOR_SHARE * (top - min(values, default=top)))
        stay = still_stay(smooth, floor, self.wobble)
        peak_s = held[0] if held else self._peak_enter_s
        hold = held[1] - held[0] if held else 0.0
        if stay is not None and stay[2] > hold:
            # held still in position for longer than near the very top (a leg held low, then
            # lifted and held again; a top that was a passing spike): that stay is the hold
            peak_s, hold = stay[0], stay[2]
            hold_unc = edge_uncertainty(smooth, stay[0], self.wobble) + edge_uncertainty(smooth, stay[1], self.wobble)
        rep = RepRecord(
            number=self.count,
            start_s=self._start_s,
            end_s=end_s,
            side=side,
            peak_s=peak_s,
            peak_hold_s=hold,
            metric_min=self._lo,
            metric_max=self._hi,
            hold_uncertainty_s=hold_unc,
            peak_margin=margin,
            still_s=stay[2] if stay is not None else 0.0,
        )
        return [RepCompleted(end_s, rep)]

    def finish(self, t: float) -> list[Event]:
        """At the end of the set: a rep that reached its peak counts if the rule says so."""
        if self.rule.count_at == "peak" and self.state in (PEAK, RETURNING):
            self.state = REST
            return self._complete(t)
        return []

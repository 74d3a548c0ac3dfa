"""Timing holds: the timer runs only while the posture is right.

A break shorter than ``grace_s`` does not end the hold (its time is not counted); a longer one
ends it at the moment the break began. Holds shorter than ``min_s`` are not reported. The whole
body moving (``moved``: the person got out of the posture, or the video cut to another camera)
ends a hold at once, whatever the posture check says, and no hold starts while it lasts. A hold
is timed from where the body comes to rest in the posture (``settled``), and ends where the
movement out began (``still_until``) when that was before its posture check broke.
"""

from __future__ import annotations

from collections import Counter

from posecoach.engine.events import Event, HoldEnded, HoldRecord, HoldStarted


#: a hold is timed from where the body comes to rest in the posture, if it does within this long
SETTLE_MAX_S = 1.5


class HoldTimer:
    def __init__(self, target_s: float | None, min_s: float, grace_s: float) -> None:
        self.target_s = target_s
        self.min_s = min_s
        self.grace_s = grace_s
        self.holding = False
        self.holds: list[HoldRecord] = []
        self._start = 0.0
        self._break_since: float | None = None
        self._paused_s = 0.0
        self._last_t = 0.0
        self._sides: Counter[str] = Counter()
        self._settling = False  # the posture is right but the body is still arriving in it

    @property
    def in_break(self) -> bool:
        """Whether a hold is running but its posture is not right just now (a break that the
        grace may still bridge, or that will end the hold where it began)."""
        return self.holding and self._break_since is not None

    def elapsed(self, t: float) -> float:
        """Seconds of good posture in the current hold (0 when not holding)."""
        if not self.holding or self._settling:
            return 0.0
        now = self._break_since if self._break_since is not None else t
        return max(0.0, now - self._start - self._paused_s)

    def update(self, t: float, ok: bool | None, side: str | None = None, moved: bool = False,
               settled: bool = True, still_until: float | None = None) -> list[Event]:
        """``ok`` is the posture check: True, False, or None when it cannot be judged (treated
        as a break, so an unseen posture never adds time). ``moved``: the body as a whole is
        moving, which no hold survives. A hold that ends ends where the body was last still
        (``still_until``), where the movement out began, when that was before the break.
        ``settled``: the body has come to rest; a hold is timed from there (the last of the way
        into a posture is not holding it), or from its start if the body does not settle within
        ``SETTLE_MAX_S``."""
        events: list[Event] = []
        self._last_t = t
        if moved:
            if self.holding:
                events.append(self._end(self._end_at(self._break_since if self._break_since is not None else t,
                                                     still_until)))
            return events
        if ok:
            if self.holding and self._settling and (settled or t - self._start > SETTLE_MAX_S):
                # timed from where the body came to rest (or, if it never does, from the start)
                self._settling = False
                if settled and self._break_since is None:
                    self._start, self._paused_s = t, 0.0
            if not self.holding:
                self._settling = not settled
                self.holding = True
                self._start, self._paused_s, self._break_since = t, 0.0, None
                self._sides.clear()
                events.append(HoldStarted(t, side))
            elif self._break_since is not None:
                self._paused_s += t - self._break_since
                self._break_since = None
            if side:
                self._sides[side] += 1
        elif self.holding:
            if self._break_since is None:
                self._break_since = t
            elif t - self._break_since > self.grace_s:
                events.append(self._end(self._end_at(self._break_since, still_until)))
        return events

    def _end_at(self, end_s: float, still_until: float | None) -> float:
        """Where a hold ends: at ``end_s``, or earlier where the body was last still, if the
        movement out of the posture began before the posture check broke."""
        if still_until is not None and self._start < still_until < end_s:
            return still_until
        return end_s

    def _end(self, end_s: float) -> HoldEnded:
        duration = max(0.0, end_s - self._start - self._paused_s)
        self.holding = False
        self._break_since = None
        if duration < self.min_s:
            return HoldEnded(end_s, None)
        side = self._sides.most_common(1)[0][0] if self._sides else None
        rec = HoldRecord(self._start, end_s, duration, side, self.target_s)
        self.holds.append(rec)
        return HoldEnded(end_s, rec)

    def finish(self, t: float) -> list[Event]:
        """Close a hold still running at the end of the set."""
        if not self.holding:
            return []
        end = self._break_since if self._break_since is not None else t
        return [self._end(end)]

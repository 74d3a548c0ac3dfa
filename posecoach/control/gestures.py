"""Gestures read from the pose itself: a hand raised high and waved pauses or resumes the set;
waving on (``pain_after_s``), or waving with both hands raised, is the pain stop.

Why a wave and not a raised hand held still: several exercises hold a hand high (thread the
needle opens an arm to the ceiling, a seated side bend reaches overhead, the Jefferson curl
starts with both arms up), but none swings a raised forearm back and forth. A wave here is the
forearm, seen in the image, swinging by at least ``swing_deg`` and back, ``reversals`` times within
``window_s``, while the wrist stays at least ``raise_torso`` torso lengths above its shoulder
(hysteresis: it stops counting as raised only below ``lower_torso``). Wave across the camera's
picture: a wave towards and away from the camera is not seen.

Both hands count as both only when the two wrists have been apart in the picture (at least
``apart_torso`` torso lengths, within the last ``window_s``): filmed from the side, the pose model
often draws the far arm on top of the near one, and a one-handed wave would otherwise read as two
hands. Seen from the side, two hands waved in step overlap too; they still give the pain stop by
waving on.

Pure numpy over ``PoseFrame`` landmarks, so it is tested on landmark sequences in milliseconds.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from posecoach.landmarks import INDEX
from posecoach.types import PoseFrame

PAUSE, PAIN_STOP = "pause", "pain_stop"
#: What the setup screen and the help say about the gestures.
HELP = ("Hands-free: raise a hand high and wave it to pause or go on; "
        "keep waving, or wave both hands, for a pain stop")


@dataclass(frozen=True, slots=True)
class Gesture:
    """A recognised gesture: ``kind`` is ``"pause"`` (pause or resume) or ``"pain_stop"``;
    ``t_s``: video time; ``side``: the waving hand ("left", "right" or "both")."""

    kind: str
    t_s: float
    side: str


@dataclass
class _Arm:
    raised: bool = False
    last_raised_t: float | None = None
    extreme: float | None = None  # forearm angle (deg) at the last turning point
    direction: int = 0  # +1 rising, -1 falling, 0 unknown
    reversals: deque[float] = field(default_factory=deque)
    wave_since: float | None = None  # when the current wave was recognised

    def reset(self) -> None:
        self.extreme, self.direction, self.wave_since = None, 0, None
        self.reversals.clear()


def _xy(lms: np.ndarray, name: str, w: int, h: int) -> np.ndarray:
    p = lms[INDEX[name]]
    return np.array([p[0] * w, p[1] * h])


def _torso(lms: np.ndarray, w: int, h: int) -> float:
    """The longer shoulder-to-hip distance in pixels (the body's scale); NaN when neither is seen."""
    torso = [np.linalg.norm(_xy(lms, f"{s}_shoulder", w, h) - _xy(lms, f"{s}_hip", w, h)) for s in ("left", "right")]
    return float(np.nanmax(torso)) if not all(math.isnan(x) for x in torso) else math.nan


class GestureDetector:
    """Feed every pose (``update``); it returns the gestures completed on that frame."""

    def __init__(self, *, raise_torso: float = 0.6, lower_torso: float = 0.4, swing_deg: float = 25.0,
                 reversals: int = 3, window_s: float = 2.0, pain_after_s: float = 3.0,
                 grace_s: float = 0.3, rearm_s: float = 0.5, apart_torso: float = 0.35) -> None:
        self.raise_torso, self.lower_torso = raise_torso, lower_torso
        self.apart_torso = apart_torso
        self.swing_deg, self.reversals, self.window_s = swing_deg, reversals, window_s
        self.pain_after_s, self.grace_s, self.rearm_s = pain_after_s, grace_s, rearm_s
        self._arms = {"left": _Arm(), "right": _Arm()}
        self._last_t: float | None = None
        self._armed = True  # a pause gesture may fire (after one, the hands must come down first)
        self._lowered_since: float | None = None
        self._pain_fired = False
        self._apart_t: float | None = None  # when both raised wrists were last seen apart

    def reset(self) -> None:
        for arm in self._arms.values():
            arm.reset()
            arm.raised, arm.last_raised_t = False, None
        self._armed, self._lowered_since, self._pain_fired = True, None, False
        self._apart_t = None

    @property
    def waving(self) -> str | None:
        """The side being waved right now, for the screen (None when no hand waves)."""
        sides = [s for s, a in self._arms.items() if a.wave_since is not None]
        return None if not sides else sides[0] if len(sides) == 1 else "both"

    def update(self, pose: PoseFrame) -> list[Gesture]:
        t = pose.t_s
        if self._last_t is not None and t < self._last_t:
            self.reset()  # time went back (a camera after a pause): start afresh
        self._last_t = t
        for side, arm in self._arms.items():
            self._update_arm(side, arm, pose, t)
        out: list[Gesture] = []
        raised = [s for s, a in self._arms.items() if a.raised]
        waving = [s for s, a in self._arms.items() if a.wave_since is not None]
        if not raised:
            if self._lowered_since is None:
                self._lowered_since = t
            if t - self._lowered_since >= self.rearm_s:
                self._armed, self._pain_fired = True, False
        else:
            self._lowered_since = None
        if len(raised) == 2 and self._wrists_apart(pose):
            self._apart_t = t
        both = len(raised) == 2 and self._apart_t is not None and t - self._apart_t <= self.window_s
        if waving and not self._pain_fired:
            first = min(since for s in waving if (since := self._arms[s].wave_since) is not None)
            if both or t - first >= self.pain_after_s:
                self._pain_fired, self._armed = True, False
                out.append(Gesture(PAIN_STOP, t, "both" if both else waving[0]))
            elif self._armed:
                self._armed = False
                out.append(Gesture(PAUSE, t, waving[0]))
        return out

    def _update_arm(self, side: str, arm: _Arm, pose: PoseFrame, t: float) -> None:
        lift, angle = self._measure(side, pose)
        if not math.isnan(lift):
            arm.raised = lift >= self.raise_torso or (arm.raised and lift >= self.lower_torso)
        elif arm.raised and arm.last_raised_t is not None and t - arm.last_raised_t > self.grace_s:
            arm.raised = False  # not seen for a while: a dropped landmark is bridged only briefly
        if arm.raised and not math.isnan(lift):
            arm.last_raised_t = t
        if not arm.raised:
            arm.reset()
            return
        if math.isnan(angle):
            return
        while arm.reversals and t - arm.reversals[0] > self.window_s:
            arm.reversals.popleft()
        if arm.extreme is None:
            arm.extreme = angle
            return
        delta = angle - arm.extreme
        if arm.direction >= 0 and delta > 0 or arm.direction <= 0 and delta < 0:
            if arm.direction == 0 and abs(delta) >= self.swing_deg:
                arm.direction = 1 if delta > 0 else -1
                arm.extreme = angle
            elif arm.direction != 0:
                arm.extreme = angle  # still moving the same way: the turning point moves on
        elif abs(delta) >= self.swing_deg:  # turned back by a full swing
            arm.reversals.append(t)
            arm.direction = -arm.direction if arm.direction else (1 if delta > 0 else -1)
            arm.extreme = angle
        if arm.wave_since is None and len(arm.reversals) >= self.reversals:
            arm.wave_since = t
        elif arm.wave_since is not None and not arm.reversals:
            arm.wave_since = None  # the swinging stopped for a whole window

    def _wrists_apart(self, pose: PoseFrame) -> bool:
        """The two wrists are at least ``apart_torso`` torso lengths apart in the picture (two
        hands, not the model's copy of one arm onto the other)."""
        if pose.landmarks is None:
            return False
        lms, w, h = pose.landmarks, pose.width, pose.height
        scale = _torso(lms, w, h)
        gap = float(np.linalg.norm(_xy(lms, "left_wrist", w, h) - _xy(lms, "right_wrist", w, h)))
        return scale > 0 and gap >= self.apart_torso * scale

    def _measure(self, side: str, pose: PoseFrame) -> tuple[float, float]:
        """(how far the wrist is above its shoulder in torso lengths, forearm angle from vertical
        in degrees, + towards the image's right); NaN when not visible."""
        if pose.landmarks is None:
            return math.nan, math.nan
        lms, w, h = pose.landmarks, pose.width, pose.height
        scale = _torso(lms, w, h)
        shoulder, elbow, wrist = (_xy(lms, f"{side}_{j}", w, h) for j in ("shoulder", "elbow", "wrist"))
        if not scale > 0 or np.isnan(shoulder).any() or np.isnan(wrist).any():
            return math.nan, math.nan
        lift = (shoulder[1] - wrist[1]) / scale
        if np.isnan(elbow).any():
            return lift, math.nan
        fx, fy = wrist - elbow
        if fy >= 0:  # the forearm does not point up: no wave
            return lift, math.nan
        return lift, math.degrees(math.atan2(fx, -fy))

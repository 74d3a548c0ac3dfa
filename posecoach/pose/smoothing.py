"""Causal landmark smoothing and the "unknown" rule, fit for live use (no look-ahead).

- One Euro filter on every coordinate: little lag when the body moves fast, little jitter when
  it is still. Its cutoff rises with speed (``beta``), in units of image-fractions per second.
- Visibility is smoothed too; a landmark whose smoothed visibility is under ``min_visibility``
  becomes NaN ("unknown") rather than a guess. With hysteresis: a landmark already known stays
  known until its visibility falls a share ``VISIBILITY_HYSTERESIS`` below that (0.45 for 0.5), so
  a far-side knee whose visibility hovers at the threshold does not blink in and out (and split a
  held rep in two).
- Plausibility: a limb end whose segment is implausibly long against the torso (a
  far-side limb the model has put somewhere impossible) also becomes unknown.
- Left and right that stay put: in floor poses the model often swaps the labels of the two
  legs or arms (or of the whole body) from one frame to the next. Before filtering, each group
  of sided landmarks (legs, arms, trunk and face) keeps the labelling that best continues the
  previous frame: a group is swapped back when its swapped positions sit clearly closer to where
  each side was a frame ago. Identity then comes from continuity over time, not from the
  model's per-frame labels, and the filter never blends one leg into the other.
"""

from __future__ import annotations

import math

import numpy as np

from posecoach.landmarks import INDEX
from posecoach.types import PoseFrame

_LIMBS = [(INDEX[f"{s}_{a}"], INDEX[f"{s}_{b}"], hi) for s in ("left", "right") for a, b, hi in (
    ("shoulder", "elbow", 1.1), ("elbow", "wrist", 1.1), ("hip", "knee", 1.4), ("knee", "ankle", 1.4),
)]
_LIMB_A = np.array([a for a, _, _ in _LIMBS])
_LIMB_B = np.array([b for _, b, _ in _LIMBS])
_LIMB_MAX = np.array([hi for _, _, hi in _LIMBS])
_TORSO_A = np.array([INDEX["left_shoulder"], INDEX["right_shoulder"]])
_TORSO_B = np.array([INDEX["left_hip"], INDEX["right_hip"]])
_GROUPS = [
    (np.array([INDEX[f"left_{p}"] for p in parts] + extra[:1]),
     np.array([INDEX[f"right_{p}"] for p in parts] + extra[1:]))
    for parts, extra in (
        (("knee", "ankle", "heel", "foot_index"), []),
        (("elbow", "wrist", "pinky", "index", "thumb"), []),
        (("shoulder", "hip", "eye_inner", "eye", "eye_outer", "ear"), [INDEX["mouth_left"], INDEX["mouth_right"]]),
    )
]
SWAP_RATIO = 0.5  #: swapped labels must fit the previous frame at least this much better...
SWAP_MIN_TORSO = 0.1  #: ...and by more than this share of the torso length per point


def continue_sides(raw: np.ndarray, prev: np.ndarray | None, w: int, h: int) -> tuple[np.ndarray, int]:
    """``raw`` (33, 4) relabelled, group by group, to continue ``prev`` (the previous frame's
    relabelled landmarks); returns the landmarks and the number of groups swapped. A group is
    swapped only when clearly better (``SWAP_RATIO``, ``SWAP_MIN_TORSO``), so limbs lying on
    top of each other, where either labelling fits, keep the model's."""
    if prev is None:
        return raw, 0
    scale = np.array([w, h], dtype=float)
    xy, pxy = raw[:, :2] * scale, prev[:, :2] * scale
    torso = np.nanmax(np.hypot(*(pxy[_TORSO_A] - pxy[_TORSO_B]).T)) if np.isfinite(pxy[_TORSO_A]).all() else np.nan
    if not torso > 0:
        return raw, 0
    out = raw
    swaps = 0
    for left, right in _GROUPS:
        keep = np.hypot(*(xy[left] - pxy[left]).T) + np.hypot(*(xy[right] - pxy[right]).T)
        swap = np.hypot(*(xy[left] - pxy[right]).T) + np.hypot(*(xy[right] - pxy[left]).T)
        ok = np.isfinite(keep) & np.isfinite(swap)
        if not ok.any():
            continue
        k, sw = float(keep[ok].mean()), float(swap[ok].mean())
        if sw < SWAP_RATIO * k and k - sw > 2 * SWAP_MIN_TORSO * torso:
            if out is raw:
                out = raw.copy()
            out[left], out[right] = raw[right], raw[left]
            swaps += 1
    return out, swaps


class Smoother:
    """Stateful filter of a stream of ``PoseFrame``s. ``reset()`` after a long gap."""

    #: the share of ``min_visibility`` by which a known landmark's visibility must fall below it to
    #: become unknown. 0.1: a known far-side knee at 0.49-0.52 (a rendered knee hug) stays known;
    #: at 0.2 the far ankle of a real bird-dog (0.4-0.5) was kept and cut its hold short
    VISIBILITY_HYSTERESIS = 0.1

    def __init__(self, *, min_cutoff_hz: float = 1.2, beta: float = 4.0, d_cutoff_hz: float = 1.0,
                 min_visibility: float = 0.5, reset_after_s: float = 0.5, enabled: bool = True) -> None:
        self.min_cutoff = min_cutoff_hz
        self.beta = beta
        self.d_cutoff = d_cutoff_hz
        self.min_visibility = min_visibility
        self.reset_after_s = reset_after_s
        self.enabled = enabled
        #: groups relabelled so far to keep left and right continuous (see ``continue_sides``)
        self.side_swaps = 0
        self.reset()

    def reset(self) -> None:
        self._x: np.ndarray | None = None  # (33, 3)
        self._dx: np.ndarray | None = None
        self._vis: np.ndarray | None = None
        self._t: float | None = None
        self._prev_raw: np.ndarray | None = None
        self._known: np.ndarray | None = None  # (33,) landmarks known in the last frame

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
        tau = 1.0 / (2 * math.pi * np.asarray(cutoff))
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, frame: PoseFrame) -> PoseFrame:
        if frame.landmarks is None:
            if self._t is not None and frame.t_s - self._t > self.reset_after_s:
                self.reset()
            return frame
        raw = frame.landmarks
        t = frame.t_s
        recent = self._t is not None and 0 < t - self._t <= self.reset_after_s
        if self.enabled and self._prev_raw is not None and recent:
            raw, n = continue_sides(raw, self._prev_raw, frame.width, frame.height)
            self.side_swaps += n
        self._prev_raw = raw
        # _x, _dx and _vis are set together: all three are known once one frame has been filtered
        if (self._x is None or self._dx is None or self._vis is None or self._t is None
                or t - self._t > self.reset_after_s or t <= self._t or not self.enabled):
            x = raw[:, :3].copy()
            vis = raw[:, 3].copy()
            self._dx = np.zeros_like(x)
            self._known = None  # a fresh start: no landmark is known from before
        else:
            dt = t - self._t
            x_raw = raw[:, :3]
            prev = self._x
            # a landmark unknown in the previous frame restarts from its raw value
            prev = np.where(np.isnan(prev), x_raw, prev)
            dx = (x_raw - prev) / dt
            a_d = self._alpha(self.d_cutoff, dt)
            dx_hat = a_d * dx + (1 - a_d) * np.nan_to_num(self._dx)
            cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
            a = self._alpha(cutoff, dt)
            x = a * x_raw + (1 - a) * prev
            self._dx = dx_hat
            a_v = self._alpha(self.min_cutoff * 2, dt)
            vis = a_v * raw[:, 3] + (1 - a_v) * self._vis
        self._x, self._vis, self._t = x, vis, t
        out = np.concatenate([x, vis[:, None]], axis=1)
        limit = np.full(len(vis), self.min_visibility)
        if self._known is not None and self.enabled:
            limit[self._known] *= 1.0 - self.VISIBILITY_HYSTERESIS
        known = vis >= limit
        self._known = known
        out[~known, :3] = np.nan
        self._implausible(out, frame.width, frame.height)
        return PoseFrame(frame.index, frame.timestamp_ms, frame.width, frame.height, out, frame.world)

    @staticmethod
    def _implausible(lms: np.ndarray, w: int, h: int) -> None:
        """A limb longer than ``hi`` torso lengths is impossible: its far end becomes unknown.
        (No lower bound: limbs pointing at the camera look short and are still right.) The
        reference is the longest of the torso, the shoulder width and twice the hip width: filmed
        from the feet or the head, the torso points at the camera and looks short while the limbs
        do not."""
        xy = lms[:, :2] * (w, h)
        torso = np.hypot(*(xy[_TORSO_A] - xy[_TORSO_B]).T)
        if np.all(np.isnan(torso)):
            return
        shoulders = np.hypot(*(xy[_TORSO_A[0]] - xy[_TORSO_A[1]]))
        hips = np.hypot(*(xy[_TORSO_B[0]] - xy[_TORSO_B[1]]))
        # a hip width is about half a torso; doubling it gives a scale that survives foreshortening
        limit = np.nanmax([*torso, shoulders, 2.0 * hips]) * _LIMB_MAX
        length = np.hypot(*(xy[_LIMB_A] - xy[_LIMB_B]).T)
        with np.errstate(invalid="ignore"):
            bad = length > limit
        lms[_LIMB_B[bad], :3] = np.nan

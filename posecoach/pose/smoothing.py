"""Causal landmark smoothing and the "unknown" rule, fit for live use (no look-ahead).

- One Euro filter on every coordinate: little lag when the body moves fast, little jitter when
  it is still. Its cutoff rises with speed (``beta``), in units of image-fractions per second.
- Visibility is smoothed too; a landmark whose smoothed visibility is under ``min_visibility``
  becomes NaN ("unknown") rather than a guess.
- Plausibility: a limb end whose segment is implausibly long against the torso (a
  far-side limb the model has put somewhere impossible) also becomes unknown.
"""

from __future__ import annotations

import math

import numpy as np

from posecoach.landmarks import INDEX
from posecoach.types import PoseFrame

_LIMBS = [(INDEX[f"{s}_{a}"], INDEX[f"{s}_{b}"], lo, hi) for s in ("left", "right") for a, b, lo, hi in (
    ("shoulder", "elbow", 0.0, 1.1), ("elbow", "wrist", 0.0, 1.1),
    ("hip", "knee", 0.0, 1.4), ("knee", "ankle", 0.0, 1.4),
)]


class Smoother:
    """Stateful filter of a stream of ``PoseFrame``s. ``reset()`` after a long gap."""

    def __init__(self, *, min_cutoff_hz: float = 1.2, beta: float = 4.0, d_cutoff_hz: float = 1.0,
                 min_visibility: float = 0.5, reset_after_s: float = 0.5, enabled: bool = True) -> None:
        self.min_cutoff = min_cutoff_hz
        self.beta = beta
        self.d_cutoff = d_cutoff_hz
        self.min_visibility = min_visibility
        self.reset_after_s = reset_after_s
        self.enabled = enabled
        self.reset()

    def reset(self) -> None:
        self._x: np.ndarray | None = None  # (33, 3)
        self._dx: np.ndarray | None = None
        self._vis: np.ndarray | None = None
        self._t: float | None = None

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
        if self._x is None or self._t is None or t - self._t > self.reset_after_s or t <= self._t or not self.enabled:
            x = raw[:, :3].copy()
            vis = raw[:, 3].copy()
            self._dx = np.zeros_like(x)
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
        out[vis < self.min_visibility, :3] = np.nan
        self._implausible(out, frame.width, frame.height)
        return PoseFrame(frame.index, frame.timestamp_ms, frame.width, frame.height, out, frame.world)

    @staticmethod
    def _implausible(lms: np.ndarray, w: int, h: int) -> None:
        xy = lms[:, :2] * (w, h)
        torso = np.nanmax([
            np.hypot(*(xy[INDEX["left_shoulder"]] - xy[INDEX["left_hip"]])),
            np.hypot(*(xy[INDEX["right_shoulder"]] - xy[INDEX["right_hip"]])),
        ]) if not np.all(np.isnan(xy[[11, 12, 23, 24], 0])) else math.nan
        if not torso > 0:
            return
        for a, b, lo, hi in _LIMBS:
            length = np.hypot(*(xy[a] - xy[b]))
            if not math.isnan(length) and not (lo * torso <= length <= hi * torso):
                lms[b, :3] = np.nan

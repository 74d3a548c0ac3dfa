"""How much a metric wobbles on this person, measured while they are still.

MediaPipe's landmarks on real video jitter by several degrees at rest, and the smoothing turns
that jitter into a slow wobble rather than frame-to-frame noise. A rule that compares one frame
against a threshold, or counts direction changes, fires on that wobble. So the engine measures it:

- ``MedianFilter``: a short running median, so a single implausible frame (a landmark thrown
  across the image for one frame) never reaches a rule.
- ``WobbleMeter``: how far the filtered metric strays from a straight line over 0.4 s
  while the person is meant to be still (getting into position, held at the top of a rep, in a
  hold); a robust median of that is the metric's ``wobble`` (peak-to-peak, in the metric's own
  units). The median keeps the estimate honest when some samples contain real movement.
- ``edge_uncertainty``: how uncertain the time of a threshold crossing is, given the wobble and
  how fast the metric was moving there (``wobble / 2 / slope``).

With no wobble measured (clean input, or the very first frames) every figure is 0 and the rules
behave exactly as their specs say.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Sequence


class MedianFilter:
    """Running median over the last ``window_s`` seconds, and never fewer than ``min_n`` samples,
    of finite values (NaN passes through as NaN and is not remembered). Three samples are
    enough to drop a one-frame jump and cost one frame of delay."""

    def __init__(self, window_s: float = 0.07, min_n: int = 3) -> None:
        self.window_s = window_s
        self.min_n = min_n
        self._buf: deque[tuple[float, float]] = deque()

    def __call__(self, t: float, value: float) -> float:
        if math.isnan(value):
            return value
        self._buf.append((t, value))
        while len(self._buf) > self.min_n and self._buf[0][0] < t - self.window_s - 1e-9:
            self._buf.popleft()
        return statistics.median(v for _, v in self._buf)


class WobbleMeter:
    """The typical wobble of one metric while the person is still (see the module doc).

    Each still sample about ``k`` seconds old gets a residual against the straight line through
    the samples about ``k`` before and after it (``v(t-k) - (v(t-2k) + v(t)) / 2``): a steady drift gives
    none, a wobble on the scale of ``k`` gives its size. The wobble is the median residual over
    the still samples seen so far, scaled to the peak-to-peak size of a sway of period ``4k``
    (``PEAK_TO_PEAK``). ``k`` is short (0.2 s) so that the second a person holds the start
    position is enough to measure it. The median keeps a real step (a fault appearing, a rep starting) from
    counting as noise; fewer than ``min_samples`` residuals measure nothing (0).
    """

    PEAK_TO_PEAK = 2.0 / math.sin(math.pi / 4)  #: median |residual| of a sine -> its peak-to-peak

    def __init__(self, k_s: float = 0.2, keep: int = 3000, min_samples: int = 8) -> None:
        self.k_s = k_s
        self.min_samples = min_samples
        self._run: deque[tuple[float, float]] = deque()
        self._res: deque[float] = deque(maxlen=keep)
        self._wobble = 0.0
        self._dirty = False

    def _near(self, t: float) -> tuple[float, float] | None:
        best = min(self._run, key=lambda s: abs(s[0] - t))
        return best if abs(best[0] - t) <= 0.5 * self.k_s else None

    def update(self, t: float, value: float, still: bool) -> None:
        if not still or math.isnan(value):
            self._run.clear()
            return
        self._run.append((t, value))
        while self._run and self._run[0][0] < t - 2 * self.k_s - 0.05:
            self._run.popleft()
        if self._run[0][0] > t - 2 * self.k_s + 1e-9:
            return
        a = self._near(t - 2 * self.k_s)
        m = self._near(0.5 * (a[0] + t)) if a is not None else None
        if a is None or m is None or not a[0] < m[0] < t:
            return
        line = a[1] + (value - a[1]) * (m[0] - a[0]) / (t - a[0])
        self._res.append(abs(m[1] - line))
        self._dirty = True

    @property
    def wobble(self) -> float:
        """Typical peak-to-peak wobble, in the metric's units (0 until measured)."""
        if self._dirty:
            self._dirty = False
            enough = len(self._res) >= self.min_samples
            self._wobble = self.PEAK_TO_PEAK * statistics.median(self._res) if enough else 0.0
        return self._wobble

    @property
    def samples(self) -> int:
        return len(self._res)


def edge_uncertainty(samples: Sequence[tuple[float, float]], t_edge: float, wobble: float,
                     span_s: float = 0.25, cap_s: float = 1.0) -> float:
    """Seconds by which the time ``t_edge`` of a crossing could be off: half the wobble divided
    by the metric's speed around that time (from ``samples`` of (t, value)); capped at ``cap_s``."""
    if wobble <= 0 or not samples:
        return 0.0
    near = [(t, v) for t, v in samples if abs(t - t_edge) <= span_s and not math.isnan(v)]
    if len(near) < 2:
        return 0.0
    (t0, v0), (t1, v1) = near[0], near[-1]
    if t1 - t0 <= 1e-9:
        return 0.0
    slope = abs(v1 - v0) / (t1 - t0)
    if slope <= 1e-12:
        return cap_s
    return min(cap_s, 0.5 * wobble / slope)

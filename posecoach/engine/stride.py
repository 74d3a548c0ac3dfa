"""Adaptive frame stride for recorded video: look closely only where a verdict can change.

Back exercises are slow (a rep takes 2-10 s), so looking at each of 30 or 60 frames a second of a
recorded video is mostly wasted work. After each analysed frame, ``StridePolicy.advance`` says how
many source frames to move on (1 = the very next one), from what the engine knows:

- **Setup**: every frame. The noise model (``engine.noise``) measures each metric's jitter then,
  and the start position's debounce counts from the first frame it holds.
- **Thresholds**: every limit the spec states for a metric (a rep's ``rest`` and ``peak``, hold and
  setup conditions, fault limits, and the edge of the band a rep's hold is timed in) is a place
  where a count, a fault or a hold time can change. The next frame looked at must come before the
  metric could reach the nearest one, moving at its measured speed and speeding up at a prior
  rate for its kind of metric (a still body can start moving at any time).
- **A rep with a hold**: every frame on the way in and out; the band its hold is timed in is set
  by the lowest and highest values the rep's own samples reach.
- **Unknown**: while a pose is lost or a metric the spec limits cannot be measured, every frame
  (the rep's ``max_gap_s`` and the pose-lost time start there).
- **Bounce**: with a bounce rule, at end range a direction change of the main metric by the rule's
  ``amplitude`` is a limit too, counted from the metric's swing over the rule's window, and a
  step may skip over at most ``bounce_share`` of that amplitude (a turn's extreme is not cut off).
- **Moving**: every frame while the body moves (its landmarks, or their visibilities, change
  between analysed frames) and for ``settle_s`` after it stopped, whatever the spec's metrics do.
  MediaPipe's VIDEO mode makes the landmarks of a frame depend on the frames it saw before: it
  tracks the body from the last frame's landmarks, smooths them with a filter whose memory
  lasts seconds once the body is still, and smooths visibilities frame by frame (so with one
  frame in six a limb coming into view is "visible" six times later). Frames skipped while the
  body moves leave landmarks a few tenths of a degree off, seconds later, and a visibility
  that lags, where every-frame analysis would see neither; skipping only a still body keeps
  what MediaPipe makes of the frames looked at close to what it makes of every frame.
- **Cap**: never more than ``max_gap_s`` between analysed frames, so a movement that begins is
  seen within that time, and MediaPipe's VIDEO mode still follows the body from one analysed
  frame to the next.

Skipped frames keep their place in time. The engine is given a pose for each of them, linearly
interpolated between the analysed frames around it at its own timestamp (``fill_between``), so
the One Euro smoother, the debounces and every duration see the true times, and the rules that
count samples (running medians, the noise model's minimum samples, the side a rep was done on)
see as many as from every frame. The engine's results lag by one stride: fine for a recording;
a live session stays every frame.

This module imports neither cv2 nor mediapipe: it is tuned and tested on landmark tracks.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from posecoach.engine.reps import HOLD_BAND
from posecoach.pose.smoothing import continue_sides
from posecoach.spec.schema import Condition, Spec, metric_quantity
from posecoach.engine.session import FrameResult
from posecoach.types import Features, PoseFrame


class Step(Protocol):
    """What the policy reads of one frame's step through the engine (the pipeline's ``Step``)."""

    @property
    def features(self) -> Features: ...

    @property
    def result(self) -> FrameResult: ...

    @property
    def raw(self) -> PoseFrame: ...

#: Prior accelerations (metric units per second squared) by kind of metric: how fast a body at
#: rest is taken to speed a metric up (a still one can start moving at any time). Tuned by
#: simulation on every-frame tracks of the sample clips (``benchmarks/stride_tune.py``): a third
#: of these missed the quick overshoot at the top of a bridge, by which a bounce is judged. Once
#: a metric moves, its measured speed counts too. Angles in degrees; lengths in torso lengths;
#: sideways shifts in hip widths.
PRIOR_ACCEL = {"angle": 120.0, "length": 1.2, "lateral": 1.8, "ratio": 1.5}
SPEED_BASE_S = 0.15  #: a metric's speed is measured over at least this much time (jitter is fast)
SPEED_WINDOW_S = 0.6  #: ...and at most this much


def reach_time(dist: float, speed: float, accel: float) -> float:
    """The soonest a metric ``dist`` away from a limit could reach it (s), moving at ``speed`` now
    and speeding up by at most ``accel``: the root of ``speed * t + accel * t**2 / 2 = dist``."""
    if dist <= 0:
        return 0.0
    return (math.sqrt(speed * speed + 2.0 * accel * dist) - speed) / accel


def _limits(cond: Condition) -> list[float]:
    value = cond.value
    return [float(v) for v in value] if isinstance(value, tuple) else [float(value)]


def spec_thresholds(spec: Spec) -> dict[str, list[float]]:
    """Every limit the spec sets on each metric (metric units), where a verdict can change."""
    out: dict[str, list[float]] = {name: [] for name in spec.metrics}
    conds: list[Condition] = [*spec.setup.require]
    if spec.hold is not None:
        conds += spec.hold.require
    for fault in spec.faults:
        conds += fault.when
    for cond in conds:
        out.setdefault(cond.metric, []).extend(_limits(cond))
    if spec.rep is not None:
        rule = spec.rep
        values = [rule.rest, rule.peak]
        if rule.sided and rule.side_from == "sign":
            values += [-rule.rest, -rule.peak]  # the counter reads |value|
        out.setdefault(rule.metric, []).extend(values)
    return {k: sorted(set(v)) for k, v in out.items()}


@dataclass(frozen=True)
class StrideConfig:
    """The policy's limits. ``max_gap_s``: the longest time between two analysed frames."""

    max_gap_s: float = 0.2
    #: a metric's measured speed is the fastest over the last ``SPEED_WINDOW_S``, more than its
    #: speed now; this share of it predicts the next crossing
    speed_share: float = 0.5
    prior_scale: float = 1.0  #: multiplies every ``PRIOR_ACCEL`` (larger: more careful)
    dense_after_event_s: float = 0.0  #: every frame for this long after a rep, hold or fault changed state
    bounce_gap_s: float = 0.3  #: longest step at end range when the spec has a bounce rule
    bounce_share: float = 0.25  #: at end range, the most of a bounce's amplitude a step may skip over
    #: the closest look outside setup: every frame of a 30 fps video, every other one at 60 fps
    #: (the timing a 30 fps recording gives anyway)
    min_gap_s: float = 1.0 / 30.0
    #: the body counts as still while its landmarks move slower than this (image sizes per
    #: second, the 90th percentile of the visible landmarks, over at least ``SPEED_BASE_S``)...
    still_speed: float = 0.025
    #: ...and no landmark's visibility changed by more than this since the last analysed frame
    still_visibility: float = 0.15
    #: every frame while the body moves, and for this long after it stopped (0: no such rule)
    settle_s: float = 0.5


class StridePolicy:
    """Decides, after each analysed frame, how many source frames to move on (see module doc).

    ``fps`` is the source's frame rate, used only to turn a safe skip in seconds into frames;
    the frames' own timestamps are what the engine sees."""

    def __init__(self, fps: float, config: StrideConfig | None = None) -> None:
        self.fps = fps if math.isfinite(fps) and fps > 0 else 30.0
        self.config = config or StrideConfig()
        self._spec: Spec | None = None
        self._thresholds: dict[str, list[float]] = {}
        self._prior: dict[str, float] = {}
        self._history: dict[str, deque[tuple[float, float]]] = {}
        self._dense_until = -math.inf
        self._band: tuple[float, float] | None = None  # (lowest, highest) directed rep value this rep
        self._swing: deque[tuple[float, float]] = deque()  # main metric at end range, for bounces
        self._last_state: tuple[object, ...] | None = None
        self._poses: deque[tuple[float, np.ndarray]] = deque()  # analysed (t, landmarks in image sizes)
        self._moving_until = -math.inf
        self.analysed = 0
        self.strides: list[int] = []

    def _use(self, spec: Spec) -> None:
        """Read a spec's limits (again when a routine moves on to its next exercise)."""
        if spec is self._spec:
            return
        self._spec = spec
        self._thresholds = spec_thresholds(spec)
        self._prior = {k: PRIOR_ACCEL[metric_quantity(m)] * self.config.prior_scale for k, m in spec.metrics.items()}
        self._history = {k: deque() for k in spec.metrics}
        self._band = None
        self._last_state = None

    def _speed(self, name: str, t: float, v: float, remember: bool = True) -> float:
        """The metric's recent speed (units/s): the fastest change over at least ``SPEED_BASE_S``
        (jitter is fast) within the last ``SPEED_WINDOW_S``, or over the longest span known when
        the analysed frames are further apart; 0 when nothing is known before ``t``."""
        hist = self._history[name]
        if remember:
            hist.append((t, v))
        # keep one sample older than the window, so a long skip still has a span to measure over
        while len(hist) > 2 and hist[1][0] < t - SPEED_WINDOW_S:
            hist.popleft()
        past = [(t0, v0) for t0, v0 in hist if t0 < t]
        if not past:
            return 0.0
        base = min(SPEED_BASE_S, t - past[0][0])
        return max((abs(v - v0) / (t - t0) for t0, v0 in past if t - t0 >= base - 1e-9), default=0.0)

    def _band_distance(self, spec: Spec, value: float, phase: str) -> float | None:
        """How far the rep metric is from the edge of the band near the rep's top in which its
        hold is timed (``engine.reps.HOLD_BAND``), while a rep with a hold is under way; the band
        moves with the rep's highest value, so it is no fixed limit of the spec."""
        rule = spec.rep
        if rule is None or rule.hold_s <= 0 or math.isnan(value) or phase == "rest":
            self._band = None
            return None
        sign = 1.0 if rule.direction == "up" else -1.0
        directed = sign * (abs(value) if rule.sided and rule.side_from == "sign" else value)
        lo, hi = self._band if self._band is not None else (sign * rule.rest, directed)
        lo, hi = min(lo, directed), max(hi, directed)
        self._band = (lo, hi)
        return abs(directed - (hi - HOLD_BAND * (hi - lo)))

    def _bounce_time(self, spec: Spec, t: float, value: float) -> float:
        """The soonest the main metric could complete a direction change the bounce rule counts
        (a swing of its ``amplitude`` from the last extreme), judged from its swing over the
        rule's window: a reversal is a limit too, one that moves with the metric."""
        rule = spec.bounce
        if rule is None or math.isnan(value):
            return 0.0
        self._swing.append((t, value))
        while self._swing and self._swing[0][0] < t - rule.window_s:
            self._swing.popleft()
        values = [v for _, v in self._swing]
        swing = max(max(values) - value, value - min(values))
        speed = self.config.speed_share * self._speed(spec.main_metric, t, value, remember=False)
        accel = self._prior[spec.main_metric]
        # and a turn's extreme, from which the next swing is measured, is not cut off by more
        # than a share of the amplitude
        return min(reach_time(rule.amplitude - swing, speed, accel),
                   reach_time(self.config.bounce_share * rule.amplitude, speed, accel))

    def _moving(self, t: float, pose: PoseFrame) -> bool:
        """Whether the body moves (or its landmarks' visibilities change): from the analysed
        frames' raw landmarks, over at least ``SPEED_BASE_S`` or the last step if longer."""
        lm = pose.landmarks
        if lm is None:
            self._poses.clear()
            return True
        size = float(max(pose.width, pose.height)) or 1.0
        here = np.column_stack([lm[:, 0] * pose.width / size, lm[:, 1] * pose.height / size, lm[:, 3]])
        hist = self._poses
        past = [(t0, p0) for t0, p0 in hist if t0 <= t - SPEED_BASE_S + 1e-9]
        ref = past[-1] if past else (hist[0] if hist else None)
        last = hist[-1][1] if hist else None
        hist.append((t, here))
        while len(hist) > 1 and hist[1][0] <= t - SPEED_BASE_S + 1e-9:
            hist.popleft()
        if ref is None or last is None or t <= ref[0]:
            return True
        t0, p0 = ref
        seen = (p0[:, 2] > 0.5) | (here[:, 2] > 0.5)
        if not seen.any():
            return True
        dist = np.hypot(here[:, 0] - p0[:, 0], here[:, 1] - p0[:, 1])[seen]
        speed = float(np.percentile(dist, 90)) / (t - t0)
        return speed > self.config.still_speed or float(np.abs(here[:, 2] - last[:, 2]).max()) > self.config.still_visibility

    def advance(self, spec: Spec, steps: Sequence[Step]) -> int:
        """How many source frames to move on after an analysed frame (at least 1). ``steps`` are
        what the engine made of the frames since the last decision, the analysed frame last
        (skipped frames before it, filled in by ``fill_between``)."""
        self._use(spec)
        self.analysed += 1
        step = steps[-1]
        result, feats = step.result, step.features
        t = result.t_s
        state = (result.phase, result.reps, tuple(sorted(result.reps_by_side.items())), result.hold_s > 0,
                 tuple(sorted(f.id for f in result.active_faults)), result.has_pose)
        changed = self._last_state is not None and state != self._last_state
        if changed or any(s.result.events for s in steps):
            self._dense_until = t + self.config.dense_after_event_s
        self._last_state = state
        if self.config.settle_s > 0 and self._moving(t, step.raw):
            self._moving_until = t + self.config.settle_s
        if result.phase == "setup":
            self.strides.append(1)
            return 1
        cfg = self.config
        gap = cfg.max_gap_s
        if not result.has_pose or t < self._dense_until or t < self._moving_until:
            gap = 0.0
        if spec.rep is not None and spec.rep.hold_s > 0 and result.phase in ("moving", "returning"):
            # a rep's hold is timed in a band set by the lowest and highest values of its own
            # samples, the lowest taken on the way in and out: those are looked at closely
            gap = 0.0
        if spec.bounce is not None and result.phase in ("peak", "hold"):
            gap = min(gap, cfg.bounce_gap_s, self._bounce_time(spec, t, feats.values.get(spec.main_metric, math.nan)))
        else:
            self._swing.clear()
        for name, limits in self._thresholds.items():
            v = feats.values.get(name, math.nan)
            if math.isnan(v):
                if limits:
                    gap = 0.0  # unknown: gap timings (max_gap_s, pose lost) start here
                continue
            speed = self.config.speed_share * self._speed(name, t, v)
            dists = [abs(v - e) for e in limits]
            if spec.rep is not None and name == spec.rep.metric:
                band = self._band_distance(spec, v, result.phase)
                if band is not None:
                    dists.append(band)
            if dists:
                gap = min(gap, reach_time(min(dists), speed, self._prior[name]))
        frames = max(1, int(math.floor(max(gap, cfg.min_gap_s) * self.fps + 1e-9)))
        self.strides.append(frames)
        return frames


def fill_between(before: PoseFrame | None, after: PoseFrame, times: Sequence[tuple[int, int]]) -> list[PoseFrame]:
    """Poses for the skipped frames between two analysed ones, at each skipped frame's own
    (index, timestamp_ms): landmarks linearly interpolated in time. The engine then sees as many
    samples as it would from every frame, so its rules that count samples (running medians, the
    noise model's minimum samples, the side a rep was done on) keep their meaning.

    The later pose's left and right are first matched to the earlier one's (the model swaps them
    at times), so one leg is never blended into the other. Where either side has no person (or
    the first frame is not known), a skipped frame takes the earlier pose as it was: nobody stays
    nobody, and a pose gap is timed from the last frame that saw one."""
    if not times:
        return []
    if before is None or before.landmarks is None or after.landmarks is None:
        return [PoseFrame(i, t, after.width, after.height,
                          None if before is None else before.landmarks,
                          None if before is None else before.world) for i, t in times]
    lm_b = before.landmarks
    lm_a, _ = continue_sides(after.landmarks, lm_b, after.width, after.height)
    wb, wa = before.world, after.world
    t0, t1 = before.timestamp_ms, after.timestamp_ms
    out = []
    for i, t in times:
        w = (t - t0) / (t1 - t0) if t1 > t0 else 1.0
        lm = (1.0 - w) * lm_b + w * lm_a
        world = None if wb is None or wa is None else (1.0 - w) * wb + w * wa
        out.append(PoseFrame(i, t, after.width, after.height, np.asarray(lm), world))
    return out


class StridedPoses:
    """Saved poses (a track read every frame) passed over as a video would be: the frames the
    stride skips are never looked at. This is how the policy is tuned and checked without the
    pose model: the same loop, the same filled-in poses, only MediaPipe's own reaction to the
    skipped frames is missing."""

    def __init__(self, poses: Sequence[PoseFrame]) -> None:
        self.poses = list(poses)

    def strided(self, skip: Callable[[], int]) -> Iterator[tuple[list[tuple[int, int]], PoseFrame | None]]:
        i, passed = 0, list[tuple[int, int]]()
        while i < len(self.poses):
            yield passed, self.poses[i]
            k = max(1, skip())
            passed = [(p.index, p.timestamp_ms) for p in self.poses[i + 1:i + k]]
            i += k
        if passed:
            yield passed, None


HOLD_TOLERANCE_S = 0.2  #: how far a strided hold time may be from the every-frame one


def verdicts(report: dict[str, Any]) -> dict[str, Any]:
    """What a strided analysis must give exactly as an every-frame one does: the count, the count
    per side, the faults raised (id and how often) and the hold times (s). A routine's report is
    read section by section."""
    sections = report.get("exercises") or [report]
    out: dict[str, Any] = {"reps": [], "reps_by_side": [], "faults": [], "holds_s": []}
    for sec in sections:
        out["reps"].append(sec.get("reps"))
        out["reps_by_side"].append(dict(sec.get("reps_by_side") or {}))
        out["faults"].append(dict(sorted(Counter(f["id"] for f in sec.get("faults", [])).items())))
        out["holds_s"].append([h.get("duration_s") for h in sec.get("holds", [])])
    return out


def differences(every: dict[str, Any], strided: dict[str, Any], hold_tol_s: float = HOLD_TOLERANCE_S) -> list[str]:
    """Where a strided report's verdicts differ from the every-frame report's (empty: they agree)."""
    a, b = verdicts(every), verdicts(strided)
    out = [f"{key}: {a[key]} every frame, {b[key]} strided" for key in ("reps", "reps_by_side", "faults")
           if a[key] != b[key]]
    for i, (ha, hb) in enumerate(zip(a["holds_s"], b["holds_s"])):
        if len(ha) != len(hb):
            out.append(f"holds: {len(ha)} every frame, {len(hb)} strided")
        elif any(x is None or y is None or abs(x - y) > hold_tol_s + 1e-9 for x, y in zip(ha, hb)):
            out.append(f"hold times (s): {ha} every frame, {hb} strided")
    return out

"""Spec metrics from landmarks: pure numpy, no OpenCV or MediaPipe.

Conventions (one place for all of them):
- Points are taken in pixels (``x * width``, ``y * height``) so angles are true to the image's
  aspect ratio. Image y grows downwards; every "up" in a metric means towards the top of the image.
- ``joint_angle``: the angle at the middle point between the two limbs, 0-180 degrees
  (180 = straight). ``segment_angle``: the segment's angle to the image horizontal or vertical,
  0-90 degrees, whichever way the person faces.
- Lengths are divided by the body scale: the median torso length (shoulder to hip) over the last
  three seconds, so thresholds do not depend on how far the camera is.
- A metric whose landmarks are unknown (NaN) is NaN; nothing guesses.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections import deque
from typing import TypeGuard

import numpy as np

from posecoach import landmarks as lm
from posecoach.spec.schema import (
    Displacement, Distance, JointAngle, Lateral, LineOffset, Metric, Offset, Rep, SegmentAngle, Spec, point_landmarks,
)
from posecoach.types import Features, PoseFrame

_I = lm.INDEX
_NAN = float("nan")


def joint_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle ABC at ``b`` in degrees, 0-180; NaN if any point is NaN or a limb has no length."""
    v1, v2 = a - b, c - b
    n1, n2 = math.hypot(v1[0], v1[1]), math.hypot(v2[0], v2[1])
    if not (n1 > 1e-9 and n2 > 1e-9):
        return _NAN
    cos = (v1[0] * v2[0] + v1[1] * v2[1]) / (n1 * n2)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def segment_angle_deg(a: np.ndarray, b: np.ndarray, reference: str) -> float:
    """Angle of segment AB to the image horizontal (or vertical), 0-90 degrees; NaN if unknown."""
    dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
    if not (dx + dy > 1e-9):
        return _NAN
    to_horizontal = math.degrees(math.atan2(dy, dx))
    return to_horizontal if reference == "horizontal" else 90.0 - to_horizontal


def point_px(xy: np.ndarray, name: str, side: str) -> np.ndarray:
    """Where a spec's point name is, in the pixel positions ``xy`` (shape (33, 2), NaN where
    unknown): a landmark, a sided name on ``side``, or a midpoint (see
    ``posecoach.spec.schema.point_landmarks``), which is the one side that is known when the
    other is not."""
    names = point_landmarks(name, side)
    if len(names) == 1:
        return np.asarray(xy[_I[names[0]]])
    left, right = xy[_I[names[0]]], xy[_I[names[1]]]
    if np.isnan(left[0]):
        return np.asarray(right)
    if np.isnan(right[0]):
        return np.asarray(left)
    return np.asarray((left + right) / 2.0)


def _across_body(m: object) -> TypeGuard[Lateral]:
    """Whether ``m`` is a sideways shift across the body's own axis (``along = "body"``)."""
    return isinstance(m, Lateral) and m.along == "body"


def _body_frame(rows: deque[np.ndarray], camera_sees: str) -> tuple[np.ndarray, np.ndarray, float] | None:
    """From rows of (point x, y, axis start x, y, axis end x, y, pair width): the point's median
    position, the unit direction towards the person's left across the median axis, and the
    median width; None when too little of it is known."""
    known = [r for r in rows if not np.isnan(r).any()]
    if not known:
        return None
    med = np.median(np.stack(known), axis=0)
    axis = med[4:6] - med[2:4]
    norm = math.hypot(axis[0], axis[1])
    if not (norm > 1e-9 and med[6] > 1e-9):
        return None
    # image y grows downwards: turning the axis (towards the head) this way points to the
    # left of a person whose back faces the camera
    left = np.array([axis[1], -axis[0]]) / norm
    return med[0:2], (left if camera_sees == "back" else -left), float(med[6])


class _Points:
    """Pixel positions and visibilities of one frame, with generic-name resolution."""

    __slots__ = ("xy", "vis")

    def __init__(self, frame: PoseFrame) -> None:
        assert frame.landmarks is not None
        self.xy = frame.landmarks[:, :2] * (frame.width, frame.height)
        self.vis = frame.landmarks[:, 3]

    def get(self, name: str, side: str) -> np.ndarray:
        return point_px(self.xy, name, side)

    def held(self, name: str, offsets: dict[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """A point where a midpoint whose one side is unknown is the known side plus that side's
        offset to the middle the last time both were known (``offsets``, kept up to date here),
        so that losing one side does not move it by half the pair's spread; NaN before both
        sides have been seen together."""
        names = point_landmarks(name, "left")
        if len(names) == 1:
            return np.asarray(self.xy[_I[names[0]]])
        a, b = self.xy[_I[names[0]]], self.xy[_I[names[1]]]
        known_a, known_b = not np.isnan(a).any(), not np.isnan(b).any()
        if known_a and known_b:
            mid = (a + b) / 2.0
            offsets[name] = (mid - a, mid - b)
            return np.asarray(mid)
        off = offsets.get(name)
        if off is None or not (known_a or known_b):
            return np.full(2, _NAN)
        return np.asarray(a + off[0] if known_a else b + off[1])

    def visibility(self, names: tuple[str, ...], side: str) -> float:
        total = 0.0
        for name in names:
            n = lm.resolve(name, side)
            if n in _I:
                v = self.vis[_I[n]]
                total += 0.0 if math.isnan(self.xy[_I[n], 0]) else float(v)
        return total


class BodyMotion:
    """How far the body as a whole moved over the last ``WINDOW_S``, in body sizes.

    The body is seven points: the nose and the midpoints of the shoulders, elbows, wrists, hips,
    knees and ankles (a left/right swap of MediaPipe's labels leaves every midpoint where it was).
    The motion is the median of their displacements since ``WINDOW_S`` ago, over the size of the
    box they span, once the shift and the change of size the picture adds (a camera that pans,
    is knocked or zooms) are taken out. A person holding a posture, breathing and swaying, stays under a few hundredths
    of that; one who gets out of it, or a video that cuts or dissolves to another camera, moves
    every point at once."""

    WINDOW_S = 0.3
    PAIRS = (("nose", "nose"), ("left_shoulder", "right_shoulder"), ("left_elbow", "right_elbow"),
             ("left_wrist", "right_wrist"), ("left_hip", "right_hip"), ("left_knee", "right_knee"),
             ("left_ankle", "right_ankle"))

    def __init__(self) -> None:
        self._a = np.array([_I[a] for a, _ in self.PAIRS])
        self._b = np.array([_I[b] for _, b in self.PAIRS])
        self._past: deque[tuple[float, np.ndarray]] = deque()

    def reset(self) -> None:
        self._past.clear()

    def update(self, t: float, xy: np.ndarray) -> float:
        pts = (xy[self._a] + xy[self._b]) * 0.5
        self._past.append((t, pts))
        while len(self._past) > 1 and self._past[1][0] <= t - self.WINDOW_S:
            self._past.popleft()
        t0, then = self._past[0]
        if t - t0 < 0.8 * self.WINDOW_S:
            return _NAN
        both = ~(np.isnan(pts).any(axis=1) | np.isnan(then).any(axis=1))
        if both.sum() < 3:
            return _NAN
        now_pts, then_pts = pts[both], then[both]
        size_now = float(np.hypot(*(now_pts.max(axis=0) - now_pts.min(axis=0))))
        size_then = float(np.hypot(*(then_pts.max(axis=0) - then_pts.min(axis=0))))
        if not min(size_now, size_then) > 1e-9:
            return _NAN
        # the body's shape, not where the picture puts it: a camera that is knocked or pans
        # moves every point alike and changes nothing here
        a = (now_pts - np.median(now_pts, axis=0)) / size_now
        b = (then_pts - np.median(then_pts, axis=0)) / size_then
        return float(np.median(np.hypot(*(a - b).T)))


class FeatureExtractor:
    """Computes every metric of a spec, frame by frame (stateful: body scale, baselines, view).

    Call ``set_baseline()`` when the set starts (the engine does, when the start position is
    reached); ``displacement`` metrics are NaN before that.
    """

    SCALE_WINDOW_S = 3.0
    ACROSS_DECAY = 0.999  #: per frame: the reference width of a ``lateral`` pair forgets in ~30 s
    ACROSS_MIN = 0.8  #: a pair is taken as at least this share of its reference width
    LEVEL_MAX_TILT = 60.0  #: ``lateral`` with ``along = "level"``: the pair's largest tilt in the image
    BASELINE_FRAMES = 10
    #: ``lateral`` with ``side_view = "drop"``: the resting height is a high percentile of the
    #: last ``DROP_WINDOW_S`` (robust to a stray frame and to the time spent rolled over), and a
    #: drop is expressed in hip widths of this many torso lengths (MediaPipe's hip joints are
    #: about a third of a torso apart)
    DROP_WINDOW_S = 15.0
    DROP_TOP_PERCENTILE = 70.0
    DROP_HIP_WIDTH = 0.25
    #: ``lateral`` with ``recentre``: the middle of the swing is the median shift over this long
    RECENTRE_WINDOW_S = 15.0
    RECENTRE_START_S = 1.0  #: the start position weighs as much as this long a stay
    RECENTRE_FRAME_S = 0.1  #: a frame stands for the time since the last one, at most this
    #: ``rep.side_from = "travel"``: a limb has moved once its point is this far (in torso lengths,
    #: in the body's own frame) from where it sat at the start of the set
    TRAVEL_MIN = 0.1

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._scales: deque[tuple[float, float]] = deque()
        self._scale = _NAN
        self._recent: deque[dict[str, np.ndarray]] = deque(maxlen=self.BASELINE_FRAMES)
        self._baseline: dict[str, np.ndarray] | None = None
        self._baseline_scale = _NAN  #: the body scale when the set started
        self._view = "unknown"
        self._view_ratio = _NAN
        self._across_ref: dict[str, float] = {}
        self._drop_ref: dict[str, deque[tuple[float, float, float]]] = {}  # name -> (t_s, height, pair tilt)
        self._t = 0.0
        # only a timed hold asks whether the body moves (``engine.session``)
        self._motion = BodyMotion() if spec.hold is not None else None
        # ``lateral`` and ``segment_angle`` metrics with ``baseline = "setup"``: the same metric as
        # the image shows it, its recent values, and its value at the start of the set
        self._setup_absolute = {
            k: m.model_copy(update={"baseline": "none"})
            for k, m in spec.metrics.items()
            if isinstance(m, (Lateral, SegmentAngle)) and m.baseline == "setup" and not _across_body(m)
        }
        # ``lateral`` with ``along = "body"``: the recent (point, axis start, axis end, pair
        # width) while the set has not started, and the point, the person's left and the width
        # at its start
        self._body_recent: dict[str, deque[np.ndarray]] = {
            k: deque(maxlen=self.BASELINE_FRAMES) for k, m in spec.metrics.items() if _across_body(m)
        }
        self._body_base: dict[str, tuple[np.ndarray, np.ndarray, float] | None] = {}
        self._body_offsets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._setup_recent: dict[str, deque[float]] = {k: deque(maxlen=self.BASELINE_FRAMES) for k in self._setup_absolute}
        self._setup_base: dict[str, float] = {}
        #: ``recentre`` shifts: (t_s, value in the image) since the set started, over the window
        self._recentre: dict[str, deque[tuple[float, float]]] = {
            k: deque() for k, m in spec.metrics.items() if isinstance(m, Lateral) and m.recentre
        }
        # ``rep.side_from = "travel"``: the travel point's pair in the body's own frame (rows
        # left, right; columns along the torso, across it), recent and at the start of the set
        rule = spec.counting
        self._travel_point = rule.travel_point if isinstance(rule, Rep) and rule.side_from == "travel" else None
        self._travel_recent: deque[np.ndarray] = deque(maxlen=self.BASELINE_FRAMES)
        self._travel_base: np.ndarray | None = None
        self._disp_points = sorted(
            {(p, s) for m in spec.metrics.values() if isinstance(m, Displacement)
             for p in (m.point, m.relative_to) if p is not None for s in lm.SIDES}
        )

    # -- state ------------------------------------------------------------------------------
    def baseline_metrics(self) -> frozenset[str]:
        """Metrics that need the start-of-set position."""
        return frozenset(k for k, m in self.spec.metrics.items() if isinstance(m, Displacement))

    def set_baseline(self) -> None:
        """Take the start-of-set positions: the median of the last few frames' points."""
        self._set_setup_baselines()
        if self._travel_recent:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                self._travel_base = np.nanmedian(np.stack(list(self._travel_recent)), axis=0)
        self._baseline_scale = self._scale
        if not self._recent:
            return
        keys = self._recent[-1].keys()
        with warnings.catch_warnings():  # a point unseen in every recent frame stays unknown (NaN)
            warnings.simplefilter("ignore", RuntimeWarning)
            self._baseline = {k: np.nanmedian(np.stack([r[k] for r in self._recent]), axis=0) for k in keys}

    # -- per frame --------------------------------------------------------------------------
    def _update_scale(self, pts: _Points, t_s: float) -> None:
        xy = pts.xy
        best = _NAN
        for sh, hp in ((_I["left_shoulder"], _I["left_hip"]), (_I["right_shoulder"], _I["right_hip"])):
            d = math.hypot(xy[sh, 0] - xy[hp, 0], xy[sh, 1] - xy[hp, 1])
            if d > 0 and not d <= best:  # NaN-safe max
                best = d
        if not math.isnan(best):
            self._scales.append((t_s, best))
        while self._scales and self._scales[0][0] < t_s - self.SCALE_WINDOW_S:
            self._scales.popleft()
        if self._scales:
            self._scale = statistics.median(v for _, v in self._scales)

    def _update_view(self, pts: _Points) -> None:
        widths = [
            math.hypot(*(pts.get(f"left_{p}", "left") - pts.get(f"right_{p}", "right"))) for p in ("shoulder", "hip")
        ]
        widths = [w for w in widths if not math.isnan(w)]
        if not widths or not self._scale > 0:
            return
        ratio = max(widths) / self._scale
        self._view_ratio = ratio if math.isnan(self._view_ratio) else 0.8 * self._view_ratio + 0.2 * ratio
        # hysteresis between the two bands keeps the view from flickering
        if self._view_ratio < 0.45:
            self._view = "side"
        elif self._view_ratio > 0.6:
            self._view = "frontal"

    def _lateral_from_side(self, name: str, m: Lateral, pts: _Points) -> tuple[float, str]:
        """A sideways shift seen from the side (``side_view = "drop"``).

        Filmed from beside the mat, knees rolling to one side move towards or away from the
        camera, which the image cannot show; what it does show is the knees dropping towards the
        floor. So the shift is measured as the drop of ``point`` below its usual resting height
        above the ``across`` pair (a high percentile of the last seconds), in hip widths
        (``DROP_HIP_WIDTH``). Its direction comes from the body's geometry: the pelvis follows
        the knees, so rolling to the left lifts the right hip (it rises in the image against the
        left one, compared with how the pair sat at rest), and rolling to the right the left one.
        """
        a, b = pts.get(m.across[0], "left"), pts.get(m.across[1], "right")
        p = pts.get(m.point, "left")
        scale = self._scale
        if not scale > 0 or np.isnan(a).any() or np.isnan(b).any() or np.isnan(p).any():
            return _NAN, ""
        mid = (a + b) / 2.0
        height = float(mid[1] - p[1]) / scale
        tilt = float(b[1] - a[1]) / scale  # > 0: the right one of the pair is lower in the image
        hist = self._drop_ref.setdefault(name, deque())
        hist.append((self._t, height, tilt))
        while hist and hist[0][0] < self._t - self.DROP_WINDOW_S:
            hist.popleft()
        heights = np.array([h for _, h, _ in hist])
        top = float(np.percentile(heights, self.DROP_TOP_PERCENTILE))
        rest_tilt = float(np.median([k for _, h, k in hist if h >= top]))
        drop = max(0.0, top - height) / self.DROP_HIP_WIDTH
        side = "left" if tilt < rest_tilt else "right"
        value = drop if side == "left" else -drop
        return value, side

    def _moved_side(self, pts: _Points) -> str | None:
        """Which of the travel point's pair has moved furthest from the start of the set, in the
        body's own frame (origin the middle of the hips, first axis towards the shoulders, lengths
        in torso lengths), so that a limb reaching across the other is still named by where it
        came from; None before the set starts, when the torso is unknown, or while neither moved."""
        assert self._travel_point is not None
        hip, shoulder = pts.get("mid_hip", "left"), pts.get("mid_shoulder", "left")
        axis = shoulder - hip
        length = math.hypot(axis[0], axis[1])
        if not length > 1e-9:
            return None
        along = axis / length
        across = np.array([along[1], -along[0]])
        rel = np.stack([pts.get(self._travel_point, s) - hip for s in lm.SIDES])
        here = np.stack([rel @ along, rel @ across], axis=1) / length
        if self._travel_base is None:
            self._travel_recent.append(here)
            return None
        dist = np.hypot(*(here - self._travel_base).T)
        if np.isnan(dist).any() or not dist.max() >= self.TRAVEL_MIN:
            return None
        return lm.SIDES[int(np.argmax(dist))]

    def _set_setup_baselines(self) -> None:
        """Metrics with ``baseline = "setup"``: their value at the start of the set, the median of
        the last few frames (NaN if none was known: a shift whose set started seen from the side)."""
        for name, recent in self._setup_recent.items():
            known = [v for v in recent if not math.isnan(v)]
            self._setup_base[name] = float(np.median(known)) if known else _NAN
        for name, rows in self._body_recent.items():
            m = self.spec.metrics[name]
            assert isinstance(m, Lateral)
            self._body_base[name] = _body_frame(rows, m.camera_sees)

    def _lateral_body(self, name: str, m: Lateral, pts: _Points) -> tuple[float, str]:
        """A ``lateral`` shift with ``along = "body"``: how far ``point`` has moved across the
        body's axis since the start of the set, in widths of the ``across`` pair as it was then.
        The side is the sign's (positive: towards the person's left). Before the set starts it is
        the move from the median of the last few frames, across their median axis, so the setup's
        rest check asks for stillness."""
        held = self._body_offsets
        p = pts.held(m.point, held)
        if name in self._body_base:
            frame = self._body_base[name]
        else:  # the axis and the width are only needed until they are frozen at the start
            a, b = pts.get(m.across[0], "left"), pts.get(m.across[1], "right")
            axis = (pts.held(m.body_axis[0], held), pts.held(m.body_axis[1], held))
            self._body_recent[name].append(np.array([*p, *axis[0], *axis[1], math.hypot(*(a - b))]))
            frame = _body_frame(self._body_recent[name], m.camera_sees)
        if frame is None or np.isnan(p).any():
            return _NAN, ""
        origin, left, width = frame
        value = float((p - origin) @ left) / width
        return value, "left" if value > 0 else "right"

    def _from_setup(self, name: str, pts: _Points) -> tuple[float, str]:
        """A ``baseline = "setup"`` shift or segment angle: the value in the image less the one at
        the start of the set. Before the set starts it is the change from the median of the last
        few frames, so the setup's rest check asks for the person to be still wherever they lie,
        and the start position is then the median of those still frames.

        Seen from the side (and not measured there by its drop) the shift is towards or away
        from the camera: unknown there, so a set cannot start from the side, unless the set
        started across the body (then a moment's side reading, a body turning with the movement,
        is still measured)."""
        lateral = isinstance(self.spec.metrics[name], Lateral)
        base = self._setup_base.get(name)
        if lateral and self._view == "side" and (base is None or math.isnan(base)):
            return _NAN, ""
        value, side = self._metric(name, pts, self._setup_absolute[name])
        if base is None:
            recent = self._setup_recent[name]
            recent.append(value)
            known = [v for v in recent if not math.isnan(v)]
            return (value - float(np.median(known)), "") if known and not math.isnan(value) else (_NAN, "")
        if name in self._recentre and not math.isnan(value):
            base = self._recentred(name, value, base)
        shifted = value - (0.0 if math.isnan(base) else base)
        if math.isnan(shifted):
            return _NAN, ""
        if not lateral:  # a segment angle: the side it was measured on
            return shifted, side
        return shifted, "left" if shifted > 0 else "right"

    def _recentred(self, name: str, value: float, base: float) -> float:
        """A ``recentre`` shift's start position now: the median, weighted by time, of its values
        over the last ``RECENTRE_WINDOW_S`` of the set, with the start position weighed as if
        held for ``RECENTRE_START_S`` (a swing to both sides in turn spends as long on each side
        of its middle; the first swing to one side alone does not move the middle towards it)."""
        hist = self._recentre[name]
        hist.append((self._t, value))
        while hist and hist[0][0] < self._t - self.RECENTRE_WINDOW_S:
            hist.popleft()
        times = np.array([t for t, _ in hist])
        values = np.array([v for _, v in hist])
        weights = np.diff(times, prepend=times[0] - self.RECENTRE_FRAME_S).clip(0.0, self.RECENTRE_FRAME_S)
        if not math.isnan(base):
            values = np.append(values, base)
            weights = np.append(weights, self.RECENTRE_START_S)
        order = np.argsort(values)
        cum = np.cumsum(weights[order])
        return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])

    def _metric(self, name: str, pts: _Points, metric: Metric | None = None) -> tuple[float, str]:
        m = self.spec.metrics[name] if metric is None else metric
        if _across_body(m):
            return self._lateral_body(name, m, pts)
        if isinstance(m, Lateral) and m.side_view == "drop" and self._view == "side":
            return self._lateral_from_side(name, m, pts)
        if isinstance(m, (Lateral, SegmentAngle)) and m.baseline == "setup":
            return self._from_setup(name, pts)
        if isinstance(m, Lateral):
            a, b = pts.get(m.across[0], "left"), pts.get(m.across[1], "right")
            p = pts.get(m.point, "left")
            axis = a - b
            norm = math.hypot(axis[0], axis[1])
            if not norm > 1e-9:
                return _NAN, ""
            # When the body turns (a knee roll turns the pelvis), the pair looks narrower and a
            # plain ratio would blow up: divide by the widest the pair has looked lately instead.
            ref = max(norm, self._across_ref.get(name, 0.0) * self.ACROSS_DECAY)
            self._across_ref[name] = ref
            width = max(norm, self.ACROSS_MIN * ref)
            if m.along == "level":
                # along the image horizontal, towards the side the pair's left end lies on; a
                # pair standing more upright than LEVEL_MAX_TILT gives no such direction
                if abs(axis[0]) < math.cos(math.radians(self.LEVEL_MAX_TILT)) * norm:
                    return _NAN, ""
                value = float((p[0] - (a[0] + b[0]) / 2.0) * math.copysign(1.0, axis[0]) / width)
            else:
                value = float(((p - (a + b) / 2.0) @ axis) / (norm * width))
            return value, ("left" if value > 0 else "right") if not math.isnan(value) else ""
        names = m.point_names
        if m.side in ("left", "right"):
            return self._one(m, pts, m.side), m.side
        left, right = self._one(m, pts, "left"), self._one(m, pts, "right")
        if m.side == "visible":
            vl, vr = pts.visibility(names, "left"), pts.visibility(names, "right")
            first, second = ("left", "right") if vl >= vr else ("right", "left")
            chosen = left if first == "left" else right
            if math.isnan(chosen):
                return (right, "right") if first == "left" else (left, "left")
            return chosen, first
        if math.isnan(left) or math.isnan(right):
            if m.side == "mean":
                return _NAN, ""
            return (right, "right") if math.isnan(left) else (left, "left")
        if m.side == "mean":
            return (left + right) / 2.0, ""
        if m.side == "max":
            return (left, "left") if left >= right else (right, "right")
        return (left, "left") if left <= right else (right, "right")

    def _one(self, m: object, pts: _Points, side: str) -> float:
        scale = self._scale
        if isinstance(m, JointAngle):
            return joint_angle_deg(*(pts.get(p, side) for p in m.points))
        if isinstance(m, SegmentAngle):
            return segment_angle_deg(pts.get(m.points[0], side), pts.get(m.points[1], side), m.reference)
        if isinstance(m, Distance):
            d = pts.get(m.points[0], side) - pts.get(m.points[1], side)
            if m.per is not None:
                r = pts.get(m.per[0], side) - pts.get(m.per[1], side)
                ref = math.hypot(r[0], r[1])
                return math.hypot(d[0], d[1]) / ref if ref > 1e-9 else _NAN
            return math.hypot(d[0], d[1]) / scale
        if isinstance(m, Offset):
            d = pts.get(m.points[0], side) - pts.get(m.points[1], side)
            return float((-d[1] if m.axis == "up" else abs(d[0])) / scale)
        if isinstance(m, LineOffset):
            a, b, p = pts.get(m.line[0], side), pts.get(m.line[1], side), pts.get(m.point, side)
            d = b - a
            n = np.array([d[1], -d[0]]) if d[0] >= 0 else np.array([-d[1], d[0]])  # normal pointing up
            norm = math.hypot(n[0], n[1])
            return float((p - a) @ n) / (norm * scale) if norm > 1e-9 else _NAN
        if isinstance(m, Displacement):
            if self._baseline is None:
                return _NAN
            if m.relative_to is not None:
                # in the body's size at the start: rolling onto a shoulder changes how long the
                # torso looks, and a running scale would drift through a still hold
                scale = self._baseline_scale if self._baseline_scale > 0 else scale
            d = self._moved(m, pts, side)
            if m.axis == "up":
                return float(-d[1] / scale)
            if m.axis == "down":
                return float(d[1] / scale)
            if m.axis == "horizontal":
                return float(abs(d[0]) / scale)
            return math.hypot(d[0], d[1]) / scale
        raise TypeError(f"unknown metric {m!r}")

    def _moved(self, m: Displacement, pts: _Points, side: str) -> np.ndarray:
        """How far ``m.point`` on ``side`` moved from the start of the set (pixels), less
        ``m.relative_to``'s own move."""
        assert self._baseline is not None
        d = pts.get(m.point, side) - self._baseline[f"{m.point}:{side}"]
        if m.relative_to is not None:
            d = d - (pts.get(m.relative_to, side) - self._baseline[f"{m.relative_to}:{side}"])
        return np.asarray(d)

    def compute(self, frame: PoseFrame) -> Features:
        """The metrics of one frame (NaN for all of them when nobody is in view)."""
        if frame.landmarks is None:
            if self._motion is not None:
                self._motion.reset()
            return Features(frame.index, frame.timestamp_ms, False, {k: _NAN for k in self.spec.metrics}, {}, self._view)
        pts = _Points(frame)
        motion = self._motion.update(frame.t_s, pts.xy) if self._motion is not None else _NAN
        self._t = frame.t_s
        self._update_scale(pts, frame.t_s)
        self._update_view(pts)
        if self._disp_points:
            self._recent.append({f"{p}:{s}": pts.get(p, s).copy() for p, s in self._disp_points})
        values: dict[str, float] = {}
        sides: dict[str, str] = {}
        for name in self.spec.metrics:
            v, s = self._metric(name, pts)
            values[name] = float(v)
            if s:
                sides[name] = s
        moved = self._moved_side(pts) if self._travel_point is not None else None
        return Features(frame.index, frame.timestamp_ms, True, values, sides, self._view, motion, moved)

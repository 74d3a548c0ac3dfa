"""The coaching overlay drawn on each frame: skeleton, the driving metric where it is measured,
reps against the target, the hold timer, setup advice and active faults.

The same ``Overlay`` draws the live window and the annotated replay, so both show the same thing
for the same frame. Landmarks are normalised, so the overlay can be drawn on a resized image.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from posecoach import landmarks as lm
from posecoach.engine.session import FrameResult
from posecoach.engine.step import Step
from posecoach.features import point_px
from posecoach.render import draw
from posecoach.spec.schema import Displacement, Distance, JointAngle, Lateral, LineOffset, Offset, SegmentAngle, Spec
from posecoach.types import PoseFrame

PHASE_COLOR = {
    "setup": draw.GREY, "rest": draw.WHITE, "moving": draw.YELLOW, "returning": draw.YELLOW,
    "peak": draw.GREEN, "hold": draw.GREEN,
}
#: Length metrics with a direction (above/below, left/right): shown with their sign.
SIGNED = (Offset, LineOffset, Lateral, Displacement)
_SKELETON_IDX = [(lm.INDEX[a], lm.INDEX[b]) for a, b in lm.SKELETON]
#: Landmarks drawn as joints (the face is left out: it clutters a floor exercise).
_JOINTS = [i for i, n in enumerate(lm.NAMES) if i >= lm.INDEX["left_shoulder"] or n in ("left_ear", "right_ear")]


@dataclass
class HudInfo:
    """What the overlay shows besides the engine's result (live-session state)."""

    fps: float | None = None
    paused: bool = False
    recording: bool = False
    framing: list[str] = field(default_factory=list)  # out-of-view advice (render.framing)
    hands_free: list[str] = field(default_factory=list)  # how to control the set by voice and gesture


def reps_text(spec: Spec, result: FrameResult) -> str:
    """"Reps 3 / 10", "Holds 1 / 3", or per side "Left 2 / 8   Right 1 / 8"."""
    word = "Reps" if spec.kind == "reps" else "Holds"
    target = spec.target_count
    of = f" / {target}" if target else ""
    if spec.sided:
        by = result.reps_by_side
        return f"Left {by.get('left', 0)}{of}   Right {by.get('right', 0)}{of}"
    return f"{word} {result.reps}{of}"


class Overlay:
    """Draws the coaching overlay for one exercise spec."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.metric_name = spec.main_metric
        self.metric = spec.metrics[self.metric_name]
        self.label = self.metric.label or self.metric_name.replace("_", " ")
        self.hold_target = spec.hold_target_s

    # -- whole frame --------------------------------------------------------------------------
    def draw(self, image: np.ndarray, step: Step, info: HudInfo | None = None) -> np.ndarray:
        """Draw everything on ``image`` (BGR, modified in place) and return it."""
        info = info or HudInfo()
        result = step.result
        s = draw.scale(image)
        color = PHASE_COLOR.get(result.phase, draw.WHITE)
        draw_skeleton(image, step.pose)
        self._draw_metric(image, step, color, s)
        self._draw_status(image, result, color, s)
        self._draw_corner(image, info, s)
        if info.paused:
            # nothing else is going on: advice and faults would hide the one thing to know
            h, w = image.shape[:2]
            resume = "press space or say \"go on\" to go on" if info.hands_free else "press space to go on"
            draw.text_block(image, [("PAUSED", draw.YELLOW), (resume, draw.WHITE)], w // 2,
                            h // 2 - round(40 * s), size=1.0 * s, thickness=max(1, round(2 * s)),
                            pad=round(14 * s), align="center", alpha=0.8)
            return image
        if result.phase == "setup":
            self._draw_setup(image, result, info, s)
        elif not result.has_pose:
            self._draw_banner(image, ["Step back into view: I can't see you"], draw.YELLOW, s)
        elif info.framing:
            self._draw_banner(image, info.framing, draw.YELLOW, s)
        self._draw_faults(image, result, s)
        return image

    # -- parts ------------------------------------------------------------------------------------
    def _draw_status(self, image: np.ndarray, result: FrameResult, color: tuple[int, int, int], s: float) -> None:
        size, th, pad = 0.75 * s, max(1, round(2 * s)), round(10 * s)
        lines: list[tuple[str, tuple[int, int, int]]] = [
            (self.spec.name, draw.GREY),
            (reps_text(self.spec, result), draw.WHITE),
        ]
        if self.hold_target:
            lines.append((f"Hold {result.hold_s:4.1f} / {self.hold_target:g} s", draw.GREEN if result.hold_s > 0 else draw.WHITE))
        value = result.main_value
        lines.append((f"{self.label}: {self._format(value)}", color))
        x0, y0, x1, y1 = draw.text_block(image, lines, round(8 * s), round(8 * s), size=size, thickness=th, pad=pad)
        if self.hold_target:
            draw.progress_bar(image, x0 + pad, y1, x1 - x0 - 2 * pad, round(8 * s),
                              result.hold_s / self.hold_target, draw.GREEN)

    def _format(self, value: float) -> str:
        if math.isnan(value):
            return "--"
        if isinstance(self.metric, (JointAngle, SegmentAngle)):
            return f"{value:.0f} deg"
        return f"{value:+.2f}" if isinstance(self.metric, SIGNED) else f"{value:.2f}"

    def _draw_corner(self, image: np.ndarray, info: HudInfo, s: float) -> None:
        h, w = image.shape[:2]
        size, th = 0.55 * s, max(1, round(s))
        y = round(24 * s)
        if info.fps is not None:
            text = f"{info.fps:.0f} fps"
            tw = draw.text_size(text, size, th)[0]
            draw.blend_rect(image, w - tw - round(16 * s), y - round(18 * s), w - round(4 * s), y + round(8 * s), draw.PANEL)
            cv2.putText(image, text, (w - tw - round(10 * s), y), draw.FONT, size, draw.WHITE, th, cv2.LINE_AA)
            y += round(30 * s)
        if info.recording:
            cv2.circle(image, (w - round(20 * s), y - round(6 * s)), round(7 * s), draw.RED, -1, cv2.LINE_AA)
            y += round(26 * s)

    def _draw_setup(self, image: np.ndarray, result: FrameResult, info: HudInfo, s: float) -> None:
        todo = list(dict.fromkeys([*result.setup_unmet, *info.framing]))  # keep order, drop repeats
        if not todo:
            todo = ["Good, hold still..."]
        h, w = image.shape[:2]
        size, th = 0.8 * s, max(1, round(2 * s))
        lines: list[tuple[str, tuple[int, int, int]]] = [("Get ready", draw.WHITE)]
        for msg in todo:
            lines += [(t, draw.YELLOW) for t in draw.wrap(msg, size, th, int(w * 0.8))]
        for msg in info.hands_free:  # the controls that reach the floor: shown while getting ready
            lines += [(t, draw.WHITE) for t in draw.wrap(msg, size, th, int(w * 0.85))]
        draw.text_block(image, lines, w // 2, h // 2 - round(20 * s) * len(lines), size=size, thickness=th,
                        pad=round(12 * s), align="center", alpha=0.75)

    def _draw_banner(self, image: np.ndarray, messages: list[str], color: tuple[int, int, int], s: float) -> None:
        h, w = image.shape[:2]
        size, th = 0.8 * s, max(1, round(2 * s))
        lines = [(t, color) for m in messages for t in draw.wrap(m, size, th, int(w * 0.85))]
        draw.text_block(image, lines, w // 2, h // 3, size=size, thickness=th, pad=round(10 * s), align="center")

    def _draw_faults(self, image: np.ndarray, result: FrameResult, s: float) -> None:
        """Active faults as large plain messages, stacked up from the bottom edge."""
        h, w = image.shape[:2]
        size, th, pad = 0.9 * s, max(2, round(2 * s)), round(12 * s)
        y = h - round(8 * s)
        for fault in reversed(result.active_faults):
            lines = [(t, draw.WHITE) for t in draw.wrap(fault.message, size, th, int(w * 0.9) - 2 * pad)]
            line_h = max(draw.text_size(t, size, th)[1] + draw.text_size(t, size, th)[2] for t, _ in lines) + pad // 2
            height = line_h * len(lines) + pad
            y -= height
            bg = (0, 0, 200) if fault.severity == "stop" else (20, 20, 170)
            draw.text_block(image, lines, w // 2, y, size=size, thickness=th, pad=pad, align="center",
                            background=bg, alpha=0.85)
            y -= round(6 * s)

    def _draw_metric(self, image: np.ndarray, step: Step, color: tuple[int, int, int], s: float) -> None:
        """The driving metric drawn where it is measured (an arc at the joint for an angle)."""
        pose = step.pose
        value = step.result.main_value
        if pose.landmarks is None or math.isnan(value):
            return
        h, w = image.shape[:2]
        side = step.features.sides.get(self.metric_name, "left")
        xy = pose.landmarks[:, :2] * (w, h)

        def point(name: str) -> np.ndarray:
            return point_px(xy, name, side)

        th = max(2, round(3 * s))
        if isinstance(self.metric, JointAngle):
            a, b, c = (point(p) for p in self.metric.points)
            if np.isnan([*a, *b, *c]).any():
                return
            for p in (a, c):
                cv2.line(image, _pt(b), _pt(p), color, th + 1, cv2.LINE_AA)
            draw_angle_arc(image, b, a, c, value, color, s)
        elif isinstance(self.metric, SegmentAngle):
            a, b = (point(p) for p in self.metric.points)
            if np.isnan([*a, *b]).any():
                return
            length = float(np.hypot(*(b - a)))
            if self.metric.reference == "horizontal":
                ref = a + np.array([math.copysign(length, b[0] - a[0] or 1.0), 0.0])
            else:
                ref = a + np.array([0.0, math.copysign(length, b[1] - a[1] or -1.0)])
            cv2.line(image, _pt(a), _pt(b), color, th + 1, cv2.LINE_AA)
            cv2.line(image, _pt(a), _pt(ref), draw.GREY, max(1, th - 1), cv2.LINE_AA)
            draw_angle_arc(image, a, b, ref, value, color, s)
        else:
            self._draw_length(image, point, value, color, s, th)

    def _draw_length(self, image: np.ndarray, point: Callable[[str], np.ndarray], value: float,
                     color: tuple[int, int, int], s: float, th: int) -> None:
        """A length metric (a fraction of the torso) as the segment it measures, with its value:
        the distance between two points, a height above a point or a line, a shift across the body."""
        m = self.metric
        if isinstance(m, Distance):
            a, b = point(m.points[0]), point(m.points[1])
            segments, at = [(a, b)], (a + b) / 2
        elif isinstance(m, Offset):
            a, b = point(m.points[0]), point(m.points[1])
            foot = np.array([a[0], b[1]]) if m.axis == "up" else np.array([b[0], a[1]])
            segments, at = [(b, foot), (foot, a)], a
        elif isinstance(m, LineOffset):
            p, a, b = point(m.point), point(m.line[0]), point(m.line[1])
            d = b - a
            norm2 = float(d @ d)
            foot = a + d * (float((p - a) @ d) / norm2) if norm2 > 1e-9 else a
            segments, at = [(a, b), (foot, p)], p
        elif isinstance(m, Lateral):
            # features.py takes the shifting point on the left side; so does the drawing
            a, b, p = point(m.across[0]), point(m.across[1]), point(lm.resolve(m.point, "left"))
            mid = (a + b) / 2
            segments, at = [(a, b), (mid, p)], p
        else:  # a displacement from the start position: only where the point is now
            at = point(m.point)
            segments = []
        if np.isnan(at).any() or any(np.isnan([*u, *v]).any() for u, v in segments):
            return
        for i, (u, v) in enumerate(segments):
            # the reference (a line, a level) in grey, the measured part in the phase colour
            ref = len(segments) > 1 and i == 0
            cv2.line(image, _pt(u), _pt(v), draw.GREY if ref else color, max(1, th - 1) if ref else th + 1, cv2.LINE_AA)
        cv2.circle(image, _pt(at), max(4, round(6 * s)), color, -1, cv2.LINE_AA)
        size, tth = 0.8 * s, max(1, round(2 * s))
        text = self._format(value)
        org = (int(at[0] + 10 * s), int(at[1] - 10 * s))
        cv2.putText(image, text, org, draw.FONT, size, draw.BLACK, tth + 3, cv2.LINE_AA)
        cv2.putText(image, text, org, draw.FONT, size, color, tth, cv2.LINE_AA)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def draw_angle_arc(image: np.ndarray, vertex: np.ndarray, a: np.ndarray, c: np.ndarray, value: float,
                   color: tuple[int, int, int], s: float) -> None:
    """An arc at ``vertex`` between the rays to ``a`` and ``c``, with ``value`` in degrees beside it."""
    va, vc = a - vertex, c - vertex
    la, lc = float(np.hypot(*va)), float(np.hypot(*vc))
    if la < 1 or lc < 1:
        return
    radius = max(12.0 * s, min(0.35 * min(la, lc), 60.0 * s))
    # image y points down, so atan2 on pixel vectors gives the clockwise angle cv2.ellipse expects
    start = math.degrees(math.atan2(va[1], va[0]))
    sweep = (math.degrees(math.atan2(vc[1], vc[0])) - start) % 360.0
    if sweep > 180.0:
        start, sweep = start + sweep, 360.0 - sweep
    r = int(round(radius))
    cv2.ellipse(image, _pt(vertex), (r, r), 0.0, start, start + sweep, color, max(2, round(3 * s)), cv2.LINE_AA)
    # the number goes outside the arc, on the far side of the angle, so it does not cover the limbs
    mid = math.radians(start + sweep / 2.0 + 180.0)
    size, th = 0.8 * s, max(1, round(2 * s))
    tw, tht, _ = draw.text_size(f"{value:.0f}", size, th)
    cx = vertex[0] + math.cos(mid) * (radius + 8 * s + tw / 2)
    cy = vertex[1] + math.sin(mid) * (radius + 8 * s + tht / 2)
    draw.degrees_text(image, value, (int(cx - tw / 2), int(cy + tht / 2)), size, th, color)


def draw_skeleton(image: np.ndarray, pose: PoseFrame) -> None:
    """The body's segments and joints in ``draw.SKELETON`` colour; unknown (NaN) landmarks are skipped."""
    if pose.landmarks is None:
        return
    h, w = image.shape[:2]
    s = draw.scale(image)
    xy = pose.landmarks[:, :2] * (w, h)
    known = ~np.isnan(xy).any(axis=1)
    th = max(2, round(2 * s))
    for i, j in _SKELETON_IDX:
        if known[i] and known[j]:
            cv2.line(image, _pt(xy[i]), _pt(xy[j]), draw.SKELETON, th, cv2.LINE_AA)
    r = max(3, round(4 * s))
    for i in _JOINTS:
        if known[i]:
            cv2.circle(image, _pt(xy[i]), r, draw.SKELETON, -1, cv2.LINE_AA)
            cv2.circle(image, _pt(xy[i]), r, draw.BLACK, 1, cv2.LINE_AA)

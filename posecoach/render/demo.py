"""The demonstration screen: a frame of an exercise's demonstration clip, fitted to the window,
with the exercise's name above and its key form points below.

The clip is small (it ships with the package); the text is drawn after the picture is scaled to
the window, so it stays sharp however much the picture is enlarged.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from posecoach.render import draw

#: How long each pair of form points stays on screen before the next pair (seconds).
POINTS_EVERY_S = 4.0
POINTS_AT_ONCE = 2


def fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to fit ``size`` (width, height) whole, centred on black (letterboxed)."""
    w, h = size
    ih, iw = image.shape[:2]
    f = min(w / iw, h / ih)
    nw, nh = max(1, round(iw * f)), max(1, round(ih * f))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(image, (nw, nh), interpolation=interp) if (nw, nh) != (iw, ih) else image
    out = np.zeros((h, w, 3), np.uint8)
    x0, y0 = (w - nw) // 2, (h - nh) // 2
    out[y0:y0 + nh, x0:x0 + nw] = scaled
    return out


def points_shown(points: list[str], t_s: float) -> list[str]:
    """The form points on screen at clip time ``t_s``: ``POINTS_AT_ONCE`` at a time, in turn."""
    if not points:
        return []
    pages = math.ceil(len(points) / POINTS_AT_ONCE)
    page = int(max(0.0, t_s) // POINTS_EVERY_S) % pages
    return points[page * POINTS_AT_ONCE:(page + 1) * POINTS_AT_ONCE]


def demo_screen(image: np.ndarray, name: str, points: list[str], t_s: float, duration_s: float,
                hint: str, size: tuple[int, int] | None = None) -> np.ndarray:
    """One frame of the demonstration as shown: ``image`` (BGR) fitted to ``size`` (default: its
    own), "Demonstration: NAME" at the top with a bar of how much has been played, the form
    points of the moment at the bottom, and ``hint`` (how to skip) under them."""
    out = fit(image, size) if size is not None else image.copy()
    s = draw.scale(out)
    h, w = out.shape[:2]
    th = max(1, round(1.5 * s))
    title = f"Demonstration: {name}"
    box = draw.text_block(out, [(title, draw.WHITE)], round(10 * s), round(10 * s), size=0.7 * s, thickness=th,
                          pad=round(10 * s), alpha=0.75)
    bar_w = max(10, box[2] - box[0])
    draw.progress_bar(out, box[0], box[3] + round(4 * s), bar_w, max(3, round(5 * s)),
                      t_s / duration_s if duration_s > 0 else 1.0, draw.GREEN)
    size_txt = 0.55 * s
    lines: list[tuple[str, tuple[int, int, int]]] = []
    for p in points_shown(points, t_s):
        wrapped = draw.wrap(p, size_txt, th, int(w * 0.85))
        lines += [(("- " if i == 0 else "  ") + t, draw.YELLOW) for i, t in enumerate(wrapped)]
    lines.append((hint, draw.GREY))
    line_h = draw.text_size("Ag", size_txt, th)[1] * 2
    draw.text_block(out, lines, w // 2, h - round(14 * s) - line_h * len(lines), size=size_txt, thickness=th,
                    pad=round(8 * s), align="center", alpha=0.75)
    return out

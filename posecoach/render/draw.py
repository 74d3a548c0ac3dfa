"""Drawing primitives shared by the overlay, the screens and the timeline (OpenCV, BGR images).

Every size is given for a 480-pixel-high image and multiplied by ``scale(image)``, so the overlay
looks the same on a 640x480 webcam frame and on a 1080x1920 phone video.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (170, 170, 170)
YELLOW = (0, 220, 255)
GREEN = (60, 200, 60)
RED = (40, 40, 230)
BLUE = (230, 150, 40)
#: The skeleton's colour (BGR cyan); tests look for it where the landmarks are.
SKELETON = (255, 255, 0)
PANEL = (30, 30, 30)


def scale(image: np.ndarray) -> float:
    """Size factor for an image: 1.0 at 480 pixels on the short side."""
    h, w = image.shape[:2]
    return max(0.6, min(h, w) / 480.0)


def text_size(text: str, size: float, thickness: int) -> tuple[int, int, int]:
    """(width, height above baseline, baseline) of ``text`` in pixels."""
    (w, h), base = cv2.getTextSize(text, FONT, size, thickness)
    return w, h, base


def wrap(text: str, size: float, thickness: int, max_width: int) -> list[str]:
    """Split ``text`` into lines no wider than ``max_width`` pixels (a long word stays whole)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and text_size(trial, size, thickness)[0] > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def blend_rect(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int],
               alpha: float = 0.7) -> None:
    """Fill a rectangle, mixed with what is under it so the person stays visible behind panels."""
    h, w = image.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    cv2.addWeighted(_fill(y1 - y0, x1 - x0, color), alpha, roi, 1.0 - alpha, 0.0, dst=roi)


@functools.lru_cache(maxsize=64)
def _fill(h: int, w: int, color: tuple[int, int, int]) -> np.ndarray:
    """A solid block of colour, kept: panels have the same size frame after frame."""
    block = np.empty((h, w, 3), np.uint8)
    block[:] = color
    block.setflags(write=False)
    return block


def text_block(image: np.ndarray, lines: list[tuple[str, tuple[int, int, int]]], x: int, y: int, *,
               size: float, thickness: int, pad: int, background: tuple[int, int, int] = PANEL,
               alpha: float = 0.7, align: str = "left", min_width: int = 0) -> tuple[int, int, int, int]:
    """Draw lines of text on a panel whose top-left corner is (x, y) (or top-centre when
    ``align="center"``). Returns the panel's box (x0, y0, x1, y1)."""
    if not lines:
        return x, y, x, y
    sizes = [text_size(t, size, thickness) for t, _ in lines]
    line_h = max(h + b for _, h, b in sizes) + pad // 2
    width = max(min_width, max(w for w, _, _ in sizes)) + 2 * pad
    height = line_h * len(lines) + pad
    x0 = x - width // 2 if align == "center" else x
    blend_rect(image, x0, y, x0 + width, y + height, background, alpha)
    ty = y + pad // 2
    for (t, color), (w, h, _) in zip(lines, sizes):
        ty += line_h
        tx = x0 + (width - w) // 2 if align == "center" else x0 + pad
        cv2.putText(image, t, (tx, ty - pad // 2), FONT, size, color, thickness, cv2.LINE_AA)
    return x0, y, x0 + width, y + height


def degrees_text(image: np.ndarray, value: float, org: tuple[int, int], size: float, thickness: int,
                 color: tuple[int, int, int]) -> None:
    """Write an angle such as ``152°`` (Hershey fonts have no degree sign, so it is drawn)."""
    text = f"{value:.0f}"
    w, h, _ = text_size(text, size, thickness)
    x, y = org
    # a dark outline keeps the number readable on any background
    cv2.putText(image, text, org, FONT, size, BLACK, thickness + 3, cv2.LINE_AA)
    cv2.putText(image, text, org, FONT, size, color, thickness, cv2.LINE_AA)
    r = max(3, int(h * 0.22))
    centre = (x + w + r + 1, y - h + r)
    cv2.circle(image, centre, r, BLACK, thickness + 2, cv2.LINE_AA)
    cv2.circle(image, centre, r, color, thickness, cv2.LINE_AA)


def progress_bar(image: np.ndarray, x: int, y: int, width: int, height: int, fraction: float,
                 color: tuple[int, int, int]) -> None:
    """A horizontal bar filled to ``fraction`` (clipped to 0-1)."""
    fraction = min(1.0, max(0.0, fraction))
    cv2.rectangle(image, (x, y), (x + width, y + height), GREY, 1, cv2.LINE_AA)
    if fraction > 0:
        cv2.rectangle(image, (x + 1, y + 1), (x + 1 + int((width - 2) * fraction), y + height - 1), color, -1)

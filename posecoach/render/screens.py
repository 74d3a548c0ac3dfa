"""Whole-window screens: the end-of-set summary and the pain-stop advice."""

from __future__ import annotations

import numpy as np

from posecoach.pain import PROMPT as PAIN_PROMPT
from posecoach.render import draw

PAIN_ADVICE = "Stop the exercises for now and ask your physiotherapist or doctor before doing them again."


def _dim(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    draw.blend_rect(out, 0, 0, out.shape[1], out.shape[0], draw.BLACK, 0.7)
    return out


def summary_screen(image: np.ndarray, summary: str) -> np.ndarray:
    """The last frame, dimmed, with the set's summary (the text printed at the end, passed in:
    the renderer knows nothing of reports)."""
    out = _dim(image)
    s = draw.scale(out)
    h, w = out.shape[:2]
    size, th = 0.55 * s, max(1, round(1.3 * s))
    lines: list[tuple[str, tuple[int, int, int]]] = [("Set finished", draw.WHITE)]
    for raw in summary.splitlines():
        color = draw.YELLOW if "fault" in raw or "PAIN" in raw else draw.WHITE
        for t in draw.wrap(raw.strip(), size, th, int(w * 0.9)):
            lines.append((t, color))
    lines.append((PAIN_PROMPT, draw.GREY))
    # drop middle lines rather than running off the screen on a long set
    line_h = draw.text_size("Ag", size, th)[1] * 2
    max_lines = max(4, (h - round(40 * s)) // line_h)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 2] + [("...", draw.GREY), lines[-1]]
    draw.text_block(out, lines, round(16 * s), round(16 * s), size=size, thickness=th, pad=round(10 * s), alpha=0.0)
    return out


def pain_screen(image: np.ndarray, t_s: float | None = None) -> np.ndarray:
    """The advice shown after a pain stop: stop, and ask a therapist."""
    out = _dim(image)
    s = draw.scale(out)
    h, w = out.shape[:2]
    big, th = 1.3 * s, max(2, round(3 * s))
    size = 0.8 * s
    lines: list[tuple[str, tuple[int, int, int]]] = [("STOP", draw.RED)]
    when = f" at {t_s:.1f} s" if t_s is not None else ""
    body = [f"Pain stop{when}: the set has ended and this is saved in the report.", PAIN_ADVICE, PAIN_PROMPT]
    y = h // 4
    draw.text_block(out, lines, w // 2, y, size=big * 1.4, thickness=th + 1, pad=round(14 * s), align="center", alpha=0.0)
    text = [(t, draw.WHITE) for b in body[:-1] for t in draw.wrap(b, size, max(1, round(2 * s)), int(w * 0.85))]
    text.append((body[-1], draw.GREY))
    draw.text_block(out, text, w // 2, y + round(80 * s), size=size, thickness=max(1, round(2 * s)),
                    pad=round(12 * s), align="center", background=(20, 20, 120), alpha=0.85)
    return out


def rating_screen(screen: np.ndarray, prompt: str) -> np.ndarray:
    """The end screen (summary or pain advice) with the pain rating asked at the bottom:
    0 (none) to 10 (worst), by number key or voice."""
    out = screen.copy()
    s = draw.scale(out)
    h, w = out.shape[:2]
    size, th = 0.6 * s, max(1, round(1.5 * s))
    lines = [(t, draw.WHITE) for t in draw.wrap(prompt, size, th, int(w * 0.85))]
    lines += [("0 = no pain, 10 = the worst; for 10 press 1 then 0; any other key skips", draw.YELLOW)]
    line_h = draw.text_size("Ag", size, th)[1] * 2
    draw.text_block(out, lines, w // 2, h - round(20 * s) - line_h * len(lines), size=size, thickness=th,
                    pad=round(10 * s), align="center", alpha=0.85)
    return out

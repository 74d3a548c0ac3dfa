"""The timeline strip under an annotated replay: reps, holds and faults over the whole clip, with a
cursor at the current frame. Built from a session report, so it shows exactly what was reported.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from posecoach.formats.report import Report, RoutineReport, parse_report
from posecoach.render import draw

REP_COLOR = draw.GREEN
HOLD_COLOR = draw.BLUE
FAULT_COLOR = draw.RED
PAIN_COLOR = (255, 0, 255)
CURSOR_COLOR = draw.WHITE
BACKGROUND = (25, 25, 25)
ROWS = ("reps", "holds", "faults")


class Timeline:
    """A strip of ``width`` x ``height`` pixels for a clip of ``duration_s`` seconds.

    Times map linearly to x between a left margin (where the row names are) and the right edge:
    ``x_of(t)``. Draw with ``render(t_s)``, which returns a new strip with the cursor at ``t_s``.
    """

    def __init__(self, report: dict[str, Any] | Report | RoutineReport, duration_s: float, width: int, height: int | None = None) -> None:
        self.duration_s = max(duration_s, 1e-3)
        self.width = width
        self.s = max(0.6, width / 640.0)
        self.height = height or round(66 * self.s)
        self.left = round(58 * self.s)
        self.right = round(8 * self.s)
        self.row_h = (self.height - round(12 * self.s)) // len(ROWS)
        self.top = round(4 * self.s)
        # a report read back from its file is checked here, so a damaged one fails as a whole
        self._strip = self._static(parse_report(report) if isinstance(report, dict) else report)

    def x_of(self, t_s: float) -> int:
        """The x pixel (in the strip) of time ``t_s`` (seconds from the start of the clip)."""
        span = self.width - self.left - self.right
        frac = min(1.0, max(0.0, t_s / self.duration_s))
        return self.left + int(round(frac * (span - 1)))

    def row_y(self, row: str) -> tuple[int, int]:
        """Top and bottom y of a row ("reps", "holds" or "faults")."""
        i = ROWS.index(row)
        y0 = self.top + i * self.row_h
        return y0 + 1, y0 + self.row_h - 2

    def _bar(self, img: np.ndarray, row: str, t0: float, t1: float, color: tuple[int, int, int]) -> None:
        y0, y1 = self.row_y(row)
        x0, x1 = self.x_of(t0), max(self.x_of(t1), self.x_of(t0) + 2)
        cv2.rectangle(img, (x0, y0), (x1, y1), color, -1)

    def _static(self, report: Report | RoutineReport) -> np.ndarray:
        img = np.empty((self.height, self.width, 3), np.uint8)
        img[:] = BACKGROUND
        size, th = 0.38 * self.s, 1
        for row in ROWS:
            y0, y1 = self.row_y(row)
            cv2.putText(img, row, (round(4 * self.s), y1 - 2), draw.FONT, size, draw.GREY, th, cv2.LINE_AA)
            cv2.line(img, (self.left, (y0 + y1) // 2), (self.width - self.right, (y0 + y1) // 2), (60, 60, 60), 1)
        for r in report.rep_details:
            if r.start_s is None or r.end_s is None:
                continue
            self._bar(img, "reps", r.start_s, r.end_s, REP_COLOR)
            # a rep's end (where it is counted) is marked with a bright tick and its number
            y0, y1 = self.row_y("reps")
            x = self.x_of(r.end_s)
            cv2.line(img, (x, y0), (x, y1), draw.WHITE, max(1, round(self.s)))
            label = str(r.number) + (r.side[0].upper() if r.side else "")
            cv2.putText(img, label, (self.x_of(r.start_s) + 2, y1 - 2), draw.FONT, size, draw.BLACK, th, cv2.LINE_AA)
        # a routine report lists its reps and faults across exercises, and no holds or pain stop
        single = report if isinstance(report, Report) else None
        for h in single.holds if single else []:
            if h.start_s is not None and h.end_s is not None:
                self._bar(img, "holds", h.start_s, h.end_s, HOLD_COLOR)
        for f in report.faults:
            if f.start_s is not None:
                self._bar(img, "faults", f.start_s, f.end_s if f.end_s is not None else f.start_s, FAULT_COLOR)
        pain = single.pain_stop if single else None
        if pain and pain.t_s is not None:
            x = self.x_of(pain.t_s)
            cv2.line(img, (x, 0), (x, self.height - 1), PAIN_COLOR, max(2, round(2 * self.s)))
        # seconds ticks along the bottom edge
        step = 1 if self.duration_s <= 20 else 5 if self.duration_s <= 120 else 30
        for sec in range(0, int(self.duration_s) + 1, step):
            x = self.x_of(float(sec))
            cv2.line(img, (x, self.height - round(6 * self.s)), (x, self.height - 1), draw.GREY, 1)
        return img

    def render(self, t_s: float) -> np.ndarray:
        """The strip with the cursor at ``t_s``."""
        img = self._strip.copy()
        x = self.x_of(t_s)
        cv2.line(img, (x, 0), (x, self.height - 1), CURSOR_COLOR, max(1, round(2 * self.s)))
        return img


def with_strip(frame: np.ndarray, strip: np.ndarray) -> np.ndarray:
    """The frame with the strip appended below it (same width)."""
    return np.vstack([frame, strip])

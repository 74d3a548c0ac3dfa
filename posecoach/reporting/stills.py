"""Still frames from a session's video (at each fault), as inline JPEG data for the HTML report."""

from __future__ import annotations

import base64
from pathlib import Path


def stills(video: Path, times_s: list[float], *, width: int = 320) -> list[str | None]:
    """A ``data:image/jpeg;base64,...`` URI per time (None where the frame cannot be read)."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    out: list[str | None] = []
    try:
        if not cap.isOpened():
            return [None] * len(times_s)
        for t in times_s:
            cap.set(cv2.CAP_PROP_POS_MSEC, max(0.0, t) * 1000.0)
            ok, img = cap.read()
            if not ok or img is None:
                out.append(None)
                continue
            h, w = img.shape[:2]
            if w > width:
                img = cv2.resize(img, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
            ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
            out.append("data:image/jpeg;base64," + base64.b64encode(jpg.tobytes()).decode() if ok else None)
    finally:
        cap.release()
    return out

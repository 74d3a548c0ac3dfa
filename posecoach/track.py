"""Per-frame landmark tracks as JSON Lines: a product feature and the main test fixture format.

Line 1 is a header object: ``{"format": "posecoach.track", "version": 1, "fps": 30.0,
"width": 640, "height": 480, "source": "...", "model": "full", ...}``.
Every further line is one frame: ``{"i": 0, "t_ms": 0, "lm": [[x, y, z, vis], ...33] | null,
"w": [[x, y, z], ...33] | null}``. NaN coordinates are written as ``null``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from posecoach.errors import TrackError
from posecoach.landmarks import COUNT
from posecoach.types import PoseFrame

FORMAT = "posecoach.track"
VERSION = 1


def _rows(arr: np.ndarray | None, digits: int = 5) -> str:
    """JSON text of a landmark array, NaN written as null (numbers only, so the swap is safe)."""
    if arr is None:
        return "null"
    return json.dumps(np.round(arr, digits).tolist(), separators=(",", ":")).replace("NaN", "null")


def frame_to_json(frame: PoseFrame) -> str:
    """The JSON line (without newline) for one frame (see module docstring)."""
    return f'{{"i":{int(frame.index)},"t_ms":{int(frame.timestamp_ms)},"lm":{_rows(frame.landmarks)},"w":{_rows(frame.world)}}}'


def _array(rows: Any, cols: int, where: str) -> np.ndarray | None:
    if rows is None:
        return None
    try:
        arr = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    except (TypeError, ValueError) as exc:
        raise TrackError(f"{where}: landmark rows are not numbers ({exc})") from None
    if arr.shape != (COUNT, cols):
        raise TrackError(f"{where}: expected {COUNT} rows of {cols} numbers, got shape {arr.shape}")
    return arr


class TrackWriter:
    """Writes a track line by line, flushing each frame so a crash loses at most one line."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = self.path.open("w", encoding="utf-8")
        self._fh.write(json.dumps({"format": FORMAT, "version": VERSION, **header}) + "\n")
        self._fh.flush()

    def write(self, frame: PoseFrame) -> None:
        self._fh.write(frame_to_json(frame) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> TrackWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_header(path: Path) -> dict[str, Any]:
    """The header object of a track file."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as fh:
            first = fh.readline()
    except OSError as exc:
        raise TrackError(f"{path}: cannot read track ({exc.strerror})") from None
    try:
        header = json.loads(first)
    except json.JSONDecodeError:
        raise TrackError(f"{path}:1: not a posecoach track (first line is not JSON)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TrackError(f"{path}:1: not a posecoach track (no \"format\": \"{FORMAT}\" header)")
    if header.get("version") != VERSION:
        raise TrackError(f"{path}:1: track version {header.get('version')!r} is not supported (expected {VERSION})")
    for key in ("width", "height"):
        if not isinstance(header.get(key), int) or header[key] <= 0:
            raise TrackError(f"{path}:1: header needs a positive integer {key!r}")
    return header


def read_frames(path: Path) -> Iterator[PoseFrame]:
    """The frames of a track file; a truncated last line (a crash mid-write) is skipped."""
    path = Path(path)
    header = read_header(path)
    w, h = header["width"], header["height"]
    with path.open(encoding="utf-8") as fh:
        fh.readline()
        for lineno, line in enumerate(fh, start=2):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                if not line.endswith("\n"):
                    return  # cut off by a crash while writing: the frames before it stand
                raise TrackError(f"{path}:{lineno}: not valid JSON") from None
            where = f"{path}:{lineno}"
            try:
                index, t_ms = int(obj["i"]), int(obj["t_ms"])
            except (KeyError, TypeError, ValueError):
                raise TrackError(f"{where}: each frame needs integer \"i\" and \"t_ms\"") from None
            yield PoseFrame(index, t_ms, w, h, _array(obj.get("lm"), 4, where), _array(obj.get("w"), 3, where))

"""Per-frame landmark tracks as JSON Lines: a product feature and the main test fixture format.

Line 1 is a header object: ``{"format": "posecoach.track", "version": 1, "fps": 30.0,
"width": 640, "height": 480, "source": "...", "model": "full", ...}``.
Every further line is one frame: ``{"i": 0, "t_ms": 0, "lm": [[x, y, z, vis], ...33] | null,
"w": [[x, y, z], ...33] | null}``. NaN coordinates are written as ``null``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from posecoach import jsonio
from posecoach.errors import OutputError, TrackError
from posecoach.formats.errors import validate
from posecoach.formats.track import FORMAT, VERSION, TrackHeader
from posecoach.landmarks import COUNT
from posecoach.types import PoseFrame


def _rows(arr: np.ndarray | None, digits: int = 5) -> str:
    """JSON text of a landmark array, NaN written as null (numbers only, so the swap is safe)."""
    if arr is None:
        return "null"
    arr = np.where(np.isfinite(arr), arr, np.nan)  # an infinite coordinate is as unknown as NaN
    return json.dumps(np.round(arr, digits).tolist(), separators=(",", ":")).replace("NaN", "null")


def frame_to_json(frame: PoseFrame) -> str:
    """The JSON line (without newline) for one frame (see module docstring)."""
    return f'{{"i":{int(frame.index)},"t_ms":{int(frame.timestamp_ms)},"lm":{_rows(frame.landmarks)},"w":{_rows(frame.world)}}}'


def _array(rows: Any, cols: int, where: str) -> np.ndarray | None:
    """Landmark rows as a float array (null, NaN and infinite values unknown); None when there
    are none or when every value is unknown (a frame without a person)."""
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows) or any(
            isinstance(v, bool) or not (v is None or isinstance(v, (int, float))) for r in rows for v in r):
        raise TrackError(f"{where}: landmark rows are not lists of numbers")
    if len(rows) != COUNT or any(len(r) != cols for r in rows):
        shape = (len(rows), len(rows[0]) if rows else 0)
        raise TrackError(f"{where}: expected {COUNT} rows of {cols} numbers, got shape {shape}")
    arr = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    arr[~np.isfinite(arr)] = np.nan
    if np.isnan(arr).all():
        return None
    return arr


class TrackWriter:
    """Writes a track line by line, flushing each frame so a crash loses at most one line."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh: IO[str] = self.path.open("w", encoding="utf-8")
            self._fh.write(jsonio.dumps({"format": FORMAT, "version": VERSION, **header}) + "\n")
            self._fh.flush()
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write the track ({exc.strerror or exc}); choose another place",
                              exc.strerror) from None

    def write(self, frame: PoseFrame) -> None:
        try:
            self._fh.write(frame_to_json(frame) + "\n")
            self._fh.flush()
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write the track ({exc.strerror or exc}); "
                              f"free some disk space or choose another place", exc.strerror) from None

    def close(self) -> None:
        if not self._fh.closed:
            try:
                self._fh.close()
            except OSError:
                pass  # the failed write already said so; every line before it is on disk

    def __enter__(self) -> TrackWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_header(path: Path) -> dict[str, Any]:
    """The header object of a track file, checked against ``posecoach.formats.track.TrackHeader``
    (the format and version first, so that any other file is called "not a track")."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            first = fh.readline(1 << 20)
    except IsADirectoryError:
        raise TrackError(f"{path}: is a folder, not a track file") from None
    except OSError as exc:
        raise TrackError(f"{path}: cannot read track ({exc.strerror})") from None
    try:
        header = jsonio.loads(jsonio.decode_text(first, f"{path}:1", TrackError), f"{path}:1", TrackError)
    except TrackError:
        raise TrackError(f"{path}:1: not a posecoach track (first line is not JSON)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TrackError(f"{path}:1: not a posecoach track (no \"format\": \"{FORMAT}\" header)")
    if header.get("version") != VERSION or isinstance(header.get("version"), bool):
        raise TrackError(f"{path}:1: track version {header.get('version')!r} is not supported (expected {VERSION})")
    validate(TrackHeader, header, f"{path}:1", TrackError)
    return header


def _whole(value: Any) -> int | None:
    """A JSON number that is a whole, finite value (12 or 12.0), else None (true, "12", 1e400)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return int(value)


def read_frames(path: Path) -> Iterator[PoseFrame]:
    """The frames of a track file; a truncated last line (a crash mid-write) is skipped.

    Every frame's ``t_ms`` must come after the one before: a track whose time goes back (two
    tracks joined, a damaged file) is refused with the line, not silently thinned out by the
    engine. A track with no frames at all is refused too."""
    path = Path(path)
    header = read_header(path)
    w, h = header["width"], header["height"]
    last_t: int | None = None
    frames = 0
    with path.open("rb") as fh:
        fh.readline(1 << 20)
        for lineno, raw in enumerate(fh, start=2):
            where = f"{path}:{lineno}"
            line = jsonio.decode_text(raw, where, TrackError)
            if not line.strip():
                continue
            try:
                obj = jsonio.loads(line, where, TrackError, nonfinite_as_null=True)
            except TrackError:
                if not line.endswith("\n"):
                    break  # cut off by a crash while writing: the frames before it stand
                raise
            if not isinstance(obj, dict):
                raise TrackError(f"{where}: each frame must be a JSON object with \"i\", \"t_ms\" and \"lm\"")
            index, t_ms = _whole(obj.get("i")), _whole(obj.get("t_ms"))
            if index is None or t_ms is None:
                raise TrackError(f"{where}: each frame needs whole numbers \"i\" and \"t_ms\" "
                                 f"[got {obj.get('i')!r}, {obj.get('t_ms')!r}]")
            if last_t is not None and t_ms <= last_t:
                raise TrackError(f"{where}: t_ms {t_ms} does not come after the previous frame's {last_t}; "
                                 f"a track's times must increase (is it damaged, or two tracks joined?)")
            last_t = t_ms
            frames += 1
            yield PoseFrame(index, t_ms, w, h, _array(obj.get("lm"), 4, where), _array(obj.get("w"), 3, where))
    if frames == 0:
        raise TrackError(f"{path}: the track has a header but no frames; save it again from the video")

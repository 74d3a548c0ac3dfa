"""Writing mp4 files with OpenCV: H.264 ('avc1') where this OpenCV build can encode it, else MPEG-4
Part 2 ('mp4v'), which ffmpeg, VLC, mpv and most desktop players play."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from posecoach.errors import VideoWriteError
from posecoach.native import quiet_native_stderr

#: Codecs tried in order. The pip OpenCV wheels usually lack an H.264 encoder, hence the fallback.
CODECS = ("avc1", "mp4v")
_working: dict[tuple[str, str], bool] = {}


def open_writer(path: Path, fps: float, size: tuple[int, int]) -> tuple[cv2.VideoWriter, str]:
    """An opened ``cv2.VideoWriter`` for ``path`` at ``fps`` with frames of ``size`` (width, height),
    and the codec used. Raises ``VideoWriteError`` when no codec works."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VideoWriteError(f"{path.parent}: cannot create the folder ({exc.strerror})") from None
    for codec in CODECS:
        key = (codec, path.suffix.lower())
        if _working.get(key) is False:
            continue
        with quiet_native_stderr():
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), float(fps), size)
        ok = writer.isOpened()
        _working[key] = ok
        if ok:
            return writer, codec
        writer.release()
    raise VideoWriteError(f"{path}: OpenCV cannot write this video (tried codecs {', '.join(CODECS)}); "
                          f"use an .mp4 name in a writable folder")


class VideoOut:
    """An mp4 being written frame by frame; frames of another size are resized to fit."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        self.path = Path(path)
        self.size = size
        self.fps = fps
        self._writer, self.codec = open_writer(self.path, fps, size)
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        if (image.shape[1], image.shape[0]) != self.size:
            image = cv2.resize(image, self.size, interpolation=cv2.INTER_AREA)
        self._writer.write(image)
        self.frames += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __enter__(self) -> VideoOut:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def count_frames(path: Path) -> tuple[int, float]:
    """(frames decoded, frame rate) of a video, by reading it through: the check that a written
    file plays back complete."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            return 0, 0.0
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        n = 0
        while cap.grab():
            n += 1
        return n, fps
    finally:
        cap.release()

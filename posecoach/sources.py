"""Frame sources: a video file or a camera, yielding ``Frame``s with their own timestamps."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import cv2

from posecoach.errors import VideoOpenError
from posecoach.types import Frame


class VideoFileSource:
    """Decodes a video file frame by frame. Timestamps come from the frame index and the file's
    frame rate, so the same file always gives the same times."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise VideoOpenError(f"{self.path}: no such file; check the path")
        if self.path.is_dir():
            raise VideoOpenError(f"{self.path}: is a folder, not a video file")
        try:
            with self.path.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise VideoOpenError(f"{self.path}: cannot read the file ({exc.strerror}); check its permissions") from None
        if not head:
            raise VideoOpenError(f"{self.path}: the file is empty; record the video again")
        # FFmpeg's own log lines ("moov atom not found") would repeat our one-line error
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
        self._cap = cv2.VideoCapture(str(self.path))
        if not self._cap.isOpened():
            raise VideoOpenError(f"{self.path}: not a video OpenCV can open; convert it to mp4 (H.264) and try again")
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise VideoOpenError(f"{self.path}: no video frames could be decoded; is it a video file?")
        self._first = first
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else 30.0
        self.frame_count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.height, self.width = first.shape[:2]

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.frame_count else 0.0

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        image = self._first
        while image is not None:
            yield Frame(index, round(index * 1000.0 / self.fps), image)
            index += 1
            ok, image = self._cap.read()
            if not ok:
                image = None
        self.close()

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> VideoFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""A small mp4 writer on OpenCV that checks what it wrote can be read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np


CODECS = ("auto", "h264", "mp4v")


def h264_available() -> bool:
    """True when the ``imageio-ffmpeg`` package (an ffmpeg build with libx264) is installed."""
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


class Mp4Writer:
    """Writes RGB frames to an mp4.

    ``h264`` goes through the ffmpeg binary of ``imageio-ffmpeg`` (small files, yuv420p, plays
    everywhere); ``mp4v`` uses OpenCV's own writer (MPEG-4 part 2, about 3x larger). ``auto``
    picks h264 when available.
    """

    def __init__(self, path: Path, fps: float, width: int, height: int, codec: str = "auto",
                 crf: int = 26) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.size = (width, height)
        self.count = 0
        if codec not in CODECS:
            raise ValueError(f"unknown codec {codec!r} (known: {', '.join(CODECS)})")
        if codec == "auto":
            codec = "h264" if h264_available() else "mp4v"
        self.codec = codec
        self._w = None
        self._gen = None
        if codec == "h264":
            import imageio_ffmpeg

            self._gen = imageio_ffmpeg.write_frames(
                str(self.path), self.size, fps=fps, codec="libx264", macro_block_size=2,
                output_params=["-crf", str(crf), "-preset", "medium", "-movflags", "+faststart"])
            self._gen.send(None)
        else:
            import cv2

            self._w = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), fps, self.size)
            if not self._w.isOpened():
                raise OSError(f"{self.path}: OpenCV cannot write an mp4v video here")

    def write_rgb(self, rgb: np.ndarray) -> None:
        """Append one RGB uint8 frame of the writer's size."""
        if rgb.shape[1::-1] != self.size:
            raise ValueError(f"frame size {rgb.shape[1::-1]} differs from the video size {self.size}")
        if self._gen is not None:
            self._gen.send(np.ascontiguousarray(rgb))
        else:
            self._w.write(np.ascontiguousarray(rgb[:, :, ::-1]))
        self.count += 1

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()
            self._gen = None
        if self._w is not None:
            self._w.release()
            self._w = None

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def probe(path: Path) -> tuple[int, float, int, int]:
    """Frames, fps, width and height of a video as OpenCV reads it (frames counted by decoding)."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise OSError(f"{path}: cannot open video")
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        n = 0
        while cap.grab():
            n += 1
    finally:
        cap.release()
    return n, fps, w, h

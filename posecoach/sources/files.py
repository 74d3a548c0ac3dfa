"""Frame sources: a video file or a camera, yielding ``Frame``s with their own timestamps."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2

from posecoach.errors import VideoOpenError
from posecoach.types import Frame


#: Rates a container may state and still be believed (a timelapse at 0.1 fps, a phone's 960 fps
#: slow motion); outside them the rate is taken from the frames' own timestamps.
MIN_FPS, MAX_FPS = 0.1, 1000.0
#: Failed reads in a row tolerated past the container's frame count before the file is taken as
#: ended (a damaged stretch fails once per lost frame; the real end fails at once, every time).
EXTRA_READ_ATTEMPTS = 30


class VideoFileSource:
    """Decodes a video file frame by frame.

    Each frame's timestamp is its own presentation time in the container (OpenCV's
    ``CAP_PROP_POS_MSEC``, from the first frame), so a variable-frame-rate phone video is timed
    right; where a container gives no usable times, the frame index and the rate are used.
    A damaged stretch is decoded past: the frames that could not be decoded are counted in
    ``frames_lost``, with where they were (``lost``), and the report says so."""

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
        self._first_pos = self._pos_ms()
        self.frame_count = max(0, int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
        self.height, self.width = first.shape[:2]
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.stated_fps = fps
        self.fps = fps if math.isfinite(fps) and MIN_FPS <= fps <= MAX_FPS else self._measured_fps()
        #: (frames lost, last good frame's time, next good frame's time) per damaged stretch, in ms
        self.lost: list[tuple[int, int, int]] = []

    def _pos_ms(self) -> float | None:
        """The presentation time (ms) of the frame just read, if the container gives one."""
        pos = float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
        return pos if math.isfinite(pos) and pos >= 0 else None

    def _measured_fps(self) -> float:
        """The rate from the first frames' own timestamps, for a container that states none (or an
        absurd one); 30 when those are missing too. Reopens the file, so the first frame stays."""
        cap = cv2.VideoCapture(str(self.path))
        try:
            times = []
            for _ in range(12):
                if not cap.grab():
                    break
                times.append(float(cap.get(cv2.CAP_PROP_POS_MSEC)))
        finally:
            cap.release()
        steps = [b - a for a, b in zip(times, times[1:]) if math.isfinite(b - a) and b > a]
        if steps:
            fps = 1000.0 / (sum(steps) / len(steps))
            if MIN_FPS <= fps <= MAX_FPS:
                return fps
        return 30.0

    @property
    def frames_lost(self) -> int:
        return sum(n for n, _, _ in self.lost)

    def damage(self) -> dict[str, object]:
        """The report's source fields for lost frames (empty when none were lost)."""
        if not self.lost:
            return {}
        return {"frames_lost": self.frames_lost,
                "frames_lost_at": [{"frames": n, "after_s": round(a / 1000.0, 2), "before_s": round(b / 1000.0, 2)}
                                   for n, a, b in self.lost]}

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.frame_count else 0.0

    def __iter__(self) -> Iterator[Frame]:
        for _, frame in self._read(None):
            if frame is not None:
                yield frame

    def strided(self, skip: Callable[[], int]) -> Iterator[tuple[list[tuple[int, int]], Frame | None]]:
        """The frames to analyse, each with the (index, timestamp_ms) of the frames passed over
        before it. After each frame, ``skip()`` says how many frames to move on (1 = the next);
        the frames passed over are only grabbed (decoded, never converted to an image), which is
        most of what skipping saves besides the model. Their times are read as for any frame, so
        a variable-frame-rate video stays timed right. When the video ends inside a skip, the
        last item is (the frames passed over, None)."""
        return self._read(skip)

    def _read(self, skip: Callable[[], int] | None) -> Iterator[tuple[list[tuple[int, int]], Frame | None]]:
        index = 0
        image: object = self._first
        have = True  # a frame is decoded and waiting (the first one, read when the file was opened)
        period = 1000.0 / self.fps
        raw = self._first_pos
        origin = raw if raw is not None else 0.0
        last_raw: float | None = None
        last_t = -1
        failed = 0
        passed: list[tuple[int, int]] = []
        to_pass = 0  # frames still to move over without converting them
        while True:
            if have:
                # the container's own time where it has one that moves forward, else one period on
                if raw is not None and (last_raw is None or raw > last_raw):
                    t = round(raw - origin)
                else:
                    t = round(last_t + period) if last_t >= 0 else 0
                t = max(t, last_t + 1)  # strictly increasing, as the engine and MediaPipe need
                if failed and index:
                    self.lost.append((failed, last_t, t))
                failed = 0
                if to_pass > 0:
                    passed.append((index, t))
                    to_pass -= 1
                else:
                    yield passed, Frame(index, t, image)  # type: ignore[arg-type]
                    passed = []
                    to_pass = max(0, skip() - 1) if skip is not None else 0
                index += 1
                last_t, last_raw = t, raw if raw is not None else last_raw
            if to_pass > 0:
                have, image = self._cap.grab(), None
            else:
                have, image = self._cap.read()
                have = have and image is not None
            if have:
                raw = self._pos_ms()
                continue
            failed += 1
            if failed > max(0, self.frame_count - index - self.frames_lost) + EXTRA_READ_ATTEMPTS:
                break
        if passed:
            yield passed, None
        self.close()

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> VideoFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Live frame sources that never fall behind: a camera, or a video file played at its real rate.

A capture thread reads frames as they come and keeps only the newest one; the coaching loop takes
it when it is ready for the next. A frame the loop was too slow to take is replaced, not queued
(counted in ``dropped``), so what the person sees is never older than one frame plus the time
to process it. Each frame is stamped when it is captured (``timestamp_ms`` from the start of the
session), so nothing downstream reads a clock.

``SequentialFileSource`` is the exception: it hands over every frame of a file, as fast as the loop
takes them, so a live run can be compared frame for frame with ``posecoach analyze``.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from posecoach.errors import CameraError
from posecoach.native import quiet_native_stderr
from posecoach.sources.files import VideoFileSource
from posecoach.types import Frame

#: A camera that gives no frame for this long is taken as disconnected.
LOST_AFTER_S = 2.0


@dataclass(frozen=True, slots=True)
class Captured:
    """A frame and when it became available (``time.monotonic()`` seconds): latency starts there."""

    frame: Frame
    captured_at: float


class LiveSource:
    """Base of the threaded sources: one slot holding the newest frame, and the capture thread."""

    fps: float = 30.0
    width: int = 0
    height: int = 0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._slot: Captured | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.ended = False  # no more frames will come
        self.lost = False  # the camera stopped giving frames (disconnected)
        self.error: str | None = None
        self.dropped = 0
        self.captured = 0
        self._paused = False  # frames replaced during a pause are not counted as dropped
        self._paused_at = 0.0
        self._paused_s = 0.0  # seconds spent paused so far

    def describe(self) -> dict[str, Any]:
        """Source fields for the report."""
        raise NotImplementedError

    def damage(self) -> dict[str, Any]:
        """Source fields for frames that could not be decoded (none for a camera)."""
        return {}

    def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self._guarded, name=type(self).__name__, daemon=True)
        self._thread.start()

    def _guarded(self) -> None:
        try:
            self._run()
        except cv2.error as exc:  # a driver failure mid-session ends the stream, it must not hang the loop
            self.error = str(exc).strip().splitlines()[-1]
            self.lost = True
        finally:
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def _publish(self, frame: Frame) -> None:
        with self._cond:
            if self._slot is not None and not self._paused:
                self.dropped += 1  # the loop did not take the previous one in time: replace, never queue
            self._slot = Captured(frame, time.monotonic())
            self.captured += 1
            self._cond.notify_all()

    def next(self, timeout: float = 0.5) -> Captured | None:
        """The newest frame not yet taken; None if none came within ``timeout`` s (or the stream ended)."""
        with self._cond:
            if self._slot is None and not self.ended:
                self._cond.wait(timeout)
            item, self._slot = self._slot, None
            return item

    @property
    def exhausted(self) -> bool:
        """True once the stream has ended and its last frame was taken."""
        with self._cond:
            return self.ended and self._slot is None

    def pause(self) -> None:
        """Stop the source's clock: a file stops advancing; a camera keeps running, but the time
        spent paused is left out of its timestamps (a hold must not grow during a pause)."""
        with self._cond:
            self._paused = True
            self._paused_at = time.monotonic()

    def resume(self) -> None:
        with self._cond:
            if self._paused:
                self._paused_s += time.monotonic() - self._paused_at
            self._paused = False
            if self._slot is not None:  # a frame from before the pause is stale now
                self._slot = None
                self.dropped += 1

    def _clock_ms(self, t0: float) -> int:
        """Milliseconds since ``t0`` less the time spent paused."""
        with self._cond:
            return round((time.monotonic() - t0 - self._paused_s) * 1000.0)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)


class CameraSource(LiveSource):
    """A webcam by number (``/dev/videoN`` on Linux), or a camera stream by device path or URL
    (``/dev/video2``, ``rtsp://...``), read as fast as it delivers."""

    def __init__(self, index: int | str = 0, *, width: int | None = None, height: int | None = None) -> None:
        super().__init__()
        self.index = index
        if isinstance(index, int):
            backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        else:
            backend = cv2.CAP_ANY
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            with quiet_native_stderr():
                cap = cv2.VideoCapture(index, backend)
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"camera {index}: no camera found; connect a webcam, pick another with --camera N, "
                              f"or use --source VIDEO to coach from a video file")
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # where the driver allows it: no backlog of old frames
        if width and height:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        ok, first = cap.read()
        if not ok or first is None:
            cap.release()
            raise CameraError(f"camera {index}: opened but gives no picture; close other programs using it "
                              f"and check its cable, or pick another with --camera N")
        self._cap = cap
        self._first = first
        self.height, self.width = first.shape[:2]
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else 30.0

    def describe(self) -> dict[str, Any]:
        return {"camera": self.index, "fps": self.fps, "width": self.width, "height": self.height}

    def close(self) -> None:
        super().close()
        if self._thread is None:
            self._cap.release()  # never started: the capture thread did not get to release it

    def _run(self) -> None:
        t0 = time.monotonic()
        last_ok = t0
        index = 0
        image = self._first
        try:
            while not self._stop.is_set():
                if image is not None:
                    last_ok = time.monotonic()
                    self._publish(Frame(index, self._clock_ms(t0), image))
                    index += 1
                elif time.monotonic() - last_ok > LOST_AFTER_S:
                    self.lost = True
                    return
                else:
                    time.sleep(0.01)
                ok, image = self._cap.read()
                if not ok:
                    image = None
        finally:
            self._cap.release()


class _FileBacked(LiveSource):
    """A live source reading a video file: opens it and describes it the same way for both kinds."""

    PACED = False

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._video = VideoFileSource(self.path)
        self.fps, self.width, self.height = self._video.fps, self._video.width, self._video.height
        self.frame_count = self._video.frame_count

    def describe(self) -> dict[str, Any]:
        return {"video": str(self.path), "live": True, "paced": self.PACED, "fps": self.fps,
                "width": self.width, "height": self.height}

    def damage(self) -> dict[str, Any]:
        return self._video.damage()


class PacedFileSource(_FileBacked):
    """A video file played at its real frame rate, as if it were a camera.

    Frames are released when their timestamp comes due; a frame already more than one frame period
    late is skipped (counted in ``dropped``), so slow processing drops frames rather than slowing
    the clock. ``pause`` stops the file's clock.
    """

    PACED = True

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._resume = threading.Event()
        self._resume.set()
        self._file_paused_s = 0.0

    def pause(self) -> None:
        super().pause()
        self._resume.clear()

    def resume(self) -> None:
        super().resume()
        self._resume.set()

    def _run(self) -> None:
        t0 = time.monotonic()
        period = 1.0 / self.fps
        try:
            for frame in self._video:
                if self._stop.is_set():
                    return
                if not self._resume.is_set():
                    paused_at = time.monotonic()
                    while not self._resume.wait(0.1):
                        if self._stop.is_set():
                            return
                    self._file_paused_s += time.monotonic() - paused_at
                due = t0 + self._file_paused_s + frame.timestamp_ms / 1000.0
                wait = due - time.monotonic()
                if wait > 0:
                    self._stop.wait(wait)
                elif -wait > period:
                    self.dropped += 1  # decoding or the loop fell behind: catch up by skipping
                    continue
                self._publish(frame)
        finally:
            self._video.close()


class SequentialFileSource(_FileBacked):
    """Every frame of a file, in order, as fast as the loop takes them (no thread, no drops).

    Used by ``live --no-drop`` so a live run processes exactly the frames ``analyze`` does."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._frames = iter(self._video)

    def start(self) -> None:
        pass

    def next(self, timeout: float = 0.5) -> Captured | None:
        if self.ended:
            return None
        frame = next(self._frames, None)
        if frame is None:
            self.ended = True
            return None
        self.captured += 1
        return Captured(frame, time.monotonic())

    @property
    def exhausted(self) -> bool:
        return self.ended

    def close(self) -> None:
        self._video.close()

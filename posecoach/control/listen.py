"""Listening for spoken commands beside the frame loop: a microphone (``sounddevice``) or a WAV
file played in real time (``--microphone FILE.wav``, as ``--source`` plays a video), feeding a
``Spotter`` in a thread. The loop only polls: recognition never stalls a frame.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.control.audio import RATE, load_16k
from posecoach.control.speech import COMMAND_SEARCH, Heard, Spotter, pocketsphinx_available

logger = logging.getLogger(__name__)

CHUNK_S = 0.1


@dataclass(frozen=True, slots=True)
class HeardAt:
    """A recognised phrase and the monotonic time at which the listener reported it."""

    heard: Heard
    at: float


class Microphone:
    """Sound in chunks of 16 kHz int16 samples. ``read`` blocks for at most ``timeout`` s and
    returns None when nothing came; ``ended`` once a file has been played to its end."""

    ended = False
    description = "microphone"

    def start(self) -> None:
        pass

    def read(self, timeout: float) -> np.ndarray | None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class FileMicrophone(Microphone):
    """A WAV file released at its real rate from ``start()``, as a microphone would hear it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.samples = load_16k(self.path)  # UsageError (one line) for a missing or unreadable file
        self.description = f"sound file {self.path}"
        self._t0: float | None = None
        self._pos = 0

    @property
    def duration_s(self) -> float:
        return len(self.samples) / RATE

    def start(self) -> None:
        self._t0 = time.monotonic()

    def read(self, timeout: float) -> np.ndarray | None:
        if self._t0 is None:
            self.start()
        assert self._t0 is not None
        if self._pos >= len(self.samples):
            self.ended = True
            return None
        due = int((time.monotonic() - self._t0) * RATE)
        if due - self._pos < int(CHUNK_S * RATE):
            time.sleep(min(timeout, CHUNK_S))
            due = int((time.monotonic() - self._t0) * RATE)
        if due <= self._pos:
            return None
        chunk = self.samples[self._pos:due]
        self._pos = due
        return chunk


class DeviceMicrophone(Microphone):
    """The default input device through sounddevice (PortAudio). Raises ``OSError`` when there is
    none (no PortAudio library, no input device, or it cannot be opened)."""

    def __init__(self) -> None:
        try:
            import sounddevice as sd
        except ImportError as exc:
            raise OSError("sounddevice is not installed (pip install sounddevice)") from exc
        except OSError as exc:  # sounddevice raises this when the PortAudio library is missing
            raise OSError(f"{exc} (apt-get install libportaudio2)") from exc
        self._chunks: queue.Queue[np.ndarray] = queue.Queue(maxsize=50)
        try:
            self._stream = sd.InputStream(samplerate=RATE, channels=1, dtype="int16", blocksize=int(CHUNK_S * RATE),
                                          callback=self._callback)
        except Exception as exc:  # PortAudioError and ValueError (no such device) both end up here
            raise OSError(str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__) from exc
        self.description = "microphone"

    def _callback(self, indata, frames, time_info, status) -> None:  # type: ignore[no-untyped-def]
        try:
            self._chunks.put_nowait(indata[:, 0].copy())
        except queue.Full:
            pass  # the recogniser fell behind: lose sound rather than grow a backlog

    def start(self) -> None:
        self._stream.start()

    def read(self, timeout: float) -> np.ndarray | None:
        try:
            return self._chunks.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:  # noqa: BLE001 - closing a broken device must not end the session
            pass


class Listener:
    """Runs a ``Spotter`` on a ``Microphone`` in a thread; ``poll()`` returns what it recognised."""

    def __init__(self, mic: Microphone, spotter: Spotter | None = None) -> None:
        self.mic = mic
        self.spotter = spotter or Spotter()
        self._heard: queue.Queue[HeardAt] = queue.Queue()
        self._mode = COMMAND_SEARCH
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    @property
    def description(self) -> str:
        return self.mic.description

    @property
    def ended(self) -> bool:
        """The sound file has been heard to its end (never for a real microphone)."""
        return self.mic.ended and (self._thread is None or not self._thread.is_alive())

    def start(self) -> Listener:
        """Start listening; a second call does nothing (live may start it early, for the demonstration)."""
        if self._thread is not None:
            return self
        self.mic.start()
        self._thread = threading.Thread(target=self._work, name="listener", daemon=True)
        self._thread.start()
        return self

    def set_mode(self, mode: str) -> None:
        """``"commands"`` or ``"rating"`` (numbers); taken up by the listening thread."""
        self._mode = mode

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                if self.spotter.mode != self._mode:
                    self.spotter.set_mode(self._mode)
                chunk = self.mic.read(0.2)
                if chunk is None:
                    if self.mic.ended:
                        for h in self.spotter.flush():
                            self._heard.put(HeardAt(h, time.monotonic()))
                        return
                    continue
                for h in self.spotter.feed(chunk):
                    self._heard.put(HeardAt(h, time.monotonic()))
        except Exception as exc:  # noqa: BLE001 - a recogniser failure must not take the set down
            self.error = f"{type(exc).__name__}: {exc}"

    def poll(self) -> list[HeardAt]:
        out: list[HeardAt] = []
        while True:
            try:
                out.append(self._heard.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        self.mic.close()


def open_listener(path: Path | None) -> Listener | None:
    """The session's listener: from ``path`` (a WAV file) or the default microphone; None, said in
    one line, when there is no recogniser or no microphone (keys and gestures still work).
    A bad ``path`` raises ``UsageError``."""
    if not pocketsphinx_available():
        logger.warning("posecoach: voice commands are off: pocketsphinx is not installed (pip install pocketsphinx); "
                       "keys and gestures still work")
        return None
    if path is not None:
        return Listener(FileMicrophone(path))
    try:
        mic = DeviceMicrophone()
    except OSError as exc:
        logger.warning(f"posecoach: no microphone ({exc}): voice commands are off; keys and gestures still work")
        return None
    return Listener(mic)

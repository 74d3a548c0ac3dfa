"""Where live frames are shown: an OpenCV window, or nowhere (the offscreen mode).

The offscreen mode (``--headless`` or ``POSECOACH_HEADLESS=1``) runs the whole live loop, overlay
drawing included, without a window, so tests and CI always cover it. Its keys come from a script
of (video time, key) pairs instead of a keyboard.
"""

from __future__ import annotations

import os
import re
import socket
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from posecoach.errors import CameraError, DisplayLost

ENV_HEADLESS = "POSECOACH_HEADLESS"
#: Longest side of the shown image; bigger frames (a 1080x1920 phone video) are scaled down to fit.
MAX_SHOW = 960


def headless_requested(flag: bool = False) -> bool:
    """True when the offscreen mode was asked for, by flag or environment."""
    return flag or os.environ.get(ENV_HEADLESS, "").strip().lower() in ("1", "true", "yes", "on")


def x_server_alive(display: str | None = None) -> bool | None:
    """Whether the local X server of ``$DISPLAY`` (``:N``) still accepts connections; None when
    that cannot be told (a remote or Wayland display). A connection is opened and closed at once."""
    display = os.environ.get("DISPLAY", "") if display is None else display
    m = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
    if m is None:
        return None
    path = f"/tmp/.X11-unix/X{m.group(1)}"
    for address in (path, "\0" + path):  # the socket file, then Linux's abstract one
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            try:
                sock.connect(address)
                return True
            except OSError:
                continue
    return False


class XWatch:
    """A connection of our own to the local X server, held open only to notice when the server
    goes: it is closed by the server at the same moment as OpenCV's, so the loop can end the set
    before touching the window (OpenCV's Qt backend exits the process on a broken display).
    ``gone()`` is None when this cannot be watched (a remote display, an X server that wants a
    cookie), and then the loop relies on the report it saves every second."""

    def __init__(self, display: str | None = None) -> None:
        self._sock: socket.socket | None = None
        display = os.environ.get("DISPLAY", "") if display is None else display
        m = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
        if m is None:
            return
        path = f"/tmp/.X11-unix/X{m.group(1)}"
        for address in (path, "\0" + path):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(1.0)
            try:
                sock.connect(address)
                # the connection setup of the X protocol (little-endian, 11.0, no authorisation)
                sock.sendall(b"l\0" + (11).to_bytes(2, "little") + bytes(8))
                if sock.recv(1) != b"\x01":  # refused (a cookie is needed): cannot watch
                    sock.close()
                    return
            except OSError:
                sock.close()
                continue
            sock.setblocking(False)
            self._sock = sock
            return

    def gone(self) -> bool | None:
        if self._sock is None:
            return None
        try:
            while True:  # the rest of the setup reply, then nothing: only the server's hang-up
                data = self._sock.recv(65536)
                if not data:
                    return True
        except BlockingIOError:
            return False
        except OSError:
            return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def check_display() -> None:
    """Raise ``CameraError`` (one line) when a window cannot be shown: no X or Wayland display."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise CameraError("no display: $DISPLAY is not set, so the live window cannot open; "
                          "run from a desktop session, or add --headless to run without a window")


def display_size(width: int, height: int, limit: int = MAX_SHOW) -> tuple[int, int]:
    """The (width, height) an image is shown at: scaled down so its longest side fits ``limit``."""
    longest = max(width, height)
    if longest <= limit:
        return width, height
    f = limit / longest
    return max(1, round(width * f)), max(1, round(height * f))


class Window:
    """The interface of a place frames are shown. ``key`` returns one character or None.
    ``interactive`` is False when nobody is there to read a screen or press a key."""

    closed = False
    interactive = True

    def show(self, image: np.ndarray) -> None:
        raise NotImplementedError

    def key(self, wait_ms: int = 1, t_s: float | None = None) -> str | None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class CvWindow(Window):
    """A real OpenCV (Qt) window. Closing it with the mouse counts as the 'q' key."""

    #: How often (seconds) the X server is checked before the window is touched (every time: a
    #: check costs tens of microseconds); OpenCV's Qt
    #: backend aborts the whole process (no report written) when its display has gone.
    DISPLAY_CHECK_S = 0.0

    def __init__(self, title: str = "posecoach") -> None:
        import cv2

        check_display()
        self._checked_at = 0.0
        self._watch = XWatch()
        # OpenCV's bundled Qt ships no fonts; point it at the system's so it does not complain per frame
        for fonts in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype"):
            if Path(fonts).is_dir():
                os.environ.setdefault("QT_QPA_FONTDIR", fonts)
                break
        self._cv2 = cv2
        self.title = title
        try:
            # GUI_NORMAL: no Qt toolbar or status bar, just the picture. NORMAL (resizable, sized
            # explicitly on the first frame) rather than AUTOSIZE: an autosized Qt window created
            # before the first picture can stay at its tiny first size on a busy machine
            cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        except cv2.error as exc:
            raise CameraError(f"cannot open the live window ({str(exc).strip().splitlines()[-1]}); "
                              f"check $DISPLAY, or add --headless to run without a window") from None
        self._shown = False
        self._size: tuple[int, int] | None = None

    def _check(self) -> None:
        """Raise ``DisplayLost`` when the display has gone, before OpenCV can abort on it."""
        now = time.monotonic()
        if now - self._checked_at < self.DISPLAY_CHECK_S:
            return
        self._checked_at = now
        if self._watch.gone() or (self._watch.gone() is None and x_server_alive() is False):
            self._watch.close()
            self.closed = True
            raise DisplayLost(f"the display {os.environ.get('DISPLAY')} went away")

    def show(self, image: np.ndarray) -> None:
        self._check()
        size = (image.shape[1], image.shape[0])
        try:
            if size != self._size:  # the first frame (or a new size): the window takes the picture's size
                self._cv2.resizeWindow(self.title, *size)
                self._size = size
            self._cv2.imshow(self.title, image)
        except self._cv2.error as exc:
            self.closed = True
            raise DisplayLost(f"the live window failed ({str(exc).strip().splitlines()[-1]})") from None
        self._shown = True

    def key(self, wait_ms: int = 1, t_s: float | None = None) -> str | None:
        self._check()
        try:
            code = self._cv2.waitKey(max(1, wait_ms))
            visible = self._cv2.getWindowProperty(self.title, self._cv2.WND_PROP_VISIBLE) if self._shown else 1
        except self._cv2.error as exc:
            self.closed = True
            raise DisplayLost(f"the live window failed ({str(exc).strip().splitlines()[-1]})") from None
        if visible < 1:
            self.closed = True
            return "q"
        if code < 0:
            return None
        code &= 0xFF
        return chr(code).lower() if 32 <= code < 127 else {27: "q", 13: "\n"}.get(code)

    def close(self) -> None:
        if self.closed and (self._watch.gone() or x_server_alive() is False):
            return  # nothing left to close, and touching the window now would abort
        self._watch.close()
        try:
            self._cv2.destroyWindow(self.title)
            self._cv2.waitKey(1)
        except self._cv2.error:
            pass  # already gone (closed with the mouse)


class HeadlessWindow(Window):
    """No window: keeps the last image shown and plays a key script.

    ``script``: (t_s, key) pairs; each key is returned once, by the first ``key`` call whose video
    time has reached ``t_s`` (none before the first frame has a time).
    """

    interactive = False

    def __init__(self, script: Iterable[tuple[float, str]] = ()) -> None:
        self.script = sorted(script)
        self.last: np.ndarray | None = None
        self.shown = 0

    def show(self, image: np.ndarray) -> None:
        self.last = image
        self.shown += 1

    def key(self, wait_ms: int = 1, t_s: float | None = None) -> str | None:
        if t_s is None:
            return None
        if self.script and self.script[0][0] <= t_s:
            return self.script.pop(0)[1]
        return None


def parse_key_script(text: str) -> list[tuple[float, str]]:
    """Parse ``"2.5:p,4:q"`` (video seconds, key) into pairs; raises ValueError on bad input."""
    out: list[tuple[float, str]] = []
    for item in filter(None, (p.strip() for p in text.split(","))):
        t, _, key = item.partition(":")
        if len(key) != 1 and key != "space":
            raise ValueError(f"bad key {key!r} in {item!r} (one character, or 'space')")
        out.append((float(t), " " if key == "space" else key))
    return out

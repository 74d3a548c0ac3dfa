"""Keeping native libraries' own logging (TFLite/LiteRT, glog, OpenCV, FFmpeg) off the terminal.

These libraries write straight to file descriptor 2, at any moment: when a model bundle loads
("Sparsity tensors may not yet be fully supported"), on the first inference, and when a landmarker
is torn down ("DestroyAccelerator"), even at interpreter exit. posecoach reports every failure of
theirs itself, in one line, so their chatter only hides the line that matters.

Two tools:

- :func:`isolate_stderr` for a whole process (the ``posecoach`` command, the benchmarks): Python's
  ``sys.stderr`` keeps writing to the terminal through a duplicate of the original descriptor,
  while descriptor 2 itself, which only native code writes to directly, goes to ``/dev/null``.
  Nothing printed by posecoach or by a Python traceback is lost.
- :func:`quiet_native_stderr` around single calls, for library use inside another program.

Set ``POSECOACH_NATIVE_LOGS=1`` to see the libraries' own messages when debugging.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator

ENV_SHOW = "POSECOACH_NATIVE_LOGS"

_isolated = False


def native_logs_shown() -> bool:
    """True when the user asked to see the native libraries' messages."""
    return os.environ.get(ENV_SHOW, "") not in ("", "0")


def _quiet_library_settings() -> None:
    # The libraries' own switches, where they have one; what they ignore the descriptor catches.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")


def isolate_stderr() -> None:
    """For the rest of this process, send descriptor 2 to ``/dev/null`` and keep ``sys.stderr`` on
    the terminal. Call once, at the start of a program's entry point (never at import).

    Does nothing when native logs were asked for, when it already ran, or when ``sys.stderr`` is
    not the process's own descriptor 2 (a test runner capturing output, an embedding program)."""
    global _isolated
    if _isolated or native_logs_shown():
        return
    _quiet_library_settings()
    stream = sys.stderr
    try:
        if stream is not sys.__stderr__ or stream is None or stream.fileno() != 2:
            return
        stream.flush()
        terminal = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, io.UnsupportedOperation):
        return
    os.set_inheritable(terminal, False)
    os.dup2(null, 2)
    os.close(null)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    errors = getattr(stream, "errors", None) or "backslashreplace"
    sys.stderr = io.TextIOWrapper(os.fdopen(terminal, "wb", buffering=0), encoding=encoding,
                                  errors=errors, line_buffering=True, write_through=True)
    _isolated = True


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send descriptor 2 to ``/dev/null`` for the duration of a native call; its errors still
    arrive as exceptions or return values. A no-op inside :func:`isolate_stderr` (already quiet)."""
    if _isolated or native_logs_shown():
        yield
        return
    _quiet_library_settings()
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

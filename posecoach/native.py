"""Quieting native libraries (TFLite, glog, OpenCV, FFmpeg) that write straight to file
descriptor 2, around calls whose failures we report ourselves in one line."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send fd 2 to /dev/null for the duration; errors still arrive as exceptions or return values.
    Set ``POSECOACH_NATIVE_LOGS=1`` to see the libraries' own messages when debugging."""
    if os.environ.get("POSECOACH_NATIVE_LOGS"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

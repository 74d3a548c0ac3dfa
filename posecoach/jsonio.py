"""Strict JSON in and out: what posecoach writes is always valid JSON (no ``NaN`` or ``Infinity``,
which most JSON readers reject), and a JSON file it reads fails with one line, never a traceback.

A value that is not a finite number (a measurement nobody could make) is written as ``null``, the
same way a landmark track writes an unknown coordinate.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from posecoach.errors import PosecoachError


def finite(obj: Any) -> Any:
    """A JSON-ready copy of ``obj``: non-finite floats become None, tuples lists, numpy scalars
    plain numbers (``float(numpy.float32(...))`` and friends)."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k) if not isinstance(k, str) else k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    item = getattr(obj, "item", None)  # a numpy scalar
    if callable(item):
        return finite(item())
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` that can only produce strict JSON (see module docstring)."""
    return json.dumps(finite(obj), allow_nan=False, default=str, **kwargs)  # a date is written as text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def decode_text(data: bytes, where: str, error: type[PosecoachError]) -> str:
    """``data`` as UTF-8 text; a file in another encoding is one line naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{where}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                    f"save the file as UTF-8") from None


def loads(text: str, where: str, error: type[PosecoachError], *, nonfinite_as_null: bool = False) -> Any:
    """Parse JSON text strictly. ``NaN``/``Infinity`` are refused (or read as null when
    ``nonfinite_as_null``); nesting too deep for the parser is one line, not a RecursionError."""
    constant = (lambda _name: None) if nonfinite_as_null else _reject_constant

    def number(digits: str) -> float | None:  # 1e400 parses as inf: the same as Infinity
        value = float(digits)
        return value if math.isfinite(value) else constant(digits)

    try:
        return json.loads(text, parse_constant=constant, parse_float=number)
    except json.JSONDecodeError as exc:
        raise error(f"{where}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except ValueError as exc:  # a refused constant
        raise error(f"{where}: not valid JSON ({exc})") from None
    except RecursionError:
        raise error(f"{where}: not valid JSON (nested too deeply)") from None


def read_json(path: Path | str, error: type[PosecoachError]) -> Any:
    """The JSON document in ``path``; every failure is ``error`` with a one-line message."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a JSON file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    return loads(decode_text(data, str(path), error), str(path), error)

"""Field types the file formats share: JSON and TOML values checked the way specs check them.

pydantic's lax mode would read ``"3"`` as 3 and ``true`` as 1; a file that says either is wrong,
and reading it as a number would hide the mistake, so these refuse anything but the real type.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from posecoach.spec.schema import MAX_MAGNITUDE


def finite_number(value: Any) -> float:
    """A JSON/TOML number (not a boolean, not text), finite and within +-``MAX_MAGNITUDE``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number")
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"expected a number between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}")
    return float(value)


def whole_number(value: Any) -> int:
    """A whole number written as one (``3``, not ``3.0``, ``"3"`` or ``true``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number")
    return value


Num = Annotated[float, BeforeValidator(finite_number)]
Whole = Annotated[int, BeforeValidator(whole_number)]
Text = Annotated[str, Field(strict=True)]

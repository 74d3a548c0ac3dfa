"""A person's profile (``exercise_specs/profiles/*.toml``): the layout of the file.

What the changes under ``[exercises.ID]`` mean, and whether the adjusted spec is still valid, is
``posecoach.spec.profile``'s business (it needs the spec); this model checks what can be checked
from the file alone, so a misspelt top-level key or a start date written as text fails at once,
naming the key.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

PROFILE_SCHEMA_VERSION = 1


def _version(value: Any) -> Any:
    if isinstance(value, bool) or value != PROFILE_SCHEMA_VERSION:
        raise ValueError(f"expected {PROFILE_SCHEMA_VERSION}")
    return value


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("expected text in quotes")
    return value


def _date(value: Any) -> Any:
    # a TOML date, not a date and time (nor a string that looks like a date)
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError("expected a date such as 2026-11-02")
    return value


def _at_least(low: int) -> BeforeValidator:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"expected a whole number >= {low}")
        return value
    return BeforeValidator(check)


def _exercises(value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError("expected tables such as [exercises.back_extension]")
    return value


def _changes(value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError("expected a table of changes")
    return value


Text = Annotated[str | None, BeforeValidator(_text)]


class Progression(BaseModel):
    """A slow build-up to the full number of reps: ``start_reps`` in the first week, then
    ``add_per_week`` more each week from ``start_date``."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    # defaults of None are validated too, so a missing key says what it needs, like a wrong one
    start_date: Annotated[dt.date | None, BeforeValidator(_date)] = None
    start_reps: Annotated[int | None, _at_least(1)] = None
    add_per_week: Annotated[int | None, _at_least(0)] = None


class ProfileFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Annotated[int | None, BeforeValidator(_version)] = Field(None, validate_default=True)
    name: Text = None
    person: Text = None
    therapist: Text = None
    note: Text = None
    #: exercise id -> dotted keys to change (``dose.reps = 5``), as nested TOML tables
    exercises: Annotated[dict[str, Annotated[dict[str, Any], BeforeValidator(_changes)]],
                         BeforeValidator(_exercises)] = {}
    progression: Progression | None = None
    #: result-based build-up rules, checked by ``posecoach.progression.rules_of``
    build_up: Any = None

"""A routine file (``exercise_specs/routines/*.toml``): exercises in a row, each with its dose.

The step's dose values are checked for their type here and for their range by the spec they
adjust (``posecoach.routine`` re-validates the spec with them), so a dose a spec would refuse
is refused with the spec's own message.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from posecoach.formats.fields import Num, Whole

ROUTINE_FILE_VERSION = 1


def _version(value: Any) -> Any:
    if isinstance(value, bool) or value != ROUTINE_FILE_VERSION:
        raise ValueError(f"expected {ROUTINE_FILE_VERSION}")
    return value


def _exercise(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError('required: an exercise id such as "cat_cow"')
    return value


def _steps(value: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise ValueError('a routine needs at least one [[steps]] with exercise = "ID"')
    return value


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exercise: Annotated[str | None, BeforeValidator(_exercise)] = Field(None, validate_default=True)
    #: the dose for this routine, in place of the spec's own (left out: the spec's)
    reps: Whole | None = None
    holds: Whole | None = None
    hold_s: Num | None = None
    note: Annotated[str, Field(strict=True)] = ""

    @model_validator(mode="before")
    @classmethod
    def _table(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError('expected a table with exercise = "ID"')
        return value

    def dose(self) -> dict[str, Any]:
        """The dose values the step sets (reps, holds, hold_s), and only those."""
        return {k: getattr(self, k) for k in ("reps", "holds", "hold_s") if k in self.model_fields_set}


class RoutineFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Annotated[int | None, BeforeValidator(_version)] = Field(None, validate_default=True)
    #: shown to the person; the file name when left out
    name: Annotated[str, Field(strict=True)] = ""
    note: Annotated[str, Field(strict=True)] = ""
    steps: Annotated[list[Step] | None, BeforeValidator(_steps)] = Field(None, validate_default=True)

"""Label manifests for evaluation: what a person labelled about each clip.

``{"clips": [{"file", "exercise", "reps", "reps_per_side", "holds", "faults", "view", ...}]}``;
times in seconds from the start of the clip. Keys not listed here (``notes``, ``camera``,
``rep_intervals``, a rendered clip's ``fps`` ...) describe the clip for people and are ignored.
A missing ``holds`` or ``faults`` means "not labelled"; ``[]`` means "labelled: none", and so
does not mean the same as a missing key: ``null`` is refused rather than guessed at.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from posecoach.formats.fields import Num, Text


class _Label(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


Seconds = Num


class Interval(_Label):
    start: Seconds
    end: Seconds
    #: a rendered fault's grade ("mild", "moderate", "clear")
    severity: Text | None = None

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise ValueError('expected a string like "moderate"')
        return value

    @model_validator(mode="after")
    def _order(self) -> Interval:
        if self.end < self.start:
            raise ValueError(f"end {self.end:g} is before start {self.start:g}")
        return self


class HoldLabel(Interval):
    side: Text | None = None


class FaultLabel(Interval):
    #: the fault id the report should raise over this interval
    id: Annotated[str, Field(strict=True, min_length=1)]


def _whole_or_null(value: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError("expected a whole number or null")
    return value


def _per_side(value: Any) -> Any:
    if value is not None and not (isinstance(value, dict) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value.values())):
        raise ValueError('expected {"left": n, "right": n}')
    return value


def _file_name(value: Any) -> Any:
    if isinstance(value, str) and "\0" in value:
        raise ValueError("not a file name")
    return value


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError('expected a list of {"start", "end"} objects (leave the key out when not labelled)')
    return value


class ClipEntry(_Label):
    #: relative to the manifest's folder
    file: Annotated[str, Field(strict=True, min_length=1), BeforeValidator(_file_name)]
    exercise: Annotated[str, Field(strict=True, min_length=1)]
    #: None: uncountable (left out of every count metric)
    reps: Annotated[int | None, BeforeValidator(_whole_or_null)] = None
    reps_per_side: Annotated[dict[str, int] | None, BeforeValidator(_per_side)] = None
    holds: Annotated[list[HoldLabel] | None, BeforeValidator(_not_null)] = None
    faults: Annotated[list[FaultLabel] | None, BeforeValidator(_not_null)] = None
    view: Text | None = None

    @field_validator("view", mode="before")
    @classmethod
    def _view(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise ValueError('expected a view name such as "side"')
        return value


class LabelFile(_Label):
    """One manifest file (the other form, a list of manifest paths, needs no model)."""

    clips: list[ClipEntry]

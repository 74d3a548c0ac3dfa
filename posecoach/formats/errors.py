"""The one place a file's validation error becomes a one-line user error.

The wording is the spec loader's (``posecoach.spec.loader.format_validation_error``): file, field
path, what is wrong, the value given. Every format uses this, so a profile, a routine or a track
header fails the way a spec does, with the error class (and so the exit code) of that kind of file.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from posecoach.errors import PosecoachError, SpecError
from posecoach.spec.loader import format_validation_error

M = TypeVar("M", bound=BaseModel)


def _models_in(annotation: Any) -> list[tuple[type[BaseModel], bool]]:
    """The models a field holds: ``(model, as_list)`` for ``Model``, ``list[Model]``, ``Model | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, False)]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _models_in(args[0])
    if origin in (list, tuple):
        return [(m, True) for m, _ in _models_in(args[0])] if args else []
    if origin in (typing.Union, types.UnionType):
        return [found for a in args for found in _models_in(a)]
    return []


def unknown_key(model: type[BaseModel], data: Any, loc: str = "") -> str | None:
    """``place: unknown key; expected one of ...`` for the first key that ``model`` (or a model
    inside it) does not have, when it refuses extra keys: the list of valid keys helps more than
    pydantic's bare "extra inputs are not permitted"."""
    if not isinstance(data, dict):
        return None
    names = {(f.alias or name): f for name, f in model.model_fields.items()}
    if model.model_config.get("extra") == "forbid":
        for key in data:
            if key not in names:
                return f"{loc + '.' if loc else ''}{key}: unknown key; expected one of {', '.join(names)}"
    for key, field in names.items():
        if key not in data:
            continue
        here = f"{loc + '.' if loc else ''}{key}"
        for sub, as_list in _models_in(field.annotation):
            items = enumerate(data[key]) if as_list and isinstance(data[key], list) else [] if as_list else [(None, data[key])]
            for i, item in items:
                found = unknown_key(sub, item, here if i is None else f"{here}[{i}]")
                if found:
                    return found
    return None


def validate(model: type[M], data: Any, where: Path | str, error: type[PosecoachError] = SpecError,
             hint: str = "") -> M:
    """``model.model_validate(data)``, failing with ``error`` and a one-line message naming
    ``where`` (a file, or a file and a place inside it), then ``hint`` (what to do) if given."""
    unknown = unknown_key(model, data)
    if unknown:
        raise error(f"{where}: {unknown}" + (f"; {hint}" if hint else ""))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(format_validation_error(where, exc) + (f"; {hint}" if hint else "")) from None

"""Building the engine a command asks for, and naming the pose model it runs.

``analyze``, ``live``, ``replay``, ``batch`` and ``eval`` all build their engine and resolve
``--model`` here, so one exercise, profile and model name mean the same thing everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posecoach.app.pipeline import Analysis, Runner
from posecoach.spec.loader import find_spec
from posecoach.spec.schema import Spec

logger = logging.getLogger(__name__)

#: A dose adjuster from the session store: (spec, limits) -> (spec, limits).
Adjuster = Callable[[Spec, "dict[str, Any] | None"], "tuple[Spec, dict[str, Any] | None]"]


def make_analysis(exercise: str, profile: Path | None = None, adjust: Adjuster | None = None) -> Runner:
    """The engine for ``--exercise`` (an id or a spec file), with a personal profile applied.
    ``routine:NAME`` (or ``routine:FILE.toml``) gives a ``RoutineRunner``; both are ``Runner``s."""
    if exercise.startswith("routine:"):
        from posecoach.routine import RoutineRunner, load_routine

        routine = load_routine(exercise.removeprefix("routine:"))
        for spec in routine.specs[1:]:
            _analysis_for(spec, profile)  # a bad profile value fails now, not halfway through
        return RoutineRunner(routine, lambda spec: _analysis_for(spec, profile, adjust))
    return _analysis_for(find_spec(exercise), profile, adjust)


def _analysis_for(spec: Spec, profile: Path | None, adjust: Adjuster | None = None) -> Analysis:
    """One exercise's engine, with the profile's changes for it applied."""
    limits = None
    if profile is not None:
        from posecoach.spec.profile import apply_profile

        spec, limits = apply_profile(spec, profile)
        if adjust is not None:
            spec, limits = adjust(spec, limits)
    return Analysis(spec, limits=limits)


def spec_inputs(exercise: str, profile: Path | None) -> dict[str, Path | None]:
    """The files ``--exercise`` and ``--profile`` name, which no output may overwrite."""
    inputs: dict[str, Path | None] = {"--profile": profile}
    name = exercise.removeprefix("routine:")
    if name.endswith(".toml"):
        inputs["--exercise"] = Path(name)
    return inputs


def model_label(model: str) -> str:
    """The model as a report or track header records it: a name, or the bundle's path as given
    (with ``~`` expanded), so a saved track can be matched to the model without resolving it."""
    from posecoach.pose.models import MODEL_NAMES  # late: the commands' start-up stays quick

    return model if model in MODEL_NAMES else str(Path(model).expanduser())


def resolve_model_arg(model: str, log: Callable[[str], None] | None = logger.info) -> tuple[Path, str]:
    """``--model`` (a name, obtained if missing, or a ``.task`` file) as (bundle path, label for
    the report). Every command that runs the model comes through here. Obtaining a model is told
    to ``log`` (this module's logger; None: nothing)."""
    from posecoach.pose.models import MODEL_NAMES, resolve_model

    path = resolve_model(model, log=log)
    return path, model if model in MODEL_NAMES else str(path)

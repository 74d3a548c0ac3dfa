"""Loading and validating exercise specs, with errors that name the file, the place and the fix.

Example message: ``exercise_specs/bridge.toml: faults[1].when[0].op: expected one of '<', '>',
'between', 'outside' [got '=>']``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from posecoach import landmarks
from posecoach.data import data_dir
from posecoach.errors import SpecError, UnknownExerciseError
from posecoach.spec.schema import BUILT_IN_FAULTS, Condition, Rep, Spec


def specs_dir() -> Path:
    """The folder of shipped specs: ``$POSECOACH_SPECS_DIR``, or the exercise library packaged with
    posecoach (in a checkout, the top-level ``exercise_specs/``)."""
    env = os.environ.get("POSECOACH_SPECS_DIR")
    if env:
        return Path(env)
    return data_dir("exercise_specs")


def _loc(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p in ("joint_angle", "segment_angle", "distance", "offset", "displacement", "lateral", "line_offset") and out:
            continue  # pydantic's discriminator tag adds nothing for the reader
        else:
            out += f".{p}" if out else str(p)
    return out or "(top level)"


def _describe(err: ErrorDetails) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '')}"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see docs in exercise_specs/README.md)"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return f"unknown metric type; expected one of {ctx.get('expected_tags', '')}"
    if kind == "union_tag_not_found":
        return "a metric needs type = one of 'joint_angle', 'segment_angle', 'distance', 'offset', 'displacement', 'lateral', 'line_offset'"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def format_validation_error(path: Path | str, exc: ValidationError) -> str:
    """The first validation error as one line: ``file: place: what was expected [got X]``."""
    errors = exc.errors()
    # an error inside a list makes pydantic also call the list too short: that one adds nothing
    errors = [e for e in errors if not (e["type"] == "too_short" and any(
        o is not e and tuple(o["loc"][: len(e["loc"])]) == tuple(e["loc"]) for o in errors))]
    err = errors[0]
    got = err.get("input")
    if err["type"] == "union_tag_invalid":
        got = (err.get("ctx") or {}).get("tag")
    got_txt = "" if err["type"] == "missing" or isinstance(got, dict) else f" [got {got!r}]"
    more = len(errors) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{path}: {_loc(err['loc'])}: {_describe(err)}{got_txt}{tail}"


def _check_points(path: Path | str, spec: Spec) -> None:
    for name, metric in spec.metrics.items():
        for point in metric.point_names:
            if not landmarks.is_point_name(point):
                raise SpecError(
                    f"{path}: metrics.{name}: unknown point {point!r}; use a landmark such as "
                    f"'left_hip', a sided name such as 'hip', or a midpoint such as 'mid_hip'"
                )


def _check_refs(path: Path | str, spec: Spec) -> None:
    known = sorted(spec.metrics)

    def check(cond: Condition, where: str) -> None:
        if cond.metric not in spec.metrics:
            raise SpecError(f"{path}: {where}.metric: unknown metric {cond.metric!r}; defined: {', '.join(known)}")

    for i, c in enumerate(spec.setup.require):
        check(c, f"setup.require[{i}]")
    counted = spec.counting
    if isinstance(counted, Rep):
        if counted.metric not in spec.metrics:
            raise SpecError(f"{path}: rep.metric: unknown metric {counted.metric!r}; defined: {', '.join(known)}")
        if counted.side_from == "travel":
            point = counted.travel_point
            if point not in landmarks.SIDED:
                raise SpecError(
                    f"{path}: rep.travel_point: side_from = 'travel' needs a sided point such as 'knee' "
                    f"or 'ankle' [got {point!r}]"
                )
        if counted.sided and counted.side_from == "metric":
            side = getattr(spec.metrics[counted.metric], "side", None)
            if side not in ("max", "min"):
                raise SpecError(
                    f"{path}: rep.sided: a sided rep with side_from = 'metric' needs its metric "
                    f"{counted.metric!r} to use side = 'max' or 'min' [got {side!r}]"
                )
    else:
        for i, c in enumerate(counted.require):
            check(c, f"hold.require[{i}]")
        if counted.side_metric is not None and counted.side_metric not in spec.metrics:
            raise SpecError(f"{path}: hold.side_metric: unknown metric {counted.side_metric!r}; defined: {', '.join(known)}")
        if counted.sided and counted.side_metric is None:
            raise SpecError(f"{path}: hold.side_metric: a sided hold needs side_metric (a 'lateral' metric or one with side = 'max'/'min')")
    seen: set[str] = set()
    for i, fault in enumerate(spec.faults):
        if fault.id in seen or fault.id in BUILT_IN_FAULTS:
            raise SpecError(f"{path}: faults[{i}].id: {fault.id!r} is used twice or is a built-in rule's id")
        seen.add(fault.id)
        for j, c in enumerate(fault.when):
            check(c, f"faults[{i}].when[{j}]")


def parse_spec(data: dict[str, Any], path: Path | str = "<spec>") -> Spec:
    """Validate a parsed TOML document into a ``Spec``; raises ``SpecError``."""
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc)) from None
    _check_points(path, spec)
    _check_refs(path, spec)
    return spec


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with Path(path).open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SpecError(f"{path}: file not found") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                        f"save the file as UTF-8") from None
    except RecursionError:
        raise SpecError(f"{path}: not valid TOML: nested too deeply") from None


def load_spec(path: Path | str) -> Spec:
    """Load one spec file; the file's stem must equal its ``id``."""
    path = Path(path)
    spec = parse_spec(read_toml(path), path)
    if spec.id != path.stem:
        raise SpecError(f"{path}: id: must match the file name {path.stem!r} [got {spec.id!r}]")
    return spec


def exercise_ids(folder: Path | None = None) -> list[str]:
    folder = folder or specs_dir()
    return sorted(p.stem for p in folder.glob("*.toml"))


def find_spec(name: str, folder: Path | None = None) -> Spec:
    """Load a spec by exercise id, or by path if ``name`` is a .toml file."""
    if name.endswith(".toml") or os.sep in name:
        return load_spec(Path(name))
    folder = folder or specs_dir()
    path = folder / f"{name}.toml"
    if not path.exists():
        ids = exercise_ids(folder)
        raise UnknownExerciseError(
            f"unknown exercise {name!r}; valid ones: {', '.join(ids) if ids else f'(none found in {folder})'}"
        )
    return load_spec(path)


def check_paths(paths: Iterable[Path]) -> list[tuple[Path, str | None]]:
    """Validate every spec file; returns (path, error message or None)."""
    results: list[tuple[Path, str | None]] = []
    for p in paths:
        try:
            load_spec(p)
            results.append((p, None))
        except SpecError as exc:
            results.append((p, str(exc)))
    return results

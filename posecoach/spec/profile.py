"""Personal limits: a therapist's adjustments to the shipped specs for one person, in a TOML file.

A profile never edits a shipped spec. It names exercises and, for each, the values to change, as
dotted keys that follow the spec's own layout::

    schema_version = 1
    name = "Gentle start after a flare-up"
    therapist = "A. Physio"            # optional, shown in the report
    note = "Smaller arch for now"      # optional

    [exercises.back_extension]
    dose.reps = 5                      # fewer reps
    rep.peak = 135                     # a smaller arch counts as a rep
    faults.hips_lifted.value = 0.08    # stricter: warn earlier about hips lifting

    [progression]                      # optional: a slow build-up to the full number of reps
    start_date = 2026-11-02
    start_reps = 4
    add_per_week = 1

Keys an exercise table accepts:

- ``dose.<field>``, ``rep.<field>``, ``hold.<field>``, ``bounce.<field>``, ``setup.hold_s``: a field of
  that section (the section must exist in the spec);
- ``setup.require.<metric>.value``, ``hold.require.<metric>.value``: the threshold of the condition on
  that metric;
- ``faults.<id>.value`` (a fault with one condition), ``faults.<id>.when.<metric>.value``,
  ``faults.<id>.debounce_s``, ``faults.<id>.severity``, ``faults.<id>.message``;
  ``faults.<id>.enabled = false`` switches a fault off for this person.

The adjusted spec goes through the same validation as a shipped one, so a profile cannot make an
invalid spec (``rep.peak`` below ``rep.rest`` for an upward rep, for example). Every error is one
line naming the profile file and the key. ``apply_profile`` also returns a ``limits`` dict that the
session report records: which profile, and every value changed, from what to what.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from posecoach.errors import SpecError
from posecoach.formats.errors import validate
from posecoach.formats.profile import ProfileFile
from posecoach.spec.loader import exercise_ids, parse_spec, read_toml
from posecoach.spec.schema import Dose, Fault, Rep, Hold, Bounce, Setup, Spec

_SECTIONS: dict[str, type[BaseModel]] = {"dose": Dose, "rep": Rep, "hold": Hold, "bounce": Bounce, "setup": Setup}
_FAULT_FIELDS = ("value", "debounce_s", "severity", "message", "enabled")


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested TOML tables (``dose.reps = 5`` is ``{"dose": {"reps": 5}}``) as dotted keys."""
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.extend(_flatten(value, path))
        else:
            out.append((path, value))
    return out


def _plain(value: Any) -> Any:
    """A JSON-friendly copy (tuples become lists) for the report."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _condition(conds: list[dict[str, Any]], metric: str, where: str) -> dict[str, Any]:
    for cond in conds:
        if cond["metric"] == metric:
            return cond
    known = ", ".join(sorted(c["metric"] for c in conds)) or "(none)"
    raise SpecError(f"{where}: no condition on metric {metric!r}; conditions here are on: {known}")


class _Editor:
    """Applies dotted-key changes to one spec's data, recording each change."""

    def __init__(self, spec: Spec, where: str) -> None:
        self.spec = spec
        self.where = where
        self.data: dict[str, Any] = spec.model_dump(mode="python")
        self.changes: list[dict[str, Any]] = []

    def _record(self, key: str, old: Any, new: Any) -> None:
        self.changes.append({"key": key, "from": _plain(old), "to": _plain(new)})

    def set(self, key: str, value: Any) -> None:
        parts = key.split(".")
        where = f"{self.where}.{key}"
        head = parts[0]
        if head == "faults":
            self._set_fault(parts[1:], value, where)
        elif head in ("setup", "hold") and len(parts) == 4 and parts[1] == "require" and parts[3] == "value":
            section = self.data.get(head)
            if section is None:
                raise SpecError(f"{where}: exercise {self.spec.id!r} has no [{head}] section")
            cond = _condition(section["require"], parts[2], where)
            self._record(key, cond["value"], value)
            cond["value"] = tuple(value) if isinstance(value, list) else value
        elif head in _SECTIONS and len(parts) == 2:
            section = self.data.get(head)
            if section is None:
                raise SpecError(f"{where}: exercise {self.spec.id!r} has no [{head}] section")
            fields = [f for f in _SECTIONS[head].model_fields if f != "require"]
            if parts[1] not in fields:
                raise SpecError(f"{where}: unknown field {parts[1]!r} in [{head}]; expected one of {', '.join(fields)}")
            self._record(key, section.get(parts[1]), value)
            section[parts[1]] = value
        else:
            raise SpecError(
                f"{where}: unknown key; use dose.<field>, rep.<field>, hold.<field>, bounce.<field>, "
                f"setup.hold_s, setup.require.<metric>.value, hold.require.<metric>.value or faults.<id>.<field>"
            )

    def _set_fault(self, parts: list[str], value: Any, where: str) -> None:
        faults: list[dict[str, Any]] = self.data["faults"]
        ids = [f["id"] for f in faults]
        if not parts or parts[0] not in ids:
            got = parts[0] if parts else ""
            raise SpecError(f"{where}: unknown fault {got!r}; faults of {self.spec.id!r}: {', '.join(ids) or '(none)'}")
        fault = faults[ids.index(parts[0])]
        key = "faults." + ".".join(parts)
        rest = parts[1:]
        if len(rest) == 3 and rest[0] == "when" and rest[2] == "value":
            cond = _condition(fault["when"], rest[1], where)
            self._record(key, cond["value"], value)
            cond["value"] = tuple(value) if isinstance(value, list) else value
            return
        if len(rest) != 1 or rest[0] not in _FAULT_FIELDS:
            raise SpecError(f"{where}: unknown fault setting; expected one of {', '.join(_FAULT_FIELDS)} or when.<metric>.value")
        field = rest[0]
        if field == "value":
            if len(fault["when"]) != 1:
                metrics = ", ".join(c["metric"] for c in fault["when"])
                raise SpecError(f"{where}: this fault has several conditions ({metrics}); use faults.{parts[0]}.when.<metric>.value")
            cond = fault["when"][0]
            self._record(key, cond["value"], value)
            cond["value"] = tuple(value) if isinstance(value, list) else value
        elif field == "enabled":
            if not isinstance(value, bool):
                raise SpecError(f"{where}: expected true or false [got {value!r}]")
            self._record(key, True, value)
            fault["_enabled"] = value
        else:
            if field not in Fault.model_fields:  # pragma: no cover - guarded by _FAULT_FIELDS
                raise SpecError(f"{where}: unknown fault field {field!r}")
            self._record(key, fault[field], value)
            fault[field] = value

    def result(self) -> dict[str, Any]:
        data = dict(self.data)
        data["faults"] = [{k: v for k, v in f.items() if k != "_enabled"} for f in data["faults"] if f.get("_enabled", True)]
        return data


def load_profile(path: Path | str, specs_folder: Path | None = None) -> dict[str, Any]:
    """Read and check a profile's layout (``posecoach.formats.profile.ProfileFile``; not yet
    against a spec's values); raises ``SpecError``."""
    path = Path(path)
    data = read_toml(path)
    validate(ProfileFile, data, path)
    known = exercise_ids(specs_folder)
    for ex_id in data.get("exercises", {}):
        if ex_id not in known:
            raise SpecError(f"{path}: exercises.{ex_id}: unknown exercise {ex_id!r}; valid ones: {', '.join(known)}")
    data["progression"] = dict(data["progression"]) if data.get("progression") is not None else None
    if "build_up" in data:  # result-based build-up rules (posecoach.progression): checked like the rest
        from posecoach.progression import rules_of

        rules_of(path)
    return data


def reps_today(full: int, progression: dict[str, Any], today: dt.date) -> tuple[int, int]:
    """(reps for today, week number from 0) under a build-up schedule, never above ``full``."""
    week = max(0, (today - progression["start_date"]).days // 7)
    return min(full, progression["start_reps"] + progression["add_per_week"] * week), week


def apply_profile(spec: Spec, profile_path: Path | str, *, today: dt.date | None = None,
                  specs_folder: Path | None = None) -> tuple[Spec, dict[str, Any]]:
    """The spec with the profile's changes for it, re-validated, and the limits for the report.

    ``limits`` is ``{"profile": path, "name": ..., "changes": [{"key", "from", "to"}, ...]}`` plus
    ``"progression"`` when a build-up schedule set today's reps.
    """
    path = Path(profile_path)
    data = load_profile(path, specs_folder)
    where = f"{path}: exercises.{spec.id}"
    editor = _Editor(spec, where)
    for key, value in _flatten(data.get("exercises", {}).get(spec.id, {})):
        editor.set(key, value)
    limits: dict[str, Any] = {"profile": str(path), "name": data.get("name", "")}
    for key in ("person", "therapist", "note"):
        if data.get(key):
            limits[key] = data[key]
    prog = data["progression"]
    new_data = editor.result()

    def validated() -> Spec:
        try:
            return parse_spec(new_data, f"{where} (adjusted spec)")
        except SpecError as exc:
            raise SpecError(f"{exc} (check the values this profile sets)") from None

    adjusted = validated()  # first: the build-up below reads the adjusted dose, so it must be valid
    if prog is not None and adjusted.dose.reps and adjusted.kind == "reps":
        full = adjusted.dose.reps
        reps, week = reps_today(full, prog, today or dt.date.today())
        if reps != full:
            editor.changes.append({"key": "dose.reps", "from": full, "to": reps, "why": f"build-up, week {week + 1}"})
            new_data["dose"]["reps"] = reps
            adjusted = validated()
        limits["progression"] = {"start_date": prog["start_date"].isoformat(), "start_reps": prog["start_reps"],
                                 "add_per_week": prog["add_per_week"], "week": week + 1, "full_reps": full, "reps_today": reps}
    limits["changes"] = editor.changes
    return adjusted, limits

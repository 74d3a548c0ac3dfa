"""Routines: 3-4 exercises in a row, each with its dose, run as one session.

A routine file (``exercise_specs/routines/*.toml``)::

    schema_version = 1
    name = "Gentle morning routine"
    note = "Not within 10 minutes of getting out of bed."

    [[steps]]
    exercise = "cat_cow"
    reps = 8                 # optional: the dose for this routine (else the spec's)

    [[steps]]
    exercise = "childs_pose"
    holds = 1
    hold_s = 20

``RoutineRunner`` has the interface of ``posecoach.app.pipeline.Analysis`` (``step_pose``, ``finish``,
``report``, ``.session``, ``.spec``, ``.limits``), with ``.session``/``.spec`` those of the current
exercise. Each exercise starts with its own setup phase (a fresh engine); the runner moves on when
the current exercise's dose is done, or on ``next()``. A pain stop ends the whole routine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.engine.session import Session
from posecoach.errors import SpecError
from posecoach.formats.errors import validate
from posecoach.formats.routine import RoutineFile
from posecoach.formats.report import ROUTINE_SCHEMA, RoutineReport, parse_report, sections
from posecoach.app.pipeline import Analysis, Step
from posecoach.report import lost_frames_lines, summary_text
from posecoach.spec.loader import find_spec, parse_spec, read_toml, specs_dir
from posecoach.spec.schema import Spec
from posecoach.types import PoseFrame

#: A hold counts towards the dose when it lasted at least this share of its target.
HOLD_DONE_SHARE = 0.9


@dataclass(frozen=True)
class Routine:
    """A validated routine: a name and its exercise specs, doses already applied."""

    name: str
    path: str
    specs: tuple[Spec, ...]
    note: str = ""


def routines_dir() -> Path:
    return specs_dir() / "routines"


def routine_ids(folder: Path | None = None) -> list[str]:
    folder = folder or routines_dir()
    return sorted(p.stem for p in folder.glob("*.toml"))


def _with_dose(spec: Spec, step: dict[str, Any], where: str) -> Spec:
    """The spec with the step's dose (reps, holds, hold_s) in place of its own."""
    changes = {k: step[k] for k in ("reps", "holds", "hold_s") if k in step}
    if not changes:
        return spec
    if "reps" in changes and spec.kind == "hold":
        raise SpecError(f"{where}.reps: {spec.id!r} is timed as holds; use holds and hold_s")
    if "holds" in changes and spec.kind == "reps":
        raise SpecError(f"{where}.holds: {spec.id!r} counts reps; use reps")
    data = spec.model_dump(mode="python")
    data["dose"].update(changes)
    if "hold_s" in changes:
        if data.get("hold") is not None:
            data["hold"]["target_s"] = changes["hold_s"]
        elif data.get("rep") is not None and data["rep"]["hold_s"] > 0:
            data["rep"]["hold_s"] = changes["hold_s"]
    return parse_spec(data, f"{where} (dose for {spec.id!r})")


def load_routine(name: str | Path) -> Routine:
    """A routine by name (``exercise_specs/routines/NAME.toml``) or by path; raises ``SpecError``."""
    text = str(name)
    path = Path(text) if text.endswith(".toml") or "/" in text else routines_dir() / f"{text}.toml"
    if not path.exists() and not text.endswith(".toml"):
        raise SpecError(f"unknown routine {text!r}; valid ones: {', '.join(routine_ids()) or '(none)'}")
    data = validate(RoutineFile, read_toml(path), path)
    specs: list[Spec] = []
    for i, step in enumerate(data.steps or ()):
        where = f"{path}: steps[{i}]"
        try:
            spec = find_spec(str(step.exercise))
        except SpecError as exc:
            raise SpecError(f"{where}.exercise: {exc}") from None
        specs.append(_with_dose(spec, step.dose(), where))
    return Routine(data.name or path.stem, str(path), tuple(specs), data.note)


def dose_done(spec: Spec, session: Session) -> bool:
    """Whether the set has done its dose (reps, or holds that reached most of their target)."""
    d = spec.dose
    if spec.kind == "reps":
        target = (d.reps or 0) * d.sets
        if not target:
            return False
        if d.per_side:
            return min(session.by_side.get("left", 0), session.by_side.get("right", 0)) >= target
        return session.count >= target
    target = (d.holds or 1) * d.sets
    goal = spec.hold_target_s or 0.0
    good = [h for h in session.holds if h.duration_s >= HOLD_DONE_SHARE * goal - 1e-9]
    if d.per_side:
        sides = [h.side for h in good]
        return min(sides.count("left"), sides.count("right")) >= target
    return len(good) >= target


class RoutineRunner:
    """Runs the exercises of a routine one after another over one stream of poses.

    ``make`` builds the engine for one exercise (default: ``Analysis(spec)``); the analyze command
    passes one that applies a personal profile. ``on_change(index, spec)`` is called whenever the
    current exercise changes (a live overlay rebuilds its drawing for the new spec there).
    """

    def __init__(self, routine: Routine, make: Callable[[Spec], Analysis] | None = None, *,
                 on_change: Callable[[int, Spec], None] | None = None) -> None:
        self.routine = routine
        self._make = make or (lambda spec: Analysis(spec))
        self.on_change = on_change
        self.done: list[Analysis] = []
        self.index = 0
        self.current: Analysis = self._make(routine.specs[0])
        #: True once the whole routine's dose is done, or after a pain stop.
        self.finished = False
        #: True on the step in which the runner moved to the next exercise.
        self.exercise_changed = False
        self._skipped_last = False

    # -- the Analysis interface ---------------------------------------------------------------
    @property
    def spec(self) -> Spec:
        return self.current.spec

    @property
    def session(self) -> Session:
        return self.current.session

    @property
    def limits(self) -> dict[str, Any] | None:
        return self.current.limits

    def step_pose(self, raw: PoseFrame) -> Step:
        """One frame for the current exercise; moves on once its dose is done."""
        self.exercise_changed = False
        step = self.current.step_pose(raw)
        if self.session.pain_stop_s is not None:
            self.finished = True
        elif not self.finished and dose_done(self.spec, self.session):
            self._advance(reason=None)
        return step

    def next(self) -> bool:
        """Skip to the next exercise now (the current one is recorded as skipped if unfinished).
        Returns False when there was no next exercise."""
        if self.finished:
            return False
        return self._advance(reason=None if dose_done(self.spec, self.session) else "skipped")

    def _advance(self, reason: str | None) -> bool:
        if self.index + 1 >= len(self.routine.specs):
            # the last exercise stays open (and keeps counting) until the stream ends: finish()
            self.finished = True
            self._skipped_last = reason == "skipped"
            return False
        self.current.finish(reason)
        self.done.append(self.current)
        self.index += 1
        self.current = self._make(self.routine.specs[self.index])
        self.exercise_changed = True
        if self.on_change is not None:
            self.on_change(self.index, self.spec)
        return True

    def finish(self, reason: str | None = None) -> None:
        """Close the current exercise (the routine ends here; the rest are reported not started)."""
        self.current.finish(reason or ("skipped" if self._skipped_last else None))
        self.finished = True

    def analyses(self) -> list[Analysis]:
        """The exercises started so far, in order (the current one last)."""
        return [*self.done, self.current]

    def report(self, source: dict[str, Any]) -> dict[str, Any]:
        """One report with a section per exercise (each a full exercise report)."""
        sections = [a.report(source) for a in self.analyses()]
        started = len(sections)
        not_started = [s.id for s in self.routine.specs[started:]]
        rep_rows = [{**r, "exercise": sec["exercise"]} for sec in sections for r in sec["rep_details"]]
        fault_rows = [{**f, "exercise": sec["exercise"]} for sec in sections for f in sec["faults"]]
        complete = not not_started and all(s["status"] == "complete" for s in sections)
        return {
            "schema": ROUTINE_SCHEMA,
            "schema_version": 1,
            "routine": self.routine.name,
            "routine_file": self.routine.path,
            "status": "complete" if complete else "partial",
            "exercises": sections,
            "not_started": not_started,
            "frames": sum(s["frames"] for s in sections),
            "frames_with_pose": sum(s["frames_with_pose"] for s in sections),
            "rep_details": rep_rows,
            "faults": fault_rows,
            "limits": self.current.limits or {"profile": None},
        }


def routine_summary_text(report: dict[str, Any] | RoutineReport) -> str:
    """The terminal summary of a routine report: one block per exercise."""
    rep = report if isinstance(report, RoutineReport) else RoutineReport.model_validate(report)
    lines = [f"Routine: {rep.routine} ({rep.status})"]
    for i, section in enumerate(rep.exercises, 1):
        lines.append(f"{i}. " + summary_text(section).replace("\n", "\n   "))
    for ex_id in rep.not_started:
        lines.append(f"   not started: {ex_id}")
    lines += lost_frames_lines(rep)
    return "\n".join(lines)


def any_summary_text(report: dict[str, Any]) -> str:
    """The terminal summary of an exercise report or of a routine report."""
    rep = parse_report(report)
    return routine_summary_text(rep) if isinstance(rep, RoutineReport) else summary_text(rep)


def current_section(report: dict[str, Any]) -> dict[str, Any]:
    """The exercise report a routine ended in (its stop and pain stop), or the report itself."""
    return report["exercises"][-1] if report.get("schema") == ROUTINE_SCHEMA else report


def total_reps(report: dict[str, Any]) -> int:
    return sum(s.reps for s in sections(parse_report(report)))

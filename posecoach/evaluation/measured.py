"""How well each rule was measured to work: the per-rule figures of ``posecoach eval``, kept in
``exercise_specs/measured.json`` and quoted by ``posecoach exercises show``.

A person deciding whether to trust a warning needs to know how often that warning is wrong and
how often it catches the fault, and on what evidence: a figure on the clips the thresholds were
tuned on says much less than one on clips nobody tuned on. So every figure in the file belongs to
a named *label set* that says which clips it came from and whether they were held out, together
with the date, the command that produced it and the clips and minutes behind it. The file is
written only by ``posecoach eval MANIFEST --measured FILE --label-set ID``, one label set at a
time (a run replaces that set's figures and keeps the others); it is never edited by hand.

Each set also records a digest of every spec it ran, so ``exercises show`` can say when a spec
has changed since its figures were measured.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from posecoach import jsonio
from posecoach.errors import SpecError
from posecoach.evaluation.rules import SEVERITIES, TARGET_SEVERITIES, UNGRADED, spec_rules
from posecoach.evaluation.score import ClipScore
from posecoach.formats.errors import validate
from posecoach.spec.loader import specs_dir
from posecoach.spec.schema import Spec

FILE_NAME = "measured.json"
SCHEMA = "posecoach.measured"


@dataclass(frozen=True)
class LabelSet:
    """A kind of labelled clips figures can come from, as ``exercises show`` names it."""

    description: str
    noun: str  #: one clip of the set, e.g. "real clip"
    held_out: bool  #: True only for clips never used to choose a spec value or threshold
    qualifier: str | None = None  #: said beside every figure from a set that is not held out


LABEL_SETS: dict[str, LabelSet] = {
    "synthetic_test": LabelSet("synthetic test split (seeds of the [test] list in posecoach/synth/splits.toml)",
                               "synthetic test clip", held_out=True),
    "real_tracks": LabelSet("real tracks (../shared/real/tracks: other people, seen by the team, not held out)",
                            "real track", held_out=False, qualifier="not held out"),
    "real_clips": LabelSet("real clips (../shared/real, tuning/regression set)", "real clip", held_out=False,
                           qualifier="tuning/regression set"),
    "synthetic_tuning": LabelSet("synthetic tuning split (seeds of the [tuning] list in posecoach/synth/splits.toml)",
                                 "synthetic tuning clip", held_out=False, qualifier="tuning"),
    "samples": LabelSet("sample clips (sample_videos, tuning)", "sample clip", held_out=False, qualifier="tuning"),
}
SetId = Literal["synthetic_test", "real_tracks", "real_clips", "synthetic_tuning", "samples"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Grade(_Model):
    found: int = Field(ge=0)
    labels: int = Field(ge=0)
    clips: int = Field(ge=0)
    recall: float | None = Field(ge=0, le=1)


class RuleFigures(_Model):
    """One rule's figures on one label set (the fields of ``summary.rules`` in eval's JSON)."""

    exercise: str
    fault: str
    built_in: bool
    scored_clips: int = Field(ge=0)
    scored_minutes: float = Field(ge=0)
    false_alarms: int = Field(ge=0)
    correct_clips: int = Field(ge=0)
    correct_minutes: float = Field(ge=0)
    false_alarms_per_min: float | None = Field(ge=0)
    faults_labelled: int = Field(ge=0)
    faults_found: int = Field(ge=0)
    fault_clips: int = Field(ge=0)
    recall: float | None = Field(ge=0, le=1)
    recall_by_severity: dict[str, Grade]
    recall_moderate_clear: Grade | None
    reported_unscored: int = Field(ge=0)
    unscored_clips: int = Field(ge=0)


class SetFigures(_Model):
    """The figures of one run of ``posecoach eval`` on one label set."""

    id: SetId
    description: str
    held_out: bool
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")  #: UTC date of the run
    command: str
    clips: int = Field(ge=0)  #: clips analysed
    minutes: float = Field(ge=0)  #: their total length
    #: sha256 of each spec file the figures were measured with, by exercise id
    specs: dict[str, str]
    #: labelled or reported fault ids that are no rule of their exercise's spec ("exercise/fault")
    labels_without_rule: list[str]
    rules: list[RuleFigures]


class MeasuredFile(_Model):
    schema_: Literal["posecoach.measured"] = Field(alias="schema")
    schema_version: Literal[1]
    about: str
    sets: list[SetFigures]


ABOUT = ("Per-rule figures of posecoach eval, one entry per label set; written by "
         "'posecoach eval MANIFEST --measured FILE --label-set ID' and read by 'posecoach exercises show'. "
         "Do not edit by hand: re-run the command recorded with each set.")


def measured_path(folder: Path | None = None) -> Path:
    """Where the measurements of the exercise library at ``folder`` (default: the shipped one) live."""
    return (folder or specs_dir()) / FILE_NAME


def spec_digest(path: Path) -> str:
    """The sha256 of a spec file's bytes: any edit to the spec makes its figures stale."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_measured(path: Path) -> MeasuredFile | None:
    """The measurements file at ``path``, validated; None when there is none."""
    if not path.is_file():
        return None
    return validate(MeasuredFile, jsonio.read_json(path, SpecError), path, SpecError)


def set_figures(set_id: str, scores: Sequence[ClipScore], summary: dict[str, Any], *, command: str,
                specs_folder: Path, date: str | None = None) -> SetFigures:
    """The entry of one label set from an eval run: its rules that are rules of the specs, the
    clips and minutes analysed, and the digest of each spec that ran."""
    if set_id not in LABEL_SETS:
        raise SpecError(f"unknown label set {set_id!r}; expected one of {', '.join(LABEL_SETS)}")
    ran = [s for s in scores if s.status == "ok"]
    exercises = sorted({s.label.exercise for s in ran})
    rules = [r for r in summary["rules"] if r["in_spec"]]
    strays = sorted({f"{r['exercise']}/{r['fault']}" for r in summary["rules"] if not r["in_spec"]})
    kept = {k for k in RuleFigures.model_fields}
    return SetFigures(
        id=set_id,  # type: ignore[arg-type]  # checked against LABEL_SETS above
        description=LABEL_SETS[set_id].description, held_out=LABEL_SETS[set_id].held_out,
        date=date or datetime.now(UTC).date().isoformat(), command=command, clips=len(ran),
        minutes=round(sum(s.duration_s for s in ran) / 60.0, 3),
        specs={ex: spec_digest(specs_folder / f"{ex}.toml") for ex in exercises},
        labels_without_rule=strays,
        rules=[RuleFigures.model_validate({k: _round(v) for k, v in r.items() if k in kept}) for r in rules],
    )


def _round(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 4)
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    return v


def write_measured(path: Path, entry: SetFigures) -> MeasuredFile:
    """Put ``entry`` into the file at ``path`` in place of that set's earlier figures (the
    other sets are kept), in the order of ``LABEL_SETS``."""
    old = load_measured(path)
    sets = [s for s in (old.sets if old else []) if s.id != entry.id] + [entry]
    order = list(LABEL_SETS)
    doc = MeasuredFile.model_validate({"schema": SCHEMA, "schema_version": 1, "about": ABOUT,
                                       "sets": sorted(sets, key=lambda s: order.index(s.id))})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(jsonio.dumps(doc.model_dump(mode="json", by_alias=True), indent=1) + "\n", encoding="utf-8")
    return doc


# -- what exercises show says -------------------------------------------------------------------
def _rate(x: float) -> str:
    return "0" if x == 0 else f"{x:.2f}" if x < 0.1 else f"{x:.1f}"


def _clips(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _recall(r: RuleFigures, noun: str) -> str | None:
    if r.recall_moderate_clear is not None and r.recall_moderate_clear.recall is not None:
        g, grades = r.recall_moderate_clear, "+".join(TARGET_SEVERITIES)
    elif r.faults_labelled:
        g = Grade(found=r.faults_found, labels=r.faults_labelled, clips=r.fault_clips, recall=r.recall)
        grades = "+".join(s for s in (*SEVERITIES, UNGRADED) if s in r.recall_by_severity)
    else:
        return None
    assert g.recall is not None
    faults = f"{g.labels} fault{'' if g.labels == 1 else 's'}"
    return f"recall {100 * g.recall:.0f}% ({grades}, {faults}) on {_clips(g.clips, noun)}"


def set_phrase(r: RuleFigures, label_set: LabelSet, *, stale: bool = False) -> str | None:
    """What one label set says about one rule, e.g. ``"0.2 false alarms a minute on 9 real clips
    (12.5 min; tuning/regression set)"``; None when the set has nothing on the rule."""
    parts = []
    if r.correct_clips and r.false_alarms_per_min is not None:
        parts.append(f"{_rate(r.false_alarms_per_min)} false alarms a minute on "
                     f"{_clips(r.correct_clips, label_set.noun)} ({r.correct_minutes:.1f} min)")
    recall = _recall(r, label_set.noun)
    if recall:
        parts.append(recall)
    if not parts and r.reported_unscored:
        times = f"{r.reported_unscored} time{'' if r.reported_unscored == 1 else 's'}"
        parts.append(f"raised {times} on {_clips(r.unscored_clips, label_set.noun)} whose faults are not "
                     f"labelled (not scored)")
    if not parts:
        return None
    notes = [n for n in (label_set.qualifier, "measured on an earlier version of this spec" if stale else None) if n]
    return ", ".join(parts) + (f" [{'; '.join(notes)}]" if notes else "")


def rule_line(spec: Spec, fault: str, measured: MeasuredFile | None, digest: str | None) -> str:
    """The figures of one rule over every label set, held-out sets first; "not measured yet"
    when no set scored it."""
    phrases = []
    scored = False
    for entry in measured.sets if measured else []:
        for r in entry.rules:
            if r.exercise == spec.id and r.fault == fault:
                phrase = set_phrase(r, LABEL_SETS[entry.id], stale=digest is not None
                                    and entry.specs.get(spec.id) not in (None, digest))
                if phrase:
                    phrases.append(phrase)
                    scored = scored or bool(r.correct_clips or r.faults_labelled)
    if not scored:
        phrases.insert(0, "not measured yet")
    return "; ".join(phrases)


def measured_lines(spec: Spec, folder: Path | None = None) -> list[str]:
    """The block of ``posecoach exercises show`` that says how well each of the exercise's rules
    was measured to work, and on what."""
    path = measured_path(folder)
    measured = load_measured(path)
    spec_file = (folder or specs_dir()) / f"{spec.id}.toml"
    digest = spec_digest(spec_file) if spec_file.is_file() else None
    lines = [f"How well each rule was measured (from {path.name}; figures on tuning data are marked so):"]
    for fault in spec_rules(spec):
        lines.append(f"  - {fault}: {rule_line(spec, fault, measured, digest)}")
    return lines

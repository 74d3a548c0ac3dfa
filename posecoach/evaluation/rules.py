"""Per-rule figures of ``posecoach eval``: how often each form rule warns wrongly, and how many of
the labelled faults it finds, per exercise and fault id.

A totals line hides which rule is at fault: one rule that fires on every breath drowns the others'
figures. So each rule (an exercise's own faults and the built-in ``too_fast``, ``short_hold`` and
``bouncing``) gets its own row, with the clips and minutes behind every figure, since a rate over
half a minute of video says far less than one over an hour.

Definitions (also in ``RULE_DEFINITIONS``, written into the JSON output):

- Only analysed clips of the rule's exercise whose ``faults`` are labelled are scored; on the
  others the rule's reports are counted as *unscored* (they cannot be called right or wrong).
- **False alarm**: a report of the rule that overlaps no expected fault of its id (the labelled
  ones, and the ``short_hold`` the hold labels imply). **Correct movement** for a rule is the time
  of a scored clip not covered by its expected faults of that id; false alarms per minute divides
  the false alarms by those minutes.
- **Recall**: expected faults of the rule overlapped by one of its reports / expected faults, in
  total and per severity (``mild``, ``moderate``, ``clear``; ``ungraded`` where the label has no
  grade), with the number of clips those labels are on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from posecoach.spec.schema import BUILT_IN_FAULTS, Spec

if TYPE_CHECKING:  # score.py builds its summary with this module
    from posecoach.evaluation.score import ClipScore

SEVERITIES = ("mild", "moderate", "clear")
UNGRADED = "ungraded"
#: the grades the targets are set on (a mild fault is allowed to go unnoticed more often)
TARGET_SEVERITIES = ("moderate", "clear")

RULE_DEFINITIONS = {
    "rules": "per exercise and fault id (the spec's faults and the built-in too_fast, short_hold, bouncing), "
             "over analysed clips of that exercise",
    "false_alarms": "reports of the rule overlapping no expected fault of its id, on clips whose faults are labelled",
    "correct_minutes": "minutes of those clips not covered by an expected fault of the rule's id",
    "false_alarms_per_min": "false_alarms / correct_minutes",
    "recall": "expected faults of the rule overlapped by one of its reports / expected faults",
    "recall_by_severity": "recall over the expected faults of each grade (ungraded: labels without a grade), "
                          "with the clips they are on",
    "recall_moderate_clear": "recall over the moderate and clear faults together (the grades the targets name)",
    "reported_unscored": "reports of the rule on clips whose faults are not labelled (neither right nor wrong)",
    "in_spec": "false for a fault id that is labelled or reported but is no rule of the exercise's spec",
}


def spec_rules(spec: Spec) -> tuple[str, ...]:
    """The rules a spec judges: its own faults, then the built-in rules it switches on."""
    return (*(f.id for f in spec.faults), *spec.built_in_faults)


@dataclass
class _Grade:
    found: int = 0
    labels: int = 0
    clips: set[int] = field(default_factory=set)

    def add(self, found: bool, clip: int) -> None:
        self.found += int(found)
        self.labels += 1
        self.clips.add(clip)

    def as_json(self) -> dict[str, Any]:
        return {"found": self.found, "labels": self.labels, "clips": len(self.clips),
                "recall": self.found / self.labels if self.labels else None}


@dataclass
class _Rule:
    exercise: str
    fault: str
    in_spec: bool = False
    scored_clips: int = 0
    scored_s: float = 0.0
    correct_clips: int = 0
    correct_s: float = 0.0
    false_alarms: int = 0
    grades: dict[str, _Grade] = field(default_factory=dict)
    reported_unscored: int = 0
    unscored_clips: int = 0

    def grade(self, severity: str | None) -> _Grade:
        return self.grades.setdefault(severity or UNGRADED, _Grade())

    def as_json(self) -> dict[str, Any]:
        total, target = _Grade(), _Grade()
        for sev, g in self.grades.items():
            for into in (total, target) if sev in TARGET_SEVERITIES else (total,):
                into.found += g.found
                into.labels += g.labels
                into.clips |= g.clips
        order = {s: i for i, s in enumerate((*SEVERITIES, UNGRADED))}
        minutes = self.correct_s / 60.0
        return {
            "exercise": self.exercise, "fault": self.fault, "built_in": self.fault in BUILT_IN_FAULTS,
            "in_spec": self.in_spec,
            "scored_clips": self.scored_clips, "scored_minutes": self.scored_s / 60.0,
            "false_alarms": self.false_alarms, "correct_clips": self.correct_clips, "correct_minutes": minutes,
            "false_alarms_per_min": self.false_alarms / minutes if minutes > 0 else None,
            "faults_labelled": total.labels, "faults_found": total.found, "fault_clips": len(total.clips),
            "recall": total.as_json()["recall"],
            "recall_by_severity": {sev: g.as_json() for sev, g in sorted(self.grades.items(),
                                                                         key=lambda kv: order.get(kv[0], 99))},
            "recall_moderate_clear": target.as_json() if target.labels else None,
            "reported_unscored": self.reported_unscored, "unscored_clips": self.unscored_clips,
        }


def rule_summary(scores: Sequence[ClipScore]) -> list[dict[str, Any]]:
    """One row per (exercise, fault id) seen in the analysed clips: every rule of their specs, and
    any fault id labelled or reported that is not one (``in_spec`` false), sorted by exercise and
    then in the spec's order. See the module docstring for the definitions."""
    rows: dict[tuple[str, str], _Rule] = {}

    def rule(exercise: str, fault: str) -> _Rule:
        return rows.setdefault((exercise, fault), _Rule(exercise, fault))

    order: dict[tuple[str, str], int] = {}
    for i, s in enumerate(scores):
        if s.status != "ok":
            continue
        ex = s.label.exercise
        for n, fault in enumerate(s.rules):
            rule(ex, fault).in_spec = True
            order.setdefault((ex, fault), n)
        ids = _ids(s)
        if not s.faults_scored:
            for fault in ids:
                r = rule(ex, fault)
                hits = s.faults_reported.count(fault)
                r.reported_unscored += hits
                r.unscored_clips += int(hits > 0)
            continue
        for fault in ids:
            r = rule(ex, fault)
            r.scored_clips += 1
            r.scored_s += s.duration_s
            free_s = max(0.0, s.duration_s - s.fault_time_s.get(fault, 0.0))
            r.correct_s += free_s
            r.correct_clips += int(free_s > 0)
            r.false_alarms += s.false_alarms.count(fault)
        for fault, severity, found in s.fault_outcomes:
            rule(ex, fault).grade(severity).add(found, i)
    keys = sorted(rows, key=lambda k: (k[0], order.get(k, len(order) + 1), k[1]))
    return [rows[k].as_json() for k in keys]


def _ids(s: ClipScore) -> list[str]:
    """The fault ids a clip is scored on: its spec's rules, then any labelled or reported others."""
    seen = dict.fromkeys(s.rules)
    seen.update(dict.fromkeys(f for f, _, _ in s.fault_outcomes))
    seen.update(dict.fromkeys(s.faults_reported))
    return list(seen)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _grade_cell(g: dict[str, Any] | None) -> str:
    if not g:
        return "-"
    return f"{g['found']}/{g['labels']} ({_pct(g['recall'])})"


def rule_rows(rules: Iterable[dict[str, Any]]) -> list[list[str]]:
    """The per-rule table's rows: exercise, rule, false alarms a minute and over what, recall in
    total and per grade and over what, and the reports on clips whose faults are not labelled."""
    out = []
    for r in rules:
        name = r["fault"] + ("" if r["in_spec"] else " (not a rule of the spec)")
        fa = "-" if r["false_alarms_per_min"] is None else f"{r['false_alarms_per_min']:.2f}"
        over_fa = (f"{r['false_alarms']} in {r['correct_minutes']:.1f} min of {r['correct_clips']} clips"
                   if r["scored_clips"] else "no clip with fault labels")
        sev = r["recall_by_severity"]
        over_recall = f"{r['faults_labelled']} faults on {r['fault_clips']} clips" if r["faults_labelled"] else "-"
        unscored = f"{r['reported_unscored']} on {r['unscored_clips']} clips" if r["reported_unscored"] else "-"
        out.append([r["exercise"], name, fa, over_fa, _pct(r["recall"]),
                    *(_grade_cell(sev.get(g)) for g in (*SEVERITIES, UNGRADED)), over_recall, unscored])
    return out


RULE_COLUMNS = ["exercise", "rule", "false alarms / min", "over (correct movement)", "recall",
                *SEVERITIES, UNGRADED, "over (labelled faults)", "reports on unlabelled clips"]

"""Build-up from results: today's dose follows what the past sessions showed, not only the date.

A profile's ``[build_up.<exercise>]`` table holds the rule, validated like a spec (unknown keys
and out-of-range values are one-line errors naming the file and the key)::

    [build_up.back_extension]
    start_reps = 5            # the first session's dose
    max_reps = 10             # never above this (default: the spec's, or the profile's, dose)
    add_reps = 1              # step up by this ...
    after_sessions = 3        # ... after this many qualifying sessions in a row
    max_pain = 2              # a session qualifies with a pain rating at or under this (unrated: see below)
    require_pain_rating = false
    without_faults = ["hips_lifted"]   # ... and none of these faults
    on_pain_stop = "step_down"         # or "hold": after a pain stop, go down a step (or stay)
    min_reps = 3              # never below this when stepping down

A qualifying session is complete (every prescribed rep done), has no pain stop, a pain rating at
or under ``max_pain`` and none of ``without_faults``. The rule replays the person's history of
that exercise from the first session, so the same history always gives the same dose and the
reason can be said in one line ("today: 6 reps, up from 5: 3 sessions in a row ...").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from posecoach.errors import SpecError


class BuildUpRule(BaseModel):
    """One exercise's result-based build-up (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_reps: int = Field(ge=1, le=100)
    max_reps: int | None = Field(default=None, ge=1, le=100)
    add_reps: int = Field(default=1, ge=1, le=20)
    after_sessions: int = Field(default=3, ge=1, le=30)
    max_pain: int = Field(default=3, ge=0, le=10)
    require_pain_rating: bool = False
    without_faults: tuple[str, ...] = ()
    on_pain_stop: Literal["step_down", "hold"] = "step_down"
    min_reps: int = Field(default=1, ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> BuildUpRule:
        if self.max_reps is not None and self.start_reps > self.max_reps:
            raise ValueError(f"start_reps ({self.start_reps}) is above max_reps ({self.max_reps})")
        if self.min_reps > self.start_reps:
            raise ValueError(f"min_reps ({self.min_reps}) is above start_reps ({self.start_reps})")
        return self


def parse_build_up(table: Any, where: str, *, known_faults: dict[str, list[str]] | None = None) -> dict[str, BuildUpRule]:
    """``[build_up]`` of a profile as rules per exercise id; raises ``SpecError`` with one line.
    ``known_faults`` (exercise id -> its fault ids) checks ``without_faults`` names."""
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise SpecError(f"{where}: build_up: expected tables such as [build_up.back_extension]")
    rules: dict[str, BuildUpRule] = {}
    for ex_id, body in table.items():
        key = f"{where}: build_up.{ex_id}"
        if not isinstance(body, dict):
            raise SpecError(f"{key}: expected a table with start_reps = N and the rule's settings")
        try:
            rule = BuildUpRule.model_validate(body)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            got = f" [got {err['input']!r}]" if err["type"] != "missing" and loc else ""
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown key; expected one of {', '.join(BuildUpRule.model_fields)}"
                got = ""
            raise SpecError(f"{key}{'.' + loc if loc else ''}: {msg}{got}") from None
        if known_faults is not None:
            if ex_id not in known_faults:
                raise SpecError(f"{key}: unknown exercise {ex_id!r}")
            for f in rule.without_faults:
                if f not in known_faults[ex_id]:
                    raise SpecError(f"{key}.without_faults: unknown fault {f!r}; faults of {ex_id!r}: "
                                    f"{', '.join(known_faults[ex_id]) or '(none)'}")
        rules[ex_id] = rule
    return rules


@dataclass(frozen=True)
class Decision:
    """Today's dose and why."""

    reps: int
    previous: int | None  #: the dose of the last session under the rule (None: the first session)
    reason: str
    streak: int  #: qualifying sessions in a row at the current dose

    def line(self) -> str:
        """What the person sees before the set: ``today: 6 reps, up from 5 (...)``."""
        if self.previous is None:
            change = "the starting dose"
        elif self.reps > self.previous:
            change = f"up from {self.previous}"
        elif self.reps < self.previous:
            change = f"down from {self.previous}"
        else:
            change = "same as last time"
        return f"today: {self.reps} reps, {change} ({self.reason})"


def _qualifies(rule: BuildUpRule, s: dict[str, Any], dose: int) -> tuple[bool, str]:
    if s.get("pain_stop"):
        return False, "a pain stop"
    if (s.get("done") or 0) < dose:
        return False, f"{s.get('done') or 0} of {dose} reps done"
    rating = s.get("pain_rating")
    if rating is None and rule.require_pain_rating:
        return False, "no pain rating"
    if rating is not None and rating > rule.max_pain:
        return False, f"pain {rating}/10, above {rule.max_pain}"
    bad = sorted(set(s.get("faults") or []) & set(rule.without_faults))
    if bad:
        return False, f"fault {', '.join(bad)}"
    return True, ""


def decide(rule: BuildUpRule, history: list[dict[str, Any]], *, full_reps: int) -> Decision:
    """Today's dose from the exercise's past sessions (oldest first; each a dict with ``done``,
    ``pain_stop``, ``pain_rating``, ``faults``, ``date``; see ``posecoach.history.summary_dict``).
    ``full_reps`` is the dose the spec (or profile) prescribes: the ceiling unless ``max_reps``."""
    ceiling = rule.max_reps or full_reps
    dose = min(rule.start_reps, ceiling)
    previous: int | None = None
    streak = 0
    reason = f"start at {dose}, building up to {ceiling}"
    for s in history:
        previous = dose
        ok, why = _qualifies(rule, s, dose)
        date = s.get("date", "?")
        if s.get("pain_stop"):
            streak = 0
            if rule.on_pain_stop == "step_down":
                dose = max(rule.min_reps, dose - rule.add_reps)
                reason = f"held back after a pain stop on {date}"
            else:
                reason = f"kept after a pain stop on {date}"
        elif ok:
            streak += 1
            if streak >= rule.after_sessions and dose < ceiling:
                dose = min(ceiling, dose + rule.add_reps)
                reason = (f"{streak} sessions in a row complete without a pain stop, pain at or under "
                          f"{rule.max_pain}" + (f", without {', '.join(rule.without_faults)}" if rule.without_faults else ""))
                streak = 0
            elif dose >= ceiling:
                reason = f"at the full dose of {ceiling}"
            else:
                reason = f"{streak} of {rule.after_sessions} qualifying sessions in a row"
        else:
            streak = 0
            reason = f"the last session did not qualify ({why}) on {date}"
    return Decision(dose, previous, reason, streak)


def rules_of(profile_path: Path | str) -> dict[str, BuildUpRule]:
    """The build-up rules of a profile file (empty when it has none)."""
    from posecoach.spec.loader import exercise_ids, find_spec, read_toml

    path = Path(profile_path)
    data = read_toml(path)
    table = data.get("build_up")
    if table is None:
        return {}
    ids = set(exercise_ids())
    known = {ex: [f.id for f in find_spec(ex).faults] for ex in (table if isinstance(table, dict) else {}) if ex in ids}
    for ex in table if isinstance(table, dict) else {}:
        if ex not in ids:
            raise SpecError(f"{path}: build_up.{ex}: unknown exercise {ex!r}; valid ones: {', '.join(sorted(ids))}")
    return parse_build_up(table, str(path), known_faults=known)

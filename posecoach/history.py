"""A person's sessions over time, for the terminal and as a spreadsheet.

One ``SetSummary`` per exercise set (a routine session has one per exercise): dose prescribed and
done, range of motion (median and best rep), holds, faults, pain. ``trends`` groups them per
exercise, oldest first, which is what "is it getting better" is read from.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from posecoach.report import format_amount
from posecoach.store.db import SessionStore


@dataclass
class SetSummary:
    session_id: int
    person: str
    started_at: str
    routine: str | None
    exercise: str
    exercise_name: str
    prescribed: int | None  #: reps (or holds) prescribed
    done: int
    unit_word: str  #: "reps" or "holds"
    metric: str | None
    metric_unit: str | None
    rom_median: float | None
    rom_best: float | None
    hold_median_s: float | None
    hold_best_s: float | None
    hold_target_s: float | None
    faults: Counter = field(default_factory=Counter)
    pain_rating: int | None = None
    pain_stop_t_s: float | None = None
    pain_stop_phase: str | None = None
    pain_stop_metric: float | None = None
    status: str = ""
    stop_reason: str | None = None
    dose_note: str | None = None
    roms: list[float] = field(default_factory=list)

    @property
    def local_time(self) -> str:
        """When, in this computer's time zone (the store keeps UTC), as ``YYYY-MM-DD HH:MM``."""
        return local(self.started_at).strftime("%Y-%m-%d %H:%M")

    @property
    def day(self) -> str:
        """The calendar day of the session, in this computer's time zone."""
        return local(self.started_at).date().isoformat()

    @property
    def fault_count(self) -> int:
        return sum(self.faults.values())


def local(iso: str) -> datetime:
    """An ISO time from the store in this computer's time zone (a time without a zone is UTC)."""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone()


def load_sets(store: SessionStore, *, person: str | None = None, exercise: str | None = None,
              since: date | str | None = None) -> list[SetSummary]:
    """Every set of the matching sessions, oldest first. ``since`` is a local calendar day."""
    since_s = since.isoformat() if isinstance(since, date) else since
    out: list[SetSummary] = []
    for s in store.sessions(person=person, exercise=exercise):
        if since_s is not None and local(s["started_at"]).date().isoformat() < since_s:
            continue
        keys = s.keys()
        for row in store.sets(s["id"]):
            if exercise is not None and row["exercise"] != exercise:
                continue
            reps = store.rows("reps", row["id"])
            holds = store.rows("holds", row["id"])
            faults = store.rows("faults", row["id"])
            roms = [r["range_of_motion"] for r in reps if r["range_of_motion"] is not None]
            hold_s = [h["duration_s"] for h in holds if h["duration_s"] is not None]
            by_reps = row["prescribed_reps"] is not None or (bool(reps) and row["prescribed_holds"] is None)
            rkeys = row.keys()
            out.append(SetSummary(
                session_id=s["id"], person=s["person"], started_at=s["started_at"], routine=s["routine"],
                exercise=row["exercise"], exercise_name=row["exercise_name"],
                prescribed=row["prescribed_reps"] if by_reps else row["prescribed_holds"],
                done=row["reps_done"] if by_reps else row["holds_done"], unit_word="reps" if by_reps else "holds",
                metric=row["metric"], metric_unit=row["metric_unit"],
                rom_median=statistics.median(roms) if roms else None, rom_best=max(roms) if roms else None,
                hold_median_s=statistics.median(hold_s) if hold_s else None, hold_best_s=max(hold_s) if hold_s else None,
                hold_target_s=row["hold_target_s"], faults=Counter(f["fault_id"] for f in faults),
                pain_rating=s["pain_rating"] if "pain_rating" in keys else None,
                pain_stop_t_s=row["pain_stop_t_s"],
                pain_stop_phase=row["pain_stop_phase"] if "pain_stop_phase" in rkeys else None,
                pain_stop_metric=row["pain_stop_metric"] if "pain_stop_metric" in rkeys else None,
                status=row["status"], stop_reason=row["stop_reason"],
                dose_note=row["dose_note"] if "dose_note" in rkeys else None, roms=roms))
    return out


def trends(sets: list[SetSummary]) -> dict[str, list[SetSummary]]:
    """The sets grouped per exercise (in order of first appearance), each oldest first."""
    groups: dict[str, list[SetSummary]] = {}
    for s in sets:
        groups.setdefault(s.exercise, []).append(s)
    return groups


def comparable_ranges(group: list[SetSummary]) -> tuple[str | None, list[float | None], list[float | None], int]:
    """For a trend over one exercise's sets (oldest first): the unit of the newest set that has
    one, each set's range median and best in that unit, and how many sets were measured in
    another unit (a spec whose measure changed since, such as a shift now measured in shoulder
    widths where it was in hip widths): their ranges are left out (None), as they cannot be
    drawn on the same axis."""
    unit = next((s.metric_unit for s in reversed(group) if s.metric_unit), None)
    same = [s.metric_unit in (unit, None) for s in group]
    medians = [s.rom_median if ok else None for s, ok in zip(group, same, strict=True)]
    bests = [s.rom_best if ok else None for s, ok in zip(group, same, strict=True)]
    return unit, medians, bests, same.count(False)


def _amount(v: float | None, unit: str | None) -> str:
    return "-" if v is None else format_amount(v, unit or "deg")


def _pain(s: SetSummary) -> str:
    parts = []
    if s.pain_stop_t_s is not None:
        where = f", {s.pain_stop_phase}" if s.pain_stop_phase else ""
        parts.append(f"PAIN STOP at {s.pain_stop_t_s:.1f} s{where}")
    if s.pain_rating is not None:
        parts.append(f"pain {s.pain_rating}/10")
    return "; ".join(parts) or "pain not rated"


def session_line(s: SetSummary) -> str:
    """One line per set: when, who, what, how many of how many, how far, faults, pain."""
    dose = f"{s.done}/{s.prescribed} {s.unit_word}" if s.prescribed else f"{s.done} {s.unit_word}"
    rom = f"  range median {_amount(s.rom_median, s.metric_unit)}, best {_amount(s.rom_best, s.metric_unit)}" if s.roms else ""
    target = f" of {s.hold_target_s:g} s" if s.hold_target_s else ""
    hold = f"  hold best {s.hold_best_s:.1f} s{target}" if s.hold_best_s is not None else ""
    faults = ", ".join(f"{k} x{v}" for k, v in s.faults.most_common()) or "no faults"
    routine = f" [{s.routine}]" if s.routine else ""
    status = "" if s.status == "complete" else (" (not started)" if s.status == "not started"
                                                 else f" ({s.status}: {s.stop_reason})")
    return (f"#{s.session_id:<4} {s.local_time}  {s.person:<10} {s.exercise}{routine}: "
            f"{dose}{status}{rom}{hold}  {faults}  {_pain(s)}")


def _arrow(first: float | None, last: float | None) -> str:
    if first is None or last is None:
        return ""
    return "up" if last > first else "down" if last < first else "same"


def trend_text(exercise: str, sets: list[SetSummary]) -> str:
    """Per exercise: one row per session, then how the first and last compare."""
    unit = next((s.metric_unit for s in sets if s.metric_unit), None)
    lines = [f"{sets[0].exercise_name} ({exercise}): {len(sets)} session(s) on {len({s.day for s in sets})} day(s)"]
    lines.append(f"  {'date':<11}{'done/prescribed':<17}{'range median':<16}{'range best':<16}"
                 f"{'hold best':<11}{'faults':<8}pain")
    for s in sets:
        dose = f"{s.done}/{s.prescribed if s.prescribed is not None else '?'}"
        hold = f"{s.hold_best_s:.1f} s" if s.hold_best_s is not None else "-"
        pain = (f"{s.pain_rating}/10" if s.pain_rating is not None else "-") + (" STOP" if s.pain_stop_t_s is not None else "")
        lines.append(f"  {s.day:<11}{dose:<17}{_amount(s.rom_median, unit):<16}{_amount(s.rom_best, unit):<16}"
                     f"{hold:<11}{s.fault_count:<8}{pain}")
    if len(sets) >= 2:
        first, last = sets[0], sets[-1]
        bits = [f"reps {first.done} -> {last.done}"]
        if first.rom_median is not None and last.rom_median is not None:
            bits.append(f"range median {_amount(first.rom_median, unit)} -> {_amount(last.rom_median, unit)} "
                        f"({_arrow(first.rom_median, last.rom_median)})")
        bits.append(f"faults {first.fault_count} -> {last.fault_count}")
        stops = sum(1 for s in sets if s.pain_stop_t_s is not None)
        bits.append(f"{stops} pain stop(s)")
        lines.append("  first to last: " + ", ".join(bits))
    return "\n".join(lines)


CSV_COLUMNS = ("session", "date_time", "person", "routine", "exercise", "exercise_name", "prescribed", "done",
               "unit", "status", "stop_reason", "metric", "metric_unit", "range_median", "range_best",
               "hold_median_s", "hold_best_s", "hold_target_s", "fault_count", "faults", "pain_rating",
               "pain_stop_s", "pain_stop_phase", "pain_stop_metric", "dose_note")


def to_csv(sets: list[SetSummary]) -> str:
    """The history as a spreadsheet: one row per set, units in their own columns."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    r2 = lambda v: "" if v is None else round(float(v), 2)  # noqa: E731
    for s in sets:
        w.writerow([s.session_id, s.started_at, s.person, s.routine or "", s.exercise, s.exercise_name,
                    "" if s.prescribed is None else s.prescribed, s.done, s.unit_word, s.status, s.stop_reason or "",
                    s.metric or "", s.metric_unit or "", r2(s.rom_median), r2(s.rom_best), r2(s.hold_median_s),
                    r2(s.hold_best_s), r2(s.hold_target_s), s.fault_count,
                    ";".join(f"{k}:{v}" for k, v in sorted(s.faults.items())),
                    "" if s.pain_rating is None else s.pain_rating, r2(s.pain_stop_t_s), s.pain_stop_phase or "",
                    r2(s.pain_stop_metric), s.dose_note or ""])
    return buf.getvalue()


def history_text(sets: list[SetSummary]) -> str:
    """The terminal view: sessions, then per-exercise trends."""
    if not sets:
        return "no sessions stored yet"
    lines = ["Sessions:"] + ["  " + session_line(s) for s in sets] + [""]
    for ex, group in trends(sets).items():
        lines.append(trend_text(ex, group))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def summary_dict(s: SetSummary) -> dict[str, Any]:
    """What a build-up rule reads of a past set."""
    return {"date": s.day, "prescribed": s.prescribed, "done": s.done, "pain_stop": s.pain_stop_t_s is not None,
            "pain_rating": s.pain_rating, "faults": sorted(s.faults), "complete": s.status == "complete"}

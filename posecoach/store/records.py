"""A session report (exercise or routine) as the rows the store keeps.

The report JSON is the source of truth; these functions only read it. A report carries, after
posecoach saved it, a ``session`` block (uid, person, when, pain rating); an older report without
one gets a uid from its content, so importing it twice still finds the first copy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from posecoach.errors import ReportFormatError
from posecoach.formats.session import SessionFile

REPORT_SCHEMAS = {"posecoach.report": 1, "posecoach.routine_report": 1}
#: A hold counts towards the dose when it lasted at least this share of its target (as routines do).
HOLD_DONE_SHARE = 0.9


@dataclass
class SetRecord:
    """One exercise set of a session (a routine has several)."""

    position: int
    exercise: str
    exercise_name: str
    metric: str | None
    metric_unit: str | None
    prescribed_reps: int | None
    prescribed_holds: int | None
    hold_target_s: float | None
    per_side: bool
    reps_done: int
    holds_done: int
    status: str
    stop_reason: str | None
    stop_t_s: float | None
    duration_s: float | None
    pain_stop_t_s: float | None
    pain_stop_phase: str | None
    pain_stop_metric: float | None
    dose_note: str | None
    reps: list[dict[str, Any]] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SessionRecord:
    uid: str
    person: str
    started_at: str
    when_from: str
    kind: str
    routine: str | None
    status: str
    report_path: str | None
    report: dict[str, Any]
    pain_rating: int | None
    pain_rated_at: str | None
    sets: list[SetRecord]


def check_report(report: Any, where: str) -> dict[str, Any]:
    """The report if this posecoach reads its schema and version; else one line saying why."""
    if not isinstance(report, dict) or report.get("schema") not in REPORT_SCHEMAS:
        raise ReportFormatError(f"{where}: not a posecoach session report")
    version = report.get("schema_version")
    known = REPORT_SCHEMAS[report["schema"]]
    if version != known:
        newer = isinstance(version, int) and version > known
        raise ReportFormatError(
            f"{where}: a {report['schema']} version {version!r} report; this posecoach reads version {known}"
            + ("; update posecoach to import it" if newer else "") + " (nothing imported from it)")
    return report


def read_report(path: Path) -> dict[str, Any]:
    """Read and check a report file; raises ``ReportFormatError`` with one line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportFormatError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportFormatError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportFormatError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    return check_report(data, str(path))


def content_uid(report: dict[str, Any]) -> str:
    """A uid from the report's content (without its ``session`` block)."""
    body = {k: v for k, v in report.items() if k != "session"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def session_time(report: dict[str, Any], report_path: Path | None) -> tuple[str, str]:
    """(when the session took place, where that came from). A report has no clock of its own:
    the session block's time if posecoach saved one, else the recording's start, else the video
    file's modification time (when it was filmed, for a phone's video), else the report file's."""
    block = report.get("session") or {}
    if block.get("started_at"):
        return str(block["started_at"]), str(block.get("when_from", "session"))
    source = (report.get("exercises") or [report])[0].get("source") or {}
    rec = source.get("recording")
    if rec and (Path(rec) / "session.json").is_file():
        try:
            meta = SessionFile.model_validate_json((Path(rec) / "session.json").read_bytes())
            if meta.started_at:
                return meta.started_at, "recording"
        except (OSError, ValueError):  # a damaged session file only loses this clue to the time
            pass
    video = source.get("video")
    if video and Path(video).is_file():
        return _iso(Path(video).stat().st_mtime), "video file"
    if report_path is not None and Path(report_path).exists():
        return _iso(Path(report_path).stat().st_mtime), "report file"
    return datetime.now(timezone.utc).isoformat(timespec="seconds"), "import"


def _phase_at(section: dict[str, Any], t: float) -> str:
    """Where in the movement a moment fell: setup, rep N (and its side), hold, or between reps."""
    setup = section.get("setup_completed_s")
    if setup is None or t < setup:
        return "setup (before the first rep)"
    for r in section.get("rep_details", []):
        if r["start_s"] is not None and r["end_s"] is not None and r["start_s"] <= t <= r["end_s"]:
            side = f" ({r['side']})" if r.get("side") else ""
            return f"during rep {r['number']}{side}"
    for h in section.get("holds", []):
        if h["start_s"] is not None and h["end_s"] is not None and h["start_s"] <= t <= h["end_s"]:
            return "during a hold"
    n = sum(1 for r in section.get("rep_details", []) if r["end_s"] is not None and r["end_s"] < t)
    return f"after rep {n}, before the next" if n else "at rest, before the first rep"


def _peak(rep: dict[str, Any], direction: str | None) -> float | None:
    if direction == "down":
        return rep.get("metric_min")
    return rep.get("metric_max")


def _direction(exercise: str) -> str | None:
    try:
        from posecoach.spec.loader import find_spec

        spec = find_spec(exercise)
    except Exception:  # noqa: BLE001 - an exercise this build does not know: peak = the maximum
        return None
    return spec.rep.direction if spec.rep is not None else None


def _set_record(section: dict[str, Any], position: int) -> SetRecord:
    dose = section.get("dose") or {}
    sets = int(dose.get("sets") or 1)
    per_side = bool(dose.get("per_side"))
    presc_reps = int(dose["reps"]) * sets if dose.get("reps") else None
    presc_holds = int(dose.get("holds") or 1) * sets if section.get("holds") is not None and not dose.get("reps") else None
    holds = list(section.get("holds") or [])
    target = next((h["target_s"] for h in holds if h.get("target_s")), dose.get("hold_s"))
    done_holds = sum(1 for h in holds if not h.get("target_s") or (h["duration_s"] or 0) >= HOLD_DONE_SHARE * h["target_s"])
    reps_done = int(section.get("reps") or 0)
    if per_side and "reps_by_side" in section:
        reps_done = min(int(section["reps_by_side"].get("left", 0)), int(section["reps_by_side"].get("right", 0)))
    details = list(section.get("rep_details") or [])
    direction = _direction(section["exercise"]) if details else None
    pain = section.get("pain_stop") or {}
    pain_t = pain.get("t_s")
    limits = section.get("limits") or {}
    build = limits.get("build_up") or {}
    return SetRecord(
        position=position, exercise=section["exercise"], exercise_name=section.get("exercise_name", section["exercise"]),
        metric=details[0]["metric"] if details else None, metric_unit=details[0].get("metric_unit") if details else None,
        prescribed_reps=presc_reps, prescribed_holds=presc_holds, hold_target_s=target, per_side=per_side,
        reps_done=reps_done, holds_done=done_holds, status=section.get("status", "partial"),
        stop_reason=(section.get("stop") or {}).get("reason"), stop_t_s=(section.get("stop") or {}).get("t_s"),
        duration_s=section.get("duration_s"), pain_stop_t_s=pain_t,
        pain_stop_phase=pain.get("phase") or (_phase_at(section, pain_t) if pain_t is not None else None),
        pain_stop_metric=pain.get("metric_value"), dose_note=build.get("note"),
        reps=[{**r, "peak": _peak(r, direction)} for r in details],
        holds=holds, faults=list(section.get("faults") or []),
    )


def session_record(report: dict[str, Any], report_path: Path | None, *, kind: str = "import",
                   person: str | None = None) -> SessionRecord:
    """The store's rows for one checked report. ``person`` overrides the report's own."""
    block = report.get("session") or {}
    sections = report["exercises"] if "exercises" in report else [report]
    limits = report.get("limits") or {}
    who = person or block.get("person") or limits.get("person") or DEFAULT_PERSON
    started_at, when_from = session_time(report, report_path)
    rating = block.get("pain_rating")
    return SessionRecord(
        uid=str(block.get("uid") or content_uid(report)), person=str(who), started_at=started_at, when_from=when_from,
        kind=str(block.get("kind", kind)), routine=report.get("routine"), status=report.get("status", "partial"),
        report_path=str(Path(report_path).resolve()) if report_path is not None else None, report=report,
        pain_rating=int(rating) if isinstance(rating, int) else None, pain_rated_at=block.get("pain_rated_at"),
        sets=[_set_record(s, i) for i, s in enumerate(sections)]
        + [_not_started(report, ex, len(sections) + i) for i, ex in enumerate(report.get("not_started") or [])],
    )


def _not_started(report: dict[str, Any], exercise: str, position: int) -> SetRecord:
    """A routine's exercise the session never reached: kept, so a therapist sees it was left out."""
    name, reps, holds, target, per_side = exercise, None, None, None, False
    try:
        from posecoach.routine import load_routine

        spec = next(s for s in load_routine(report.get("routine_file") or "").specs if s.id == exercise)
    except Exception:  # noqa: BLE001 - the routine file moved or changed: the spec's own dose
        try:
            from posecoach.spec.loader import find_spec

            spec = find_spec(exercise)
        except Exception:  # noqa: BLE001 - an exercise this build does not know: no dose
            spec = None
    if spec is not None:
        name, per_side = spec.name, spec.dose.per_side
        if spec.kind == "reps" and spec.dose.reps:
            reps = spec.dose.reps * spec.dose.sets
        else:
            holds = (spec.dose.holds or 1) * spec.dose.sets
            target = spec.hold_target_s if spec.kind == "hold" else spec.dose.hold_s
    return SetRecord(position=position, exercise=exercise, exercise_name=name, metric=None, metric_unit=None,
                     prescribed_reps=reps, prescribed_holds=holds, hold_target_s=target, per_side=per_side,
                     reps_done=0, holds_done=0, status="not started", stop_reason="not started", stop_t_s=None,
                     duration_s=None, pain_stop_t_s=None, pain_stop_phase=None, pain_stop_metric=None, dose_note=None)


#: The person a session belongs to when neither ``--person`` nor the profile names one.
DEFAULT_PERSON = "me"

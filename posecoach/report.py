"""Session reports: one JSON document (with a schema version) plus CSV files of reps and faults.

Files are written atomically (a temporary file renamed over the old one), so a report on disk is
always complete and valid, even if the process dies while writing the next one.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from posecoach import __version__, jsonio
from posecoach.engine.session import Session
from posecoach.errors import OutputError
from posecoach.formats.report import (
    SCHEMA,
    SCHEMA_VERSION,
    FaultCheck,
    FaultRecord,
    HoldRecord,
    PainStop,
    PoseGap,
    PossibleFault,
    RepDetail,
    Report,
    ReportDose,
    RoutineReport,
    Stop,
    ViewBlock,
    parse_report,
)
from posecoach.spec.schema import Lateral, Quantity, Spec, metric_quantity

__all__ = ["SCHEMA", "SCHEMA_VERSION", "build_report", "report_model", "save_report", "summary_text", "write_report"]


def _r(x: float | None, nd: int = 2) -> float | None:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return round(float(x), nd)


#: The unit a report gives each quantity of a metric.
UNITS: dict[Quantity, str] = {"angle": "deg", "lateral": "hip_width", "ratio": "ratio", "length": "torso"}


def metric_unit(spec: Spec) -> str:
    """The unit of the exercise's main metric: ``deg`` for angles, ``hip_width`` for a sideways
    shift across the body (``shoulder_width`` when measured across the shoulders), ``torso`` for lengths in body scales (torso lengths), ``ratio`` for a
    distance per another distance."""
    metric = spec.metrics.get(spec.main_metric)
    if isinstance(metric, Lateral) and set(metric.across) == {"left_shoulder", "right_shoulder"}:
        return "shoulder_width"
    return UNITS[metric_quantity(metric)]


def format_amount(value: float, unit: str) -> str:
    """A metric's value with its unit, as people read it: ``49.1°``, ``0.32 torso lengths``."""
    if unit == "deg":
        return f"{value:.1f}°"
    if unit == "torso":
        return f"{value:.2f} torso lengths"
    if unit == "hip_width":
        return f"{value:.2f} hip widths"
    if unit == "shoulder_width":
        return f"{value:.2f} shoulder widths"
    return f"{value:.2f}x"


def report_model(spec: Spec, session: Session, source: dict[str, Any], *,
                 limits: dict[str, Any] | None = None) -> Report:
    """The report of one set, typed (see ``posecoach.formats.report``)."""
    end_t = session.last_t if session.last_t is not None else 0.0
    start_t = session.first_t if session.first_t is not None else 0.0
    complete = session.stop_reason in ("completed", "user")
    extra: dict[str, Any] = {}
    if spec.sided:
        extra["reps_by_side"] = {"left": session.by_side.get("left", 0), "right": session.by_side.get("right", 0),
                                 **{k: v for k, v in session.by_side.items() if k not in ("left", "right")}}
    if session.pain_stop_s is not None:
        extra["pain_stop"] = PainStop(
            t_s=_r(session.pain_stop_s),
            advice="Stop the exercises for now and ask your physiotherapist or doctor before doing them again.")
    return Report(
        schema_=SCHEMA,
        schema_version=SCHEMA_VERSION,
        posecoach_version=__version__,
        exercise=spec.id,
        exercise_name=spec.name,
        source=source,
        status="complete" if complete else "partial",
        stop=Stop(reason=session.stop_reason, t_s=_r(session.pain_stop_s if session.pain_stop_s is not None else end_t)),
        duration_s=_r(end_t - start_t),
        setup_completed_s=_r(session.started_s),
        dose=ReportDose(**spec.dose.model_dump(exclude_none=True)),
        reps=session.count,
        holds=[HoldRecord(start_s=_r(h.start_s), end_s=_r(h.end_s), duration_s=_r(h.duration_s), side=h.side,
                          target_s=h.target_s, reached_target=h.reached_target)
               for h in session.holds],
        faults=[FaultRecord(id=f.id, start_s=_r(f.start_s), end_s=_r(f.end_s if f.end_s is not None else end_t),
                            message=f.message, severity=f.severity)
                for f in session.fault_records()],
        # seen, but not supported by the evidence (within the measurement's wobble on this
        # person): never spoken or shown as faults, listed so a therapist can still look
        possible_faults=[PossibleFault(id=p.id, start_s=_r(p.start_s), end_s=_r(p.end_s), message=p.message,
                                       reason=p.reason)
                         for p in session.possible_faults()],
        fault_checks=[FaultCheck(id=c.id, status=c.status, judged_s=_r(c.judged_s, 1),
                                 not_judged_s=_r(c.not_judged_view_s + c.not_judged_landmarks_s, 1),
                                 reason=c.reason, count=len(c.records))
                      for c in session.fault_checks()],
        not_checked=list(spec.not_checked),
        rep_details=[RepDetail(number=r.number, side=r.side, start_s=_r(r.start_s), end_s=_r(r.end_s),
                               duration_s=_r(r.duration_s), peak_hold_s=_r(r.peak_hold_s), metric=spec.main_metric,
                               metric_unit=metric_unit(spec), metric_min=_r(r.metric_min),
                               metric_max=_r(r.metric_max), range_of_motion=_r(r.range_of_motion),
                               faults=list(r.faults))
                     for r in session.reps],
        frames=session.frames,
        frames_with_pose=session.frames_with_pose,
        frames_out_of_order=session.frames_out_of_order,
        pose_gaps=[PoseGap(start_s=_r(a), end_s=_r(b)) for a, b in session.pose_gaps],
        view=ViewBlock(expected=list(spec.view), detected_s={k: _r(v, 1) for k, v in sorted(session.view_time.items())},
                       note=session.view_note()),
        limits=limits or {"profile": None},
        **extra,
    )


def build_report(spec: Spec, session: Session, source: dict[str, Any], *, limits: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report of one set as a JSON-ready dict (``report_model(...).to_dict()``): the form the
    rest of posecoach passes around and adds its blocks to (frames lost, the session store's)."""
    return report_model(spec, session, source, limits=limits).to_dict()


_umask: int | None = None


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file (0666 less the umask): a temporary file
    is created 0600, and a report renamed from it must not stay unreadable to the person's tools."""
    global _umask
    if _umask is None:
        _umask = os.umask(0o022)
        os.umask(_umask)
    return 0o666 & ~_umask


def _atomic_write(path: Path, write) -> None:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
            os.fchmod(fh.fileno(), _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def csv_paths(json_path: Path) -> tuple[Path, Path]:
    stem = json_path.with_suffix("")
    return stem.with_name(stem.name + ".reps.csv"), stem.with_name(stem.name + ".faults.csv")


def write_report(report: dict[str, Any], path: Path) -> list[Path]:
    """Write the JSON report and, beside it, ``<name>.reps.csv`` and ``<name>.faults.csv``."""
    path = Path(path)
    text = jsonio.dumps(report, indent=2)  # strict JSON: a NaN anywhere is written as null
    _atomic_write(path, lambda fh: fh.write(text))
    reps_csv, faults_csv = csv_paths(path)
    rep_cols = ["number", "side", "start_s", "end_s", "duration_s", "peak_hold_s", "metric", "metric_unit",
                "metric_min", "metric_max", "range_of_motion", "faults"]

    def reps(fh) -> None:  # type: ignore[no-untyped-def]
        w = csv.writer(fh)
        w.writerow(rep_cols)
        for r in report["rep_details"]:
            w.writerow([";".join(r[c]) if c == "faults" else r.get(c, "") for c in rep_cols])

    def faults(fh) -> None:  # type: ignore[no-untyped-def]
        w = csv.writer(fh)
        cols = ["id", "start_s", "end_s", "severity", "message"]
        w.writerow(cols)
        for f in report["faults"]:
            w.writerow([f[c] for c in cols])

    _atomic_write(reps_csv, reps)
    _atomic_write(faults_csv, faults)
    return [path, reps_csv, faults_csv]


def fallback_folders() -> list[Path]:
    """Where a report goes when its own path cannot be written, in order of preference: the
    person's cache folder (kept across reboots), the current folder, the temporary folder."""
    return [Path.home() / ".cache" / "posecoach" / "reports", Path.cwd(), Path(tempfile.gettempdir())]


def save_report(report: dict[str, Any], path: Path) -> Path:
    """Write the report to ``path``; if that fails (a full disk, a folder made read-only since the
    start), write it to a fallback folder and raise ``OutputError`` saying where, so a finished
    analysis is never lost. Returns ``path`` when it was written there."""
    path = Path(path)
    try:
        write_report(report, path)
        return path
    except OSError as exc:
        why = exc.strerror or str(exc)
    stem = path.name.removesuffix(".json").removesuffix(".report")[:80] or "posecoach"
    name = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.report.json"
    tried = []
    for folder in fallback_folders():
        try:
            write_report(report, folder / name)
        except OSError as exc:
            tried.append(f"{folder} ({exc.strerror or exc})")
            continue
        raise OutputError(f"{path}: cannot write the report ({why}); it was saved to {folder / name} instead")
    raise OutputError(f"{path}: cannot write the report ({why}), nor in any fallback folder: {'; '.join(tried)}")


def summary_text(report: dict[str, Any] | Report) -> str:
    """A short readable summary for the terminal, of an exercise report (a dict read back, or the
    model)."""
    rep = report if isinstance(report, Report) else Report.model_validate(report)
    lines = [f"{rep.exercise_name} ({rep.exercise})"]
    if rep.view.note:
        lines.append(f"  VIEW: {rep.view.note}")
    dose = rep.dose
    target = dose.reps or dose.holds
    reps_line = f"  reps: {rep.reps}" + (f" of {target}" + (" per side" if dose.per_side else "") if target else "")
    if rep.reps_by_side is not None:
        reps_line += "  (" + ", ".join(f"{k} {v}" for k, v in rep.reps_by_side.items()) + ")"
    lines.append(reps_line)
    for i, r in enumerate(rep.rep_details, 1):
        side = f" {r.side}" if r.side else ""
        faults = f"  faults: {', '.join(r.faults)}" if r.faults else ""
        rom = f"  range {format_amount(r.range_of_motion, r.metric_unit)}" if r.range_of_motion is not None else ""
        lines.append(f"    rep {i}{side}: {r.start_s:.1f}-{r.end_s:.1f} s ({r.duration_s:.1f} s){rom}{faults}")
    for h in rep.holds:
        tgt = f" of {h.target_s:g} s" if h.target_s else ""
        lines.append(f"  hold: {h.start_s:.1f}-{h.end_s:.1f} s, {h.duration_s:.1f} s{tgt}")
    if rep.faults:
        lines.append("  form faults:")
        for f in rep.faults:
            lines.append(f"    {f.start_s:.1f}-{f.end_s:.1f} s  {f.id}: {f.message}")
    else:
        lines.append("  form faults: none seen")
    for p in rep.possible_faults:
        lines.append(f"    possible, not raised: {p.start_s:.1f}-{p.end_s:.1f} s  {p.id} ({p.reason})")
    for c in rep.fault_checks:
        if c.status in ("not judged", "partly judged"):
            lines.append(f"    {c.id}: {c.status} ({c.reason})")
    for note in rep.not_checked:
        lines.append(f"  not checked: {note}")
    pct = 100.0 * rep.frames_with_pose / rep.frames if rep.frames else 0.0
    lines.append(f"  frames: {rep.frames}, with a person: {rep.frames_with_pose} ({pct:.0f}%)")
    if rep.pain_stop:
        lines.append(f"  PAIN STOP at {rep.pain_stop.t_s} s. {rep.pain_stop.advice}")
    lines += lost_frames_lines(rep)
    if rep.status == "partial" and not rep.frames_lost:
        lines.append(f"  (partial report: stopped by {rep.stop.reason} at {rep.stop.t_s} s)")
    return "\n".join(lines)


def lost_frames_lines(report: dict[str, Any] | Report | RoutineReport) -> list[str]:
    """The summary's note on frames a damaged video lost (none when it lost none)."""
    rep = parse_report(report) if isinstance(report, dict) else report
    if not rep.frames_lost:
        return []
    where = ", ".join(f"{g['frames']} between {g['after_s']:g} and {g['before_s']:g} s"
                      for g in (rep.frames_lost_at or [])[:5])
    return [f"  (partial report: {rep.frames_lost} frames of the video could not be decoded: {where}; the rest was analysed)"]

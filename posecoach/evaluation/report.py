"""Tables of ``posecoach eval`` results: padded Markdown (readable in a terminal too) and JSON."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from posecoach.evaluation.rules import RULE_COLUMNS, RULE_DEFINITIONS, rule_rows
from posecoach.evaluation.score import DEFINITIONS, ClipScore, clip_json

CLIP_COLUMNS = ["clip", "exercise", "reps (true)", "counted", "per side (true)", "per side (counted)",
                "error", "hold error s", "faults", "pose %", "from", "s"]


def _num(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _sides(d: dict[str, int] | None) -> str:
    if not d:
        return "-"
    order = {"left": 0, "right": 1}
    items = sorted(d.items(), key=lambda kv: (order.get(kv[0], 2), kv[0]))
    return " ".join(f"{k[0].upper() if k in order else k} {v}" for k, v in items)


def _faults(s: ClipScore) -> str:
    if s.faults_scored:
        return f"tp {s.fault_tp} fp {s.fault_fp} fn {s.fault_fn}"
    if not s.faults_reported:
        return "none (unlabelled)"
    counts = Counter(s.faults_reported)
    return ", ".join(f"{k}×{n}" if n > 1 else k for k, n in counts.items()) + " (unlabelled)"


def clip_row(s: ClipScore) -> list[str]:
    """One row of the per-clip table."""
    lab = s.label
    if s.status != "ok":
        return [lab.file, lab.exercise, _num(lab.reps, "{}"), s.status, "", "", "", "", "", "", s.source, ""]
    err = "-" if s.counted is None or lab.reps is None else f"{s.counted - lab.reps:+d}"
    holds = ", ".join(f"{e:.1f}" for e in s.hold_errors_s) if s.hold_errors_s else "-"
    if lab.holds and not s.holds_scored:
        holds = "not timed by spec"
    if s.holds_missed:
        holds += f" ({s.holds_missed} missed)"
    if s.holds_extra:
        holds += f" ({s.holds_extra} extra)"
    pose = s.frames_with_pose / s.frames if s.frames else None
    return [lab.file, lab.exercise, "n/a (uncountable)" if lab.reps is None else str(lab.reps), str(s.counted),
            _sides(lab.reps_per_side), _sides(s.counted_by_side) if lab.reps_per_side else "-", err, holds,
            _faults(s), _pct(pose), s.source, f"{s.seconds:.1f}"]


def summary_rows(summary: dict[str, Any]) -> list[list[str]]:
    """The totals as (metric, value, over) rows."""
    n = summary["countable"]
    over_reps = f"{n} countable clips" + (f" ({summary['uncountable']} uncountable left out)" if summary["uncountable"] else "")
    holds = f"{summary['holds_matched']} matched holds, {summary['holds_missed']} missed, {summary['holds_extra']} extra"
    faults = (f"{summary['fault_clips']} clips with fault labels: tp {summary['fault_tp']}, fp {summary['fault_fp']}, "
              f"fn {summary['fault_fn']}")
    rows = [
        ["reps (true / counted)", f"{summary['reps_true']} / {summary['reps_counted']}", over_reps],
        ["exact count", _pct(summary["exact"]), over_reps],
        ["MAE (relative)", _num(summary["mae_rel"]), over_reps],
        ["off-by-one accuracy", _pct(summary["obo"]), over_reps],
        ["hold error (s)", _num(summary["hold_error_s"]), holds],
        ["fault precision", _pct(summary["fault_precision"]), faults],
        ["fault recall", _pct(summary["fault_recall"]), faults],
        *[[f"fault recall, {sev}", _pct(v["recall"]), f"{v['found']} of {v['labels']} {sev} faults found"]
          for sev, v in summary.get("fault_recall_by_severity", {}).items()],
        ["false alarms per minute (clean clips)", _num(summary.get("false_alarms_per_min_clean")),
         f"{summary.get('clean_clips', 0)} clips labelled without faults, {summary.get('clean_minutes', 0.0):.1f} min"],
        ["frames with a pose", _pct(summary["pose_share"]), f"{summary['frames']} frames of {summary['analysed']} analysed clips"],
    ]
    if summary["no_spec"]:
        rows.append(["no spec (not analysed)", str(summary["clips"] - summary["analysed"] - summary["errors"]),
                     ", ".join(summary["no_spec"])])
    if summary["errors"]:
        rows.append(["failed", str(summary["errors"]), "see the clip table"])
    return rows


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with padded columns, so it also reads well in a terminal."""
    cells = [[c.replace("|", "\\|") for c in r] for r in [list(header), *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "| " + " | ".join("-" * w for w in widths) + " |", *map(line, cells[1:])])


def markdown(scores: Sequence[ClipScore], summary: dict[str, Any], command: str | None = None) -> str:
    """The per-clip table, the totals table and the notes that define them."""
    parts = []
    if command:
        parts.append(f"`{command}`\n")
    parts.append(table(CLIP_COLUMNS, [clip_row(s) for s in scores]))
    parts.append("")
    parts.append(table(["metric", "value", "over"], summary_rows(summary)))
    if summary.get("rules"):
        parts += ["", "Per rule (false alarms per minute of movement free of that fault; recall found/labelled):", "",
                  table(RULE_COLUMNS, rule_rows(summary["rules"]))]
    notes = [f"- {s.label.file}: {s.message}" for s in scores if s.status == "error"]
    if notes:
        parts += ["", "Failed clips:", *notes]
    parts += ["", "Error is counted minus true reps. Faults: tp/fp/fn where the clip's faults are labelled; "
              "otherwise the faults reported (not scored). Holds are matched by overlap. "
              "Uncountable clips (reps null) are left out of the count metrics."]
    return "\n".join(parts) + "\n"


def to_json(scores: Sequence[ClipScore], summary: dict[str, Any], command: str | None = None) -> dict[str, Any]:
    """Everything as one JSON-ready document (clips, totals and the metric definitions)."""
    def rounded(v: Any) -> Any:
        return round(v, 4) if isinstance(v, float) else v

    def deep(v: Any) -> Any:  # only for the per-rule rows: the older keys keep their exact values
        if isinstance(v, dict):
            return {k: deep(x) for k, x in v.items()}
        if isinstance(v, list):
            return [deep(x) for x in v]
        return rounded(v)

    return {"schema": "posecoach.eval", "schema_version": 1, "command": command,
            "clips": [clip_json(s) for s in scores],
            "summary": {k: deep(v) if k == "rules" else rounded(v) for k, v in summary.items()},
            "definitions": {**DEFINITIONS, **{f"rules.{k}": v for k, v in RULE_DEFINITIONS.items()}}}

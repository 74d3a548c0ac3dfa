"""Checking report files against the published JSON Schema (``docs/report.schema.json``).

Used by ``conftest.py`` to validate every report the suite writes, and by ``test_report_schema.py``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "docs" / "report.schema.json"
REPORT_KINDS = ("posecoach.report", "posecoach.routine_report")
REGENERATE = "python -m posecoach.formats.report --schema > docs/report.schema.json"


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_problems(report: Any) -> list[str]:
    """Every way ``report`` breaks the published schema, each as ``place: message``."""
    out = []
    for err in _leaves(list(_validator().iter_errors(report))):
        place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path) or "(top level)"
        out.append(f"{place}: {err.message[:200]}")
    return out


def _leaves(errors: list[jsonschema.ValidationError]) -> list[jsonschema.ValidationError]:
    """The errors that say what is wrong: for "not valid under any of" (the report kinds, a value
    or null), those of the alternative that came closest (fewest errors), instead of the summary."""
    out = []
    for err in errors:
        if err.validator in ("oneOf", "anyOf") and err.context:
            branches: dict[int, list[jsonschema.ValidationError]] = {}
            for sub in err.context:
                branches.setdefault(sub.relative_schema_path[0], []).append(sub)
            out += _leaves(min(branches.values(), key=len))
        else:
            out.append(err)
    return out


def report_files(folder: Path) -> list[Path]:
    """The report files under ``folder``: JSON files whose top level names a report schema."""
    found = []
    for path in sorted(folder.rglob("*.json")):
        try:
            if not path.is_file() or b'"posecoach.' not in path.read_bytes()[:200]:
                continue  # a report names its schema first; tests also write damaged and huge JSON
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(data, dict) and data.get("schema") in REPORT_KINDS:
            found.append(path)
    return found


_REP = {"number": 1, "side": None, "start_s": None, "end_s": None, "duration_s": None, "peak_hold_s": None,
        "metric": "m", "metric_unit": "deg", "metric_min": None, "metric_max": None, "range_of_motion": None,
        "faults": []}
_HOLD = {"start_s": None, "end_s": None, "duration_s": None, "side": None, "target_s": None, "reached_target": None}
_FAULT = {"id": "x", "start_s": None, "end_s": None, "message": "", "severity": "warning"}


def example_report(*, rep_details: list[dict[str, Any]] = (), holds: list[dict[str, Any]] = (),  # type: ignore[assignment]
                   faults: list[dict[str, Any]] = (), **top: Any) -> dict[str, Any]:  # type: ignore[assignment]
    """A complete exercise report (valid against the schema) with the given reps, holds and faults;
    each entry needs only the keys a test is about, the rest are filled with neutral values."""
    report: dict[str, Any] = {
        "schema": "posecoach.report", "schema_version": 1, "posecoach_version": "0", "exercise": "x",
        "exercise_name": "X", "source": {}, "status": "complete", "stop": {"reason": "completed", "t_s": 0.0},
        "duration_s": 0.0, "setup_completed_s": None, "dose": {"reps": 1}, "reps": len(rep_details),
        "holds": [{**_HOLD, **h} for h in holds], "faults": [{**_FAULT, **f} for f in faults],
        "possible_faults": [], "fault_checks": [], "not_checked": [],
        "rep_details": [{**_REP, **r} for r in rep_details], "frames": 0, "frames_with_pose": 0,
        "frames_out_of_order": 0, "pose_gaps": [], "view": {"expected": [], "detected_s": {}, "note": None},
        "limits": {"profile": None},
    }
    report.update(top)
    return report

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
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("schema") in REPORT_KINDS:
            found.append(path)
    return found

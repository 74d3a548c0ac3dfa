"""Shared test setup: where the real footage and the pose models are, and small spec factories."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REAL = SHARED / "real"
SHARED_MODELS = SHARED / "models"

# Sessions the tests run are saved in a throwaway store, never in the user's own.
if "POSECOACH_STORE" not in os.environ:
    import tempfile

    os.environ["POSECOACH_STORE"] = str(Path(tempfile.mkdtemp(prefix="posecoach-test-store-")) / "sessions.sqlite")

# Tests use the ready bundles beside the project unless told otherwise (CI sets it too).
if "POSECOACH_MODEL_DIR" not in os.environ and SHARED_MODELS.is_dir():
    os.environ["POSECOACH_MODEL_DIR"] = str(SHARED_MODELS)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not (REAL / "labels.json").exists():
        pytest.fail(f"real footage not found at {REAL}: the end-to-end tests need ../shared/real beside the project")
    return REAL


def _check_written_reports(session: pytest.Session) -> None:
    """Every report file the suite wrote (under pytest's temporary folder, where every test's
    tmp_path lives) must match the published schema, docs/report.schema.json: a report key added
    without the model fails the run here, even when no test looked at that key."""
    from posecoach.formats.report import SCHEMA_VERSION
    from report_schema import REGENERATE, report_files, schema_problems

    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or session.exitstatus not in (0, pytest.ExitCode.TESTS_FAILED):
        return
    base = factory.getbasetemp()
    bad = []
    files = report_files(base)
    for path in files:
        report = json.loads(path.read_text(encoding="utf-8"))
        if report.get("schema_version") != SCHEMA_VERSION:
            continue  # a test's own input about other versions (which the store must refuse)
        problems = schema_problems(report)
        if problems:
            bad.append(f"{path.relative_to(base)}: {problems[0]}" + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"report schema: {len(files)} report file(s) written by the suite checked, "
                            f"{len(bad)} not matching docs/report.schema.json")
    if bad:
        if reporter is not None:
            for line in bad[:10]:
                reporter.write_line(f"  {line}", red=True)
            reporter.write_line(f"  (if the model changed on purpose: {REGENERATE})", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _check_written_reports(session)
    _no_skips_in_ci(session)


def _no_skips_in_ci(session: pytest.Session) -> None:
    """In CI (``CI`` set), a skipped test fails the run: CI installs everything the suite needs, so
    a skip there means a test silently stopped testing."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and session.exitstatus == 0:
        names = ", ".join(getattr(r, "nodeid", "?") for r in skipped[:5])
        if reporter is not None:
            reporter.write_line(f"CI: {len(skipped)} test(s) skipped, which CI does not allow: {names}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

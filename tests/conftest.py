"""Shared test setup: where the real footage and the pose models are, and small spec factories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REAL = SHARED / "real"
SHARED_MODELS = SHARED / "models"

# Tests use the ready bundles beside the project unless told otherwise (CI sets it too).
if "POSECOACH_MODEL_DIR" not in os.environ and SHARED_MODELS.is_dir():
    os.environ["POSECOACH_MODEL_DIR"] = str(SHARED_MODELS)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not (REAL / "labels.json").exists():
        pytest.fail(f"real footage not found at {REAL}: the end-to-end tests need ../shared/real beside the project")
    return REAL


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
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

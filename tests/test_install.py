"""The installed product: packaged data, and a terminal free of native libraries' logging.

A wheel holds only what the package declares, so these tests check the declaration against the
repository's files (``.ci/run`` also builds the wheel, installs it outside the checkout and uses it).
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from posecoach.data import data_dir
from posecoach.pose.models import load_manifest, manifest_path
from posecoach.spec.loader import exercise_ids, specs_dir

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_videos" / "bridge.mp4"


def _package_data_patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["setuptools"]["package-data"]["posecoach.data"])


@pytest.mark.parametrize("folder", ["exercise_specs", "models"])
def test_every_runtime_file_is_declared_as_package_data(folder: str) -> None:
    data = ROOT / "posecoach" / "data"
    patterns = _package_data_patterns()
    wanted = [p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in (".toml", ".json", ".md")]
    assert wanted, f"nothing found in {folder}/"
    for path in wanted:
        rel = f"{folder}/{path.relative_to(ROOT / folder).as_posix()}"
        assert (data / rel).is_file(), f"posecoach/data does not reach {rel}"
        assert any(fnmatch.fnmatchcase(rel, pat) and rel.count("/") == pat.count("/") for pat in patterns), \
            f"{rel} is not in pyproject's package-data for posecoach.data, so a wheel would not carry it"


def test_the_library_and_manifest_are_read_from_package_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSECOACH_SPECS_DIR", raising=False)
    assert specs_dir() == data_dir("exercise_specs") == (ROOT / "exercise_specs").resolve()
    assert len(exercise_ids()) == len(list((ROOT / "exercise_specs").glob("*.toml"))) == 29
    assert manifest_path() == (ROOT / "models" / "manifest.json").resolve()
    assert set(load_manifest()["models"]) >= {"lite", "full", "heavy"}


def _run(args: list[str], env_extra: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POSECOACH_NATIVE_LOGS"}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "posecoach", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.mark.model
def test_analyze_prints_nothing_of_the_native_libraries(tmp_path: Path) -> None:
    """Model load, every inference and teardown: nothing but posecoach's own output, from any folder."""
    r = _run(["analyze", str(SAMPLE), "-e", "bridge", "--report", str(tmp_path / "r.json")], {}, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    assert "reps: 3 of 10" in r.stdout
    assert "INFO:" not in r.stdout and "WARNING:" not in r.stdout


@pytest.mark.model
def test_native_logs_can_be_shown_for_debugging(tmp_path: Path) -> None:
    """``POSECOACH_NATIVE_LOGS=1`` lets the libraries' own messages through (the landmarker logs
    at least its teardown), and posecoach's result is the same."""
    r = _run(["analyze", str(SAMPLE), "-e", "bridge", "--report", str(tmp_path / "r.json")],
             {"POSECOACH_NATIVE_LOGS": "1"}, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip(), "expected the native libraries' own messages on stderr"
    assert "reps: 3 of 10" in r.stdout


def _pins(lock: Path) -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.split()[0].rstrip("\\").strip()
    return pins


@pytest.mark.parametrize(("lock", "extras"), [("requirements.lock", ["test", "cluster"]),
                                               ("requirements-synth.lock", ["test", "synth", "cluster"])])
def test_the_lock_pins_every_dependency_within_its_range(lock: str, extras: list[str]) -> None:
    """The lock files are what set-up installs: each of pyproject's requirements must be pinned
    there, at a version its range allows (refresh with ``bash .ci/lock`` after changing a range)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"]) + [r for e in extras for r in project["optional-dependencies"][e]]
    pins = _pins(ROOT / lock)
    for text in wanted:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{lock} does not pin {req.name}; run bash .ci/lock --keep"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"{lock} pins {req.name}=={pins[name]}, outside pyproject's {req.specifier}; run bash .ci/lock --keep"
    if "synth" in extras:
        base = _pins(ROOT / "requirements.lock")
        assert all(pins.get(k) == v for k, v in base.items()), "the synth lock must keep the product lock's versions"

"""The report's published JSON Schema: it matches the model, real reports match it, and it bites."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from posecoach.formats import report as fmt
from report_schema import PUBLISHED, REGENERATE, ROOT, report_files, schema_problems


def test_published_schema_is_the_models():
    published = PUBLISHED.read_text(encoding="utf-8")
    assert published == fmt.schema_text(), f"docs/report.schema.json is out of date with the report model; run: {REGENERATE}"


def test_published_schema_names_its_version():
    schema = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert f"v{fmt.SCHEMA_VERSION}" in schema["$id"] and f"schema_version {fmt.SCHEMA_VERSION}" in schema["title"]


def test_schema_command_prints_the_published_schema():
    out = subprocess.run([sys.executable, "-m", "posecoach.formats.report", "--schema"], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    assert out == PUBLISHED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bridge_report(tmp_path_factory) -> dict:
    """The report ``analyze`` writes for a landmark track of three bridges (no model needed)."""
    from test_cli import bridge_track

    folder = tmp_path_factory.mktemp("schema")
    track = bridge_track(folder / "bridge.jsonl", reps=3)
    out = folder / "bridge.json"
    subprocess.run([sys.executable, "-m", "posecoach", "analyze", str(track),
                    "--exercise", "bridge", "--report", str(out), "--quiet", "--no-store"], check=True, cwd=ROOT)
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_written_report_matches_the_schema_and_reads_back_as_the_model(bridge_report):
    assert schema_problems(bridge_report) == []
    model = fmt.parse_report(bridge_report)
    assert isinstance(model, fmt.Report) and model.reps == bridge_report["reps"] == 3
    # reading back and writing again gives the very same document, keys in the same order
    assert json.dumps(model.to_dict()) == json.dumps(bridge_report)


def test_schema_rejects_an_unknown_key_a_wrong_type_and_another_version(bridge_report):
    extra = {**copy.deepcopy(bridge_report), "comment": "hi"}
    assert any("comment" in p for p in schema_problems(extra))
    wrong = copy.deepcopy(bridge_report)
    wrong["rep_details"][0]["number"] = "one"
    assert [p for p in schema_problems(wrong) if p.startswith(".rep_details[0].number")]
    newer = {**copy.deepcopy(bridge_report), "schema_version": 2}
    assert schema_problems(newer)


def test_routine_report_matches_the_schema(tmp_path):
    from posecoach.routine import RoutineRunner, load_routine

    runner = RoutineRunner(load_routine("chair_break"))
    runner.finish("user")
    report = runner.report({"kind": "test"})
    assert schema_problems(report) == []
    assert isinstance(fmt.parse_report(report), fmt.RoutineReport)


def test_report_files_finds_reports_only(tmp_path, bridge_report):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "r.json").write_text(json.dumps(bridge_report))
    (tmp_path / "other.json").write_text(json.dumps({"schema": "something.else"}))
    (tmp_path / "broken.json").write_text("{")
    assert report_files(tmp_path) == [tmp_path / "a" / "r.json"]

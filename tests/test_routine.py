"""Routines (posecoach.routine): loading, running exercises in a row, reports, the CLI wiring."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec_factory import frames  # noqa: E402
from spec_scenarios import STAND, cycle, mix  # noqa: E402

from posecoach.cli import main  # noqa: E402
from posecoach.app.build import make_analysis  # noqa: E402
from posecoach.errors import SpecError  # noqa: E402
from posecoach.routine import RoutineRunner, load_routine, routine_ids  # noqa: E402
from posecoach.track import TrackWriter  # noqa: E402

BEND = mix(STAND, trunk=45, neck=40, face=-40)
CURL = mix(STAND, trunk=-10, neck=-60, face=-120)


def write_routine(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "r.toml"
    path.write_text("schema_version = 1\nname = \"test\"\n" + body, encoding="utf-8")
    return path


def two_step(tmp_path: Path) -> Path:
    return write_routine(tmp_path, '[[steps]]\nexercise = "standing_flexion"\nreps = 2\n'
                                   '[[steps]]\nexercise = "jefferson_curl"\nreps = 1\n')


def performance() -> list:
    """Two forward bends, a pause standing, then one slow curl."""
    keys = cycle(STAND, BEND, reps=2)
    t = keys[-1][0]
    curl = cycle(STAND, CURL, reps=1, move_s=2.5, lead_s=2.0)
    return keys + [(t + k, p) for k, p in curl[1:]]


def test_shipped_routines_load_with_3_or_4_exercises_or_a_short_break() -> None:
    names = routine_ids()
    assert len(names) >= 3
    for name in names:
        routine = load_routine(name)
        assert 2 <= len(routine.specs) <= 4, name
    morning = load_routine("hands_and_knees")
    assert [s.id for s in morning.specs] == ["cat_cow", "bottom_to_heels", "bird_dog", "childs_pose"]
    assert morning.specs[0].dose.reps == 8 and morning.specs[3].hold is not None
    assert morning.specs[3].hold.target_s == 20 and morning.specs[3].dose.holds == 1


@pytest.mark.parametrize(("body", "expected"), [
    ('[[steps]]\nexercise = "cat_cwo"\n', "steps[0].exercise: unknown exercise 'cat_cwo'"),
    ('[[steps]]\nexercise = "childs_pose"\nreps = 3\n', "steps[0].reps: 'childs_pose' is timed as holds"),
    ('[[steps]]\nexercise = "bridge"\nrepeats = 3\n', "steps[0].repeats: unknown key"),
    ('[[steps]]\nexercise = "bridge"\nreps = 0\n', "dose.reps: Input should be greater than or equal to 1"),
    ("", "steps: a routine needs at least one [[steps]]"),
])
def test_routine_errors_are_one_line_naming_the_file_and_step(tmp_path: Path, body: str, expected: str) -> None:
    path = write_routine(tmp_path, body)
    with pytest.raises(SpecError) as exc:
        load_routine(str(path))
    assert str(exc.value).startswith(str(path)) and "\n" not in str(exc.value)
    assert expected in str(exc.value)


def test_unknown_routine_name_lists_the_valid_ones() -> None:
    with pytest.raises(SpecError, match="unknown routine 'nope'; valid ones: chair_break"):
        load_routine("nope")


def test_runner_moves_on_when_the_dose_is_done_and_reports_each_exercise(tmp_path: Path) -> None:
    changes: list[tuple[int, str]] = []
    runner = RoutineRunner(load_routine(str(two_step(tmp_path))), on_change=lambda i, s: changes.append((i, s.id)))
    assert runner.spec.id == "standing_flexion" and runner.session.phase == "setup"
    switched_at = []
    for pose in frames(performance(), "side", fps=15):
        runner.step_pose(pose)
        if runner.exercise_changed:
            switched_at.append(pose.t_s)
            assert runner.spec.id == "jefferson_curl" and runner.session.phase == "setup"
    runner.finish()
    assert changes == [(1, "jefferson_curl")] and len(switched_at) == 1
    assert runner.finished
    report = runner.report({"synthetic": True})
    assert [s["exercise"] for s in report["exercises"]] == ["standing_flexion", "jefferson_curl"]
    assert [s["reps"] for s in report["exercises"]] == [2, 1]
    assert report["status"] == "complete" and report["not_started"] == []
    assert report["frames"] == sum(s["frames"] for s in report["exercises"])
    assert {r["exercise"] for r in report["rep_details"]} == {"standing_flexion", "jefferson_curl"}


def test_next_skips_an_unfinished_exercise_and_records_it(tmp_path: Path) -> None:
    runner = RoutineRunner(load_routine(str(two_step(tmp_path))))
    for pose in frames(cycle(STAND, BEND, reps=1), "side", fps=15):
        runner.step_pose(pose)
    assert runner.next() is True
    assert runner.spec.id == "jefferson_curl"
    assert runner.next() is False  # no exercise after the last one: it is skipped too
    runner.finish()
    report = runner.report({})
    assert report["exercises"][1]["stop"]["reason"] == "skipped"
    first = report["exercises"][0]
    assert first["reps"] == 1 and first["stop"]["reason"] == "skipped" and first["status"] == "partial"
    assert report["status"] == "partial"


def test_a_pain_stop_ends_the_whole_routine(tmp_path: Path) -> None:
    runner = RoutineRunner(load_routine(str(two_step(tmp_path))))
    poses = frames(performance(), "side", fps=15)
    for pose in poses[:40]:
        runner.step_pose(pose)
    runner.session.pain_stop(poses[39].t_s)
    for pose in poses[40:]:
        runner.step_pose(pose)
    runner.finish()
    report = runner.report({})
    assert runner.spec.id == "standing_flexion" and runner.finished
    assert report["not_started"] == ["jefferson_curl"] and report["status"] == "partial"
    assert report["exercises"][0]["pain_stop"]["t_s"] == pytest.approx(poses[39].t_s, abs=0.01)


def test_make_analysis_and_analyze_accept_routine_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert isinstance(make_analysis("routine:chair_break"), RoutineRunner)
    routine = two_step(tmp_path)
    track = tmp_path / "t.jsonl"
    with TrackWriter(track, {"fps": 15.0, "width": 1280, "height": 720, "source": "synthetic"}) as writer:
        for pose in frames(performance(), "side", fps=15):
            writer.write(pose)
    report_path = tmp_path / "out.json"
    code = main(["analyze", str(track), "-e", f"routine:{routine}", "--report", str(report_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Routine: test (complete)" in out and "1. Standing forward bend" in out and "2. Jefferson curl" in out
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [s["reps"] for s in report["exercises"]] == [2, 1]
    assert (tmp_path / "out.reps.csv").read_text(encoding="utf-8").count("\n") == 1 + 3


def test_a_profile_applies_to_every_exercise_of_a_routine(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text("schema_version = 1\n[exercises.jefferson_curl]\nrep.peak = 120\n", encoding="utf-8")
    runner = make_analysis(f"routine:{two_step(tmp_path)}", profile)
    assert isinstance(runner, RoutineRunner)
    runner.next()
    assert runner.spec.rep is not None and runner.spec.rep.peak == 120
    assert runner.limits is not None and runner.limits["changes"][0]["key"] == "rep.peak"
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 1\n[exercises.jefferson_curl]\nrep.peak = 170\n", encoding="utf-8")
    with pytest.raises(SpecError, match="jefferson_curl"):
        make_analysis(f"routine:{two_step(tmp_path)}", bad)  # fails before the session starts

"""Personal limits profiles (posecoach.spec.profile): format, validation, effect on the engine."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec_factory import frames  # noqa: E402
from spec_scenarios import PRONE, both, cycle, mix  # noqa: E402

from posecoach.cli import main  # noqa: E402
from posecoach.errors import SpecError  # noqa: E402
from posecoach.app.pipeline import Analysis  # noqa: E402
from posecoach.spec.loader import find_spec, specs_dir  # noqa: E402
from posecoach.spec.profile import apply_profile, load_profile, reps_today  # noqa: E402

EXAMPLE = specs_dir() / "profiles" / "gentle_start.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text("schema_version = 1\n" + text, encoding="utf-8")
    return path


def test_shipped_example_profile_is_valid_for_every_exercise_it_names() -> None:
    data = load_profile(EXAMPLE)
    for ex_id in data["exercises"]:
        spec, limits = apply_profile(find_spec(ex_id), EXAMPLE, today=dt.date(2026, 11, 16))
        assert limits["profile"] == str(EXAMPLE) and limits["changes"]


def test_changes_are_applied_and_recorded_from_and_to(tmp_path: Path) -> None:
    path = write(tmp_path, "[exercises.back_extension]\ndose.reps = 5\nrep.peak = 135\nfaults.hips_lifted.value = 0.08\n")
    spec, limits = apply_profile(find_spec("back_extension"), path)
    assert spec.dose.reps == 5 and spec.rep is not None and spec.rep.peak == 135
    assert [f.when[0].value for f in spec.faults if f.id == "hips_lifted"] == [0.08]
    assert limits["changes"] == [
        {"key": "dose.reps", "from": 10, "to": 5},
        {"key": "rep.peak", "from": 145.0, "to": 135},
        {"key": "faults.hips_lifted.value", "from": 0.22, "to": 0.08},
    ]
    assert find_spec("back_extension").rep.peak == 145  # the shipped spec is untouched


def test_an_exercise_the_profile_does_not_name_is_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path, "[exercises.back_extension]\ndose.reps = 5\n")
    spec, limits = apply_profile(find_spec("bridge"), path)
    assert spec == find_spec("bridge") and limits["changes"] == []


@pytest.mark.parametrize(("text", "expected"), [
    ("[exercises.back_ext]\ndose.reps = 5\n",
     "exercises.back_ext: unknown exercise 'back_ext'; valid ones: back_extension"),
    ("[exercises.back_extension]\nrep.peek = 3\n",
     "exercises.back_extension.rep.peek: unknown field 'peek' in [rep]; expected one of metric"),
    ("[exercises.back_extension]\nfaults.hip_lift.value = 0.1\n",
     "exercises.back_extension.faults.hip_lift.value: unknown fault 'hip_lift'; faults of 'back_extension': hips_lifted, neck_extended"),
    ("[exercises.back_extension]\nhold.target_s = 3\n",
     "exercises.back_extension.hold.target_s: exercise 'back_extension' has no [hold] section"),
    ("[exercises.back_extension]\nrep.peak = 100\n",
     "exercises.back_extension (adjusted spec): rep: direction 'up' needs peak > rest"),
    ("[exercises.back_extension]\ndose.reps = 0\n",
     "exercises.back_extension (adjusted spec): dose.reps: Input should be greater than or equal to 1"),
    ("colour = 'blue'\n", "colour: unknown key; expected one of schema_version"),
    ("[progression]\nstart_reps = 4\nadd_per_week = 1\n", "progression.start_date: expected a date"),
])
def test_errors_are_one_line_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as exc:
        apply_profile(find_spec("back_extension"), path)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: ")
    assert expected in msg


def test_the_cli_reports_a_bad_profile_as_a_spec_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "[exercises.back_extension]\nrep.peek = 3\n")
    track = tmp_path / "t.jsonl"
    track.write_text('{"format": "posecoach.track", "version": 1, "width": 64, "height": 64}\n', encoding="utf-8")
    code = main(["analyze", str(track), "-e", "back_extension", "--profile", str(path), "-q"])
    assert code == 4
    assert "rep.peek: unknown field" in capsys.readouterr().err


def test_build_up_schedule_adds_reps_weekly_up_to_the_full_dose(tmp_path: Path) -> None:
    prog = {"start_date": dt.date(2026, 11, 2), "start_reps": 4, "add_per_week": 2}
    assert reps_today(10, prog, dt.date(2026, 11, 2)) == (4, 0)
    assert reps_today(10, prog, dt.date(2026, 11, 15)) == (6, 1)
    assert reps_today(10, prog, dt.date(2027, 1, 1)) == (10, 8)
    assert reps_today(10, prog, dt.date(2026, 10, 1)) == (4, 0)
    path = write(tmp_path, "[progression]\nstart_date = 2026-11-02\nstart_reps = 4\nadd_per_week = 2\n")
    spec, limits = apply_profile(find_spec("bridge"), path, today=dt.date(2026, 11, 10))
    assert spec.dose.reps == 6
    assert limits["progression"]["reps_today"] == 6 and limits["progression"]["week"] == 2
    assert limits["changes"][-1]["from"] == 10 and limits["changes"][-1]["to"] == 6
    held, _ = apply_profile(find_spec("childs_pose"), path, today=dt.date(2026, 11, 10))
    assert held.dose == find_spec("childs_pose").dose  # a hold's dose is not in reps


def test_a_smaller_arch_counts_for_this_person_and_the_report_says_so(tmp_path: Path) -> None:
    """A press-up to an elbow angle of about 140 degrees is not a rep with the shipped threshold
    (145) but is one with the therapist's 132."""
    elbows = mix(PRONE, trunk=160, neck=160, face=-80, **both(uarm=-90, farm=-180))
    small = mix(PRONE, trunk=150, neck=150, face=-60, **both(uarm=-75, farm=-115))
    keys = cycle(elbows, small, reps=3, hold_s=5.5)
    path = write(tmp_path, "[exercises.back_extension]\nrep.peak = 132\n")
    counts = {}
    for name, profile in (("shipped", None), ("profile", path)):
        spec, limits = (find_spec("back_extension"), None) if profile is None else apply_profile(find_spec("back_extension"), profile)
        analysis = Analysis(spec, limits=limits)
        for pose in frames(keys, "side", fps=15):
            analysis.step_pose(pose)
        analysis.finish()
        report = analysis.report({})
        counts[name] = report["reps"]
        if profile is not None:
            assert report["limits"]["changes"] == [{"key": "rep.peak", "from": 145.0, "to": 132}]
    assert counts == {"shipped": 0, "profile": 3}

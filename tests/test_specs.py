"""Every shipped exercise spec, driven through the real engine with synthetic stick-figure poses.

For each spec: a correct performance of its dose counts the dose with no fault, and each fault rule
fires on a performance with that fault. Performances are in ``spec_scenarios``; the body and the
cameras in ``spec_factory``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec_factory import frames  # noqa: E402
from spec_scenarios import Scenario, scenarios  # noqa: E402

from posecoach.app.pipeline import Analysis  # noqa: E402
from posecoach.spec.loader import exercise_ids, find_spec, specs_dir  # noqa: E402

FPS = 15.0
SCENARIOS = {s.exercise: s for s in scenarios()}
#: Exercises without a synthetic performance yet, and rules whose synthetic check does not pass
#: yet (tracked as expected failures so that fixing them shows up).
MISSING: set[str] = set()
KNOWN_GAPS = {
}
#: Fault rules with no synthetic performance yet.
UNTESTED_FAULTS: set[str] = set()


def run(exercise: str, keys: list, view: str, jitter_px: float = 0.0, seed: int = 0) -> dict:
    analysis = Analysis(find_spec(exercise))
    for pose in frames(keys, view, fps=FPS, jitter_px=jitter_px, seed=seed):
        analysis.step_pose(pose)
    analysis.finish()
    return analysis.report({"synthetic": True})


def _gap(exercise: str, case: str) -> list:
    reason = KNOWN_GAPS.get((exercise, case))
    return [pytest.mark.xfail(reason=reason, strict=False)] if reason else []


def test_every_spec_validates_and_has_a_scenario_or_is_listed_missing() -> None:
    ids = set(exercise_ids())
    assert len(ids) >= 29
    for ex in ids:
        find_spec(ex)
    assert ids == set(SCENARIOS) | MISSING, "each spec needs a scenario (or an entry in MISSING)"


def test_discovery_ignores_routines_and_profiles_folders() -> None:
    assert (specs_dir() / "routines").is_dir() and (specs_dir() / "profiles").is_dir()
    assert not {"routines", "profiles"} & set(exercise_ids())


CORRECT = [pytest.param(s, id=s.exercise, marks=_gap(s.exercise, "correct")) for s in SCENARIOS.values()]


@pytest.mark.parametrize("scenario", CORRECT)
def test_correct_performance_counts_the_dose_without_faults(scenario: Scenario) -> None:
    report = run(scenario.exercise, scenario.correct, scenario.view)
    assert report["reps"] == scenario.expected
    assert report["faults"] == []
    if scenario.by_side is not None:
        assert {k: report["reps_by_side"][k] for k in scenario.by_side} == scenario.by_side
    # a rule for this view is judged; a rule for another view says "not judged", never "passed"
    checks = {c["id"]: c for c in report["fault_checks"]}
    frontal = scenario.view != "side"
    for fault in find_spec(scenario.exercise).faults:
        sees = ("side" in fault.views) if not frontal else bool({"front", "back", "above", "feet"} & set(fault.views))
        status = checks[fault.id]["status"]
        if sees:
            assert status in ("judged", "partly judged", "not applicable"), (fault.id, status)
        else:
            assert status == "not judged" and "view" in checks[fault.id]["reason"], (fault.id, checks[fault.id])


@pytest.mark.parametrize("scenario", CORRECT)
def test_landmark_jitter_of_a_pose_model_changes_neither_count_nor_faults(scenario: Scenario) -> None:
    """2 px of noise on every landmark (the figure is about 500 px tall): hysteresis, debounce and
    the bounce amplitude must absorb it."""
    report = run(scenario.exercise, scenario.correct, scenario.view, jitter_px=2.0, seed=3)
    assert report["reps"] == scenario.expected
    assert [f["id"] for f in report["faults"]] == []


OTHER_VIEWS = [pytest.param(s, v, id=f"{s.exercise}-{v}") for s in SCENARIOS.values() for v in s.also_views]


@pytest.mark.parametrize(("scenario", "view"), OTHER_VIEWS)
def test_correct_performance_counts_the_same_from_the_other_allowed_views(scenario: Scenario, view: str) -> None:
    report = run(scenario.exercise, scenario.correct, view)
    assert report["reps"] == scenario.expected
    assert report["faults"] == []
    if scenario.by_side is not None:
        assert {k: report["reps_by_side"][k] for k in scenario.by_side} == scenario.by_side


FAULTS = [pytest.param(s, fid, id=f"{s.exercise}-{fid}", marks=_gap(s.exercise, fid))
          for s in SCENARIOS.values() for fid in s.faults]


@pytest.mark.parametrize(("scenario", "fault_id"), FAULTS)
def test_each_fault_fires_on_a_performance_with_it(scenario: Scenario, fault_id: str) -> None:
    view = scenario.fault_views.get(fault_id, scenario.view)
    report = run(scenario.exercise, scenario.faults[fault_id], view)
    assert fault_id in {f["id"] for f in report["faults"]}


def test_every_spec_fault_is_exercised_by_a_scenario() -> None:
    untested = []
    for ex, scenario in SCENARIOS.items():
        for fault in find_spec(ex).faults:
            if fault.id not in scenario.faults and f"{ex}.{fault.id}" not in UNTESTED_FAULTS:
                untested.append(f"{ex}.{fault.id}")
    assert untested == []


def test_a_fault_for_another_view_is_reported_not_judged() -> None:
    """side_bend's leaning_forward is a frontal rule: filmed from the side it is never judged."""
    s = SCENARIOS["seated_side_bend"]
    report = run("side_bend", s.correct, "front")
    check = {c["id"]: c for c in report["fault_checks"]}["leaning_forward"]
    assert check["status"] in ("judged", "partly judged")
    report = run("side_bend", s.correct, "side")
    check = {c["id"]: c for c in report["fault_checks"]}["leaning_forward"]
    assert check["status"] in ("not judged", "not applicable")


def test_lateral_is_signed_towards_the_persons_left_in_every_frontal_view() -> None:
    s = SCENARIOS["side_bend"]
    for view in ("front", "back"):
        report = run("side_bend", s.correct, view)
        assert report["reps_by_side"]["left"] == 5 and report["reps_by_side"]["right"] == 5, view


def test_every_spec_tells_the_user_what_is_and_is_not_checked() -> None:
    for ex in exercise_ids():
        spec = find_spec(ex)
        assert spec.checked and spec.not_checked, ex
        assert spec.dose.reps or spec.dose.holds, ex
        assert (spec.rep is not None and spec.rep.too_fast_s > 0) or spec.bounce is not None or spec.hold is not None, ex
        if spec.position not in ("standing", "seated"):
            assert spec.get_down.strip() and spec.get_up.strip(), ex
        for fault in spec.faults:  # a fault judged from a view the exercise is never filmed from is dead
            assert set(fault.views) & set(spec.view) or fault.views == ("side",), (ex, fault.id)


def test_exercises_command_lists_every_exercise_with_view_and_dose(capsys: pytest.CaptureFixture[str]) -> None:
    from posecoach.cli import main

    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    for ex in exercise_ids():
        assert f"\n{ex} " in out
    assert "feet or above" in out  # knee_rolls
    assert "8 reps per side, hold 3 s" in out  # bird_dog


def test_exercises_show_prints_instructions_checks_limits_and_fault_views(capsys: pytest.CaptureFixture[str]) -> None:
    from posecoach.cli import main

    assert main(["exercises", "show", "table_top_wag"]) == 0
    out = capsys.readouterr().out
    spec = find_spec("table_top_wag")
    assert "How to do it:" in out and "Getting down:" in out and "Getting up:" in out
    for line in (*spec.checked, *spec.not_checked):
        assert line in out
    assert 'hips_too_high: "Lower your hips into line with your shoulders and knees" (judged from: side;' in out
    assert "hips_dropping" in out and "(judged from: behind;" in out
    assert main(["exercises", "show", "nope"]) == 4
    assert "unknown exercise 'nope'" in capsys.readouterr().err


def _rest_and_peak(scenario: Scenario) -> tuple:
    """The start pose and the first end pose of a rep scenario built by ``cycle``."""
    return scenario.correct[0][1], scenario.correct[2][1]


SHARED = [pytest.param(s, id=s.exercise) for s in SCENARIOS.values() if find_spec(s.exercise).rep is not None]


@pytest.mark.parametrize("scenario", SHARED)
def test_shared_rules_rushing_and_short_holds_fire_for_every_rep_exercise(scenario: Scenario) -> None:
    from spec_factory import cycle

    rule = find_spec(scenario.exercise).rep
    assert rule is not None
    rest, peak = _rest_and_peak(scenario)
    if rule.too_fast_s > 0:
        move = 0.5 * (rule.min_duration_s + rule.too_fast_s) * 0.6
        if round(2 * move + 0.1, 6) >= rule.too_fast_s:  # the whole rep (in, a 0.1 s top, out) must be rushed
            move = 0.5 * (0.7 * rule.too_fast_s - 0.1)
        report = run(scenario.exercise, cycle(rest, peak, reps=1, move_s=move, hold_s=0.1), scenario.view)
        assert report["reps"] == 1 and "too_fast" in {f["id"] for f in report["faults"]}
    if rule.hold_s > 0:
        report = run(scenario.exercise, cycle(rest, peak, reps=1, move_s=2.0, hold_s=0.2 * rule.hold_s), scenario.view)
        assert report["reps"] == 1 and "short_hold" in {f["id"] for f in report["faults"]}


PLANK_CSV = Path(__file__).resolve().parent.parent.parent / "shared" / "real" / "exercise_correction_csv" / "plank_test.csv"


@pytest.mark.skipif(not PLANK_CSV.is_file(), reason="the labelled plank landmarks are not available")
@pytest.mark.parametrize(("label", "expected"), [("C", set()), ("H", {"hips_too_high"}), ("L", {"hips_sagging"})])
def test_plank_faults_on_real_labelled_landmarks(label: str, expected: set[str]) -> None:
    """Frames of real planks labelled correct (C), hips too high (H) or low back sagging (L), as
    MediaPipe landmarks (17 points; the video size is not given, 1280x720 is assumed). The rows
    are frames sampled from many clips and joined, so the body jumps between some of them and
    no continuous hold is timed; every frame is checked against the plank position instead."""
    import csv

    import numpy as np

    from posecoach import landmarks as lm
    from posecoach.engine.conditions import evaluate_all
    from posecoach.types import PoseFrame

    spec = find_spec("plank")
    assert spec.hold is not None
    analysis = Analysis(spec)
    with PLANK_CSV.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"] == label]
    in_position = 0
    for i, row in enumerate(rows):
        points = np.full((lm.COUNT, 4), np.nan)
        for name, j in lm.INDEX.items():
            if f"{name}_x" in row:
                points[j] = [float(row[f"{name}_{k}"]) for k in ("x", "y", "z", "v")]
        step = analysis.step_pose(PoseFrame(i, i * 33, 1280, 720, points))
        in_position += bool(evaluate_all(spec.hold.require, step.features.values))
    analysis.finish()
    report = analysis.report({})
    # hips held too high tilt the body line past the position's limit on some frames (70% in position)
    assert in_position > 0.6 * len(rows), "most frames are recognised as the plank position"
    assert {f["id"] for f in report["faults"]} == expected


def _blend(a: dict, b: dict, w: float) -> dict:
    """The pose ``w`` of the way from ``a`` to ``b`` (joint by joint)."""
    return {k: a.get(k, b.get(k, 0.0)) * (1 - w) + b.get(k, a.get(k, 0.0)) * w for k in set(a) | set(b)}


def test_bridge_that_stops_half_way_to_a_clear_sag_is_told_to_lift_higher() -> None:
    from spec_factory import cycle
    from spec_scenarios import CROOK, both, mix
    top = mix(CROOK, hip_y=0.33, trunk=207, **both(thigh=22, shin=-72))
    sag = mix(top, hip_y=0.16, trunk=196, **both(thigh=35, shin=-70))
    half = run("bridge", cycle(CROOK, _blend(top, sag, 0.5), reps=2), "side")
    assert half["reps"] == 2 and "hips_sag" in {f["id"] for f in half["faults"]}
    nearly = run("bridge", cycle(CROOK, _blend(top, sag, 0.1), reps=2), "side")
    assert nearly["reps"] == 2 and nearly["faults"] == []


def test_cat_cow_counts_a_cow_that_lifts_the_head_only_a_little_but_not_a_return_to_neutral() -> None:
    from spec_factory import cycle
    from spec_scenarios import FOURS, both, mix
    fours = mix(FOURS, **both(farm=-80))
    cat = mix(fours, trunk=5, neck=-60, face=-100)
    cow = mix(fours, trunk=-3, neck=35, face=0)
    assert run("cat_cow", cycle(cat, _blend(fours, cow, 0.1), reps=3), "side")["reps"] == 3
    assert run("cat_cow", cycle(cat, fours, reps=3), "side")["reps"] == 0


def test_hip_flexor_stretch_is_timed_kneeling_on_one_knee_but_not_on_both_or_standing() -> None:
    from spec_scenarios import STAND, both, side
    kneel = {"hip_y": 0.55, **both(thigh=-90, shin=-180, foot=180)}
    # kneeling on the left knee, the right foot in front, trunk upright and no forward shift
    # (how people are seen holding it)
    half = {"hip_y": 0.55, **side("L", thigh=-90, shin=-180, foot=180), **side("R", thigh=0, shin=-90, foot=0)}
    held = run("hip_flexor_stretch", [(0.0, half), (12.0, half)], "side")
    assert [(h["side"], round(h["duration_s"])) for h in held["holds"]] == [("left", 11)]
    assert held["faults"] == []
    for still in (kneel, STAND):
        report = run("hip_flexor_stretch", [(0.0, still), (12.0, still)], "side")
        assert report["holds"] == [] and report["reps"] == 0

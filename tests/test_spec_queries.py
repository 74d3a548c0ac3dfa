"""What the spec itself answers: rep or hold, the points a metric reads, how a point name
resolves, the hold target, the built-in rules and whether the exercise is sided."""

from __future__ import annotations

import math
import tomllib
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from engine_factory import make_spec
from posecoach import landmarks as lm
from posecoach.engine.session import Session
from posecoach.features import point_px
from posecoach.render.overlay import Overlay
from posecoach.spec.loader import exercise_ids, find_spec, specs_dir
from posecoach.spec.schema import Hold, Rep, Spec, point_landmarks
from posecoach.voice import CueMaker

HOLD = {"require": [{"metric": "a", "op": ">", "value": 120}], "target_s": 8}


def _bridge_data() -> dict[str, Any]:
    return tomllib.loads((specs_dir() / "bridge.toml").read_text())


def test_the_schema_refuses_a_spec_with_both_rep_and_hold_or_neither() -> None:
    both = _bridge_data()
    both["hold"] = {"require": both["setup"]["require"], "target_s": 5}
    neither = _bridge_data()
    del neither["rep"]
    for data in (both, neither):
        with pytest.raises(ValidationError, match=r"a spec needs exactly one of \[rep\] or \[hold\]"):
            Spec.model_validate(data)
    assert Spec.model_validate(_bridge_data()).kind == "reps"


def test_counting_is_the_one_rule_given() -> None:
    reps, holds = make_spec(), make_spec(rep=None, hold=HOLD, dose={"reps": None, "holds": 2})
    assert isinstance(reps.counting, Rep) and reps.counting is reps.rep and reps.kind == "reps"
    assert isinstance(holds.counting, Hold) and holds.counting is holds.hold and holds.kind == "hold"
    assert reps.main_metric == "a" and holds.main_metric == "a"
    assert reps.target_count == 5 and holds.target_count == 2


def test_hold_target_and_built_in_rules_follow_the_rule() -> None:
    plain = make_spec(rep={"too_fast_s": 0.0})
    rushed = make_spec(rep={"too_fast_s": 2.0})
    held_at_top = make_spec(rep={"hold_s": 3})
    hold = make_spec(rep=None, hold=HOLD, bounce={"amplitude": 4.0})
    assert plain.hold_target_s is None and plain.built_in_faults == () and plain.too_fast_s == 0
    assert rushed.hold_target_s is None and rushed.built_in_faults == ("too_fast",) and rushed.too_fast_s == 2
    assert held_at_top.hold_target_s == 3 and held_at_top.built_in_faults == ("short_hold",)
    # a hold exercise never rushes a rep nor cuts a top hold short: only bouncing applies
    assert hold.hold_target_s == 8 and hold.built_in_faults == ("bouncing",) and hold.too_fast_s == 0


def test_sided_comes_from_the_rule() -> None:
    assert not make_spec().sided
    assert make_spec(metrics={"a": {"type": "joint_angle", "points": ["shoulder", "hip", "knee"], "side": "max"}},
                     rep={"sided": True}).sided
    assert make_spec(rep=None, hold={**HOLD, "sided": True, "side_metric": "a"}).sided


def test_every_metric_names_the_points_it_reads() -> None:
    spec = make_spec(metrics={
        "a": {"type": "joint_angle", "points": ["shoulder", "hip", "knee"]},
        "seg": {"type": "segment_angle", "points": ["hip", "mid_shoulder"], "reference": "vertical"},
        "gap": {"type": "distance", "points": ["left_knee", "right_knee"], "per": ["left_hip", "right_hip"]},
        "reach": {"type": "distance", "points": ["wrist", "ankle"]},
        "off": {"type": "offset", "points": ["nose", "hip"], "axis": "up"},
        "rise": {"type": "displacement", "point": "mid_hip", "axis": "up"},
        "shift": {"type": "lateral", "point": "mid_knee"},
        "line": {"type": "line_offset", "point": "hip", "line": ["shoulder", "knee"]},
    })
    names = {k: m.point_names for k, m in spec.metrics.items()}
    assert names == {
        "a": ("shoulder", "hip", "knee"), "b": ("hip", "knee", "ankle"), "seg": ("hip", "mid_shoulder"),
        "gap": ("left_knee", "right_knee", "left_hip", "right_hip"), "reach": ("wrist", "ankle"),
        "off": ("nose", "hip"), "rise": ("mid_hip",), "shift": ("mid_knee", "left_hip", "right_hip"),
        "line": ("hip", "shoulder", "knee"),
    }


def test_landmark_names_cover_both_sides_of_sided_names_and_midpoints() -> None:
    spec = make_spec(metrics={
        "a": {"type": "joint_angle", "points": ["shoulder", "mid_hip", "left_knee"]},
        "b": {"type": "offset", "points": ["nose", "mid_hip"], "axis": "up"},
    })
    assert spec.landmark_names() == {"left_shoulder", "right_shoulder", "left_hip", "right_hip", "left_knee", "nose"}


def test_a_point_name_stands_for_one_landmark_or_a_midpoints_two() -> None:
    assert point_landmarks("hip", "right") == ("right_hip",)
    assert point_landmarks("left_knee", "right") == ("left_knee",)  # a concrete name keeps its side
    assert point_landmarks("nose", "left") == ("nose",)
    assert point_landmarks("mid_shoulder", "right") == ("left_shoulder", "right_shoulder")


def test_a_midpoint_is_the_known_side_when_the_other_is_unknown() -> None:
    xy = np.full((lm.COUNT, 2), np.nan)
    xy[lm.INDEX["left_hip"]] = (100.0, 200.0)
    xy[lm.INDEX["right_hip"]] = (300.0, 220.0)
    assert point_px(xy, "mid_hip", "left").tolist() == [200.0, 210.0]
    assert point_px(xy, "hip", "right").tolist() == [300.0, 220.0]
    xy[lm.INDEX["left_hip"]] = np.nan
    assert point_px(xy, "mid_hip", "left").tolist() == [300.0, 220.0]
    xy[lm.INDEX["right_hip"]] = np.nan
    assert math.isnan(point_px(xy, "mid_hip", "left")[0])


@pytest.mark.parametrize("exercise", exercise_ids())
def test_session_overlay_and_voice_time_the_hold_the_spec_names(exercise: str) -> None:
    spec = find_spec(exercise)
    session = Session(spec)
    timer_target = session.hold_timer.target_s if session.hold_timer is not None else None
    assert timer_target == spec.hold_target_s
    assert Overlay(spec).hold_target == spec.hold_target_s
    assert CueMaker(spec).hold_target == spec.hold_target_s

"""Coaching from the views a spec allows: the start position measured at setup, and a view that
cannot work said plainly before the set and in the summary."""

from __future__ import annotations

import numpy as np

from posecoach.app.pipeline import Analysis
from posecoach.engine.events import SetupCompleted
from posecoach.landmarks import COUNT, INDEX
from posecoach.report import summary_text
from posecoach.spec.loader import find_spec
from posecoach.types import PoseFrame

W, H, FPS = 640, 360, 30
HIP_W = 120.0  # px between the hip joints


def frame(i: int, points: dict[str, tuple[float, float]]) -> PoseFrame:
    lms = np.full((COUNT, 4), np.nan)
    lms[:, 3] = 0.0
    for name, (x, y) in points.items():
        lms[INDEX[name]] = (x / W, y / H, 0.0, 0.99)
    return PoseFrame(i, round(i * 1000 / FPS), W, H, lms)


def supine_from_above(shift: float) -> dict[str, tuple[float, float]]:
    """Lying on the back, seen from above with the head at the image top: the person's left is on
    the image right. ``shift``: where the knees are, in hip widths towards the person's left of the
    middle of the hips as the image shows it."""
    kx = 320 + shift * HIP_W
    return {
        "left_shoulder": (400, 80), "right_shoulder": (240, 80), "left_hip": (380, 230), "right_hip": (260, 230),
        "left_knee": (kx + 25, 300), "right_knee": (kx - 25, 300), "left_ankle": (370, 340), "right_ankle": (270, 340),
    }


def timeline(*legs: tuple[float, float]) -> list[float]:
    """Per-frame values going linearly to each (value, seconds) in turn, from the first value."""
    out = [legs[0][0]]
    for value, secs in legs:
        n = max(1, round(secs * FPS))
        out += list(np.linspace(out[-1], value, n + 1)[1:])
    return out


def run(exercise: str, frames: list[PoseFrame]) -> tuple[Analysis, list]:
    analysis = Analysis(find_spec(exercise))
    steps = [analysis.step_pose(f) for f in frames]
    analysis.finish()
    return analysis, steps


def test_knee_rolls_from_a_camera_off_to_one_side_start_and_count_each_side() -> None:
    # at rest the knees look 0.4 hip widths to the left (a camera above, off to one side), past the
    # rest threshold as the image shows it: measured from the start position, both rolls count
    rest = 0.4
    shifts = timeline((rest, 1.5), (rest + 1.0, 1.0), (rest + 1.0, 2.5), (rest, 1.0), (rest, 1.0),
                      (rest - 1.0, 1.0), (rest - 1.0, 2.5), (rest, 1.0), (rest, 1.5))
    analysis, steps = run("knee_rolls", [frame(i, supine_from_above(s)) for i, s in enumerate(shifts)])
    started = [s.pose.t_s for s in steps if any(isinstance(e, SetupCompleted) for e in s.result.events)]
    assert started and started[0] < 1.5
    assert steps[-1].result.reps == 2
    assert steps[-1].result.reps_by_side == {"left": 1, "right": 1}


def test_knee_sways_from_a_camera_off_to_one_side_count_both_ways() -> None:
    rest = -0.4
    shifts = timeline((rest, 1.5), (rest + 0.6, 1.0), (rest + 0.6, 0.5), (rest, 1.0), (rest, 0.5),
                      (rest - 0.6, 1.0), (rest - 0.6, 0.5), (rest, 1.0), (rest, 1.5))
    _, steps = run("knee_sways", [frame(i, supine_from_above(s)) for i, s in enumerate(shifts)])
    assert steps[-1].result.reps_by_side == {"left": 1, "right": 1}


def supine_from_beside(t: float) -> dict[str, tuple[float, float]]:
    """Lying on the back seen from beside the mat: both sides overlap, the knees sway a little."""
    dx = 6 * np.sin(2 * np.pi * t / 3.0)
    return {
        "left_shoulder": (150, 250), "right_shoulder": (152, 246), "left_hip": (330, 255), "right_hip": (332, 251),
        "left_knee": (420 + dx, 190), "right_knee": (422 + dx, 186), "left_ankle": (500, 258), "right_ankle": (502, 254),
    }


def test_a_view_the_exercise_cannot_be_coached_from_is_said_at_setup_and_in_the_summary() -> None:
    # knee sways are coached from the feet or above; from beside the mat a sway is not seen
    frames = [frame(i, supine_from_beside(i / FPS)) for i in range(8 * FPS)]
    analysis, steps = run("knee_sways", frames)
    assert all(s.result.view == "side" for s in steps[FPS:])
    # the set does not start, and setup says why, first, on every frame
    assert all(s.result.phase == "setup" for s in steps)
    assert all(s.result.setup_unmet[0] == "Not coached from this view: place the camera at your feet" for s in steps[FPS:])
    assert not any("whole body" in m for s in steps[FPS:] for m in s.result.setup_unmet)
    report = analysis.report({"video": "beside_the_mat.mp4"})
    note = report["view"]["note"]
    assert "can be coached only from the feet or above" in note
    assert f"VIEW: {note}" in summary_text(report)

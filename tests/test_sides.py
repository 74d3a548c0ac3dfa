"""Left and right that stay put: the pose model's left/right labels swapping mid-rep must not
split, double-count or mis-side a rep (see ``posecoach.pose.smoothing.continue_sides``)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec_factory import frames  # noqa: E402
from spec_scenarios import scenarios  # noqa: E402

from posecoach import landmarks as lm  # noqa: E402
from posecoach.app.pipeline import Analysis  # noqa: E402
from posecoach.pose.smoothing import Smoother, continue_sides  # noqa: E402
from posecoach.spec.loader import find_spec  # noqa: E402
from posecoach.types import PoseFrame  # noqa: E402

FPS = 15.0
LEFT = [i for i, n in enumerate(lm.NAMES) if n.startswith("left_") or n == "mouth_left"]
RIGHT = [lm.INDEX[n.replace("left", "right")] for n in lm.NAMES if n.startswith("left_") or n == "mouth_left"]
LEGS = [(lm.INDEX[f"left_{p}"], lm.INDEX[f"right_{p}"]) for p in ("knee", "ankle", "heel", "foot_index")]


def swapped(pose: PoseFrame, pairs) -> PoseFrame:
    """The same pose with the labels of ``pairs`` (left index, right index) exchanged."""
    out = pose.landmarks.copy()
    for a, b in pairs:
        out[[a, b]] = pose.landmarks[[b, a]]
    return PoseFrame(pose.index, pose.timestamp_ms, pose.width, pose.height, out, pose.world)


def run(poses, smoother: Smoother | None = None) -> dict:
    analysis = Analysis(find_spec("bird_dog"), smoother=smoother)
    for pose in poses:
        analysis.step_pose(pose)
    analysis.finish()
    return analysis.report({"synthetic": True})


def bird_dog_poses():
    sc = next(s for s in scenarios() if s.exercise == "bird_dog")
    return list(frames(sc.correct, sc.view, fps=FPS)), sc


def in_peaks(report: dict, pose: PoseFrame, margin_s: float = 0.4) -> bool:
    return any(r["start_s"] + margin_s < pose.t_s < r["end_s"] - margin_s for r in report["rep_details"])


@pytest.mark.parametrize("pairs", [LEGS, list(zip(LEFT, RIGHT))], ids=["legs", "whole_body"])
def test_labels_swapping_mid_rep_neither_split_nor_mis_side_a_rep(pairs):
    poses, sc = bird_dog_poses()
    clean = run(poses)
    assert clean["reps"] == sc.expected and clean["reps_by_side"] == {"left": 8, "right": 8}
    # the model swaps the labels for the second half of every rep and swaps them back after it
    halves = []
    for r in clean["rep_details"]:
        mid = 0.5 * (r["start_s"] + r["end_s"])
        halves.append((mid, r["end_s"] + 0.5))
    noisy = [swapped(p, pairs) if any(a <= p.t_s < b for a, b in halves) else p for p in poses]
    rep = run(noisy)
    assert rep["reps"] == sc.expected
    assert rep["reps_by_side"] == {"left": 8, "right": 8}
    assert [r["side"] for r in rep["rep_details"]] == [r["side"] for r in clean["rep_details"]]


def test_labels_flickering_every_few_frames_keep_the_count_and_sides():
    poses, sc = bird_dog_poses()
    noisy = [swapped(p, LEGS) if (i // 3) % 2 else p for i, p in enumerate(poses)]
    rep = run(noisy)
    assert rep["reps"] == sc.expected and rep["reps_by_side"] == {"left": 8, "right": 8}


def test_without_continuity_the_same_swaps_mis_side_reps():
    """The check above is not vacuous: frame-by-frame labels get the sides wrong."""
    poses, sc = bird_dog_poses()
    clean = run(poses)
    halves = [(0.5 * (r["start_s"] + r["end_s"]) - 0.6, r["end_s"] + 0.5) for r in clean["rep_details"]]
    noisy = [swapped(p, LEGS) if any(a <= p.t_s < b for a, b in halves) else p for p in poses]

    class NoContinuity(Smoother):
        def __call__(self, frame):  # the smoother as it was: labels taken as given
            self._prev_raw = None
            return super().__call__(frame)

    before = run(noisy, NoContinuity())
    after = run(noisy)
    truth = [r["side"] for r in clean["rep_details"]]
    assert [r["side"] for r in after["rep_details"]] == truth
    assert [r["side"] for r in before["rep_details"]] != truth


def test_limbs_lying_on_each_other_keep_the_models_labels():
    base = np.zeros((33, 4))
    base[:, 3] = 1.0
    base[:, 0], base[:, 1] = 0.5, 0.5
    base[lm.INDEX["left_shoulder"], :2] = base[lm.INDEX["right_shoulder"], :2] = (0.3, 0.5)
    base[lm.INDEX["left_hip"], :2] = base[lm.INDEX["right_hip"], :2] = (0.6, 0.5)
    for a, b in LEGS:  # legs side by side, almost on top of each other
        base[a, :2] = (0.8, 0.55)
        base[b, :2] = (0.8, 0.56)
    moved = base.copy()
    for a, b in LEGS:
        moved[a, :2], moved[b, :2] = base[b, :2], base[a, :2]
    out, n = continue_sides(moved, base, 1280, 720)
    assert n == 0 and np.array_equal(out, moved)


def test_knee_rolls_from_beside_the_mat_take_their_side_from_the_pelvis():
    """From the side a roll is towards or away from the camera; which way it went is read from
    the pelvis following the knees (rolling left lifts the right hip), not from the labels of
    the knees themselves."""
    from spec_factory import cycle
    from spec_scenarios import mix

    sc = next(s for s in scenarios() if s.exercise == "knee_rolls")
    poses = []
    for _, p in sc.correct:
        if p not in poses:
            poses.append(p)
    rest, left, right = poses[:3]
    # the pelvis follows the knees: the hip on the far side of the roll lifts
    roll_left, roll_right = mix(left, pelvis_roll=-15), mix(right, pelvis_roll=15)
    keys = cycle(rest, roll_left, reps=4, move_s=1.5, hold_s=2.0, peaks=[roll_left, roll_right])
    analysis = Analysis(find_spec("knee_rolls"))
    for pose in frames(keys, "side", fps=FPS):
        analysis.step_pose(pose)
    analysis.finish()
    rep = analysis.report({"synthetic": True})
    assert rep["view"]["detected_s"].get("side", 0) > 0 and rep["view"]["note"] == ""
    assert [r["side"] for r in rep["rep_details"]] == ["left", "right", "left", "right"]


def _standing_bend(trunk_deg: float, pelvis_deg: float) -> PoseFrame:
    """Hips and shoulders of a person facing the camera (their left at image right), the pelvis
    line tilted by ``pelvis_deg`` (their left hip lower) and the trunk leaning ``trunk_deg``
    from upright towards their left."""
    pts = np.full((33, 4), np.nan)
    half_hip, torso, half_sh = 0.05, 0.3, 0.08
    c = np.array([0.5, 0.6])
    p = np.radians(pelvis_deg)
    across = np.array([np.cos(p), np.sin(p)])  # right -> left hip, in image units
    t = np.radians(trunk_deg)
    up = np.array([np.sin(t), -np.cos(t)])
    sh = c + torso * up
    sh_across = np.array([np.cos(t), np.sin(t)])
    for name, xy in (("left_hip", c + half_hip * across), ("right_hip", c - half_hip * across),
                     ("left_shoulder", sh + half_sh * sh_across), ("right_shoulder", sh - half_sh * sh_across)):
        pts[lm.INDEX[name]] = (*xy, 0.0, 0.99)
    return PoseFrame(0, 0, 1000, 1000, pts, None)


def test_a_side_bend_with_the_hips_hitching_reads_as_a_bend_when_measured_level():
    """Bending sideways, the pelvis line tilts in the picture: measured along that line, the
    shoulders barely move across it; measured along the level the bend shows, towards the side
    bent to."""
    from posecoach.features import FeatureExtractor

    spec = find_spec("side_bend")
    assert spec.metrics["bend"].along == "level"
    pair_spec = spec.model_copy(update={"metrics": {**spec.metrics,
                                                   "bend": spec.metrics["bend"].model_copy(update={"along": "pair"})}})
    pose = _standing_bend(trunk_deg=15, pelvis_deg=12)
    level = FeatureExtractor(spec).compute(pose)
    pair = FeatureExtractor(pair_spec).compute(pose)
    assert level.values["bend"] > 0.5 and level.sides["bend"] == "left"
    assert abs(pair.values["bend"]) < 0.3
    mirrored = _standing_bend(trunk_deg=-15, pelvis_deg=-12)
    assert FeatureExtractor(spec).compute(mirrored).sides["bend"] == "right"
    upright = FeatureExtractor(spec).compute(_standing_bend(trunk_deg=0, pelvis_deg=0))
    assert abs(upright.values["bend"]) < 0.05

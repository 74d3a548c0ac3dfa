"""Tests of the overlay, the timeline strip, the screens and the framing check, on rendered pixels.

Frames are drawn on a plain dark image from a hand-made pose, so every pixel that changes was
drawn by the code under test; each check looks where something should (or should not) be.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from posecoach import landmarks as lm
from posecoach.engine.events import FaultRecord
from posecoach.engine.session import FrameResult
from posecoach.app.pipeline import Step
from posecoach.render import draw
from posecoach.framing import FramingCheck, out_of_view, spec_landmarks
from posecoach.render.overlay import HudInfo, Overlay, draw_angle_arc, draw_skeleton, reps_text
from posecoach.render.screens import pain_screen, summary_screen
from posecoach.routine import any_summary_text
from posecoach.render.timeline import CURSOR_COLOR, FAULT_COLOR, HOLD_COLOR, REP_COLOR, Timeline
from posecoach.render.video import VideoOut, count_frames
from posecoach.render.window import HeadlessWindow, display_size, parse_key_script
from posecoach.spec.loader import find_spec
from posecoach.types import Features, PoseFrame
from report_schema import example_report

W, H = 640, 480
BG = (40, 40, 40)


def blank() -> np.ndarray:
    img = np.empty((H, W, 3), np.uint8)
    img[:] = BG
    return img


def bridge_pose(dx: float = 0.01, **moved: tuple[float, float]) -> PoseFrame:
    """A person lying on their back seen from the side (left side to the camera), all in view.
    ``moved`` overrides landmark positions (normalised x, y); NaN marks a hidden landmark."""
    lms = np.full((lm.COUNT, 4), np.nan)
    lms[:, 3] = 0.9
    pts = {"nose": (0.12, 0.62), "ear": (0.15, 0.62), "shoulder": (0.25, 0.68), "elbow": (0.35, 0.72),
           "wrist": (0.45, 0.74), "hip": (0.50, 0.66), "knee": (0.65, 0.48), "ankle": (0.72, 0.72),
           "heel": (0.70, 0.74), "foot_index": (0.78, 0.74)}
    for name, (x, y) in pts.items():
        for side, off in (("left", 0.0), ("right", dx)):
            full = name if name == "nose" else f"{side}_{name}"
            lms[lm.INDEX[full], :2] = (x + off, y)
    for name, (x, y) in moved.items():
        lms[lm.INDEX[name], :2] = (x, y)
    return PoseFrame(0, 1000, W, H, lms)


def make_step(pose: PoseFrame, *, phase: str = "peak", value: float = 150.0, faults: list[FaultRecord] | None = None,
              unmet: list[str] | None = None, reps: int = 2, hold_s: float = 0.0,
              by_side: dict[str, int] | None = None) -> Step:
    feats = Features(0, pose.timestamp_ms, True, {"hip_angle": value}, {"hip_angle": "left"}, "side")
    result = FrameResult(t_s=pose.t_s, phase=phase, events=[], reps=reps, reps_by_side=by_side or {}, hold_s=hold_s,
                         active_faults=faults or [], setup_unmet=unmet or [], view="side", main_value=value)
    return Step(pose, pose, feats, result)


def px(pose: PoseFrame, name: str) -> tuple[int, int]:
    x, y = pose.landmarks[lm.INDEX[name], :2]
    return int(round(x * W)), int(round(y * H))


def count_color(region: np.ndarray, color: tuple[int, int, int], tol: int = 40) -> int:
    return int((np.abs(region.astype(int) - np.array(color)).max(axis=2) <= tol).sum())


def changed(region: np.ndarray, bg: tuple[int, int, int] = BG) -> int:
    return int((np.abs(region.astype(int) - np.array(bg)).max(axis=2) > 30).sum())


@pytest.fixture(scope="module")
def bridge():
    return find_spec("bridge")


# -- skeleton and metric --------------------------------------------------------------------------
def test_skeleton_colour_is_at_every_visible_joint_and_nowhere_near_hidden_ones() -> None:
    full = bridge_pose(dx=0.08)
    kx, ky = px(full, "right_knee")
    pose = bridge_pose(dx=0.08, right_knee=(math.nan, math.nan))
    img = blank()
    draw_skeleton(img, pose)
    for name in ("left_shoulder", "left_hip", "left_knee", "left_ankle", "left_wrist", "right_hip", "right_ankle"):
        x, y = px(pose, name)
        assert count_color(img[y - 1:y + 2, x - 1:x + 2], draw.SKELETON, tol=10) == 9, name
    # the hidden knee gets neither a joint nor the segments to it
    assert changed(img[ky - 6:ky + 7, kx - 6:kx + 7]) == 0
    # far from the body, nothing was drawn
    assert changed(img[0:100, 0:640]) == 0


def test_angle_arc_lies_inside_the_angle_and_not_opposite_it() -> None:
    img = blank()
    vertex = np.array([320.0, 240.0])
    # rays to the right and straight up: a 90 degree angle opening up-right
    draw_angle_arc(img, vertex, vertex + (200.0, 0.0), vertex + (0.0, -200.0), 90.0, draw.GREEN, 1.0)
    r = 60  # the arc radius for long limbs at scale 1
    d = r / math.sqrt(2)

    def at(dx: float, dy: float) -> np.ndarray:
        return img[int(240 + dy) - 3:int(240 + dy) + 4, int(320 + dx) - 3:int(320 + dx) + 4]

    assert count_color(at(d, -d), draw.GREEN) > 0  # up-right: inside the angle
    assert count_color(at(d, d), draw.GREEN) == 0  # down-right and up-left: outside it
    assert count_color(at(-d, -d), draw.GREEN) == 0
    # the value is written beyond the arc, on the side away from the limbs (down-left)
    assert count_color(img[240:330, 220:320], draw.GREEN) > 20
    assert count_color(img[130:235, 200:315], draw.GREEN) == 0  # and nothing up-left


def test_overlay_draws_the_joint_angle_at_the_hip_in_the_phase_colour(bridge) -> None:
    pose = bridge_pose()
    img = Overlay(bridge).draw(blank(), make_step(pose, phase="peak", value=150.0))
    hx, hy = px(pose, "left_hip")
    around_hip = img[hy - 70:hy + 70, hx - 70:hx + 70]
    assert count_color(around_hip, draw.GREEN, tol=30) > 100  # limbs, arc and number in "peak" green
    rest = Overlay(bridge).draw(blank(), make_step(pose, phase="rest", value=150.0))
    assert count_color(rest[hy - 70:hy + 70, hx - 70:hx + 70], draw.GREEN, tol=30) == 0


def test_status_panel_shows_text_and_hold_bar_and_reps_text(bridge) -> None:
    img = Overlay(bridge).draw(blank(), make_step(bridge_pose(), phase="rest"))
    panel = img[8:110, 8:260]
    assert count_color(panel, draw.WHITE, tol=30) > 150  # "Reps 2 / 10" in white
    assert reps_text(bridge, make_step(bridge_pose(), reps=2).result) == "Reps 2 / 10"
    bird = find_spec("bird_dog")
    step = make_step(bridge_pose(), by_side={"left": 3, "right": 1})
    assert reps_text(bird, step.result) == "Left 3 / 8   Right 1 / 8"
    # bird-dog has a 3 s peak hold: half of it fills about half of the bar under the panel
    img = Overlay(bird).draw(blank(), make_step(bridge_pose(), phase="peak", hold_s=1.5))

    def longest_run(mask: np.ndarray) -> tuple[int, int]:
        best, start = (0, 0), None
        for x, on in enumerate([*mask, False]):
            if on and start is None:
                start = x
            elif not on and start is not None:
                best = max(best, (x - start, start))
                start = None
        return best

    green = np.abs(img.astype(int) - np.array(draw.GREEN)).max(axis=2) <= 20
    bar_rows = [y for y in range(60, 240) if longest_run(green[y])[0] > 40]
    assert bar_rows, "no hold bar drawn"
    y = bar_rows[len(bar_rows) // 2]
    run, x0 = longest_run(green[y])
    grey = np.flatnonzero(np.abs(img[y].astype(int) - np.array(draw.GREY)).max(axis=1) <= 20)
    outline = grey.max() - grey.min()  # the bar's grey frame spans the whole bar
    assert 0.4 < run / outline < 0.6
    assert x0 <= grey.min() + 2


def test_faults_are_large_messages_at_the_bottom_only_when_active(bridge) -> None:
    pose = bridge_pose()
    fault = FaultRecord("over_arching", 0.5, None, "Don't push your hips too high")
    with_fault = Overlay(bridge).draw(blank(), make_step(pose, faults=[fault]))
    without = Overlay(bridge).draw(blank(), make_step(pose))
    bottom = slice(H - 70, H)
    assert count_color(with_fault[bottom], draw.WHITE, tol=30) > 300  # large white letters
    assert count_color(with_fault[bottom], (20, 20, 170), tol=25) > 2000  # on a red panel
    assert changed(without[bottom]) == 0


def test_setup_panel_lists_what_to_fix_only_during_setup(bridge) -> None:
    pose = bridge_pose()
    unmet = ["Bend your knees and put your feet flat on the floor"]
    setup = Overlay(bridge).draw(blank(), make_step(pose, phase="setup", unmet=unmet))
    active = Overlay(bridge).draw(blank(), make_step(pose, phase="rest", unmet=unmet))
    middle = slice(H // 2 - 80, H // 2 + 20)
    assert count_color(setup[middle, 40:600], draw.YELLOW, tol=30) > 200
    assert count_color(active[middle, 40:600], draw.YELLOW, tol=30) == 0


def test_hud_shows_fps_and_paused(bridge) -> None:
    step = make_step(bridge_pose(), phase="rest")
    plain = Overlay(bridge).draw(blank(), step)
    hud = Overlay(bridge).draw(blank(), step, HudInfo(fps=29.7, paused=True))
    assert changed(plain[0:40, 540:640]) == 0
    assert count_color(hud[0:40, 540:640], draw.WHITE, tol=30) > 20
    assert count_color(hud[H // 2 - 40:H // 2 + 20], draw.YELLOW, tol=30) > 200


# -- framing ----------------------------------------------------------------------------------
def test_framing_names_the_body_part_that_is_out_of_view(bridge) -> None:
    check = FramingCheck(bridge)
    assert check(bridge_pose()) == []
    feet_out = bridge_pose(left_ankle=(0.72, 1.15), right_ankle=(0.73, 1.12))
    assert check(feet_out) == ["Move back, your feet are out of view"]
    # hidden (NaN) is not out of view
    assert check(bridge_pose(left_ankle=(math.nan, math.nan), right_ankle=(math.nan, math.nan))) == []
    both = bridge_pose(left_shoulder=(-0.1, 0.6), right_shoulder=(-0.08, 0.6), left_ankle=(1.2, 0.7),
                       right_ankle=(1.3, 0.7))
    assert out_of_view(spec_landmarks(bridge), both) == ["shoulders", "feet"]
    assert check(both) == ["Move back, your shoulders and feet are out of view"]


def test_spec_landmarks_cover_both_sides_of_generic_names(bridge) -> None:
    parts = spec_landmarks(bridge)
    assert sorted(parts) == ["feet", "hips", "knees", "shoulders"]
    assert sorted(parts["feet"]) == sorted([lm.INDEX["left_ankle"], lm.INDEX["right_ankle"]])


# -- timeline -----------------------------------------------------------------------------------
REPORT = example_report(
    rep_details=[{"number": 1, "side": None, "start_s": 2.0, "end_s": 4.0},
                 {"number": 2, "side": None, "start_s": 6.0, "end_s": 8.0}],
    holds=[{"start_s": 2.5, "end_s": 3.5}],
    faults=[{"id": "x", "start_s": 7.0, "end_s": 7.5}],
)


def _mid(tl: Timeline, row: str) -> int:
    y0, y1 = tl.row_y(row)
    return (y0 + y1) // 2


def test_timeline_marks_reps_holds_and_faults_at_their_times() -> None:
    tl = Timeline(REPORT, duration_s=10.0, width=640)
    assert tl.x_of(0.0) == tl.left and tl.x_of(10.0) == 640 - tl.right - 1
    assert tl.x_of(5.0) == pytest.approx((tl.x_of(0.0) + tl.x_of(10.0)) / 2, abs=1)
    strip = tl.render(9.5)
    reps, holds, faults = (strip[_mid(tl, r)] for r in ("reps", "holds", "faults"))

    def is_color(row: np.ndarray, x: int, color: tuple[int, int, int]) -> bool:
        return int(np.abs(row[x].astype(int) - np.array(color)).max()) <= 10

    for t in (2.2, 3.0, 3.8, 6.2, 7.9):
        assert is_color(reps, tl.x_of(t), REP_COLOR), t
    for t in (1.5, 5.0, 9.0):
        assert not is_color(reps, tl.x_of(t), REP_COLOR), t
    assert is_color(holds, tl.x_of(3.0), HOLD_COLOR) and not is_color(holds, tl.x_of(4.5), HOLD_COLOR)
    assert is_color(faults, tl.x_of(7.2), FAULT_COLOR) and not is_color(faults, tl.x_of(6.5), FAULT_COLOR)
    # each rep is marked where it was counted (its end) with a white tick
    assert is_color(reps, tl.x_of(4.0), draw.WHITE) and is_color(reps, tl.x_of(8.0), draw.WHITE)


def test_timeline_cursor_moves_with_time() -> None:
    tl = Timeline(REPORT, duration_s=10.0, width=640)
    y = _mid(tl, "holds")
    for t in (0.5, 5.0, 9.5):
        row = tl.render(t)[y]
        whites = np.flatnonzero(np.abs(row.astype(int) - np.array(CURSOR_COLOR)).max(axis=1) <= 10)
        assert whites.size and abs(int(np.median(whites)) - tl.x_of(t)) <= 1, t


# -- screens, window, video ----------------------------------------------------------------
def test_summary_and_pain_screens_write_their_text() -> None:
    report = example_report(exercise="bridge", exercise_name="Bridge", dose={"reps": 10}, reps=3, rep_details=[],
                            holds=[], faults=[], fault_checks=[], not_checked=[], frames=90,
                            frames_with_pose=90, status="complete", stop={"reason": "user", "t_s": 3.0})
    s = summary_screen(blank(), any_summary_text(report))
    assert count_color(s[0:200, 0:400], draw.WHITE, tol=30) > 300
    p = pain_screen(blank(), 12.3)
    assert count_color(p[0:H // 2], draw.RED, tol=40) > 300  # the big STOP
    assert count_color(p[H // 3:], draw.WHITE, tol=30) > 300


def test_display_size_fits_the_longest_side() -> None:
    assert display_size(640, 480) == (640, 480)
    assert display_size(1080, 1920) == (540, 960)


def test_headless_window_plays_its_key_script_by_video_time() -> None:
    win = HeadlessWindow(parse_key_script("1.5:p,0.5:space"))
    assert win.key(t_s=0.2) is None
    assert win.key(t_s=0.6) == " "
    assert win.key(t_s=1.0) is None
    assert win.key(t_s=2.0) == "p"
    assert win.key(t_s=3.0) is None
    with pytest.raises(ValueError):
        parse_key_script("1.0:pp")


def test_written_video_reads_back_with_the_same_frames_and_rate(tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    with VideoOut(out, 25.0, (160, 120)) as v:
        for i in range(17):
            v.write(np.full((120, 160, 3), i * 10, np.uint8))
    assert v.codec in ("avc1", "mp4v")
    frames, fps = count_frames(out)
    assert frames == 17 and fps == pytest.approx(25.0)


def _all_specs():
    from posecoach.errors import SpecError
    from posecoach.spec.loader import exercise_ids

    for name in exercise_ids():
        try:
            yield find_spec(name)
        except SpecError:
            continue  # an invalid spec is the spec tests' business


def test_every_exercise_draws_its_main_metric_where_it_is_measured() -> None:
    specs = list(_all_specs())
    assert len(specs) >= 8
    for spec in specs:
        pose = bridge_pose(dx=0.05)
        step = make_step(pose, phase="peak", value=0.3)
        step.features.values[spec.main_metric] = 0.3
        step.features.sides[spec.main_metric] = "left"
        img = Overlay(spec).draw(blank(), step)
        # outside the panels: the skeleton, and the metric drawn in the phase colour on the body
        body = img[150:H - 80]
        assert count_color(body, draw.SKELETON, tol=10) > 100, spec.id
        assert count_color(body, draw.GREEN, tol=30) > 30, spec.id

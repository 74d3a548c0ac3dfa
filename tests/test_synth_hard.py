"""Tests of the hard synthetic performer (``render --hard``): the variation drawn from a seed, the
human variability of the timeline, the held camera, the room and the image degradations, and
that the truth stays exact through all of them. Rendering needs the ``synth`` extra."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from posecoach.synth import choreo, timeline
from posecoach.synth.degrade import Degrade, Degrader
from posecoach.synth.scene import Camera, Handheld, _cropped, frame_camera, handheld_poses, look_at, room_meshes
from posecoach.synth.variation import harden, random_hard, randomize

CHOREO = {
    "schema_version": 1,
    "exercise": "demo",
    "poses": {"start": {"pitch": -90, "knee_flex": 90}, "top": {"base": "start", "hip_flex": 20, "left_knee_flex": 100}},
    "rep": {"count": 4, "lead_in": 1.0, "lead_out": 0.5,
            "steps": [{"to": "top", "seconds": 1.5}, {"hold": 2.0}, {"to": "start", "seconds": 1.5}, {"hold": 1.0}]},
    "faults": {"sag": {"kind": "offset", "offset": {"hip_flex": -15}}},
}


def _ch() -> choreo.Choreography:
    return choreo.parse(json.loads(json.dumps(CHOREO)), "demo.toml")


# -- drawn from the seed ---------------------------------------------------------------------------
def test_same_seed_gives_the_same_hard_options_and_another_seed_others() -> None:
    from posecoach.synth.render import Options

    a = harden(randomize(Options(), 1005, "side"), 1005, "side")
    b = harden(randomize(Options(), 1005, "side"), 1005, "side")
    assert a == b and a.hard is not None
    assert random_hard(1006) != random_hard(1005)
    # the hard draw has its own stream: body and look are what --random alone draws
    plain = randomize(Options(), 1005, "side")
    assert (a.body, a.look, a.camera_side) == (plain.body, plain.look, plain.camera_side)
    json.dumps(a.hard.record())  # the labels can hold it


def test_hard_draws_stay_in_bounds_over_the_tuning_seeds() -> None:
    for seed in range(1001, 1021):
        h = random_hard(seed)
        assert 2 <= len(h.room.items) <= 5
        assert abs(h.camera.roll) <= 7 and abs(h.camera.tilt) <= 4 and h.camera.crop <= 0.15
        assert 0 <= h.degrade.motion_blur <= 0.3 and 24 <= h.crf <= 33
        assert h.human.depth_spread <= 0.05 and h.human.tempo_spread <= 0.1 and abs(h.human.asymmetry) <= 0.03
        assert h.human.sway <= 1.5 and h.human.tremor <= 0.5 and h.human.breath <= 1.5


# -- human variability -----------------------------------------------------------------------------
def test_human_variability_is_reproducible_and_labels_stay_exact() -> None:
    ch = _ch()
    human = timeline.Human(breath=1.0, sway=1.0, tremor=0.4, depth_spread=0.05, tempo_spread=0.1,
                           asymmetry=0.03, seed=7)
    a = timeline.build(ch, human=human)
    b = timeline.build(ch, human=human)
    assert a.labels() == b.labels() and a.variability == b.variability
    assert [a.pose_at(0.1 * k) for k in range(50)] == [b.pose_at(0.1 * k) for k in range(50)]
    plain = timeline.build(ch)
    assert a.labels() != plain.labels()  # reps take their own time
    for rep, (s, e) in enumerate(a.rep_intervals):
        moves = 3.0 * a.variability["rep_tempo"][rep]
        assert e - s == pytest.approx(moves + 2.0 * a.variability["rep_hold"][rep], abs=1e-3)  # factors kept to 4 places
    for h_plain, h in zip(plain.holds, a.holds):  # holds never get shorter (no false short_hold)
        assert h["end"] - h["start"] >= h_plain["end"] - h_plain["start"] - 1e-9


@pytest.mark.parametrize("asym", [0.03, -0.03])
def test_reps_are_at_most_as_deep_as_choreographed_and_one_side_moves_less(asym: float) -> None:
    ch = _ch()
    tl = timeline.build(ch, human=timeline.Human(depth_spread=0.05, asymmetry=asym, seed=3))
    left, right = (1.0, 1.0 - asym) if asym > 0 else (1.0 + asym, 1.0)
    depths = tl.variability["rep_depth"]
    assert len(set(depths)) == 4  # uneven reps
    for rep in range(4):
        k = depths[rep]
        assert 0.95 <= k <= 1.0
        top = next(key.pose for key in tl.keys if tl.rep_intervals[rep][0] < key.t <= tl.rep_intervals[rep][1])
        assert top["left_hip_flex"] == pytest.approx(20 * k * left, abs=1e-3)  # k kept to 4 places
        assert top["right_hip_flex"] == pytest.approx(20 * k * right, abs=1e-3)
        assert top["left_knee_flex"] == pytest.approx(90 + 10 * k * left, abs=1e-3)
        assert top["pitch"] == pytest.approx(-90)
        assert 0 < top["left_hip_flex"] <= 20 and 0 < top["right_hip_flex"] <= 20


def test_moves_are_at_most_a_little_quicker() -> None:
    for seed in range(20):
        tl = timeline.build(_ch(), human=timeline.Human(tempo_spread=0.1, seed=seed))
        assert all(0.95 - 1e-9 <= k <= 1.1 + 1e-9 for k in tl.variability["rep_tempo"])


def test_sway_and_tremor_only_in_holds_and_small() -> None:
    ch = _ch()
    tl = timeline.build(ch, human=timeline.Human(sway=1.2, tremor=0.5, seed=1))
    plain = timeline.build(ch)
    assert tl.labels() == plain.labels()  # no spreads: the same timing
    holds = [(h["start"], h["end"]) for h in tl.holds]
    moved_in_hold = False
    for k in range(int(tl.duration * 30)):
        t = k / 30
        p, q = tl.pose_at(t), plain.pose_at(t)
        diff = max(abs(p[n] - q[n]) for n in p)
        if any(a <= t <= b for a, b in holds):
            assert diff <= 1.2 + 1e-9
            moved_in_hold = moved_in_hold or diff > 0.05
        else:
            assert diff == 0.0
    assert moved_in_hold


def test_breathing_moves_the_trunk_throughout() -> None:
    tl = timeline.build(_ch(), human=timeline.Human(breath=1.0, breath_hz=0.25, seed=2))
    plain = timeline.build(_ch())
    d = [tl.pose_at(0.2 * k)["spine_flex"] - plain.pose_at(0.2 * k)["spine_flex"] for k in range(int(tl.duration * 5))]
    assert max(d) > 0.7 and min(d) < -0.7 and max(abs(x) for x in d) <= 1.0 + 1e-9


def test_no_human_is_the_plain_timeline() -> None:
    ch = _ch()
    a, b = timeline.build(ch, fault="sag", jitter=0.1, seed=4), timeline.build(ch, fault="sag", jitter=0.1, seed=4, human=None)
    assert a.keys == b.keys and a.labels() == b.labels() and not b.wobbles and not b.variability


# -- the held camera --------------------------------------------------------------------------------
def _lying_body() -> np.ndarray:
    g = np.mgrid[-0.9:0.9:10j, -0.25:0.25:4j, 0.0:0.35:3j]
    return g.reshape(3, -1).T


def _side_camera(w: int = 320, h: int = 180) -> Camera:
    return frame_camera(_lying_body(), np.array([0.0, -1.0, 0.15]), w, h)


@pytest.mark.parametrize("edge", ["left", "right", "top", "bottom"])
def test_partial_framing_puts_that_share_of_the_body_out_of_the_picture(edge: str) -> None:
    cam = _side_camera()
    pts = _lying_body()
    cut = _cropped(cam, pts, edge, 0.2)
    px, _ = cut.project(pts)
    k = 0 if edge in ("left", "right") else 1
    limit = cam.width if k == 0 else cam.height
    lo, hi = float(px[:, k].min()), float(px[:, k].max())
    out = -lo if edge in ("left", "top") else hi - limit
    assert out / (hi - lo) == pytest.approx(0.2, abs=0.03)


def test_shake_and_knock_move_the_camera_reproducibly() -> None:
    cam = _side_camera()
    hh = Handheld(roll=5.0, shake=0.5, shake_hz=1.0, knock_at=0.5, knock=2.5, seed=11)
    held, poses = handheld_poses(cam, hh, _lying_body(), 61, 30.0)
    again = handheld_poses(cam, hh, _lying_body(), 61, 30.0)[1]
    assert all(np.array_equal(p, q) for p, q in zip(poses, again))
    centre = np.array([[0.0, 0.0, 0.2]])
    track = [Camera(p, cam.yfov, cam.width, cam.height).project(centre)[0][0] for p in poses]
    steps = [float(np.linalg.norm(b - a)) for a, b in zip(track, track[1:])]
    assert max(steps[:29]) < 2.0  # slow hand-held wander
    assert max(steps[29:32]) > 3.0  # the knock jolts the picture
    # the camera stays where it stands; only its direction changes
    assert all(np.allclose(p[:3, 3], cam.pose[:3, 3]) for p in poses)


def test_shaken_frame_truth_moves_with_the_image(tmp_path: Path) -> None:
    pytest.importorskip("pyrender")
    from posecoach.synth.render import truth_frame
    from posecoach.synth.scene import Renderer, box_mesh, floor_mesh, Look

    cam = Camera(look_at(np.array([0.0, -3.0, 0.6]), np.array([0.0, 0.0, 0.4])), math.radians(45), 160, 96)
    hh = Handheld(shake=0.8, knock_at=0.5, knock=3.0, seed=5)
    _, poses = handheld_poses(cam, hh, np.zeros((1, 3)), 31, 30.0)
    look = Look()
    renderer = Renderer(160, 96, look)
    marker = np.array([0.3, 0.0, 0.5])
    renderer.setup(cam, floor_mesh(np.zeros(3), 8.0, 4, look), [box_mesh(marker - 0.04, marker + 0.04, (1.0, 0.0, 0.0))])
    tiny = np.array([[0.0, 3.0, -5.0], [0.01, 3.0, -5.0], [0.0, 3.01, -5.0]])  # a speck out of sight
    try:
        seen = []
        for i in (0, 14, 15, 30):
            rgb, depth = renderer.render(tiny, np.array([[0, 1, 2]]), np.ones((3, 4)), poses[i])
            red = (rgb[:, :, 0] > 150) & (rgb[:, :, 1] < 80) & (rgb[:, :, 2] < 80)
            ys, xs = np.nonzero(red)
            frame = truth_frame(i, 0, Camera(poses[i], cam.yfov, 160, 96), np.tile(marker, (33, 1)), depth)
            assert frame.landmarks is not None
            u, v = frame.landmarks[0, 0] * 160, frame.landmarks[0, 1] * 96
            assert abs(xs.mean() + 0.5 - u) < 1.0 and abs(ys.mean() + 0.5 - v) < 1.0
            seen.append((u, v))
    finally:
        renderer.close()
    assert math.dist(seen[0], seen[3]) > 3.0  # the knock moved the picture, and the truth with it


# -- the room ---------------------------------------------------------------------------------------
def _ray_hits(origin: np.ndarray, dirs: np.ndarray, verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Distance along each unit ray (R, 3) from ``origin`` to the nearest triangle (inf: none)."""
    a, b, c = verts[faces[:, 0]], verts[faces[:, 1]], verts[faces[:, 2]]
    e1, e2 = b - a, c - a
    p = np.cross(dirs[:, None, :], e2[None])  # (R, T, 3)
    det = np.einsum("rtk,tk->rt", p, e1)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = origin - a  # (T, 3)
    u = np.einsum("rtk,tk->rt", p, s) * inv
    q = np.cross(s, e1)  # (T, 3)
    v = np.einsum("rk,tk->rt", dirs, q) * inv
    t = np.einsum("tk,tk->t", q, e2)[None] * inv
    hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-9)
    return np.where(hit, t, np.inf).min(axis=1)


@pytest.mark.parametrize("direction", [(0.0, -1.0, 0.15), (1.0, 0.0, 0.7), (0.3, 1.0, 0.05)], ids=["side", "feet", "low"])
def test_room_never_hides_the_body(direction: tuple[float, float, float]) -> None:
    from posecoach.synth.scene import Look

    pts = _lying_body()
    cam = frame_camera(pts, np.array(direction), 320, 180)
    eye = cam.pose[:3, 3]
    dirs = pts - eye
    dist = np.linalg.norm(dirs, axis=1)
    dirs = dirs / dist[:, None]
    placed_items = 0
    for seed in range(1001, 1011):
        meshes, placed = room_meshes(random_hard(seed).room, Look(), cam, pts)
        kinds = [p["kind"] for p in placed]
        assert kinds[0] == "wall"
        placed_items += sum(k not in ("wall", "picture", "rug") for k in kinds)
        for v, f, _ in meshes:
            if float(v[:, 2].max()) < 0.01:
                continue  # the rug lies under the body
            assert np.all(_ray_hits(eye, dirs, v, f) > dist - 1e-6), f"seed {seed}: an item stands in front of the body"
    assert placed_items >= 15  # most drawn items find a place


def test_ray_check_sees_an_item_in_front() -> None:
    from posecoach.synth.scene import box_mesh

    cam = _side_camera()
    eye = cam.pose[:3, 3]
    target = np.array([[0.0, 0.0, 0.2]])
    d = target - eye
    v, f, _ = box_mesh(eye + 0.5 * d[0] - 0.1, eye + 0.5 * d[0] + 0.1, (1.0, 1.0, 1.0))
    assert _ray_hits(eye, d / np.linalg.norm(d), v, f)[0] < np.linalg.norm(d)


# -- image degradation ------------------------------------------------------------------------------
def test_degradation_does_not_move_anything() -> None:
    img = np.zeros((96, 160, 3), np.uint8)
    img[30:50, 60:90] = 220
    d = Degrade(motion_blur=0.3, defocus=1.0, soft_scale=0.6, exposure=0.7, gamma=1.1, white_balance=(1.1, 1.0, 0.9),
                vignette=0.4, noise=6.0, chroma_noise=0.3, jpeg_quality=30, flicker=0.05, seed=3)
    out = Degrader(d, 160, 96, 30.0).apply(5, img, img, img).astype(float).mean(axis=2)
    out = np.clip(out - np.median(out), 0, None)
    ys, xs = np.mgrid[0:96, 0:160]
    cx, cy = (out * xs).sum() / out.sum(), (out * ys).sum() / out.sum()
    assert cx == pytest.approx(74.5, abs=0.5) and cy == pytest.approx(39.5, abs=0.5)
    again = Degrader(d, 160, 96, 30.0).apply(5, img, img, img)
    assert np.array_equal(again, Degrader(d, 160, 96, 30.0).apply(5, img, img, img))  # noise from the seed
    assert not np.array_equal(again, Degrader(d, 160, 96, 30.0).apply(6, img, img, img))  # fresh per frame


def test_motion_blur_is_centred_on_the_frame() -> None:
    from posecoach.synth.degrade import blend_neighbours

    frames = []
    for x in (40, 50, 60):
        f = np.zeros((20, 100, 3), np.uint8)
        f[:, x:x + 4] = 200
        frames.append(f)
    out = blend_neighbours(frames[0], frames[1], frames[2], 0.3).astype(float)[:, :, 0]
    xs = np.arange(100)
    assert (out.sum(axis=0) * xs).sum() / out.sum() == pytest.approx(51.5, abs=0.05)


# -- command line ------------------------------------------------------------------------------------
def test_cli_has_hard_for_render_and_corpus() -> None:
    from posecoach.synth.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["render", "bridge", "-o", "x", "--hard"]).hard
    assert not parser.parse_args(["render", "bridge", "-o", "x"]).hard
    assert parser.parse_args(["corpus", "--hard"]).hard


# -- rendering (needs the synth extra) --------------------------------------------------------------
def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_hard_render_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("anny")
    pytest.importorskip("pyrender")
    from posecoach.synth.render import Options, render_clip
    from posecoach.synth.video import probe
    from posecoach.track import read_frames

    opt = harden(randomize(Options(width=128, height=96, speed=6.0, reps=1), 1007, "side"), 1007, "side")
    assert opt.hard is not None
    # let the head side leave the picture for certain
    hard = dataclasses.replace(opt.hard, camera=dataclasses.replace(opt.hard.camera, crop_edge="top", crop=0.25))
    opt = dataclasses.replace(opt, hard=hard)
    entries = []
    for run in ("a", "b"):
        entries.append(render_clip(choreo.find("cat_cow"), tmp_path / run, "h", opt))
    entry = entries[0]
    assert entries[0] == entries[1]
    assert _sha(tmp_path / "a" / "h.truth.jsonl") == _sha(tmp_path / "b" / "h.truth.jsonl")
    n, _, w, h = probe(tmp_path / "a" / "h.mp4")
    assert (n, w, h) == (entry["frames"], 128, 96)
    rec = entry["hard"]
    assert rec["seed"] == 1007 and rec["camera"]["crop_edge"] == "top"
    assert {p["kind"] for p in rec["placed"]} >= {"wall"}
    assert len(rec["variability"]["rep_depth"]) == entry["reps"] == 1
    frames = list(read_frames(tmp_path / "a" / "h.truth.jsonl"))
    assert len(frames) == n
    out_count = 0
    for fr in frames:
        lm = fr.landmarks
        assert lm is not None
        inside = (lm[:, 0] >= 0) & (lm[:, 0] < 1) & (lm[:, 1] >= 0) & (lm[:, 1] < 1)
        # a point outside the picture is marked not visible, one inside is visible or hidden
        assert np.all(lm[~inside, 3] == 0.0) and np.all(lm[inside, 3] > 0.0)
        out_count += int((~inside).any())
    assert out_count == rec["frames_with_points_out_of_frame"] > 0

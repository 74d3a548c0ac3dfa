"""The hands-free gestures: a raised hand waved pauses, waving on (or both hands) is a pain stop;
and no exercise's correct performance (stick figures, real tracks, rendered-truth tracks) makes
either."""

from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from spec_factory import frames  # noqa: E402
from spec_scenarios import CROOK, FOURS, STAND, SUPINE, mix, scenarios, side  # noqa: E402

from posecoach.control.gestures import PAIN_STOP, PAUSE, GestureDetector  # noqa: E402
from posecoach.track import read_frames  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REAL_TRACKS = ROOT.parent / "shared" / "real" / "tracks"


def run(poses) -> list:
    det = GestureDetector()
    return [g for p in poses for g in det.update(p)]


def wave_keys(base, s: str, *, up: float = 90.0, lead_s: float = 1.0, swings: int = 6, swing_s: float = 0.35,
              amp: float = 35.0, hold_after_s: float = 1.0, other: dict | None = None, sideways: bool = True):
    """``base`` pose, then the ``s`` arm raised (upper arm at ``up`` degrees) and the forearm swung
    ``swings`` times by +-``amp`` degrees about vertical, ``swing_s`` per swing, then lowered.
    ``sideways``: across the body (seen from the front); else forwards and back (seen from the side)."""
    raised = mix(base, **side(s, uarm=up, farm=90), **(other or {}))
    keys = [(0.0, base), (lead_s, base), (lead_s + 0.5, raised)]
    t = lead_s + 0.5
    for k in range(swings):
        t += swing_s
        a = amp if k % 2 == 0 else -amp
        keys.append((t, mix(raised, **(side(s, lat_farm=a) if sideways else side(s, farm=90 + a)))))
    keys += [(t + swing_s, raised), (t + swing_s + 0.5, base), (t + swing_s + 0.5 + hold_after_s, base)]
    return keys


def test_a_wave_of_a_raised_hand_pauses_once():
    got = run(frames(wave_keys(STAND, "R", swings=6), "front"))
    assert [g.kind for g in got] == [PAUSE]
    assert got[0].side == "right"
    # recognised within about a second and a half of waving (three swings back)
    assert 1.5 + 0.35 * 3 <= got[0].t_s <= 1.5 + 0.35 * 5


def test_a_second_wave_after_lowering_the_hand_resumes():
    first = wave_keys(STAND, "L", swings=5)
    end = first[-1][0]
    second = [(end + t, p) for t, p in wave_keys(STAND, "L", swings=5, lead_s=0.6)]
    got = run(frames(first + second[1:], "front"))
    assert [g.kind for g in got] == [PAUSE, PAUSE]


def test_waving_on_for_seconds_is_a_pain_stop_after_the_pause():
    got = run(frames(wave_keys(STAND, "R", swings=14), "front"))
    assert [g.kind for g in got] == [PAUSE, PAIN_STOP]
    assert got[1].t_s - got[0].t_s == pytest.approx(3.0, abs=0.1)


def test_waving_with_both_hands_raised_is_a_pain_stop_at_once():
    got = run(frames(wave_keys(STAND, "R", swings=6, other=side("L", uarm=90, farm=90)), "front"))
    assert [g.kind for g in got] == [PAIN_STOP]
    assert got[0].side == "both"


def test_lying_on_the_back_the_wave_works_from_the_side():
    # the arm raised towards the ceiling is "up" in the picture, whatever the body's orientation
    got = run(frames(wave_keys(CROOK, "R", swings=6, sideways=False), "side"))
    assert [g.kind for g in got] == [PAUSE]


def test_a_raised_hand_held_still_is_no_gesture():
    # thread the needle opens an arm to the ceiling and holds it: that must not pause the set
    keys = [(0.0, FOURS), (1.0, FOURS), (2.0, mix(FOURS, **side("L", uarm=90, farm=90))),
            (7.0, mix(FOURS, **side("L", uarm=90, farm=90))), (8.0, FOURS)]
    assert run(frames(keys, "side", jitter_px=2.0)) == []


def test_small_or_slow_swings_are_no_wave():
    assert run(frames(wave_keys(STAND, "R", swings=8, amp=8.0), "front", jitter_px=1.5)) == []
    assert run(frames(wave_keys(STAND, "R", swings=4, swing_s=1.2), "front")) == []  # 2 reversals in a window


def test_a_wave_below_the_shoulder_is_no_gesture():
    # a hand waved at chest height (a greeting, a gesture while talking)
    got = run(frames(wave_keys(STAND, "R", up=-45.0, swings=8), "front"))
    assert got == []


def test_no_pose_and_missing_wrists_give_nothing():
    from posecoach.types import PoseFrame

    det = GestureDetector()
    assert det.update(PoseFrame.empty(0, 0, 640, 480)) == []
    ps = frames(wave_keys(SUPINE, "R"), "side")
    for p in ps:
        p.landmarks[15:17, :3] = float("nan")
    assert run(ps) == []


@pytest.mark.parametrize("sc", scenarios(), ids=lambda s: s.exercise)
def test_no_exercise_performance_makes_a_gesture(sc):
    """Every shipped exercise, correct and with each fault, from its views, with landmark noise."""
    performances = {"correct": sc.correct, **sc.faults}
    for name, keys in performances.items():
        for view in {sc.view, *sc.also_views, sc.fault_views.get(name, sc.view)}:
            for jitter, seed in ((0.0, 0), (3.0, 1)):
                got = run(frames(keys, view, jitter_px=jitter, seed=seed))
                assert got == [], f"{sc.exercise} {name} from {view} (jitter {jitter}): {got}"


def _tracks() -> list[Path]:
    real = sorted(REAL_TRACKS.glob("*.jsonl")) if REAL_TRACKS.is_dir() else []
    return real + sorted((ROOT / "sample_videos").glob("*.truth.jsonl.gz"))


@pytest.mark.parametrize("path", _tracks(), ids=lambda p: p.name)
def test_no_recorded_performance_makes_a_gesture(path, tmp_path):
    """Real people's tracks (MediaPipe on real footage) and the sample clips' true landmarks."""
    if path.suffix == ".gz":
        plain = tmp_path / path.stem
        with gzip.open(path, "rb") as src, plain.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        path = plain
    poses = list(read_frames(path))
    assert len(poses) > 30
    assert run(poses) == []


def test_real_tracks_are_there():
    assert len(_tracks()) >= 7 + 15, "the real tracks in ../shared/real/tracks are missing"

"""The adaptive frame stride: its policy, the poses it fills in, and agreement on real tracks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from posecoach.app.build import make_analysis
from posecoach.app.pipeline import finish, run_frames
from posecoach.engine.stride import (
    StrideConfig, StridePolicy, StridedPoses, differences, fill_between, reach_time, spec_thresholds,
)
from posecoach.spec.loader import find_spec
from posecoach.track import read_frames, read_header
from posecoach.types import PoseFrame

REAL_TRACKS = Path(__file__).resolve().parents[2] / "shared" / "real" / "tracks"


def _pose(i: int, t_ms: int, x: float) -> PoseFrame:
    lm = np.zeros((33, 4))
    lm[:, 0], lm[:, 1], lm[:, 3] = x, 0.5, 0.9
    # two sides apart so left/right matching has something to go by
    lm[11], lm[12], lm[23], lm[24] = [x, 0.3, 0, 0.9], [x + 0.1, 0.3, 0, 0.9], [x, 0.6, 0, 0.9], [x + 0.1, 0.6, 0, 0.9]
    return PoseFrame(i, t_ms, 640, 480, lm, None)


def test_reach_time_is_the_root_of_the_motion() -> None:
    assert reach_time(0.0, 5.0, 10.0) == 0.0
    t = reach_time(10.0, 5.0, 4.0)
    assert math.isclose(5.0 * t + 0.5 * 4.0 * t * t, 10.0)
    # faster now: sooner
    assert reach_time(10.0, 20.0, 4.0) < t


def test_spec_thresholds_cover_rep_hold_setup_and_faults() -> None:
    spec = find_spec("bridge")
    limits = spec_thresholds(spec)
    assert spec.rep is not None
    assert spec.rep.rest in limits["hip_angle"] and spec.rep.peak in limits["hip_angle"]
    assert set(spec.setup.require[0].value) <= set(limits["knee_angle"])  # type: ignore[arg-type]
    for fault in spec.faults:
        for cond in fault.when:
            values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
            assert set(values) <= set(limits[cond.metric])


def test_fill_between_interpolates_in_time_and_keeps_nobody_nobody() -> None:
    a, b = _pose(0, 0, 0.2), _pose(4, 400, 0.6)
    filled = fill_between(a, b, [(1, 100), (2, 200), (3, 300)])
    assert [f.timestamp_ms for f in filled] == [100, 200, 300]
    assert [f.index for f in filled] == [1, 2, 3]
    assert np.allclose([f.landmarks[0, 0] for f in filled], [0.3, 0.4, 0.5])
    nobody = PoseFrame.empty(0, 0, 640, 480)
    gap = fill_between(nobody, b, [(1, 100)])
    assert gap[0].landmarks is None and gap[0].timestamp_ms == 100
    assert fill_between(a, b, []) == []


def test_fill_between_never_blends_one_leg_into_the_other() -> None:
    a = _pose(0, 0, 0.3)
    b_lm = a.landmarks.copy()
    knees = (25, 26)
    a.landmarks[knees[0], :2], a.landmarks[knees[1], :2] = (0.2, 0.8), (0.6, 0.8)
    b_lm[knees[0], :2], b_lm[knees[1], :2] = (0.6, 0.8), (0.2, 0.8)  # the model swapped the labels
    b = PoseFrame(2, 200, 640, 480, b_lm, None)
    mid = fill_between(a, b, [(1, 100)])[0]
    assert np.allclose(mid.landmarks[knees[0], :2], (0.2, 0.8))
    assert np.allclose(mid.landmarks[knees[1], :2], (0.6, 0.8))


def _analyse(frames: list[PoseFrame], exercise: str, fps: float, config: StrideConfig | None) -> tuple[dict, list[int]]:
    """What ``analyze`` does on a video, on a track: every frame, or strided with filled-in poses.
    Returns the report and the indexes of the frames analysed."""
    analysis = make_analysis(exercise)
    analysed: list[int] = []

    def seen(frame: object, step: object) -> None:
        analysed.append(step.raw.index)  # type: ignore[attr-defined]

    if config is None:
        run_frames(analysis, frames, None, on_step=seen)
        return finish(analysis, {}, None), analysed
    policy = StridePolicy(fps, config)
    source = StridedPoses(frames)
    original = source.strided

    def strided(skip):  # type: ignore[no-untyped-def]
        for passed, pose in original(skip):
            if pose is not None:
                analysed.append(pose.index)
            yield passed, pose

    source.strided = strided  # type: ignore[method-assign]
    run_frames(analysis, source, None, stride=policy)
    assert policy.analysed == len(analysed)
    return finish(analysis, {}, None), analysed


def test_setup_is_every_frame_and_the_cap_holds() -> None:
    track = REAL_TRACKS / "plank_two_angles.jsonl"
    if not track.exists():
        pytest.skip("the real tracks are not beside this checkout (../shared/real/tracks)")
    frames = list(read_frames(track))
    fps = float(read_header(track)["fps"])
    config = StrideConfig(max_gap_s=0.3)
    report, analysed = _analyse(frames, "plank", fps, config)
    steps = np.diff(analysed)
    assert steps.max() <= math.floor(0.3 * fps)
    setup_end = report["setup_completed_s"]
    assert setup_end is not None
    before = [i for i in analysed if frames[i].t_s <= setup_end]
    assert before == list(range(len(before)))  # no frame skipped until the start position was held
    assert len(analysed) < 0.5 * len(frames)  # a held plank is mostly skipped


@pytest.mark.parametrize("name,exercise", [
    ("plank_two_angles", "plank"),
    ("knee_rolls_side", "knee_rolls"),
    ("side_bend_dumbbell_one_side", "side_bend"),
])
def test_strided_verdicts_match_every_frame_on_real_tracks(name: str, exercise: str) -> None:
    track = REAL_TRACKS / f"{name}.jsonl"
    if not track.exists():
        pytest.skip("the real tracks are not beside this checkout (../shared/real/tracks)")
    frames = list(read_frames(track))
    fps = float(read_header(track)["fps"])
    every, _ = _analyse(frames, exercise, fps, None)
    strided, analysed = _analyse(frames, exercise, fps, StrideConfig())
    assert differences(every, strided) == []
    # real footage jitters: its landmarks are seldom still, and a moving body is looked at every frame
    assert len(analysed) < len(frames)


def test_differences_name_what_disagrees() -> None:
    base = {"reps": 3, "reps_by_side": {"left": 2, "right": 1}, "faults": [{"id": "too_fast"}],
            "holds": [{"duration_s": 5.0}]}
    assert differences(base, dict(base)) == []
    assert differences(base, {**base, "holds": [{"duration_s": 5.15}]}) == []
    assert any("hold" in d for d in differences(base, {**base, "holds": [{"duration_s": 5.3}]}))
    assert any("reps:" in d for d in differences(base, {**base, "reps": 2}))
    assert any("faults" in d for d in differences(base, {**base, "faults": []}))
    assert any("reps_by_side" in d for d in differences(base, {**base, "reps_by_side": {"left": 3}}))


def _blank_video(path: Path, frames: int, fps: float = 30.0) -> Path:
    import cv2

    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (160, 120))
    for i in range(frames):
        img = np.full((120, 160, 3), (i * 7) % 255, np.uint8)
        cv2.putText(img, str(i), (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
        w.write(img)
    w.release()
    return path


@pytest.mark.parametrize("damage", [False, True])
def test_a_strided_read_passes_over_frames_with_their_own_times(tmp_path: Path, damage: bool) -> None:
    from posecoach.sources import VideoFileSource

    video = _blank_video(tmp_path / "v.mp4", 91)
    if damage:  # a stretch in the middle zeroed, as a bad copy would have it
        data = bytearray(video.read_bytes())
        n = len(data)
        data[n // 3: n // 2] = bytes(n // 2 - n // 3)
        video.write_bytes(bytes(data))
    every = VideoFileSource(video)
    expected = [(f.index, f.timestamp_ms) for f in every]
    source = VideoFileSource(video)
    steps = iter([1, 4, 2, 7] * 40)
    seen: list[tuple[int, int]] = []
    images = 0
    for passed, frame in source.strided(lambda: next(steps)):
        seen += passed
        if frame is not None:
            images += 1
            assert frame.image.shape == (120, 160, 3)
            seen.append((frame.index, frame.timestamp_ms))
    assert seen == expected
    assert source.frames_lost == every.frames_lost
    assert images < 0.5 * len(expected)


@pytest.mark.model
@pytest.mark.parametrize("clip,exercise", [
    ("../shared/real/physioplus/bridging.mp4", "bridge"),
    ("sample_videos/cat_cow.mp4", "cat_cow"),
])
def test_strided_and_every_frame_analysis_agree_with_the_real_model(clip: str, exercise: str) -> None:
    """The agreement benchmark's own check, on two short clips, with the full model."""
    import sys

    root = Path(__file__).resolve().parents[1]
    path = (root / clip).resolve()
    if not path.exists():
        pytest.skip(f"{clip} is not beside this checkout")
    sys.path.insert(0, str(root / "benchmarks"))
    try:
        from stride_agreement import analyse
    finally:
        sys.path.pop(0)
    every, n_every = analyse("video", path, exercise, "full", every_frame=True)
    strided, n_strided = analyse("video", path, exercise, "full", every_frame=False)
    assert every["source"]["frame_mode"] == "every_frame" and strided["source"]["frame_mode"] == "strided"
    assert every["source"]["frames_analysed"] == n_every and strided["source"]["frames_analysed"] == n_strided
    assert every["frames"] == strided["frames"] == n_every
    assert differences(every, strided) == []
    assert n_strided <= n_every


def test_an_every_frame_eval_does_not_reuse_a_strided_track(tmp_path: Path) -> None:
    from posecoach.evaluation.run import usable_track
    from posecoach.evaluation.score import ClipLabel
    from posecoach.track import TrackWriter

    video = _blank_video(tmp_path / "clip.mp4", 3)
    label = ClipLabel(file="clip.mp4", path=video.resolve(), exercise="bridge", reps=1)
    header = {"fps": 30.0, "width": 160, "height": 120, "model": "full", "source": str(video)}
    for mode, every_frame_ok in (("strided", False), ("every_frame", True)):
        track = tmp_path / f"{mode}.jsonl"
        with TrackWriter(track, {**header, "frame_mode": mode}) as tw:
            tw.write(PoseFrame.empty(0, 0, 160, 120))
        assert usable_track(track, label, "full") is None  # a strided eval takes either
        why = usable_track(track, label, "full", every_frame=True)
        assert (why is None) == every_frame_ok
        if not every_frame_ok:
            assert "stride" in why


def test_a_moving_body_is_looked_at_every_frame_even_when_no_metric_changes() -> None:
    """MediaPipe's landmarks on a frame depend on the frames it saw before (its tracking and its
    own smoothing), so the stride looks at every frame while the body moves, and for
    ``settle_s`` after, whatever the spec's metrics do."""
    track = REAL_TRACKS / "plank_two_angles.jsonl"
    if not track.exists():
        pytest.skip("the real tracks are not beside this checkout (../shared/real/tracks)")
    frames = list(read_frames(track))
    fps = float(read_header(track)["fps"])
    still, still_seen = _analyse(frames, "plank", fps, StrideConfig())
    # the same held plank, slid sideways across the image for a second (as if the camera panned):
    # every angle and ratio the plank spec measures stays as it was
    t0 = still["setup_completed_s"] + 2.0
    moved = []
    for f in frames:
        shift = 0.1 * min(max(f.t_s - t0, 0.0), 1.0)
        if f.landmarks is None or shift == 0.0:
            moved.append(f)
            continue
        lm = f.landmarks.copy()
        lm[:, 0] += shift
        moved.append(PoseFrame(f.index, f.timestamp_ms, f.width, f.height, lm, f.world))
    report, seen = _analyse(moved, "plank", fps, StrideConfig())
    # seen moving by the first frame looked at after it began (at most ``max_gap_s`` on)
    cap = StrideConfig().max_gap_s
    during = [f.index for f in frames if t0 + cap + 0.05 <= f.t_s <= t0 + 1.0 + StrideConfig().settle_s]
    assert set(during) <= set(seen)
    assert not set(during) <= set(still_seen)  # the still plank skips frames there
    settled = [f.index for f in frames if t0 + 1.0 + 0.5 + 0.3 <= f.t_s <= t0 + 3.0]
    assert not set(settled) <= set(seen)  # once it stopped and settled, frames are skipped again
    assert differences(still, report) == []

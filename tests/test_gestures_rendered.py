"""The hands-free gestures performed by the synthetic performer's rendered body and seen through
the real pose model: a short wave pauses (a second one resumes), a long wave or both hands is a
pain stop, a raised hand held still is nothing. And MediaPipe's landmarks of every sample clip
(correct performances and faulted ones) make no gesture.

The gesture clips (``tests/data/gestures/*.mp4``, remade by ``tests/data/gestures/make.sh`` from the
choreographies beside them) run through ``posecoach live`` itself: its loop, its floor controls and
its gesture detector, with a camera that plays the clip frame by frame, so the detector is fed
exactly as on a webcam (the engine's poses while the set runs, the camera's frames while paused).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from posecoach.app.build import make_analysis  # noqa: E402
from posecoach.app.live import LiveSession  # noqa: E402
from posecoach.app.pipeline import run_frames  # noqa: E402
from posecoach.control.floor import FloorControls  # noqa: E402
from posecoach.control.gestures import GestureDetector  # noqa: E402
from posecoach.pose.models import resolve_model  # noqa: E402
from posecoach.render.window import HeadlessWindow  # noqa: E402
from posecoach.sources import VideoFileSource  # noqa: E402
from posecoach.sources.camera import Captured, CameraSource, LiveSource  # noqa: E402
from posecoach.types import Frame, PoseFrame  # noqa: E402
from posecoach.voice import Voice  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT / "tests" / "data" / "gestures"
SAMPLES = sorted((ROOT / "sample_videos").glob("*.mp4"))
#: The sample clips' frames the model sees: one in ``EVERY``.
EVERY = 3


def model(name: str) -> Path:
    """A bundle from ``POSECOACH_MODEL_DIR`` (set by conftest and CI); never downloaded here."""
    return resolve_model(name, allow_download=False)


class ClipCamera(CameraSource):
    """A camera that shows a recorded clip: every frame in order, one per ``next``, with the clip's
    own times. It is a ``CameraSource`` so that live watches it for gestures while paused, as it
    does a webcam; unlike one it never drops a frame, so the test does not depend on CPU speed."""

    def __init__(self, path: Path) -> None:  # noqa: D107  (no device is opened)
        LiveSource.__init__(self)
        source = VideoFileSource(path)
        self.frames: list[Frame] = list(source)
        self.fps = source.fps
        self.height, self.width = self.frames[0].image.shape[:2]
        self.index = str(path.name)

    def describe(self) -> dict[str, Any]:
        return {"camera": self.index, "fps": self.fps, "width": self.width, "height": self.height}

    def start(self) -> None:
        pass

    def next(self, timeout: float = 0.5) -> Captured | None:
        if not self.frames:
            self.ended = True
            return None
        return Captured(self.frames.pop(0), 0.0)

    @property
    def exhausted(self) -> bool:
        return not self.frames

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def close(self) -> None:
        pass


class EndWithClip(HeadlessWindow):
    """No window; the person ends the set ("q") once the clip is over, paused or not."""

    def __init__(self, camera: ClipCamera) -> None:
        super().__init__()
        self.camera = camera

    def key(self, wait_ms: int = 1, t_s: float | None = None) -> str | None:
        return "q" if self.camera.exhausted else None


def live_controls(name: str, exercise: str, tmp_path: Path, estimator: Any) -> tuple[str, list[dict[str, Any]]]:
    """Run ``posecoach live`` on a gesture clip with gestures on (voice, talk-through and pain
    rating off); the end reason and the hands-free control events of its report."""
    camera = ClipCamera(CLIPS / f"{name}.mp4")
    floor = FloorControls(Voice(None), gestures=GestureDetector(), talk_through=False, ask_rating=False)
    report = tmp_path / f"{name}.json"
    out = LiveSession(make_analysis(exercise), camera, estimator, EndWithClip(camera), Voice(None),
                      source_meta=camera.describe(), report_path=report, summary_s=0,
                      floor=floor).run()
    saved = json.loads(report.read_text())
    return out.reason, saved.get("events", [])


@pytest.fixture(scope="module")
def full_model():
    from posecoach.pose.estimator import PoseEstimator

    path = model("full")

    def fresh() -> PoseEstimator:
        return PoseEstimator(path)  # one per clip: VIDEO mode tracks across frames

    return fresh


# -- why both hands need two wrists apart -----------------------------------------------------------
def test_the_far_arm_drawn_on_the_near_one_is_one_hand_not_two() -> None:
    """What the model does from the side (see the clips below): the far arm's landmarks copied onto
    the waving near arm. One hand waves: a pause, not the two-handed pain stop."""
    from spec_factory import frames
    from spec_scenarios import CROOK
    from test_gestures import run, wave_keys

    from posecoach.control.gestures import PAUSE
    from posecoach.landmarks import INDEX

    poses = frames(wave_keys(CROOK, "R", swings=6, sideways=False), "side", jitter_px=1.0)
    for p in poses:
        for joint in ("shoulder", "elbow", "wrist"):
            p.landmarks[INDEX[f"left_{joint}"]] = p.landmarks[INDEX[f"right_{joint}"]]
    got = run(poses)
    assert [g.kind for g in got] == [PAUSE]


# -- the gestures, performed --------------------------------------------------------------------
@pytest.mark.parametrize(("name", "exercise"), [("crook_short_wave", "double_knee_hug"),
                                                ("kneel_short_wave", "kneeling_extension")])
def test_a_short_wave_pauses_once(name: str, exercise: str, tmp_path: Path, full_model) -> None:
    with full_model() as estimator:
        reason, events = live_controls(name, exercise, tmp_path, estimator)
    assert reason != "pain"
    # one hand: from the side the model may name the far arm for the near one, never "both"
    assert [(e["control"], e["by"]) for e in events] == [("pause", "gesture")]
    assert events[0]["hand"] in ("left", "right")


def test_a_second_wave_resumes(tmp_path: Path, full_model) -> None:
    with full_model() as estimator:
        reason, events = live_controls("crook_two_waves", "double_knee_hug", tmp_path, estimator)
    assert reason != "pain"
    assert [(e["control"], e["by"]) for e in events] == [("pause", "gesture"), ("resume", "gesture")]


def test_waving_on_is_a_pain_stop_after_the_pause(tmp_path: Path, full_model) -> None:
    with full_model() as estimator:
        reason, events = live_controls("crook_long_wave", "double_knee_hug", tmp_path, estimator)
    assert reason == "pain"
    assert [(e["control"], e["by"]) for e in events] == [("pause", "gesture"), ("pain_stop", "gesture")]


def test_both_hands_waved_is_a_pain_stop_at_once(tmp_path: Path, full_model) -> None:
    with full_model() as estimator:
        reason, events = live_controls("crook_both_hands", "double_knee_hug", tmp_path, estimator)
    assert reason == "pain"
    assert [(e["control"], e["by"], e["hand"]) for e in events] == [("pain_stop", "gesture", "both")]


@pytest.mark.parametrize(("name", "exercise"), [("crook_held_hand", "double_knee_hug"),
                                                ("kneel_held_hand", "kneeling_extension")])
def test_a_raised_hand_held_still_is_nothing(name: str, exercise: str, tmp_path: Path, full_model) -> None:
    with full_model() as estimator:
        reason, events = live_controls(name, exercise, tmp_path, estimator)
    assert reason != "pain" and events == []


def test_every_gesture_clip_is_there_and_small() -> None:
    tomls = sorted(p.stem for p in CLIPS.glob("*.toml"))
    assert tomls == sorted(p.stem for p in CLIPS.glob("*.mp4")), "render the clips with tests/data/gestures/make.sh"
    assert all(p.stat().st_size < 200_000 for p in CLIPS.glob("*.mp4"))


# -- the sample clips, through the model: no gesture -----------------------------------------------
@pytest.fixture(scope="module")
def sample_tracks() -> dict[str, list[PoseFrame]]:
    """MediaPipe's (lite) landmarks of every sample clip, as ``step.raw`` in live, made once for
    the module. Every third frame: these clips are 30 fps, and a live loop that keeps up with 10
    frames a second (a slow laptop) sees just these; it keeps the module's run time near a minute."""
    from posecoach.pose.estimator import PoseEstimator

    tracks: dict[str, list[PoseFrame]] = {}
    path = model("lite")
    for clip in SAMPLES:
        poses: list[PoseFrame] = []
        frames = (f for f in VideoFileSource(clip) if f.index % EVERY == 0)
        with PoseEstimator(path) as estimator:
            run_frames(make_analysis(_exercise_of(clip)), frames, estimator,
                       on_step=lambda _frame, step: poses.append(step.raw))
        tracks[clip.stem] = poses
    return tracks


def _exercise_of(clip: Path) -> str:
    """The exercise a sample clip performs, from its labels."""
    return str(json.loads(clip.with_suffix(".labels.json").read_text())["clips"][0]["exercise"])


def test_the_sample_clips_are_there() -> None:
    assert len(SAMPLES) >= 15
    assert any("_" in p.stem and p.stem.split("_")[-1] in {"sag", "extended"} for p in SAMPLES)  # faulted ones


@pytest.mark.parametrize("clip", [p.stem for p in SAMPLES])
def test_no_sample_clip_seen_by_the_model_makes_a_gesture(clip: str, sample_tracks) -> None:
    poses = sample_tracks[clip]
    seen = sum(p.landmarks is not None for p in poses)
    assert seen > 0.8 * len(poses), f"{clip}: the model found the performer in only {seen}/{len(poses)} frames"
    detector = GestureDetector()
    assert [g for p in poses for g in detector.update(p)] == []

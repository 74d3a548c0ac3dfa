"""Tests of the live session: cues and the voice worker, frame sources that drop instead of queue,
the loop's keys and endings (with fake sources and estimators), and the ``live`` command end to
end on a real clip, offscreen. (The real window under Xvfb is tested in test_replay.py, with the
other end-to-end tests of what a person sees and keeps.)
"""

from __future__ import annotations

import json
import shutil
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from posecoach import cli
from posecoach.sources.camera import Captured, LiveSource, PacedFileSource
from posecoach.app.build import make_analysis
from posecoach.engine.events import FaultRaised, HoldStarted, RepCompleted, RepRecord, SetupCompleted
from posecoach.engine.session import FrameResult
from posecoach.errors import ExitCode
from posecoach.app.live import LiveSession, Recorder
from posecoach.render.window import HeadlessWindow
from posecoach.spec.loader import find_spec
from posecoach.types import Frame, PoseFrame
from posecoach.voice import Cue, CueMaker, EspeakSpeaker, Speaker, Voice, make_voice

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT.parent / "shared" / "real" / "physioplus" / "bridging.mp4"


def result(t: float, events: list | None = None, *, reps: int = 0, by_side: dict | None = None, hold_s: float = 0.0,
           phase: str = "rest") -> FrameResult:
    return FrameResult(t, phase, events or [], reps, by_side or {}, hold_s, [])


# -- cues ----------------------------------------------------------------------------------------
def test_a_fault_is_not_repeated_within_its_cooldown() -> None:
    cues = CueMaker(find_spec("bridge"), fault_cooldown_s=10.0)
    raised = FaultRaised(0.0, "over_arching", "Don't push your hips too high")
    said = [c.text for t in (1.0, 4.0, 9.0, 11.5, 13.0) for c in cues.frame(result(t, [raised]))]
    assert said == ["Don't push your hips too high"] * 2  # at 1.0 s and 11.5 s only


def test_reps_are_counted_aloud_per_side_with_the_last_one_announced() -> None:
    cues = CueMaker(find_spec("bridge"))
    rep = RepCompleted(3.0, RepRecord(1, 1.0, 3.0))
    assert [c.text for c in cues.frame(result(3.0, [SetupCompleted(0.5), rep], reps=1))] == ["Start. 10 reps", "1"]
    assert cues.frame(result(30.0, [rep], reps=10))[0].text == "10. That was the last one"
    bird = CueMaker(find_spec("bird_dog"))
    left = RepCompleted(5.0, RepRecord(3, 1.0, 5.0, side="left"))
    assert bird.frame(result(5.0, [left], reps=3, by_side={"left": 2, "right": 1}))[0].text == "Left, 2"


def test_hold_countdown_says_three_two_one_then_release() -> None:
    cues = CueMaker(find_spec("bird_dog"))  # a 3 s hold at the peak of each rep
    said = []
    for i in range(0, 36):
        t = 10.0 + i * 0.1
        events = [HoldStarted(t, "left")] if i == 0 else []
        said += [c.text for c in cues.frame(result(t, events, hold_s=i * 0.1, phase="peak"))]
    assert said == ["Hold", "3", "2", "1", "And back"]


# -- the voice worker --------------------------------------------------------------------------
class BlockingSpeaker(Speaker):
    """Says nothing until released; records what it was asked to say."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.started.set()
        assert self.release.wait(10)
        self.said.append(text)


def test_voice_never_blocks_and_drops_the_oldest_cues_when_behind() -> None:
    speaker = BlockingSpeaker()
    voice = Voice(speaker, max_queue=2).start()
    voice.say(Cue("one", 30))
    assert speaker.started.wait(10)  # the worker is busy saying "one" and will not return yet
    for text in ("two", "three", "four"):
        voice.say(Cue(text, 30))  # returns at once although the speaker is stuck
    assert voice.dropped == ["two"]
    speaker.release.set()
    voice.close()
    assert speaker.said == ["one", "three", "four"]


def test_a_stale_cue_is_dropped_not_said_late() -> None:
    speaker = BlockingSpeaker()
    speaker.release.set()
    voice = Voice(speaker).start()
    voice.say(Cue("too late", max_age_s=-1.0))
    voice.say(Cue("fresh", max_age_s=30.0))
    voice.close()
    assert speaker.said == ["fresh"] and voice.dropped == ["too late"]


class BrokenSpeaker(Speaker):
    def say(self, text: str) -> None:
        raise OSError("espeak-ng could not speak (no audio device)")


def test_no_audio_device_turns_cues_off_with_one_message() -> None:
    logs: list[str] = []
    voice = Voice(BrokenSpeaker(), log=logs.append).start()
    voice.say(Cue("one", 30))
    voice.close()
    voice.say(Cue("two", 30))  # quietly ignored from now on
    assert not voice.enabled and len(logs) == 1 and "no audio device" in logs[0]


def test_muted_voice_says_nothing() -> None:
    voice = make_voice(mute=True, log=lambda m: None)
    voice.say(Cue("one"))
    voice.close()
    assert not voice.enabled and voice.spoken == []


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_espeak_renders_real_speech_to_a_wav_file(tmp_path: Path) -> None:
    EspeakSpeaker(shutil.which("espeak-ng"), tmp_path).say("Three. Keep your back level")
    (wav,) = tmp_path.glob("*.wav")
    with wave.open(str(wav)) as w:
        seconds = w.getnframes() / w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    assert seconds > 0.8 and np.abs(samples).max() > 3000  # a real utterance, not silence


# -- sources -----------------------------------------------------------------------------------
def test_a_frame_not_taken_in_time_is_replaced_not_queued() -> None:
    src = LiveSource()
    img = np.zeros((4, 4, 3), np.uint8)
    for i in range(3):
        src._publish(Frame(i, i * 33, img))
    assert src.dropped == 2
    taken = src.next(timeout=0)
    assert taken is not None and taken.frame.index == 2
    assert src.next(timeout=0) is None


def test_paced_file_source_delivers_or_drops_every_frame_in_order() -> None:
    src = PacedFileSource(VIDEO)
    src.start()
    got: list[int] = []
    while not src.exhausted:
        item = src.next(timeout=1.0)
        if item is not None:
            got.append(item.frame.index)
    src.close()
    assert got == sorted(set(got)) and got[0] == 0
    assert len(got) + src.dropped == src.frame_count == 91


# -- the loop, with fakes ----------------------------------------------------------------------
class ListSource(LiveSource):
    """``n`` frames at 30 fps, then the end (or a lost camera)."""

    def __init__(self, n: int, *, lose: bool = False) -> None:
        super().__init__()
        self.width, self.height = 64, 48
        self.frames = [Frame(i, round(i * 1000 / 30), np.zeros((48, 64, 3), np.uint8)) for i in range(n)]
        self.lose = lose
        self.calls: list[str] = []

    def describe(self) -> dict:
        return {"camera": 0}

    def start(self) -> None:
        self.calls.append("start")

    def next(self, timeout: float = 0.5) -> Captured | None:
        if self.frames:
            return Captured(self.frames.pop(0), 0.0)
        self.ended, self.lost = True, self.lose
        return None

    @property
    def exhausted(self) -> bool:
        return self.ended

    def pause(self) -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")


class EmptyEstimator:
    """Nobody in view; can fail at a given frame, and can look at the disk before failing."""

    def __init__(self, fail_at: int | None = None, before_fail=None) -> None:
        self.fail_at = fail_at
        self.before_fail = before_fail
        self.seen = 0

    def process(self, frame: Frame) -> PoseFrame:
        if frame.index == self.fail_at:
            if self.before_fail is not None:
                self.before_fail()
            raise RuntimeError("boom")
        self.seen += 1
        return PoseFrame.empty(frame.index, frame.timestamp_ms, 64, 48)


def session(source: LiveSource, tmp_path: Path, *, keys=(), estimator=None, recorder=None) -> LiveSession:
    return LiveSession(make_analysis("bridge"), source, estimator or EmptyEstimator(), HeadlessWindow(keys),
                       Voice(None), source_meta=source.describe(), report_path=tmp_path / "r.json",
                       recorder=recorder, summary_s=0)


def test_q_ends_the_set_and_saves_the_report(tmp_path: Path) -> None:
    out = session(ListSource(60), tmp_path, keys=[(1.0, "q")]).run()
    saved = json.loads((tmp_path / "r.json").read_text())
    assert out.reason == "user" and saved["stop"]["reason"] == "user" and saved["frames"] == 31


def test_p_is_a_pain_stop_recorded_with_its_time(tmp_path: Path) -> None:
    out = session(ListSource(60), tmp_path, keys=[(0.5, "p")]).run()
    saved = json.loads((tmp_path / "r.json").read_text())
    assert out.reason == "pain"
    assert saved["pain_stop"]["t_s"] == 0.5 and "physiotherapist" in saved["pain_stop"]["advice"]
    assert saved["stop"] == {"reason": "pain", "t_s": 0.5} and saved["frames"] == 16


def test_space_pauses_and_resumes_without_losing_frames(tmp_path: Path) -> None:
    src = ListSource(30)
    out = session(src, tmp_path, keys=[(0.2, " "), (0.2, " ")]).run()
    assert src.calls == ["start", "pause", "resume"]
    assert out.reason == "completed" and out.report["frames"] == 30


def test_a_camera_that_disconnects_ends_the_set_with_the_report_saved(tmp_path: Path) -> None:
    out = session(ListSource(20, lose=True), tmp_path).run()
    saved = json.loads((tmp_path / "r.json").read_text())
    assert out.reason == "camera_lost"
    assert saved["stop"]["reason"] == "camera_lost" and saved["status"] == "partial" and saved["frames"] == 20


def test_a_crash_keeps_the_recording_and_a_report_at_most_a_second_old(tmp_path: Path) -> None:
    rec_dir = tmp_path / "rec"
    seen_on_disk: dict = {}

    def look() -> None:  # what a power cut at this moment would leave
        seen_on_disk.update(json.loads((rec_dir / "report.json").read_text()))

    rec = Recorder(rec_dir, {"exercise": "bridge", "source": {"camera": 0}}, 30.0, (64, 48))
    est = EmptyEstimator(fail_at=12, before_fail=look)
    with pytest.raises(RuntimeError, match="boom"):
        session(ListSource(30), tmp_path, estimator=est, recorder=rec).run()
    assert seen_on_disk["stop"]["reason"] == "in_progress" and seen_on_disk["frames"] >= 1
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["stop"]["reason"] == "error" and saved["frames"] == 12
    lines = (rec_dir / "track.jsonl").read_text().splitlines()
    assert len(lines) == 1 + 12  # header and every processed frame
    assert json.loads((rec_dir / "session.json").read_text())["exercise"] == "bridge"


# -- the command ----------------------------------------------------------------------------------
def test_no_display_is_one_line_and_exit_7(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "POSECOACH_HEADLESS"):
        monkeypatch.delenv(var, raising=False)
    code = cli.main(["live", "-e", "bridge", "--source", str(VIDEO), "--mute"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == ExitCode.CAMERA == 7
    assert len(err) == 1 and err[0].startswith("posecoach: error: no display") and "--headless" in err[0]


def test_no_camera_is_one_line_and_exit_7(capsys: pytest.CaptureFixture) -> None:
    code = cli.main(["live", "-e", "bridge", "--headless", "--camera", "9", "--mute"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 7 and len(err) == 1 and "camera 9: no camera found" in err[0]


def test_no_drop_needs_a_file_source(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["live", "-e", "bridge", "--headless", "--no-drop"]) == ExitCode.USAGE
    assert "--no-drop needs --source" in capsys.readouterr().err


# -- end to end with the real model --------------------------------------------------------------


def same_set(a: dict, b: dict) -> None:
    """Two reports of the same clip agree on everything but where the frames came from (and the
    session's own who and when)."""
    diff = sorted(k for k in set(a) | set(b) if k not in ("source", "session") and a.get(k) != b.get(k))
    assert not diff, {k: (a.get(k), b.get(k)) for k in diff}


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``posecoach analyze`` of the real bridge clip (one rep)."""
    out = tmp_path_factory.mktemp("analyze") / "a.json"
    assert cli.main(["analyze", str(VIDEO), "-e", "bridge", "--report", str(out), "-q"]) == 0
    report = json.loads(out.read_text())
    assert report["reps"] == 1
    return report


@pytest.mark.model
def test_live_offscreen_without_drops_reports_what_analyze_reports(analyzed: dict, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture) -> None:
    # --no-drop: every frame is processed (paced playback may drop some, and then differ)
    out = tmp_path / "live.json"
    code = cli.main(["live", "-e", "bridge", "--source", str(VIDEO), "--no-drop", "--headless", "--mute",
                     "--report", str(out)])
    assert code == 0
    live = json.loads(out.read_text())
    same_set(analyzed, live)
    assert live["source"]["live"] is True and live["source"]["paced"] is False
    printed = capsys.readouterr().out
    assert "reps: 1 of 10" in printed and "0 dropped" in printed


@pytest.mark.model
def test_live_paced_pain_key_stops_the_set_at_its_time(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "live.json"
    wavs = tmp_path / "cues"
    args = ["live", "-e", "bridge", "--source", str(VIDEO), "--headless", "--keys", "1.0:p", "--report", str(out)]
    code = cli.main(args + (["--voice-wav", str(wavs)] if shutil.which("espeak-ng") else ["--mute"]))
    assert code == 0
    report = json.loads(out.read_text())
    assert 1.0 <= report["pain_stop"]["t_s"] < 1.5 and report["stop"]["reason"] == "pain"
    assert "ask your physiotherapist" in capsys.readouterr().out
    if shutil.which("espeak-ng"):
        names = sorted(p.name for p in wavs.glob("*.wav"))
        assert names[0].endswith("get_ready_for_bridge.wav") and "stop_please_ask" in names[-1]


@pytest.mark.model
def test_camera_lost_mid_set_saves_the_report_and_exits_7(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    import posecoach.sources.camera

    class UnpluggedCamera(ListSource):
        def __init__(self, index: int) -> None:
            super().__init__(25, lose=True)

    monkeypatch.setattr(posecoach.sources.camera, "CameraSource", UnpluggedCamera)
    out = tmp_path / "r.json"
    code = cli.main(["live", "-e", "bridge", "--headless", "--mute", "--report", str(out), "--model", "lite"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == ExitCode.CAMERA
    assert len(err) == 1 and "camera 0: stopped giving frames" in err[0] and str(out) in err[0]
    saved = json.loads(out.read_text())
    assert saved["stop"]["reason"] == "camera_lost" and saved["frames"] == 25


def test_camera_thread_keeps_only_the_newest_frame_and_notices_a_disconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    import posecoach.sources.camera
    from posecoach.sources.camera import CameraSource

    # a video file opened as a camera stream: it delivers frames as fast as they decode, then
    # stops giving any, which is what an unplugged camera looks like to the capture thread
    monkeypatch.setattr(posecoach.sources.camera, "LOST_AFTER_S", 0.2)
    cam = CameraSource(str(VIDEO))
    assert (cam.width, cam.height) == (640, 480)
    cam.start()
    taken: list[Frame] = []
    while not cam.exhausted:
        item = cam.next(timeout=1.0)
        if item is not None:
            taken.append(item.frame)
            np.sum(item.frame.image)  # a little work per frame, as the coach would do
    cam.close()
    assert cam.lost
    assert len(taken) + cam.dropped == cam.captured == 91
    assert [f.index for f in taken] == sorted({f.index for f in taken})
    stamps = [f.timestamp_ms for f in taken]
    assert stamps == sorted(stamps)


@pytest.mark.model
def test_live_runs_a_routine_exercise_by_exercise(tmp_path: Path) -> None:
    """A routine through the live path: each exercise gets its own section, and the set ends when
    the last exercise's dose is done."""
    import json
    import subprocess
    import sys

    routine = tmp_path / "pair.toml"
    routine.write_text('schema_version = 1\nname = "Pair"\n[[steps]]\nexercise = "bridge"\nreps = 2\n'
                       '[[steps]]\nexercise = "bridge"\nreps = 1\n')
    sample = Path(__file__).resolve().parent.parent / "sample_videos" / "bridge.mp4"
    out = tmp_path / "r.json"
    done = subprocess.run([sys.executable, "-m", "posecoach", "live", "-e", f"routine:{routine}", "--source",
                           str(sample), "--headless", "--no-drop", "--mute", "--report", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert [s["reps"] for s in report["exercises"]] == [2, 1]
    assert report["status"] == "complete" and report["not_started"] == []
    assert "Routine: Pair (complete)" in done.stdout

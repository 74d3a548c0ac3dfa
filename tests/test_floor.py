"""Coaching from the floor: spoken commands (offline recogniser on synthesised speech), the live
path fed by ``--microphone FILE.wav``, the talk-through, the pain rating and the event list."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_live import VIDEO, EmptyEstimator, ListSource  # noqa: E402

from posecoach import cli  # noqa: E402
from posecoach.app.build import make_analysis  # noqa: E402
from posecoach.control.floor import FloorControls  # noqa: E402
from posecoach.engine.events import SetupCompleted  # noqa: E402
from posecoach.engine.session import FrameResult  # noqa: E402
from posecoach.errors import ExitCode  # noqa: E402
from posecoach.app.live import LiveSession  # noqa: E402
from posecoach.render.window import HeadlessWindow  # noqa: E402
from posecoach.spec.loader import exercise_ids, find_spec  # noqa: E402
from posecoach.talk import TalkThrough, script_for  # noqa: E402
from posecoach.voice import Cue, Voice  # noqa: E402

from posecoach.control.speech import pocketsphinx_available  # noqa: E402

#: The recogniser (pocketsphinx, a dependency) and espeak-ng (which speaks the test sentences).
needs_speech = pytest.mark.skipif(shutil.which("espeak-ng") is None or not pocketsphinx_available(),
                                  reason="needs espeak-ng and pocketsphinx")


def say(text: str, folder: Path, voice: str = "en-us", wpm: int = 140) -> np.ndarray:
    from posecoach.control.audio import load_16k

    path = folder / f"{abs(hash((text, voice, wpm)))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), "--", text], check=True, capture_output=True)
    return load_16k(path).astype(np.float32)


def write_wav(path: Path, parts: list[np.ndarray | float], noise: float = 30.0) -> Path:
    """Speech and pauses (seconds) one after another, 16 kHz, with a little room noise."""
    x = np.concatenate([p if isinstance(p, np.ndarray) else np.zeros(int(16000 * p), np.float32) for p in parts])
    x = x + np.random.default_rng(0).normal(0, noise, len(x))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.clip(x, -32768, 32767).astype("<i2").tobytes())
    return path


# -- the recogniser -----------------------------------------------------------------------------
@needs_speech
def test_commands_said_alone_are_recognised_and_talk_is_not(tmp_path: Path) -> None:
    from posecoach.control.speech import Spotter

    parts: list = [1.0]
    for text in ["stop", "I think the weather is getting better this afternoon.", "pause", "go on",
                 "Can you hand me the water bottle from the table?", "next"]:
        parts += [say(text, tmp_path), 1.0]
    wav = write_wav(tmp_path / "a.wav", parts)
    from posecoach.control.audio import load_16k

    spotter = Spotter()
    heard = spotter.feed(load_16k(wav)) + spotter.flush()
    phrases = [h.phrase for h in heard]
    # the two sentences give nothing; what is recognised is what was said, in order
    assert phrases[:2] == ["stop", "pause"] and phrases == [p for p in ["stop", "pause", "go on", "next"] if p in phrases]
    assert {"stop": "pain_stop", "pause": "pause"} == {h.phrase: h.command for h in heard[:2]}
    sentences = [d for d in spotter.decoded if d[0] > 0 and not d[3]]
    assert len(sentences) >= 2  # decoded (or dropped as too long) and rejected


@needs_speech
def test_a_file_microphone_plays_in_real_time_and_the_listener_reports(tmp_path: Path) -> None:
    from posecoach.control.listen import FileMicrophone, Listener

    wav = write_wav(tmp_path / "m.wav", [0.5, say("stop", tmp_path), 1.0])
    listener = Listener(FileMicrophone(wav)).start()
    t0 = time.monotonic()
    while not listener.ended and time.monotonic() - t0 < 10:
        time.sleep(0.05)
    got = listener.poll()
    listener.close()
    assert [g.heard.phrase for g in got] == ["stop"]
    assert got[0].at - t0 >= 1.2  # not before the word was played


def test_a_missing_sound_file_is_a_one_line_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = cli.main(["live", "-e", "bridge", "--headless", "--mute", "--source", str(VIDEO),
                     "--microphone", str(tmp_path / "nope.wav")])
    assert code == ExitCode.USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.wav: no such sound file" in err[0]


def test_the_coach_hearing_its_own_words_is_ignored() -> None:
    voice = Voice(None)
    now = time.monotonic()
    voice.said_at.append((now - 1.0, now - 0.5, "Next: Knee rolls"))
    assert voice.saying("next", now) and not voice.saying("stop", now)
    assert not voice.saying("next", now + 5.0)


# -- the live loop with fakes: keys, events, rating ---------------------------------------------
def floor_session(tmp_path: Path, keys, floor: FloorControls, n: int = 60) -> LiveSession:
    return LiveSession(make_analysis("bridge"), ListSource(n), EmptyEstimator(), HeadlessWindow(keys), floor.voice,
                       source_meta={"camera": 0}, report_path=tmp_path / "r.json", summary_s=0, floor=floor)


def test_keys_are_listed_as_events_and_a_number_key_rates_the_pain(tmp_path: Path) -> None:
    floor = FloorControls(Voice(None))
    out = floor_session(tmp_path, [(0.2, " "), (0.2, " "), (0.3, "s"), (0.5, "p"), (0.6, "7")], floor).run()
    saved = json.loads((tmp_path / "r.json").read_text())
    assert out.reason == "pain" and saved["stop"] == {"reason": "pain", "t_s": 0.5}
    # the old keys are not listed (their report is as it was); the new ones are
    assert [(e["control"], e["by"]) for e in saved["events"]] == [("skip_talk", "key"), ("pain_rating", "key")]
    assert saved["pain_rating"]["value"] == 7 and saved["pain_rating"]["by"] == "key"


def test_one_then_zero_is_ten_and_enter_skips(tmp_path: Path) -> None:
    floor = FloorControls(Voice(None))
    floor_session(tmp_path, [(0.3, "q"), (0.4, "1"), (0.5, "0")], floor).run()
    assert json.loads((tmp_path / "r.json").read_text())["pain_rating"]["value"] == 10
    floor = FloorControls(Voice(None))
    floor_session(tmp_path, [(0.3, "q"), (0.4, "\n")], floor).run()
    saved = json.loads((tmp_path / "r.json").read_text())
    assert "pain_rating" not in saved and "events" not in saved
    floor = FloorControls(Voice(None))
    floor_session(tmp_path, [], floor).run()
    assert "events" not in json.loads((tmp_path / "r.json").read_text())  # nothing given: nothing listed


def test_a_gesture_is_the_same_key_and_is_listed(tmp_path: Path) -> None:
    from posecoach.control.gestures import Gesture

    class Waver:
        def update(self, pose):
            return [Gesture("pain_stop", pose.t_s, "both")] if pose.index == 9 else []

    floor = FloorControls(Voice(None), gestures=Waver(), ask_rating=False)  # type: ignore[arg-type]
    out = floor_session(tmp_path, [], floor).run()
    saved = json.loads((tmp_path / "r.json").read_text())
    assert out.reason == "pain" and saved["stop"]["reason"] == "pain"
    assert saved["events"] == [{"t_s": 0.3, "control": "pain_stop", "by": "gesture", "hand": "both"}]
    assert saved["pain_stop"]["t_s"] == 0.3


# -- the talk-through ---------------------------------------------------------------------------
class Recording(Voice):
    def __init__(self) -> None:
        super().__init__(None)
        self.queued: list[Cue] = []

    @property
    def enabled(self) -> bool:
        return True

    @property
    def idle(self) -> bool:
        return True

    def say(self, cue: Cue) -> None:
        self.queued.append(cue)


def test_every_exercise_has_a_talk_through() -> None:
    for i in exercise_ids():
        s = script_for(find_spec(i))
        assert s.get_down and s.get_up, i
        assert s.start.startswith("Start position: ") and len(s.start) > 25, i
        assert s.movement.startswith("The movement: ") and "Film" not in s.movement, i


def test_talk_through_order_and_setup_advice_not_repeated_too_often() -> None:
    spec = find_spec("knee_rolls")
    voice = Recording()
    talk = TalkThrough(spec, voice, advice_every_s=6.0, repeat_s=15.0)
    talk.begin()
    advice = "Lie on your back, knees bent and together, in the middle"

    def setup(t: float) -> FrameResult:
        return FrameResult(t, "setup", [], 0, {}, 0.0, [], setup_unmet=[advice])

    for i in range(0, 200):  # 20 s of setup at 10 frames a second
        talk.frame(setup(i / 10))
    talk.frame(FrameResult(20.0, "rest", [SetupCompleted(20.0)], 0, {}, 0.0, []))
    talk.end(40.0)
    texts = [c.text for c in voice.queued]
    assert texts[0] == spec.get_down and texts[1].startswith("Start position: Lie on your back")
    said_advice = [t for t, x in talk.said if x == advice]
    assert said_advice == [0.0, 15.0]  # the same advice at most every repeat_s
    assert texts[-2].startswith("The movement: Keeping both shoulders") and texts[-1] == spec.get_up
    assert all(c.tag == "talk" for c in voice.queued)


def test_skip_drops_the_queued_talk_and_says_no_more() -> None:
    voice = Voice(None)
    voice.speaker = object()  # type: ignore[assignment]  # enabled, but no worker: cues stay queued
    talk = TalkThrough(find_spec("bridge"), voice)
    talk.begin()
    voice.say(Cue("3", 5.0))
    talk.skip()
    talk.end(5.0)
    assert [c.text for _, c in voice._queue] == ["3"]


# -- end to end: the real model, a video as the camera, a sound file as the microphone ----------
@pytest.mark.model
@needs_speech
def test_live_pain_stop_and_rating_by_voice_are_recorded_as_by_key(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "mic.wav", [1.5, say("stop", tmp_path), 2.0, say("five", tmp_path), 2.0])
    by_voice, by_key = tmp_path / "voice.json", tmp_path / "key.json"
    base = ["live", "-e", "bridge", "--source", str(VIDEO), "--headless", "--mute", "-q"]
    assert cli.main([*base, "--microphone", str(wav), "--report", str(by_voice)]) == 0
    v = json.loads(by_voice.read_text())
    stop_t = v["pain_stop"]["t_s"]
    assert 2.0 <= stop_t <= 4.0  # once the word (spoken from 1.5 s, about half a second long) has ended
    assert cli.main([*base, "--no-listen", "--keys", f"{stop_t}:p,{stop_t + 1}:5", "--report", str(by_key)]) == 0
    k = json.loads(by_key.read_text())
    # the same stop: reason, time, advice, status
    assert v["stop"] == {"reason": "pain", "t_s": stop_t} and k["stop"]["reason"] == "pain"
    assert v["pain_stop"]["advice"] == k["pain_stop"]["advice"] and v["status"] == k["status"] == "partial"
    assert v["events"][0] == {"t_s": stop_t, "control": "pain_stop", "by": "voice", "heard": "stop"}
    assert [e["control"] for e in k["events"]] == ["pain_rating"]  # the p key itself is not listed
    assert v["pain_rating"]["value"] == 5 and v["pain_rating"]["by"] == "voice"
    assert k["pain_rating"]["value"] == 5 and k["pain_rating"]["by"] == "key"
    assert v["source"]["microphone"] == f"sound file {wav}"

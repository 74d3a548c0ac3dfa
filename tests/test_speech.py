"""The spoken-command recogniser's decision: per-command thresholds on two scores, the word-level
score, and utterances cut out of the sound (synthesised by espeak-ng)."""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_floor import say, write_wav  # noqa: E402

from posecoach.control.audio import load_16k  # noqa: E402
from posecoach.control.speech import THRESHOLDS, Heard, _word_score, pocketsphinx_available  # noqa: E402

needs_speech = pytest.mark.skipif(shutil.which("espeak-ng") is None or not pocketsphinx_available(),
                                  reason="needs espeak-ng and pocketsphinx")
needs_recogniser = pytest.mark.skipif(not pocketsphinx_available(), reason="needs pocketsphinx")


def test_the_word_score_counts_only_the_command_words_frames() -> None:
    # grammar path: "please" (frames 0-19) then "stop" (20-49); free path: phones over 0-49
    grammar = [("please", 0, 19, -100.0), ("stop", 20, 49, -300.0)]
    free = [("P", 0, 9, -20.0), ("L", 10, 29, -60.0), ("S", 30, 49, -150.0)]
    # free inside 20-49: half of L (-30) and all of S (-150) -> (-300 + 180) / 30 frames
    assert _word_score(grammar, free, {"stop"}) == pytest.approx(-4.0)
    assert _word_score(grammar, free, {"pause"}) == -math.inf
    # "go on" spans both of its words
    assert _word_score([("go", 0, 9, -10.0), ("on", 10, 19, -10.0)], [("G", 0, 19, -10.0)], {"go", "on"}) \
        == pytest.approx(-0.5)


@needs_recogniser
def test_both_scores_must_reach_the_commands_own_thresholds() -> None:
    from posecoach.control.speech import Spotter

    spotter = Spotter()
    a, b = THRESHOLDS["stop"]
    assert spotter._passes("stop", a, b)
    assert not spotter._passes("stop", a - 0.5, b + 1.0)  # a good word in a bad utterance
    assert not spotter._passes("stop", a + 1.0, b - 0.5)  # a bad word padded by good fillers
    assert spotter._passes("five", spotter.threshold, -math.inf)  # numbers: the utterance score alone
    everything = Spotter(accept_all=True)
    assert everything.accept_all and everything.thresholds == THRESHOLDS
    assert Heard("stop", 1.0, -3.0, -2.0).command == "pain_stop"


@needs_speech
def test_a_command_just_after_talk_is_its_own_utterance(tmp_path: Path) -> None:
    """Said 0.6 s after a sentence, "pause" is still cut out on its own and taken (a loose voice
    activity detector runs the two together, and the long utterance is dropped as talk)."""
    from posecoach.control.speech import Spotter

    wav = write_wav(tmp_path / "after.wav", [1.0, say("My back feels a little tight today.", tmp_path), 0.6,
                                             say("pause", tmp_path), 1.0])
    spotter = Spotter()
    heard = spotter.feed(load_16k(wav)) + spotter.flush()
    assert [h.phrase for h in heard] == ["pause"]
    assert heard[0].audio_t_s > 1.0 + 0.6 + len(say("My back feels a little tight today.", tmp_path)) / 16000
    assert isinstance(heard[0].word_score, float) and np.isfinite(heard[0].word_score)


@needs_speech
def test_go_on_said_by_a_tuning_voice_is_taken(tmp_path: Path) -> None:
    """"go on" and "gone" differ by one vowel; with "gone" a decoy of its own, "go on" need not be
    held to a threshold so tight that it was missed nearly every time."""
    from posecoach.control.speech import Spotter
    from posecoach.control.speech_eval import TUNE_VOICES, build_stream

    for k in (0, 2):  # en-us at 140 and en-us+m3 at 160 words a minute
        stream = build_stream([("go on", "go on")], TUNE_VOICES[k], tmp_path, seed=k)
        spotter = Spotter(seed=k)
        heard = spotter.feed(stream.audio) + spotter.flush()
        assert [(h.phrase, h.command) for h in heard] == [("go on", "resume")], TUNE_VOICES[k]


@needs_speech
def test_a_near_homophone_is_heard_as_its_decoy_and_not_taken(tmp_path: Path) -> None:
    from posecoach.control.speech import DECOYS, Spotter
    from posecoach.control.speech_eval import TUNE_VOICES, build_stream

    words = ["stuff", "gone", "yes"]
    assert set(words) <= set(DECOYS)
    stream = build_stream([(w, None) for w in words], TUNE_VOICES[0], tmp_path)
    spotter = Spotter()
    assert spotter.feed(stream.audio) + spotter.flush() == []
    # each was decoded, as the decoy itself, rather than dropped unheard
    assert [d[1] for d in spotter.decoded if d[1]] == words


@needs_recogniser
def test_stop_is_known_by_its_other_vowels_too() -> None:
    from posecoach.control.speech import PRONUNCIATIONS, Spotter

    spotter = Spotter()
    assert spotter._decoder.lookup_word("stop") == "S T AA P"
    assert [spotter._decoder.lookup_word(f"stop({k})") for k in (2, 3)] == [p for w, p in PRONUNCIATIONS if w == "stop"]


@needs_speech
def test_the_silence_after_a_command_is_not_heard_as_a_word(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the endpointer's ratio at 0.8, which places an utterance's end a frame earlier,
    "stop" is heard as "stop"; at pocketsphinx's default of 0.9 more of the silence after it was
    kept and it came out as "stop that"."""
    import posecoach.control.speech as speech
    from posecoach.control.speech_eval import TUNE_VOICES, build_stream

    def hypotheses() -> list[str]:
        stream = build_stream([("stop", "stop")], TUNE_VOICES[2], tmp_path)
        spotter = speech.Spotter(accept_all=True)
        spotter.feed(stream.audio)
        spotter.flush()
        return [d[1] for d in spotter.decoded]

    assert speech.VAD_RATIO < 0.9
    assert hypotheses() == ["stop"]
    monkeypatch.setattr(speech, "VAD_RATIO", 0.9)
    assert hypotheses() == ["stop that"]

"""Spoken commands, recognised offline by pocketsphinx (its English model ships in its wheel).

How a command is told from other speech: a voice activity detector cuts the sound into
utterances; an utterance longer than ``MAX_UTTERANCE_S`` is ordinary talk and is dropped unheard.
A short one is decoded twice: once by a grammar that knows only the command phrases (with an
optional "please", "okay" or "ouch" around them), which always finds *some* command, and once by
a free phoneme loop, which finds the best sounds for anything. Their acoustic scores per 10 ms
frame are compared: for a command the grammar's path is nearly as good as the free one, for
anything else it is usually worse. The utterance is a command when the difference is above
``THRESHOLD``, set just below the lowest score of the command utterances of the tuning voices in
clean speech. ``benchmarks/voice_commands.py`` measures the miss and false accept rates on other
voices and noise levels (``--tune`` sweeps the threshold); in loud noise the voice activity
detector no longer finds the end of an utterance, and commands are missed: keys and gestures stay.

``Spotter`` is the pure part (samples in, phrases out, by audio time); ``Listener`` (in
``posecoach.control.listen``) runs one in a thread fed by a microphone or a WAV file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
import os
from dataclasses import dataclass

import numpy as np

#: Spoken phrase -> the control it gives. "stop" is the pain stop, as the p key.
COMMANDS: dict[str, str] = {"stop": "pain_stop", "pause": "pause", "go on": "resume", "next": "next", "skip": "skip"}
NUMBERS: dict[str, int] = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])}
COMMAND_SEARCH, RATING_SEARCH = "commands", "rating"
#: Grammar-minus-phoneme-loop score per frame (natural log) above which an utterance is taken:
#: clean command utterances of the tuning voices scored -3.84 to -2.38.
THRESHOLD = -3.9
#: Commands are said on their own; an utterance longer than this is talk, not a command.
MAX_UTTERANCE_S = 1.8
#: Gaussian noise (int16 units, about -70 dBFS) added to the input: digital silence, as in a
#: synthesised file, throws the recogniser's feature normalisation off; a microphone never has it.
DITHER = 8.0

_COMMAND_GRAMMAR = """#JSGF V1.0;
grammar commands;
public <utterance> = [okay | please | ouch | oh] <command> [<command>] [please | that | now];
<command> = stop | pause | go on | next | skip;
"""
_RATING_GRAMMAR = """#JSGF V1.0;
grammar rating;
public <utterance> = [about | maybe | say | a] <number> [please];
<number> = zero | one | two | three | four | five | six | seven | eight | nine | ten;
"""


@dataclass(frozen=True, slots=True)
class Heard:
    """A phrase recognised; ``audio_t_s``: seconds into the audio at which it was recognised
    (the end of its utterance); ``score``: the grammar-minus-free score per frame."""

    phrase: str
    audio_t_s: float
    score: float = 0.0

    @property
    def command(self) -> str | None:
        return COMMANDS.get(self.phrase)

    @property
    def number(self) -> int | None:
        return NUMBERS.get(self.phrase)


def pocketsphinx_available() -> bool:
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return True


def _find_phrase(hyp: str, phrases: Mapping[str, object]) -> str | None:
    words = hyp.split()
    for p in sorted(phrases, key=len, reverse=True):
        n = len(p.split())
        if any(" ".join(words[i:i + n]) == p for i in range(len(words))):
            return p
    return None


class Spotter:
    """Finds command phrases (or, in ``"rating"`` mode, the numbers zero to ten) in a stream of
    16 kHz int16 samples. Raises ``ImportError`` without pocketsphinx."""

    def __init__(self, threshold: float = THRESHOLD, *, max_utterance_s: float = MAX_UTTERANCE_S, seed: int = 0) -> None:
        from pocketsphinx import Decoder, Endpointer, get_model_path

        self.rate = 16000
        self.threshold = threshold
        self.max_utterance_s = max_utterance_s
        self._decoder = Decoder(logfn=os.devnull)
        self._decoder.add_jsgf_string(COMMAND_SEARCH, _COMMAND_GRAMMAR)
        self._decoder.add_jsgf_string(RATING_SEARCH, _RATING_GRAMMAR)
        self._decoder.add_allphone_file("free", os.path.join(get_model_path(), "en-us", "en-us-phone.lm.bin"))
        self._endpointer = Endpointer(window=0.3, ratio=0.9, sample_rate=self.rate)
        self._frame = self._endpointer.frame_bytes // 2  # samples per VAD frame
        self._pending = np.zeros(0, np.int16)
        self._speech: list[bytes] = []
        self._speech_n = 0
        self._samples = 0
        self._rng = np.random.default_rng(seed)
        self.mode = COMMAND_SEARCH
        #: Every decoded utterance: (end time s, hypothesis, score, accepted), for tuning and logs.
        self.decoded: list[tuple[float, str, float, bool]] = []

    def set_mode(self, mode: str) -> None:
        """``"commands"`` or ``"rating"``; an utterance under way is decoded in the new mode."""
        if mode not in (COMMAND_SEARCH, RATING_SEARCH):
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode

    @property
    def audio_t_s(self) -> float:
        return self._samples / self.rate

    def feed(self, samples: np.ndarray) -> list[Heard]:
        """Process int16 samples; the phrases recognised in utterances that ended in them."""
        noisy = np.clip(samples.astype(np.float32) + self._rng.normal(0.0, DITHER, len(samples)), -32768, 32767)
        data = np.concatenate([self._pending, noisy.astype(np.int16)])
        out: list[Heard] = []
        n = len(data) - len(data) % self._frame
        for i in range(0, n, self._frame):
            frame = data[i:i + self._frame]
            self._samples += len(frame)
            was = self._endpointer.in_speech
            speech = self._endpointer.process(frame.tobytes())
            if speech is not None:
                if self._speech_n <= self.max_utterance_s * self.rate * 1.5:  # a long one is dropped anyway
                    self._speech.append(speech)
                self._speech_n += len(speech) // 2
            if was and not self._endpointer.in_speech:
                out += self._utterance_ended()
        self._pending = data[n:]
        return out

    def flush(self) -> list[Heard]:
        """The end of the stream: decode an utterance still under way."""
        last = np.zeros(self._frame, np.int16)
        last[:len(self._pending)] = self._pending[:self._frame]
        self._pending = np.zeros(0, np.int16)
        speech = self._endpointer.end_stream(last.tobytes()) if self._endpointer.in_speech else None
        if speech is not None:
            self._speech.append(speech)
            self._speech_n += len(speech) // 2
        return self._utterance_ended() if self._speech else []

    def _utterance_ended(self) -> list[Heard]:
        audio, n = b"".join(self._speech), self._speech_n
        self._speech, self._speech_n = [], 0
        t = self.audio_t_s
        if n > self.max_utterance_s * self.rate or n < 0.15 * self.rate:
            self.decoded.append((t, "", -math.inf, False))
            return []
        hyp, grammar = self._decode(audio, self.mode)
        if not hyp:
            self.decoded.append((t, "", -math.inf, False))
            return []
        _, free = self._decode(audio, "free")
        score = (grammar - free) / (n / 160)  # per 10 ms frame
        phrase = _find_phrase(hyp, COMMANDS if self.mode == COMMAND_SEARCH else NUMBERS)
        ok = phrase is not None and score >= self.threshold
        self.decoded.append((t, hyp, score, ok))
        return [Heard(phrase, t, score)] if ok and phrase else []

    def _decode(self, audio: bytes, search: str) -> tuple[str, float]:
        """(hypothesis, total acoustic log-likelihood) of ``audio`` under one search."""
        d = self._decoder
        d.activate_search(search)
        d.start_utt()
        d.process_raw(audio, False, True)
        d.end_utt()
        hyp = d.hyp()
        if hyp is None:
            return "", -math.inf
        # segment scores come back as probabilities; a product too small for a float is the worst
        ll = sum(math.log(s.ascore) if s.ascore > 0 else -700.0 for s in d.seg())
        return hyp.hypstr, ll

    def close(self) -> None:
        """Nothing to release (kept so a spotter can be used like the listener)."""

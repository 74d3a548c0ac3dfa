"""Spoken commands, recognised offline by pocketsphinx (its English model ships in its wheel).

How a command is told from other speech: a voice activity detector (pocketsphinx's, in its
most aggressive mode, with a quarter second kept before each start for unvoiced onsets) cuts the
sound into utterances; an utterance longer than ``MAX_UTTERANCE_S`` is ordinary talk and is
dropped unheard. A short one is decoded twice: once by a grammar that knows only the command
phrases (with an optional "please", "okay" or "ouch" around them; "stop" also with the vowels of
``PRONUNCIATIONS``) or one of a few decoys, words
that sound close to a command word ("stuff", "pass", "gone", ``DECOYS``), and once by a free phoneme
loop, which finds the best sounds for anything. Their acoustic
scores per 10 ms frame are compared: for a command the grammar's path is nearly as good as the
free one, for anything else it is usually worse. Two such differences are taken, the free path's
score counted over the same frames: from the grammar path's first word to its last (``score``:
the silence around is left out, so room noise before and after does not lower it) and over the
command word alone (``word_score``), so a filler word said well cannot carry a command word said
badly. A command is taken when both reach its own pair of thresholds (``THRESHOLDS``), chosen per
command on the tuning voices by ``benchmarks/voice_commands.py --tune``, a false accept costing
more than a miss and most for "stop" (a false pain stop ends the set; the keys and gestures stay
for a missed one). The benchmark measures the miss and false accept rates on other voices and
noise levels. A decoy heard is discarded, so "stuff" is not taken for "stop"; a decoy that is a
command word with a sound missing ("top", "neck") is left out, since it took the command itself
when that sound was said softly. Near-homophones not among the decoys still get through, and in
loud noise most commands are missed.

``Spotter`` is the pure part (samples in, phrases out, by audio time); ``Listener`` (in
``posecoach.control.listen``) runs one in a thread fed by a microphone or a WAV file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: Spoken phrase -> the control it gives. "stop" is the pain stop, as the p key.
COMMANDS: dict[str, str] = {"stop": "pain_stop", "pause": "pause", "go on": "resume", "next": "next", "skip": "skip"}
NUMBERS: dict[str, int] = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])}
COMMAND_SEARCH, RATING_SEARCH = "commands", "rating"
#: Grammar-minus-phoneme-loop score per frame (natural log) above which a number is taken in
#: rating mode. Set by hand: ``benchmarks/voice_commands.py --mode rating --tune`` (misses costing
#: 1, false accepts 2) finds an utterance and word score pair of (-2.75, -1.0) best on the tuning
#: voices, which misses 92% of the numbers, as
#: good as no spoken rating at all; here, on the tuning voices, about a quarter of the numbers are
#: missed and a fifth of other utterances give a number. The rating keys stay.
THRESHOLD = -3.9
#: Per command: (utterance score, word score) thresholds, both to be reached. From
#: ``benchmarks/voice_commands.py --tune`` on the tuning voices (clean, 20 and 10 dB), with the
#: decoys in the grammar, misses costing 1 and false accepts 2 (3 for "stop"); -99 is no threshold.
THRESHOLDS: dict[str, tuple[float, float]] = {
    "stop": (-99.0, -2.75), "pause": (-4.25, -3.75), "go on": (-3.0, -4.0), "next": (-3.75, -6.25), "skip": (-3.0, -99.0),
}
#: Commands are said on their own; an utterance longer than this is talk, not a command.
MAX_UTTERANCE_S = 1.8
#: pocketsphinx's voice activity aggressiveness, 0 (loose) to 3 (very aggressive).
VAD_MODE = 3
#: The endpointer's window (s) and the share of its 30 ms frames, voiced or not, that starts or
#: ends an utterance. At 0.8 rather than pocketsphinx's 0.9 it found the same utterances in two of
#: the benchmark's streams, with their start and end a frame (30 ms) earlier: less of the silence
#: after a command is decoded, where it was heard as a word ("stop that").
VAD_WINDOW_S = 0.3
VAD_RATIO = 0.8
#: Sound kept before the detected start of an utterance, and how much input is remembered.
PREROLL_S = 0.25
#: Sound kept after the detected end of an utterance (s): cut closer, the "p" of "stop" was lost.
POSTROLL_S = 0.05
HISTORY_S = MAX_UTTERANCE_S * 2 + 2.0
#: Gaussian noise (int16 units, about -70 dBFS) added to the input: digital silence, as in a
#: synthesised file, throws the recogniser's feature normalisation off; a microphone never has it.
DITHER = 8.0

#: Words that sound like a command word but are not one ("stuff" for "stop", "gone" for "go on"):
#: the grammar knows them as an alternative to a command, so when one of them is said the
#: grammar's best path is the decoy, which is recognised and discarded, rather than the command.
#: Only words whose pronunciation differs from every command word's (not "paws" for "pause"), and
#: none that is a command word less a sound ("top", "neck"): those took "stop" and "next" said
#: with a soft "s". "gone" is what kept "go on" from being taken: without it, "gone" scored as well
#: as "go on" itself, and the tuned thresholds were so tight that "go on" was nearly always missed.
#: "good" and "one more" came out as "go on" on the tuning voices.
DECOYS: tuple[str, ...] = ("stuff", "stock", "shop", "pass", "because", "yes", "text", "gone", "going", "go home",
                           "skin", "hang on", "good", "one more")
#: The decoys' prior against a command's (JSGF weights): a decoy wins only when it sounds better
#: by a margin, so a command said a little unclearly is not lost to one.
DECOY_WEIGHT = 0.05
#: Pronunciations added to the dictionary's, as (word, phones): "stop" with the British and
#: espeak-ng vowels, which the model hears as AO or OW rather than the dictionary's AA.
PRONUNCIATIONS: tuple[tuple[str, str], ...] = (("stop", "S T AO P"), ("stop", "S T OW P"))
_COMMAND_GRAMMAR = f"""#JSGF V1.0;
grammar commands;
public <utterance> = [okay | please | ouch | oh | my] (/1/ <command> [<command>] | /{DECOY_WEIGHT:g}/ <decoy>) [please | that | now];
<command> = stop | pause | go on | next | skip;
<decoy> = {" | ".join(DECOYS)};
"""
_RATING_GRAMMAR = """#JSGF V1.0;
grammar rating;
public <utterance> = [about | maybe | say | a] <number> [please];
<number> = zero | one | two | three | four | five | six | seven | eight | nine | ten;
"""


@dataclass(frozen=True, slots=True)
class Heard:
    """A phrase recognised; ``audio_t_s``: seconds into the audio at which it was recognised
    (the end of its utterance); ``score``: the grammar-minus-free score per frame over the
    utterance's words, ``word_score`` over the command word's frames."""

    phrase: str
    audio_t_s: float
    score: float = 0.0
    word_score: float = 0.0

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


def _word_score(gsegs: list[tuple[str, int, int, float]], fsegs: list[tuple[str, int, int, float]],
                words: set[str]) -> float:
    """Grammar-minus-free acoustic score per frame over the frames of ``words`` in the grammar's
    path; a free-path segment partly inside counts in proportion. -inf when none is there."""
    mine = [s for s in gsegs if s[0] in words]
    if not mine:
        return -math.inf
    first, last = min(s[1] for s in mine), max(s[2] for s in mine)
    free = 0.0
    for _, a, b, ll in fsegs:
        overlap = min(b, last) - max(a, first) + 1
        if overlap > 0:
            free += ll * overlap / (b - a + 1)
    return (sum(s[3] for s in mine) - free) / (last - first + 1)


class Spotter:
    """Finds command phrases (or, in ``"rating"`` mode, the numbers zero to ten) in a stream of
    16 kHz int16 samples. Raises ``ImportError`` without pocketsphinx."""

    def __init__(self, threshold: float = THRESHOLD, *, thresholds: Mapping[str, tuple[float, float]] | None = None,
                 accept_all: bool = False, max_utterance_s: float = MAX_UTTERANCE_S, seed: int = 0) -> None:
        from pocketsphinx import Decoder, Endpointer, get_model_path

        self.rate = 16000
        self.threshold = threshold  # numbers, in rating mode
        self.thresholds = dict(THRESHOLDS if thresholds is None else thresholds)
        #: Report every phrase decoded, whatever its scores (for measuring and tuning).
        self.accept_all = accept_all
        self.max_utterance_s = max_utterance_s
        self._decoder = Decoder(logfn=os.devnull)
        for k, (word, phones) in enumerate(PRONUNCIATIONS):  # "stop(2)", "stop(3)", ...: its alternatives
            n = 2 + sum(w == word for w, _ in PRONUNCIATIONS[:k])
            self._decoder.add_word(f"{word}({n})", phones, False)
        self._decoder.add_jsgf_string(COMMAND_SEARCH, _COMMAND_GRAMMAR)
        self._decoder.add_jsgf_string(RATING_SEARCH, _RATING_GRAMMAR)
        self._decoder.add_allphone_file("free", os.path.join(get_model_path(), "en-us", "en-us-phone.lm.bin"))
        # the most aggressive voice activity mode: the default (loose) one runs a command into the
        # talk around it and, in 10 dB noise, never finds an utterance's end at all
        self._endpointer = Endpointer(window=VAD_WINDOW_S, ratio=VAD_RATIO, vad_mode=VAD_MODE, sample_rate=self.rate)
        self._frame = self._endpointer.frame_bytes // 2  # samples per VAD frame
        self._pending = np.zeros(0, np.int16)
        self._history = np.zeros(0, np.int16)
        self._history_start = 0  # the sample index of its first sample
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
        self._history = np.concatenate([self._history, data[:n]])  # trimmed once the chunk is done
        for i in range(0, n, self._frame):
            frame = data[i:i + self._frame]
            self._samples += len(frame)
            was = self._endpointer.in_speech
            self._endpointer.process(frame.tobytes())
            if was and not self._endpointer.in_speech:
                out += self._utterance_ended()
        self._pending = data[n:]
        self._forget()
        return out

    def flush(self) -> list[Heard]:
        """The end of the stream: decode an utterance still under way."""
        last = np.zeros(self._frame, np.int16)
        last[:len(self._pending)] = self._pending[:self._frame]
        self._pending = np.zeros(0, np.int16)
        if not self._endpointer.in_speech:
            return []
        self._history = np.concatenate([self._history, last])
        self._samples += len(last)
        self._endpointer.end_stream(last.tobytes())
        return self._utterance_ended()

    def _forget(self) -> None:
        """Keep only the last ``HISTORY_S`` of input, from which an utterance is cut when it ends."""
        extra = len(self._history) - int(HISTORY_S * self.rate)
        if extra > 0:
            self._history = self._history[extra:]
            self._history_start += extra

    def _utterance_ended(self) -> list[Heard]:
        # from a little before the detector's start: the most aggressive mode starts an utterance
        # at its first voiced sound, after the "s" of "stop" or "skip"
        start, end = self._endpointer.speech_start, self._endpointer.speech_end
        a = max(self._history_start, int((start - PREROLL_S) * self.rate))
        b = int(end * self.rate) + int(POSTROLL_S * self.rate)
        audio = self._history[a - self._history_start:max(a, b - self._history_start)].tobytes()
        n = int((end - start) * self.rate)
        t = self.audio_t_s
        if n > self.max_utterance_s * self.rate or n < 0.15 * self.rate:
            self.decoded.append((t, "", -math.inf, False))
            return []
        hyp, gsegs = self._decode(audio, self.mode)
        if not hyp:
            self.decoded.append((t, "", -math.inf, False))
            return []
        _, fsegs = self._decode(audio, "free")
        # per 10 ms frame, from the first word to the last: the silence around (and the sound
        # kept before the start) would water it down by an amount that depends on the room
        spoken = {w for w, *_ in gsegs if not w.startswith(("<", "["))}
        score = _word_score(gsegs, fsegs, spoken)
        phrase = _find_phrase(hyp, COMMANDS if self.mode == COMMAND_SEARCH else NUMBERS)
        word = _word_score(gsegs, fsegs, set(phrase.split()) if phrase else set())
        ok = phrase is not None and (self.accept_all or self._passes(phrase, score, word))
        self.decoded.append((t, hyp, score, ok))
        return [Heard(phrase, t, score, word)] if ok and phrase else []

    def _passes(self, phrase: str, score: float, word: float) -> bool:
        if phrase in NUMBERS:
            return score >= self.threshold
        th_utt, th_word = self.thresholds.get(phrase, (self.threshold, -math.inf))
        return score >= th_utt and word >= th_word

    def _decode(self, audio: bytes, search: str) -> tuple[str, list[tuple[str, int, int, float]]]:
        """(hypothesis, segments) of ``audio`` under one search; a segment is (word or phone,
        first frame, last frame, acoustic log-likelihood)."""
        d = self._decoder
        d.activate_search(search)
        d.start_utt()
        d.process_raw(audio, False, True)
        d.end_utt()
        hyp = d.hyp()
        if hyp is None:
            return "", []
        # segment scores come back as probabilities; one too small for a float is the worst
        segs = [(s.word.split("(")[0], s.start_frame, s.end_frame, math.log(s.ascore) if s.ascore > 0 else -700.0)
                for s in d.seg()]
        return hyp.hypstr, segs

    def close(self) -> None:
        """Nothing to release (kept so a spotter can be used like the listener)."""

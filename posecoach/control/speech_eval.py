"""Measuring the spoken-command recogniser on synthesised speech (espeak-ng), with noise added.

An evaluation stream is a run of utterances separated by pauses, as a person would speak while
exercising: commands said alone or in a short phrase ("please stop"), and sentences that contain no
command word (ordinary talk, and the coach's own spoken texts). Every phrase the spotter reports is
matched to the utterance it came from (its reporting time falls between that utterance's start and
``LATE_S`` after its end). A command utterance is a hit when its own phrase was reported for it;
anything else reported counts as a false accept.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecoach.control.audio import RATE, load_16k, to_pcm16
from posecoach.control.speech import COMMANDS, NUMBERS, Heard

ESPEAK = "espeak-ng"
#: A phrase may be reported this long after its utterance ended (decoding runs 100 ms behind).
LATE_S = 0.6
GAP_S = 1.0

#: Utterances that carry a command: (text, the phrase expected).
COMMAND_UTTERANCES: list[tuple[str, str]] = [
    ("stop", "stop"), ("stop!", "stop"), ("please stop", "stop"), ("ouch, stop", "stop"), ("stop, stop", "stop"),
    ("pause", "pause"), ("pause please", "pause"), ("okay, pause", "pause"),
    ("go on", "go on"), ("okay, go on", "go on"), ("go on please", "go on"),
    ("next", "next"), ("next please", "next"), ("skip", "skip"), ("skip that", "skip"),
]
RATING_UTTERANCES: list[tuple[str, str]] = [(w, w) for w in NUMBERS] + [("about three", "three"), ("maybe five", "five")]
#: Ordinary talk with no command word and no number word.
SENTENCES: list[str] = [
    "I think the weather is getting better this afternoon.",
    "Can you hand me the water bottle from the table?",
    "My back feels a little tight today.",
    "The cat is sitting on the mat again.",
    "I will call my sister after dinner.",
    "This mat is really comfortable.",
    "Where did I leave my phone?",
    "That was harder than I expected.",
    "The kettle is boiling in the kitchen.",
    "Let me get my breath back for a moment.",
    "Turn the music down a little, would you?",
    "I need to buy some milk and bread later.",
    "The physiotherapist said I should do this every day.",
    "Is the camera looking at me properly?",
    "My knees are a bit stiff in the morning.",
    "Hello, yes, I am doing my exercises right now.",
    "Could you open the window, it is warm in here.",
    "I saw a fox in the garden last night.",
    "We could go for a walk by the river tomorrow.",
    "This is much easier than it looked.",
    "Hang on, my sock is coming off.",
    "Mum, I will be down in a minute.",
    "Breathe in slowly and breathe out.",
    "The dog wants to come and lie next to me.",  # "next to": a command word inside ordinary talk
    "Don't forget the bus leaves at half past.",
    "Keep your shoulders relaxed and your chin tucked.",
    "The postman knocked at the door earlier.",
    "I am going on holiday in the summer.",  # "going on": close to "go on"
    "Top of the morning to you.",  # "top": close to "stop"
    "The shop on the corner has closed.",
]
#: Short things said that are not commands: the hardest to tell from one.
SHORT_TALK: list[str] = ["okay", "hang on", "yes", "hello", "oh dear", "top", "shop", "stuff", "pass", "because",
                         "text", "my neck", "go home", "gone", "ouch", "good", "one more", "that's it", "nice",
                         "not yet", "sorry", "wait", "right", "lovely", "hmm, no"]


@dataclass
class Voice:
    """An espeak-ng voice, speed (words per minute) and pitch (0-99)."""

    name: str
    wpm: int
    pitch: int = 50

    def __str__(self) -> str:
        return f"{self.name}@{self.wpm}wpm"


TUNE_VOICES = [Voice("en-us", 140), Voice("en-gb", 175, 40), Voice("en-us+m3", 160, 60)]
TEST_VOICES = [Voice("en-gb-x-rp", 125), Voice("en+f3", 160, 70), Voice("en-gb-scotland", 190, 45),
               Voice("en-us+f2", 150, 65), Voice("en-029", 170, 35)]
NOISE_SNR_DB: list[float | None] = [None, 20.0, 10.0]


def speak(text: str, voice: Voice, folder: Path) -> np.ndarray:
    """``text`` said by ``voice``, as 16 kHz int16 samples (cached as a WAV file in ``folder``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]
    path = folder / f"{voice.name.replace('+', '_')}_{voice.wpm}_{voice.pitch}_{slug}_{abs(hash(text)) % 10**6}.wav"
    if not path.exists():
        subprocess.run([ESPEAK, "-v", voice.name, "-s", str(voice.wpm), "-p", str(voice.pitch), "-w", str(path), "--", text],
                       check=True, capture_output=True, timeout=30)
    return load_16k(path)


@dataclass
class Stream:
    """Audio with the span (seconds) of each utterance in it and what it should give."""

    audio: np.ndarray
    spans: list[tuple[float, float, str | None, str]] = field(default_factory=list)  # start, end, expected, text


def build_stream(items: Sequence[tuple[str, str | None]], voice: Voice, folder: Path, *,
                 snr_db: float | None = None, seed: int = 0) -> Stream:
    """The utterances ``(text, expected phrase or None)`` one after another with ``GAP_S`` pauses;
    white noise at ``snr_db`` (relative to the speech's mean power) over the whole stream."""
    gap = np.zeros(int(GAP_S * RATE), np.float32)
    parts: list[np.ndarray] = [gap]
    spans: list[tuple[float, float, str | None, str]] = []
    t = GAP_S
    for text, expected in items:
        x = speak(text, voice, folder).astype(np.float32) / 32768.0
        spans.append((t, t + len(x) / RATE, expected, text))
        parts += [x, gap]
        t += (len(x) + len(gap)) / RATE
    audio = np.concatenate(parts)
    if snr_db is not None:
        speech = np.concatenate([p for p in parts if p is not gap])
        power = float(np.mean(speech ** 2))
        rng = np.random.default_rng(seed)
        audio = audio + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(audio)).astype(np.float32)
        audio *= 0.9 / max(1e-6, float(np.max(np.abs(audio))))
    return Stream(to_pcm16(audio), spans)


@dataclass
class Score:
    commands: int = 0
    hits: int = 0
    negatives: int = 0  # utterances with no command
    negative_s: float = 0.0  # seconds of that speech
    false_accepts: int = 0  # phrases reported where none (or another) was said
    false_in_negatives: int = 0
    by_phrase: dict[str, list[int]] = field(default_factory=dict)  # phrase -> [said, hit, false accepts]
    errors: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.commands += other.commands
        self.hits += other.hits
        self.negatives += other.negatives
        self.negative_s += other.negative_s
        self.false_accepts += other.false_accepts
        self.false_in_negatives += other.false_in_negatives
        for k, v in other.by_phrase.items():
            mine = self.by_phrase.setdefault(k, [0, 0, 0])
            for i in range(3):
                mine[i] += v[i]
        self.errors += other.errors

    @property
    def miss_rate(self) -> float:
        return 1.0 - self.hits / self.commands if self.commands else float("nan")

    @property
    def false_accepts_per_utterance(self) -> float:
        return self.false_in_negatives / self.negatives if self.negatives else float("nan")


def score(stream: Stream, heard: Iterable[Heard], label: str = "") -> Score:
    """Match reported phrases to utterances (see the module docstring)."""
    s = Score()
    got: dict[int, list[str]] = {i: [] for i in range(len(stream.spans))}
    stray: list[Heard] = []
    for h in heard:
        for i, (a, b, _, _) in enumerate(stream.spans):
            if a <= h.audio_t_s <= b + LATE_S:
                got[i].append(h.phrase)
                break
        else:
            stray.append(h)
    for i, (a, b, expected, text) in enumerate(stream.spans):
        phrases = got[i]
        if expected is None:
            s.negatives += 1
            s.negative_s += b - a
            s.false_in_negatives += len(phrases)
        else:
            s.commands += 1
            s.by_phrase.setdefault(expected, [0, 0, 0])[0] += 1
            if expected in phrases:
                s.hits += 1
                s.by_phrase[expected][1] += 1
                phrases = [p for p in phrases if p != expected]
            else:
                s.errors.append(f"{label}: missed {text!r} (heard {got[i]})")
        for p in phrases:
            s.false_accepts += 1
            s.by_phrase.setdefault(p, [0, 0, 0])[2] += 1
            if expected is None:
                s.errors.append(f"{label}: false {p!r} in {text!r}")
    for h in stray:  # reported in a pause: noise
        s.false_accepts += 1
        s.false_in_negatives += 1
        s.by_phrase.setdefault(h.phrase, [0, 0, 0])[2] += 1
        s.errors.append(f"{label}: false {h.phrase!r} in silence/noise at {h.audio_t_s:.1f} s")
    return s


def items_for(mode: str, extra_negatives: Sequence[str] = ()) -> list[tuple[str, str | None]]:
    """Command (or rating) utterances interleaved with the negative sentences."""
    pos = COMMAND_UTTERANCES if mode == "commands" else RATING_UTTERANCES
    short = [t for t in SHORT_TALK if mode == "commands" or not set(t.replace(",", "").split()) & set(NUMBERS)]
    neg = [(t, None) for t in [*SENTENCES, *short, *extra_negatives]]
    out: list[tuple[str, str | None]] = []
    for i in range(max(len(pos), len(neg))):
        if i < len(pos):
            out.append(pos[i])
        if i < len(neg):
            out.append(neg[i])
    return out


def coach_texts(limit: int | None = None) -> list[str]:
    """Sentences the coach itself says (spec instructions, get-down/up texts, setup and fault
    messages) that contain no command phrase or number word: speech the recogniser must ignore
    even when the echo of the coach's voice is not filtered out."""
    from posecoach.spec.loader import exercise_ids, find_spec

    words = set(COMMANDS) | set(NUMBERS)
    out: list[str] = []
    for spec in (find_spec(i) for i in exercise_ids()):
        texts = [spec.instructions, spec.get_down, spec.get_up, spec.setup.message, *(f.message for f in spec.faults)]
        for t in texts:
            for sentence in re.split(r"(?<=[.!?:])\s+", t.replace("\n", " ")):
                low = re.sub(r"[^a-z ]", " ", sentence.lower())
                if sentence.strip() and not any(re.search(rf"\b{w}\b", low) for w in words):
                    out.append(sentence.strip())
    out = sorted(set(out))
    return out[:limit] if limit else out


def workdir() -> Path:
    path = Path(tempfile.gettempdir()) / "posecoach-speech-eval"
    path.mkdir(exist_ok=True)
    return path

"""Spoken cues: what to say (``CueMaker``, from the engine's events) and saying it (``Voice``).

Speech runs in a worker thread fed by a short queue, so speaking never stalls the frame loop. A cue
that waited too long is dropped rather than said late (a rep count two reps behind confuses more
than it helps). The speech engine is ``espeak-ng`` (Debian package ``espeak-ng``), run as a
subprocess: to the sound card, or to WAV files with ``--voice-wav DIR``. Without the program or
without an audio device, cues are logged once as unheard and nothing else changes.
"""

from __future__ import annotations

import logging
import math
import re
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from posecoach.engine.events import FaultRaised, HoldStarted, PoseLost, RepCompleted, SetupCompleted
from posecoach.engine.session import FrameResult
from posecoach.spec.schema import Spec

logger = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
#: Words per minute: a little slower than espeak's default, for someone mid-exercise.
RATE_WPM = 150


@dataclass(frozen=True, slots=True)
class Cue:
    """A phrase to say, and how long it stays worth saying (seconds)."""

    text: str
    max_age_s: float = 2.0
    #: What kind of cue (``"talk"`` for the talk-through), so a kind can be cancelled at once.
    tag: str = ""


class CueMaker:
    """Turns each frame's result into cues: the start and end of the set, rep counts, the hold
    countdown and faults. A fault is not repeated within ``fault_cooldown_s`` of video time."""

    def __init__(self, spec: Spec, *, fault_cooldown_s: float = 10.0, countdown_from: int = 3) -> None:
        self.spec = spec
        self.fault_cooldown_s = fault_cooldown_s
        self.countdown_from = countdown_from
        self.hold_target = spec.hold_target_s
        self._last_said: dict[str, float] = {}
        self._next_count: int | None = None
        self._done_said = False

    def _cooled(self, key: str, t: float, cooldown: float) -> bool:
        last = self._last_said.get(key)
        if last is not None and t - last < cooldown:
            return False
        self._last_said[key] = t
        return True

    def start_cue(self) -> Cue:
        return Cue(f"Get ready for {self.spec.name}.", 6.0)

    def frame(self, r: FrameResult) -> list[Cue]:
        """The cues for one frame (usually none)."""
        out: list[Cue] = []
        target = self.spec.target_count
        for ev in r.events:
            if isinstance(ev, SetupCompleted):
                what = f"{target} reps" if self.spec.kind == "reps" and target else \
                    f"hold for {self.hold_target:g} seconds" if self.hold_target else ""
                out.append(Cue(f"Start. {what}".strip(), 4.0))
            elif isinstance(ev, RepCompleted):
                side = ev.rep.side
                if self.spec.sided and side:
                    n = r.reps_by_side.get(side, 0)
                    text = f"{side.capitalize()}, {n}"
                else:
                    n = r.reps
                    text = str(n)
                if target and n == target:
                    text += ". That was the last one" + (" on this side" if self.spec.sided else "")
                out.append(Cue(text, 1.5))
            elif isinstance(ev, HoldStarted):
                self._next_count = self.countdown_from
                self._done_said = False
                out.append(Cue("Hold", 1.0))
            elif isinstance(ev, FaultRaised):
                if self._cooled(f"fault:{ev.fault_id}", r.t_s, self.fault_cooldown_s):
                    out.append(Cue(ev.message, 3.0))
            elif isinstance(ev, PoseLost):
                if self._cooled("pose_lost", r.t_s, self.fault_cooldown_s):
                    out.append(Cue("I can't see you", 2.0))
        out += self._countdown(r)
        return out

    def _countdown(self, r: FrameResult) -> list[Cue]:
        """3, 2, 1 as the hold nears its target, then "relax" once it is reached."""
        if self.hold_target is None or r.hold_s <= 0 or r.phase == "setup":
            return []
        remaining = self.hold_target - r.hold_s
        if remaining <= 0:
            if not self._done_said:
                self._done_said = True
                self._next_count = None
                return [Cue("Relax" if self.spec.kind == "hold" else "And back", 1.5)]
            return []
        if self._next_count is not None and self._next_count >= 1 and remaining <= self._next_count:
            n = math.ceil(remaining)
            self._next_count = n - 1
            return [Cue(str(n), 0.8)]
        return []

    def pain_cue(self) -> Cue:
        return Cue("Stop. Please ask your physiotherapist before going on.", 10.0)

    def end_cue(self, reps: int) -> Cue:
        word = "rep" if self.spec.kind == "reps" else "hold"
        return Cue(f"Set finished. {reps} {word}{'' if reps == 1 else 's'}.", 10.0)


class Speaker:
    """Says one phrase, blocking until done. Raises ``OSError`` when it cannot."""

    def say(self, text: str) -> None:
        raise NotImplementedError


class EspeakSpeaker(Speaker):
    """espeak-ng through a subprocess: to the audio device, or one WAV file per cue in ``wav_dir``."""

    def __init__(self, program: str, wav_dir: Path | None = None) -> None:
        self.program = program
        self.wav_dir = wav_dir
        self._n = 0
        if wav_dir is not None:
            wav_dir.mkdir(parents=True, exist_ok=True)

    def say(self, text: str) -> None:
        cmd = [self.program, "-s", str(RATE_WPM)]
        if self.wav_dir is not None:
            self._n += 1
            slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "cue"
            cmd += ["-w", str(self.wav_dir / f"{self._n:03d}_{slug}.wav")]
        proc = subprocess.run([*cmd, "--", text], capture_output=True, text=True, timeout=30, check=False)
        # espeak-ng exits 0 even when it found no sound card; its complaint on stderr tells
        err = proc.stderr.lower()
        if proc.returncode != 0 or "error" in err:
            if "alsa" in err or "pcm" in err or "pulse" in err or "audio" in err:
                raise OSError("espeak-ng found no audio device")
            last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            raise OSError(f"espeak-ng could not speak ({last})")


class Voice:
    """A worker thread that says queued cues in order, dropping those that waited too long.

    ``say`` never blocks. The queue holds a few cues; a new cue beyond that pushes out the oldest.
    ``spoken`` and ``dropped`` list the texts, for the session log and tests."""

    def __init__(self, speaker: Speaker | None, *, log: Callable[[str], None] | None = None, max_queue: int = 3) -> None:
        """``log`` takes the one notice a voice may give (no sound card); by default this module's logger."""
        self.speaker = speaker
        self.log = log or logger.warning
        self._queue: deque[tuple[float, Cue]] = deque()
        self._max_queue = max_queue
        self._cond = threading.Condition()
        self._closing = False
        self._thread: threading.Thread | None = None
        self.spoken: list[str] = []
        self.dropped: list[str] = []
        self.failed: str | None = None
        #: (monotonic start, end or None while speaking, text) of each phrase said: the voice
        #: commands' listener ignores its own words heard back through the microphone.
        self.said_at: deque[tuple[float, float | None, str]] = deque(maxlen=20)
        self._speaking = False

    @property
    def enabled(self) -> bool:
        return self.speaker is not None and self.failed is None

    def start(self) -> Voice:
        if self.speaker is not None:
            self._thread = threading.Thread(target=self._work, name="voice", daemon=True)
            self._thread.start()
        return self

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing being said (True when the voice is off)."""
        with self._cond:
            return not self._queue and not self._speaking

    def cancel(self, tag: str) -> None:
        """Drop the queued cues of one kind (the phrase being said is finished)."""
        with self._cond:
            keep = deque(item for item in self._queue if item[1].tag != tag)
            self.dropped += [c.text for _, c in self._queue if c.tag == tag]
            self._queue = keep

    def saying(self, words: str, at: float, tail_s: float = 1.5) -> bool:
        """Whether a phrase containing ``words`` was being said at monotonic time ``at`` (or
        ended less than ``tail_s`` before it): then hearing ``words`` is likely our own echo."""
        pattern = re.compile(rf"\b{re.escape(words)}\b", re.IGNORECASE)
        for start, end, text in list(self.said_at):
            if start - 0.2 <= at and (end is None or at <= end + tail_s) and pattern.search(text):
                return True
        return False

    def say(self, cue: Cue) -> None:
        if not self.enabled:
            return
        with self._cond:
            self._queue.append((time.monotonic(), cue))
            while len(self._queue) > self._max_queue:
                self.dropped.append(self._queue.popleft()[1].text)
            self._cond.notify()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:
                    return
                queued_at, cue = self._queue.popleft()
            if time.monotonic() - queued_at > cue.max_age_s:
                self.dropped.append(cue.text)
                continue
            assert self.speaker is not None
            with self._cond:
                self._speaking = True
            entry_start = time.monotonic()
            self.said_at.append((entry_start, None, cue.text))
            try:
                self.speaker.say(cue.text)
            except (OSError, subprocess.SubprocessError) as exc:
                # no sound card is not worth stopping a session for: say so once and go quiet
                self.failed = str(exc)
                self.log(f"posecoach: voice cues are off: {exc}; use --mute, or --voice-wav DIR to keep them as files")
                with self._cond:
                    self._queue.clear()
                    self._speaking = False
                return
            finally:
                self._mark_said(entry_start, cue.text)
            with self._cond:
                self._speaking = False
            self.spoken.append(cue.text)

    def _mark_said(self, start: float, text: str) -> None:
        for i, (s, _, t) in enumerate(self.said_at):
            if s == start and t == text:
                self.said_at[i] = (s, time.monotonic(), t)
                break

    def close(self, timeout: float = 8.0) -> None:
        """Say what is still queued (within ``timeout`` s), then stop the worker."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)


def make_voice(*, mute: bool = False, wav_dir: Path | None = None,
               log: Callable[[str], None] | None = None) -> Voice:
    """The session's voice: silent when muted or when espeak-ng is not installed (said once)."""
    log = log or logger.warning
    if mute:
        return Voice(None, log=log)
    program = shutil.which(ESPEAK)
    if program is None:
        log("posecoach: voice cues are off: espeak-ng is not installed (apt-get install espeak-ng); use --mute to hide this")
        return Voice(None, log=log)
    return Voice(EspeakSpeaker(program, wav_dir), log=log).start()

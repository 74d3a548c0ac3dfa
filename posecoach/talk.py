"""The talk-through: the coach says, at the right moments, how to get down to the floor, the start
position, what to fix during setup, the movement before the first rep, and how to get up at the
end. The hold countdown and rep counts come from ``voice.CueMaker`` as before.

Texts come from the spec: its ``spoken`` table when it gives short versions, else the
``get_down``/``get_up`` texts and the "Start:" and "Movement:" parts of ``instructions``. Setup
advice is the same text the setup panel shows (the engine's unmet start conditions and the framing
check), said only when the voice has nothing queued and not more often than every
``advice_every_s`` seconds of video time, and never the same advice twice in a row within
``repeat_s``. Every cue is put on the voice's queue, which never blocks the frame loop and drops
a cue that waited too long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from posecoach.engine.events import SetupCompleted
from posecoach.engine.session import FrameResult
from posecoach.spec.schema import Spec
from posecoach.voice import Cue, Voice

TAG = "talk"


@dataclass(frozen=True, slots=True)
class Script:
    """What the talk-through says for one exercise (empty strings are skipped)."""

    get_down: str
    start: str
    movement: str
    get_up: str


def _section(instructions: str, label: str) -> str:
    """The text after ``label:`` in the instructions, up to the next ``Word:`` label."""
    text = " ".join(instructions.split())
    m = re.search(rf"\b{label}:\s*(.*?)(?=\s[A-Z][a-z]+:\s|$)", text)
    return m.group(1).strip() if m else ""


def _first_sentences(text: str, n: int) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[:n]).strip()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def script_for(spec: Spec) -> Script:
    """The spec's spoken texts, short versions first."""
    spoken = spec.spoken
    start = _section(spec.instructions, "Start") or _first_sentences(spec.instructions, 1)
    movement = _section(spec.instructions, "Movement")
    # "Film from ..." is for the screen, not for someone lying on the floor
    movement = re.sub(r"\s*Film [^.]*\.", "", movement).strip()
    movement = _first_sentences(movement, 2)
    return Script(
        get_down=(spoken.get_down if spoken and spoken.get_down else spec.get_down),
        start=(spoken.start if spoken and spoken.start else f"Start position: {_cap(start)}" if start else ""),
        movement=(spoken.movement if spoken and spoken.movement else f"The movement: {_cap(movement)}" if movement else ""),
        get_up=(spoken.get_up if spoken and spoken.get_up else spec.get_up),
    )


class TalkThrough:
    """Speaks one exercise's talk-through on ``voice``. Call ``begin`` at the start of the set,
    ``frame`` on every processed frame, ``end`` when it ends; ``skip`` silences it for the set."""

    def __init__(self, spec: Spec, voice: Voice, *, advice_every_s: float = 6.0, repeat_s: float = 15.0) -> None:
        self.spec = spec
        self.voice = voice
        self.script = script_for(spec)
        self.advice_every_s = advice_every_s
        self.repeat_s = repeat_s
        self.skipped = False
        self.said: list[tuple[float | None, str]] = []  # (video time, text): what was queued
        self._last_advice_t: float | None = None
        self._last_advice: dict[str, float] = {}
        self._movement_said = False

    def _say(self, text: str, t: float | None, max_age_s: float) -> None:
        if self.skipped or not text:
            return
        self.said.append((t, text))
        self.voice.say(Cue(text, max_age_s, tag=TAG))

    def begin(self) -> None:
        """Getting down to the floor, then the start position (said before anything is seen)."""
        self._say(self.script.get_down, None, 30.0)
        self._say(self.script.start, None, 30.0)

    def frame(self, r: FrameResult, framing: list[str] | None = None) -> None:
        """Setup advice while in setup; the movement once the start position is reached."""
        if self.skipped:
            return
        if any(isinstance(ev, SetupCompleted) for ev in r.events) and not self._movement_said:
            self._movement_said = True
            self._say(self.script.movement, r.t_s, 12.0)
            return
        if r.phase != "setup":
            return
        todo = list(dict.fromkeys([*r.setup_unmet, *(framing or [])]))  # as the setup panel shows it
        if not todo or not self.voice.idle:
            return
        if self._last_advice_t is not None and r.t_s - self._last_advice_t < self.advice_every_s:
            return
        advice = next((a for a in todo if r.t_s - self._last_advice.get(a, -1e9) >= self.repeat_s), None)
        if advice is None:
            return
        self._last_advice_t = r.t_s
        self._last_advice[advice] = r.t_s
        self._say(advice, r.t_s, 4.0)

    def end(self, t: float | None) -> None:
        """How to get up safely."""
        self._say(self.script.get_up, t, 30.0)

    def skip(self) -> None:
        """Say no more of it this set, and drop what is still queued."""
        self.skipped = True
        self.voice.cancel(TAG)

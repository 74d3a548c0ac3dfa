"""Coaching from the floor: the live session's hands-free controls in one place.

``FloorControls`` joins the spoken commands (``listen``), the gestures (``gestures``) and the
talk-through (``posecoach.talk``), and keeps the list of control events for the report. A spoken
or gestured control is turned into the key that does the same thing (``"p"``, ``" "``, ``"n"``), so
the live loop runs the one code path it runs for a key press, and a pain stop by voice or gesture
is recorded exactly as one by key. Each control is also listed in the report's ``events`` with
its video time and how it was given (``"by": "key" | "voice" | "gesture"``).

After the set it asks for a pain rating (0-10) by voice or number keys and records it in the
report as ``"pain_rating": {"value": N, "t_s": T, "by": "key" | "voice"}``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from posecoach.control.gestures import HELP as GESTURE_HELP
from posecoach.control.gestures import PAIN_STOP, GestureDetector
from posecoach.control.listen import Listener
from posecoach.control.speech import COMMAND_SEARCH, RATING_SEARCH
from posecoach.spec.schema import Spec
from posecoach.talk import TalkThrough
from posecoach.types import Frame, PoseFrame
from posecoach.voice import Cue, Voice

logger = logging.getLogger(__name__)

#: New keys, listed in the events as the spoken and gestured controls are (the old keys, q, space,
#: p and n, are not: their report stays as it was).
KEY_CONTROLS = {"s": "skip_talk"}
VOICE_HELP = "Say \"stop\" for a pain stop, \"pause\", \"go on\", \"next\"; \"skip\" ends the talk-through"
RATING_PROMPT = "How much pain do you feel now, from zero to ten? Say a number, or press a number key."
#: How long the pain rating waits for an answer (seconds).
RATING_WAIT_S = 20.0
#: After a "1" key, how long to wait for a "0" (for 10).
TEN_WAIT_S = 1.2


@dataclass
class Pending:
    control: str  # pain_stop | pause | resume | next | skip_talk
    by: str  # voice | gesture
    detail: str = ""


class FloorControls:
    """Hands-free controls of one live session; every part is optional (``None`` = off)."""

    def __init__(self, voice: Voice, *, listener: Listener | None = None, gestures: GestureDetector | None = None,
                 talk_through: bool = True, ask_rating: bool = True) -> None:
        self.voice = voice
        self.listener = listener
        self.gestures = gestures
        self.talk_through = talk_through and voice.enabled
        self.ask_rating = ask_rating
        self.talk: TalkThrough | None = None
        self.events: list[dict[str, Any]] = []
        self.pain_rating: dict[str, Any] | None = None
        self._pending: list[Pending] = []
        self._listener_error_said = False
        #: The pain rating was left with a key that was not a number (that key also closes the end screen).
        self.rating_left_by_key = False

    # -- the set -----------------------------------------------------------------------------
    def begin(self, spec: Spec) -> None:
        """The set starts: listen, and begin the talk-through."""
        if self.listener is not None:
            self.listener.start()
        self.switch(spec, first=True)

    def switch(self, spec: Spec, first: bool = False) -> None:
        """A (routine's next) exercise: its own talk-through."""
        skipped = self.talk is not None and self.talk.skipped
        self.talk = TalkThrough(spec, self.voice) if self.talk_through else None
        if self.talk is not None:
            if skipped:
                self.talk.skipped = True  # skipped once: skipped for the whole session
            else:
                self.talk.begin()

    def help_lines(self) -> list[str]:
        """What the setup screen says about the hands-free controls."""
        lines = []
        if self.listener is not None:
            lines.append(VOICE_HELP)
        if self.gestures is not None:
            lines.append(GESTURE_HELP)
        return lines

    def frame(self, pose: PoseFrame, result: Any, framing: list[str]) -> None:
        """One processed frame: the gestures see the pose, the talk-through the engine's result."""
        if self.gestures is not None:
            self._see(pose)
        if self.talk is not None:
            self.talk.frame(result, framing)

    def _see(self, pose: PoseFrame) -> None:
        assert self.gestures is not None
        for g in self.gestures.update(pose):
            self._pending.append(Pending("pain_stop" if g.kind == PAIN_STOP else "toggle", "gesture", g.side))

    def watch_paused(self, source: Any, estimator: Any) -> None:
        """While paused: a camera still gives frames; the gestures watch them (to resume) without
        the engine seeing them. A paused file gives none, so nothing happens."""
        from posecoach.sources.camera import CameraSource

        if self.gestures is None or not isinstance(source, CameraSource):
            return  # a file's frames wait for the resume: taking one here would lose it for the set
        captured = source.next(timeout=0.02)
        if captured is not None:
            frame: Frame = captured.frame
            self._see(estimator.process(frame))

    def key(self, key: str | None, t_s: float | None, paused: bool) -> str | None:
        """The key the loop acts on: the window's own, else the one a spoken or gestured control
        stands for. Every control is logged with its time."""
        t = round(t_s, 2) if t_s is not None else None
        self._listen()
        if key is not None:
            if key in KEY_CONTROLS:
                self.events.append({"t_s": t, "control": KEY_CONTROLS[key], "by": "key"})
                self._skip_talk()
            return key
        while self._pending:
            p = self._pending.pop(0)
            control = p.control
            if control == "toggle":
                control = "resume" if paused else "pause"
            if control == "pause" and paused or control == "resume" and not paused:
                continue  # "pause" while paused does nothing
            event = {"t_s": t, "control": control, "by": p.by}
            if p.detail:
                event["heard" if p.by == "voice" else "hand"] = p.detail
            self.events.append(event)
            if control == "skip_talk":
                self._skip_talk()
                continue
            return {"pain_stop": "p", "pause": " ", "resume": " ", "next": "n"}[control]
        return None

    def _skip_talk(self) -> None:
        if self.talk is not None:
            self.talk.skip()

    def _listen(self) -> None:
        if self.listener is None:
            return
        if self.listener.error and not self._listener_error_said:
            self._listener_error_said = True
            logger.warning(f"posecoach: voice commands stopped ({self.listener.error}); keys and gestures still work")
        for item in self.listener.poll():
            phrase = item.heard.phrase
            if self.voice.saying(phrase, item.at):
                continue  # the coach's own voice, heard back through the microphone
            control = item.heard.command
            if item.heard.number is not None:
                self._pending.append(Pending("rating", "voice", phrase))
            elif control is not None:
                self._pending.append(Pending("skip_talk" if control == "skip" else control, "voice", phrase))

    # -- the end -----------------------------------------------------------------------------
    def end(self, t_s: float | None) -> None:
        """The set is over: how to get up."""
        if self.talk is not None:
            self.talk.end(t_s)

    def rate_pain(self, window: Any, t_s: float | None, show: Callable[[str], None] | None = None) -> dict[str, Any] | None:
        """Ask for a pain level 0-10 by voice or number keys (a "1" then a "0" within a second
        is 10; Enter, q or Esc skip). Asked only where someone can answer: in a window, with a
        listener, or with scripted keys left. Returns the rating, also kept in ``pain_rating``."""
        if not self.ask_rating:
            return None
        scripted = bool(getattr(window, "script", None))
        if not (window.interactive or self.listener is not None or scripted):
            return None
        if show is not None:
            show(RATING_PROMPT)
        self.voice.say(Cue(RATING_PROMPT, 10.0, tag="rating"))
        if self.listener is not None:
            self.listener.set_mode(RATING_SEARCH)
        t0 = time.monotonic()
        base = t_s or 0.0
        one_at: float | None = None
        result: dict[str, Any] | None = None
        try:
            while result is None:
                elapsed = time.monotonic() - t0
                now_t = round(base + elapsed, 2)
                if elapsed > RATING_WAIT_S or window.closed:
                    break
                if not window.interactive and self.listener is None and not getattr(window, "script", None) \
                        and one_at is None:
                    break  # scripted keys all used: nobody else will answer
                if (not window.interactive and self.listener is not None and self.listener.ended
                        and not getattr(window, "script", None) and one_at is None and not self._pending):
                    self._listen()
                    if not self._pending:
                        break  # the sound file is over and no more keys are scripted
                key = window.key(100, t_s=base + elapsed) if window.interactive or scripted else None
                if not window.interactive and not scripted:
                    time.sleep(0.05)
                if one_at is not None and (key is not None or time.monotonic() - one_at > TEN_WAIT_S):
                    value = 10 if key == "0" else 1
                    result = {"value": value, "t_s": now_t, "by": "key"}
                    break
                if key is not None:
                    if key == "1":
                        one_at = time.monotonic()
                    elif key.isdigit():
                        result = {"value": int(key), "t_s": now_t, "by": "key"}
                    else:
                        self.rating_left_by_key = True
                        break
                    continue
                self._listen()
                for p in list(self._pending):
                    if p.control == "rating":
                        from posecoach.control.speech import NUMBERS

                        result = {"value": NUMBERS[p.detail], "t_s": now_t, "by": "voice"}
                        break
                self._pending = [p for p in self._pending if p.control != "rating"]
        finally:
            if self.listener is not None:
                self.listener.set_mode(COMMAND_SEARCH)
        self.pain_rating = result
        if result is not None:
            self.events.append({"t_s": result["t_s"], "control": "pain_rating", "by": result["by"], "value": result["value"]})
            self.voice.say(Cue(f"Thank you. Pain {result['value']} noted.", 6.0, tag="rating"))
        return result

    def add_to_report(self, report: dict[str, Any]) -> dict[str, Any]:
        """The control events and the pain rating, in the report (none given: the report stays
        exactly what ``analyze`` gives for the same frames)."""
        if self.events:
            report["events"] = list(self.events)
        if self.pain_rating is not None:
            report["pain_rating"] = dict(self.pain_rating)
        if self.listener is not None:
            report.setdefault("source", {})["microphone"] = self.listener.description
        return report

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()


def blank(width: int, height: int) -> np.ndarray:
    return np.zeros((height, width, 3), np.uint8)

"""Demonstration clips: a correct performance of an exercise, shown before trying it.

Each clip is rendered by posecoach's synthetic performer from the exercise's choreography
(``python -m posecoach.synth demos``) and ships in ``posecoach/data/demos/`` as ``ID.mp4`` with its
``ID.labels.json``. Where a clip is missing and the synth extra is installed, ``obtain_demo`` renders
it into the user cache (``~/.cache/posecoach/demos``) on demand.

A demonstration must be one the coach itself agrees with: analysed with the real pose model it
counts its own labelled reps (or holds) with no fault (``tests/test_demos.py``). An exercise whose
correct render the engine does not count that way gets no demonstration; ``WITHOUT_DEMO`` lists
them with what the engine reported, and on-demand rendering refuses them too.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.data import data_dir
from posecoach.errors import VideoOpenError
from posecoach.render.window import Window
from posecoach.spec.schema import Spec

#: Exercises shipped without a demonstration: id -> what the engine reported on the correct
#: render (480x270, 15 fps, default body), analysed with the full model.
WITHOUT_DEMO: dict[str, str] = {}

#: Shown under the form points while a demonstration plays.
SHOW_HINT = "any key closes the demonstration"
LIVE_HINT = "press any key, or say \"next\", to skip to the set"
#: Spoken words that skip the demonstration in ``live`` (the same as skipping the talk-through
#: or moving on in a routine).
SKIP_WORDS = ("next", "skip")


@dataclass(frozen=True)
class Demo:
    """A demonstration clip and its labels (the synthetic performer's exact reps and holds)."""

    exercise: str
    video: Path
    labels: dict[str, Any]

    @property
    def fps(self) -> float:
        return float(self.labels["fps"])

    @property
    def duration_s(self) -> float:
        """Length of the clip in seconds (frames / fps)."""
        return int(self.labels["frames"]) / self.fps


@dataclass(frozen=True)
class DemoOutcome:
    """How a demonstration ended. ``at_s``: clip time (seconds) when it ended; ``by``: ``"key"``
    or ``"voice"`` when it was skipped, None when it played to its end or the window was closed."""

    at_s: float
    frames: int
    by: str | None = None
    detail: str = ""  #: the key or the word that skipped it
    closed: bool = False

    @property
    def skipped(self) -> bool:
        return self.by is not None


def packaged_demo_dir() -> Path:
    """The demonstration clips shipped with posecoach (``posecoach/data/demos``)."""
    return data_dir("demos")


def cache_demo_dir() -> Path:
    """Where clips rendered on demand go: ``$XDG_CACHE_HOME/posecoach/demos`` (``~/.cache/...``)."""
    from posecoach.pose.models import user_cache_dir

    return user_cache_dir().parent / "demos"


def _load(folder: Path, exercise: str) -> Demo | None:
    video, labels = folder / f"{exercise}.mp4", folder / f"{exercise}.labels.json"
    if not (video.is_file() and labels.is_file()):
        return None
    try:
        entry = json.loads(labels.read_text(encoding="utf-8"))["clips"][0]
    except (OSError, ValueError, KeyError, IndexError):
        return None  # a half-written cache entry is as good as none: it is rendered again
    return Demo(exercise, video, entry)


def find_demo(exercise: str) -> Demo | None:
    """The demonstration of ``exercise``: the shipped clip, else one rendered earlier into the
    user cache, else None. Never renders."""
    if exercise in WITHOUT_DEMO:
        return None
    for folder in (packaged_demo_dir(), cache_demo_dir()):
        found = _load(folder, exercise)
        if found is not None:
            return found
    return None


def synth_installed() -> bool:
    """Whether the synthetic performer's extra (``pip install posecoach[synth]``) is there."""
    return all(importlib.util.find_spec(m) is not None for m in ("anny", "pyrender", "torch"))


def obtain_demo(exercise: str, *, render: bool = True, log: Callable[[str], None] = print) -> Demo:
    """The demonstration of ``exercise``, rendered into the user cache when it is missing and the
    synth extra is installed (about two minutes). Raises ``VideoOpenError`` (one line) when there
    is none and none can be made."""
    if exercise in WITHOUT_DEMO:
        raise VideoOpenError(f"{exercise}: has no demonstration clip: the coach does not count its rendered "
                             f"performance correctly ({WITHOUT_DEMO[exercise]})")
    found = find_demo(exercise)
    if found is not None:
        return found
    from posecoach.synth.choreo import builtin_dir

    if not (builtin_dir() / f"{exercise}.toml").is_file():
        raise VideoOpenError(f"{exercise}: no demonstration clip, and no choreography to render one from")
    if not (render and synth_installed()):
        raise VideoOpenError(f"{exercise}: no demonstration clip; install the synth extra "
                             f"(pip install 'posecoach[synth]') to render one on demand")
    from posecoach.synth.demos import render_demo

    out = cache_demo_dir()
    log(f"posecoach: rendering the demonstration of {exercise} into {out} (takes a minute or two, once)")
    render_demo(exercise, out)
    made = _load(out, exercise)
    if made is None:
        raise VideoOpenError(f"{exercise}: rendering the demonstration into {out} left no readable clip")
    return made


def form_points(spec: Spec) -> list[str]:
    """The key form points shown with a demonstration: the messages of the spec's form faults
    (what the coach will ask for during the set), each once, else what it checks."""
    points: list[str] = []
    for f in spec.faults:
        if f.message not in points:
            points.append(f.message)
    return points or list(spec.checked)


def play_demo(window: Window, demo: Demo, spec: Spec, *, size: tuple[int, int] | None = None,
              hint: str = SHOW_HINT, paced: bool = True, heard: Callable[[], str | None] | None = None) -> DemoOutcome:
    """Play ``demo`` once in ``window`` with the name and form points of ``spec`` drawn over it,
    fitted to ``size`` (width, height). Any key ends it (``by="key"``), as does a word returned by
    ``heard`` (``by="voice"``); closing the window ends it with ``closed``. ``paced``: at the clip's
    own rate (a window someone watches), else as fast as frames can be drawn (offscreen), where no
    key is read: the offscreen key script belongs to the set."""
    import cv2

    from posecoach.render.demo import demo_screen

    cap = cv2.VideoCapture(str(demo.video))
    if not cap.isOpened():
        raise VideoOpenError(f"{demo.video}: cannot open the demonstration clip; render it again with "
                             f"python -m posecoach.synth demos --only {demo.exercise}")
    points = form_points(spec)
    period = 1.0 / demo.fps
    start = time.monotonic()
    i = 0
    try:
        while True:
            ok, image = cap.read()
            if not ok:
                break
            t = i * period
            window.show(demo_screen(np.asarray(image), spec.name, points, t, demo.duration_s, hint, size))
            i += 1
            if not paced:
                continue
            wait_ms = round(1000 * (start + i * period - time.monotonic()))
            key = window.key(max(1, wait_ms))
            if window.closed:
                return DemoOutcome(t, i, closed=True)
            if key is not None:
                return DemoOutcome(t, i, "key", key)
            if heard is not None and (word := heard()) is not None:
                return DemoOutcome(t, i, "voice", word)
    finally:
        cap.release()
    return DemoOutcome(i * period, i)

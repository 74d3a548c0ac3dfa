"""Render the demonstration clips: one correct performance of each exercise, shipped with posecoach.

A demonstration is rendered from the exercise's own choreography with the default body and look,
the choreography's own camera view, a fixed seed and no jitter, so re-rendering gives the same
clip. The size is a compromise: at 480x270 and 15 fps the pose model still reads the body well
(the demonstration must count its own reps with no fault when analysed), and all the clips
together stay a few megabytes.

Per exercise the folder gets ``ID.mp4`` and ``ID.labels.json`` (reps, rep intervals and holds, in
the labels format of the other synthetic clips); the truth track is not kept (nothing reads it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from posecoach.synth import choreo as choreo_mod

#: Frame size and rate of a demonstration clip.
DEMO_WIDTH, DEMO_HEIGHT, DEMO_FPS = 480, 270, 15.0
#: Fixed so that ``python -m posecoach.synth demos`` makes the same clips every time.
DEMO_SEED = 0


def demo_options() -> Any:
    """The render options of every demonstration clip (default body, the choreography's view)."""
    from posecoach.synth.render import Options

    return Options(width=DEMO_WIDTH, height=DEMO_HEIGHT, fps=DEMO_FPS, seed=DEMO_SEED)


def render_demo(exercise: str, out: Path, progress: bool = False) -> Path:
    """Render the demonstration of ``exercise`` into ``out``; returns the mp4's path.

    Raises ``SpecError`` for an exercise without a choreography (the message lists the known ones)."""
    from posecoach.synth.render import render_clip

    path = choreo_mod.find(exercise)
    entry = render_clip(path, out, exercise, demo_options(), progress=progress)
    truth = out / f"{exercise}.truth.jsonl"
    truth.unlink(missing_ok=True)
    return out / entry["file"]


def build_demos(out: Path, only: list[str] | None = None, skip: dict[str, str] | None = None,
                progress: bool = True) -> list[Path]:
    """Render every demonstration into ``out`` (``only``: just these ids). Exercises in ``skip``
    (id -> why) are left out unless named in ``only``: their correct render is not counted
    correctly by the engine, so shipping it would show a clip the coach itself disagrees with."""
    ids = sorted(p.stem for p in choreo_mod.builtin_dir().glob("*.toml"))
    if only:
        unknown = [e for e in only if e not in ids]
        if unknown:
            raise ValueError(f"unknown exercise(s) {', '.join(unknown)} (known: {', '.join(ids)})")
        ids = [e for e in ids if e in only]
    else:
        ids = [e for e in ids if e not in (skip or {})]
    return [render_demo(e, out, progress=progress) for e in ids]

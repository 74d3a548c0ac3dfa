"""``posecoach exercises``: browse the exercise library.

``posecoach exercises`` lists every shipped exercise (id, name, camera view, dose);
``posecoach exercises show ID`` prints how to do it, how to get down and up, what the coach checks,
what it cannot check, and each form fault with its message and the views it is judged from;
``posecoach exercises show ID --demo`` then plays a demonstration of a correct performance in a
window, with the exercise's name and key form points over it (any key closes it).
"""

from __future__ import annotations

import argparse
import logging
import re
import textwrap

from posecoach.errors import CameraError, ExitCode, SpecError
from posecoach.evaluation.measured import measured_lines
from posecoach.spec.loader import exercise_ids, find_spec, specs_dir
from posecoach.spec.schema import Spec

WIDTH = 96
_VIEW_WORDS = {"side": "side", "front": "front", "back": "behind", "above": "above", "feet": "feet"}


def describe_view(spec: Spec) -> str:
    """``"side"``, ``"feet or above"``..."""
    return " or ".join(_VIEW_WORDS[v] for v in spec.view)


def describe_dose(spec: Spec) -> str:
    """The dose in a few words, e.g. ``"8 reps per side, hold 3 s"`` or ``"3 holds of 20 s"``."""
    d = spec.dose
    per_side = " per side" if d.per_side else ""
    if d.reps:
        text = f"{d.reps} reps{per_side}" + (f", hold {d.hold_s:g} s" if d.hold_s else "")
    elif d.holds:
        text = f"{d.holds} hold{'s' if d.holds > 1 else ''}{per_side}" + (f" of {d.hold_s:g} s" if d.hold_s else "")
    else:
        text = f"hold {d.hold_s:g} s" if d.hold_s else "as comfortable"
    if d.sets > 1:
        text += f", {d.sets} sets"
    return text


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exercises", help="list the exercises, or show one in full",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    esub = p.add_subparsers(dest="exercises_command", metavar="ACTION")
    p.set_defaults(func=run_list)
    s = esub.add_parser("show", help="instructions, checks and limits of one exercise")
    s.add_argument("exercise", help="exercise id (see 'posecoach exercises') or a spec .toml")
    s.add_argument("--demo", action="store_true",
                   help="then play a demonstration clip of a correct performance in a window (rendered on "
                        "demand where the synth extra is installed and no clip ships)")
    s.set_defaults(func=run_show)


def _load_all() -> list[Spec]:
    specs: list[Spec] = []
    for ex_id in exercise_ids():
        specs.append(find_spec(ex_id))
    return specs


def list_text(specs: list[Spec]) -> str:
    """The table printed by ``posecoach exercises``."""
    rows = [(s.id, s.name, describe_view(s), s.kind, describe_dose(s)) for s in specs]
    head = ("id", "name", "view", "kind", "dose")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4] for r in [head, *rows]]
    lines.insert(1, "-" * min(WIDTH, len(lines[0])))
    return "\n".join(lines)


def _para(label: str, text: str, indent: str = "  ") -> list[str]:
    """A labelled block; the text's own line breaks are ignored except before "Start:"/"Movement:"."""
    out = [f"{label}:"]
    joined = " ".join(line.strip() for line in text.strip().splitlines())
    for chunk in re.split(r"\s(?=(?:Start|Movement):)", joined):
        chunk = chunk.strip()
        if chunk:
            out.extend(textwrap.wrap(chunk, WIDTH, initial_indent=indent, subsequent_indent=indent))
    return out


def show_text(spec: Spec) -> str:
    """The page printed by ``posecoach exercises show ID``."""
    lines = [f"{spec.name} ({spec.id})"]
    if spec.source:
        lines.append(f"  source: {spec.source}")
    lines.append(f"  position: {spec.position.replace('_', ' ')}; film from: {describe_view(spec)}; "
                 f"{'counts reps' if spec.kind == 'reps' else 'times holds'}")
    lines.append(f"  dose: {describe_dose(spec)}" + (f" ({spec.dose.note})" if spec.dose.note else ""))
    lines.append("")
    lines += _para("How to do it", spec.instructions)
    if spec.get_down:
        lines += _para("Getting down", spec.get_down)
    if spec.get_up:
        lines += _para("Getting up", spec.get_up)
    lines.append("")
    lines.append("What the coach checks:")
    lines += [f"  - {c}" for c in spec.checked] or ["  (nothing listed)"]
    lines.append("What it cannot check (judge these yourself or with your therapist):")
    lines += [f"  - {c}" for c in spec.not_checked] or ["  (nothing listed)"]
    lines.append("Form faults it warns about:")
    for f in spec.faults:
        views = ", ".join(_VIEW_WORDS[v] for v in f.views)
        lines.append(f"  - {f.id}: \"{f.message}\" (judged from: {views}; otherwise reported as not judged)")
    if "too_fast" in spec.built_in_faults:
        lines.append(f"  - too_fast: a rep quicker than {spec.too_fast_s:g} s")
    if "short_hold" in spec.built_in_faults:
        lines.append(f"  - short_hold: holding the end position for less than about {spec.hold_target_s:g} s")
    if spec.bounce is not None:
        lines.append(f"  - bouncing: \"{spec.bounce.message}\"")
    lines += measured_lines(spec)
    lines.append("Always: stop at once if it hurts (pain stop), and ask your therapist before going on.")
    return "\n".join(lines)


def run_list(args: argparse.Namespace) -> int:
    specs = _load_all()
    if not specs:
        raise SpecError(f"no exercise specs found in {specs_dir()}")
    print(list_text(specs))
    print(f"\n{len(specs)} exercises. Details: posecoach exercises show ID")
    return int(ExitCode.OK)


def run_show(args: argparse.Namespace) -> int:
    spec = find_spec(args.exercise)
    print(show_text(spec))
    if getattr(args, "demo", False):
        show_demo(spec)
    return int(ExitCode.OK)


#: The demonstration window's picture size: the shipped 480x270 clips, enlarged to be seen from a mat.
DEMO_WINDOW = (960, 540)


def show_demo(spec: Spec) -> None:
    """Play the exercise's demonstration in a window. Without a display: a one-line
    ``CameraError`` (exit 7) that says where the clip is, to play it in any video player."""
    import os
    import sys

    from posecoach.app.demo import obtain_demo, play_demo
    from posecoach.render.window import ENV_HEADLESS, CvWindow, headless_requested

    demo = obtain_demo(spec.id, log=logging.getLogger(__name__).info)
    print(f"\nDemonstration: {demo.video}")
    if headless_requested():
        raise CameraError(f"no window in the offscreen mode ({ENV_HEADLESS}=1); the demonstration clip is {demo.video}")
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise CameraError(f"no display ($DISPLAY is not set), so the demonstration cannot be shown; "
                          f"the clip is {demo.video}")
    try:
        window = CvWindow(f"posecoach - {spec.name} (demonstration)")
    except CameraError as exc:
        raise CameraError(f"{exc}; the demonstration clip is {demo.video}") from None
    try:
        play_demo(window, demo, spec, size=DEMO_WINDOW)
    finally:
        window.close()

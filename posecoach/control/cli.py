"""The ``live`` command's options for coaching from the floor, and building its controls."""

from __future__ import annotations

import argparse
from pathlib import Path

from posecoach.control.floor import FloorControls
from posecoach.control.gestures import GestureDetector
from posecoach.control.listen import open_listener
from posecoach.voice import Voice


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``--microphone``, ``--no-listen``, ``--no-gestures``, ``--talk-through``, ``--no-pain-rating``."""
    p.add_argument("--microphone", type=Path, metavar="FILE.wav",
                   help="hear spoken commands from a WAV file played in real time instead of the microphone "
                        "(as --source does for the camera)")
    p.add_argument("--no-listen", action="store_true", help="no spoken commands (stop, pause, go on, next, skip)")
    p.add_argument("--no-gestures", action="store_true",
                   help="no gestures (a raised hand waved pauses or goes on; waving on, or both hands, is a pain stop)")
    p.add_argument("--talk-through", action=argparse.BooleanOptionalAction, default=True,
                   help="speak how to get down, the start position, setup advice, the movement and how to get up "
                        "(default: on when the voice is; the s key or saying \"skip\" ends it)")
    p.add_argument("--no-pain-rating", action="store_true",
                   help="do not ask for a pain level (0-10) at the end of the set")


def check_arguments(args: argparse.Namespace) -> None:
    """Errors in the options, before the camera or the model is opened (``UsageError``)."""
    if args.microphone is not None and not args.no_listen:
        from posecoach.control.audio import read_wav

        read_wav(args.microphone)  # a missing or unreadable file is a one-line error now, not mid-set


def make_floor(args: argparse.Namespace, voice: Voice) -> FloorControls:
    """The session's hands-free controls. Offscreen (``--headless``), the microphone is opened
    only when ``--microphone FILE`` names one: that mode runs tests and demos, with nobody there."""
    from posecoach.render.window import headless_requested

    listen = not args.no_listen and (args.microphone is not None or not headless_requested(args.headless))
    listener = open_listener(args.microphone) if listen else None
    return FloorControls(voice, listener=listener, gestures=None if args.no_gestures else GestureDetector(),
                         talk_through=args.talk_through, ask_rating=not args.no_pain_rating)

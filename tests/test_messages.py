"""Messages and the progress bar: what a person sees on stderr.

The library logs through ``logging`` (module loggers under ``posecoach``); the command line prints
each message alone on its line of stderr, and a command's ``--quiet`` leaves out the progress
lines it names. The progress bar is shown on a terminal only.
"""

from __future__ import annotations

import argparse
import io
import logging

import pytest

from posecoach import cli
from posecoach.app.pipeline import frames_done, progress_bar


def test_messages_are_printed_alone_on_their_line_once_per_setup(capsys: pytest.CaptureFixture) -> None:
    args = argparse.Namespace()
    cli._setup_logging(args)
    cli._setup_logging(args)  # a second main in one process: still one line per message
    logging.getLogger("posecoach.voice").warning("posecoach: voice cues are off: 100% sure")
    logging.getLogger("posecoach.app.build").info("posecoach: downloading a model")
    logging.getLogger("posecoach.app.build").debug("not for the person")
    assert capsys.readouterr().err == "posecoach: voice cues are off: 100% sure\nposecoach: downloading a model\n"


def test_quiet_leaves_out_only_the_named_progress_lines(capsys: pytest.CaptureFixture) -> None:
    cli._setup_logging(argparse.Namespace(quiet=True, quiet_loggers=("posecoach.evaluation",)))
    logging.getLogger("posecoach.evaluation.run").info("  clip.mp4: 3 reps")
    logging.getLogger("posecoach.evaluation.run").warning("posecoach: clip.mp4: unreadable")
    logging.getLogger("posecoach.evaluation.run").error("posecoach: an error stays")
    logging.getLogger("posecoach.evaluations").info("another package's line stays")
    logging.getLogger("posecoach.app.build").info("posecoach: downloading a model")
    assert capsys.readouterr().err.splitlines() == ["posecoach: an error stays", "another package's line stays",
                                                    "posecoach: downloading a model"]
    cli._setup_logging(argparse.Namespace(quiet=False, quiet_loggers=("posecoach.evaluation",)))
    logging.getLogger("posecoach.evaluation.run").info("  clip.mp4: 3 reps")
    assert capsys.readouterr().err == "  clip.mp4: 3 reps\n"


def test_progress_bar_counts_frames_and_time_left_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    bar = progress_bar(40, enabled=True)
    advance = frames_done(bar)
    for done in range(1, 41):
        advance(done)
    bar.close()
    last = err.getvalue().rstrip("\n").split("\r")[-1]
    assert last.startswith("  40/40 frames (100%), ") and "frames/s" in last and last.endswith(" left ")
    assert err.getvalue().endswith("\n")


def test_progress_bar_prints_nothing_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()  # not a terminal
    monkeypatch.setattr("sys.stderr", err)
    for total in (40, 0):
        bar = progress_bar(total)
        advance = frames_done(bar)
        for done in range(1, 41):
            advance(done)
        bar.close()
    assert err.getvalue() == ""


def test_progress_bar_without_a_frame_count_shows_frames_and_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    bar = progress_bar(0, enabled=True)
    frames_done(bar)(7)
    bar.close()
    assert err.getvalue().rstrip("\n").split("\r")[-1].startswith("  7 frames, ")

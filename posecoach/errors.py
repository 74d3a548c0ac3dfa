"""Errors the user can cause and fix, each with its own documented exit code.

Every expected failure is a ``PosecoachError`` whose message is one line saying what went wrong,
where, and what to do. The CLI prints it and exits with ``exit_code``; anything else is a bug.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the ``posecoach`` command (documented in the README)."""

    OK = 0
    ERROR = 1  #: unexpected internal error (a bug)
    USAGE = 2  #: bad command-line arguments
    INPUT = 3  #: the video or track cannot be opened or read, or is empty
    SPEC = 4  #: an exercise spec, profile or routine is invalid, or the exercise is unknown
    MODEL = 5  #: the pose model cannot be found or obtained
    NO_PERSON = 6  #: nobody was found in the video
    CAMERA = 7  #: no camera, the camera disconnected, or no display for the live window
    INTERRUPTED = 130  #: stopped with Ctrl-C (a partial report was still written)


class PosecoachError(Exception):
    """Base of the errors a user can fix. ``str(err)`` is one line."""

    exit_code: ExitCode = ExitCode.ERROR

    def __str__(self) -> str:
        # a message quotes what it was given (a key, a file name), which may hold a line break
        return super().__str__().replace("\r", "\\r").replace("\n", "\\n")


class UsageError(PosecoachError):
    exit_code = ExitCode.USAGE


class VideoOpenError(PosecoachError, OSError):
    """A video file is missing, unreadable, empty or not a video."""

    exit_code = ExitCode.INPUT


class TrackError(PosecoachError, ValueError):
    """A landmark track file is not readable or not in the track format."""

    exit_code = ExitCode.INPUT


class SpecError(PosecoachError, ValueError):
    """An exercise spec (or profile, or routine) is invalid; the message names file and place."""

    exit_code = ExitCode.SPEC


class UnknownExerciseError(SpecError, LookupError):
    pass


class ModelError(PosecoachError, OSError):
    """The pose model is missing and could not be obtained."""

    exit_code = ExitCode.MODEL


class NoPersonError(PosecoachError):
    exit_code = ExitCode.NO_PERSON


class CameraError(PosecoachError, OSError):
    exit_code = ExitCode.CAMERA


class OutputError(PosecoachError, OSError):
    """An output (report, track, video, WAV) cannot be written. Found before the analysis starts,
    it is a bad argument; found at the end, the report has been saved elsewhere and the message
    says where."""

    exit_code = ExitCode.INPUT

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        #: the system's reason in a few words ("No space left on device"), when there is one
        self.reason = reason


class PdfError(PosecoachError):
    """A report page could not be printed to PDF (no browser, or the browser failed)."""


class DisplayLost(CameraError):
    """The window's display went away mid-session (the X server ended, the remote desktop closed).
    The live loop ends the set and writes the report; the command exits 7."""


class VideoWriteError(PosecoachError, OSError):
    """An output video cannot be written (a bad path or folder: the user's to fix, like an input)."""

    exit_code = ExitCode.INPUT


class ManifestError(PosecoachError, ValueError):
    """A label manifest is missing or malformed; the message names the file and the place."""

    exit_code = ExitCode.INPUT


class ReportFormatError(PosecoachError, ValueError):
    """A file is not a posecoach report this version can read."""

    exit_code = ExitCode.INPUT


class StoreError(PosecoachError, OSError):
    """The session store cannot be opened, read or written; the message says why and what to do."""

    exit_code = ExitCode.INPUT


class BundleError(ValueError):
    """The bytes given are not a TFLite network or not a pose bundle."""


class SourceError(Exception):
    """One source could not provide a model; the message says why (one line)."""

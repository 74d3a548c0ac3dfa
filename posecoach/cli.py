"""The ``posecoach`` command: argument parsing and the one error boundary.

Expected failures (``PosecoachError``) print one line and exit with their documented code;
Ctrl-C exits 130; anything else is reported as a bug with the versions needed to report it.
Messages from the library (``logging``, under the ``posecoach`` logger) are printed here, alone
on their line on stderr; stdout carries only what a command prints as its result.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import platform
import signal
import sys
import threading
import traceback

from posecoach import __version__
from posecoach.errors import ExitCode, PosecoachError
from posecoach.native import isolate_stderr

#: Subcommand modules under ``posecoach.commands``; each has ``add_parser(subparsers)`` and
#: sets ``func`` (taking the parsed args, returning an exit code) on its parser.
COMMANDS = ("analyze", "specs", "exercises", "models", "live", "replay", "eval", "batch", "history", "report")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, documented exit code
        self.print_usage(sys.stderr)
        sys.stderr.write(f"posecoach: error: {message}\n")
        raise SystemExit(ExitCode.USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="posecoach", description="Form coach for lower-back exercises, from a camera or a video.")
    parser.add_argument("--version", action="version", version=f"posecoach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"posecoach.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"posecoach.commands.{name}":
                continue  # command not part of this build
            raise
        module.add_parser(sub)
    return parser


class _MessageLines(logging.Handler):
    """Each message alone on its own line of ``sys.stderr``, as the person is meant to read it.
    The stream is looked up per message, not kept: ``isolate_stderr`` and test runners replace
    ``sys.stderr`` after this handler exists."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"{self.format(record)}\n")
            sys.stderr.flush()
        except Exception:  # a handler must never raise into the code that logged
            self.handleError(record)


def _setup_logging(args: argparse.Namespace) -> None:
    """The one logging set-up: INFO and above from the ``posecoach`` loggers, to stderr. A
    command's ``--quiet`` silences the loggers it names in ``quiet_loggers`` (its progress lines),
    errors excepted. Replaces the handler of an earlier ``main`` in this process."""
    package = logging.getLogger("posecoach")
    for old in [h for h in package.handlers if isinstance(h, _MessageLines)]:
        package.removeHandler(old)
    handler = _MessageLines()
    handler.setFormatter(logging.Formatter("%(message)s"))
    silenced = tuple(getattr(args, "quiet_loggers", ())) if getattr(args, "quiet", False) else ()
    if silenced:
        def keep(record: logging.LogRecord) -> bool:
            quiet = any(record.name == n or record.name.startswith(f"{n}.") for n in silenced)
            return not quiet or record.levelno >= logging.ERROR

        handler.addFilter(keep)
    package.addHandler(handler)
    package.setLevel(logging.INFO)
    package.propagate = False  # printed once, here, whatever else the process has set up


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a logout, ``kill``, a service manager) stops a set as Ctrl-C does: the partial
    report is written, and the exit code is 130."""
    raise KeyboardInterrupt


def _stdout_failed(exc: OSError) -> int:
    """Standard output cannot be written (a full device): say so on stderr; reports are written
    to their files before anything is printed, so nothing else is lost."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail again
        os.close(devnull)
    except (OSError, ValueError):
        pass
    sys.stderr.write(f"posecoach: error: cannot write to standard output ({exc.strerror or exc}); "
                     f"the reports were written to their files\n")
    return int(ExitCode.INPUT)


def main(argv: list[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    # importing the commands takes a moment: a Ctrl-C then is noted, not raised inside an import
    # (where Python would print it as an ignored exception), and honoured once they are loaded
    early: list[int] = []
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: early.append(signum))
    try:
        parser = build_parser()
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    if early:
        sys.stderr.write("posecoach: stopped (Ctrl-C)\n")
        return int(ExitCode.INTERRUPTED)
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        sys.stderr.write("posecoach: stopped (Ctrl-C)\n")
        return int(ExitCode.INTERRUPTED)
    try:
        _setup_logging(args)
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except PosecoachError as exc:
        sys.stderr.write(f"posecoach: error: {exc}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("posecoach: stopped (Ctrl-C)\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return int(ExitCode.OK)
    except OSError as exc:
        # every file posecoach writes turns such a failure into an OutputError naming the file, so
        # what is left is the terminal's standard output
        if exc.errno not in (errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT):
            return _bug()
        return _stdout_failed(exc)
    except Exception:  # the bug boundary: anything unexpected is reported as a bug, with versions
        return _bug()


def _bug() -> int:
    sys.stderr.write(traceback.format_exc())
    sys.stderr.write(
        f"posecoach: internal error (a bug): please report it with the lines above. "
        f"posecoach {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
    )
    return int(ExitCode.ERROR)


def entry() -> int:
    """The process entry point: ``main``, then a Ctrl-C during the interpreter's own shutdown is
    ignored (there is nothing left to stop, and Python would print it as a traceback)."""
    code = main()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code


def run() -> None:
    """The ``posecoach`` program: :func:`entry` with native libraries' logging kept off the
    terminal for the whole process, teardown and interpreter exit included."""
    isolate_stderr()
    sys.exit(entry())


if __name__ == "__main__":
    run()

"""The ``posecoach`` command: argument parsing and the one error boundary.

Expected failures (``PosecoachError``) print one line and exit with their documented code;
Ctrl-C exits 130; anything else is reported as a bug with the versions needed to report it.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PosecoachError as exc:
        sys.stderr.write(f"posecoach: error: {exc}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("posecoach: stopped (Ctrl-C)\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception:  # the bug boundary: anything unexpected is reported as a bug, with versions
        sys.stderr.write(traceback.format_exc())
        sys.stderr.write(
            f"posecoach: internal error (a bug): please report it with the lines above. "
            f"posecoach {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
        )
        return int(ExitCode.ERROR)


def run() -> None:
    """The ``posecoach`` program: :func:`main` with native libraries' logging kept off the
    terminal for the whole process, teardown and interpreter exit included."""
    isolate_stderr()
    sys.exit(main())


if __name__ == "__main__":
    run()

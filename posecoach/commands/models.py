"""``posecoach models``: where pose models are looked for, and fetching them ahead of time."""

from __future__ import annotations

import argparse
import logging

from posecoach.errors import ExitCode

logger = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="show where pose models are found, or fetch them")
    p.add_argument("--fetch", nargs="*", metavar="NAME", choices=("lite", "full", "heavy"),
                   help="obtain these models now (default: all three)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posecoach.pose.models import MODEL_NAMES, describe_sources, fetch_all

    if args.fetch is not None:
        paths = fetch_all(args.fetch or MODEL_NAMES, log=logger.info)  # where each one comes from, as it is obtained
        for name, path in paths.items():
            print(f"{name}: {path}")
        return int(ExitCode.OK)
    print(describe_sources())
    return int(ExitCode.OK)

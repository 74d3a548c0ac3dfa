"""``posecoach specs check [PATH ...]``: validate exercise specs without running anything."""

from __future__ import annotations

import argparse
from pathlib import Path

from posecoach.errors import ExitCode
from posecoach.spec.loader import check_paths, specs_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("specs", help="work with exercise spec files")
    ssub = p.add_subparsers(dest="specs_command", metavar="ACTION")
    ssub.required = True
    c = ssub.add_parser("check", help="validate spec files (default: every shipped spec)")
    c.add_argument("paths", nargs="*", type=Path, help="spec files or folders")
    c.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    paths: list[Path] = []
    for p in args.paths or [specs_dir()]:
        paths.extend(sorted(p.glob("*.toml")) if p.is_dir() else [p])
    if not paths:
        print(f"no spec files found in {', '.join(map(str, args.paths or [specs_dir()]))}")
        return int(ExitCode.SPEC)
    bad = 0
    for path, err in check_paths(paths):
        if err:
            bad += 1
            print(f"FAIL {err}")
        else:
            print(f"ok   {path}")
    print(f"{len(paths) - bad} valid, {bad} invalid")
    return int(ExitCode.SPEC if bad else ExitCode.OK)

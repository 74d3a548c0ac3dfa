"""``posecoach history``: the sessions in the store, per person and exercise, with trends.

  posecoach history [--person P] [--exercise ID] [--since DATE] [--csv OUT.csv]
  posecoach history import REPORT_OR_BUNDLE_OR_FOLDER...
  posecoach history export --person P -o bundle.zip [--recordings]
  posecoach history pain RATING [--session ID]     (0-10, for the last session by default)

The store is ``--store PATH``, else $POSECOACH_STORE, else sessions.sqlite in the user's data folder.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from posecoach.errors import ExitCode, UsageError
from posecoach.store.db import ENV_VAR, SessionStore, default_store_path


def since_date(text: str) -> date:
    """``--since``: an ISO date such as 2026-11-02."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2026-11-02 [got {text!r}]") from None


def _rating(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 10:
        raise argparse.ArgumentTypeError(f"a pain rating is a whole number from 0 (none) to 10 (worst) [got {text!r}]")
    return int(text)


def add_store_option(p: argparse.ArgumentParser, *, sub: bool = False) -> None:
    """``--store``; on a sub-command it does not reset a ``--store`` given before the sub-command."""
    p.add_argument("--store", type=Path, metavar="PATH", **({"default": argparse.SUPPRESS} if sub else {}),
                   help=f"the session store (default: ${ENV_VAR}, else sessions.sqlite in the user's data folder)")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("history", help="past sessions and trends; import, export, pain rating",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_store_option(p)
    p.add_argument("--person", metavar="NAME", help="only this person's sessions")
    p.add_argument("--exercise", "-e", metavar="ID", help="only this exercise")
    p.add_argument("--since", type=since_date, metavar="DATE", help="only sessions on or after DATE (2026-11-02)")
    p.add_argument("--csv", type=Path, metavar="OUT.csv", help="write the history as a spreadsheet ('-': to the terminal)")
    p.set_defaults(func=run_list)
    hs = p.add_subparsers(dest="history_command", metavar="[import|export|pain]")
    imp = hs.add_parser("import", help="add reports, recording folders or bundles to the store (no duplicates)")
    imp.add_argument("paths", type=Path, nargs="+", metavar="REPORT|BUNDLE.zip|FOLDER")
    imp.add_argument("--person", metavar="NAME", help="whose sessions these are (default: as the reports say)")
    add_store_option(imp, sub=True)
    imp.set_defaults(func=run_import)
    exp = hs.add_parser("export", help="write a person's sessions to a bundle zip for another machine")
    exp.add_argument("--person", required=True, metavar="NAME")
    exp.add_argument("-o", "--output", type=Path, required=True, metavar="BUNDLE.zip")
    exp.add_argument("--since", type=since_date, metavar="DATE")
    exp.add_argument("--recordings", action="store_true", help="include each session's video and landmark track")
    add_store_option(exp, sub=True)
    exp.set_defaults(func=run_export)
    pain = hs.add_parser("pain", help="record a pain rating (0-10) for a session (default: the last one)")
    pain.add_argument("rating", type=_rating, metavar="0-10")
    pain.add_argument("--session", type=int, metavar="ID", help="the session number shown by 'posecoach history'")
    pain.add_argument("--person", metavar="NAME", help="the last session of this person")
    add_store_option(pain, sub=True)
    pain.set_defaults(func=run_pain)


def _path(args: argparse.Namespace) -> Path:
    return getattr(args, "store", None) or default_store_path()


def run_list(args: argparse.Namespace) -> int:
    from posecoach.history import history_text, load_sets, to_csv

    with SessionStore(_path(args), readonly=True) as store:
        sets = load_sets(store, person=args.person, exercise=args.exercise, since=args.since)
        people = store.people()
    if not sets and args.person and args.person not in people:
        raise UsageError(f"--person {args.person}: no sessions of this person in {_path(args)}; "
                         f"people in the store: {', '.join(people) or '(nobody yet)'}")
    if args.csv is not None:
        text = to_csv(sets)
        if str(args.csv) == "-":
            sys.stdout.write(text)
            return int(ExitCode.OK)
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        args.csv.write_text(text, encoding="utf-8", newline="")
        print(f"{len(sets)} set(s) written to {args.csv}")
        return int(ExitCode.OK)
    sys.stdout.write(history_text(sets))
    return int(ExitCode.OK)


def run_import(args: argparse.Namespace) -> int:
    from posecoach.store.transfer import import_paths

    with SessionStore(_path(args)) as store:
        result = import_paths(store, args.paths, person=args.person)
    for line in result.problems:
        sys.stderr.write(f"posecoach: {line}\n")
    print(f"imported {result.added} new session(s); {result.already} already in the store ({_path(args)})"
          + (f"; {len(result.problems)} file(s) not imported" if result.problems else ""))
    return int(ExitCode.INPUT if result.problems else ExitCode.OK)


def run_export(args: argparse.Namespace) -> int:
    from posecoach.store.transfer import export_bundle

    with SessionStore(_path(args), readonly=True) as store:
        n = export_bundle(store, args.output, person=args.person, since=args.since.isoformat() if args.since else None,
                          recordings=args.recordings)
    print(f"{n} session(s) of {args.person} written to {args.output}")
    return int(ExitCode.OK)


def run_pain(args: argparse.Namespace) -> int:
    from posecoach.store.hook import set_pain_rating

    session_id, where = set_pain_rating(_path(args), args.rating, session_id=args.session, person=args.person)
    print(f"pain {args.rating}/10 recorded for session #{session_id}{where}")
    return int(ExitCode.OK)

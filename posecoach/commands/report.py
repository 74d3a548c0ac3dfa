"""``posecoach report``: a self-contained HTML page a therapist can read, for one session or for
a person's progress.

  posecoach report SESSION_OR_REPORT -o report.html     (a session number from 'posecoach history',
                                                         a report .json file, or a recording folder)
  posecoach report --person P [--since DATE] -o progress.html

The page holds its plots and still frames inside it: it opens offline, on any machine. With
``-o report.pdf`` it is printed to a PDF instead (this needs Chromium installed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from posecoach.commands.history import add_store_option, since_date
from posecoach.errors import ExitCode, UsageError
from posecoach.store.db import SessionStore, default_store_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="an HTML report of a session or of a person's progress",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("session", nargs="?", metavar="SESSION_OR_REPORT",
                   help="a session number (see 'posecoach history'), a report .json, or a recording folder")
    p.add_argument("--person", metavar="NAME", help="a progress report over this person's sessions")
    p.add_argument("--since", type=since_date, metavar="DATE", help="with --person: from this date (2026-11-02)")
    p.add_argument("--exercise", "-e", metavar="ID", help="with --person: only this exercise")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.html|OUT.pdf",
                   help="the page to write; a .pdf name prints it with Chromium")
    p.add_argument("--no-stills", action="store_true", help="no still frames from the video")
    add_store_option(p)
    p.set_defaults(func=run)


def _session_report(args: argparse.Namespace) -> dict:
    from posecoach.store.records import read_report

    text = str(args.session)
    path = Path(text)
    if text.isdigit() and not path.exists():
        with SessionStore(args.store or default_store_path(), readonly=True) as store:
            return store.report(int(text))
    if path.is_dir():
        path = path / "report.json"
    return read_report(path)


def run(args: argparse.Namespace) -> int:
    from posecoach.reporting.html import progress_html, session_html
    from posecoach.store.hook import write_text_atomic

    if (args.session is None) == (args.person is None):
        raise UsageError("give either a session (number, report file or recording folder) or --person NAME")
    if args.person is None and (args.since or args.exercise):
        raise UsageError("--since and --exercise go with --person")
    if args.person is not None:
        from posecoach.history import load_sets

        with SessionStore(args.store or default_store_path(), readonly=True) as store:
            sets = load_sets(store, person=args.person, exercise=args.exercise, since=args.since)
            people = store.people()
        if not sets:
            raise UsageError(f"--person {args.person}: no sessions" + (f" since {args.since}" if args.since else "")
                             + f"; people in the store: {', '.join(people) or '(nobody yet)'}")
        page = progress_html(sets, person=args.person, since=args.since)
    else:
        page = session_html(_session_report(args), with_stills=not args.no_stills)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if args.output.suffix.lower() == ".pdf":
        from posecoach.reporting.pdf import html_to_pdf

        html_to_pdf(page, args.output)
    else:
        write_text_atomic(args.output, page)
    print(f"report: {args.output}")
    return int(ExitCode.OK)

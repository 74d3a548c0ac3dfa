"""``posecoach eval``: how well posecoach counts, times and judges labelled clips.

Prints a table per clip and the totals (exact count rate, relative MAE, off-by-one accuracy, hold
error, fault precision and recall, share of frames with a pose); see ``posecoach.evaluation.score`` for
the definitions. With ``--tracks DIR`` the landmarks are saved on the first run and reused after,
so re-scoring a spec change does not run the pose model again. Each rule (exercise and fault id)
also gets its own row: false alarms per minute of correct movement and recall per severity, with
the clips and minutes behind them; ``--measured FILE --label-set ID`` records those figures for
``posecoach exercises show`` (the library's file is ``exercise_specs/measured.json``).
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from posecoach import jsonio
from posecoach.commands.analyze import add_every_frame_argument, add_model_argument
from posecoach.errors import ExitCode, UsageError
from posecoach.evaluation.score import load_manifest, summarize
from posecoach.evaluation.report import markdown, to_json
from posecoach.evaluation.run import evaluate_clips
from posecoach.evaluation.measured import LABEL_SETS, set_figures, write_measured
from posecoach.spec.loader import specs_dir
from posecoach.outputs import check_outputs


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score posecoach against labelled clips", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("manifest", type=Path, nargs="+", metavar="MANIFEST",
                   help="a labels .json file, a folder of labels.json / *.labels.json files, or a JSON list of them")
    p.add_argument("--tracks", type=Path, metavar="DIR",
                   help="reuse landmark tracks <DIR>/<clip stem>.jsonl; missing ones are made and saved there")
    p.add_argument("--specs", type=Path, metavar="DIR", help="the folder of exercise specs to evaluate (default: the shipped ones)")
    p.add_argument("--only", action="append", metavar="TEXT", default=[],
                   help="evaluate only clips whose file path contains TEXT or whose exercise is TEXT (repeatable)")
    p.add_argument("--markdown", type=Path, metavar="OUT.md", help="also write the tables as Markdown")
    p.add_argument("--json", type=Path, metavar="OUT.json", help="also write the results as JSON")
    p.add_argument("--measured", type=Path, metavar="FILE.json",
                   help="also record the per-rule figures in FILE (the library's is exercise_specs/measured.json), "
                        "in place of that label set's earlier ones; needs --label-set")
    p.add_argument("--label-set", choices=list(LABEL_SETS), metavar="ID",
                   help=f"what the clips are, for --measured: {', '.join(LABEL_SETS)}")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the tables")
    add_model_argument(p)
    add_every_frame_argument(p)
    # --quiet: no progress lines from the evaluation (the cli leaves them out)
    p.set_defaults(func=run, quiet_loggers=("posecoach.evaluation",))


def _command_line(args: argparse.Namespace) -> str:
    """The command that produced the results (written above the tables)."""
    parts = ["posecoach", "eval", *map(str, args.manifest)]
    for flag, value in (("--tracks", args.tracks), ("--specs", args.specs)):
        if value is not None:
            parts += [flag, str(value)]
    for text in args.only:
        parts += ["--only", text]
    if args.measured is not None:
        parts += ["--measured", str(args.measured), "--label-set", str(args.label_set)]
    if args.model != "full":
        parts += ["--model", args.model]
    if not args.every_frame:
        parts.append("--strided")
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace) -> int:
    # the label files are precious: no output may overwrite one, and each must be writable
    check_outputs({f"manifest {i + 1}": m for i, m in enumerate(args.manifest) if not m.is_dir()},
                  {"--json": args.json, "--markdown": args.markdown, "--measured": args.measured})
    if (args.measured is None) != (args.label_set is None):
        raise UsageError("--measured and --label-set go together: the figures must say which clips they are from")
    labels = load_manifest(args.manifest)
    if args.only:
        labels = [lab for lab in labels if any(t in lab.file or t == lab.exercise for t in args.only)]
        if not labels:
            raise UsageError(f"--only {' '.join(args.only)}: no clip in the manifest matches")
    if args.specs is not None and not args.specs.is_dir():
        raise UsageError(f"--specs {args.specs}: not a folder of spec files")
    scores = evaluate_clips(labels, tracks_dir=args.tracks, model=args.model, specs_folder=args.specs,
                            every_frame=args.every_frame)
    summary = summarize(scores)
    command = _command_line(args)
    text = markdown(scores, summary, command)
    print(text, end="")
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text, encoding="utf-8")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(jsonio.dumps(to_json(scores, summary, command), indent=2) + "\n", encoding="utf-8")
    if args.measured is not None:
        entry = set_figures(args.label_set, scores, summary, command=command, specs_folder=args.specs or specs_dir())
        write_measured(args.measured, entry)
    return int(ExitCode.INPUT if summary["errors"] else ExitCode.OK)

"""``posecoach batch FOLDER --exercise ID``: analyse every video in a folder, in parallel.

Each video gets the same report as ``posecoach analyze`` (``<out>/<video stem>.report.json`` and
its CSVs), plus ``<out>/batch.json`` summing up the batch. A video that fails is reported and the
others go on; the exit code is then that of the first failed video (non-zero).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from posecoach.app.batch import BatchInterrupted, VideoResult, exit_code, find_videos, run_batch, write_summary
from posecoach.commands.analyze import add_every_frame_argument, add_model_argument
from posecoach.errors import ExitCode, OutputError, UsageError
from posecoach.outputs import check_writable


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="analyse a folder of videos in parallel", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", type=Path, help="a folder of video files (not searched recursively)")
    p.add_argument("--exercise", "-e", required=True, help="exercise id (see 'posecoach exercises'), a spec .toml, or routine:NAME")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="videos analysed at once, each in its own process (default: the number of cores)")
    p.add_argument("--out", type=Path, default=Path("posecoach-reports"),
                   help="folder for the reports (default: ./posecoach-reports)")
    p.add_argument("--save-tracks", action="store_true", help="also save each video's landmarks as <out>/<stem>.jsonl")
    p.add_argument("--quiet", "-q", action="store_true", help="print only failures and the totals")
    p.add_argument("--cluster", metavar="tcp://HOST:8786", help="run each video as a task on this Dask scheduler's "
                   "workers (the 'cluster' extra; --jobs is then the workers' threads); reports still land in --out")
    add_model_argument(p)
    add_every_frame_argument(p)
    p.set_defaults(func=run)


def _line(r: VideoResult) -> str:
    name = Path(r.video).name
    if not r.ok:
        return f"  FAIL {name}: {r.error}"
    sides = ""
    if r.reps_by_side:
        sides = " (" + ", ".join(f"{k} {v}" for k, v in r.reps_by_side.items()) + ")"
    pose = 100.0 * r.frames_with_pose / r.frames if r.frames else 0.0
    return (f"  ok   {name}: {r.reps} reps{sides}, {r.holds} holds, {r.faults} faults, {r.frames} frames "
            f"({pose:.0f}% with a person), {r.seconds:.1f} s")


def run(args: argparse.Namespace) -> int:
    from posecoach.app.build import make_analysis, resolve_model_arg

    videos = find_videos(args.folder)
    check_writable(args.out, "--out", folder=True)  # before the first video, not after the last
    make_analysis(args.exercise)  # an unknown exercise or routine fails once, here, not once per video
    batch = run_batch
    if not args.every_frame and args.cluster is not None:
        raise UsageError("--strided is not passed on to cluster workers yet; run the batch on this machine "
                         "(without --cluster) for strided analysis")
    if args.cluster is not None:  # the workers obtain the model; each is checked before the first video
        from posecoach.app.distributed import ClusterBatch

        cluster = ClusterBatch.connect(args.cluster)
        args.jobs, batch = cluster.prepare(videos, args.model), cluster.run
    else:
        resolve_model_arg(args.model)  # obtain it once, before the workers
    jobs = max(1, min(args.jobs, len(videos)))
    if not args.quiet:
        where = f" on the cluster at {args.cluster}" if args.cluster is not None else ""
        print(f"analysing {len(videos)} videos of {args.exercise} with {jobs} process{'es' if jobs > 1 else ''}{where}")

    def show(r: VideoResult) -> None:
        if not args.quiet or not r.ok:
            print(_line(r), flush=True)

    t0 = time.perf_counter()
    interrupted = False
    try:
        more = {} if args.every_frame else {"every_frame": False}
        results = batch(videos, args.exercise, out_dir=args.out, jobs=jobs, model=args.model,
                        save_tracks=args.save_tracks, on_result=show, **more)
    except BatchInterrupted as stop:  # the summary of what was done is still written
        results, interrupted = stop.results, True
        sys.stderr.write("posecoach: stopped (Ctrl-C); the videos not analysed are listed in batch.json\n")
    elapsed = time.perf_counter() - t0
    summary = args.out / "batch.json"
    try:
        write_summary(results, summary, exercise=args.exercise, jobs=jobs, seconds=elapsed)
    except OSError as exc:
        raise OutputError(f"{summary}: cannot write the batch summary ({exc.strerror}); "
                          f"the reports of each video are in {args.out}") from None
    failed = sum(1 for r in results if not r.ok)
    frames = sum(r.frames for r in results)
    print(f"{len(results) - failed} of {len(results)} videos analysed, {failed} failed; {frames} frames in "
          f"{elapsed:.1f} s ({frames / max(elapsed, 1e-9):.0f} frames/s); reports in {args.out}")
    return int(ExitCode.INTERRUPTED) if interrupted else exit_code(results)

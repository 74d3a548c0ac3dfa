"""Per-frame latency of the live loop, from capture to overlay drawn, per pose model.

A clip is played through the real live path (``PacedFileSource``: released at the clip's own
frame rate, a frame the loop is too slow for is dropped) into ``LiveSession`` with the overlay
drawn on every frame, offscreen by default (``--window`` shows the real window; needs $DISPLAY).
Latency of a frame = the moment the overlay is drawn minus the moment the frame became available
(decoded, as a camera driver would hand it over). The first ``--warmup`` frames of each run are
left out (model start-up). Printed per model: frames processed and dropped, median and 95th
percentile latency, and the median as a fraction of one frame period (below 1.0 keeps up).

    POSECOACH_MODEL_DIR=../shared/models .venv/bin/python benchmarks/live_latency.py \\
        [--video CLIP] [--exercise ID] [--models lite full] [--runs 3] [--window]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VIDEO = ROOT.parent / "shared" / "real" / "physioplus" / "bridging.mp4"


def one_run(video: Path, exercise: str, model: str, window: bool, out: Path) -> tuple[list[float], int, int]:
    """Latencies (ms) of one live run, frames processed, frames dropped."""
    from posecoach.sources.camera import PacedFileSource
    from posecoach.app.build import make_analysis
    from posecoach.app.live import LiveSession
    from posecoach.pose.estimator import PoseEstimator
    from posecoach.app.build import resolve_model_arg
    from posecoach.render.window import CvWindow, HeadlessWindow
    from posecoach.voice import Voice

    analysis = make_analysis(exercise)
    source = PacedFileSource(video)
    win = CvWindow("posecoach latency") if window else HeadlessWindow()
    with PoseEstimator(resolve_model_arg(model, log=None)[0]) as estimator:
        session = LiveSession(analysis, source, estimator, win, Voice(None), source_meta=source.describe(),
                              report_path=out / f"{model}.report.json", summary_s=0)
        result = session.run()
    return result.latencies_ms, result.frames, result.dropped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", type=Path, default=DEFAULT_VIDEO, help="clip to play as if live (default: the real bridge clip)")
    ap.add_argument("--exercise", default="bridge")
    ap.add_argument("--models", nargs="+", default=["lite", "full"])
    ap.add_argument("--runs", type=int, default=3, help="runs per model (default 3)")
    ap.add_argument("--warmup", type=int, default=5, help="frames left out at the start of each run")
    ap.add_argument("--window", action="store_true", help="show the real window (needs $DISPLAY)")
    args = ap.parse_args(argv)

    from posecoach.sources import VideoFileSource

    probe = VideoFileSource(args.video)
    fps, size, total = probe.fps, (probe.width, probe.height), probe.frame_count
    probe.close()
    period_ms = 1000.0 / fps
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} before the runs (other work skews the numbers)")
    print(f"clip: {args.video} ({size[0]}x{size[1]}, {fps:g} fps, {total} frames); {args.runs} runs per model; "
          f"{'window' if args.window else 'offscreen'}; one frame period = {period_ms:.1f} ms")
    print("| model | frames processed | dropped | median ms | p95 ms | median / frame period | p95 / frame period |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            lat: list[float] = []
            processed = dropped = 0
            for _ in range(args.runs):
                run_lat, n, d = one_run(args.video, args.exercise, model, args.window, Path(tmp))
                lat += run_lat[args.warmup:]
                processed += n
                dropped += d
            lat.sort()
            med = statistics.median(lat)
            p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
            print(f"| {model} | {processed} | {dropped} | {med:.1f} | {p95:.1f} | {med / period_ms:.2f} | "
                  f"{p95 / period_ms:.2f} |")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    from posecoach.native import isolate_stderr

    isolate_stderr()  # native libraries' logging off the terminal, teardown included
    sys.exit(main())

"""Does posecoach's per-frame cost stay flat, and its memory bounded, from 10 s to 60 min of input?

A real landmark track is looped with continuous timestamps (no model runs) into streams of
several lengths. Each length runs in its own process, so its peak RSS is its own. For each one:

- per-frame time (µs) of smoothing + features (``quantize``, ``Smoother``, ``FeatureExtractor``)
  and of the engine (``Session.update``), and the time to build the report at the end;
- memory: tracemalloc's peak and its current size sampled through the run (a per-frame leak
  shows as growth proportional to frames), the records the engine keeps (reps, events, fault
  records, holds, pose gaps: these grow with reps, not frames), and peak RSS.

    .venv/bin/python benchmarks/scale.py [--track T.jsonl --exercise ID] [--lengths 10 60 600 3600]

Without ``--track``, the real bridge clip's track is made once with the pose model and cached.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VIDEO = REPO.parent / "shared" / "real" / "physioplus" / "bridging.mp4"
CHUNK = 300  # frames per timed piece (10 s at 30 fps); per-frame costs are medians over pieces
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "posecoach" / "bench"


def looped(base: Sequence[Any], length_s: float) -> Iterator[Any]:
    """``base`` PoseFrames repeated with continuous timestamps and indices until ``length_s``."""
    from posecoach.types import PoseFrame

    t0 = base[0].timestamp_ms
    step = (base[-1].timestamp_ms - base[0].timestamp_ms) / max(len(base) - 1, 1)
    period = base[-1].timestamp_ms - t0 + step
    end_ms = length_s * 1000.0
    i, loop = 0, 0
    while True:
        for f in base:
            t = round(loop * period + f.timestamp_ms - t0)
            if t >= end_ms:
                return
            yield PoseFrame(i, t, f.width, f.height, f.landmarks, f.world)
            i += 1
        loop += 1


def _records(analysis: Any) -> dict[str, int]:
    s = analysis.session
    return {"reps": len(s.reps), "events": len(s.events), "fault_records": len(s.fault_records()),
            "holds": len(s.holds), "pose_gaps": len(s.pose_gaps), "view_keys": len(s.view_time)}


def child(track: Path, exercise: str, length_s: float) -> dict[str, Any]:
    """Measure one length (run in its own process)."""
    from stages import StageClock

    from posecoach.app.build import make_analysis
    from posecoach.app.pipeline import run_frames
    from posecoach.track import read_frames

    base = list(read_frames(track))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # timing pass: the product's loop, with a clock where the session's update begins and ends
    analysis = make_analysis(exercise)
    clock = StageClock()
    clock.engine(analysis)
    chunks: list[tuple[float, float]] = []  # per-frame µs of each CHUNK-frame piece: robust to load bursts
    last = [0.0, 0.0]  # the stage totals at the end of the last piece

    def piece(frames: int) -> None:
        feat, eng = clock.stages["smoothing+features"], clock.stages["engine"]
        chunks.append((1e6 * (feat - last[0]) / frames, 1e6 * (eng - last[1]) / frames))
        last[:] = [feat, eng]

    def sink(_frame: Any, _step: Any) -> None:
        nonlocal n
        clock.sink_start()
        n += 1
        if n % CHUNK == 0:
            piece(CHUNK)

    n = 0
    run_frames(analysis, clock.frames(looped(base, length_s)), None, on_step=sink)
    if n % CHUNK or not chunks:
        piece(max(n % CHUNK, 1))
    tenth = max(len(chunks) // 10, 1)
    t0 = time.perf_counter()
    analysis.finish()
    report = analysis.report({"track": str(track)})
    report_s = time.perf_counter() - t0
    timing_records = _records(analysis)
    del analysis
    # memory pass: the same stream with tracemalloc on (slower, so not timed)
    analysis = make_analysis(exercise)
    tracemalloc.start()
    base_mem = tracemalloc.get_traced_memory()[0]
    samples: list[tuple[int, int]] = []
    every = max(n // 10, 1)
    seen = 0

    def sample(_frame: Any, _step: Any) -> None:
        nonlocal seen
        seen += 1
        if seen % every == 0:
            samples.append((seen, tracemalloc.get_traced_memory()[0] - base_mem))

    run_frames(analysis, looped(base, length_s), None, on_step=sample)
    analysis.finish()
    analysis.report({"track": str(track)})
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "length_s": length_s, "frames": n, "chunks": len(chunks),
        "features_us": statistics.median(c[0] for c in chunks), "engine_us": statistics.median(c[1] for c in chunks),
        "first_us": statistics.median(c[0] + c[1] for c in chunks[:tenth]),
        "last_us": statistics.median(c[0] + c[1] for c in chunks[-tenth:]),
        "report_ms": 1000 * report_s, "reps": report["reps"], "records": timing_records,
        "traced_peak_kb": (peak - base_mem) / 1024, "traced_end_kb": (current - base_mem) / 1024,
        "samples": samples, "rss_before_mb": rss_before / 1024,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def default_track() -> Path:
    """The real bridge clip's landmarks, made once with the full model and cached."""
    path = CACHE / "bridging.jsonl"
    if not path.is_file():
        from posecoach.app.analyze import analyze_video
        from posecoach.app.build import make_analysis

        print(f"making {path} from {DEFAULT_VIDEO} (once)", file=sys.stderr)
        analyze_video(DEFAULT_VIDEO, make_analysis("bridge"), "full", None, path, progress=False)
    return path


def _fmt_len(s: float) -> str:
    return f"{s / 60:g} min" if s >= 60 else f"{s:g} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--track", type=Path, help="a landmark track to loop (default: the real bridge clip's)")
    ap.add_argument("--exercise", default="bridge", help="the exercise spec to run (default: bridge)")
    ap.add_argument("--lengths", type=float, nargs="+", default=[10, 60, 600, 3600], help="seconds of input")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.track, args.exercise, args.child)))
        return 0
    track = args.track or default_track()
    rows = []
    for length in args.lengths:
        out = subprocess.run([sys.executable, __file__, "--track", str(track), "--exercise", args.exercise,
                              "--child", str(length)], check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"{_fmt_len(length)} done", file=sys.stderr)
    print(f"track: {track.name} looped with continuous timestamps; exercise spec: {args.exercise}; "
          f"each length in its own process\n")
    print("Per-frame costs are medians over 10-s pieces of the input; 'first / last 10%' compares the pieces at "
          "the start and at the end of the same run.\n")
    print("| input | frames | reps | smoothing+features µs/frame | engine µs/frame | first / last 10% µs/frame | "
          "report ms | records kept (reps, events, faults, holds, gaps) | traced peak KB | traced at end KB | "
          "peak RSS MB |")
    print("| --- " * 11 + "|")
    for r in rows:
        rec = r["records"]
        print(f"| {_fmt_len(r['length_s'])} | {r['frames']} | {r['reps']} | {r['features_us']:.1f} | "
              f"{r['engine_us']:.1f} | {r['first_us']:.0f} / {r['last_us']:.0f} | {r['report_ms']:.1f} | "
              f"{rec['reps']}, {rec['events']}, {rec['fault_records']}, "
              f"{rec['holds']}, {rec['pose_gaps']} | {r['traced_peak_kb']:.0f} | {r['traced_end_kb']:.0f} | "
              f"{r['rss_peak_mb']:.0f} |")
    longest = rows[-1]
    if len(longest["samples"]) >= 4:
        (k0, m0), (k1, m1) = longest["samples"][len(longest["samples"]) // 2], longest["samples"][-1]
        per_frame = (m1 - m0) / max(k1 - k0, 1)
        reps = longest["reps"]
        kept = (f"about {longest['traced_end_kb'] * 1024 / reps:.0f} bytes kept per rep at the end" if reps
                else f"{longest['traced_end_kb']:.0f} KB kept at the end")
        print(f"\nGrowth over the second half of the {_fmt_len(longest['length_s'])} run: {per_frame:.2f} bytes/frame "
              f"({(m1 - m0) / 1024:.0f} KB over {k1 - k0} frames; the run has {reps} reps, "
              f"{longest['records']['events']} events: {kept}).")
    return 0


if __name__ == "__main__":
    from posecoach.native import isolate_stderr

    isolate_stderr()  # native libraries' logging off the terminal, teardown included
    sys.exit(main())

"""Throughput of posecoach against a bare MediaPipe loop, per pose model, on one or more clips.

Four kinds of run per model and clip, interleaved round by round so that drifts of a noisy
machine hit them alike, and reported as medians over the rounds:

- **bare**: decode (OpenCV) + inference (MediaPipe ``PoseLandmarker.detect_for_video``) of every
  frame, nothing else: the floor any MediaPipe application that looks at every frame pays.
- **every frame**: what ``posecoach analyze --every-frame --save-track`` does, through the
  product's own code (``VideoFileSource``, ``PoseEstimator``, ``run_frames``, ``TrackWriter``,
  report writing).
- **strided**: what ``posecoach analyze --save-track`` does by default: the same loop with the
  adaptive frame stride (``engine.stride``), the frames it passes over only grabbed.
- **staged**: the same work split into timed stages: decode, inference (``PoseEstimator.process``,
  which also turns MediaPipe's result into arrays), smoothing + features, engine, overlay
  drawing (the live window's ``posecoach.render.overlay.Overlay``, if present), writing the
  track and the report.

The first table gives, per model and clip, frames of video per second and times real time for
the three, the share of frames the model looked at when strided, and strided speed / bare speed
(bare time over strided time, paired round by round). The claim checked there: with the full
model, strided analysis runs at least 4x real time for 30 fps input and 6x for 60 fps.

The second claim checked: posecoach's own work (all stages except decode and inference) stays under
5% of the bare loop's time with the full model. On a busy machine, separate runs drift apart;
the last column (own work against decode + inference of the same staged run, frame by frame)
is the figure least affected. Landmarker creation is not timed.

    POSECOACH_MODEL_DIR=../shared/models .venv/bin/python benchmarks/speed.py [--video CLIP ...] [--rounds 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VIDEO = REPO.parent / "shared" / "real" / "physioplus" / "bridging.mp4"
STAGES = ("decode", "inference", "smoothing+features", "engine", "overlay", "track+report")
OWN = ("smoothing+features", "engine", "track+report")


def _landmarker(model_path: Path) -> Any:
    """A MediaPipe pose landmarker in VIDEO mode, made directly (not through posecoach)."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model_path)),
                                           running_mode=vision.RunningMode.VIDEO, num_poses=1)
    return vision.PoseLandmarker.create_from_options(options), mp


def run_bare(video: Path, model_path: Path) -> tuple[float, int]:
    """Decode + inference only. Returns (seconds, frames)."""
    import cv2

    landmarker, mp = _landmarker(model_path)
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    n = 0
    try:
        t0 = time.perf_counter()
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            landmarker.detect_for_video(image, round(n * 1000.0 / fps))
            n += 1
        return time.perf_counter() - t0, n
    finally:
        cap.release()
        landmarker.close()


def run_posecoach(video: Path, model_path: Path, exercise: str, out: Path,
                  strided: bool = False) -> tuple[float, int, int]:
    """The product path of ``posecoach analyze --save-track`` (no progress bar), every frame or
    strided. (seconds, frames, frames the model looked at)."""
    from posecoach.app.build import make_analysis
    from posecoach.app.pipeline import finish, run_frames
    from posecoach.engine.stride import StridePolicy
    from posecoach.pose.estimator import PoseEstimator
    from posecoach.sources import VideoFileSource
    from posecoach.track import TrackWriter

    analysis = make_analysis(exercise)
    with PoseEstimator(model_path) as estimator:
        t0 = time.perf_counter()
        source = VideoFileSource(video)
        stride = StridePolicy(source.fps) if strided else None
        with TrackWriter(out / "run.jsonl", {"fps": source.fps, "width": source.width, "height": source.height}) as tw:
            n = run_frames(analysis, source, estimator, track=tw, stride=stride)
        finish(analysis, {"video": str(video)}, out / "run.report.json")
        return time.perf_counter() - t0, n, stride.analysed if stride is not None else n


def _overlay_drawer(spec: Any) -> Callable[[Any, Any], Any] | None:
    try:
        from posecoach.render.overlay import Overlay
    except ImportError:
        return None
    return Overlay(spec).draw


def run_staged(video: Path, model_path: Path, exercise: str, out: Path) -> tuple[dict[str, float], int]:
    """The posecoach path split into stages (seconds per stage, frames): the product's loop
    (``run_frames``) with a clock at each hand-over (``stages.StageClock``)."""
    from stages import StageClock

    from posecoach.app.build import make_analysis
    from posecoach.app.pipeline import Step, finish, run_frames
    from posecoach.pose.estimator import PoseEstimator
    from posecoach.sources import VideoFileSource
    from posecoach.track import TrackWriter
    from posecoach.types import Frame

    analysis = make_analysis(exercise)
    draw = _overlay_drawer(analysis.spec)
    clock = StageClock()
    clock.engine(analysis)
    with PoseEstimator(model_path) as estimator:
        source = VideoFileSource(video)
        tw = TrackWriter(out / "staged.jsonl", {"fps": source.fps, "width": source.width, "height": source.height})
        clock.mark("decode")

        def sink(frame: Frame | None, step: Step) -> None:
            clock.sink_start()
            if draw is not None and frame is not None:
                draw(frame.image, step)
            clock.mark("overlay")
            tw.write(step.raw)
            clock.mark("track+report")

        n = run_frames(analysis, clock.frames(source), clock.estimator(estimator), on_step=sink)
        clock.mark("decode")
        tw.close()
        finish(analysis, {"video": str(video)}, out / "staged.report.json")
        clock.mark("track+report")
    stages = dict(clock.stages)
    if draw is None:
        stages["overlay"] = float("nan")
    return stages, n


def clip_info(video: Path) -> tuple[float, str]:
    """A clip's frame rate and size, as the container states them."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    size = f"{int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))}x{int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))}"
    cap.release()
    return fps, size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", type=Path, nargs="+", default=[DEFAULT_VIDEO],
                    help="the clips (default: the real bridge clip)")
    ap.add_argument("--exercise", default="bridge", help="exercise spec for the posecoach runs (default: bridge)")
    ap.add_argument("--models", nargs="+", default=["lite", "full", "heavy"])
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are reported (default: 5)")
    ap.add_argument("--no-stages", action="store_true", help="leave out the per-stage timing (the second table)")
    args = ap.parse_args(argv)
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's native start-up chatter

    from posecoach.pose.models import resolve_model

    paths = {m: resolve_model(m, log=logging.getLogger(__name__).info) for m in args.models}
    runs = [(v, m) for v in args.video for m in args.models]
    bare: dict[tuple[Path, str], list[float]] = defaultdict(list)
    full: dict[tuple[Path, str], list[float]] = defaultdict(list)
    strided: dict[tuple[Path, str], list[float]] = defaultdict(list)
    looked: dict[tuple[Path, str], list[int]] = defaultdict(list)
    staged: dict[str, dict[str, list[float]]] = {m: defaultdict(list) for m in args.models}
    frames: dict[Path, int] = {}
    kinds = ["bare", "every frame", "strided"] + ([] if args.no_stages else ["staged"])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for r in range(args.rounds):
            for video, m in runs:
                # alternate which kind goes first, so warm-up and drift do not favour one
                for kind in kinds if r % 2 == 0 else kinds[::-1]:
                    if kind == "bare":
                        sec, frames[video] = run_bare(video, paths[m])
                        bare[video, m].append(sec)
                    elif kind == "every frame":
                        sec, frames[video], _ = run_posecoach(video, paths[m], args.exercise, out)
                        full[video, m].append(sec)
                    elif kind == "strided":
                        sec, frames[video], seen = run_posecoach(video, paths[m], args.exercise, out, strided=True)
                        strided[video, m].append(sec)
                        looked[video, m].append(seen)
                    elif video == args.video[0]:
                        st, frames[video] = run_staged(video, paths[m], args.exercise, out)
                        for k, v in st.items():
                            staged[m][k].append(v)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    med = statistics.median
    print(f"exercise spec: {args.exercise}; medians of {args.rounds} interleaved rounds; frames/s are frames of "
          f"video per second of wall time, x real time = frames/s / the clip's frame rate\n")
    print("| model | clip | bare frames/s | bare x real time | every frame frames/s | every frame x real time | "
          "strided frames/s | strided x real time | frames looked at (strided) | strided / bare speed (paired) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for video, m in runs:
        fps, size = clip_info(video)
        n = frames[video]
        b, p, s = med(bare[video, m]), med(full[video, m]), med(strided[video, m])
        ratio = med(bi / si for bi, si in zip(bare[video, m], strided[video, m]))
        seen = med(looked[video, m])
        print(f"| {m} | {video.name} ({size}, {fps:g} fps, {n / fps:.1f} s) | {n / b:.1f} | {n / b / fps:.2f} | "
              f"{n / p:.1f} | {n / p / fps:.2f} | {n / s:.1f} | {n / s / fps:.2f} | {seen:.0f}/{n} "
              f"({100 * seen / n:.0f}%) | {ratio:.2f} |")
    if args.no_stages:
        return 0
    video = args.video[0]
    n = frames[video]
    print(f"\nPer-stage time per frame (ms) on {video.name}, every frame, medians; own work = smoothing+features + "
          "engine + track+report, as a share of the same round's bare loop time (median over rounds):\n")
    print("| model | " + " | ".join(STAGES) + " | own work / bare | own + overlay / bare | "
          "own work / (decode + inference), same run |")
    print("| --- " * (len(STAGES) + 4) + "|")
    for m in args.models:
        st = {k: med(v) for k, v in staged[m].items()}
        own = [sum(staged[m][k][i] for k in OWN) for i in range(args.rounds)]
        drawn = [0.0 if staged[m]["overlay"][i] != staged[m]["overlay"][i] else staged[m]["overlay"][i]
                 for i in range(args.rounds)]
        share = med(o / b for o, b in zip(own, bare[video, m]))
        share_drawn = med((o + d) / b for o, d, b in zip(own, drawn, bare[video, m]))
        # the same frames' stages, timed side by side: the least sensitive to a busy machine
        inner = med(o / (staged[m]["decode"][i] + staged[m]["inference"][i]) for i, o in enumerate(own))
        cells = ["-" if st[k] != st[k] else f"{1000 * st[k] / n:.2f}" for k in STAGES]
        print(f"| {m} | " + " | ".join(cells) + f" | {100 * share:.2f}% | {100 * share_drawn:.2f}% | {100 * inner:.2f}% |")
    return 0


if __name__ == "__main__":
    from posecoach.native import isolate_stderr

    isolate_stderr()  # native libraries' logging off the terminal, teardown included
    logging.basicConfig(stream=sys.stderr, format="%(message)s", level=logging.INFO)  # after: the stderr kept
    sys.exit(main())

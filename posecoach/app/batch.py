"""Analysing a folder of videos in parallel: one process per core, each with its own pose model.

Each video is analysed exactly as ``posecoach analyze`` would (same engine, same report), in a
worker process started with ``spawn`` (MediaPipe's threads do not survive ``fork``). A worker
opens a fresh pose landmarker for every video, because MediaPipe's VIDEO mode tracks the person
from frame to frame and must not carry one video's tracking state into the next. A video that
fails is reported and the others go on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from posecoach import jsonio
from posecoach.errors import ExitCode, PosecoachError, UsageError, VideoOpenError
from posecoach.formats.report import Report, parse_report, sections

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"})


@dataclass
class VideoResult:
    """The outcome of one video. ``error`` is None when it was analysed."""

    video: str
    report: str | None = None
    track: str | None = None
    reps: int | None = None
    reps_by_side: dict[str, int] | None = None
    holds: int = 0
    faults: int = 0
    frames: int = 0
    frames_with_pose: int = 0
    seconds: float = 0.0
    error: str | None = None
    exit_code: int = int(ExitCode.OK)

    @property
    def ok(self) -> bool:
        return self.error is None


def find_videos(folder: Path) -> list[Path]:
    """The video files directly in ``folder`` (by extension), sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise VideoOpenError(f"{folder}: not a folder; pass the folder that holds the videos")
    videos = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)
    if not videos:
        raise VideoOpenError(f"{folder}: no video files ({', '.join(sorted(VIDEO_EXTENSIONS))}) in this folder")
    return videos


def output_paths(videos: Sequence[Path], out_dir: Path) -> dict[Path, Path]:
    """``<out_dir>/<video stem>.report.json`` for each video; refuses two videos with one stem."""
    dupes = sorted(stem for stem, n in Counter(v.stem for v in videos).items() if n > 1)
    if dupes:
        raise UsageError(f"several videos share a name ({', '.join(dupes)}); their reports would overwrite each other")
    return {v: Path(out_dir) / f"{v.stem}.report.json" for v in videos}


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped the batch: ``results`` holds every video, those analysed, the
    one interrupted (with its partial report) and those never started."""

    def __init__(self, results: list[VideoResult]) -> None:
        super().__init__()
        self.results = results


NOT_STARTED = "not analysed: the batch was stopped"
_stopping = False  # in a worker: a Ctrl-C came, so no further video is started


def _on_interrupt(signum: int, frame: object) -> None:
    """A worker's Ctrl-C: the video being analysed stops with its partial report (once; a second
    signal must not cut that report short), and no queued video starts."""
    global _stopping
    if _stopping:
        return
    _stopping = True
    raise KeyboardInterrupt


def _worker_init() -> None:
    signal.signal(signal.SIGINT, _on_interrupt)
    signal.signal(signal.SIGTERM, _on_interrupt)


def analyse_one(video: str, exercise: str, model: str, report_path: str, save_track: bool,
                every_frame: bool = True) -> VideoResult:
    """Analyse one video (runs in a worker process). User errors become a failed result; anything
    else propagates to the parent, which reports it as an internal error for this video."""
    from posecoach.app.analyze import analyze_video
    from posecoach.app.build import make_analysis
    from posecoach.app.pipeline import require_person

    if _stopping:
        return VideoResult(video, error=NOT_STARTED, exit_code=int(ExitCode.INTERRUPTED))
    t0 = time.perf_counter()
    report_file = Path(report_path)
    track = report_file.with_name(report_file.name.removesuffix(".report.json") + ".jsonl") if save_track else None
    try:
        report, code = analyze_video(Path(video), make_analysis(exercise), model, report_file, track, progress=False,
                                     every_frame=every_frame)
        require_person(report, video)
    except PosecoachError as exc:
        return VideoResult(video, error=str(exc), exit_code=int(exc.exit_code), seconds=time.perf_counter() - t0)
    typed = parse_report(report)
    parts = sections(typed)  # a routine's report has one section per exercise
    return VideoResult(
        video, report=str(report_file), track=str(track) if track else None,
        reps=sum(sec.reps for sec in parts), reps_by_side=typed.reps_by_side if isinstance(typed, Report) else None,
        holds=sum(len(sec.holds) for sec in parts), faults=len(typed.faults),
        frames=typed.frames, frames_with_pose=typed.frames_with_pose, seconds=time.perf_counter() - t0,
        error=None if code == ExitCode.OK else "interrupted (partial report)", exit_code=int(code),
    )


def run_batch(videos: Sequence[Path], exercise: str, *, out_dir: Path, jobs: int, model: str = "full",
              save_tracks: bool = False, on_result: Callable[[VideoResult], None] | None = None,
              every_frame: bool = True) -> list[VideoResult]:
    """Analyse ``videos`` with ``jobs`` worker processes; results in the order of ``videos``.
    ``on_result`` is called as each video finishes. Ctrl-C cancels the videos not yet started."""
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1 [got {jobs}]")
    targets = output_paths(videos, out_dir)
    more = {} if every_frame else {"every_frame": False}  # the default (every frame) needs no argument
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    done: dict[Path, VideoResult] = {}

    def record(video: Path, result: VideoResult) -> None:
        done[video] = result
        if on_result is not None:
            on_result(result)

    def everything() -> list[VideoResult]:
        return [done.get(v) or VideoResult(str(v), error=NOT_STARTED, exit_code=int(ExitCode.INTERRUPTED))
                for v in videos]

    if jobs == 1:
        for v in videos:
            try:
                result = analyse_one(str(v), exercise, model, str(targets[v]), save_tracks, **more)
            except KeyboardInterrupt:
                raise BatchInterrupted(everything()) from None
            except Exception as exc:  # a bug in one video: report it, keep the others (as with --jobs N)
                result = _internal_error(v, exc)
            record(v, result)
            if result.exit_code == ExitCode.INTERRUPTED:
                raise BatchInterrupted(everything())
        return everything()
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(videos)), mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init)
    futures: dict[Future[VideoResult], Path] = {}

    def collect(fut: Future[VideoResult]) -> None:
        video = futures[fut]
        try:
            result = fut.result()
        except Exception as exc:  # a bug or a crashed worker: report this video, keep the others
            result = _internal_error(video, exc)
        record(video, result)

    try:
        futures = {pool.submit(analyse_one, str(v), exercise, model, str(targets[v]), save_tracks, **more): v
                   for v in videos}
        for fut in as_completed(futures):
            collect(fut)
    except KeyboardInterrupt:
        # stop what runs (each writes its partial report), start nothing more, then sum up
        for fut in futures:
            fut.cancel()
        for proc in list(getattr(pool, "_processes", {}).values()):
            try:
                os.kill(proc.pid, signal.SIGINT)  # Ctrl-C reaches them anyway; a 'kill -INT' of ours does not
            except OSError:
                pass
        for fut in futures:
            if not fut.cancelled() and futures[fut] not in done:
                try:
                    fut.result(timeout=60)
                except Exception:  # noqa: BLE001 - a worker that died while stopping: not analysed
                    continue
                collect(fut)
        pool.shutdown(wait=False, cancel_futures=True)
        raise BatchInterrupted(everything()) from None
    pool.shutdown(wait=True)
    return everything()


def _internal_error(video: Path, exc: BaseException) -> VideoResult:
    return VideoResult(str(video), error=f"internal error (a bug, please report it): {type(exc).__name__}: {exc}",
                       exit_code=int(ExitCode.ERROR))


def exit_code(results: Sequence[VideoResult]) -> int:
    """0 when every video was analysed; else the exit code of the first failure, in video order."""
    return next((r.exit_code or int(ExitCode.ERROR) for r in results if not r.ok), int(ExitCode.OK))


def write_summary(results: Sequence[VideoResult], path: Path, *, exercise: str, jobs: int, seconds: float) -> None:
    """A JSON summary of the batch beside the reports."""
    doc = {"schema": "posecoach.app.batch", "schema_version": 1, "exercise": exercise, "jobs": jobs,
           "seconds": round(seconds, 2), "failed": sum(1 for r in results if not r.ok),
           "videos": [{**asdict(r), "seconds": round(r.seconds, 2)} for r in results]}
    Path(path).write_text(jsonio.dumps(doc, indent=2) + "\n", encoding="utf-8")

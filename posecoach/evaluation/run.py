"""Running posecoach over labelled clips for ``posecoach eval``, reusing saved landmark tracks.

With a tracks folder, the landmarks of ``clip.mp4`` are kept in ``<tracks>/clip.jsonl``: the first
run writes them (the pose model runs once per clip), later runs re-run only the engine on them,
so re-scoring a spec change takes seconds. A track is reused only if it was made with the same
model from the same video (the same path, or the same file name if the video it names has moved),
and is newer than the video; otherwise it is made again.

Progress (one line per clip) goes to this module's logger at INFO, a clip that fails at WARNING.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from posecoach.errors import PosecoachError, TrackError
from posecoach.evaluation.score import ClipLabel, ClipScore, ManifestError, score_clip
from posecoach.evaluation.rules import spec_rules
from posecoach.app.build import model_label, resolve_model_arg
from posecoach.app.pipeline import Analysis, analyze_track, finish, run_frames
from posecoach.spec.loader import exercise_ids, find_spec, specs_dir
from posecoach.track import read_header

logger = logging.getLogger(__name__)


def track_path(tracks_dir: Path, label: ClipLabel) -> Path:
    """Where the landmarks of a clip are kept: ``<tracks_dir>/<clip stem>.jsonl``."""
    return Path(tracks_dir) / f"{label.stem}.jsonl"


def usable_track(path: Path, label: ClipLabel, model: str, every_frame: bool = False) -> str | None:
    """Why the saved track at ``path`` cannot stand for this clip and model (None if it can). A
    track made with the frame stride (its skipped frames filled in) cannot stand for every frame."""
    if not path.is_file():
        return "no saved track"
    try:
        header = read_header(path)
    except TrackError as exc:
        return f"unreadable ({exc})"
    if header.get("model") != model_label(model):
        return f"made with model {header.get('model')!r}, not {model_label(model)!r}"
    if every_frame and header.get("frame_mode") == "strided":
        return "made with the frame stride, not every frame"
    source = Path(str(header.get("source", "")))
    # the same file if it is still where it was; if it has moved, a file of the same name
    same = source.resolve() == label.path if source.is_file() else source.name == label.path.name
    if not same:
        return f"made from {str(source)!r}, not {str(label.path)!r}"
    if label.path.is_file() and path.stat().st_mtime < label.path.stat().st_mtime:
        return "older than the video (re-recorded or re-rendered since)"
    return None


def check_unique_stems(labels: Sequence[ClipLabel]) -> None:
    """Two clips with one stem would overwrite each other's track: refuse before running."""
    dupes = [stem for stem, n in Counter(lab.stem for lab in labels).items() if n > 1]
    if dupes:
        raise ManifestError(f"clips share a file stem ({', '.join(sorted(dupes))}); with --tracks each clip "
                            f"needs its own name, as tracks are saved as <stem>.jsonl")


def run_clip(label: ClipLabel, analysis: Analysis, *, tracks_dir: Path | None, model: str,
             every_frame: bool = True) -> tuple[dict[str, Any], str]:
    """The posecoach report of one clip and where its landmarks came from ("track" or "video")."""
    from posecoach.app.analyze import analyze_video
    from posecoach.errors import ExitCode

    saved = track_path(tracks_dir, label) if tracks_dir is not None else None
    if saved is not None:
        why = usable_track(saved, label, model, every_frame)
        if why is None:
            header = analyze_track(saved, analysis)
            source = {"track": str(saved), "video": header.get("source"), "model": header.get("model")}
            return finish(analysis, source, None), "track"
        if saved.exists():
            logger.info(f"posecoach: {saved}: {why}; making it again")
    partial = saved.with_name(f".{saved.name}.partial") if saved is not None else None
    try:
        report, code = analyze_video(label.path, analysis, model, None, partial, progress=False,
                                     every_frame=every_frame)
        if code == ExitCode.INTERRUPTED:
            raise KeyboardInterrupt
        if partial is not None and saved is not None:
            os.replace(partial, saved)  # only a complete track gets the name that is reused
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
    return report, "video"


def save_track_only(label: ClipLabel, path: Path, model: str) -> None:
    """Run the pose model over a clip and save its track, with no exercise engine (for clips
    whose exercise has no spec yet: once one is written, scoring it needs no model run)."""
    from posecoach.pose.estimator import PoseEstimator
    from posecoach.sources import VideoFileSource
    from posecoach.track import TrackWriter

    source = VideoFileSource(label.path)
    header = {"video": str(label.path), "fps": source.fps, "width": source.width, "height": source.height,
              "model": model_label(model), "source": str(label.path)}
    partial = path.with_name(f".{path.name}.partial")
    try:
        with PoseEstimator(resolve_model_arg(model, log=None)[0]) as estimator, TrackWriter(partial, header) as writer:
            run_frames(None, source, estimator, track=writer)
        os.replace(partial, path)
    finally:
        source.close()
        partial.unlink(missing_ok=True)


def evaluate_clips(labels: Sequence[ClipLabel], *, tracks_dir: Path | None = None, model: str = "full",
                   specs_folder: Path | None = None, every_frame: bool = True) -> list[ClipScore]:
    """Analyse and score every clip. Clips whose exercise has no spec are marked "no spec"; a
    clip that fails (unreadable video, invalid spec) is marked "error" and the rest go on.
    A missing pose model (``ModelError``) stops everything, as every clip would fail."""
    from posecoach.errors import ModelError

    if tracks_dir is not None:
        check_unique_stems(labels)
    folder = specs_folder or specs_dir()
    known = set(exercise_ids(folder))
    scores: list[ClipScore] = []
    for label in labels:
        if label.exercise not in known:
            score = ClipScore(label, status="no spec", message=f"no spec {label.exercise}.toml in {folder}")
            saved = track_path(tracks_dir, label) if tracks_dir is not None else None
            if saved is not None and usable_track(saved, label, model) is not None:
                try:
                    save_track_only(label, saved, model)  # ready for when the spec is written
                    score.source = "track saved"
                except PosecoachError as exc:
                    score.message += f"; its track could not be saved ({exc})"
            scores.append(score)
            continue
        t0 = time.perf_counter()
        try:
            spec = find_spec(label.exercise, folder)
            analysis = Analysis(spec)
            report, source = run_clip(label, analysis, tracks_dir=tracks_dir, model=model,
                                      every_frame=every_frame)
        except ModelError:
            raise
        except PosecoachError as exc:  # e.g. an unreadable video or an invalid spec
            scores.append(ClipScore(label, status="error", message=str(exc)))
            logger.warning(f"posecoach: {label.file}: {exc}")
            continue
        times_holds = spec.hold_target_s is not None
        score = score_clip(label, report, source=source, seconds=time.perf_counter() - t0, times_holds=times_holds,
                           rules=spec_rules(spec))
        scores.append(score)
        logger.info(f"  {label.file}: {score.counted} reps (labelled {label.reps}), from {source}, "
                    f"{score.seconds:.1f} s")
    return scores

"""Tune the frame stride by simulation on every-frame landmark tracks (no pose model).

For each track, the engine runs twice: on every frame, and on the frames the stride policy picks
(each analysed frame's result decides how many frames to skip next, as ``analyze`` does on a
video). The two reports' verdicts are compared (reps, per side, faults, hold times within 0.2 s),
and the share of frames the policy analysed is printed. A simulation cannot show how MediaPipe's
tracking reacts to skipped frames; ``benchmarks/stride_agreement.py`` runs the real model.

    .venv/bin/python benchmarks/stride_tune.py TRACK.jsonl:EXERCISE ... [--max-gap 0.5] [--prior 1.0]
    .venv/bin/python benchmarks/stride_tune.py --labels ../shared/real/tracks/labels.json --tracks ../shared/real/tracks
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from posecoach.app.build import make_analysis
from posecoach.app.pipeline import finish, run_frames
from posecoach.engine.stride import StrideConfig, StridePolicy, StridedPoses, differences, verdicts
from posecoach.track import read_frames, read_header




def simulate(track: Path, exercise: str, config: StrideConfig | None) -> tuple[dict, int, int]:
    """The report of ``track`` analysed every frame (``config`` None) or strided, through the
    product's loop; with the frames analysed and the frames in the track."""
    header = read_header(track)
    frames = list(read_frames(track))
    analysis = make_analysis(exercise)
    if config is None:
        run_frames(analysis, frames, None)
        return finish(analysis, {"track": str(track)}, None), len(frames), len(frames)
    policy = StridePolicy(float(header.get("fps") or 30.0), config)
    run_frames(analysis, StridedPoses(frames), None, stride=policy)
    return finish(analysis, {"track": str(track)}, None), policy.analysed, len(frames)


def jobs_from_labels(labels: Path, tracks: Path) -> list[tuple[Path, str]]:
    """(track, exercise) for each clip of a labels file whose track is in ``tracks``."""
    out = []
    for clip in json.loads(labels.read_text())["clips"]:
        path = tracks / f"{Path(clip['file']).stem}.jsonl"
        if path.is_file():
            out.append((path, clip["exercise"]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("jobs", nargs="*", metavar="TRACK:EXERCISE")
    ap.add_argument("--labels", type=Path, action="append", default=[], help="a labels .json (with --tracks)")
    ap.add_argument("--tracks", type=Path, action="append", default=[], help="the folder of the labels' tracks")
    ap.add_argument("--max-gap", type=float, default=StrideConfig.max_gap_s)
    ap.add_argument("--prior", type=float, default=StrideConfig.prior_scale)
    ap.add_argument("--speed-share", type=float, default=StrideConfig.speed_share)
    ap.add_argument("--bounce-gap", type=float, default=StrideConfig.bounce_gap_s)
    ap.add_argument("--bounce-share", type=float, default=StrideConfig.bounce_share)
    ap.add_argument("--event-dense", type=float, default=StrideConfig.dense_after_event_s)
    args = ap.parse_args(argv)
    jobs = [(Path(j.rsplit(":", 1)[0]), j.rsplit(":", 1)[1]) for j in args.jobs]
    for labels, tracks in zip(args.labels, args.tracks):
        jobs += jobs_from_labels(labels, tracks)
    config = StrideConfig(max_gap_s=args.max_gap, prior_scale=args.prior, speed_share=args.speed_share,
                          bounce_gap_s=args.bounce_gap, bounce_share=args.bounce_share, dense_after_event_s=args.event_dense)
    total = analysed_total = bad = 0
    print("| track | exercise | reps (every / strided) | analysed | agree |")
    print("| --- | --- | --- | --- | --- |")
    for track, exercise in jobs:
        every, _, n = simulate(track, exercise, None)
        strided, analysed, _ = simulate(track, exercise, config)
        diff = differences(every, strided)
        bad += bool(diff)
        total += n
        analysed_total += analysed
        print(f"| {track.stem} | {exercise} | {verdicts(every)['reps']} / {verdicts(strided)['reps']} | "
              f"{analysed}/{n} ({100 * analysed / n:.0f}%) | {'yes' if not diff else 'NO: ' + '; '.join(diff)} |")
    print(f"\n{len(jobs) - bad}/{len(jobs)} agree; {analysed_total}/{total} frames analysed "
          f"({100 * analysed_total / max(total, 1):.1f}%, mean stride {total / max(analysed_total, 1):.2f})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""Tests of ``posecoach eval``: label manifests, the metrics on hand-made report/label pairs with
known answers, saved-track reuse, and the command end to end on the real clips (marked ``model``)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from posecoach.evaluation import run as evaluate_run
from posecoach.cli import main
from posecoach.evaluation.score import (
    ClipLabel, Interval, ManifestError, load_manifest, match_faults, match_holds, parse_clip, score_clip, summarize,
)
from posecoach.evaluation.report import markdown, to_json
from posecoach.track import TrackWriter
from posecoach.types import PoseFrame
from posecoach.formats.report import Report
from report_schema import example_report


def label(reps: int | None = 2, **kw: Any) -> ClipLabel:
    return ClipLabel(kw.pop("file", "clip.mp4"), Path("/nowhere/clip.mp4"), kw.pop("exercise", "bridge"), reps, **kw)


def report(reps: int = 2, *, holds: list[tuple[float, float, float]] = (), faults: list[tuple[str, float, float]] = (),
           frames: int = 100, with_pose: int = 100, by_side: dict[str, int] | None = None) -> dict[str, Any]:
    out = example_report(
        reps=reps, frames=frames, frames_with_pose=with_pose,
        holds=[{"start_s": a, "end_s": b, "duration_s": d, "side": None} for a, b, d in holds],
        faults=[{"id": i, "start_s": a, "end_s": b, "message": ""} for i, a, b in faults],
    )
    if by_side is not None:
        out["reps_by_side"] = by_side
    return out


# -- count metrics ----------------------------------------------------------------------------------
def test_count_metrics_have_known_values() -> None:
    scores = [
        score_clip(label(4), report(4)),  # exact
        score_clip(label(4), report(3)),  # off by one: rel 0.25
        score_clip(label(2), report(5)),  # off by three: rel 1.5
        score_clip(label(0), report(1)),  # true 0: relative error uses max(true, 1) -> 1.0
        score_clip(label(None), report(7)),  # uncountable: left out
    ]
    s = summarize(scores)
    assert s["countable"] == 4 and s["uncountable"] == 1
    assert s["exact"] == pytest.approx(1 / 4)
    assert s["obo"] == pytest.approx(3 / 4)
    assert s["mae_rel"] == pytest.approx((0 + 0.25 + 1.5 + 1.0) / 4)
    assert (s["reps_true"], s["reps_counted"]) == (10, 13)
    assert [sc.count_error for sc in scores] == [0, 1, 3, 1, None]


def test_pose_share_and_sides() -> None:
    a = score_clip(label(2, reps_per_side={"left": 1, "right": 1}), report(2, frames=100, with_pose=50,
                                                                          by_side={"left": 2, "right": 0}))
    b = score_clip(label(1), report(1, frames=300, with_pose=300))
    assert a.counted_by_side == {"left": 2, "right": 0}
    assert summarize([a, b])["pose_share"] == pytest.approx(350 / 400)


# -- holds ---------------------------------------------------------------------------------------------
def test_holds_are_matched_by_overlap_one_to_one() -> None:
    labelled = (Interval(2.5, 6.2, "right"), Interval(10.5, 15.2, "left"), Interval(30.0, 31.0))
    held = [(11.0, 15.5, 4.5), (3.0, 6.0, 3.0), (20.0, 21.0, 1.0)]
    s = score_clip(label(2, holds=labelled), report(2, holds=held))
    assert s.hold_errors_s == pytest.approx([0.7, 0.2])  # |3.0 - 3.7|, |4.5 - 4.7|, in label order
    assert (s.holds_missed, s.holds_extra) == (1, 1)
    summary = summarize([s])
    assert summary["hold_error_s"] == pytest.approx(0.45)
    assert (summary["holds_matched"], summary["holds_missed"], summary["holds_extra"]) == (2, 1, 1)


def test_one_report_cannot_match_two_labelled_holds() -> None:
    held = Report.model_validate(example_report(holds=[{"start_s": 0.0, "end_s": 10.0, "duration_s": 10.0}])).holds
    pairs = match_holds(held, [Interval(1, 3), Interval(4, 9)])
    assert pairs[0][1] is None and pairs[1][1] is not None  # the larger overlap wins


def test_clip_without_hold_labels_is_not_scored_for_holds() -> None:
    s = score_clip(label(1), report(1, holds=[(0.0, 5.0, 5.0)]))
    assert s.hold_errors_s == [] and s.holds_extra == 0 and not s.holds_scored
    assert summarize([s])["hold_error_s"] is None


def test_holds_are_not_scored_when_the_spec_times_none() -> None:
    labelled = (Interval(2.0, 3.0), Interval(7.0, 8.0))
    untimed = score_clip(label(2, holds=labelled), report(2), times_holds=False)
    timed = score_clip(label(2, holds=labelled), report(2))
    assert (untimed.holds_scored, untimed.holds_missed) == (False, 0)
    assert (timed.holds_scored, timed.holds_missed) == (True, 2)
    assert "not timed by spec" in markdown([untimed], summarize([untimed]))


# -- faults --------------------------------------------------------------------------------------------
def test_fault_precision_and_recall() -> None:
    labelled = (Interval(1.0, 3.0, "sag"), Interval(5.0, 6.0, "arch"))
    reported = [("sag", 2.0, 4.0), ("sag", 10.0, 11.0), ("arch", 1.0, 2.0), ("other", 5.0, 6.0)]
    assert match_faults(Report.model_validate(report(faults=reported)).faults, labelled) == (1, 3, 1)
    s = summarize([score_clip(label(2, faults=labelled), report(2, faults=reported))])
    assert s["fault_precision"] == pytest.approx(0.25)
    assert s["fault_recall"] == pytest.approx(0.5)


def test_fault_known_absent_counts_for_precision_only_and_unknown_for_nothing() -> None:
    known_none = score_clip(label(1, faults=()), report(1, faults=[("sag", 0.0, 1.0)]))
    unknown = score_clip(label(1), report(1, faults=[("sag", 0.0, 1.0), ("sag", 2.0, 3.0)]))
    found = score_clip(label(1, faults=(Interval(0.0, 1.0, "sag"),)), report(1, faults=[("sag", 0.5, 0.8)]))
    s = summarize([known_none, unknown, found])
    assert (s["fault_tp"], s["fault_fp"], s["fault_fn"]) == (1, 1, 0)
    assert s["fault_precision"] == pytest.approx(0.5)
    assert s["fault_recall"] == pytest.approx(1.0)
    assert unknown.faults_reported == ["sag", "sag"] and not unknown.faults_scored


# -- manifests -----------------------------------------------------------------------------------------
def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_manifest_file_folder_and_list(tmp_path: Path) -> None:
    write(tmp_path / "real" / "labels.json", {"clips": [{"file": "a/x.mp4", "exercise": "bridge", "reps": 1}]})
    write(tmp_path / "synth" / "bridge_1.labels.json", {"clips": [{
        "file": "bridge_1.mp4", "exercise": "bridge", "reps": 3, "holds": [{"start": 1, "end": 2}],
        "faults": [{"id": "over_arching", "start": 4, "end": 5}]}]})
    write(tmp_path / "synth" / "notes.json", {"not": "a manifest"})  # not picked from a folder
    listing = write(tmp_path / "all.json", ["real/labels.json", "synth"])
    clips = load_manifest(listing)
    assert [c.file for c in clips] == ["a/x.mp4", "bridge_1.mp4"]
    assert clips[0].path == (tmp_path / "real" / "a" / "x.mp4").resolve()
    assert clips[0].holds is None and clips[0].faults is None
    assert clips[1].holds == (Interval(1.0, 2.0),)
    assert clips[1].faults == (Interval(4.0, 5.0, "over_arching"),)
    assert [c.file for c in load_manifest([tmp_path / "synth", tmp_path / "real" / "labels.json"])] == ["bridge_1.mp4", "a/x.mp4"]


def test_real_manifest_parses(real_dir: Path) -> None:
    clips = load_manifest(real_dir / "labels.json")
    by_file = {c.file: c for c in clips}
    assert by_file["physioplus/bridging.mp4"].reps == 1
    assert by_file["polybag/podsazeni_panve.mp4"].reps is None
    assert by_file["polybag/bird_dog.mp4"].reps_per_side == {"left": 1, "right": 1}
    assert all(c.path.is_file() for c in clips)


@pytest.mark.parametrize(("clip", "message"), [
    ({"file": "x.mp4"}, "clips[0].exercise: required"),
    ({"file": "x.mp4", "exercise": "bridge", "reps": "two"}, "clips[0].reps: expected a whole number or null"),
    ({"file": "x.mp4", "exercise": "bridge", "faults": [{"start": 1, "end": 2}]}, "clips[0].faults[0].id: required"),
    ({"file": "x.mp4", "exercise": "bridge", "holds": [{"start": 3, "end": 2}]}, "end 2 is before start 3"),
])
def test_manifest_errors_name_the_place(tmp_path: Path, clip: dict, message: str) -> None:
    path = write(tmp_path / "labels.json", {"clips": [clip]})
    with pytest.raises(ManifestError, match=re.escape(message)):
        load_manifest(path)
    with pytest.raises(ManifestError):
        parse_clip([], "x", tmp_path)


def test_manifest_missing_or_not_json(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such manifest"):
        load_manifest(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ManifestError, match="not valid JSON"):
        load_manifest(tmp_path / "bad.json")
    assert main(["eval", str(tmp_path / "missing.json")]) == 3


# -- running: no spec, track reuse ---------------------------------------------------------------------
def fake_track(path: Path, *, model: str = "full", source: str = "clip.mp4", seconds: float = 2.0) -> None:
    lms = np.full((33, 4), 0.5)
    lms[:, 0] = np.linspace(0.2, 0.8, 33)
    with TrackWriter(path, {"fps": 30.0, "width": 640, "height": 480, "model": model, "source": source}) as tw:
        for i in range(int(seconds * 30)):
            tw.write(PoseFrame(i, round(i * 1000 / 30), 640, 480, lms))


def test_saved_track_is_reused_without_the_video(tmp_path: Path) -> None:
    write(tmp_path / "labels.json", {"clips": [
        {"file": "clip.mp4", "exercise": "bridge", "reps": 0},
        {"file": "other.mp4", "exercise": "no_such_exercise", "reps": 2},
    ]})
    tracks = tmp_path / "tracks"
    fake_track(tracks / "clip.jsonl")
    out = tmp_path / "out.json"
    assert main(["eval", str(tmp_path / "labels.json"), "--tracks", str(tracks), "--json", str(out), "-q"]) == 0
    doc = json.loads(out.read_text())
    clip, other = doc["clips"]
    assert (clip["status"], clip["source"], clip["reps_counted"], clip["frames"]) == ("ok", "track", 0, 60)
    assert other["status"] == "no spec"
    assert doc["summary"]["no_spec"] == ["no_such_exercise"]
    assert doc["summary"]["exact"] == 1.0


def test_track_from_another_model_is_not_reused(tmp_path: Path) -> None:
    lab = label(1)
    fake_track(tmp_path / "clip.jsonl", model="lite")
    assert "made with model 'lite'" in evaluate_run.usable_track(tmp_path / "clip.jsonl", lab, "full")
    assert evaluate_run.usable_track(tmp_path / "clip.jsonl", lab, "lite") is None
    fake_track(tmp_path / "clip.jsonl", source="elsewhere/another.mp4")
    assert "made from" in evaluate_run.usable_track(tmp_path / "clip.jsonl", lab, "full")
    # a real clip and a synthetic one of the same name must not share a track
    (tmp_path / "synth").mkdir()
    (tmp_path / "synth" / "clip.mp4").write_bytes(b"x")
    fake_track(tmp_path / "clip.jsonl", source=str(tmp_path / "synth" / "clip.mp4"))
    assert "made from" in evaluate_run.usable_track(tmp_path / "clip.jsonl", lab, "full")
    same = ClipLabel("clip.mp4", (tmp_path / "synth" / "clip.mp4").resolve(), "bridge", 1)
    assert evaluate_run.usable_track(tmp_path / "clip.jsonl", same, "full") is None
    # a video re-rendered after its track was made
    later = (tmp_path / "clip.jsonl").stat().st_mtime + 10
    os.utime(tmp_path / "synth" / "clip.mp4", (later, later))
    assert "older than the video" in evaluate_run.usable_track(tmp_path / "clip.jsonl", same, "full")
    # the stale track makes posecoach go back to the video, which is missing here: a clip error
    scores = evaluate_run.evaluate_clips([lab], tracks_dir=tmp_path, model="full")
    assert scores[0].status == "error" and "no such file" in scores[0].message


def test_clips_sharing_a_stem_are_refused_with_tracks(tmp_path: Path) -> None:
    clips = [label(1, file="a/clip.mp4"), label(1, file="b/clip.mp4")]
    with pytest.raises(ManifestError, match="share a file stem"):
        evaluate_run.evaluate_clips(clips, tracks_dir=tmp_path)


def test_tables_render(tmp_path: Path) -> None:
    scores = [score_clip(label(2, holds=(Interval(0, 3),)), report(3, holds=[(0.5, 3.0, 2.5)]), source="track")]
    text = markdown(scores, summarize(scores), "posecoach eval x")
    assert "| clip.mp4" in text and "+1" in text and "off-by-one accuracy | 100%" in text.replace("  ", "")
    doc = to_json(scores, summarize(scores))
    assert doc["clips"][0]["hold_errors_s"] == [0.5] and "mae_rel" in doc["definitions"]


# -- end to end with the real model --------------------------------------------------------------------
@pytest.mark.model
def test_eval_real_bridge_then_reuses_its_track(real_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tracks, out_json, out_md = tmp_path / "tracks", tmp_path / "eval.json", tmp_path / "eval.md"
    args = ["eval", str(real_dir / "labels.json"), "--only", "bridge", "--tracks", str(tracks), "-q"]
    assert main([*args, "--json", str(out_json), "--markdown", str(out_md)]) == 0
    clip = json.loads(out_json.read_text())["clips"][0]
    assert (clip["file"], clip["source"], clip["reps_true"], clip["reps_counted"]) == ("physioplus/bridging.mp4", "video", 1, 1)
    assert clip["frames_with_pose"] == clip["frames"] > 60
    assert "physioplus/bridging.mp4" in out_md.read_text()
    track = tracks / "bridging.jsonl"
    mtime = os.stat(track).st_mtime_ns

    def no_model(*_a: object, **_k: object) -> None:
        raise AssertionError("the saved track should have been used")

    monkeypatch.setattr("posecoach.app.analyze.analyze_video", no_model)
    assert main([*args, "--json", str(out_json)]) == 0
    again = json.loads(out_json.read_text())["clips"][0]
    assert (again["source"], again["reps_counted"], again["frames"]) == ("track", 1, clip["frames"])
    assert os.stat(track).st_mtime_ns == mtime


def test_short_labelled_holds_are_expected_short_hold_faults():
    from posecoach.evaluation.score import ClipLabel, Interval, expected_faults

    label = ClipLabel("c.mp4", Path("c.mp4"), "back_extension", 2,
                      holds=(Interval(1.0, 4.0), Interval(8.0, 14.0)), faults=())
    report = example_report(holds=[{"target_s": 5.0}], rep_details=[{}])
    assert [(f.start_s, f.tag) for f in expected_faults(label, report)] == [(1.0, "short_hold")]
    hold_exercise = example_report(holds=[{"target_s": 5.0}], rep_details=[])
    assert expected_faults(label, hold_exercise) == ()


def test_recall_counts_the_faults_the_labels_imply():
    from posecoach.evaluation.score import ClipLabel, Interval, score_clip, summarize

    label = ClipLabel("c.mp4", Path("c.mp4"), "back_extension", 1, holds=(Interval(1.0, 4.0),), faults=())
    report = example_report(reps=1, frames=10, frames_with_pose=10, holds=[{"start_s": 1.0, "end_s": 4.0,
                            "duration_s": 3.0, "target_s": 5.0}], rep_details=[{}],
                            faults=[{"id": "short_hold", "start_s": 1.0, "end_s": 4.0}])
    total = summarize([score_clip(label, report)])
    assert (total["fault_precision"], total["fault_recall"]) == (1.0, 1.0)

"""Tests of the synthetic performer.

Choreography loading, timing and labels run everywhere; rendering needs the ``synth`` extra and is
skipped without it. The committed sample clips are checked against their labels with OpenCV.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from posecoach.errors import SpecError
from posecoach.landmarks import COUNT
from posecoach.synth import choreo, timeline

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"

MINIMAL = {
    "schema_version": 1,
    "exercise": "demo",
    "poses": {"start": {"pitch": -90, "knee_flex": 90}, "top": {"base": "start", "hip_flex": 10}},
    "rep": {"count": 3, "lead_in": 1.0, "lead_out": 0.5,
            "steps": [{"to": "top", "seconds": 1.5}, {"hold": 2.0}, {"to": "start", "seconds": 1.5}, {"hold": 1.0}]},
    "faults": {
        "fast": {"kind": "speed", "factor": 2.0},
        "sag": {"kind": "offset", "offset": {"hip_flex": 20}},
        "bounce": {"kind": "bounce", "param": "spine_flex", "amplitude": 5, "frequency": 2.0},
    },
}


def _doc(**changes: object) -> dict:
    doc = json.loads(json.dumps(MINIMAL))
    doc.update(changes)
    return doc


# -- choreography loading ------------------------------------------------------------------------
def test_minimal_choreography_resolves_poses_and_sides() -> None:
    ch = choreo.parse(_doc(), "demo.toml")
    top = ch.poses["top"]
    assert top["pitch"] == -90 and top["left_knee_flex"] == 90 and top["right_hip_flex"] == 10
    assert set(top) == set(choreo.PARAMS)
    assert ch.count == 3 and not ch.sided


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema_version": 2}, "demo.toml: schema_version: expected 1 [got 2]"),
        ({"view": "top"}, "demo.toml: view: expected one of 'side', 'front', 'behind', 'feet', 'above' [got 'top']"),
        ({"colour": 1}, "demo.toml: colour: unknown key"),
        ({"poses": {"start": {"knee_bend": 3}}}, "demo.toml: poses.start.knee_bend: unknown joint angle"),
        ({"poses": {"start": {"base": "nope"}}}, "demo.toml: poses.start.base: unknown pose 'nope'"),
        ({"poses": {"start": {"base": "a"}, "a": {"base": "start"}}}, "circular base chain"),
        ({"start": "middle"}, "demo.toml: start: unknown pose 'middle' (known: start, top)"),
        ({"anchor": ["left_toe"]}, "demo.toml: anchor[0]: unknown landmark 'left_toe'"),
    ],
)
def test_invalid_choreography_names_file_and_key(change: dict, message: str) -> None:
    with pytest.raises(SpecError) as err:
        choreo.parse(_doc(**change), "demo.toml")
    assert message in str(err.value)


def test_invalid_step_and_fault_errors() -> None:
    doc = _doc()
    doc["rep"]["steps"][2] = {"to": "tpo", "seconds": 1}
    with pytest.raises(SpecError, match=r"rep\.steps\[2\]\.to: unknown pose 'tpo' \(known: start, top\)"):
        choreo.parse(doc, "demo.toml")
    doc = _doc()
    doc["rep"]["steps"][1] = {"hold": 1, "to": "top"}
    with pytest.raises(SpecError, match=r"rep\.steps\[1\]: a step is either"):
        choreo.parse(doc, "demo.toml")
    doc = _doc()
    doc["faults"]["x"] = {"kind": "wobble"}
    with pytest.raises(SpecError, match=r"faults\.x\.kind: expected one of 'offset', 'speed', 'hold', 'bounce'"):
        choreo.parse(doc, "demo.toml")


def test_load_reports_bad_toml_with_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("exercise = [", encoding="utf-8")
    with pytest.raises(SpecError, match="bad.toml: not valid TOML"):
        choreo.load(bad)
    with pytest.raises(SpecError, match="cannot read choreography"):
        choreo.load(tmp_path / "missing.toml")


def test_explicit_side_beats_unsided_value() -> None:
    doc = _doc(poses={"start": {"left_knee_flex": 30, "knee_flex": 90}, "top": {"base": "start"}})
    pose = choreo.parse(doc, "demo.toml").poses["start"]
    assert pose["left_knee_flex"] == 30 and pose["right_knee_flex"] == 90


def test_mirror_swaps_sides_and_negates_lateral_angles() -> None:
    m = choreo.mirror_pose({"left_hip_flex": 90.0, "right_hip_flex": 0.0, "pelvis_roll": 30.0, "pitch": -90.0})
    assert m == {"right_hip_flex": 90.0, "left_hip_flex": 0.0, "pelvis_roll": -30.0, "pitch": -90.0}


def test_every_builtin_choreography_is_valid_and_builds() -> None:
    paths = sorted(choreo.builtin_dir().glob("*.toml"))
    assert paths, "no built-in choreographies"
    for path in paths:
        ch = choreo.load(path)
        assert ch.exercise == path.stem
        tl = timeline.build(ch)
        assert tl.reps == ch.count and len(tl.rep_intervals) == ch.count
        for fid in ch.faults:
            assert timeline.build(ch, fault=fid).faults, f"{path.name}: fault {fid} leaves no label"


# -- timing and labels ---------------------------------------------------------------------------
def test_timeline_labels_follow_the_steps() -> None:
    tl = timeline.build(choreo.parse(_doc(), "demo.toml"))
    assert tl.rep_intervals == [[1.0, 6.0], [7.0, 12.0], [13.0, 18.0]]
    assert [(h["start"], h["end"]) for h in tl.holds] == [(2.5, 4.5), (8.5, 10.5), (14.5, 16.5)]
    assert tl.duration == pytest.approx(19.5)
    assert tl.frame_count(30) == 586
    labels = tl.labels()
    assert labels["reps"] == 3 and labels["faults"] == [] and "reps_per_side" not in labels


def test_pose_interpolation_eases_between_keys() -> None:
    tl = timeline.build(choreo.parse(_doc(), "demo.toml"))
    assert tl.pose_at(0.5)["left_hip_flex"] == 0.0
    assert tl.pose_at(1.75)["left_hip_flex"] == pytest.approx(5.0)  # half-way, cosine easing
    assert tl.pose_at(3.0)["left_hip_flex"] == pytest.approx(10.0)
    assert tl.pose_at(1.2)["left_hip_flex"] < 10.0 * 0.2 / 1.5  # slow start


def test_speed_scales_every_time() -> None:
    tl = timeline.build(choreo.parse(_doc(), "demo.toml"), speed=2.0)
    assert tl.rep_intervals[0] == [0.5, 3.0]
    assert tl.duration == pytest.approx(9.75)


def test_speed_fault_shortens_only_its_rep() -> None:
    tl = timeline.build(choreo.parse(_doc(), "demo.toml"), fault="fast")
    assert tl.rep_intervals[1] == [7.0, 9.5]
    assert tl.faults == [{"id": "fast", "start": 7.0, "end": 9.5, "severity": "clear"}]
    assert tl.rep_intervals[2][0] == pytest.approx(10.0)


def test_offset_fault_window_is_where_the_offset_is_at_least_half() -> None:
    tl = timeline.build(choreo.parse(_doc(), "demo.toml"), fault="sag", fault_reps=(1, 3))
    assert [(f["start"], f["end"]) for f in tl.faults] == [(1.75, 5.25), (13.75, 17.25)]
    assert tl.pose_at(3.0)["left_hip_flex"] == pytest.approx(30.0)
    assert tl.pose_at(9.0)["left_hip_flex"] == pytest.approx(10.0)
    for f in tl.faults:
        assert tl.pose_at(f["start"])["left_hip_flex"] == pytest.approx(15.0)


def test_bounce_fault_oscillates_during_the_hold_only() -> None:
    tl = timeline.build(choreo.parse(_doc(), "demo.toml"), fault="bounce")
    assert tl.faults == [{"id": "bounce", "start": 8.5, "end": 10.5, "severity": "clear"}]
    values = [tl.pose_at(8.5 + k * 0.05)["left_hip_flex"] for k in range(40)]
    assert values == [10.0] * 40  # the bounce moves the spine, not the hips
    spine = [tl.pose_at(8.5 + k * 0.05)["spine_flex"] for k in range(40)]
    assert max(spine) > 3.0 and min(spine) < -3.0
    assert tl.pose_at(3.0)["spine_flex"] == 0.0


def test_hold_fault_shortens_only_the_holds_of_its_rep() -> None:
    doc = _doc()
    doc["faults"]["short_hold"] = {"kind": "hold", "factor": 0.25}
    tl = timeline.build(choreo.parse(doc, "demo.toml"), fault="short_hold")
    assert [(h["start"], h["end"]) for h in tl.holds] == [(2.5, 4.5), (8.5, 9.0), (13.0, 15.0)]
    assert tl.rep_intervals[1] == [7.0, 10.5]  # the moves keep their time, the rest hold too
    assert tl.faults == [{"id": "short_hold", "start": 8.5, "end": 10.5, "severity": "clear"}]
    doc["faults"]["short_hold"]["factor"] = 1.5
    with pytest.raises(SpecError, match=r"faults\.short_hold\.factor: expected a number in \[0.05, 0.95\]"):
        choreo.parse(doc, "demo.toml")


def test_unjudged_fault_is_shown_but_not_expected_in_the_report() -> None:
    doc = _doc()
    doc["faults"]["sag"]["judged"] = False
    labels = timeline.build(choreo.parse(doc, "demo.toml"), fault="sag").labels()
    assert labels["faults"] == []
    assert [f["id"] for f in labels["unjudged_faults"]] == ["sag"]
    assert "unjudged_faults" not in timeline.build(choreo.parse(doc, "demo.toml"), fault="fast").labels()


def test_not_rendered_needs_reasons_and_no_clash() -> None:
    ch = choreo.parse(_doc(not_rendered={"short_hold": "no hold to shorten in this demo"}), "demo.toml")
    assert ch.not_rendered == {"short_hold": "no hold to shorten in this demo"}
    with pytest.raises(SpecError, match=r"not_rendered\.sag: this fault is also defined under \[faults\]"):
        choreo.parse(_doc(not_rendered={"sag": "x"}), "demo.toml")
    with pytest.raises(SpecError, match=r"not_rendered\.x: expected a string"):
        choreo.parse(_doc(not_rendered={"x": 3}), "demo.toml")


def test_unknown_fault_and_bad_rep_are_rejected() -> None:
    ch = choreo.parse(_doc(), "demo.toml")
    with pytest.raises(ValueError, match="unknown fault 'lazy'.*known: fast, sag, bounce"):
        timeline.build(ch, fault="lazy")
    with pytest.raises(ValueError, match="outside 1..3"):
        timeline.build(ch, fault="sag", fault_reps=(4,))


def test_sided_reps_alternate_and_mirror() -> None:
    doc = _doc()
    doc["poses"]["top"] = {"base": "start", "left_hip_flex": 100}
    doc["rep"]["sides"] = ["left", "right"]
    doc["rep"]["count"] = 2
    tl = timeline.build(choreo.parse(doc, "demo.toml"))
    assert tl.reps_per_side == {"left": 1, "right": 1}
    assert [h["side"] for h in tl.holds] == ["left", "right"]
    assert tl.pose_at(3.0)["left_hip_flex"] == 100 and tl.pose_at(3.0)["right_hip_flex"] == 0
    assert tl.pose_at(9.0)["right_hip_flex"] == 100 and tl.pose_at(9.0)["left_hip_flex"] == 0
    assert tl.labels()["reps_per_side"] == {"left": 1, "right": 1}


def test_progress_deepens_each_rep_and_phases_merge() -> None:
    doc = _doc()
    doc["rep"]["progress"] = {"hip_flex": 5}
    doc["rep"]["record_holds"] = False
    doc["rep"]["steps"] = [{"to": "top", "seconds": 1.0, "phase": "up"}, {"hold": 1.0, "phase": "up"},
                           {"to": "start", "seconds": 1.0}]
    tl = timeline.build(choreo.parse(doc, "demo.toml"))
    assert [tl.pose_at(t)["left_hip_flex"] for t in (2.5, 5.5, 8.5)] == [10.0, 15.0, 20.0]
    assert tl.phases == {"up": [[1.0, 3.0], [4.0, 6.0], [7.0, 9.0]]}
    assert tl.holds == []
    bounced = timeline.build(choreo.parse(doc, "demo.toml"), fault="bounce")
    assert bounced.faults == [{"id": "bounce", "start": 5.0, "end": 6.0, "severity": "clear"}]


def test_pose_contacts_inherit_and_mirror() -> None:
    doc = _doc(contacts=["left_heel", "right_heel"])
    doc["poses"]["top"]["contacts"] = ["left_shoulder", "left_heel"]
    doc["poses"]["high"] = {"base": "top"}
    doc["rep"]["sides"] = ["left", "right"]
    ch = choreo.parse(doc, "demo.toml")
    assert ch.pose_contacts == {"start": ("left_heel", "right_heel"), "top": ("left_shoulder", "left_heel"),
                                "high": ("left_shoulder", "left_heel")}
    tl = timeline.build(ch)
    a, b, _ = tl.segment_at(8.0)  # second rep (right side), holding "top"
    assert b.contacts == ("right_shoulder", "right_heel")


def test_jitter_is_reproducible() -> None:
    ch = choreo.parse(_doc(), "demo.toml")
    a = timeline.build(ch, jitter=0.2, seed=5)
    b = timeline.build(ch, jitter=0.2, seed=5)
    c = timeline.build(ch, jitter=0.2, seed=6)
    assert a.rep_intervals == b.rep_intervals != c.rep_intervals


def test_cli_check_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from posecoach.synth.cli import main

    assert main(["check"]) == 0
    assert "ok: " in capsys.readouterr().out
    assert main(["list"]) == 0
    assert "knee_rolls" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\nexercise = "x"\n', encoding="utf-8")
    assert main(["check", str(bad)]) == 4
    assert "bad.toml: poses: expected a table" in capsys.readouterr().out


def test_synth_does_not_import_heavy_modules_for_choreographies() -> None:
    import subprocess
    import sys

    code = ("import sys, posecoach.synth.choreo, posecoach.synth.timeline, posecoach.synth.cli; "
            "print(sorted(m for m in ('torch', 'anny', 'pyrender', 'cv2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_measure_compare_counts_detections_and_errors() -> None:
    from posecoach.synth.measure import angle2d, compare
    from posecoach.types import PoseFrame

    rng = np.random.default_rng(0)
    lm = np.concatenate([rng.uniform(0.2, 0.8, (COUNT, 2)), np.zeros((COUNT, 1)), np.ones((COUNT, 1))], axis=1)
    truth = [PoseFrame(i, 33 * i, 640, 360, lm) for i in range(4)]
    shifted = lm.copy()
    shifted[:, 0] += 0.01
    result = compare(truth, [lm, None, shifted, lm])
    assert result["frames"] == 4 and result["detected"] == 3 and result["detection_rate"] == 0.75
    assert result["knee_near_mae_deg"] == 0.0 and result["keypoint_err_body"] == 0.0
    assert angle2d(np.array([1.0, 0.0]), np.zeros(2), np.array([0.0, 1.0])) == pytest.approx(90.0)


# -- committed sample clips ----------------------------------------------------------------------
def _sample_labels() -> list[Path]:
    return sorted(SAMPLES.glob("*.labels.json"))


@pytest.mark.parametrize("labels_path", _sample_labels(), ids=lambda p: p.name)
def test_sample_clip_matches_its_labels(labels_path: Path) -> None:
    cv2 = pytest.importorskip("cv2")
    clip = json.loads(labels_path.read_text(encoding="utf-8"))["clips"][0]
    video = labels_path.parent / clip["file"]
    cap = cv2.VideoCapture(str(video))
    assert cap.isOpened(), video
    fps = cap.get(cv2.CAP_PROP_FPS)
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    frames = 0
    while cap.grab():
        frames += 1
    cap.release()
    assert frames == clip["frames"]
    assert fps == pytest.approx(clip["fps"], abs=0.01)
    assert size == (clip["width"], clip["height"])
    assert clip["reps"] == len(clip["rep_intervals"])
    duration = frames / fps
    for a, b in clip["rep_intervals"]:
        assert 0 <= a < b <= duration + 1e-6
    assert clip["width"] <= 640


# -- rendering (needs the synth extra) -----------------------------------------------------------
def test_render_writes_video_labels_and_exact_truth(tmp_path: Path) -> None:
    pytest.importorskip("anny")
    pytest.importorskip("pyrender")
    from posecoach.synth.render import Options, render_clip
    from posecoach.synth.video import probe
    from posecoach.track import read_frames

    entry = render_clip(choreo.find("bridge"), tmp_path, "b", Options(width=160, height=96, speed=6.0))
    n, fps, w, h = probe(tmp_path / "b.mp4")
    assert (n, w, h) == (entry["frames"], 160, 96) and fps == pytest.approx(30.0)
    frames = list(read_frames(tmp_path / "b.truth.jsonl"))
    assert len(frames) == n
    lm = frames[0].landmarks
    assert lm is not None and lm.shape == (COUNT, 4) and frames[0].world is not None
    assert np.all((lm[:, :2] > 0) & (lm[:, :2] < 1))  # the whole body is in the picture
    labels = json.loads((tmp_path / "b.labels.json").read_text(encoding="utf-8"))["clips"][0]
    assert labels["reps"] == 3 and labels["synthetic"]["speed"] == 6.0
    assert "hard" not in labels
    # a render without --hard stays what it was before --hard existed: the labels byte for byte, the
    # truth to within one unit of the track's rounding (the last digit may differ between CPUs)
    assert hashlib.sha256((tmp_path / "b.labels.json").read_bytes()).hexdigest() == DEFAULT_LABELS_SHA256
    ref_path = tmp_path / "ref.truth.jsonl"
    ref_path.write_bytes(gzip.decompress(DEFAULT_TRUTH.read_bytes()))
    ref = list(read_frames(ref_path))
    assert [f.timestamp_ms for f in frames] == [f.timestamp_ms for f in ref]
    for got, want in zip(frames, ref, strict=True):
        assert got.landmarks is not None and want.landmarks is not None
        np.testing.assert_allclose(got.landmarks, want.landmarks, rtol=0, atol=2e-5)
        assert got.world is not None and want.world is not None
        np.testing.assert_allclose(got.world, want.world, rtol=0, atol=2e-5)


#: The render above (bridge, 160x96, --speed 6): its labels' digest from before ``--hard`` existed, and
#: its exact landmarks, written by the same code.
DEFAULT_LABELS_SHA256 = "d31291340e5bbe4ac18493bccefe892772048510db105f507daf00de37a2706c"
DEFAULT_TRUTH = Path(__file__).parent / "data" / "synth" / "bridge_160x96_speed6.truth.jsonl.gz"


def test_severity_grades_every_fault_kind() -> None:
    doc = _doc()
    doc["faults"]["short_hold"] = {"kind": "hold", "factor": 0.25}
    ch = choreo.parse(doc, "demo.toml")
    mild = timeline.build(ch, fault="sag", severity="mild")
    assert mild.pose_at(9.0)["left_hip_flex"] == pytest.approx(10.0 + 0.4 * 20)
    assert mild.faults[0]["severity"] == "mild"
    fast = timeline.build(ch, fault="fast", severity="moderate")
    assert fast.rep_intervals[1][1] - fast.rep_intervals[1][0] == pytest.approx(5.0 / 1.7)
    held = timeline.build(ch, fault="short_hold", severity="mild")
    assert held.holds[1]["end"] - held.holds[1]["start"] == pytest.approx(2.0 * (1 - 0.4 * 0.75))
    bounce = timeline.build(ch, fault="bounce", severity="mild")
    assert max(bounce.pose_at(8.5 + k * 0.05)["spine_flex"] for k in range(40)) <= 0.4 * 5 + 1e-9
    with pytest.raises(ValueError, match="unknown severity 'huge'"):
        timeline.build(ch, fault="sag", severity="huge")

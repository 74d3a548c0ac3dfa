"""The command line as a user meets it: exit codes, one-line errors, reports and CSVs."""

from __future__ import annotations

import csv
import json
import re
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from posecoach.landmarks import COUNT, INDEX
from posecoach.track import TrackWriter
from posecoach.types import PoseFrame

W, H = 640, 480


def posecoach(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posecoach", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def assert_one_line_error(r: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
    assert r.returncode == code, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("posecoach: error: ")
    assert "Traceback" not in r.stderr
    for frag in fragments:
        assert frag in lines[0]


def bridge_track(path: Path, reps: int = 3, fps: float = 30.0) -> Path:
    """A side-view bridge as landmarks: shoulders, knees and ankles still, hips rising and falling."""
    sh, kn, an = np.array([200.0, 400.0]), np.array([420.0, 300.0]), np.array([520.0, 400.0])
    down, up = np.array([330.0, 400.0]), np.array([330.0, 345.0])
    n = int((1.5 + reps * 4.0) * fps)
    with TrackWriter(path, {"fps": fps, "width": W, "height": H, "source": "synthetic bridge"}) as tw:
        for i in range(n):
            t = i / fps
            k = 0.0 if t < 1.5 else (t - 1.5) % 4.0
            lift = 0.0 if k < 0.5 else min(1.0, (k - 0.5) / 1.0) if k < 2.5 else max(0.0, 1 - (k - 2.5) / 1.0)
            if t >= 1.5 + reps * 4.0 - 0.01:
                lift = 0.0
            hip = down + (up - down) * lift
            lm = np.zeros((COUNT, 4))
            lm[:, 3] = 0.99
            for side, dy in (("left", 0.0), ("right", 2.0)):
                for name, p in (("shoulder", sh), ("hip", hip), ("knee", kn), ("ankle", an), ("ear", sh - (40, 10)),
                                ("elbow", sh + (60, 0)), ("wrist", sh + (120, 0)), ("heel", an + (5, 0)),
                                ("foot_index", an + (30, 0))):
                    lm[INDEX[f"{side}_{name}"], :2] = ((p[0]) / W, (p[1] + dy) / H)
            lm[INDEX["nose"], :2] = ((sh[0] - 60) / W, (sh[1] - 20) / H)
            tw.write(PoseFrame(i, round(i * 1000 / fps), W, H, np.round(lm, 5)))
    return path


def test_analyze_track_writes_report_and_csvs(tmp_path):
    track = bridge_track(tmp_path / "bridge.jsonl", reps=3)
    out = tmp_path / "out" / "r.json"
    r = posecoach("analyze", str(track), "--exercise", "bridge", "--report", str(out))
    assert r.returncode == 0, r.stderr
    assert "reps: 3 of 10" in r.stdout
    rep = json.loads(out.read_text())
    assert rep["schema"] == "posecoach.report" and rep["schema_version"] == 1
    assert rep["exercise"] == "bridge" and rep["reps"] == 3 and rep["status"] == "complete"
    assert rep["frames"] == rep["frames_with_pose"] > 0
    assert len(rep["rep_details"]) == 3
    for d in rep["rep_details"]:
        assert d["end_s"] > d["start_s"] and d["duration_s"] == pytest.approx(d["end_s"] - d["start_s"], abs=0.02)
        assert d["range_of_motion"] > 30 and d["faults"] == []
    assert isinstance(rep["holds"], list) and isinstance(rep["faults"], list)
    with (tmp_path / "out" / "r.reps.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["number"]) for r in rows] == [1, 2, 3]
    # What a number is, said where people read it: the bridge is driven by the hip angle, in degrees.
    assert {r["metric_unit"] for r in rows} == {"deg"} and all(d["metric_unit"] == "deg" for d in rep["rep_details"])
    assert re.search(r"rep 1: .* range \d+\.\d°", r.stdout), r.stdout
    assert (tmp_path / "out" / "r.faults.csv").read_text().startswith("id,start_s,end_s,severity,message")


def test_default_report_path_is_in_the_current_folder(tmp_path):
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    r = posecoach("analyze", str(track), "-e", "bridge", "-q", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == ""
    assert json.loads((tmp_path / "b.report.json").read_text())["reps"] == 1


def test_missing_video(tmp_path):
    assert_one_line_error(posecoach("analyze", str(tmp_path / "nope.mp4"), "-e", "bridge"), 3, "nope.mp4: no such file")


def test_empty_file(tmp_path):
    (tmp_path / "e.mp4").write_bytes(b"")
    assert_one_line_error(posecoach("analyze", str(tmp_path / "e.mp4"), "-e", "bridge"), 3, "the file is empty")


def test_not_a_video(tmp_path):
    (tmp_path / "x.mp4").write_text("this is text, not a video\n" * 50)
    assert_one_line_error(posecoach("analyze", str(tmp_path / "x.mp4"), "-e", "bridge"), 3, "x.mp4: not a video")


def test_folder_instead_of_video(tmp_path):
    assert_one_line_error(posecoach("analyze", str(tmp_path), "-e", "bridge"), 3, "is a folder")


def test_unknown_exercise_lists_valid_ones(tmp_path):
    r = posecoach("analyze", str(tmp_path / "v.mp4"), "-e", "bridg")
    assert_one_line_error(r, 4, "unknown exercise 'bridg'; valid ones:", "bridge", "cat_cow")


def test_broken_spec_file(tmp_path):
    spec = tmp_path / "bridge.toml"
    spec.write_text((Path(__file__).parent.parent / "exercise_specs" / "bridge.toml").read_text().replace('op = ">"', 'op = "=>"', 1))
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    assert_one_line_error(posecoach("analyze", str(track), "-e", str(spec)), 4, "bridge.toml: faults[0].when[0].op")
    r = posecoach("specs", "check", str(spec))
    assert r.returncode == 4 and "FAIL" in r.stdout and "0 valid, 1 invalid" in r.stdout


def test_specs_check_all_shipped():
    r = posecoach("specs", "check")
    assert r.returncode == 0, r.stdout
    assert " 0 invalid" in r.stdout


def test_missing_model_file(tmp_path):
    video = tmp_path / "v.mp4"
    write_video(video, frames=5)
    assert_one_line_error(posecoach("analyze", str(video), "-e", "bridge", "--model", str(tmp_path / "no.task")), 5,
                          "no.task")


def test_bad_arguments_exit_2():
    r = posecoach("analyze")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def write_video(path: Path, frames: int = 30, fps: float = 30.0, person: bool = False) -> Path:
    import cv2

    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (320, 240))
    rng = np.random.default_rng(0)
    for i in range(frames):
        img = np.full((240, 320, 3), 90, np.uint8)
        img[100:140, :] = rng.integers(0, 255, (40, 320, 3), dtype=np.uint8)  # a textured floor, nobody on it
        vw.write(img)
    vw.release()
    return path


@pytest.mark.model
def test_video_with_nobody_in_it(tmp_path):
    video = write_video(tmp_path / "empty_room.mp4", frames=20)
    r = posecoach("analyze", str(video), "-e", "bridge", "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 6, "nobody was found in any of the 20 frames")
    rep = json.loads((tmp_path / "r.json").read_text())  # the report is still written, and says so
    assert rep["frames"] == 20 and rep["frames_with_pose"] == 0 and rep["reps"] == 0


def test_no_nan_or_infinity_in_reports(tmp_path):
    track = bridge_track(tmp_path / "b.jsonl", reps=2)
    posecoach("analyze", str(track), "-e", "bridge", "--report", str(tmp_path / "r.json"), "-q")
    text = (tmp_path / "r.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)
    assert not math.isnan(json.loads(text)["duration_s"])

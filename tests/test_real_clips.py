"""End to end on real footage (../shared/real): the real model, the shipped specs, the labelled counts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

CLIPS = {  # clip -> (exercise, what the labels say)
    "physioplus/bridging.mp4": ("bridge", {"reps": 1}),
    "polybag/kocici_hrbet.mp4": ("cat_cow", {"reps": 2}),
    "polybag/bird_dog.mp4": ("bird_dog", {"reps": 2, "reps_by_side": {"left": 1, "right": 1}}),
    "polybag/pozice_ditete.mp4": ("childs_pose", {"reps": 1, "hold_s": [10.2]}),
    "polybag/kocka_krava_na_zidli.mp4": ("seated_cat_cow", {"reps": 2}),
    "polybag/rotace_hrudniku_s_pokladanim_paze.mp4": ("thread_the_needle", {"reps": 1}),
    # one held bend to each side; which side is "left" depends on whether the phone mirrored the
    # picture, so the test asks for one of each, not for the label's naming
    "polybag/bocni_uklon_na_zidli.mp4": ("seated_side_bend", {"reps": 2, "reps_by_side": {"left": 1, "right": 1},
                                                             "hold_s": [3.7, 4.7]}),
}


def analyse(real_dir: Path, out: Path, clip: str, exercise: str) -> tuple[dict, Path]:
    stem = Path(clip).stem
    report, track = out / f"{stem}.json", out / f"{stem}.jsonl"
    if not report.exists():
        r = subprocess.run([sys.executable, "-m", "posecoach", "analyze", str(real_dir / clip), "-e", exercise,
                            "--report", str(report), "--save-track", str(track), "-q"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
    return json.loads(report.read_text()), track


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("real")


@pytest.mark.parametrize("clip", list(CLIPS))
def test_labelled_counts(real_dir, out_dir, clip):
    exercise, want = CLIPS[clip]
    labels = {c["file"]: c for c in json.loads((real_dir / "labels.json").read_text())["clips"]}
    assert labels[clip]["exercise"] == exercise and labels[clip]["reps"] == want["reps"]
    rep, _ = analyse(real_dir, out_dir, clip, exercise)
    assert rep["frames_with_pose"] == rep["frames"] > 0
    assert rep["reps"] == want["reps"]
    if "reps_by_side" in want:
        assert rep["reps_by_side"] == want["reps_by_side"]
    if "hold_s" in want:
        assert [h["duration_s"] for h in rep["holds"]] == pytest.approx(want["hold_s"], abs=1.5)


def test_rep_times_match_the_labelled_intervals(real_dir, out_dir):
    rep, _ = analyse(real_dir, out_dir, "polybag/bird_dog.mp4", "bird_dog")
    labelled = [[1.3, 5.3], [8.3, 12.6]]
    for got, (start, end) in zip(rep["rep_details"], labelled):
        assert got["start_s"] == pytest.approx(start, abs=0.8)
        assert got["end_s"] == pytest.approx(end, abs=0.8)


def test_saved_track_gives_the_same_report_without_the_model(real_dir, out_dir, tmp_path):
    rep, track = analyse(real_dir, out_dir, "physioplus/bridging.mp4", "bridge")
    again = tmp_path / "again.json"
    env = {**os.environ, "POSECOACH_MODEL_DIR": str(tmp_path / "no_models_here")}
    r = subprocess.run([sys.executable, "-m", "posecoach", "analyze", str(track), "-e", "bridge", "--report",
                        str(again), "-q"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    second = json.loads(again.read_text())
    ignore = {"source", "session"}  # the session block: who and when, not what was measured
    assert {k: v for k, v in second.items() if k not in ignore} == {k: v for k, v in rep.items() if k not in ignore}


def test_ctrl_c_leaves_a_valid_partial_report(real_dir, tmp_path):
    report, track = tmp_path / "r.json", tmp_path / "t.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "posecoach", "analyze", str(real_dir / "polybag/bird_dog.mp4"),
                             "-e", "bird_dog", "--report", str(report), "--save-track", str(track), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until frames are being analysed
        if track.exists() and len(track.read_text().splitlines()) > 30:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    rep = json.loads(report.read_text())
    assert rep["status"] == "partial" and rep["stop"]["reason"] == "interrupted"
    assert 30 <= rep["frames"] < 427


def test_a_bird_dog_leg_held_at_two_heights_is_no_short_hold(real_dir, out_dir):
    # the second rep's leg is held about 15 degrees low for 1.2 s, then lifted and held 1.9 s
    # (labels.json's note): held in all, though only 1.9 s near its highest
    rep, _ = analyse(real_dir, out_dir, "polybag/bird_dog.mp4", "bird_dog")
    assert "short_hold" not in [f["id"] for f in rep["faults"]]
    (second,) = [r for r in rep["rep_details"] if r["number"] == 2]
    from posecoach.spec.loader import find_spec

    rule = find_spec("bird_dog").rep
    assert rule is not None
    # the rep's hold is its stay still in position from the first height (2.47 s with the full
    # model on the machine this was written on), past the short-hold rule's 80% of the dose; a
    # MediaPipe run that reads it a few frames shorter may list a possible short hold within the
    # timing uncertainty, never a fault
    possible = [p for p in rep["possible_faults"] if p["id"] == "short_hold"]
    assert all("timing uncertainty" in p["reason"] for p in possible) and len(possible) <= 1, possible
    assert possible or second["peak_hold_s"] >= round(0.8 * rule.hold_s, 2)
    assert second["peak_hold_s"] > 2.0, second  # more than the 1.9 s near the top alone
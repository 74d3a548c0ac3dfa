"""End-to-end tests of what a person sees and keeps: ``posecoach replay`` (annotated video with a
timeline), sessions recorded with ``posecoach live --record``, and the real live window under a
virtual display (Xvfb), with screenshots kept under tests/artifacts (POSECOACH_SAVE_ARTIFACTS=1).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecoach import cli
from posecoach.errors import ExitCode
from posecoach.render.timeline import REP_COLOR, Timeline
from posecoach.render.video import count_frames

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT.parent / "shared" / "real" / "physioplus" / "bridging.mp4"
# Screenshots kept in the repository show the project's own rendered samples, never real footage.
SAMPLE_BRIDGE = ROOT / "sample_videos" / "bridge.mp4"
BIRD_DOG = ROOT / "sample_videos" / "bird_dog.mp4"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def frames_of(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, img = cap.read()
        if not ok:
            return out
        out.append(img)


def same_set(a: dict, b: dict) -> None:
    # "session": who and when, written when the session is stored; not part of what was measured
    diff = sorted(k for k in set(a) | set(b) if k not in ("source", "session") and a.get(k) != b.get(k))
    assert not diff, {k: (a.get(k), b.get(k)) for k in diff}


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """``analyze`` of the real bridge clip, with its landmark track saved."""
    folder = tmp_path_factory.mktemp("analyze")
    track = folder / "bridge.jsonl"
    assert cli.main(["analyze", str(VIDEO), "-e", "bridge", "--report", str(folder / "a.json"),
                     "--save-track", str(track), "-q"]) == 0
    return json.loads((folder / "a.json").read_text()), track


@pytest.mark.model
def test_replay_from_a_track_keeps_frames_and_rate_and_marks_the_rep(analyzed, tmp_path: Path) -> None:
    report, track = analyzed
    out = tmp_path / "annotated.mp4"
    assert cli.main(["replay", str(VIDEO), "-e", "bridge", "--track", str(track), "-o", str(out),
                     "--report", str(tmp_path / "r.json"), "-q"]) == 0
    same_set(report, json.loads((tmp_path / "r.json").read_text()))
    assert count_frames(out) == (91, 30.0)
    frames = frames_of(out)
    assert frames[0].shape[1] == 640 and frames[0].shape[0] > 480  # the strip is under the picture
    # the strip: where the rep was, its colour; before it, none; the cursor follows the frame time
    rep = report["rep_details"][0]
    tl = Timeline(report, 91 / 30.0, 640)
    y0, y1 = tl.row_y("reps")
    y = 480 + (y0 + y1) // 2
    strip_row = frames[10][y].astype(int)

    def near(x: int, color: tuple[int, int, int]) -> bool:
        return int(np.abs(strip_row[x] - np.array(color)).max()) <= 45

    assert near(tl.x_of((rep["start_s"] + rep["end_s"]) / 2), REP_COLOR)
    assert not near(tl.x_of(rep["start_s"] / 2), REP_COLOR)
    hold_row = 480 + sum(tl.row_y("holds")) // 2
    for i in (10, 60):
        row = frames[i][hold_row].astype(int)
        bright = np.flatnonzero(row.min(axis=1) > 180)
        assert bright.size and abs(int(np.median(bright)) - tl.x_of(i / 30.0)) <= 2, i
    # the overlay is there too: skeleton-coloured pixels in the picture
    picture = frames[45][:480].astype(int)
    assert int((np.abs(picture - np.array((255, 255, 0))).max(axis=2) <= 40).sum()) > 200


@pytest.mark.model
def test_recorded_live_session_replays_to_the_same_report(tmp_path: Path) -> None:
    rec = tmp_path / "session"
    assert cli.main(["live", "-e", "bridge", "--source", str(VIDEO), "--headless", "--mute",
                     "--record", str(rec), "-q"]) == 0
    live = json.loads((rec / "report.json").read_text())
    assert live["status"] == "complete" and live["reps"] == 1
    session = json.loads((rec / "session.json").read_text())
    assert session["exercise"] == "bridge" and session["video"] == "video.ts"
    # the raw video keeps real time: one frame per frame of the source up to the last one
    # processed (paced playback may drop the very last), dropped ones filled in
    n_video, fps = count_frames(rec / "video.ts")
    lines = [json.loads(x) for x in (rec / "track.jsonl").read_text().splitlines()[1:]]
    assert len(lines) == live["frames"]
    assert n_video == lines[-1]["i"] + 1 and 85 <= n_video <= 91 and fps == pytest.approx(30.0)
    # each track line sits on the video frame with its own time
    assert all(abs(x["t_ms"] - x["i"] * 1000 / 30) <= 1 for x in lines)
    out = tmp_path / "replayed.mp4"
    assert cli.main(["replay", str(rec), "-o", str(out), "--report", str(tmp_path / "r.json"), "-q"]) == 0
    same_set(live, json.loads((tmp_path / "r.json").read_text()))
    assert count_frames(out)[0] == n_video


@pytest.mark.model
def test_replay_of_a_video_runs_the_model(analyzed, tmp_path: Path) -> None:
    report, _ = analyzed
    out = tmp_path / "annotated.mp4"
    assert cli.main(["replay", str(VIDEO), "-e", "bridge", "-o", str(out), "--report", str(tmp_path / "r.json"),
                     "-q"]) == 0
    same_set(report, json.loads((tmp_path / "r.json").read_text()))
    assert count_frames(out) == (91, 30.0)


def test_replay_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cases = [
        (["replay", str(tmp_path), "-o", str(tmp_path / "o.mp4")], "not a recorded session"),
        (["replay", str(VIDEO), "-o", str(tmp_path / "o.mp4")], "give --exercise"),
        (["replay", str(VIDEO), "-e", "bridge", "-o", str(tmp_path / "o.avi")], "must be an .mp4"),
    ]
    for argv, expected in cases:
        assert cli.main(argv) == ExitCode.USAGE
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], err


def test_replay_rejects_a_track_of_another_video(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    track = tmp_path / "t.jsonl"
    track.write_text(json.dumps({"format": "posecoach.track", "version": 1, "width": 100, "height": 100}) + "\n")
    code = cli.main(["replay", str(VIDEO), "-e", "bridge", "--track", str(track), "-o", str(tmp_path / "o.mp4")])
    assert code == ExitCode.INPUT
    assert "100x100 but" in capsys.readouterr().err


# -- a real window under Xvfb --------------------------------------------------------------------
def read_xwd(data: bytes) -> np.ndarray:
    """A BGR image from an ``xwd`` dump (ZPixmap, 32 bits per pixel, as Xvfb at depth 24 gives)."""
    import struct

    h = struct.unpack(">25I", data[:100])
    header_size, fmt, width, height, byte_order, bpp, bpl, ncolors = h[0], h[2], h[4], h[5], h[7], h[11], h[12], h[19]
    assert fmt == 2 and bpp in (24, 32), f"unexpected xwd format {fmt}/{bpp}"
    start = header_size + 12 * ncolors
    rows = np.frombuffer(data, np.uint8, count=height * bpl, offset=start).reshape(height, bpl)
    n = bpp // 8
    px = rows[:, : width * n].reshape(height, width, n)
    if byte_order == 0:  # least significant byte first: blue, green, red(, pad)
        return np.ascontiguousarray(px[:, :, :3])
    return np.ascontiguousarray(px[:, :, n - 1:n - 4:-1] if n == 4 else px[:, :, ::-1])


@pytest.fixture(scope="module")
def xvfb() -> str:
    """A virtual X display of our own (skipped where Xvfb or xwd is missing)."""
    import os
    import select
    import subprocess

    if not (shutil.which("Xvfb") and shutil.which("xwd")):
        pytest.skip("needs Xvfb and xwd (apt-get install xvfb x11-apps)")
    r, w = os.pipe()
    # the X server answers every drawing call of the window: on a busy machine it must not be the
    # one starved (a starved Xvfb never gets to map the window), so it runs at a higher priority
    # where that is allowed
    nice = ["nice", "-n", "-10"] if shutil.which("nice") and os.geteuid() == 0 else []
    proc = subprocess.Popen([*nice, "Xvfb", "-displayfd", str(w), "-screen", "0", "1600x1200x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    ready, _, _ = select.select([r], [], [], 30)
    number = os.read(r, 16).decode().strip() if ready else ""
    if not number:
        proc.kill()
        os.close(r)
        pytest.fail("Xvfb did not start")
    yield f":{number}"  # the pipe stays open meanwhile: Xvfb exits on a broken pipe
    proc.terminate()
    proc.wait(10)
    os.close(r)


def screenshot(display: str) -> np.ndarray | None:
    """The whole virtual screen, or None when the X server refused this once (xwd can fail with
    BadMatch while a window is being mapped or unmapped)."""
    import subprocess

    done = subprocess.run(["xwd", "-root", "-silent", "-display", display], capture_output=True)
    return read_xwd(done.stdout) if done.returncode == 0 else None


def keep(name: str, image: np.ndarray, tmp_path: Path) -> Path:
    """Save a screenshot (cropped to the window, at most 480 px wide) in tmp_path, and in
    tests/artifacts when POSECOACH_SAVE_ARTIFACTS=1 (so a normal run leaves the tree alone)."""
    import os

    import cv2

    ys, xs = np.nonzero(image.max(axis=2) > 0)
    crop = image[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1] if ys.size else image
    if crop.shape[1] > 480:
        crop = cv2.resize(crop, (480, round(crop.shape[0] * 480 / crop.shape[1])), interpolation=cv2.INTER_AREA)
    path = tmp_path / name
    # 16 levels per channel: still readable, and a quarter of the bytes in the repository
    cv2.imwrite(str(path), (crop & 0xF0) | 0x08, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if os.environ.get("POSECOACH_SAVE_ARTIFACTS") == "1":
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(path, ARTIFACTS / name)
    return path


def skeleton_pixels(image: np.ndarray) -> int:
    from posecoach.render import draw

    return int((np.abs(image.astype(int) - np.array(draw.SKELETON)).max(axis=2) <= 8).sum())


@contextlib.contextmanager
def in_window(display: str, args: list[str]) -> Iterator[subprocess.Popen[str]]:
    """``posecoach ARGS`` started on the virtual display; killed on the way out if still running."""
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "POSECOACH_HEADLESS")}
    env["DISPLAY"] = display
    proc = subprocess.Popen([sys.executable, "-m", "posecoach", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()


SHOTS = {"taken": 0, "refused": 0}  # reported when a wait fails


def wait_for(proc, display: str, predicate, limit: int = 600) -> np.ndarray | None:
    """Screenshots until one satisfies ``predicate`` (None if the program ended first)."""
    import time

    for _ in range(limit):
        if proc.poll() is not None:
            return None
        shot = screenshot(display)
        SHOTS["taken" if shot is not None else "refused"] += 1

        if shot is not None and predicate(shot):
            return shot
        time.sleep(0.1)
    return None


def press(display: str, key: str) -> None:
    """A key press in the window (the pointer is put over it first: with no window manager the
    keyboard goes where the pointer is)."""
    import subprocess

    subprocess.run(["xdotool", "mousemove", "50", "50", "key", key], env={"DISPLAY": display}, check=True)


needs_xdotool = pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool to press keys (apt-get install xdotool)")


@pytest.mark.model
@needs_xdotool
def test_live_window_under_xvfb_shows_the_overlay_and_reports_what_analyze_reports(
        xvfb: str, tmp_path: Path) -> None:
    assert cli.main(["analyze", str(SAMPLE_BRIDGE), "-e", "bridge", "--report", str(tmp_path / "a.json"), "-q"]) == 0
    report = json.loads((tmp_path / "a.json").read_text())
    out = tmp_path / "live.json"
    with in_window(xvfb, ["live", "-e", "bridge", "--source", str(SAMPLE_BRIDGE), "--no-drop", "--mute",
                          "--report", str(out), "--summary-s", "30"]) as proc:
        # pause as soon as the window shows, so the screenshot cannot miss
        assert wait_for(proc, xvfb, lambda s: s.max() > 0) is not None, proc.communicate()
        press(xvfb, "space")
        paused = wait_for(proc, xvfb, lambda s: skeleton_pixels(s) > 300 and not _fps_shown(s))
        assert paused is not None, proc.communicate()
        keep("live_window_bridge_paused.png", paused, tmp_path)
        press(xvfb, "space")
        # the end-of-set summary dims the picture and stays until a key
        summary = wait_for(proc, xvfb, lambda s: out.exists() and skeleton_pixels(s) == 0 and s.max() > 200)
        assert summary is not None, proc.communicate()
        keep("live_summary.png", summary, tmp_path)
        press(xvfb, "q")
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "reps: 3 of 10" in stdout and "0 dropped" in stdout
    same_set(report, json.loads(out.read_text()))  # a pause in --no-drop mode loses no frame


@pytest.mark.model
@needs_xdotool
def test_keys_pressed_in_the_real_window_pause_and_pain_stop(xvfb: str, tmp_path: Path) -> None:
    out = tmp_path / "live.json"
    with in_window(xvfb, ["live", "-e", "bird_dog", "--source", str(BIRD_DOG), "--model", "lite", "--mute",
                          "--report", str(out), "--summary-s", "30"]) as proc:
        live = wait_for(proc, xvfb, lambda s: skeleton_pixels(s) > 300 and _fps_shown(s))
        assert live is not None, ("no live frame", SHOTS, proc.communicate())
        keep("live_window.png", live, tmp_path)
        press(xvfb, "space")
        paused = wait_for(proc, xvfb, lambda s: _yellow(s) > 500 and not _fps_shown(s))  # the PAUSED banner
        assert paused is not None, ("no pause", proc.communicate())
        keep("live_paused.png", paused, tmp_path)
        press(xvfb, "space")
        press(xvfb, "p")
        # the STOP screen: the picture dimmed (no bright skeleton left) under a big red STOP
        pain = wait_for(proc, xvfb, lambda s: out.exists() and skeleton_pixels(s) == 0 and _red(s) > 500)
        assert pain is not None, ("no pain screen", proc.communicate())
        keep("live_pain_stop.png", pain, tmp_path)
        press(xvfb, "q")
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    report = json.loads(out.read_text())
    assert report["stop"]["reason"] == "pain" and report["pain_stop"]["t_s"] < 14
    assert "ask your physiotherapist" in stdout


def _yellow(image: np.ndarray) -> int:
    from posecoach.render import draw

    return int((np.abs(image.astype(int) - np.array(draw.YELLOW)).max(axis=2) <= 30).sum())


def _red(image: np.ndarray) -> int:
    from posecoach.render import draw

    return int((np.abs(image.astype(int) - np.array(draw.RED)).max(axis=2) <= 40).sum())


def _fps_shown(image: np.ndarray) -> bool:
    """The live frame-rate label (top right of the window) is drawn; a paused picture has none."""
    ys, xs = np.nonzero(image.max(axis=2) > 0)  # the window: whatever is not the black screen
    if not xs.size:
        return False
    top, right = int(ys.min()), int(xs.max()) + 1
    corner = image[top:top + 40, right - 110:right].astype(int)
    return int((corner.min(axis=2) > 220).sum()) > 20


def test_a_hard_crash_while_recording_loses_at_most_about_a_second(tmp_path: Path) -> None:
    import subprocess
    import sys

    # a process that records 60 frames as a 30 fps camera would give them (2 s) and then dies at
    # once, as on a power cut: no close, no finally, no atexit
    script = """
import os, sys, time
import numpy as np
from pathlib import Path
from posecoach.app.build import make_analysis
from posecoach.app.live import Recorder
from posecoach.types import Frame, PoseFrame
rec = Recorder(Path(sys.argv[1]), {"exercise": "bridge", "source": {"camera": 0}}, 30.0, (320, 240))
analysis = make_analysis("bridge")
rng = np.random.default_rng(0)
for i in range(60):
    frame = Frame(i, round(i * 1000 / 30), rng.integers(0, 255, (240, 320, 3), dtype=np.uint8))
    step = analysis.step_pose(PoseFrame.empty(i, frame.timestamp_ms, 320, 240))
    rec.write(frame, step.raw)
    rec.checkpoint(analysis, {"camera": 0})
    time.sleep(1 / 30)
os._exit(1)
"""
    folder = tmp_path / "rec"
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    track = (folder / "track.jsonl").read_text().splitlines()
    assert len(track) == 1 + 60
    report = json.loads((folder / "report.json").read_text())
    assert report["stop"]["reason"] == "in_progress" and report["frames"] >= 1
    frames, fps = count_frames(folder / "video.ts")
    assert frames >= 60 - 30 and fps == pytest.approx(30.0)  # at most a second of video lost

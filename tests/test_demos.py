"""Demonstration clips: every shipped one is counted by the coach as a correct performance (real
model), they ship as package data and stay small, they play with the exercise's name and form
points over them, and live shows one before the set, skippable by key or word, the skip recorded.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from posecoach.app.build import make_analysis
from posecoach.app.demo import (
    LIVE_HINT,
    WITHOUT_DEMO,
    Demo,
    find_demo,
    form_points,
    packaged_demo_dir,
    play_demo,
)
from posecoach.app.live import LiveSession
from posecoach.control.floor import FloorControls
from posecoach.control.listen import HeardAt
from posecoach.control.speech import Heard
from posecoach.errors import ExitCode
from posecoach.render import draw
from posecoach.render.demo import points_shown
from posecoach.render.window import Window
from posecoach.spec.loader import exercise_ids, find_spec
from posecoach.voice import Voice
from test_live import EmptyEstimator, ListSource
from test_replay import in_window, keep, press, skeleton_pixels, wait_for, xvfb  # noqa: F401 - xvfb is a fixture

ROOT = Path(__file__).resolve().parent.parent
DEMOS = ROOT / "posecoach" / "data" / "demos"


def shipped() -> list[str]:
    return sorted(p.name.removesuffix(".labels.json") for p in DEMOS.glob("*.labels.json"))


def labels(exercise: str) -> dict[str, Any]:
    return json.loads((DEMOS / f"{exercise}.labels.json").read_text(encoding="utf-8"))["clips"][0]


def uncounted(exercise: str) -> bool:
    """A demonstration of a movement the coach cannot count from a camera: the performer does
    reps (the labels have no holds) of an exercise whose spec times the whole set instead."""
    return find_spec(exercise).kind == "hold" and "holds" not in labels(exercise) and labels(exercise)["reps"] > 0


# -- what ships ----------------------------------------------------------------------------------
def test_every_exercise_has_a_demo_or_says_why_not() -> None:
    ids = set(exercise_ids())
    assert len(shipped()) >= 5
    assert set(shipped()) <= ids and set(WITHOUT_DEMO) <= ids
    assert not set(shipped()) & set(WITHOUT_DEMO), "an exercise listed without a demo ships one"
    assert set(shipped()) | set(WITHOUT_DEMO) == ids, "every exercise ships a demonstration or says why not"
    for ex in WITHOUT_DEMO:
        assert find_demo(ex) is None
    for ex, why in WITHOUT_DEMO.items():
        assert why.strip(), ex


def test_demo_files_are_package_data_and_small() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["posecoach.data"]
    files = [p for p in DEMOS.iterdir() if p.is_file()]
    for path in files:
        rel = f"demos/{path.name}"
        assert any(fnmatch.fnmatchcase(rel, pat) and rel.count("/") == pat.count("/") for pat in patterns), \
            f"{rel} is not in pyproject's package-data for posecoach.data, so a wheel would not carry it"
    assert packaged_demo_dir() == DEMOS.resolve()
    total = sum(p.stat().st_size for p in files)
    assert total < 5_000_000, f"the demonstrations take {total / 1e6:.1f} MB"
    for ex in shipped():
        assert (DEMOS / f"{ex}.mp4").is_file()
        assert not (DEMOS / f"{ex}.truth.jsonl").exists()


@pytest.mark.parametrize("exercise", shipped())
def test_a_shipped_demo_is_what_the_demos_command_renders(exercise: str) -> None:
    """The labels record the render: the fixed size, rate and seed, the default body, no fault
    and no jitter, the choreography's own view (so ``python -m posecoach.synth demos`` remakes it)."""
    from posecoach.synth import choreo
    from posecoach.synth.demos import DEMO_FPS, DEMO_HEIGHT, DEMO_SEED, DEMO_WIDTH

    clip = labels(exercise)
    synth = clip["synthetic"]
    assert (clip["width"], clip["height"], clip["fps"]) == (DEMO_WIDTH, DEMO_HEIGHT, DEMO_FPS)
    assert synth["seed"] == DEMO_SEED and synth["fault"] is None and synth["jitter"] == 0.0
    assert set(synth["body"].values()) == {0.5} and synth["speed"] == 1.0
    assert clip["faults"] == [] and clip["exercise"] == exercise
    assert clip["view"] == choreo.load(choreo.find(exercise)).view


@pytest.mark.model
@pytest.mark.parametrize("exercise", shipped())
def test_a_demo_counts_its_own_dose_with_no_fault(exercise: str) -> None:
    """Analysed with the real pose model, a demonstration gives its labelled reps (or holds) and
    raises no fault, not even a possible one."""
    from posecoach.app.analyze import analyze_video

    clip = labels(exercise)
    spec = find_spec(exercise)
    report, code = analyze_video(DEMOS / clip["file"], make_analysis(exercise), "full", None, progress=False)
    assert code == ExitCode.OK
    assert report["frames_with_pose"] == report["frames"] == clip["frames"]
    if spec.kind == "reps":
        assert report["reps"] == clip["reps"], report["rep_details"]
    elif uncounted(exercise):
        # the set is timed as one hold from the start of the first movement to the end of the last,
        # the report says plainly that the movements themselves are not counted, and every form
        # rule was judged the whole time
        (hold,) = report["holds"]
        first, last = clip["rep_intervals"][0][0], clip["rep_intervals"][-1][1]
        assert hold["start_s"] <= first + spec.setup.hold_s + 0.5 and hold["end_s"] >= last - 0.5, hold
        assert any("not counted" in line for line in report["not_checked"]), report["not_checked"]
        assert report["fault_checks"] and all(c["status"] == "judged" and c["count"] == 0 and
                                              c["judged_s"] >= 0.9 * hold["duration_s"] for c in report["fault_checks"])
    else:
        assert len(report["holds"]) == len(clip["holds"]), report["holds"]
    assert report["faults"] == [] and report["possible_faults"] == []


def test_the_demos_command_refuses_an_unknown_exercise() -> None:
    done = subprocess.run([sys.executable, "-m", "posecoach.synth", "demos", "--only", "no_such", "--out", "/nonexistent"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "no_such" in done.stderr and "bridge" in done.stderr and len(done.stderr.strip().splitlines()) == 1


# -- playing -------------------------------------------------------------------------------------
class Watcher(Window):
    """A window someone watches: records what it is shown, presses ``key`` on its ``press_at``-th
    key read (1-based), and notes whether ``source`` had started when each picture came."""

    interactive = True

    def __init__(self, press_at: int | None = None, key: str = "n", source: ListSource | None = None) -> None:
        self.press_at, self.key_, self.source = press_at, key, source
        self.reads = 0
        self.shown: list[np.ndarray] = []
        self.started_when_shown: list[bool] = []

    def show(self, image: np.ndarray) -> None:
        self.shown.append(image)
        self.started_when_shown.append(self.source is not None and "start" in self.source.calls)

    def key(self, wait_ms: int = 1, t_s: float | None = None) -> str | None:
        self.reads += 1
        return self.key_ if self.reads == self.press_at else None


def _yellow(image: np.ndarray) -> int:
    return int((np.abs(image.astype(int) - np.array(draw.YELLOW)).max(axis=2) <= 30).sum())


@pytest.fixture
def bridge_demo() -> Demo:
    demo = find_demo("bridge")
    assert demo is not None, "the bridge demonstration ships with posecoach"
    return demo


def test_form_points_come_from_the_spec_and_take_turns() -> None:
    spec = find_spec("bridge")
    points = form_points(spec)
    assert points == list(dict.fromkeys(f.message for f in spec.faults)) and len(points) == 3
    assert points_shown(points, 0.0) == points[:2]
    assert points_shown(points, 4.5) == points[2:]
    assert points_shown(points, 8.5) == points[:2]


def test_a_demo_plays_to_its_end_with_the_name_and_form_points(bridge_demo: Demo) -> None:
    window = Watcher()
    out = play_demo(window, bridge_demo, find_spec("bridge"), size=(640, 360))
    assert not out.skipped and not out.closed
    assert out.frames == len(window.shown) == bridge_demo.labels["frames"]
    assert out.at_s == pytest.approx(bridge_demo.duration_s)
    assert {im.shape for im in window.shown} == {(360, 640, 3)}
    assert _yellow(window.shown[0]) > 200  # the form points, in the coach's yellow


def test_any_key_skips_a_demo_at_that_moment(bridge_demo: Demo) -> None:
    window = Watcher(press_at=6, key=" ")
    out = play_demo(window, bridge_demo, find_spec("bridge"))
    assert out.by == "key" and out.detail == " " and out.frames == 6
    assert out.at_s == pytest.approx(5 / 15)


def test_live_shows_the_demo_before_the_camera_starts_and_records_a_key_skip(bridge_demo: Demo,
                                                                           tmp_path: Path) -> None:
    src = ListSource(30)
    window = Watcher(press_at=10, source=src)
    live = LiveSession(make_analysis("bridge"), src, EmptyEstimator(), window, Voice(None), source_meta=src.describe(),
                       report_path=tmp_path / "r.json", summary_s=0, demo=bridge_demo)
    result = live.run()
    demo_frames = live.demo_outcome.frames if live.demo_outcome else 0
    assert demo_frames == 10 and not any(window.started_when_shown[:demo_frames])
    assert all(window.started_when_shown[demo_frames:])  # then the set, from the camera
    assert result.reason == "completed" and result.report["frames"] == 30
    event = {"t_s": 0.0, "control": "skip_demo", "by": "key", "demo_t_s": round(9 / 15, 2)}
    assert result.report["events"] == [event]
    assert json.loads((tmp_path / "r.json").read_text())["events"] == [event]


class SaysNext:
    """A listener that hears "next" on its third poll (and nothing else)."""

    description = "test words"
    error = None
    ended = False

    def __init__(self) -> None:
        self.polls = 0
        self.starts = 0

    def start(self) -> SaysNext:
        self.starts += 1
        return self

    def poll(self) -> list[HeardAt]:
        self.polls += 1
        return [HeardAt(Heard("next", 1.0), 0.0)] if self.polls == 3 else []

    def set_mode(self, mode: str) -> None:
        pass

    def close(self) -> None:
        pass


def test_saying_next_skips_the_demo_and_is_a_control_event(bridge_demo: Demo, tmp_path: Path) -> None:
    src = ListSource(10)
    listener = SaysNext()
    floor = FloorControls(Voice(None), listener=listener, talk_through=False, ask_rating=False)  # type: ignore[arg-type]
    live = LiveSession(make_analysis("bridge"), src, EmptyEstimator(), Watcher(source=src), Voice(None),
                       source_meta=src.describe(), report_path=tmp_path / "r.json", summary_s=0,
                       floor=floor, demo=bridge_demo)
    report = live.run().report
    assert report["events"] == [{"t_s": 0.0, "control": "skip_demo", "by": "voice", "demo_t_s": round(2 / 15, 2),
                                 "heard": "next"}]
    assert live.demo_outcome is not None and live.demo_outcome.frames == 3
    assert report["frames"] == 10 and "pain_stop" not in report


def test_without_a_demo_live_is_unchanged(tmp_path: Path) -> None:
    src = ListSource(10)
    window = Watcher(source=src)
    live = LiveSession(make_analysis("bridge"), src, EmptyEstimator(), window, Voice(None), source_meta=src.describe(),
                       report_path=tmp_path / "r.json", summary_s=0)
    report = live.run().report
    assert "events" not in report and live.demo_outcome is None and all(window.started_when_shown)


# -- the commands --------------------------------------------------------------------------------
def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "POSECOACH_HEADLESS")}
    env.update(extra)
    return env


def test_show_demo_without_a_display_says_so_and_where_the_clip_is() -> None:
    for env in (_env(), _env(DISPLAY=":99", POSECOACH_HEADLESS="1")):
        done = subprocess.run([sys.executable, "-m", "posecoach", "exercises", "show", "bridge", "--demo"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == ExitCode.CAMERA, done.stderr
        err = done.stderr.strip().splitlines()
        assert len(err) == 1 and str(DEMOS / "bridge.mp4") in err[0] and "error" in err[0], err
        assert "Bridge (bridge)" in done.stdout


def test_show_demo_of_an_exercise_without_one_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture) -> None:
    import posecoach.app.demo as demo_mod
    from posecoach import cli

    monkeypatch.setitem(demo_mod.WITHOUT_DEMO, "plank", "no hold counted")
    assert cli.main(["exercises", "show", "plank", "--demo"]) == ExitCode.INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no hold counted" in err[0]


def test_show_demo_plays_in_a_real_window_and_a_key_closes_it(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    with in_window(xvfb, ["exercises", "show", "bridge", "--demo"]) as proc:
        shot = wait_for(proc, xvfb, lambda s: _yellow(s) > 300)
        assert shot is not None, proc.communicate()
        ys, xs = np.nonzero(shot.max(axis=2) > 0)
        assert (xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) == (960, 540)  # the enlarged demonstration
        keep("demo_window_bridge.png", shot, tmp_path)
        press(xvfb, "q")
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert f"Demonstration: {DEMOS / 'bridge.mp4'}" in stdout


@pytest.mark.model
def test_live_in_a_real_window_shows_the_demo_first_and_logs_its_skip(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "live.json"
    args = ["live", "-e", "bridge", "--source", str(DEMOS / "bridge.mp4"), "--demo", "--no-drop", "--model", "lite",
            "--mute", "--no-listen", "--no-gestures", "--no-pain-rating", "--summary-s", "0", "--no-store",
            "--report", str(out)]
    with in_window(xvfb, args) as proc:
        # the demonstration: its form points in yellow, and no skeleton (the set's overlay draws one)
        shot = wait_for(proc, xvfb, lambda s: _yellow(s) > 60 and skeleton_pixels(s) == 0)
        assert shot is not None, proc.communicate()
        keep("live_demo_bridge.png", shot, tmp_path)
        press(xvfb, "n")
        stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert LIVE_HINT in stderr
    report = json.loads(out.read_text())
    (event,) = report["events"]
    assert event["control"] == "skip_demo" and event["by"] == "key" and event["t_s"] == 0.0
    assert 0 <= event["demo_t_s"] < labels("bridge")["frames"] / 15
    assert report["reps"] == 3 and report["frames"] == labels("bridge")["frames"]  # the whole set, after the demo


def test_a_missing_demo_is_rendered_once_into_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Where no clip ships and the synth extra is there, the clip is made in the cache and found
    there afterwards (the renderer is stood in for by a copy: a real render takes minutes)."""
    import shutil

    import posecoach.app.demo as demo_mod
    import posecoach.synth.demos as synth_demos

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(demo_mod, "packaged_demo_dir", lambda: tmp_path / "none")
    monkeypatch.setattr(demo_mod, "synth_installed", lambda: True)
    made: list[Path] = []

    def fake_render(exercise: str, out: Path, progress: bool = False) -> Path:
        out.mkdir(parents=True, exist_ok=True)
        for suffix in (".mp4", ".labels.json"):
            shutil.copy(DEMOS / f"bridge{suffix}", out / f"{exercise}{suffix}")
        made.append(out)
        return out / f"{exercise}.mp4"

    monkeypatch.setattr(synth_demos, "render_demo", fake_render)
    assert demo_mod.find_demo("bridge") is None
    said: list[str] = []
    demo = demo_mod.obtain_demo("bridge", log=said.append)
    assert demo.video == tmp_path / "cache" / "posecoach" / "demos" / "bridge.mp4"
    assert made == [demo.video.parent] and "rendering the demonstration of bridge" in said[0]
    assert demo_mod.obtain_demo("bridge", log=said.append).video == demo.video and len(made) == 1  # once


def test_without_the_synth_extra_a_missing_demo_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    import posecoach.app.demo as demo_mod
    from posecoach.errors import VideoOpenError

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(demo_mod, "packaged_demo_dir", lambda: tmp_path / "none")
    monkeypatch.setattr(demo_mod, "synth_installed", lambda: False)
    with pytest.raises(VideoOpenError, match=r"bridge: no demonstration clip; install the synth extra"):
        demo_mod.obtain_demo("bridge")
    with pytest.raises(VideoOpenError, match="no choreography"):
        demo_mod.obtain_demo("no_such_exercise")

"""Tests of ``posecoach batch``: finding videos, failures reported while the rest go on, and two
copies of the real bridge clip analysed by two worker processes (marked ``model``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from posecoach.app.batch import VideoResult, exit_code, find_videos, output_paths, run_batch
from posecoach.cli import main
from posecoach.errors import UsageError, VideoOpenError


def test_find_videos_by_extension_sorted(tmp_path: Path) -> None:
    for name in ("b.MP4", "a.mov", "notes.txt", "c.jsonl"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.mp4").mkdir()
    assert [p.name for p in find_videos(tmp_path)] == ["a.mov", "b.MP4"]
    with pytest.raises(VideoOpenError, match="no video files"):
        find_videos(tmp_path / "sub.mp4")
    with pytest.raises(VideoOpenError, match="not a folder"):
        find_videos(tmp_path / "notes.txt")


def test_reports_of_two_videos_with_one_stem_would_collide(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="share a name"):
        output_paths([tmp_path / "a.mp4", tmp_path / "a.mov"], tmp_path)
    assert output_paths([tmp_path / "x.mp4"], tmp_path / "out") == {tmp_path / "x.mp4": tmp_path / "out" / "x.report.json"}


def test_exit_code_is_the_first_failure() -> None:
    ok = VideoResult("a.mp4")
    assert exit_code([ok, ok]) == 0
    assert exit_code([ok, VideoResult("b.mp4", error="bad", exit_code=3), VideoResult("c.mp4", error="x", exit_code=6)]) == 3
    assert exit_code([VideoResult("b.mp4", error="bug", exit_code=0)]) == 1  # a failure is never 0


def test_failing_videos_are_reported_by_each_worker(tmp_path: Path) -> None:
    """Unreadable videos fail in the workers (before any model is needed) without stopping the others."""
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        (tmp_path / name).write_bytes(b"not a video at all")
    seen: list[str] = []
    results = run_batch(find_videos(tmp_path), "bridge", out_dir=tmp_path / "out", jobs=2,
                        on_result=lambda r: seen.append(Path(r.video).name))
    assert [Path(r.video).name for r in results] == ["a.mp4", "b.mp4", "c.mp4"]
    assert sorted(seen) == ["a.mp4", "b.mp4", "c.mp4"]
    assert all(not r.ok and r.exit_code == 3 and "not a video" in (r.error or "") for r in results)


def test_batch_command_rejects_an_unknown_exercise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.mp4").write_bytes(b"x")
    assert main(["batch", str(tmp_path), "--exercise", "no_such_exercise", "--out", str(tmp_path / "o")]) == 4
    assert "unknown exercise 'no_such_exercise'" in capsys.readouterr().err


@pytest.mark.model
def test_batch_two_copies_in_parallel_and_one_broken(real_dir: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("one.mp4", "two.mp4"):
        shutil.copy(real_dir / "physioplus" / "bridging.mp4", videos / name)
    out = tmp_path / "reports"
    assert main(["batch", str(videos), "-e", "bridge", "--jobs", "2", "--out", str(out), "--save-tracks"]) == 0
    for stem in ("one", "two"):
        rep = json.loads((out / f"{stem}.report.json").read_text())
        assert rep["exercise"] == "bridge" and rep["reps"] == 1
        assert (out / f"{stem}.jsonl").is_file() and (out / f"{stem}.report.reps.csv").is_file()
    summary = json.loads((out / "batch.json").read_text())
    assert summary["jobs"] == 2 and summary["failed"] == 0
    assert [Path(v["video"]).name for v in summary["videos"]] == ["one.mp4", "two.mp4"]
    assert "2 of 2 videos analysed" in capsys.readouterr().out

    (videos / "broken.mp4").write_bytes(b"\x00" * 100)
    assert main(["batch", str(videos), "-e", "bridge", "--jobs", "2", "--out", str(out)]) == 3
    text = capsys.readouterr().out
    assert "FAIL broken.mp4" in text and "2 of 3 videos analysed, 1 failed" in text
    assert json.loads((out / "two.report.json").read_text())["reps"] == 1

"""Tests of ``posecoach batch --cluster``: a real Dask scheduler and two real worker processes,
started here on loopback, analyse short clips with the lite model; the files they produce must be
the very bytes the one-machine batch writes, and a worker killed in the middle of a video must not
cost that video its report. Also the one-line errors: no extra, no scheduler, a worker that cannot
see the videos."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from posecoach.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ("bridge", "bridge_hips_sag")  # two bridge clips, cut short: the test is about the batch
FRAMES = 75
EXERCISE = "bridge"


def _cut(src: Path, dst: Path, frames: int) -> None:
    """The first ``frames`` frames of a sample clip, re-encoded: a short real input for the model."""
    import cv2

    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    out = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    try:
        for _ in range(frames):
            ok, img = cap.read()
            if not ok:
                break
            out.write(img)
    finally:
        cap.release()
        out.release()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _summary_without_times(data: bytes) -> dict:
    """``batch.json`` less what differs by design: times, and the parallelism (``jobs``)."""
    doc = json.loads(data)
    doc.pop("seconds")
    doc.pop("jobs")
    for v in doc["videos"]:
        v.pop("seconds")
    return doc


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two short real clips and one file that is not a video."""
    folder = tmp_path_factory.mktemp("archive")
    for name in CLIPS:
        _cut(ROOT / "sample_videos" / f"{name}.mp4", folder / f"{name}.mp4", FRAMES)
    (folder / "broken.mp4").write_bytes(b"\x00" * 64)
    return folder


@pytest.fixture(scope="module")
def one_machine(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The one-machine batch's files for ``archive``, and the ``--out`` they were written to
    (emptied again: the cluster runs write to the same place, as a clinic would)."""
    out = tmp_path_factory.mktemp("reports") / "out"
    code = main(["batch", str(archive), "-e", EXERCISE, "--jobs", "1", "--model", "lite", "--out", str(out),
                 "--save-tracks", "-q"])
    assert code == 3  # the broken file fails (cannot be read), the two clips do not
    files = _files(out)
    shutil.rmtree(out)
    assert {f"{c}.report.json" for c in CLIPS} | {f"{c}.jsonl" for c in CLIPS} | {"batch.json"} <= set(files)
    return out, files


def _ready(address: str) -> None:
    import distributed

    with distributed.Client(address, timeout=20, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=30)


def _wait_for(predicate, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, subprocess.Popen]]]:
    """A Dask scheduler and two single-thread workers (no nanny, so a killed worker stays dead),
    each its own process on 127.0.0.1 with a port the system chose; always stopped afterwards."""
    home = tmp_path_factory.mktemp("cluster")
    info = home / "scheduler.json"
    dask = [sys.executable, "-m"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": home}
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["scheduler"] = subprocess.Popen(
            [*dask, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(info)], **quiet)
        _wait_for(lambda: info.is_file() and info.stat().st_size > 0, 30, "the scheduler")
        address = json.loads(info.read_text())["address"]
        for name in ("w1", "w2"):
            procs[name] = subprocess.Popen(
                [*dask, "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
                 "--no-dashboard", "--name", name], env={**os.environ}, **quiet)
        yield address, procs  # the workers start up while the one-machine batch runs
    finally:  # workers first: a worker whose scheduler went away first lingers, trying to reconnect
        for proc in reversed(list(procs.values())):
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.model
def test_cluster_batch_writes_the_one_machine_files(archive: Path, cluster: tuple[str, dict],
                                                    one_machine: tuple[Path, dict[str, bytes]],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out, expected = one_machine
    address, _ = cluster
    _ready(address)
    code = main(["batch", str(archive), "-e", EXERCISE, "--model", "lite", "--out", str(out), "--save-tracks",
                 "--cluster", address])
    text = capsys.readouterr().out
    assert code == 3
    assert f"on the cluster at {address}" in text
    assert text.count("  ok   ") == 2 and "FAIL broken.mp4" in text and "2 of 3 videos analysed, 1 failed" in text
    got = _files(out)
    assert sorted(got) == sorted(expected)
    for name in expected:
        if name != "batch.json":
            assert got[name] == expected[name], f"{name} differs from the one-machine batch's"
    assert _summary_without_times(got["batch.json"]) == _summary_without_times(expected["batch.json"])
    assert json.loads(got["batch.json"])["jobs"] == 2  # one thread on each worker
    shutil.rmtree(out)


@pytest.mark.model
def test_a_worker_killed_mid_video_still_gives_every_report(archive: Path, cluster: tuple[str, dict],
                                                             one_machine: tuple[Path, dict[str, bytes]]) -> None:
    import distributed

    out, expected = one_machine
    address, procs = cluster
    _ready(address)
    seen: dict[str, object] = {}

    def kill_a_busy_worker() -> None:
        """Wait until a worker is in the middle of a clip, then kill it (SIGKILL, no goodbye)."""
        with distributed.Client(address, timeout=20, set_as_default=False) as watch:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:
                busy = {w: [str(k) for k in keys] for w, keys in watch.processing().items() if keys}
                clips = {w: [k for k in keys if not k.endswith("-broken")] for w, keys in busy.items()}
                clips = {w: keys for w, keys in clips.items() if keys}
                if clips:
                    time.sleep(0.7)  # well into the clip (a clip takes seconds)
                    addr, keys = sorted(clips.items())[0]
                    stem = keys[0].split("-", 3)[3]
                    name = watch.scheduler_info()["workers"][addr]["name"]
                    seen.update(stem=stem, name=name, done_before=(out / f"{stem}.report.json").exists())
                    procs[name].kill()
                    procs[name].wait()
                    return
                time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    code = main(["batch", str(archive), "-e", EXERCISE, "--model", "lite", "--out", str(out), "--save-tracks",
                 "--cluster", address, "-q"])
    killer.join(timeout=30)
    assert seen, "no worker was seen busy with a clip"
    assert procs[str(seen["name"])].poll() is not None  # it really died
    assert seen["done_before"] is False  # its clip was not finished when it died ...
    assert code == 3  # ... and yet only the broken file failed
    got = _files(out)
    assert sorted(got) == sorted(expected)
    for name in expected:
        if name != "batch.json":
            assert got[name] == expected[name], f"{name} differs from the one-machine batch's"
    assert _summary_without_times(got["batch.json"]) == _summary_without_times(expected["batch.json"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_scheduler_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import posecoach.app.distributed as dist

    (tmp_path / "a.mp4").write_bytes(b"x")
    monkeypatch.setattr(dist, "CONNECT_TIMEOUT_S", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    assert main(["batch", str(tmp_path), "-e", EXERCISE, "--out", str(tmp_path / "o"), "--cluster", address]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{address}: cannot reach the Dask scheduler" in err and "dask scheduler" in err
    assert not (tmp_path / "o" / "batch.json").exists()
    assert main(["batch", str(tmp_path), "-e", EXERCISE, "--out", str(tmp_path / "o"), "--cluster", "nonsense://x"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "nonsense://x: not a Dask scheduler address" in err


def test_without_the_extra_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.mp4").write_bytes(b"x")
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed: import fails
    assert main(["batch", str(tmp_path), "-e", EXERCISE, "--cluster", "tcp://127.0.0.1:8786",
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "pip install 'posecoach[cluster]'" in err


def test_a_worker_that_cannot_see_the_videos_is_found_before_any_video(tmp_path: Path) -> None:
    from posecoach.app.distributed import check_worker

    (tmp_path / "here.mp4").write_bytes(b"x")
    answer = check_worker([str(tmp_path / "here.mp4"), str(tmp_path / "elsewhere.mp4")], "lite")
    assert answer["missing"] == 1 and answer["first_missing"] == str(tmp_path / "elsewhere.mp4")
    assert answer["model_error"] is None
    assert check_worker([str(tmp_path / "here.mp4")], str(tmp_path / "no_such_model.task"))["model_error"]

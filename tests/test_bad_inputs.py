"""Bad and unusual inputs and faults: every one ends in one clean line with its documented exit
code, or is handled correctly. Nothing a person gives posecoach is destroyed, no finished analysis
is thrown away, and nothing is silently wrong (a dropped frame, a check switched off by a NaN).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecoach.errors import OutputError, TrackError
from posecoach.landmarks import COUNT
from posecoach.track import TrackWriter, read_frames
from posecoach.types import PoseFrame
from test_cli import assert_one_line_error, bridge_track, posecoach

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_videos" / "bridge.mp4"
BRIDGE_SPEC = ROOT / "exercise_specs" / "bridge.toml"
#: A place nobody can write, not even root: the tests run as root in some containers.
UNWRITABLE = Path("/proc/posecoach-no-such-folder")


def strict_json(path: Path) -> object:
    """Parse as strict JSON: NaN or Infinity in the file fails the test."""
    def refuse(name: str) -> None:
        raise AssertionError(f"{path}: {name} is not JSON")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def blank_video(path: Path, frames: int = 30, fps: float = 30.0, size: tuple[int, int] = (160, 120)) -> Path:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(frames):
        img = np.full((size[1], size[0], 3), (i * 7) % 255, np.uint8)
        cv2.putText(img, str(i), (10, size[1] - 20), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
        w.write(img)
    w.release()
    return path


def damaged(src: Path, dst: Path) -> Path:
    """A copy of ``src`` with a stretch in the middle of the file zeroed (a bad sector, a cut copy)."""
    data = bytearray(src.read_bytes())
    n = len(data)
    data[n // 3: n // 2] = bytes(n // 2 - n // 3)
    dst.write_bytes(bytes(data))
    return dst


# -- 1. an output equal to an input is refused before anything is read -------------------------
@pytest.fixture
def video(tmp_path: Path) -> Path:
    return blank_video(tmp_path / "v.mp4")


@pytest.mark.parametrize("flags", [
    lambda v: ["--report", str(v)],
    lambda v: ["--save-track", "./" + v.name],
    lambda v: ["--report", str(v.parent / "t.jsonl"), "--save-track", str(v.parent / "t.jsonl")],
])
def test_analyze_outputs_equal_to_the_video_are_refused(video, flags):
    before = video.read_bytes()
    r = posecoach("analyze", str(video), "-e", "bridge", *flags(video), cwd=video.parent)
    assert_one_line_error(r, 2)
    assert video.read_bytes() == before
    assert "destroy" in r.stderr or "different names" in r.stderr


def test_a_hard_link_to_the_input_is_the_input(video):
    link = video.parent / "other-name.json"
    os.link(video, link)
    r = posecoach("analyze", str(video), "-e", "bridge", "--report", str(link))
    assert_one_line_error(r, 2, "destroy")
    assert video.stat().st_size == link.stat().st_size > 1000


def test_track_input_equal_to_report_is_refused(tmp_path):
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    before = track.read_bytes()
    r = posecoach("analyze", str(track), "-e", "bridge", "--report", str(track))
    assert_one_line_error(r, 2, "destroy")
    assert track.read_bytes() == before


def test_profile_and_spec_files_are_inputs_too(tmp_path):
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    spec = tmp_path / "bridge.toml"
    shutil.copy(BRIDGE_SPEC, spec)
    r = posecoach("analyze", str(track), "-e", str(spec), "--report", str(spec))
    assert_one_line_error(r, 2, "--exercise")
    assert spec.read_text() == BRIDGE_SPEC.read_text()


def test_replay_outputs_equal_to_inputs_are_refused(tmp_path, video):
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    before = track.read_bytes()
    r = posecoach("replay", str(video), "-e", "bridge", "--track", str(track), "-o", str(tmp_path / "o.mp4"),
                  "--report", str(track))
    assert_one_line_error(r, 2, "--track")
    assert track.read_bytes() == before
    r = posecoach("replay", str(video), "-e", "bridge", "-o", str(tmp_path / "." / "v.mp4"))
    assert_one_line_error(r, 2, "destroy")


def test_live_report_equal_to_its_source_is_refused(video):
    before = video.read_bytes()
    r = posecoach("live", "-e", "bridge", "--source", str(video), "--headless", "--report", str(video))
    assert_one_line_error(r, 2, "destroy")
    assert video.read_bytes() == before


# -- 3. an unwritable output is found before the analysis ---------------------------------------
@pytest.mark.parametrize("where", ["parent_is_file", "existing_folder", "too_long", "unwritable"])
def test_unwritable_report_is_refused_up_front(tmp_path, where):
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    report = {"parent_is_file": tmp_path / "afile" / "r.json", "existing_folder": tmp_path / "adir",
              "too_long": tmp_path / ("r" * 250 + ".json"), "unwritable": UNWRITABLE / "r.json"}[where]
    r = posecoach("analyze", str(track), "-e", "bridge", "--report", str(report))
    assert_one_line_error(r, 2, str(report)[:40])
    assert r.stdout == ""  # refused before the analysis: no summary


def _as_nobody(argv: list[str]) -> tuple[int, str]:
    """``posecoach argv`` in a forked child that has dropped to user 'nobody', for whom file
    permissions hold (root writes into read-only folders). Returns (exit code, stderr)."""
    import io

    from posecoach import cli

    cli.build_parser()  # import the commands before the child loses access to root's files
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 99
        try:
            os.setgid(65534)
            os.setuid(65534)
            sys.stderr = err = io.StringIO()
            sys.stdout = io.StringIO()
            code = cli.main(argv)
            os.write(w, err.getvalue().encode())
        finally:
            os._exit(code)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return os.WEXITSTATUS(status), b"".join(chunks).decode()


def test_read_only_folder_is_refused_up_front(tmp_path):
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="posecoach-ro-"))  # readable by 'nobody', unlike tmp_path
    base.chmod(0o755)
    ro = base / "ro"
    try:
        track = bridge_track(base / "b.jsonl", reps=1)
        ro.mkdir()
        ro.chmod(0o555)
        argv = ["analyze", str(track), "-e", "bridge", "--report", str(ro / "r.json")]
        if os.geteuid() == 0:
            code, err = _as_nobody(argv)
            lines = [ln for ln in err.splitlines() if ln.strip()]
            assert code == 2 and len(lines) == 1, err
            assert lines[0].startswith("posecoach: error: ") and "cannot write" in lines[0]
        else:
            r = posecoach(*argv)
            assert_one_line_error(r, 2, "cannot write")
        assert not (ro / "r.json").exists()
    finally:
        ro.chmod(0o755) if ro.exists() else None
        shutil.rmtree(base, ignore_errors=True)


def test_unwritable_save_track_replay_report_and_voice_wav_are_refused(tmp_path, video):
    r = posecoach("analyze", str(video), "-e", "bridge", "--report", str(tmp_path / "r.json"),
                  "--save-track", str(UNWRITABLE / "t.jsonl"))
    assert_one_line_error(r, 2, "--save-track")
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    r = posecoach("replay", str(video), "-e", "bridge", "--track", str(track), "-o", str(tmp_path / "o.mp4"),
                  "--report", str(UNWRITABLE / "r.json"))
    assert_one_line_error(r, 2, "--report")
    r = posecoach("live", "-e", "bridge", "--source", str(video), "--headless", "--report", str(tmp_path / "l.json"),
                  "--voice-wav", str(UNWRITABLE / "wav"))
    assert_one_line_error(r, 2, "--voice-wav")


def test_a_report_that_fails_at_the_end_goes_to_a_fallback_folder(tmp_path, monkeypatch, capsys):
    """The disk fills up (here: the place turns out unwritable) after the check: the finished
    analysis is saved elsewhere and the one line says where."""
    from posecoach import cli

    track = bridge_track(tmp_path / "b.jsonl", reps=2)
    # as if the place broke later: the analyze command's check before the run passes
    monkeypatch.setattr("posecoach.commands.analyze.check_outputs", lambda *a, **k: None)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    code = cli.main(["analyze", str(track), "-e", "bridge", "--report", str(UNWRITABLE / "r.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1 and "saved to" in err[0]
    saved = Path(err[0].split("saved to ")[1].split(" instead")[0])
    assert saved.parent == tmp_path / "home" / ".cache" / "posecoach" / "reports"
    report = strict_json(saved)
    assert report["reps"] == 2 and report["status"] == "complete"
    assert saved.with_name(saved.name.removesuffix(".json") + ".reps.csv").exists()


def test_no_fallback_left_is_one_line_too(tmp_path, monkeypatch):
    from posecoach import report as report_mod

    monkeypatch.setattr(report_mod, "fallback_folders", lambda: [UNWRITABLE])
    with pytest.raises(OutputError, match="nor in any fallback folder"):
        report_mod.save_report({"rep_details": [], "faults": []}, UNWRITABLE / "r.json")


def test_stdout_on_a_full_device(tmp_path):
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "posecoach", "analyze", str(track), "-e", "bridge",
                            "--report", str(tmp_path / "r.json")], stdout=full, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 3, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "standard output" in lines[0] and "Traceback" not in r.stderr
    assert strict_json(tmp_path / "r.json")["reps"] == 1


def test_reports_get_the_usual_file_mode(tmp_path):
    from posecoach.report import write_report

    write_report({"rep_details": [], "faults": []}, tmp_path / "r.json")
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o666 & ~umask


# -- 2. thresholds are finite numbers in a sane range; JSON is strict ---------------------------
@pytest.mark.parametrize("value, fragment", [
    ("nan", "finite"), ("inf", "finite"), ("-inf", "finite"), ("1e308", "between"), ("true", "not true or false"),
])
def test_bad_thresholds_are_refused(tmp_path, value, fragment):
    spec = tmp_path / "bridge.toml"
    spec.write_text(BRIDGE_SPEC.read_text().replace("rest = 145", f"rest = {value}", 1))
    r = posecoach("specs", "check", str(spec))
    assert r.returncode == 4
    assert "rep.rest: expected" in r.stdout and fragment in r.stdout


def test_numbers_are_not_booleans_in_a_spec(tmp_path):
    spec = tmp_path / "bridge.toml"
    text = BRIDGE_SPEC.read_text()
    spec.write_text(text.replace("[rep]\n", "[rep]\nsided = 1\n", 1))
    r = posecoach("specs", "check", str(spec))
    assert r.returncode == 4 and "rep.sided: expected true or false" in r.stdout


def test_a_nan_in_a_profile_is_refused_not_written_into_the_report(tmp_path):
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    profile = tmp_path / "p.toml"
    profile.write_text('schema_version = 1\nname = "x"\n[exercises.bridge]\nrep.peak = nan\n')
    r = posecoach("analyze", str(track), "-e", "bridge", "--profile", str(profile), "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 4, "rep.peak", "finite")
    profile.write_text('schema_version = 1\nname = "x"\n[exercises.bridge]\nrep.peak = true\n')
    r = posecoach("analyze", str(track), "-e", "bridge", "--profile", str(profile), "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 4, "rep.peak")
    profile.write_text('schema_version = 1\nname = "x"\nnote = 2026-11-02\n')
    r = posecoach("analyze", str(track), "-e", "bridge", "--profile", str(profile), "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 4, "note")


def test_every_json_written_is_strict(tmp_path):
    from posecoach import jsonio
    from posecoach.report import write_report

    doc = {"limits": {"changes": [{"key": "rep.peak", "from": 160.0, "to": float("nan")}]},
           "x": np.float32("inf"), "rep_details": [], "faults": []}
    write_report(doc, tmp_path / "r.json")
    assert strict_json(tmp_path / "r.json")["limits"]["changes"][0]["to"] is None
    assert json.loads(jsonio.dumps({"a": (1.0, float("-inf"))})) == {"a": [1.0, None]}


def test_track_header_booleans_are_not_numbers(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"format": "posecoach.track", "version": 1, "width": true, "height": 480}\n')
    r = posecoach("analyze", str(path), "-e", "bridge", "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 3, "width")


# -- 7. track timestamps -------------------------------------------------------------------------
def _rewrite_times(track: Path, out: Path, times) -> Path:  # type: ignore[no-untyped-def]
    lines = track.read_text().splitlines()
    frames = [json.loads(ln) for ln in lines[1:]]
    with out.open("w") as fh:
        fh.write(lines[0] + "\n")
        for f, t in zip(frames, times(len(frames))):
            f["t_ms"] = t
            fh.write(json.dumps(f) + "\n")
    return out


@pytest.mark.parametrize("times, fragment", [
    (lambda n: [i * 33 - (2000 if i > n // 2 else 0) for i in range(n)], "does not come after"),
    (lambda n: [(n - i) * 33 for i in range(n)], "does not come after"),
    (lambda n: [i * 33 if i != 5 else 1e400 for i in range(n)], "t_ms"),
    (lambda n: [i * 33 if i != 5 else True for i in range(n)], "t_ms"),
])
def test_bad_track_timestamps_are_refused_not_dropped(tmp_path, times, fragment):
    track = _rewrite_times(bridge_track(tmp_path / "b.jsonl", reps=1), tmp_path / "bad.jsonl", times)
    r = posecoach("analyze", str(track), "-e", "bridge", "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 3, fragment)
    assert not (tmp_path / "r.json").exists()


def test_infinity_literal_timestamp(tmp_path):
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    lines = track.read_text().splitlines()
    lines[3] = re.sub(r'"t_ms":\d+', '"t_ms":Infinity', lines[3])
    assert "Infinity" in lines[3]
    track.write_text("\n".join(lines) + "\n")
    with pytest.raises(TrackError, match="t_ms"):
        list(read_frames(track))


def test_header_only_track_is_exit_3(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"format": "posecoach.track", "version": 1, "width": 640, "height": 480}\n')
    r = posecoach("analyze", str(path), "-e", "bridge", "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 3, "no frames")


def test_all_nan_frames_have_no_pose_and_infinite_landmarks_warn_nothing(tmp_path):
    path = tmp_path / "t.jsonl"
    good = np.full((COUNT, 4), 0.5)
    with TrackWriter(path, {"fps": 30.0, "width": 640, "height": 480}) as tw:
        for i in range(60):
            lm = good if i % 2 else np.full((COUNT, 4), np.nan)
            tw.write(PoseFrame(i, i * 33, 640, 480, lm))
    text = path.read_text().replace("[0.5,0.5,0.5,0.5]", "[1e999,0.5,0.5,0.5]", 3)
    path.write_text(text)
    frames = list(read_frames(path))
    assert sum(f.landmarks is not None for f in frames) == 30
    r = posecoach("analyze", str(path), "-e", "bridge", "--report", str(tmp_path / "r.json"))
    assert "Warning" not in r.stderr and "Traceback" not in r.stderr
    assert strict_json(tmp_path / "r.json")["frames_with_pose"] <= 30


# -- 6. and 10. damaged and unusual videos --------------------------------------------------------
def test_a_damaged_video_is_decoded_past_its_bad_frames(tmp_path):
    from posecoach.sources import VideoFileSource

    good = blank_video(tmp_path / "good.mp4", frames=91)
    bad = damaged(good, tmp_path / "bad.mp4")
    source = VideoFileSource(bad)
    frames = list(source)
    assert len(frames) + source.frames_lost == 91
    assert source.frames_lost > 0 and len(frames) > 60  # the old reader stopped at the damage (26 frames)
    times = [f.timestamp_ms for f in frames]
    assert times == sorted(set(times)) and times[-1] == round(90 * 1000 / 30)
    gap = source.damage()["frames_lost_at"][0]
    assert gap["before_s"] - gap["after_s"] == pytest.approx((gap["frames"] + 1) / 30, abs=0.02)


@pytest.mark.model
def test_analyze_says_how_many_frames_a_damaged_video_lost(tmp_path):
    bad = damaged(SAMPLE, tmp_path / "bridge.mp4")
    r = posecoach("analyze", str(bad), "-e", "bridge", "--model", "lite", "--report", str(tmp_path / "r.json"),
                  timeout=300)
    assert r.returncode == 0, r.stderr
    report = strict_json(tmp_path / "r.json")
    assert report["status"] == "partial" and report["frames_lost"] > 0
    assert report["frames"] + report["frames_lost"] == 463
    assert "could not be decoded" in r.stdout


def test_live_file_sources_pass_lost_frames_on(tmp_path):
    from posecoach.sources.camera import SequentialFileSource

    bad = damaged(blank_video(tmp_path / "good.mp4", frames=91), tmp_path / "bad.mp4")
    src = SequentialFileSource(bad)
    n = 0
    while src.next() is not None:
        n += 1
    src.close()
    assert n + src.damage()["frames_lost"] == 91


def _retime_mp4(src: Path, dst: Path, runs: list[tuple[int, int]]) -> None:
    """Rewrite an mp4's sample durations (its ``stts`` box) as (count, delta) runs, and its
    durations to match: a variable-frame-rate file, as phones record."""
    data = bytearray(src.read_bytes())

    def boxes(start: int, end: int):  # type: ignore[no-untyped-def]
        i = start
        while i < end:
            size, kind = struct.unpack_from(">I4s", data, i)
            yield i, size, kind
            i += size

    def find(start: int, end: int, chain: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
        for i, size, kind in boxes(start, end):
            if kind == b"stts":
                return [*chain, (i, size)]
            if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl"):
                found = find(i + 8, i + size, [*chain, (i, size)])
                if found:
                    return found
        return None

    top = [k for _, _, k in boxes(0, len(data))]
    assert top.index(b"mdat") < top.index(b"moov")  # so the chunk offsets stay right
    chain = find(0, len(data), [])
    i, size = chain[-1]
    (n,) = struct.unpack_from(">I", data, i + 12)
    old_total = sum(c * d for c, d in (struct.unpack_from(">II", data, i + 16 + 8 * k) for k in range(n)))
    body = bytes(4) + struct.pack(">I", len(runs)) + b"".join(struct.pack(">II", c, d) for c, d in runs)
    new = struct.pack(">I4s", 8 + len(body), b"stts") + body
    for j, s in chain[:-1]:
        struct.pack_into(">I", data, j, s + len(new) - size)
    data[i:i + size] = new
    ratio = sum(c * d for c, d in runs) / old_total
    for kind, offset in ((b"mvhd", 16), (b"tkhd", 20), (b"mdhd", 16), (b"elst", 8)):
        k = data.find(kind) + 4
        (dur,) = struct.unpack_from(">I", data, k + offset)
        struct.pack_into(">I", data, k + offset, round(dur * ratio))
    dst.write_bytes(bytes(data))


def test_variable_frame_rate_video_is_timed_by_each_frame(tmp_path):
    from posecoach.sources import VideoFileSource

    cfr = blank_video(tmp_path / "cfr.mp4", frames=60)
    data = cfr.read_bytes()
    k = data.find(b"stts")
    count, delta = struct.unpack_from(">II", data, k + 12)
    assert count == 60
    _retime_mp4(cfr, tmp_path / "vfr.mp4", [(30, delta), (30, 3 * delta)])  # 30 fps, then 10 fps
    times = [f.timestamp_ms for f in VideoFileSource(tmp_path / "vfr.mp4")]
    assert len(times) == 60
    assert times[29] == 967 and times[30] == 1000 and times[45] == 2500  # the average rate would say 3000
    assert times[59] == 3900


@pytest.mark.parametrize("fps", [0.5, 300.0])
def test_rates_outside_1_to_240_are_believed(tmp_path, fps):
    from posecoach.sources import VideoFileSource

    path = blank_video(tmp_path / "v.mp4", frames=10, fps=fps)
    source = VideoFileSource(path)
    assert source.fps == pytest.approx(fps)
    assert [f.timestamp_ms for f in source] == [round(i * 1000 / fps) for i in range(10)]


# -- 8. files that are not UTF-8, and deep nesting ----------------------------------------------
def test_non_utf8_files_are_one_line(tmp_path):
    latin = "été".encode("latin-1")  # what an editor set to Latin-1 saves
    spec = tmp_path / "bridge.toml"
    spec.write_bytes(BRIDGE_SPEC.read_bytes().replace(b'name = "', b'name = "\xe9', 1))
    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copy(spec, folder / "bridge.toml")
    shutil.copy(ROOT / "exercise_specs" / "plank.toml", folder / "plank.toml")
    r = posecoach("specs", "check", str(folder))
    assert r.returncode == 4 and "not UTF-8" in r.stdout and "ok   " in r.stdout and "1 valid, 1 invalid" in r.stdout
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    profile = tmp_path / "p.toml"
    profile.write_bytes(b'schema_version = 1\nname = "' + latin + b'"\n')
    r = posecoach("analyze", str(track), "-e", "bridge", "--profile", str(profile), "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 4, "not UTF-8")
    routine = tmp_path / "rt.toml"
    routine.write_bytes(b'schema_version = 1\nname = "\xff"\n[[steps]]\nexercise = "bridge"\n')
    r = posecoach("analyze", str(track), "-e", f"routine:{routine}", "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 4, "not UTF-8")
    bad_track = tmp_path / "bad.jsonl"
    bad_track.write_bytes(track.read_bytes().replace(b'"source": "synthetic bridge"', b'"source": "\xff"'))
    r = posecoach("analyze", str(bad_track), "-e", "bridge", "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 3)
    lines = track.read_bytes().split(b"\n")
    lines[4] = b"\xfe" + lines[4]
    bad_track.write_bytes(b"\n".join(lines))
    r = posecoach("analyze", str(bad_track), "-e", "bridge", "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 3, ":5: not UTF-8")
    manifest = tmp_path / "labels.json"
    manifest.write_bytes(b'{"clips": [{"file": "\xe9.mp4", "exercise": "bridge", "reps": 1}]}')
    r = posecoach("eval", str(manifest))
    assert_one_line_error(r, 3, "not UTF-8")


def test_replay_track_and_session_file_not_utf8(tmp_path, video):
    track = tmp_path / "t.jsonl"
    track.write_bytes(b'{"format": "posecoach.track", "version": 1, "width": 160, "height": 120, "x": "\xff"}\n')
    r = posecoach("replay", str(video), "-e", "bridge", "--track", str(track), "-o", str(tmp_path / "o.mp4"))
    assert_one_line_error(r, 3)
    session = tmp_path / "sess"
    session.mkdir()
    (session / "session.json").write_bytes(b'{"format": "posecoach.session", "exercise": "\xff"}')
    r = posecoach("replay", str(session), "-o", str(tmp_path / "o.mp4"))
    assert_one_line_error(r, 2, "not UTF-8")


def test_deep_nesting_is_one_line(tmp_path):
    spec = tmp_path / "deep.toml"
    spec.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    r = posecoach("specs", "check", str(spec))
    assert r.returncode == 4 and "nested too deeply" in r.stdout and "Traceback" not in r.stderr
    manifest = tmp_path / "labels.json"
    manifest.write_text("[" * 100000 + "]" * 100000)
    r = posecoach("eval", str(manifest))
    assert_one_line_error(r, 3, "nested too deeply")


# -- 9. batch --------------------------------------------------------------------------------------
def _three_videos(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    return [blank_video(folder / f"{n}.mp4", frames=3) for n in ("a", "b", "c")]


def test_batch_jobs_1_isolates_one_videos_internal_error(tmp_path, monkeypatch):
    from posecoach.app import batch

    videos = _three_videos(tmp_path)

    def fake(video, exercise, model, report, save):  # type: ignore[no-untyped-def]
        if video.endswith("b.mp4"):
            raise RuntimeError("boom")
        return batch.VideoResult(video, report=report, reps=1)

    monkeypatch.setattr(batch, "analyse_one", fake)
    results = batch.run_batch(videos, "bridge", out_dir=tmp_path / "out", jobs=1)
    assert [r.ok for r in results] == [True, False, True]
    assert "internal error" in results[1].error and results[1].exit_code == 1


def test_batch_ctrl_c_stops_queued_videos_and_still_sums_up(tmp_path, monkeypatch):
    from posecoach.app import batch
    videos = _three_videos(tmp_path)
    ran: list[str] = []

    def fake(video, exercise, model, report, save):  # type: ignore[no-untyped-def]
        ran.append(Path(video).name)
        if video.endswith("b.mp4"):  # Ctrl-C while b is analysed: b keeps a partial report
            return batch.VideoResult(video, report=report, error="interrupted (partial report)", exit_code=130)
        return batch.VideoResult(video, report=report, reps=1)

    monkeypatch.setattr(batch, "analyse_one", fake)
    monkeypatch.setattr("posecoach.pose.models.resolve_model", lambda *a, **k: Path("model.task"))
    from posecoach.cli import build_parser

    ns = build_parser().parse_args(["batch", str(videos[0].parent), "-e", "bridge", "--jobs", "1",
                                    "--out", str(tmp_path / "out"), "-q"])
    assert ns.func(ns) == 130
    assert ran == ["a.mp4", "b.mp4"]  # c was never started
    summary = strict_json(tmp_path / "out" / "batch.json")
    assert [v["exit_code"] for v in summary["videos"]] == [0, 130, 130]
    assert "not analysed" in summary["videos"][2]["error"]


# -- 11. smaller ones ----------------------------------------------------------------------------
def test_sigterm_stops_analyze_like_ctrl_c(tmp_path):
    track = bridge_track(tmp_path / "long.jsonl", reps=60)  # four minutes of landmarks
    out = tmp_path / "r.json"
    proc = subprocess.Popen([sys.executable, "-m", "posecoach", "analyze", str(track), "-e", "bridge",
                             "--report", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)  # past the imports, into the frames
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.fail("the analysis finished before SIGTERM came; make the track longer")
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    report = strict_json(out)
    assert report["status"] == "partial" and report["stop"]["reason"] == "interrupted"
    assert 0 < report["frames"] < 60 * 4 * 30


def test_ctrl_c_at_any_moment_of_startup_is_clean():
    # (before about 0.1 s the interpreter itself is starting, out of the program's reach)
    for delay in (0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.8):
        proc = subprocess.Popen([sys.executable, "-m", "posecoach", "exercises"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert "Traceback" not in stderr, (delay, stderr)
        assert proc.returncode in (0, 130, -signal.SIGINT), (delay, proc.returncode, stderr)


@pytest.mark.model
def test_live_exits_6_when_nobody_is_in_view(tmp_path):
    video = blank_video(tmp_path / "empty_room.mp4", frames=20, size=(320, 240))
    r = posecoach("live", "-e", "bridge", "--source", str(video), "--no-drop", "--headless", "--mute",
                  "--model", "lite", "--report", str(tmp_path / "r.json"), timeout=300)
    assert r.returncode == 6, r.stderr
    assert "nobody was found" in r.stderr
    assert strict_json(tmp_path / "r.json")["frames_with_pose"] == 0


# -- 4. a full disk while recording a live set ------------------------------------------------------
def _limit_file_size(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails (EFBIG), as on a full disk
    return apply


@pytest.mark.model
def test_full_disk_degrades_recording_and_coaching_goes_on(tmp_path):
    rec = tmp_path / "rec"
    r = subprocess.run([sys.executable, "-m", "posecoach", "live", "-e", "bridge", "--source", str(SAMPLE),
                        "--no-drop", "--headless", "--mute", "--model", "lite", "--record", str(rec)],
                       capture_output=True, text=True, timeout=300, preexec_fn=_limit_file_size(200_000))
    assert "Traceback" not in r.stderr
    assert r.returncode == 0, r.stderr
    notices = [ln for ln in r.stderr.splitlines() if "recording stopped" in ln]
    assert len(notices) == 1, r.stderr
    report = strict_json(rec / "report.json")
    assert report["stop"]["reason"] != "in_progress" and report["frames"] == 463  # every frame was coached
    assert report["reps"] >= 2
    assert (rec / "track.jsonl").stat().st_size <= 200_000


# -- 5. losing the display ends the set with the report written -------------------------------------
@pytest.mark.model
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (apt-get install xvfb)")
def test_losing_the_display_ends_the_set_with_its_report(tmp_path):
    display = f":{200 + os.getpid() % 500}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sock = Path(f"/tmp/.X11-unix/X{display[1:]}")
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        out = tmp_path / "r.json"
        env = {**os.environ, "DISPLAY": display}
        env.pop("POSECOACH_HEADLESS", None)
        proc = subprocess.Popen([sys.executable, "-m", "posecoach", "live", "-e", "bridge", "--source", str(SAMPLE),
                                 "--mute", "--no-listen", "--model", "lite", "--summary-s", "0", "--report", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 120
        while not out.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)  # the first report saved while coaching: the window is up
        time.sleep(1.0)
        xvfb.terminate()
        xvfb.wait(10)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if xvfb.poll() is None:
            xvfb.kill()
    report = strict_json(out)
    assert report["frames"] > 0
    # the loop sees the display go before the window does, and ends the set (exit 7); should
    # the window's toolkit see it first and end the process, the report saved each second stays
    if proc.returncode == 7:
        lines = [ln for ln in stderr.splitlines() if ln.startswith("posecoach:")]
        assert len(lines) == 1 and "display went away" in lines[0], stderr
        assert report["stop"]["reason"] == "display_lost"
    else:
        assert report["stop"]["reason"] == "in_progress", (proc.returncode, stderr)


def test_eval_outputs_equal_to_the_manifest_are_refused(tmp_path):
    manifest = tmp_path / "labels.json"
    manifest.write_text('{"clips": []}')
    r = posecoach("eval", str(manifest), "--markdown", str(manifest))
    assert_one_line_error(r, 2, "destroy")
    assert manifest.read_text() == '{"clips": []}'


def test_a_key_with_a_line_break_still_gives_one_line(tmp_path):
    """Found by the fuzz test: an unknown key holding a newline made a two-line message."""
    spec = tmp_path / "bridge.toml"
    spec.write_text(BRIDGE_SPEC.read_text() + '\n"a\\nb" = 1\n')
    r = posecoach("specs", "check", str(spec))
    assert r.returncode == 4
    fails = [ln for ln in r.stdout.splitlines() if ln.startswith("FAIL")]
    assert len(fails) == 1 and "unknown key" in fails[0] and len(r.stdout.splitlines()) == 2


def test_a_profile_nan_dose_with_a_build_up_is_one_line(tmp_path):
    """Found by the fuzz test: the build-up read the dose before it was validated."""
    track = bridge_track(tmp_path / "b.jsonl", reps=1)
    profile = tmp_path / "p.toml"
    profile.write_text('schema_version = 1\nname = "x"\n[exercises.bridge]\ndose.reps = nan\n'
                       '[progression]\nstart_date = 2026-01-05\nstart_reps = 2\nadd_per_week = 1\n')
    r = posecoach("analyze", str(track), "-e", "bridge", "--profile", str(profile), "--report", str(tmp_path / "r.json"))
    assert_one_line_error(r, 4, "dose.reps")

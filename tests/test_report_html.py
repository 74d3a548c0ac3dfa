"""``posecoach report``: self-contained HTML pages with real plots, opened in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from store_fixtures import real_report

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def posecoach(*args: str, store: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posecoach", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "POSECOACH_STORE": str(store)}, timeout=timeout)


def open_in_chromium(page: Path, screenshot: Path, tmp_path: Path, height: int = 2400) -> list[str]:
    """Render the page headless, save a screenshot, return the console messages it logged
    (script errors, and any request the page's content policy blocked)."""
    if CHROMIUM is None:
        pytest.skip("needs Chromium to render the report page (apt-get install chromium)")
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={tmp_path / 'chromium'}", "--enable-logging=stderr", "--v=0",
                        f"--window-size=1000,{height}", f"--screenshot={screenshot}", page.resolve().as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert screenshot.exists() and screenshot.stat().st_size > 10_000, r.stderr[-2000:]
    return [line for line in r.stderr.splitlines() if ":CONSOLE" in line]


def test_the_browser_check_catches_script_errors_and_outside_requests(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
                    "content=\"default-src 'none'; img-src data:\"></head><body>" + "<p>text</p>" * 200
                    + "<img src=\"https://example.org/x.png\"><script>console.error('boom')</script></body></html>")
    messages = open_in_chromium(page, tmp_path / "bad.png", tmp_path, height=600)
    assert any("example.org" in m for m in messages), messages  # blocked by the policy, and logged


def stored_history(tmp_path: Path) -> Path:
    store = tmp_path / "s.sqlite"
    files = [real_report(tmp_path, "bridge_ball_feet_view", "bridge"),
             real_report(tmp_path, "plank_two_angles", "plank"),
             real_report(tmp_path, "bridge_ball_feet_view", "bridge", "bridge_pain", pain_at=13.0)]
    for f in files:
        assert posecoach("history", "import", str(f), "--person", "alex", store=store).returncode == 0
    assert posecoach("history", "pain", "2", "--session", "1", store=store).returncode == 0
    return store


def test_progress_report_renders_offline_with_plots(tmp_path):
    store = stored_history(tmp_path)
    out = tmp_path / "progress.html"
    r = posecoach("report", "--person", "alex", "-o", str(out), store=store)
    assert r.returncode == 0 and r.stdout.strip() == f"report: {out}", r.stderr
    page = out.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", page)  # nothing to fetch
    assert "<script" not in page
    assert page.count("<svg") == 3  # adherence, and one panel of trends per exercise (bridge, plank)
    assert "Days exercised: 1 of 1" in page and "Reps done against prescribed" in page
    assert "Hip flexion (degrees from straight, 0 = straight)" in page
    assert "Measured error of the hip angle from the side: typically 4.2°" in page
    assert "stop at 13.0 s, after rep 1, before the next" in page and "2/10" in page
    ARTIFACTS.mkdir(exist_ok=True)
    assert open_in_chromium(out, ARTIFACTS / "report_progress.png", tmp_path) == []


def test_session_report_of_a_real_track_has_the_metric_trace_and_marks(tmp_path):
    report = real_report(tmp_path, "bridge_ball_feet_view", "bridge", pain_at=13.0)
    out = tmp_path / "session.html"
    r = posecoach("report", str(report), "-o", str(out), store=tmp_path / "unused.sqlite")
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    assert page.count("<svg") == 2  # the session over time, range of motion per rep
    assert "pain stop" in page and "Pain stop" in page
    assert "no landmark track saved" not in page  # the trace was re-measured from the track
    assert open_in_chromium(out, tmp_path / "session.png", tmp_path) == []


def test_session_report_of_a_video_shows_a_still_at_each_fault(tmp_path):
    """The real model on the synthetic sagging-bridge clip: its hips_sag fault gets a still frame."""
    video = ROOT / "sample_videos" / "bridge_hips_sag.mp4"
    store = tmp_path / "s.sqlite"
    report = tmp_path / "sag.report.json"
    r = posecoach("analyze", str(video), "-e", "bridge", "--report", str(report), "-q",
                  "--save-track", str(tmp_path / "sag.jsonl"), store=store)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "sag.html"
    r = posecoach("report", "1", "-o", str(out), store=store)  # by its session number
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    stills = re.findall(r'<img alt="([a-z_]+) at [0-9.]+ s" src="data:image/jpeg;base64,', page)
    assert "hips_sag" in stills
    ARTIFACTS.mkdir(exist_ok=True)
    assert open_in_chromium(out, ARTIFACTS / "report_session.png", tmp_path, height=2800) == []


def test_report_usage_errors_are_one_line(tmp_path):
    store = tmp_path / "s.sqlite"
    r = posecoach("report", "-o", str(tmp_path / "x.html"), store=store)
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith("posecoach: error: give either a session")
    r = posecoach("report", "--person", "nobody", "-o", str(tmp_path / "x.html"), store=store)
    assert r.returncode == 2 and "no sessions; people in the store: (nobody yet)" in r.stderr
    r = posecoach("report", str(tmp_path / "missing.json"), "-o", str(tmp_path / "x.html"), store=store)
    assert r.returncode == 3 and r.stderr.strip() == f"posecoach: error: {tmp_path / 'missing.json'}: no such file"


def test_a_pdf_comes_from_the_same_page(tmp_path):
    report = real_report(tmp_path, "plank_two_angles", "plank")
    out = tmp_path / "plank.pdf"
    r = posecoach("report", str(report), "-o", str(out), store=tmp_path / "unused.sqlite")
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 10_000

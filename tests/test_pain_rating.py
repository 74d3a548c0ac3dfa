"""The pain rating after a live set: number keys on the end screen, stored with the session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from posecoach.pain import rating_from_keys

ROOT = Path(__file__).resolve().parent.parent


def keys(*seq: str | None):
    it = iter(seq)
    return lambda: next(it, None)


def test_number_keys_give_a_rating_and_other_keys_none():
    assert rating_from_keys("4", keys()) == 4
    assert rating_from_keys("0", keys()) == 0
    assert rating_from_keys("1", keys("0")) == 10
    assert rating_from_keys("1", keys(None)) == 1  # no second key in time: a 1
    assert rating_from_keys("1", keys("5")) == 1
    assert rating_from_keys("q", keys()) is None
    assert rating_from_keys(None, keys()) is None
    assert rating_from_keys(" ", keys()) is None


def test_a_live_pain_stop_then_a_rating_of_10_is_stored(tmp_path):
    """The real model on the synthetic bridge clip, played live: p at 4 s, then 1 and 0 on the end screen."""
    store = tmp_path / "s.sqlite"
    report = tmp_path / "live.report.json"
    env = {**os.environ, "POSECOACH_STORE": str(store)}
    r = subprocess.run([sys.executable, "-m", "posecoach", "live", "-e", "bridge", "--source",
                        str(ROOT / "sample_videos" / "bridge.mp4"), "--headless", "--no-drop", "--mute",
                        "--keys", "4:p,4.1:1,4.2:0", "--report", str(report), "--person", "alex"],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "  pain after the set: 10/10" in r.stdout
    data = json.loads(report.read_text())
    assert data["session"]["pain_rating"] == 10 and data["session"]["person"] == "alex"
    assert data["pain_stop"]["t_s"] == 4.0 and data["pain_stop"]["phase"]
    h = subprocess.run([sys.executable, "-m", "posecoach", "history", "--person", "alex"], capture_output=True,
                       text=True, cwd=ROOT, env=env, timeout=60)
    assert "PAIN STOP at 4.0 s" in h.stdout and "pain 10/10" in h.stdout

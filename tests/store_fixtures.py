"""Real session reports for store, history and report tests: the engine run on real landmark tracks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import REAL

TRACKS = REAL / "tracks"


def real_report(tmp_path: Path, track: str = "bridge_ball_feet_view", exercise: str = "bridge",
                name: str | None = None, *, pain_at: float | None = None) -> Path:
    """Analyse a real landmark track (no model) into ``tmp_path/<name>.report.json``; with
    ``pain_at`` the set is ended by a pain stop at that time, as the live window's p key does."""
    from posecoach.app.pipeline import Analysis, finish
    from posecoach.spec.loader import find_spec
    from posecoach.track import read_frames, read_header

    path = TRACKS / f"{track}.jsonl"
    header = read_header(path)
    analysis = Analysis(find_spec(exercise))
    for pose in read_frames(path):
        if pain_at is not None and pose.timestamp_ms / 1000.0 >= pain_at:
            analysis.session.pain_stop(pose.timestamp_ms / 1000.0)
            break
        analysis.step_pose(pose)
    source = {"track": str(path), "video": header.get("source"), "fps": header.get("fps"),
              "width": header["width"], "height": header["height"], "model": header.get("model")}
    out = tmp_path / f"{name or track}.report.json"
    finish(analysis, source, out)
    return out


def load(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))

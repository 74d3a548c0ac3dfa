"""Landmark tracks: round trip, crash-truncated files, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.errors import TrackError
from posecoach.track import TrackWriter, read_frames, read_header
from posecoach.types import PoseFrame


def frames(n: int):
    rng = np.random.default_rng(1)
    for i in range(n):
        if i == 2:
            yield PoseFrame.empty(i, i * 33, 640, 480)
            continue
        lm = np.round(rng.random((33, 4)), 5)
        lm[5, :3] = np.nan
        yield PoseFrame(i, i * 33, 640, 480, lm, np.round(rng.random((33, 3)), 5))


def test_round_trip_is_exact(tmp_path):
    path = tmp_path / "t.jsonl"
    orig = list(frames(5))
    with TrackWriter(path, {"fps": 30.0, "width": 640, "height": 480}) as w:
        for f in orig:
            w.write(f)
    back = list(read_frames(path))
    assert read_header(path)["fps"] == 30.0
    assert len(back) == 5 and back[2].landmarks is None
    for a, b in zip(orig, back):
        assert a.timestamp_ms == b.timestamp_ms
        if a.landmarks is not None:
            np.testing.assert_array_equal(a.landmarks, b.landmarks)
            np.testing.assert_array_equal(a.world, b.world)


def test_truncated_last_line_keeps_the_frames_before_it(tmp_path):
    path = tmp_path / "t.jsonl"
    with TrackWriter(path, {"width": 640, "height": 480}) as w:
        for f in frames(4):
            w.write(f)
    text = path.read_text()
    path.write_text(text[: len(text) - 40])  # a crash mid-write
    assert len(list(read_frames(path))) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hello\n", "not a posecoach track (first line is not JSON)"),
        ('{"a": 1}\n', 'not a posecoach track (no "format": "posecoach.track" header)'),
        ('{"format": "posecoach.track", "version": 9, "width": 1, "height": 1}\n', "track version 9 is not supported"),
        ('{"format": "posecoach.track", "version": 1, "width": 0, "height": 1}\n', "header needs a positive integer 'width'"),
    ],
)
def test_bad_track_headers(tmp_path, content, message):
    path = tmp_path / "t.jsonl"
    path.write_text(content)
    with pytest.raises(TrackError, match=message.replace("(", r"\(").replace(")", r"\)")):
        list(read_frames(path))


def test_bad_frame_line_names_the_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"format": "posecoach.track", "version": 1, "width": 2, "height": 2}\n{"i": 0, "t_ms": 0, "lm": [[1, 2]]}\n')
    with pytest.raises(TrackError, match=r"t.jsonl:2: expected 33 rows of 4 numbers"):
        list(read_frames(path))

"""Every file format's model: one-line errors naming the file, the place and the value given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecoach.errors import ModelError, SpecError, TrackError
from posecoach.errors import ManifestError
from posecoach.evaluation.score import load_manifest
from posecoach.formats import errors as ferrors
from posecoach.formats.manifest import Manifest
from posecoach.formats.routine import RoutineFile
from posecoach.formats.session import SessionFile
from posecoach.pose import models
from posecoach.routine import load_routine
from posecoach.spec.profile import load_profile
from posecoach.track import read_header


def _one_line(exc: pytest.ExceptionInfo, path: Path | str, *fragments: str) -> None:
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(path)), msg
    for f in fragments:
        assert f in msg, msg


@pytest.mark.parametrize(("text", "fragments"), [
    ('schema_version = 1\n[progression]\nstart_date = "2026-11-02"\nstart_reps = 1\nadd_per_week = 0\n',
     ("progression.start_date: expected a date such as 2026-11-02 [got '2026-11-02']",)),
    ("schema_version = 1\n[progression]\nstart_date = 2026-11-02\nstart_reps = true\nadd_per_week = 0\n",
     ("progression.start_reps: expected a whole number >= 1 [got True]",)),
    ("schema_version = 1\n[progression]\nstart_date = 2026-11-02\nstart_reps = 1\nadd_per_week = 0\nweeks = 3\n",
     ("progression.weeks: unknown key; expected one of start_date, start_reps, add_per_week",)),
    ("schema_version = true\n", ("schema_version: expected 1 [got True]",)),
    ("schema_version = 1\nname = 3\n", ("name: expected text in quotes [got 3]",)),
    ("schema_version = 1\nexercises = 3\n", ("exercises: expected tables such as [exercises.back_extension]",)),
    ("schema_version = 1\n[exercises]\nbridge = 3\n", ("exercises.bridge: expected a table of changes",)),
])
def test_profile_layout_errors(tmp_path: Path, text: str, fragments: tuple[str, ...]) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        load_profile(path)
    _one_line(exc, path, *fragments)


@pytest.mark.parametrize(("text", "fragments"), [
    ("schema_version = 2\n[[steps]]\nexercise = 'bridge'\n", ("schema_version: expected 1 [got 2]",)),
    ("schema_version = 1\nsteps = [3]\n", ('steps[0]: expected a table with exercise = "ID" [got 3]',)),
    ("schema_version = 1\n[[steps]]\nreps = 3\n", ('steps[0].exercise: required: an exercise id such as "cat_cow"',)),
    ("schema_version = 1\n[[steps]]\nexercise = 'bridge'\nreps = '3'\n", ("steps[0].reps: expected a whole number [got '3']",)),
    ("schema_version = 1\n[[steps]]\nexercise = 'bridge'\nreps = true\n", ("steps[0].reps: expected a whole number [got True]",)),
    ("schema_version = 1\nname = 5\n[[steps]]\nexercise = 'bridge'\n", ("name: Input should be a valid string [got 5]",)),
    ("schema_version = 1\ncolour = 1\n[[steps]]\nexercise = 'bridge'\n", ("colour: unknown key; expected one of schema_version, name, note, steps",)),
])
def test_routine_layout_errors(tmp_path: Path, text: str, fragments: tuple[str, ...]) -> None:
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        load_routine(str(path))
    _one_line(exc, path, *fragments)


def test_routine_step_dose_is_only_what_the_step_sets() -> None:
    step = RoutineFile.model_validate({"schema_version": 1, "steps": [{"exercise": "childs_pose", "hold_s": 20}]}).steps[0]
    assert step.dose() == {"hold_s": 20.0}


@pytest.mark.parametrize(("header", "fragment"), [
    ({"width": 640, "height": 480, "fps": "30"}, "fps: header's \"fps\" must be a positive number [got '30']"),
    ({"width": 640, "height": 480, "fps": -1}, "fps: header's \"fps\" must be a positive number [got -1]"),
    ({"width": 640.0, "height": 480}, "width: header needs a positive integer 'width' [got 640.0]"),
    ({"width": 640, "height": 200_000}, "height: header needs a positive integer 'height' [got 200000]"),
    ({"width": 640}, "height: required key is missing"),
])
def test_track_header_errors(tmp_path: Path, header: dict, fragment: str) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"format": "posecoach.track", "version": 1, **header}) + "\n", encoding="utf-8")
    with pytest.raises(TrackError) as exc:
        read_header(path)
    _one_line(exc, f"{path}:1", fragment)


def test_track_header_keeps_descriptive_keys(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"format": "posecoach.track", "version": 1, "width": 4, "height": 3, "model": "full",
                                "source": "a.mp4"}) + "\n", encoding="utf-8")
    assert read_header(path) == {"format": "posecoach.track", "version": 1, "width": 4, "height": 3, "model": "full",
                                 "source": "a.mp4"}


@pytest.mark.parametrize(("clip", "fragment"), [
    ({"file": "x.mp4", "exercise": "bridge", "holds": None}, "clips[0].holds: expected a list of {\"start\", \"end\"}"),
    ({"file": "x.mp4", "exercise": "bridge", "holds": [{"start": "1", "end": 2}]}, "clips[0].holds[0].start: expected a number"),
    ({"file": "x.mp4", "exercise": "bridge", "holds": [{"start": 1, "end": 2e6}]},
     "clips[0].holds[0].end: expected a number between -1e+06 and 1e+06 [got 2000000.0]"),
    ({"file": "x.mp4", "exercise": "bridge", "faults": [{"id": "a", "start": 1, "end": 2, "severity": 3}]},
     "clips[0].faults[0].severity: expected a string like \"moderate\" [got 3]"),
    ({"file": "x.mp4", "exercise": "bridge", "reps_per_side": {"left": True}}, "clips[0].reps_per_side: expected {\"left\": n, \"right\": n}"),
    ({"file": "x\u0000.mp4", "exercise": "bridge"}, "clips[0].file: not a file name"),
    ({"file": "x.mp4", "exercise": "bridge", "view": 1}, "clips[0].view: expected a view name such as \"side\" [got 1]"),
])
def test_label_errors(tmp_path: Path, clip: dict, fragment: str) -> None:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"clips": [clip]}), encoding="utf-8")
    with pytest.raises(ManifestError) as exc:
        load_manifest(path)
    _one_line(exc, path.resolve(), fragment)


def test_label_keys_for_people_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"about": "x", "clips": [{"file": "x.mp4", "exercise": "bridge", "reps": 2, "notes": "n",
                                                          "holds": [{"start": 1, "end": 2, "side": "left"}]}]}))
    (clip,) = load_manifest(path)
    assert clip.reps == 2 and clip.holds[0].tag == "left" and clip.faults is None


def test_shipped_model_manifest_is_valid_and_a_damaged_one_is_one_line(tmp_path: Path, monkeypatch) -> None:
    good = json.loads(models.manifest_path().read_text(encoding="utf-8"))
    assert set(Manifest.model_validate(good).models) == {"lite", "full", "heavy"}
    bad = json.loads(json.dumps(good))
    bad["models"]["full"]["sha256"] = "abc"
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    monkeypatch.setattr(models, "manifest_path", lambda: path)
    with pytest.raises(ModelError) as exc:
        models.load_manifest()
    _one_line(exc, f"model manifest {path}", "models.full.sha256:", "[got 'abc']", "restore it from the repository")
    bad = json.loads(json.dumps(good))
    bad["google_url"] = bad["google_url"].replace("https://", "http://")
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ModelError, match="google_url: expected an https:// address"):
        models.load_manifest()


def test_session_file_names_are_names() -> None:
    ok = SessionFile.model_validate({"format": "posecoach.session", "video": "video.ts", "camera": 0})
    assert ok.version == 1 and ok.to_dict() == {"format": "posecoach.session", "video": "video.ts", "camera": 0}
    with pytest.raises(SpecError, match=r"s.json: track: expected a file name or id \[got ''\]"):
        ferrors.validate(SessionFile, {"format": "posecoach.session", "track": ""}, "s.json")


def test_unknown_key_reaches_into_nested_models() -> None:
    data = {"schema_version": 1, "steps": [{"exercise": "bridge"}, {"exercise": "bridge", "rep": 1}]}
    assert ferrors.unknown_key(RoutineFile, data) == "steps[1].rep: unknown key; expected one of exercise, reps, holds, hold_s, note"
    assert ferrors.unknown_key(RoutineFile, {"schema_version": 1}) is None

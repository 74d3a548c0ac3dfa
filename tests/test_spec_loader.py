"""Spec validation: every shipped spec loads, and broken ones fail with one exact line."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from posecoach.errors import SpecError, UnknownExerciseError
from posecoach.spec.loader import exercise_ids, find_spec, load_spec, specs_dir

BRIDGE = specs_dir() / "bridge.toml"


def test_every_shipped_spec_is_valid():
    ids = exercise_ids()
    assert {"back_extension", "bottom_to_heels", "single_knee_hug", "double_knee_hug", "childs_pose", "bridge",
            "cat_cow", "bird_dog"} <= set(ids)
    for i in ids:
        spec = find_spec(i)
        assert spec.id == i and spec.instructions.strip()


def write_variant(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    data = tomllib.loads(BRIDGE.read_text())
    edit(data)
    path = tmp_path / "bridge.toml"
    path.write_text(_dump(data))
    return path


def _dump(data: dict, prefix: str = "") -> str:
    """A small TOML writer for test variants (tables, arrays of tables, scalars, lists)."""
    import json

    scalars, tables, arrays = [], [], []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            arrays.append((k, v))
        else:
            scalars.append(f"{k} = {json.dumps(v)}")
    out = "\n".join(scalars) + "\n"
    for k, v in tables:
        out += f"\n[{prefix}{k}]\n" + _dump(v, f"{prefix}{k}.")
    for k, items in arrays:
        for item in items:
            out += f"\n[[{prefix}{k}]]\n" + _dump(item, f"{prefix}{k}.")
    return out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["faults"][1]["when"][0].update(op="=>"),
         "faults[1].when[0].op: expected one of '<', '>', 'between' or 'outside' [got '=>']"),
        (lambda d: d["rep"].update(metirc="hip_angle"),
         "rep.metirc: unknown key (check the spelling; see docs in exercise_specs/README.md) [got 'hip_angle']"),
        (lambda d: d["rep"].update(metric="hip_angel"),
         "rep.metric: unknown metric 'hip_angel'; defined: hip_above_line, hip_angle, knee_angle"),
        (lambda d: d["metrics"]["knee_angle"].update(points=["hip", "kne", "ankle"]),
         "metrics.knee_angle: unknown point 'kne'; use a landmark such as 'left_hip', a sided name such as 'hip', or a midpoint such as 'mid_hip'"),
        (lambda d: d["metrics"]["knee_angle"].update(type="joint"),
         "metrics.knee_angle: unknown metric type; expected one of 'joint_angle', 'segment_angle', 'distance', 'offset', 'displacement', 'lateral', 'line_offset' [got 'joint']"),
        (lambda d: d["rep"].update(rest=170),
         "rep: direction 'up' needs peak > rest"),
        (lambda d: d["setup"]["require"][0].update(value=30),
         "setup.require[0]: op 'between' needs value = [low, high]"),
        (lambda d: d["rep"].update(side_from="travel"),
         "rep.travel_point: side_from = 'travel' needs a sided point such as 'knee' or 'ankle' [got None]"),
        (lambda d: d["rep"].update(side_from="travel", travel_point="mid_knee"),
         "rep.travel_point: side_from = 'travel' needs a sided point such as 'knee' or 'ankle' [got 'mid_knee']"),
        (lambda d: d.pop("instructions"), "instructions: required key is missing"),
        (lambda d: d.update(view=["sideways"]),
         "view[0]: expected one of 'side', 'front', 'back', 'above' or 'feet' [got 'sideways']"),
        (lambda d: d.pop("rep"), "(top level): a spec needs exactly one of [rep] or [hold]"),
        (lambda d: d.update(hold={"require": d["setup"]["require"], "target_s": 5}),
         "(top level): a spec needs exactly one of [rep] or [hold]"),
    ],
)
def test_broken_spec_errors_name_file_place_and_expectation(tmp_path, edit, message):
    path = write_variant(tmp_path, edit)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert str(err.value) == f"{path}: {message}"
    assert "\n" not in str(err.value)


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "bridge.toml"
    path.write_text('schema_version = 1\nid = "bridge\n')
    with pytest.raises(SpecError, match=r"bridge.toml: not valid TOML: .*line 2"):
        load_spec(path)


def test_id_must_match_file_name(tmp_path):
    path = tmp_path / "other.toml"
    path.write_text(BRIDGE.read_text())
    with pytest.raises(SpecError, match=r"other.toml: id: must match the file name 'other' \[got 'bridge'\]"):
        load_spec(path)


def test_unknown_exercise_lists_the_valid_ones():
    with pytest.raises(UnknownExerciseError) as err:
        find_spec("bridg")
    assert "unknown exercise 'bridg'; valid ones: " in str(err.value)
    assert "bridge" in str(err.value) and "cat_cow" in str(err.value)


def test_specs_are_frozen():
    spec = find_spec("bridge")
    with pytest.raises(Exception):
        spec.rep.rest = 10  # type: ignore[misc]
    assert copy.deepcopy(spec) == spec

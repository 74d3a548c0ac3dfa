"""Fuzzing every file format posecoach reads: exercise specs, profiles, routines, landmark tracks,
label manifests, recorded-session files, and the reports it writes read back.

Each reader gets structured mutations of real files (a value swapped for NaN, a boolean, a huge
number, a string, a list; a key dropped or invented) and byte-level damage (bytes flipped, cut
short, non-UTF-8 inserted). The only exception a reader may raise is the project's own
``PosecoachError``: a one-line message with its exit code, never a traceback. A spec that does
validate is also run through the engine on a short synthetic clip.

Bounded for CI: every test has a fixed ``max_examples`` and the whole file runs in well under a
minute; ``POSECOACH_FUZZ_EXAMPLES`` raises the count for a longer hunt.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecoach.errors import PosecoachError

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "exercise_specs"
SPEC_FILES = sorted(SPECS.glob("*.toml"))
SCALE = float(os.environ.get("POSECOACH_FUZZ_EXAMPLES", "1"))


def fuzz(n: int):  # type: ignore[no-untyped-def]
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


# -- values a careless edit, a bad tool or a hostile file puts where a number was ----------------
NASTY_FLOATS = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 1e-320, 0.0, -0.0, 1e6, 1e7])
SCALARS = st.one_of(
    NASTY_FLOATS,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.text(max_size=12),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=8)


def _toml_key(k: str) -> str:
    return json.dumps(k)  # a quoted key is always a valid TOML key


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(str(k))} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(doc: dict[str, Any]) -> str:
    """A TOML document for ``doc`` (inline tables throughout: simple, and always valid TOML)."""
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in doc.items())


def _leaves(doc: Any, path: tuple = ()) -> list[tuple]:  # type: ignore[type-arg]
    out = [path] if path else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _leaves(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _leaves(v, (*path, i))
    return out


def mutate(doc: dict[str, Any], data: st.DataObject, rounds: int = 3) -> dict[str, Any]:
    """Up to ``rounds`` changes at random places: replace a value, drop a key, add a key."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, rounds))):
        paths = _leaves(doc)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent: Any = doc
        for p in path[:-1]:
            parent = parent[p]
        action = data.draw(st.sampled_from(["replace", "replace", "replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(VALUES)
        elif action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "drop" and isinstance(parent, list):
            parent.pop(path[-1])
        elif isinstance(parent, dict):
            parent[data.draw(st.text(min_size=1, max_size=8))] = data.draw(VALUES)
    return doc


def damage_bytes(raw: bytes, data: st.DataObject) -> bytes:
    """Byte-level damage: flips, a cut, non-UTF-8 and control bytes, a duplicated stretch."""
    b = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        if not b:
            break
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        i = data.draw(st.integers(0, len(b) - 1))
        if kind == "flip":
            b[i] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del b[i:]
        elif kind == "insert":
            b[i:i] = data.draw(st.sampled_from([b"\xff", b"\xc3", b"\x00", b"\r", b"[[[[[[", b"NaN", b"\xef\xbb\xbf"]))
        else:
            j = data.draw(st.integers(i, min(len(b), i + 200)))
            b[i:i] = b[i:j]
    return bytes(b)


def only_own_errors(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Call ``fn``; a ``PosecoachError`` is fine (its message must be one line), anything else fails."""
    try:
        return fn(*args, **kwargs)
    except PosecoachError as exc:
        assert "\n" not in str(exc), str(exc)
        return None


# -- exercise specs ---------------------------------------------------------------------------------
SPEC_DOCS = [tomllib.loads(p.read_text(encoding="utf-8")) for p in SPEC_FILES]


def _short_clip(spec: Any) -> None:
    """A valid spec runs through the engine on a second of wobbling poses without an exception."""
    from posecoach.landmarks import COUNT
    from posecoach.app.pipeline import Analysis
    from posecoach.types import PoseFrame

    rng = np.random.default_rng(0)
    analysis = Analysis(spec)
    base = rng.uniform(0.3, 0.7, (COUNT, 4))
    base[:, 3] = 0.95
    for i in range(30):
        lm = base + rng.normal(0, 0.03, base.shape)
        lm[:, 3] = 0.95
        if i % 7 == 3:
            lm[rng.integers(0, COUNT, 5), :2] = np.nan
        analysis.step_pose(PoseFrame(i, i * 33, 640, 480, lm))
    analysis.finish()
    analysis.report({"video": "fuzz"})


@fuzz(300)
@given(data=st.data())
def test_mutated_specs(tmp_path_factory, data):
    from posecoach.spec.loader import load_spec

    doc = mutate(data.draw(st.sampled_from(SPEC_DOCS)), data)
    folder = tmp_path_factory.mktemp("spec")
    path = folder / f"{doc.get('id') if isinstance(doc.get('id'), str) and doc['id'].isidentifier() else 'x'}.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    spec = only_own_errors(load_spec, path)
    if spec is not None:
        for leaf in _numbers(spec.model_dump()):  # a valid spec holds no NaN, infinity or 1e308
            assert math.isfinite(leaf) and abs(leaf) <= 1e6, leaf
        _short_clip(spec)


def _numbers(doc: Any) -> list[float]:
    if isinstance(doc, bool) or doc is None or isinstance(doc, str):
        return []
    if isinstance(doc, (int, float)):
        return [float(doc)]
    if isinstance(doc, dict):
        return [x for v in doc.values() for x in _numbers(v)]
    if isinstance(doc, (list, tuple)):
        return [x for v in doc for x in _numbers(v)]
    return []


@fuzz(150)
@given(data=st.data())
def test_damaged_spec_bytes(tmp_path_factory, data):
    from posecoach.spec.loader import check_paths

    src = data.draw(st.sampled_from(SPEC_FILES))
    path = tmp_path_factory.mktemp("spec") / src.name
    path.write_bytes(damage_bytes(src.read_bytes(), data))
    [(p, err)] = check_paths([path])  # check_paths itself must give a verdict for every file
    assert p == path and (err is None or "\n" not in err)


# -- profiles -------------------------------------------------------------------------------------
PROFILE_KEYS = ["dose.reps", "dose.per_side", "rep.peak", "rep.rest", "rep.hold_s", "rep.min_duration_s",
                "setup.hold_s", "faults.hips_dropped.value", "faults.hips_dropped.enabled", "faults.nope.value",
                "bounce.amplitude", "hold.target_s", "x.y", "rep", "faults"]


@fuzz(200)
@given(data=st.data())
def test_mutated_profiles(tmp_path_factory, data):
    from posecoach.spec.loader import find_spec
    from posecoach.spec.profile import apply_profile

    changes = {k: data.draw(VALUES) for k in data.draw(st.lists(st.sampled_from(PROFILE_KEYS), max_size=4))}
    table: dict[str, Any] = {}
    for key, value in changes.items():  # dotted keys as nested tables, as TOML reads them
        node = table
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {}) if isinstance(node.get(p, {}), dict) else {}
        node[parts[-1]] = value
    doc: dict[str, Any] = {"schema_version": data.draw(st.one_of(st.just(1), VALUES)), "name": "fuzz",
                           "exercises": {data.draw(st.sampled_from(["bridge", "bridge", "plank", "nope"])): table}}
    if data.draw(st.booleans()):
        doc["progression"] = {"start_date": data.draw(st.one_of(st.dates(), VALUES)),
                              "start_reps": data.draw(st.one_of(st.integers(0, 10), VALUES)),
                              "add_per_week": data.draw(st.one_of(st.integers(0, 3), VALUES))}
    doc = mutate(doc, data, rounds=1) if data.draw(st.booleans()) else doc
    path = tmp_path_factory.mktemp("profile") / "p.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    for exercise in ("bridge", "plank"):
        result = only_own_errors(apply_profile, find_spec(exercise), path)
        if result is not None:
            from posecoach import jsonio

            spec, limits = result
            json.loads(jsonio.dumps(limits))  # what goes into the report is strict JSON


# -- routines ---------------------------------------------------------------------------------------
ROUTINE_DOCS = [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted((SPECS / "routines").glob("*.toml"))]


@fuzz(150)
@given(data=st.data())
def test_mutated_routines(tmp_path_factory, data):
    from posecoach.routine import load_routine

    folder = tmp_path_factory.mktemp("routine")
    path = folder / "r.toml"
    if data.draw(st.booleans()):
        path.write_text(to_toml(mutate(data.draw(st.sampled_from(ROUTINE_DOCS)), data)), encoding="utf-8")
    else:
        src = data.draw(st.sampled_from(sorted((SPECS / "routines").glob("*.toml"))))
        path.write_bytes(damage_bytes(src.read_bytes(), data))
    only_own_errors(load_routine, path)


# -- landmark tracks -----------------------------------------------------------------------------------
def _track_text(n: int = 6) -> str:
    from posecoach.landmarks import COUNT

    rng = np.random.default_rng(1)
    lines = [json.dumps({"format": "posecoach.track", "version": 1, "fps": 30.0, "width": 640, "height": 480})]
    for i in range(n):
        lm = np.round(rng.uniform(0, 1, (COUNT, 4)), 5).tolist()
        lines.append(json.dumps({"i": i, "t_ms": i * 33, "lm": lm if i % 3 else None, "w": None}))
    return "\n".join(lines) + "\n"


TRACK = _track_text()


@fuzz(250)
@given(data=st.data())
def test_mutated_tracks(tmp_path_factory, data):
    from posecoach.track import read_frames, read_header

    path = tmp_path_factory.mktemp("track") / "t.jsonl"
    if data.draw(st.booleans()):
        lines = TRACK.splitlines()
        k = data.draw(st.integers(0, len(lines) - 1))
        doc = json.loads(lines[k])
        doc = mutate(doc, data, rounds=2) if data.draw(st.booleans()) else data.draw(VALUES)
        try:
            lines[k] = json.dumps(doc, default=str)  # NaN and Infinity literals on purpose
        except (TypeError, ValueError):
            return
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        path.write_bytes(damage_bytes(TRACK.encode(), data))
    header = only_own_errors(read_header, path)
    frames = only_own_errors(lambda: list(read_frames(path)))
    if header is not None and frames:
        times = [f.timestamp_ms for f in frames]
        assert times == sorted(set(times))  # never a frame the engine would silently drop
        for f in frames:
            assert f.landmarks is None or (f.landmarks.shape == (33, 4) and not np.isinf(f.landmarks).any())


# -- label manifests ------------------------------------------------------------------------------------
LABELS = {"clips": [
    {"file": "a.mp4", "exercise": "bridge", "reps": 3, "holds": [{"start": 1.0, "end": 4.0, "side": "left"}],
     "faults": [{"id": "hips_dropped", "start": 2.0, "end": 3.0}], "view": "side"},
    {"file": "b.mp4", "exercise": "side_plank", "reps": None, "reps_per_side": {"left": 1, "right": 1}},
]}


@fuzz(250)
@given(data=st.data())
def test_mutated_label_manifests(tmp_path_factory, data):
    from posecoach.evaluation.score import load_manifest

    path = tmp_path_factory.mktemp("labels") / "labels.json"
    if data.draw(st.booleans()):
        try:
            path.write_text(json.dumps(mutate(LABELS, data, rounds=3), default=str), encoding="utf-8")
        except ValueError:
            return
    else:
        path.write_bytes(damage_bytes(json.dumps(LABELS).encode(), data))
    clips = only_own_errors(load_manifest, path)
    for clip in clips or []:
        for iv in (*(clip.holds or ()), *(clip.faults or ())):
            assert math.isfinite(iv.start_s) and math.isfinite(iv.end_s) and iv.end_s >= iv.start_s


# -- recorded-session files --------------------------------------------------------------------------------
SESSION = {"format": "posecoach.session", "version": 1, "video": "video.ts", "track": "track.jsonl",
           "report": "report.json", "exercise": "bridge", "profile": None, "model": "full",
           "source": {"camera": 0, "fps": 30.0, "width": 640, "height": 480}}


@fuzz(200)
@given(data=st.data())
def test_mutated_session_files(tmp_path_factory, data):
    from posecoach.app.annotate import read_session as _read_session

    folder = tmp_path_factory.mktemp("session")
    if data.draw(st.booleans()):
        try:
            (folder / "session.json").write_text(json.dumps(mutate(SESSION, data), default=str), encoding="utf-8")
        except ValueError:
            return
    else:
        (folder / "session.json").write_bytes(damage_bytes(json.dumps(SESSION).encode(), data))
    session = only_own_errors(_read_session, folder)
    if session is not None:  # what replay does with it next must not raise either
        _ = folder / session.get("video", "video.ts")
        _ = folder / session.get("track", "track.jsonl")
        if session.get("profile"):
            Path(session["profile"])


# -- reports, written and read back ------------------------------------------------------------------------
@fuzz(150)
@given(data=st.data())
def test_reports_read_back_as_strict_json(tmp_path_factory, data):
    from posecoach.jsonio import finite, read_json
    from posecoach.report import write_report

    numbers = st.one_of(NASTY_FLOATS, st.floats(), st.integers(-10**6, 10**6), st.none())
    report = {"reps": data.draw(numbers), "limits": {"changes": [{"key": "rep.peak", "from": data.draw(numbers),
                                                                  "to": data.draw(numbers)}]},
              "rep_details": [{c: data.draw(numbers) for c in ("number", "side", "start_s", "end_s", "duration_s",
                                                              "peak_hold_s", "metric", "metric_min", "metric_max",
                                                              "range_of_motion")} | {"faults": []}],
              "faults": [{"id": "x", "start_s": data.draw(numbers), "end_s": data.draw(numbers), "severity": "warning",
                          "message": data.draw(st.text(max_size=20))}],
              "np": np.float64(data.draw(numbers) or 0.0)}
    path = tmp_path_factory.mktemp("report") / "r.json"
    write_report(report, path)
    back = read_json(path, PosecoachError)  # strict: NaN/Infinity would be refused here
    assert back == json.loads(json.dumps(finite(report), allow_nan=False))


@pytest.mark.parametrize("path", SPEC_FILES[:3], ids=lambda p: p.name)
def test_the_fuzzer_starts_from_valid_files(path):
    from posecoach.spec.loader import load_spec

    assert load_spec(path).id == path.stem  # a fuzzer mutating broken files would prove nothing

"""Choreography files: key poses as joint angles, the steps of one rep, the dose, and faults.

A choreography is shallow TOML read with the stdlib ``tomllib`` and validated once into frozen
objects. Every error names the file and the key path inside it, e.g.
``bridge.toml: rep.steps[2].to: unknown pose 'tpo' (known: start, top)``.

Top-level keys: ``schema_version`` (1), ``exercise``, ``title``, ``view`` (one of ``VIEWS``),
``camera_side``, ``notes``, ``anchor`` (landmarks that keep their place on the floor),
``contacts`` (landmarks whose surroundings rest on the floor together; a pose may override them),
``prop`` ("none" or "stool"), ``start`` (the start pose, default "start"), ``[poses.NAME]``,
``[rep]`` (``count``, ``steps``, ``sides``, ``lead_in``, ``lead_out``, ``record_holds``,
``progress``), ``[faults.ID]`` (``kind`` = offset | speed | hold | bounce) and ``[not_rendered]``.

Fault ids are the ids of the exercise's spec (``exercise_specs/<exercise>.toml``: its
``[[faults]]`` and the built-in ``too_fast``, ``short_hold`` and ``bouncing``), so a labelled fault
and a reported one share one name. ``[not_rendered]`` maps each spec fault the performer cannot make
to the reason, e.g. ``bouncing = "the movement has no hold at its end to bounce in"``. A fault the
spec cannot judge from a camera (it says why in ``not_checked``) is still renderable with
``judged = false``: the clip shows it and the labels list it under ``unjudged_faults``.

Pose parameters are joint angles in degrees (see ``GLOBAL_PARAMS`` and ``SIDED_PARAMS``). A sided
parameter given without a side (``knee_flex``) applies to both sides; ``left_knee_flex`` and
``right_knee_flex`` set one side (the person's left and right). A pose may name a ``base`` pose it
starts from. Angle conventions (all in the body's own frame, standing upright at zero):

- ``pitch``: whole-body forward tilt about the hip axis; -90 lies on the back, +90 face down.
- ``roll``: whole-body roll about the long axis, positive towards the person's left side down.
- ``spine_flex``: trunk flexion, positive curls forward (cat), negative arches (cow, press-up).
- ``spine_side``: lateral bend, positive towards the left. ``spine_twist``: rotation, positive left.
- ``neck_flex``: positive chin to chest, negative head back. ``pelvis_roll``: the legs and pelvis roll
  about the long axis (knee rolls), positive knees fall to the left.
- ``hip_flex``/``knee_flex``/``shoulder_flex``/``elbow_flex``: flexion; 0 is straight / arm by the side.
- ``hip_abd``/``shoulder_abd``: abduction away from the midline. ``hip_rot``: internal rotation.
- ``ankle_flex``: dorsiflexion (toes up) positive.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecoach.errors import SpecError
from posecoach.landmarks import INDEX

SCHEMA_VERSION = 1

GLOBAL_PARAMS: tuple[str, ...] = (
    "pitch", "roll", "yaw",
    "spine_flex", "spine_side", "spine_twist",
    "neck_flex", "neck_side", "neck_twist",
    "pelvis_roll",
)
SIDED_PARAMS: tuple[str, ...] = (
    "hip_flex", "hip_abd", "hip_rot", "knee_flex", "ankle_flex",
    "shoulder_flex", "shoulder_abd", "shoulder_rot", "elbow_flex", "wrist_flex",
)
#: Parameters whose sign flips when a pose is mirrored left to right.
MIRROR_NEGATE: frozenset[str] = frozenset(
    {"roll", "yaw", "spine_side", "spine_twist", "neck_side", "neck_twist", "pelvis_roll"}
)
PARAMS: tuple[str, ...] = GLOBAL_PARAMS + tuple(
    f"{s}_{p}" for s in ("left", "right") for p in SIDED_PARAMS
)
VIEWS: tuple[str, ...] = ("side", "front", "behind", "feet", "above")
EASINGS: tuple[str, ...] = ("cosine", "linear", "smooth")
FAULT_KINDS: tuple[str, ...] = ("offset", "speed", "hold", "bounce")
SIDES: tuple[str, ...] = ("left", "right")
PROPS: tuple[str, ...] = ("none", "stool")

Pose = dict[str, float]


@dataclass(frozen=True)
class Step:
    """One step of a rep: move to pose ``to`` over ``seconds``, or hold the current pose."""

    seconds: float
    to: str | None = None  #: target pose name; None for a hold
    ease: str = "cosine"
    phase: str | None = None  #: optional phase label recorded in the labels ("cat", "cow")


@dataclass(frozen=True)
class Fault:
    """A form fault the choreography can inject into chosen reps."""

    id: str
    kind: str
    description: str = ""
    offset: Pose = field(default_factory=dict)  #: kind "offset": degrees added to moving poses
    whole_rep: bool = False  #: kind "offset": also offset the rep's start pose
    factor: float = 1.0  #: kind "speed": the rep is this many times faster; kind "hold": holds last this share
    param: str = ""  #: kind "bounce": parameter that oscillates during the holds
    amplitude: float = 0.0  #: kind "bounce": degrees
    frequency: float = 2.0  #: kind "bounce": Hz
    #: False for a fault the spec cannot judge (it says why in ``not_checked``): the clip shows it,
    #: and the labels list it under ``unjudged_faults``, so no report is expected for it
    judged: bool = True


@dataclass(frozen=True)
class Choreography:
    """A validated choreography. ``poses`` are fully resolved (every parameter present)."""

    path: str
    exercise: str
    title: str
    view: str
    camera_side: str
    poses: dict[str, Pose]
    start: str
    steps: tuple[Step, ...]
    count: int
    sides: tuple[str, ...]  #: empty for unsided exercises; else the side of rep k is sides[k % n]
    lead_in: float
    lead_out: float
    anchor: tuple[str, ...]
    contacts: tuple[str, ...]
    faults: dict[str, Fault]
    notes: str = ""
    record_holds: bool = True  #: label holds away from the start pose (off for flowing moves)
    progress: Pose = field(default_factory=dict)  #: added once more to the moving poses of each later rep
    prop: str = "none"  #: "stool": a seat under the hips (seated exercises)
    #: per pose: landmarks whose surroundings must touch the floor together (empty: lowest point only)
    pose_contacts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: spec fault ids the performer cannot make, with the reason
    not_rendered: dict[str, str] = field(default_factory=dict)

    @property
    def sided(self) -> bool:
        return bool(self.sides)


class _Ctx:
    """Builds error messages that name the file and the key path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, msg: str) -> SpecError:
        return SpecError(f"{self.path}: {where}: {msg}" if where else f"{self.path}: {msg}")

    def number(self, value: Any, where: str, lo: float | None = None, hi: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"expected a number [got {value!r}]")
        v = float(value)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise self.fail(where, f"expected a number in [{lo}, {hi}] [got {value!r}]")
        return v

    def string(self, value: Any, where: str, allowed: tuple[str, ...] | None = None) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a string [got {value!r}]")
        if allowed is not None and value not in allowed:
            raise self.fail(where, f"expected one of {', '.join(map(repr, allowed))} [got {value!r}]")
        return value

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a table [got {type(value).__name__}]")
        return value

    def keys(self, obj: dict[str, Any], where: str, allowed: set[str]) -> None:
        for key in obj:
            if key not in allowed:
                prefix = f"{where}." if where else ""
                raise self.fail(f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def expand_pose_keys(raw: dict[str, Any], ctx: _Ctx, where: str) -> Pose:
    """Validate a table of angles and expand unsided sided names to both sides."""
    out: Pose = {}
    for key, value in raw.items():
        if key in ("base", "contacts"):
            continue
        num = ctx.number(value, f"{where}.{key}", -360.0, 360.0)
        if key in GLOBAL_PARAMS or key in PARAMS:
            out[key] = num
        elif key in SIDED_PARAMS:
            out.setdefault(f"left_{key}", num)
            out.setdefault(f"right_{key}", num)
        else:
            known = ", ".join(GLOBAL_PARAMS + SIDED_PARAMS)
            raise ctx.fail(f"{where}.{key}", f"unknown joint angle (known: {known}, each sided one also as left_/right_)")
    # an explicit left_/right_ value wins over the unsided one, whatever the key order
    for key, value in raw.items():
        if key in PARAMS and key not in GLOBAL_PARAMS:
            out[key] = ctx.number(value, f"{where}.{key}")
    return out


def mirror_pose(pose: Pose) -> Pose:
    """The same pose done to the other side: left and right swapped, lateral angles negated."""
    out: Pose = {}
    for key, value in pose.items():
        if key.startswith("left_"):
            out["right_" + key[5:]] = value
        elif key.startswith("right_"):
            out["left_" + key[6:]] = value
        elif key in MIRROR_NEGATE:
            out[key] = -value
        else:
            out[key] = value
    return out


def mirror_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """Landmark names with left and right swapped."""
    swap = {"left_": "right_", "right_": "left_"}
    return tuple(swap[n[:n.index("_") + 1]] + n[n.index("_") + 1:] if n.startswith(("left_", "right_")) else n
                 for n in names)


def _resolve_contacts(raw: dict[str, Any], ctx: _Ctx, default: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}

    def resolve(name: str, depth: int = 0) -> tuple[str, ...]:
        if name in out:
            return out[name]
        table = raw[name]
        if "contacts" in table:
            found = _names(table["contacts"], ctx, f"poses.{name}.contacts")
        elif "base" in table and depth < len(raw):
            found = resolve(table["base"], depth + 1)
        else:
            found = default
        out[name] = found
        return found

    for name in raw:
        resolve(name)
    return out


def _resolve_poses(raw: dict[str, Any], ctx: _Ctx) -> dict[str, Pose]:
    partial: dict[str, tuple[str | None, Pose]] = {}
    for name, table in raw.items():
        where = f"poses.{name}"
        t = ctx.table(table, where)
        base = t.get("base")
        if base is not None:
            base = ctx.string(base, f"{where}.base")
            if base not in raw:
                raise ctx.fail(f"{where}.base", f"unknown pose {base!r} (known: {', '.join(raw)})")
        partial[name] = (base, expand_pose_keys(t, ctx, where))
    resolved: dict[str, Pose] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> Pose:
        if name in resolved:
            return resolved[name]
        if name in chain:
            raise ctx.fail(f"poses.{name}.base", f"circular base chain {' -> '.join(chain + (name,))}")
        base, own = partial[name]
        pose = {p: 0.0 for p in PARAMS} if base is None else dict(resolve(base, chain + (name,)))
        pose.update(own)
        resolved[name] = pose
        return pose

    for name in raw:
        resolve(name, ())
    return resolved


def _parse_steps(raw: Any, ctx: _Ctx, poses: dict[str, Pose]) -> tuple[Step, ...]:
    if not isinstance(raw, list) or not raw:
        raise ctx.fail("rep.steps", "expected a non-empty array of steps")
    steps = []
    for i, item in enumerate(raw):
        where = f"rep.steps[{i}]"
        t = ctx.table(item, where)
        ctx.keys(t, where, {"to", "seconds", "hold", "ease", "phase"})
        phase = ctx.string(t["phase"], f"{where}.phase") if "phase" in t else None
        ease = ctx.string(t.get("ease", "cosine"), f"{where}.ease", EASINGS)
        if "hold" in t:
            if "to" in t or "seconds" in t:
                raise ctx.fail(where, "a step is either {hold = s} or {to = pose, seconds = s}, not both")
            steps.append(Step(ctx.number(t["hold"], f"{where}.hold", 0.0, 120.0), None, ease, phase))
            continue
        if "to" not in t or "seconds" not in t:
            raise ctx.fail(where, "a moving step needs both 'to' and 'seconds'")
        to = ctx.string(t["to"], f"{where}.to")
        if to not in poses:
            raise ctx.fail(f"{where}.to", f"unknown pose {to!r} (known: {', '.join(poses)})")
        steps.append(Step(ctx.number(t["seconds"], f"{where}.seconds", 0.05, 120.0), to, ease, phase))
    return tuple(steps)


def _parse_fault(fid: str, raw: Any, ctx: _Ctx) -> Fault:
    where = f"faults.{fid}"
    t = ctx.table(raw, where)
    ctx.keys(t, where, {"kind", "description", "offset", "whole_rep", "factor", "param", "amplitude", "frequency",
                        "judged"})
    judged = t.get("judged", True)
    if not isinstance(judged, bool):
        raise ctx.fail(f"{where}.judged", f"expected true or false [got {judged!r}]")
    return dataclasses.replace(_parse_fault_kind(fid, t, ctx, where), judged=judged)


def _parse_fault_kind(fid: str, t: dict[str, Any], ctx: _Ctx, where: str) -> Fault:
    kind = ctx.string(t.get("kind"), f"{where}.kind", FAULT_KINDS)
    desc = ctx.string(t.get("description", ""), f"{where}.description")
    if kind == "offset":
        if "offset" not in t:
            raise ctx.fail(where, "kind 'offset' needs an 'offset' table of angles")
        offset = expand_pose_keys(ctx.table(t["offset"], f"{where}.offset"), ctx, f"{where}.offset")
        whole = t.get("whole_rep", False)
        if not isinstance(whole, bool):
            raise ctx.fail(f"{where}.whole_rep", f"expected true or false [got {whole!r}]")
        return Fault(fid, kind, desc, offset=offset, whole_rep=whole)
    if kind == "speed":
        return Fault(fid, kind, desc, factor=ctx.number(t.get("factor"), f"{where}.factor", 1.05, 10.0))
    if kind == "hold":
        return Fault(fid, kind, desc, factor=ctx.number(t.get("factor"), f"{where}.factor", 0.05, 0.95))
    param = ctx.string(t.get("param"), f"{where}.param")
    if param not in GLOBAL_PARAMS and param not in SIDED_PARAMS and param not in PARAMS:
        raise ctx.fail(f"{where}.param", f"unknown joint angle {param!r}")
    amp = ctx.number(t.get("amplitude"), f"{where}.amplitude", 0.5, 45.0)
    freq = ctx.number(t.get("frequency", 2.0), f"{where}.frequency", 0.2, 6.0)
    return Fault(fid, kind, desc, param=param, amplitude=amp, frequency=freq)


def parse(data: dict[str, Any], path: str) -> Choreography:
    """Validate a parsed TOML document into a ``Choreography``; ``path`` is used in messages."""
    ctx = _Ctx(path)
    ctx.keys(data, "", {"schema_version", "exercise", "title", "view", "camera_side", "poses", "start",
                        "rep", "anchor", "contacts", "faults", "notes", "prop", "not_rendered"})
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ctx.fail("schema_version", f"expected {SCHEMA_VERSION} [got {version!r}]")
    exercise = ctx.string(data.get("exercise"), "exercise")
    view = ctx.string(data.get("view", "side"), "view", VIEWS)
    camera_side = ctx.string(data.get("camera_side", "right"), "camera_side", SIDES)
    poses_raw = ctx.table(data.get("poses"), "poses")
    if not poses_raw:
        raise ctx.fail("poses", "at least one pose is needed")
    poses = _resolve_poses(poses_raw, ctx)
    start = ctx.string(data.get("start", "start"), "start")
    if start not in poses:
        raise ctx.fail("start", f"unknown pose {start!r} (known: {', '.join(poses)})")
    rep = ctx.table(data.get("rep"), "rep")
    ctx.keys(rep, "rep", {"count", "steps", "sides", "lead_in", "lead_out", "record_holds", "progress"})
    progress = expand_pose_keys(ctx.table(rep.get("progress", {}), "rep.progress"), ctx, "rep.progress")
    record_holds = rep.get("record_holds", True)
    if not isinstance(record_holds, bool):
        raise ctx.fail("rep.record_holds", f"expected true or false [got {record_holds!r}]")
    count = rep.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 50:
        raise ctx.fail("rep.count", f"expected an integer in [1, 50] [got {count!r}]")
    sides_raw = rep.get("sides", [])
    if not isinstance(sides_raw, list):
        raise ctx.fail("rep.sides", f"expected an array like [\"left\", \"right\"] [got {sides_raw!r}]")
    sides = tuple(ctx.string(s, f"rep.sides[{i}]", SIDES) for i, s in enumerate(sides_raw))
    steps = _parse_steps(rep.get("steps"), ctx, poses)
    anchor = _names(data.get("anchor", ["left_hip", "right_hip"]), ctx, "anchor")
    contacts = _names(data.get("contacts", []), ctx, "contacts")
    pose_contacts = _resolve_contacts(poses_raw, ctx, contacts)
    faults_raw = ctx.table(data.get("faults", {}), "faults")
    faults = {fid: _parse_fault(fid, f, ctx) for fid, f in faults_raw.items()}
    not_rendered_raw = ctx.table(data.get("not_rendered", {}), "not_rendered")
    not_rendered = {k: ctx.string(v, f"not_rendered.{k}") for k, v in not_rendered_raw.items()}
    for fid in not_rendered:
        if fid in faults:
            raise ctx.fail(f"not_rendered.{fid}", "this fault is also defined under [faults]")
    return Choreography(
        path=path, exercise=exercise, title=ctx.string(data.get("title", exercise), "title"),
        view=view, camera_side=camera_side, poses=poses, start=start, steps=steps, count=count,
        sides=sides, lead_in=ctx.number(rep.get("lead_in", 1.0), "rep.lead_in", 0.0, 30.0),
        lead_out=ctx.number(rep.get("lead_out", 1.0), "rep.lead_out", 0.0, 30.0),
        anchor=anchor, contacts=contacts, faults=faults,
        notes=ctx.string(data.get("notes", ""), "notes"), pose_contacts=pose_contacts,
        record_holds=record_holds, progress=progress,
        prop=ctx.string(data.get("prop", "none"), "prop", PROPS), not_rendered=not_rendered,
    )


def _names(value: Any, ctx: _Ctx, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ctx.fail(where, f"expected an array of landmark names [got {value!r}]")
    for i, name in enumerate(value):
        if not isinstance(name, str) or name not in INDEX:
            raise ctx.fail(f"{where}[{i}]", f"unknown landmark {name!r} (e.g. 'left_ankle', 'nose')")
    return tuple(value)


def load(path: Path | str) -> Choreography:
    """Read and validate a choreography file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read choreography ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from None
    return parse(data, str(path))


def builtin_dir() -> Path:
    """The folder of the choreographies shipped with posecoach."""
    return Path(__file__).parent / "choreographies"


def find(name_or_path: str) -> Path:
    """A choreography path from a file path or a built-in exercise id."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    candidate = builtin_dir() / f"{name_or_path}.toml"
    if candidate.exists():
        return candidate
    known = sorted(q.stem for q in builtin_dir().glob("*.toml"))
    raise SpecError(f"{name_or_path}: no such choreography file or built-in exercise (built-in: {', '.join(known)})")

"""A 3D stick figure posed by segment angles, filmed orthographically from a named view.

Ground truth for spec tests: a body with an adult's segment lengths, both sides, and left/right
that follow from the body's own orientation (left = trunk direction x chest direction), projected
onto the image of a camera placed for one of the spec views. The sequences go through the real
engine (``Analysis.step_pose``), so a spec that passes here is judged on the same geometry as
footage.

World frame (metres): x horizontal (the camera's right in the side view), y up, z horizontal
(towards the side camera). Angles of segments are degrees in the x-y plane, 0 = +x, 90 = up;
``lat_*`` tilts a segment towards the person's left (negative: towards their right).

Pose parameters (a plain dict; anything missing takes ``DEFAULTS``):
``hip_x``, ``hip_y`` (mid-hip position), ``trunk`` (hip -> shoulder), ``chest`` (the direction the
chest faces, relative to the trunk: -90 or +90), ``trunk_lat`` (side bend), ``pelvis_roll`` and
``shoulder_roll`` (the hip or shoulder line turning about the trunk, + lifts the left side towards
the chest direction), ``neck`` (shoulder -> ear), ``face`` (ear -> nose), and per side (``_L``/``_R``)
``thigh``, ``shin``, ``foot``, ``uarm``, ``farm``, each with an optional ``lat_`` tilt;
``neck_len`` scales the neck (below 1: shoulders shrugged towards the ears).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from posecoach import landmarks as lm
from posecoach.types import PoseFrame

#: Segment lengths of an adult (metres), from standard anthropometric proportions.
LENGTHS = {
    "torso": 0.50, "shoulder_w": 0.36, "hip_w": 0.24, "uarm": 0.30, "farm": 0.27, "hand": 0.08,
    "thigh": 0.44, "shin": 0.42, "heel": 0.06, "toe": 0.18, "neck": 0.17, "head": 0.10, "eye_w": 0.06,
}
DEFAULTS: dict[str, float] = {
    "hip_x": 0.0, "hip_y": 1.0, "trunk": 90.0, "chest": -90.0, "trunk_lat": 0.0, "pelvis_roll": 0.0,
    "shoulder_roll": 0.0, "neck": 90.0, "face": 0.0,
    **{f"{seg}_{s}": a for s in "LR" for seg, a in (("thigh", -90.0), ("shin", -90.0), ("foot", 0.0),
                                                   ("uarm", -90.0), ("farm", -90.0))},
}
#: Cameras: (direction the camera looks, the image's up direction), in world coordinates.
VIEWS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "side": ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),
    "front": ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "back": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "above": ((0.0, -1.0, 0.0), (-1.0, 0.0, 0.0)),
    "feet": ((-math.cos(math.radians(35)), -math.sin(math.radians(35)), 0.0), (0.0, 1.0, 0.0)),
}
WIDTH, HEIGHT, PX_PER_M = 1280, 720, 300.0


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _dir(angle_deg: float) -> np.ndarray:
    a = math.radians(angle_deg)
    return np.array([math.cos(a), math.sin(a), 0.0])


def _tilt(v: np.ndarray, toward: np.ndarray, deg: float) -> np.ndarray:
    a = math.radians(deg)
    return _unit(math.cos(a) * v + math.sin(a) * toward)


def body_points(pose: Mapping[str, float]) -> dict[str, np.ndarray]:
    """The 33 landmark positions (metres, world frame) of a posed body."""
    p = {**DEFAULTS, **pose}
    L = LENGTHS
    trunk0 = _dir(p["trunk"])
    chest = _dir(p["trunk"] + p["chest"])
    left = _unit(np.cross(trunk0, chest))
    trunk = _tilt(trunk0, left, p["trunk_lat"])
    sh_left = _tilt(_unit(np.cross(trunk, chest)), chest, p["shoulder_roll"])
    hip_left = _tilt(left, chest, p["pelvis_roll"])
    mid_hip = np.array([p["hip_x"], p["hip_y"], 0.0])
    mid_sh = mid_hip + trunk * L["torso"]
    pts: dict[str, np.ndarray] = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        s = "L" if side == "left" else "R"
        hip = mid_hip + sign * hip_left * L["hip_w"] / 2
        sh = mid_sh + sign * sh_left * L["shoulder_w"] / 2
        knee = hip + _tilt(_dir(p[f"thigh_{s}"]), left, p.get(f"lat_thigh_{s}", 0.0)) * L["thigh"]
        ankle = knee + _tilt(_dir(p[f"shin_{s}"]), left, p.get(f"lat_shin_{s}", 0.0)) * L["shin"]
        foot = _tilt(_dir(p[f"foot_{s}"]), left, p.get(f"lat_shin_{s}", 0.0))
        elbow = sh + _tilt(_dir(p[f"uarm_{s}"]), left, p.get(f"lat_uarm_{s}", 0.0)) * L["uarm"]
        farm = _tilt(_dir(p[f"farm_{s}"]), left, p.get(f"lat_farm_{s}", 0.0))
        wrist = elbow + farm * L["farm"]
        pts.update({
            f"{side}_hip": hip, f"{side}_shoulder": sh, f"{side}_knee": knee, f"{side}_ankle": ankle,
            f"{side}_heel": ankle - foot * L["heel"], f"{side}_foot_index": ankle + foot * L["toe"],
            f"{side}_elbow": elbow, f"{side}_wrist": wrist, f"{side}_index": wrist + farm * L["hand"],
            f"{side}_pinky": wrist + farm * L["hand"] * 0.9 - sign * left * 0.02,
            f"{side}_thumb": wrist + farm * L["hand"] * 0.6 + sign * left * 0.02,
        })
    neck = _tilt(_dir(p["neck"]), left, p["trunk_lat"])
    face = _dir(p["face"])
    mid_ear = mid_sh + neck * L["neck"] * p.get("neck_len", 1.0)
    nose = mid_ear + face * L["head"]
    for side, sign in (("left", 1.0), ("right", -1.0)):
        pts[f"{side}_ear"] = mid_ear + sign * sh_left * 0.075
        eye = mid_ear + face * L["head"] * 0.8 + neck * 0.03
        pts[f"{side}_eye"] = eye + sign * sh_left * L["eye_w"] / 2
        pts[f"{side}_eye_inner"] = eye + sign * sh_left * L["eye_w"] / 4
        pts[f"{side}_eye_outer"] = eye + sign * sh_left * L["eye_w"] * 0.75
        pts[f"mouth_{side}"] = nose - neck * 0.04 + sign * sh_left * 0.025
    pts["nose"] = nose
    return pts


def project(points: Mapping[str, np.ndarray], view: str, centre: np.ndarray) -> np.ndarray:
    """Landmarks (33, 4) as the pose model gives them for a camera at ``view``: x, y normalised
    to the image, z 0, visibility lower for the side of the body further from the camera."""
    look, up = (np.array(v) for v in VIEWS[view])
    look = _unit(look)
    up = _unit(up - look * (up @ look))
    right = np.cross(look, up)
    out = np.zeros((lm.COUNT, 4))
    depth = {s: np.mean([points[f"{s}_{j}"] @ look for j in ("shoulder", "hip", "knee")]) for s in lm.SIDES}
    far = max(depth, key=depth.get) if abs(depth["left"] - depth["right"]) > 0.05 else None
    for name, i in lm.INDEX.items():
        q = points[name] - centre
        out[i, 0] = (WIDTH / 2 + PX_PER_M * (q @ right)) / WIDTH
        out[i, 1] = (HEIGHT / 2 - PX_PER_M * (q @ up)) / HEIGHT
        out[i, 3] = 0.6 if far is not None and name.startswith(far) else 0.95
    return out


def _lerp(a: Mapping[str, float], b: Mapping[str, float], u: float) -> dict[str, float]:
    keys = set(a) | set(b)
    full_a, full_b = {**DEFAULTS, **a}, {**DEFAULTS, **b}
    return {k: full_a.get(k, 0.0) + (full_b.get(k, 0.0) - full_a.get(k, 0.0)) * u for k in keys | set(DEFAULTS)}


def frames(keys: Sequence[tuple[float, Mapping[str, float]]], view: str, *, fps: float = 30.0,
           jitter_px: float = 0.0, seed: int = 0) -> list[PoseFrame]:
    """A sequence through the key poses ``[(t_s, pose), ...]`` (linear in every parameter),
    filmed from ``view``; ``jitter_px`` adds Gaussian landmark noise like a pose model's."""
    rng = np.random.default_rng(seed)
    centre = np.mean(list(body_points(keys[0][1]).values()), axis=0)
    out: list[PoseFrame] = []
    n = int(round(keys[-1][0] * fps)) + 1
    k = 0
    for i in range(n):
        t = i / fps
        while k + 1 < len(keys) - 1 and t > keys[k + 1][0]:
            k += 1
        (t0, p0), (t1, p1) = keys[k], keys[min(k + 1, len(keys) - 1)]
        u = 0.0 if t1 <= t0 else min(1.0, max(0.0, (t - t0) / (t1 - t0)))
        lms = project(body_points(_lerp(p0, p1, u)), view, centre)
        if jitter_px:
            lms[:, 0] += rng.normal(0, jitter_px / WIDTH, lm.COUNT)
            lms[:, 1] += rng.normal(0, jitter_px / HEIGHT, lm.COUNT)
        out.append(PoseFrame(i, int(round(t * 1000)), WIDTH, HEIGHT, lms))
    return out


def cycle(rest: Mapping[str, float], peak: Mapping[str, float], *, reps: int, move_s: float = 1.5,
          hold_s: float = 1.0, rest_s: float = 1.0, lead_s: float = 2.0,
          peaks: Sequence[Mapping[str, float]] | None = None) -> list[tuple[float, Mapping[str, float]]]:
    """Key poses for ``reps`` reps: rest for ``lead_s``, then (move, hold at the peak, move back,
    rest) each time; ``peaks`` gives a different peak pose per rep (for alternating sides)."""
    keys: list[tuple[float, Mapping[str, float]]] = [(0.0, rest), (lead_s, rest)]
    t = lead_s
    for r in range(reps):
        top = peaks[r % len(peaks)] if peaks else peak
        keys += [(t + move_s, top), (t + move_s + hold_s, top), (t + 2 * move_s + hold_s, rest),
                 (t + 2 * move_s + hold_s + rest_s, rest)]
        t += 2 * move_s + hold_s + rest_s
    return keys

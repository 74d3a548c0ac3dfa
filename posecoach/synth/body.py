"""The performer: anny's rigged body posed from joint angles, with the 33 landmarks read off it.

Needs the ``synth`` extra (torch, anny); both are imported only when a ``Body`` is built.

Body frame (anny's): metres, z up, the person faces -y, +x is the person's left, origin between
the hips. Deltas use anny's "local-ref" parameterisation: each bone's rotation is written in
world-aligned axes and applied after its parent's, so "flex the knee" is one rotation about x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from posecoach.landmarks import COUNT, INDEX
from posecoach.synth.choreo import Pose

#: anny phenotype parameters, each in [0, 1] (0.5 is the average adult).
PHENOTYPES: tuple[str, ...] = ("gender", "age", "muscle", "weight", "height", "proportions")

SPINE = (("spine05", 0.25), ("spine04", 0.25), ("spine03", 0.2), ("spine02", 0.15), ("spine01", 0.15))
NECK = (("neck01", 0.3), ("neck02", 0.3), ("neck03", 0.2), ("head", 0.2))
_SIDE = {"left": "L", "right": "R"}
#: Landmarks taken from bone heads (joint centres).
BONE_LANDMARKS: dict[str, str] = {
    "shoulder": "upperarm01", "elbow": "lowerarm01", "wrist": "wrist",
    "hip": "upperleg01", "knee": "lowerleg01", "ankle": "foot",
    "pinky": "finger5-1", "index": "finger2-1", "thumb": "finger1-2",
}

_MODEL: Any = None


def _model() -> Any:
    """The anny model, built once per process (the first build ever takes minutes, then cached)."""
    global _MODEL
    if _MODEL is None:
        try:
            import warp

            # no start-up banner on stdout (warp prints one at init, at the default info level)
            warp.config.log_level = getattr(warp, "LOG_ERROR", warp.config.log_level)
        except ImportError:
            pass
        import anny  # heavy: torch + warp

        _MODEL = anny.Anny()
    return _MODEL


def rot(axis: np.ndarray | tuple[float, float, float], deg: float) -> np.ndarray:
    """3x3 rotation of ``deg`` degrees about ``axis`` (right hand rule)."""
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    t = math.radians(deg)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * (k @ k)


def _align(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction ``src`` to direction ``dst``."""
    s, d = src / np.linalg.norm(src), dst / np.linalg.norm(dst)
    axis = np.cross(s, d)
    n = np.linalg.norm(axis)
    if n < 1e-9:
        return np.eye(3)
    return rot(axis, math.degrees(math.atan2(n, float(np.dot(s, d)))))


@dataclass
class Posed:
    """One posed body in the body frame: ``vertices`` (V, 3) and ``landmarks`` (33, 3), metres."""

    vertices: np.ndarray
    landmarks: np.ndarray


class Body:
    """A body shape that can be posed. ``shape`` holds phenotype values in [0, 1]."""

    def __init__(self, shape: dict[str, float] | None = None) -> None:
        import torch

        self._torch = torch
        self.model = _model()
        self.shape = {k: float(v) for k, v in (shape or {}).items()}
        unknown = set(self.shape) - set(PHENOTYPES)
        if unknown:
            raise ValueError(f"unknown body parameters {sorted(unknown)} (known: {', '.join(PHENOTYPES)})")
        for key, value in self.shape.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"body parameter {key}={value} is outside [0, 1]")
        self.labels: list[str] = list(self.model.bone_labels)
        self.bone = {name: i for i, name in enumerate(self.labels)}
        self.faces = self.model.get_triangular_faces().cpu().numpy().astype(np.int64)
        rest = self._forward({})
        self.rest_vertices, self.rest_heads = rest
        self._calibrate()
        self._pick_vertices()
        idx = self.model.vertex_bone_indices.cpu().numpy()
        w = self.model.vertex_bone_weights.cpu().numpy()
        self.dominant_bone = idx[np.arange(len(idx)), np.argmax(w, axis=1)]

    # -- model calls ---------------------------------------------------------------------------
    def _forward(self, rotations: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        verts, heads = self._forward_many([rotations])
        return verts[0], heads[0]

    def _forward_many(self, batch: list[dict[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """Vertices (B, V, 3) and bone heads (B, J, 3) for a batch of per-bone rotations."""
        torch = self._torch
        deltas = np.tile(np.eye(4), (len(batch), len(self.labels), 1, 1))
        for b, rotations in enumerate(batch):
            for name, r in rotations.items():
                deltas[b, self.bone[name], :3, :3] = r
        with torch.no_grad():
            out = self.model(pose_parameters=torch.as_tensor(deltas, dtype=self.model.dtype),
                             phenotype_kwargs=self.shape or None)
        return out["vertices"].cpu().numpy(), out["bone_poses"][:, :, :3, 3].cpu().numpy()

    def head(self, bone: str, heads: np.ndarray | None = None) -> np.ndarray:
        h = self.rest_heads if heads is None else heads
        return h[self.bone[bone]]

    def _calibrate(self) -> None:
        """Rest-pose offsets so that zero angles mean: standing straight, arms down by the sides."""
        self.arm_down: dict[str, np.ndarray] = {}
        self.elbow_axis: dict[str, np.ndarray] = {}
        self.elbow_rest: dict[str, float] = {}
        self.hip_rest: dict[str, float] = {}
        self.knee_rest: dict[str, float] = {}
        for side, s in _SIDE.items():
            upper = self.head(f"lowerarm01.{s}") - self.head(f"upperarm01.{s}")
            fore = self.head(f"wrist.{s}") - self.head(f"lowerarm01.{s}")
            self.arm_down[side] = _align(upper, np.array([0.0, 0.0, -1.0]))
            axis = np.cross(fore, upper)
            self.elbow_axis[side] = axis / np.linalg.norm(axis)
            cosang = np.dot(fore, upper) / (np.linalg.norm(fore) * np.linalg.norm(upper))
            self.elbow_rest[side] = math.degrees(math.acos(float(np.clip(cosang, -1, 1))))
            thigh = self.head(f"lowerleg01.{s}") - self.head(f"upperleg01.{s}")
            shank = self.head(f"foot.{s}") - self.head(f"lowerleg01.{s}")
            t_ang = math.degrees(math.atan2(-thigh[1], -thigh[2]))  # forward of vertical
            s_ang = math.degrees(math.atan2(-shank[1], -shank[2]))
            self.hip_rest[side] = t_ang
            self.knee_rest[side] = t_ang - s_ang

    def _pick_vertices(self) -> None:
        """Surface vertices standing in for the face, heel and toe landmarks (picked on the rest mesh)."""
        v = self.rest_vertices
        eye_l, eye_r = self.head("eye.L"), self.head("eye.R")
        eye_z = 0.5 * (eye_l[2] + eye_r[2])
        face = (v[:, 2] > eye_z - 0.12) & (v[:, 2] < eye_z + 0.02)
        idx = self.model.vertex_bone_indices.cpu().numpy()
        w = self.model.vertex_bone_weights.cpu().numpy()
        dominant = idx[np.arange(len(idx)), np.argmax(w, axis=1)]
        pick: dict[str, int] = {}

        def nearest(target: np.ndarray, mask: np.ndarray) -> int:
            ids = np.flatnonzero(mask)
            return int(ids[np.argmin(np.linalg.norm(v[ids] - target, axis=1))])

        mid = face & (np.abs(v[:, 0]) < 0.008) & (v[:, 2] < eye_z - 0.01) & (v[:, 2] > eye_z - 0.07)
        nose = int(np.flatnonzero(mid)[np.argmin(v[mid, 1])])  # the most forward point: the tip
        pick["nose"] = nose
        front = v[nose, 1]
        ear_band = face & (np.abs(v[:, 2] - (eye_z - 0.02)) < 0.02) & (np.abs(v[:, 1] - self.head("head")[1] - 0.01) < 0.03)
        for side, eye in (("left", eye_l), ("right", eye_r)):
            out = 1.0 if side == "left" else -1.0  # +x is the person's left
            pick[f"{side}_eye"] = nearest(eye + np.array([0, -0.012, 0]), face)
            pick[f"{side}_eye_inner"] = nearest(eye + np.array([-out * 0.014, -0.008, 0]), face)
            pick[f"{side}_eye_outer"] = nearest(eye + np.array([out * 0.016, -0.004, 0]), face)
            pick[f"mouth_{side}"] = nearest(np.array([out * 0.024, front + 0.025, v[nose, 2] - 0.04]), face)
            ids = np.flatnonzero(ear_band)
            pick[f"{side}_ear"] = int(ids[np.argmax(out * v[ids, 0])])
            s = _SIDE[side]
            foot_bones = [self.bone[n] for n in self.labels if n.endswith(f".{s}") and n.startswith(("foot", "toe"))]
            on_foot = np.isin(dominant, foot_bones)
            ids = np.flatnonzero(on_foot & (v[:, 2] < self.head(f"foot.{s}")[2] - 0.03))
            pick[f"{side}_heel"] = int(ids[np.argmax(v[ids, 1])])  # lowest part, furthest back
            ids = np.flatnonzero(on_foot)
            pick[f"{side}_foot_index"] = int(ids[np.argmin(v[ids, 1])])  # furthest forward: the toes
        self.vertex_landmarks = pick

    # -- posing ----------------------------------------------------------------------------------
    def rotations(self, pose: Pose) -> dict[str, np.ndarray]:
        """Per-bone rotations (world-aligned, see module docstring) for a pose of joint angles."""
        x, y, z = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
        out: dict[str, np.ndarray] = {}
        for bone, w in SPINE:
            out[bone] = rot(x, w * pose["spine_flex"]) @ rot(y, w * pose["spine_side"]) @ rot(z, w * pose["spine_twist"])
        for bone, w in NECK:
            out[bone] = rot(x, w * pose["neck_flex"]) @ rot(y, w * pose["neck_side"]) @ rot(z, w * pose["neck_twist"])
        roll = pose["pelvis_roll"]
        pelvis = rot(z, 0.3 * roll)
        if roll:
            for bone in ("pelvis.L", "pelvis.R"):
                out[bone] = pelvis
            # the lumbar spine follows the pelvis part of the way; the chest stays down
            out["spine05"] = rot(z, 0.3 * roll) @ out["spine05"]
            out["spine04"] = rot(z, 0.1 * roll) @ out["spine04"]
            out["spine03"] = rot(z, -0.4 * roll) @ out["spine03"]
        for side, s in _SIDE.items():
            p = {k[len(side) + 1:]: v for k, v in pose.items() if k.startswith(side + "_")}
            lat = 1.0 if side == "left" else -1.0
            leg = (rot(x, -(p["hip_flex"] - self.hip_rest[side]))
                   @ rot(y, -lat * p["hip_abd"]) @ rot(z, -lat * p["hip_rot"]))
            if roll:
                # knees fall sideways: each leg turns about its hip-to-ankle line, so the feet stay
                # put; the pelvis rotation is undone first (the legs hang from the pelvis bones)
                flex, knee = math.radians(p["hip_flex"]), math.radians(p["hip_flex"] - p["knee_flex"])
                line = np.array([0.0, -math.sin(flex) - math.sin(knee), -math.cos(flex) - math.cos(knee)])
                if np.linalg.norm(line) > 1e-6:
                    leg = pelvis.T @ rot(line, -roll if line[2] < 0 else roll) @ leg
            out[f"upperleg01.{s}"] = leg
            out[f"lowerleg01.{s}"] = rot(x, p["knee_flex"] - self.knee_rest[side])
            out[f"foot.{s}"] = rot(x, -p["ankle_flex"])
            out[f"upperarm01.{s}"] = (rot(x, -p["shoulder_flex"]) @ rot(y, -lat * p["shoulder_abd"])
                                      @ rot(z, -lat * p["shoulder_rot"]) @ self.arm_down[side])
            out[f"lowerarm01.{s}"] = rot(self.elbow_axis[side], self.elbow_rest[side] - p["elbow_flex"])
            out[f"wrist.{s}"] = rot(self.elbow_axis[side], -p["wrist_flex"])
        return out

    def pose(self, pose: Pose) -> Posed:
        """Vertices and the 33 landmarks (body frame, before the root rotation)."""
        verts, heads = self._forward(self.rotations(pose))
        return Posed(verts, self.landmarks(verts, heads))

    def pose_many(self, poses: list[Pose], batch: int = 32) -> list[Posed]:
        """``pose`` for many poses, run through the model in batches (much faster per pose)."""
        out: list[Posed] = []
        for i in range(0, len(poses), batch):
            verts, heads = self._forward_many([self.rotations(p) for p in poses[i:i + batch]])
            out.extend(Posed(v, self.landmarks(v, h)) for v, h in zip(verts, heads))
        return out

    def landmarks(self, verts: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """The 33 BlazePose landmarks, (33, 3) metres, from bone heads and picked vertices."""
        lm = np.zeros((COUNT, 3))
        for side, s in _SIDE.items():
            for name, bone in BONE_LANDMARKS.items():
                lm[INDEX[f"{side}_{name}"]] = heads[self.bone[f"{bone}.{s}"]]
        for name, vid in self.vertex_landmarks.items():
            lm[INDEX[name]] = verts[vid]
        return lm

    def region_of_vertices(self) -> np.ndarray:
        """Per-vertex region id for colouring: 0 skin, 1 top, 2 bottoms, 3 feet, 4 hair."""
        names = [self.labels[b] for b in self.dominant_bone]
        region = np.zeros(len(names), dtype=np.int64)
        for i, n in enumerate(names):
            if n.startswith(("spine", "clavicle", "shoulder01", "upperarm01", "upperarm02")):
                region[i] = 1
            elif n.startswith(("pelvis", "upperleg", "lowerleg01", "root")):
                region[i] = 2
            elif n.startswith(("foot", "toe")):
                region[i] = 3
        v = self.rest_vertices
        head_top = (v[:, 2] > self.head("eye.L")[2] + 0.025) | (
            (v[:, 2] > self.head("eye.L")[2] - 0.06) & (v[:, 1] > self.head("head")[1] + 0.03))
        region[head_top & np.isin(self.dominant_bone, [self.bone["head"], self.bone["neck03"]])] = 4
        return region

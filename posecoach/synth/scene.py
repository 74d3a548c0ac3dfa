"""Camera, lights, floor and background, and the offscreen renderer (pyrender through EGL).

World frame: metres, z up, the floor is the plane z = 0. Camera poses follow OpenGL (the camera
looks down its own -z with +y up), as pyrender expects. ``project`` gives the exact pixel position
of a world point in the rendered image, which is what makes the truth track exact.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Look:
    """Appearance: colours are RGB in [0, 1]."""

    skin: tuple[float, float, float] = (0.80, 0.62, 0.50)
    top: tuple[float, float, float] = (0.20, 0.35, 0.65)
    bottoms: tuple[float, float, float] = (0.15, 0.15, 0.18)
    feet: tuple[float, float, float] = (0.85, 0.85, 0.85)
    hair: tuple[float, float, float] = (0.20, 0.14, 0.10)
    floor: tuple[float, float, float] = (0.55, 0.45, 0.35)
    floor2: tuple[float, float, float] = (0.50, 0.40, 0.31)
    wall: tuple[float, float, float] = (0.85, 0.84, 0.80)
    light: float = 3.0  #: key light intensity
    light_azimuth: float = 30.0  #: degrees, relative to the camera
    light_elevation: float = 50.0


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: ``pose`` is camera-to-world (OpenGL axes), ``yfov`` in radians."""

    pose: np.ndarray
    yfov: float
    width: int
    height: int

    @property
    def focal(self) -> float:
        """Focal length in pixels."""
        return 0.5 * self.height / math.tan(0.5 * self.yfov)

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (N, 3) in camera coordinates (x right, y up, z backwards)."""
        inv = np.linalg.inv(self.pose)
        return points @ inv[:3, :3].T + inv[:3, 3]

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates (N, 2) (x right, y down, pixel centres at +0.5) and depth (N,) in metres."""
        c = self.to_camera(points)
        depth = -c[:, 2]
        f = self.focal
        u = 0.5 * self.width + f * c[:, 0] / depth
        v = 0.5 * self.height - f * c[:, 1] / depth
        return np.stack([u, v], axis=1), depth


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray = np.array([0.0, 0.0, 1.0])) -> np.ndarray:
    """Camera-to-world pose looking from ``eye`` at ``target``."""
    back = eye - target
    back = back / np.linalg.norm(back)
    if abs(float(np.dot(back, up))) > 0.999:
        up = np.array([0.0, 1.0, 0.0])
    right = np.cross(up, back)
    right /= np.linalg.norm(right)
    true_up = np.cross(back, right)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, true_up, back, eye
    return pose


def frame_camera(
    points: np.ndarray,
    direction: np.ndarray,
    width: int,
    height: int,
    yfov_deg: float = 45.0,
    margin: float = 1.25,
    distance_scale: float = 1.0,
) -> Camera:
    """A camera looking along ``-direction`` that keeps all ``points`` (N, 3) in view.

    ``direction`` points from the subject towards the camera. The distance is solved so the points
    span the image with ``margin`` to spare, then scaled by ``distance_scale``.
    """
    d = direction / np.linalg.norm(direction)
    lo, hi = points.min(axis=0), points.max(axis=0)
    target = 0.5 * (lo + hi)
    yfov = math.radians(yfov_deg)
    dist = 2.0
    centre = np.array([0.5 * width, 0.5 * height])
    for _ in range(12):  # fixed point: distance and centring depend on the perspective
        cam = Camera(look_at(target + d * dist, target), yfov, width, height)
        px, depth = cam.project(points)
        mid = 0.5 * (px.min(axis=0) + px.max(axis=0))
        half = 0.5 * (px.max(axis=0) - px.min(axis=0))
        # move the aim point so the projected box is centred (pixels -> metres at the aim distance)
        shift = (mid - centre) * dist / cam.focal
        target = target + cam.pose[:3, 0] * shift[0] - cam.pose[:3, 1] * shift[1]
        need = max(half[0] / (0.5 * width), half[1] / (0.5 * height)) * margin
        dist = max(0.5, dist * need)
    dist *= distance_scale
    return Camera(look_at(target + d * dist, target), yfov, width, height)


def view_direction(view: str, lateral: np.ndarray, front: np.ndarray, head: np.ndarray,
                   camera_side: str = "right", elevation: float | None = None) -> np.ndarray:
    """Unit vector from the subject to the camera for a named view.

    ``lateral`` points to the person's left, ``front`` out of their chest, ``head`` from hips to
    shoulders (all world). Horizontal parts are used; ``elevation`` (degrees) overrides the default.
    """

    def horiz(v: np.ndarray) -> np.ndarray:
        h = np.array([v[0], v[1], 0.0])
        n = np.linalg.norm(h)
        return h / n if n > 1e-6 else h

    f, hd = horiz(front), horiz(head)
    if view == "side":
        az, elev = horiz(lateral) * (-1.0 if camera_side == "right" else 1.0), 8.0
    elif view == "front":
        az, elev = (f if np.linalg.norm(f) > 0.5 else hd), 10.0
    elif view == "behind":
        az, elev = (-f if np.linalg.norm(f) > 0.5 else -hd), 15.0
    elif view == "feet":
        az, elev = -hd if np.linalg.norm(hd) > 0.5 else -f, 35.0
    elif view == "above":
        az, elev = horiz(lateral) * -1.0, 75.0
    else:
        raise ValueError(f"unknown view {view!r}")
    if elevation is not None:
        elev = elevation
    e = math.radians(elev)
    out = az * math.cos(e) + np.array([0.0, 0.0, math.sin(e)])
    return out / np.linalg.norm(out)


def floor_mesh(center: np.ndarray, size: float, tiles: int, look: Look) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A tiled floor (vertices, faces, vertex colours RGBA) centred under ``center`` at z = 0."""
    verts, faces, cols = [], [], []
    step = size / tiles
    x0, y0 = center[0] - size / 2, center[1] - size / 2
    for i in range(tiles):
        for j in range(tiles):
            base = len(verts)
            xa, ya = x0 + i * step, y0 + j * step
            verts += [(xa, ya, 0), (xa + step, ya, 0), (xa + step, ya + step, 0), (xa, ya + step, 0)]
            faces += [(base, base + 1, base + 2), (base, base + 2, base + 3)]
            c = look.floor if (i + j) % 2 == 0 else look.floor2
            cols += [(*c, 1.0)] * 4
    return np.array(verts, float), np.array(faces, np.int64), np.array(cols, float)


def box_mesh(lo: np.ndarray, hi: np.ndarray, color: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An axis-aligned box from corner ``lo`` to corner ``hi`` (vertices, faces, RGBA colours)."""
    import trimesh

    box = trimesh.creation.box(extents=hi - lo)
    verts = np.asarray(box.vertices) + 0.5 * (lo + hi)
    cols = np.tile([*color, 1.0], (len(verts), 1))
    return verts, np.asarray(box.faces, dtype=np.int64), cols


@dataclass
class Renderer:
    """Offscreen renderer of one body mesh over a floor and a back wall.

    The scene (floor, lights, camera) is built once by ``setup``; each ``render`` only swaps the
    body mesh, which keeps software rendering at a fraction of a second per frame.
    """

    width: int
    height: int
    look: Look = field(default_factory=Look)

    def __post_init__(self) -> None:
        os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
        import pyrender  # noqa: F401  (import after the platform is chosen)

        self._pr = pyrender
        self._gl = pyrender.OffscreenRenderer(self.width, self.height)
        self._scene = None
        self._body_node = None

    def setup(self, camera: Camera, floor: tuple[np.ndarray, np.ndarray, np.ndarray],
              props: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None) -> None:
        """Build the static part of the scene for this camera: floor, props, lights."""
        import trimesh

        pr = self._pr
        scene = pr.Scene(bg_color=(*self.look.wall, 1.0), ambient_light=(0.35, 0.35, 0.35))
        for fv, ff, fc in [floor, *(props or [])]:
            scene.add(pr.Mesh.from_trimesh(trimesh.Trimesh(fv, ff, vertex_colors=fc, process=False), smooth=False))
        scene.add(pr.PerspectiveCamera(yfov=camera.yfov, aspectRatio=self.width / self.height,
                                       znear=0.05, zfar=60.0), pose=camera.pose)
        target = camera.pose[:3, 3] - camera.pose[:3, 2] * 3.0
        az = math.radians(self.look.light_azimuth)
        el = math.radians(self.look.light_elevation)
        back, right = camera.pose[:3, 2], camera.pose[:3, 0]
        horiz = np.array([back[0], back[1], 0.0])
        if np.linalg.norm(horiz) < 1e-3:
            horiz = np.array([right[1], -right[0], 0.0])
        horiz /= np.linalg.norm(horiz)
        side = np.cross(np.array([0, 0, 1.0]), horiz)
        ldir = (horiz * math.cos(az) + side * math.sin(az)) * math.cos(el) + np.array([0, 0, math.sin(el)])
        scene.add(pr.DirectionalLight(color=np.ones(3), intensity=self.look.light),
                  pose=look_at(target + ldir * 5.0, target))
        scene.add(pr.DirectionalLight(color=np.ones(3), intensity=0.35 * self.look.light),
                  pose=look_at(target - ldir * 5.0 + np.array([0, 0, 6.0]), target))
        self._scene = scene
        self._body_node = None

    def render(self, verts: np.ndarray, faces: np.ndarray, colors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """RGB uint8 image (H, W, 3) and depth (H, W) in metres (0 where nothing was drawn)."""
        import trimesh

        if self._scene is None:
            raise RuntimeError("Renderer.setup() must be called before render()")
        if self._body_node is not None:
            self._scene.remove_node(self._body_node)
        body = trimesh.Trimesh(verts, faces, vertex_colors=colors, process=False)
        self._body_node = self._scene.add(self._pr.Mesh.from_trimesh(body, smooth=True))
        color, depth = self._gl.render(self._scene)
        return np.ascontiguousarray(color[:, :, :3]), depth

    def close(self) -> None:
        self._gl.delete()

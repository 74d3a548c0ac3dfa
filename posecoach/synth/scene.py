"""Camera, lights, floor and background, room clutter, and the offscreen renderer (pyrender through EGL).

World frame: metres, z up, the floor is the plane z = 0. Camera poses follow OpenGL (the camera
looks down its own -z with +y up), as pyrender expects. ``project`` gives the exact pixel position
of a world point in the rendered image, which is what makes the truth track exact.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Mesh = tuple[np.ndarray, np.ndarray, np.ndarray]  #: vertices (N, 3), faces (M, 3), RGBA colours (N, 4)


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
        self._cam_node = None
        self._extra_node = None
        self.light_direction = np.array([0.0, 0.0, 1.0])  #: unit vector towards the key light

    def setup(self, camera: Camera, floor: tuple[np.ndarray, np.ndarray, np.ndarray],
              props: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None) -> None:
        """Build the static part of the scene for this camera: floor, props, lights."""
        import trimesh

        pr = self._pr
        scene = pr.Scene(bg_color=(*self.look.wall, 1.0), ambient_light=(0.35, 0.35, 0.35))
        for fv, ff, fc in [floor, *(props or [])]:
            scene.add(pr.Mesh.from_trimesh(trimesh.Trimesh(fv, ff, vertex_colors=fc, process=False), smooth=False))
        self._cam_node = scene.add(pr.PerspectiveCamera(yfov=camera.yfov, aspectRatio=self.width / self.height,
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
        self.light_direction = ldir / np.linalg.norm(ldir)
        scene.add(pr.DirectionalLight(color=np.ones(3), intensity=self.look.light),
                  pose=look_at(target + ldir * 5.0, target))
        scene.add(pr.DirectionalLight(color=np.ones(3), intensity=0.35 * self.look.light),
                  pose=look_at(target - ldir * 5.0 + np.array([0, 0, 6.0]), target))
        self._scene = scene
        self._body_node = None

    def render(self, verts: np.ndarray, faces: np.ndarray, colors: np.ndarray, camera_pose: np.ndarray | None = None,
               extra: Mesh | None = None) -> tuple[np.ndarray, np.ndarray]:
        """RGB uint8 image (H, W, 3) and depth (H, W) in metres (0 where nothing was drawn).

        ``camera_pose`` moves the camera for this frame (a hand-held camera); ``extra`` is a mesh
        drawn with this frame only (the body's shadow; colours with alpha below 1 are blended)."""
        import trimesh

        if self._scene is None:
            raise RuntimeError("Renderer.setup() must be called before render()")
        if self._body_node is not None:
            self._scene.remove_node(self._body_node)
        if self._extra_node is not None:
            self._scene.remove_node(self._extra_node)
            self._extra_node = None
        if camera_pose is not None and self._cam_node is not None:
            self._scene.set_pose(self._cam_node, camera_pose)
        if extra is not None:
            ev, ef, ec = extra
            mesh = self._pr.Mesh.from_trimesh(trimesh.Trimesh(ev, ef, vertex_colors=ec, process=False), smooth=False)
            self._extra_node = self._scene.add(mesh)
        body = trimesh.Trimesh(verts, faces, vertex_colors=colors, process=False)
        self._body_node = self._scene.add(self._pr.Mesh.from_trimesh(body, smooth=True))
        color, depth = self._gl.render(self._scene)
        return np.ascontiguousarray(color[:, :, :3]), depth

    def close(self) -> None:
        self._gl.delete()


# -- a room around the mat (hard renders) ----------------------------------------------------------
#: Furniture and clutter a room may hold; each is built from simple meshes by ``furniture``.
FURNITURE: tuple[str, ...] = ("chair", "table", "sofa", "boxes", "plant", "shelf", "ball")


@dataclass(frozen=True)
class Room:
    """What stands around the mat, drawn from a seed by ``variation.random_hard``.

    ``items`` are (kind, where, along, gap, yaw_deg, colour): ``where`` is ``behind`` (beyond the
    body, seen from the camera) or ``left``/``right`` (beside it in the picture); ``along`` in
    [-1, 1] slides it sideways (behind) or in depth (beside); ``gap`` is metres from the body.
    The wall stands ``wall_gap`` metres beyond the farthest body point, with a ``wall_pattern``
    and a picture; the rug lies under the body.
    """

    items: tuple[tuple[str, str, float, float, float, tuple[float, float, float]], ...] = ()
    wall_gap: float = 1.5
    wall_pattern: str = "plain"  #: plain, stripes or panels
    wall_color2: tuple[float, float, float] = (0.75, 0.74, 0.70)
    picture: bool = True
    picture_color: tuple[float, float, float] = (0.3, 0.4, 0.6)
    rug: bool = True
    rug_colors: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0.5, 0.2, 0.2), (0.7, 0.6, 0.4))
    rug_pattern: str = "stripes"  #: stripes or checks
    shadow: float = 0.45  #: darkness of the body's shadow on the floor (0: none)


def _merge(meshes: list[Mesh]) -> Mesh:
    verts, faces, cols, n = [], [], [], 0
    for v, f, c in meshes:
        verts.append(v)
        faces.append(f + n)
        cols.append(c)
        n += len(v)
    return np.concatenate(verts), np.concatenate(faces), np.concatenate(cols)


def _cylinder(x: float, y: float, z0: float, z1: float, r: float, color: tuple[float, float, float]) -> Mesh:
    import trimesh

    cyl = trimesh.creation.cylinder(radius=r, height=z1 - z0, sections=12)
    verts = np.asarray(cyl.vertices) + np.array([x, y, 0.5 * (z0 + z1)])
    return verts, np.asarray(cyl.faces, dtype=np.int64), np.tile([*color, 1.0], (len(verts), 1))


def _sphere(c: tuple[float, float, float], r: float, color: tuple[float, float, float]) -> Mesh:
    import trimesh

    sph = trimesh.creation.icosphere(subdivisions=2, radius=r)
    verts = np.asarray(sph.vertices) + np.asarray(c)
    return verts, np.asarray(sph.faces, dtype=np.int64), np.tile([*color, 1.0], (len(verts), 1))


def _shade(color: tuple[float, float, float], k: float) -> tuple[float, float, float]:
    return (min(1.0, color[0] * k), min(1.0, color[1] * k), min(1.0, color[2] * k))


def furniture(kind: str, color: tuple[float, float, float]) -> Mesh:
    """One piece of furniture in its own frame: centred on the origin, standing on z = 0, its
    front towards -y."""
    b = box_mesh
    wood = _shade(color, 0.7)
    parts: list[Mesh]
    if kind == "chair":
        parts = [b(np.array([-0.22, -0.22, 0.42]), np.array([0.22, 0.22, 0.46]), color),
                 b(np.array([-0.22, 0.18, 0.46]), np.array([0.22, 0.22, 0.90]), color)]
        parts += [b(np.array([x - 0.02, y - 0.02, 0.0]), np.array([x + 0.02, y + 0.02, 0.42]), wood)
                  for x in (-0.19, 0.19) for y in (-0.19, 0.19)]
    elif kind == "table":
        parts = [b(np.array([-0.5, -0.3, 0.70]), np.array([0.5, 0.3, 0.74]), color)]
        parts += [b(np.array([x - 0.025, y - 0.025, 0.0]), np.array([x + 0.025, y + 0.025, 0.70]), wood)
                  for x in (-0.45, 0.45) for y in (-0.25, 0.25)]
    elif kind == "sofa":
        parts = [b(np.array([-0.9, -0.4, 0.1]), np.array([0.9, 0.4, 0.45]), color),
                 b(np.array([-0.9, 0.2, 0.45]), np.array([0.9, 0.4, 0.85]), _shade(color, 0.9)),
                 b(np.array([-0.9, -0.4, 0.45]), np.array([-0.72, 0.2, 0.62]), _shade(color, 0.95)),
                 b(np.array([0.72, -0.4, 0.45]), np.array([0.9, 0.2, 0.62]), _shade(color, 0.95)),
                 b(np.array([-0.85, -0.35, 0.0]), np.array([0.85, 0.35, 0.1]), (0.1, 0.08, 0.06))]
    elif kind == "boxes":
        parts = [b(np.array([-0.25, -0.2, 0.0]), np.array([0.25, 0.2, 0.35]), color),
                 b(np.array([-0.18, -0.15, 0.35]), np.array([0.16, 0.14, 0.6]), _shade(color, 1.15)),
                 b(np.array([0.3, -0.15, 0.0]), np.array([0.6, 0.15, 0.25]), _shade(color, 0.85))]
    elif kind == "plant":
        parts = [_cylinder(0.0, 0.0, 0.0, 0.3, 0.15, color), _sphere((0.0, 0.0, 0.55), 0.28, (0.18, 0.42, 0.16)),
                 _sphere((0.12, 0.05, 0.78), 0.17, (0.22, 0.5, 0.2))]
    elif kind == "shelf":
        parts = [b(np.array([-0.4, -0.15, 0.0]), np.array([-0.37, 0.15, 1.6]), color),
                 b(np.array([0.37, -0.15, 0.0]), np.array([0.4, 0.15, 1.6]), color),
                 b(np.array([-0.4, 0.12, 0.0]), np.array([0.4, 0.15, 1.6]), _shade(color, 0.85))]
        parts += [b(np.array([-0.37, -0.15, z]), np.array([0.37, 0.15, z + 0.025]), color) for z in (0.02, 0.4, 0.8, 1.2, 1.58)]
        parts += [b(np.array([-0.3 + 0.12 * k, -0.1, z + 0.025]), np.array([-0.22 + 0.12 * k, 0.1, z + 0.27]),
                    ((0.6, 0.2, 0.2), (0.2, 0.3, 0.6), (0.8, 0.7, 0.3), (0.3, 0.5, 0.3))[k % 4])
                  for z in (0.4, 1.2) for k in range(5)]
    elif kind == "ball":
        parts = [_sphere((0.0, 0.0, 0.32), 0.32, color)]
    else:
        raise ValueError(f"unknown furniture {kind!r} (known: {', '.join(FURNITURE)})")
    return _merge(parts)


def _place(mesh: Mesh, origin: np.ndarray, forward: np.ndarray, yaw_deg: float) -> Mesh:
    """``mesh`` turned so its front faces ``-forward`` rotated by ``yaw_deg``, and moved to ``origin``."""
    a = math.atan2(float(forward[1]), float(forward[0])) - math.pi / 2 + math.radians(yaw_deg)
    c, s_ = math.cos(a), math.sin(a)
    r = np.array([[c, -s_, 0.0], [s_, c, 0.0], [0.0, 0.0, 1.0]])
    v, f, col = mesh
    return v @ r.T + origin, f, col


def _grid(corner: np.ndarray, u: np.ndarray, v: np.ndarray, nu: int, nv: int,
          color_of: Any) -> Mesh:
    """A flat patch of ``nu`` x ``nv`` cells from ``corner`` along ``u`` and ``v``; each cell its own colour."""
    verts, faces, cols = [], [], []
    for i in range(nu):
        for j in range(nv):
            base = len(verts)
            p = corner + u * i / nu + v * j / nv
            du, dv = u / nu, v / nv
            verts += [p, p + du, p + du + dv, p + dv]
            faces += [(base, base + 1, base + 2), (base, base + 2, base + 3)]
            cols += [(*color_of(i, j), 1.0)] * 4
    return np.array(verts, float), np.array(faces, np.int64), np.array(cols, float)


def room_meshes(room: Room, look: Look, camera: Camera, body_points: np.ndarray) -> tuple[list[Mesh], list[dict[str, Any]]]:
    """Wall, rug and furniture around a body seen by ``camera`` (``body_points``: world points of
    the body over the whole clip). An item that would hide any part of the body from the camera
    is left out. Returns the meshes and what was placed (kind, centre and size, for the labels)."""
    back = camera.pose[:3, 2]
    fwd = -np.array([back[0], back[1], 0.0])  # horizontal, away from the camera
    fwd /= np.linalg.norm(fwd)
    side = np.array([fwd[1], -fwd[0], 0.0])  # to the right in the picture
    lo, hi = body_points.min(axis=0), body_points.max(axis=0)
    centre = 0.5 * (lo + hi)
    rel = body_points - centre
    far = float((rel @ fwd).max())
    near = float((rel @ fwd).min())
    half_w = float(np.abs(rel @ side).max())
    base = np.array([centre[0], centre[1], 0.0])
    eye = camera.pose[:3, 3]
    body_side = rel @ side
    meshes: list[Mesh] = []
    placed: list[dict[str, Any]] = []

    # the wall beyond the body
    wall_d = far + room.wall_gap
    wall_o = base + fwd * wall_d - side * 6.0
    w2 = room.wall_color2

    def wall_color(i: int, j: int) -> tuple[float, float, float]:
        if room.wall_pattern == "stripes":
            return look.wall if i % 2 == 0 else w2
        if room.wall_pattern == "panels":
            return w2 if j == 0 else look.wall
        return look.wall

    n_wall = 48 if room.wall_pattern == "stripes" else 1
    meshes.append(_grid(wall_o, side * 12.0, np.array([0.0, 0.0, 3.0]), n_wall, 3 if room.wall_pattern == "panels" else 1,
                        wall_color))
    placed.append({"kind": "wall", "distance_m": round(wall_d, 2), "pattern": room.wall_pattern})
    if room.picture:
        pc = base + fwd * (wall_d - 0.03) + side * (0.6 * half_w)
        frame_col = (0.15, 0.12, 0.1)
        pic = [_place(box_mesh(np.array([-0.45, -0.02, 1.1]), np.array([0.45, 0.02, 1.75]), frame_col), pc, fwd, 0.0),
               _place(box_mesh(np.array([-0.4, -0.03, 1.15]), np.array([0.4, 0.0, 1.7]), room.picture_color), pc, fwd, 0.0)]
        meshes.extend(pic)
        placed.append({"kind": "picture", "at_m": [round(float(x), 2) for x in pc[:2]]})

    if room.rug:
        c1, c2 = room.rug_colors
        ext_f = (far - near) + 0.8
        ext_s = 2 * half_w + 0.8
        corner = base + fwd * (near - 0.4) - side * (half_w + 0.4) + np.array([0.0, 0.0, 0.003])
        stripes = room.rug_pattern == "stripes"
        meshes.append(_grid(corner, side * ext_s, fwd * ext_f, 12 if stripes else 8, 1 if stripes else 8,
                            lambda i, j: c1 if (i + (0 if stripes else j)) % 2 == 0 else c2))
        placed.append({"kind": "rug", "pattern": room.rug_pattern})

    for kind, where, along, gap, yaw, color in room.items:
        mesh = furniture(kind, color)
        ext = mesh[0].max(axis=0) - mesh[0].min(axis=0)
        radius = float(np.linalg.norm(mesh[0][:, :2], axis=1).max())
        if where == "behind":
            origin = base + fwd * (far + gap + radius) + side * along * (half_w + 1.0)
        else:
            sign = 1.0 if where == "right" else -1.0
            origin = base + side * sign * (half_w + gap + radius) + fwd * along * 0.5 * (far - near)
        if float((origin - base) @ fwd) + radius > wall_d - 0.05:  # keep it inside the wall
            origin = origin - fwd * (float((origin - base) @ fwd) + radius - wall_d + 0.05)
        v, f, c = _place(mesh, origin, fwd, yaw)
        if not _cannot_hide(v - centre, rel, eye - centre, fwd, side, body_side):
            continue
        meshes.append((v, f, c))
        placed.append({"kind": kind, "where": where, "at_m": [round(float(x), 2) for x in origin[:2]],
                       "size_m": [round(float(x), 2) for x in ext]})
    return meshes, placed


def _cannot_hide(item: np.ndarray, body: np.ndarray, eye: np.ndarray, fwd: np.ndarray, side: np.ndarray,
                 body_side: np.ndarray) -> bool:
    """True when no ray from the camera at ``eye`` can meet the item before a body point (all
    relative to the body's centre). Along a ray a coordinate changes steadily, so an item lying
    wholly beyond every body point in some horizontal direction in which the camera lies on the
    body's side cannot stand in front of it: beyond the body (``fwd``) or off to one side of it."""
    margin = 0.05  # the body points are a sample of its vertices
    if float((item @ fwd).min()) > float((body @ fwd).max()) + margin and float(eye @ fwd) < float((body @ fwd).max()):
        return True
    s_item = item @ side
    if float(s_item.min()) > float(body_side.max()) + margin and float(eye @ side) < float(body_side.max()):
        return True
    return float(s_item.max()) < float(body_side.min()) - margin and float(eye @ side) > float(body_side.min())


def shadow_mesh(verts: np.ndarray, faces: np.ndarray, light: np.ndarray, darkness: float, height: float = 0.006) -> Mesh:
    """The body's shadow on the floor: every vertex pushed along the light onto ``z = height``,
    drawn black with alpha ``darkness`` (vertices below that height stay where they are)."""
    ld = light / np.linalg.norm(light)
    if ld[2] < 0.1:
        ld = np.array([ld[0], ld[1], 0.1]) / np.linalg.norm([ld[0], ld[1], 0.1])
    h = np.maximum(verts[:, 2] - height, 0.0)
    flat = verts - (h / ld[2])[:, None] * ld[None, :]
    flat[:, 2] = height
    cols = np.tile([0.0, 0.0, 0.0, darkness], (len(flat), 1))
    return flat, faces, cols


#: Clothing patterns: a pattern modulates the colour of a region by a function of the rest-pose
#: vertex position (horizontal stripes, vertical stripes, checks, or a mottled print).
PATTERNS: tuple[str, ...] = ("plain", "stripes", "pinstripes", "checks", "mottled")


def pattern_shade(rest: np.ndarray, pattern: str, period: float, seed: int = 0) -> np.ndarray:
    """A per-vertex brightness factor (N,) for a clothing pattern on the rest-pose vertices."""
    x, y, z = rest[:, 0], rest[:, 1], rest[:, 2]
    if pattern == "stripes":
        return np.where(np.floor(z / period) % 2 == 0, 1.0, 0.55)
    if pattern == "pinstripes":
        return np.where((z / period) % 1.0 < 0.2, 1.6, 1.0)
    if pattern == "checks":
        return np.where((np.floor(z / period) + np.floor((x + y) / period)) % 2 == 0, 1.0, 0.6)
    if pattern == "mottled":
        rng = np.random.default_rng(seed)
        k = rng.normal(size=(6, 3)) / period
        ph = rng.uniform(0, 2 * np.pi, 6)
        w = np.sin(rest @ k.T + ph).sum(axis=1) / 6.0
        return 1.0 + 0.35 * w
    return np.ones(len(rest))


# -- a hand-held, tilted, knocked camera (hard renders) --------------------------------------------
@dataclass(frozen=True)
class Handheld:
    """How the camera is held: a fixed ``tilt`` (up, degrees), ``pan`` (right) and ``roll``
    (clockwise in the picture) away from the framed view; ``crop_edge`` (left, right, top or
    bottom) lets ``crop`` of the body's extent out of the picture on that side; ``shake`` degrees
    of slow hand-held wander at about ``shake_hz``; a ``knock`` of that many degrees at
    ``knock_at`` (fraction of the clip) that jolts the camera and leaves it turned."""

    tilt: float = 0.0
    pan: float = 0.0
    roll: float = 0.0
    crop_edge: str | None = None
    crop: float = 0.0
    shake: float = 0.0
    shake_hz: float = 1.0
    knock_at: float | None = None
    knock: float = 0.0
    seed: int = 0


def turned(pose: np.ndarray, pan: float = 0.0, tilt: float = 0.0, roll: float = 0.0) -> np.ndarray:
    """A camera pose turned about its own axes (degrees): ``pan`` to the right, ``tilt`` up,
    ``roll`` clockwise as seen in the picture. The camera stays where it is."""

    def r(axis: int, deg: float) -> np.ndarray:
        a = math.radians(deg)
        c, s = math.cos(a), math.sin(a)
        m = np.eye(3)
        i, j = [(1, 2), (2, 0), (0, 1)][axis]
        m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
        return m

    out = pose.copy()
    out[:3, :3] = pose[:3, :3] @ r(1, -pan) @ r(0, tilt) @ r(2, -roll)
    return out


def _cropped(cam: Camera, points: np.ndarray, edge: str, crop: float) -> Camera:
    """``cam`` panned or tilted so ``crop`` of the points' projected extent leaves the picture at ``edge``."""
    horizontal = edge in ("left", "right")
    k = 0 if horizontal else 1
    limit = cam.width if horizontal else cam.height

    def out_share(angle: float) -> float:
        c = _turn(cam, angle, horizontal)
        px, _ = c.project(points)
        lo, hi = float(px[:, k].min()), float(px[:, k].max())
        return (-lo if edge in ("left", "top") else hi - limit) / max(hi - lo, 1e-6)

    # content moves left when the camera pans right, and down when it tilts up: the sign that
    # pushes the points out past this edge
    sign = 1.0 if edge in ("left", "bottom") else -1.0
    if not horizontal:
        sign = -sign
    a, b = 0.0, sign * 2.0
    fa, fb = out_share(a) - crop, out_share(b) - crop
    for _ in range(20):  # secant steps; the share grows steadily with the angle
        if abs(fb) < 1e-4 or fb == fa:
            break
        a, b, fa = b, b - fb * (b - a) / (fb - fa), fb
        b = max(-40.0, min(40.0, b))
        fb = out_share(b) - crop
    return _turn(cam, b, horizontal)


def _turn(cam: Camera, angle: float, horizontal: bool) -> Camera:
    pose = turned(cam.pose, pan=angle) if horizontal else turned(cam.pose, tilt=angle)
    return Camera(pose, cam.yfov, cam.width, cam.height)


def handheld_poses(cam: Camera, hh: Handheld, points: np.ndarray, n_frames: int, fps: float) -> tuple[Camera, list[np.ndarray]]:
    """The held camera (framing, crop, tilt and roll) and its pose in every frame (shake, knock)."""
    if hh.crop_edge and hh.crop > 0:
        cam = _cropped(cam, points, hh.crop_edge, hh.crop)
    cam = Camera(turned(cam.pose, hh.pan, hh.tilt, hh.roll), cam.yfov, cam.width, cam.height)
    rng = np.random.default_rng(hh.seed)
    freqs = hh.shake_hz * np.array([0.5, 1.0, 2.3])
    amps = np.array([0.6, 0.3, 0.1])
    phases = rng.uniform(0, 2 * np.pi, (3, 3))
    kdir = rng.normal(size=3)
    kdir /= np.linalg.norm(kdir)
    kdir[2] *= 0.5
    out = []
    for i in range(n_frames):
        t = i / fps
        wob = hh.shake * np.array([float((amps * np.sin(2 * np.pi * freqs * t + phases[a])).sum()) for a in range(3)])
        wob[2] *= 0.5  # less roll than pan and tilt
        if hh.knock_at is not None and hh.knock > 0:
            tk = hh.knock_at * (n_frames - 1) / fps
            if t >= tk:
                dt = t - tk
                wob = wob + hh.knock * kdir * (0.6 + 0.4 * math.exp(-dt / 0.25) * math.cos(2 * math.pi * 4.0 * dt))
        out.append(turned(cam.pose, float(wob[0]), float(wob[1]), float(wob[2])))
    return cam, out

"""Render one clip: choreography -> posed body per frame -> mp4, labels JSON and truth track.

The body is posed from the timeline, turned into the world by its root angles, then set on the
floor: when the choreography names ``contacts`` the pitch is adjusted so all of them touch the floor
together (shoulders and feet in a bridge), the lowest vertex is put at z = 0, and the ``anchor``
landmarks keep their place on the floor (the feet do not slide).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.landmarks import INDEX
from posecoach.synth import choreo as choreo_mod
from posecoach.synth import timeline as timeline_mod
from posecoach.synth.body import PHENOTYPES, Body, rot
from posecoach.synth.degrade import Degrader
from posecoach.synth.scene import (Camera, Look, Renderer, box_mesh, floor_mesh, frame_camera, handheld_poses,
                                   pattern_shade, room_meshes, shadow_mesh, view_direction)
from posecoach.synth.variation import Hard
from posecoach.synth.video import Mp4Writer
from posecoach.track import TrackWriter
from posecoach.types import PoseFrame

#: How far behind the visible surface a landmark may lie and still count as visible (metres):
#: joint centres sit a few centimetres inside the limb.
OCCLUSION_TOLERANCE = 0.11


@dataclass
class Options:
    """Everything that varies between renders of one choreography."""

    view: str | None = None  #: None: the choreography's view
    camera_side: str | None = None
    elevation: float | None = None  #: camera height as degrees above the horizon
    distance: float = 1.0  #: scale on the auto-framed distance
    width: int = 480
    height: int = 360
    fps: float = 30.0
    speed: float = 1.0
    reps: int | None = None  #: None: the choreography's count
    fault: str | None = None
    fault_reps: tuple[int, ...] | None = None
    severity: str = "clear"  #: grade of the fault (see ``timeline.SEVERITIES``)
    seed: int = 0
    jitter: float = 0.0
    body: dict[str, float] = field(default_factory=dict)
    look: Look = field(default_factory=Look)
    codec: str = "auto"
    hard: Hard | None = None  #: room, patterns, held camera, degradation, human variability (``--hard``)


@dataclass
class Placed:
    """One frame's body in the world: vertices (V, 3) and landmarks (33, 3), metres."""

    vertices: np.ndarray
    landmarks: np.ndarray
    root: np.ndarray  #: body-to-world rotation


def _contact_pitch(verts: np.ndarray, lms: np.ndarray, contacts: tuple[str, ...], base: np.ndarray,
                   pitch: float, prev: float | None) -> float:
    """The pitch (degrees) at which the regions around every contact landmark touch the floor together."""
    groups = []
    for name in contacts:
        d = np.linalg.norm(verts - lms[INDEX[name]], axis=1)
        groups.append(verts[d < 0.12][::3])

    sparse = verts[::7]

    def spread(p: float) -> float:
        # contacts level with each other, and nothing else below them
        r = rot((1, 0, 0), p) @ base
        lows = [float((g @ r[2]).min()) for g in groups if len(g)]
        if not lows:
            return 0.0
        floor = float((sparse @ r[2]).min())
        return max(lows) - min(lows) + max(0.0, min(lows) - floor)

    centre = pitch if prev is None else prev
    grid = np.arange(centre - 40.0, centre + 40.01, 1.0)
    scores = np.array([spread(float(p)) + 0.002 * abs(float(p) - centre) for p in grid])
    best = float(grid[int(np.argmin(scores))])
    fine = np.arange(best - 1.0, best + 1.001, 0.1)
    return float(fine[int(np.argmin([spread(float(p)) for p in fine]))])


def place_frames(body: Body, tl: timeline_mod.Timeline, ch: choreo_mod.Choreography, fps: float) -> list[Placed]:
    """Pose, orient and ground the body for every frame of the timeline."""
    frames: list[Placed] = []
    prev_pitch: float | None = None
    anchor_ids = [INDEX[n] for n in ch.anchor]
    times = [i / fps for i in range(tl.frame_count(fps))]
    poses = [tl.pose_at(t) for t in times]
    posed_all = body.pose_many(poses)
    for t, pose, posed in zip(times, poses, posed_all):
        base = rot((0, 0, 1), pose["roll"])
        pitch = pose["pitch"]
        a, b, w = tl.segment_at(t)
        pitches = []
        for contacts in (a.contacts, b.contacts):
            if contacts:
                pitches.append(_contact_pitch(posed.vertices, posed.landmarks, contacts, base, pitch, prev_pitch))
            else:
                pitches.append(pitch)
            if a.contacts == b.contacts:
                pitches.append(pitches[0])
                break
        if a.contacts or b.contacts:
            pitch = pitches[0] + w * (pitches[1] - pitches[0])
            prev_pitch = pitch
        r = rot((0, 0, 1), pose["yaw"]) @ rot((1, 0, 0), pitch) @ base
        v = posed.vertices @ r.T
        lm = posed.landmarks @ r.T
        shift = np.array([lm[anchor_ids, 0].mean(), lm[anchor_ids, 1].mean(), v[:, 2].min()])
        frames.append(Placed((v - shift).astype(np.float32), lm - shift, r))
    return frames


def choose_camera(frames: list[Placed], ch: choreo_mod.Choreography, opt: Options) -> Camera:
    """Frame the whole clip from the requested view."""
    first = frames[0]
    lm = first.landmarks
    lateral = lm[INDEX["left_hip"]] - lm[INDEX["right_hip"]]
    head = 0.5 * (lm[INDEX["left_shoulder"]] + lm[INDEX["right_shoulder"]]) - 0.5 * (
        lm[INDEX["left_hip"]] + lm[INDEX["right_hip"]])
    front = first.root @ np.array([0.0, -1.0, 0.0])
    direction = view_direction(opt.view or ch.view, lateral, front, head,
                               opt.camera_side or ch.camera_side, opt.elevation)
    return frame_camera(clip_points(frames), direction, opt.width, opt.height, distance_scale=opt.distance)


def clip_points(frames: list[Placed]) -> np.ndarray:
    """A sample of the body's vertices over the whole clip (for framing)."""
    return np.concatenate([f.vertices[::25] for f in frames[:: max(1, len(frames) // 40)]])


def props(ch: choreo_mod.Choreography, frames: list[Placed]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Static scene props: a stool whose seat meets the buttocks in the first frame."""
    if ch.prop != "stool":
        return []
    lm, v = frames[0].landmarks, frames[0].vertices
    hips = 0.5 * (lm[INDEX["left_hip"]] + lm[INDEX["right_hip"]])
    near = v[np.linalg.norm(v[:, :2] - hips[:2], axis=1) < 0.12]
    seat = float(near[:, 2].min()) if len(near) else float(hips[2] - 0.1)
    lo = np.array([hips[0] - 0.22, hips[1] - 0.22, 0.0])
    hi = np.array([hips[0] + 0.22, hips[1] + 0.22, max(0.05, seat)])
    return [box_mesh(lo, hi, (0.45, 0.30, 0.18))]


def truth_frame(index: int, t_ms: int, cam: Camera, lm_world: np.ndarray, depth_buf: np.ndarray) -> PoseFrame:
    """The exact landmarks of one frame in posecoach's track format, visibility from the depth buffer."""
    px, depth = cam.project(lm_world)
    w, h = cam.width, cam.height
    hip_mid = 0.5 * (lm_world[INDEX["left_hip"]] + lm_world[INDEX["right_hip"]])
    _, hip_depth = cam.project(hip_mid[None])
    lms = np.zeros((len(lm_world), 4))
    lms[:, 0] = px[:, 0] / w
    lms[:, 1] = px[:, 1] / h
    lms[:, 2] = (depth - hip_depth[0]) * cam.focal / (hip_depth[0] * w)
    for k in range(len(lm_world)):
        u, v = int(math.floor(px[k, 0])), int(math.floor(px[k, 1]))
        if not (0 <= u < w and 0 <= v < h):
            lms[k, 3] = 0.0
            continue
        surface = float(depth_buf[v, u])
        lms[k, 3] = 1.0 if surface <= 0 or depth[k] <= surface + OCCLUSION_TOLERANCE else 0.2
    c = cam.to_camera(lm_world - hip_mid + cam.pose[:3, 3])  # hip-centred, camera axes
    world = np.stack([c[:, 0], -c[:, 1], -c[:, 2]], axis=1)
    return PoseFrame(index, t_ms, w, h, lms, world)


def vertex_colors(body: Body, look: Look, hard: Hard | None = None) -> np.ndarray:
    """RGBA per vertex from the body regions (skin, top, bottoms, feet, hair); with ``hard`` the
    top and bottoms carry its clothing patterns."""
    palette = np.array([look.skin, look.top, look.bottoms, look.feet, look.hair])
    region = body.region_of_vertices()
    rgb = palette[region]
    if hard is not None:
        for reg, pattern, k in ((1, hard.top_pattern, 1), (2, hard.bottoms_pattern, 2)):
            sel = region == reg
            shade = pattern_shade(body.rest_vertices[sel], pattern, hard.pattern_period, hard.seed + k)
            rgb[sel] = np.clip(rgb[sel] * shade[:, None], 0.0, 1.0)
    return np.concatenate([rgb, np.ones((len(rgb), 1))], axis=1)


def render_clip(choreo_path: Path, out_dir: Path, name: str | None = None, opt: Options | None = None,
                progress: bool = False) -> dict[str, Any]:
    """Render a clip and write ``NAME.mp4``, ``NAME.labels.json`` and ``NAME.truth.jsonl``.

    Returns the clip's label entry.
    """
    opt = opt or Options()
    if opt.width % 2 or opt.height % 2 or opt.width < 64 or opt.height < 64:
        raise ValueError(f"frame size {opt.width}x{opt.height}: width and height must be even and at least 64")
    ch = choreo_mod.load(choreo_path)
    if opt.reps is not None:
        ch = dataclasses.replace(ch, count=opt.reps)
    hard = opt.hard
    tl = timeline_mod.build(ch, speed=opt.speed, fault=opt.fault, fault_reps=opt.fault_reps,
                            jitter=opt.jitter, seed=opt.seed, severity=opt.severity,
                            human=hard.human if hard is not None else None)
    name = name or ch.exercise
    out_dir.mkdir(parents=True, exist_ok=True)
    body = Body(opt.body)
    frames = place_frames(body, tl, ch, opt.fps)
    cam = choose_camera(frames, ch, opt)
    colors = vertex_colors(body, opt.look, hard)
    centre = np.mean([f.landmarks.mean(axis=0) for f in frames], axis=0)
    floor = floor_mesh(centre, 16.0, 32, opt.look)
    scene_props = props(ch, frames)
    poses: list[np.ndarray] | None = None
    placed: list[dict[str, Any]] = []
    if hard is not None:
        pts = clip_points(frames)
        cam, poses = handheld_poses(cam, hard.camera, pts, len(frames), opt.fps)
        room, placed = room_meshes(hard.room, opt.look, cam, pts)
        scene_props = scene_props + room
    renderer = Renderer(opt.width, opt.height, opt.look)
    renderer.setup(cam, floor, scene_props)
    mp4 = out_dir / f"{name}.mp4"
    header = {"fps": opt.fps, "width": opt.width, "height": opt.height, "source": mp4.name,
              "model": "synthetic-truth", "exercise": ch.exercise, "view": opt.view or ch.view}
    degrader = Degrader(hard.degrade, opt.width, opt.height, opt.fps) if hard is not None else None
    crf = {"crf": hard.crf} if hard is not None else {}
    cropped = 0
    try:
        with Mp4Writer(mp4, opt.fps, opt.width, opt.height, opt.codec, **crf) as video, \
                TrackWriter(out_dir / f"{name}.truth.jsonl", header) as track:
            window: list[np.ndarray] = []  # the last rendered frames, for the motion blur of a hard render
            for i, f in enumerate(frames):
                if hard is None or poses is None or degrader is None:
                    rgb, depth = renderer.render(f.vertices, body.faces, colors)
                    video.write_rgb(rgb)
                    track.write(truth_frame(i, int(round(1000 * i / opt.fps)), cam, f.landmarks, depth))
                else:
                    shadow = (shadow_mesh(f.vertices, body.faces, renderer.light_direction, hard.room.shadow)
                              if hard.room.shadow > 0 else None)
                    rgb, depth = renderer.render(f.vertices, body.faces, colors, poses[i], shadow)
                    frame_cam = Camera(poses[i], cam.yfov, cam.width, cam.height)
                    truth = truth_frame(i, int(round(1000 * i / opt.fps)), frame_cam, f.landmarks, depth)
                    if truth.landmarks is not None and bool((truth.landmarks[:, 3] == 0.0).any()):
                        cropped += 1
                    track.write(truth)
                    window = (window + [rgb])[-3:]
                    if i >= 1:  # frame i - 1 now has both neighbours
                        prev = window[0] if len(window) == 3 else None
                        video.write_rgb(degrader.apply(i - 1, prev, window[-2], window[-1]))
                if progress and i % 30 == 0:
                    print(f"\r{name}: frame {i + 1}/{len(frames)}", end="", flush=True)
            if degrader is not None and window:
                last = len(frames) - 1
                video.write_rgb(degrader.apply(last, window[-2] if len(window) >= 2 else None, window[-1], None))
    finally:
        renderer.close()
    if progress:
        print()
    entry = label_entry(ch, tl, opt, mp4.name, len(frames), cam)
    if hard is not None:
        entry["hard"] = {**hard.record(), "placed": placed, "variability": tl.variability,
                         "frames_with_points_out_of_frame": cropped}
    (out_dir / f"{name}.labels.json").write_text(json.dumps({"clips": [entry]}, indent=1) + "\n", encoding="utf-8")
    return entry


def label_entry(ch: choreo_mod.Choreography, tl: timeline_mod.Timeline, opt: Options, file: str,
                n_frames: int, cam: Camera) -> dict[str, Any]:
    """The labels of one clip, in the shape of the real-footage labels plus a ``synthetic`` block."""
    view = opt.view or ch.view
    seconds = n_frames / opt.fps
    entry: dict[str, Any] = {
        "file": file, "exercise": ch.exercise, "view": view,
        "camera": f"synthetic {opt.width}x{opt.height}, {opt.fps:g} fps, {seconds:.1f} s",
        "fps": opt.fps, "frames": n_frames, "width": opt.width, "height": opt.height,
    }
    entry.update(tl.labels())
    if not entry["holds"]:
        del entry["holds"]
    entry["synthetic"] = {
        "seed": opt.seed, "body": {k: opt.body.get(k, 0.5) for k in PHENOTYPES},
        "choreography": Path(ch.path).name,
        "speed": opt.speed, "fault": opt.fault, "severity": opt.severity if opt.fault else None,
        "jitter": opt.jitter,
        "camera_side": opt.camera_side or ch.camera_side,
        "camera_position_m": [round(float(x), 3) for x in cam.pose[:3, 3]],
        "yfov_deg": round(math.degrees(cam.yfov), 2), "look": asdict(opt.look),
    }
    return entry


def preview(choreo_path: Path, out_png: Path, opt: Options | None = None, poses: list[str] | None = None) -> Path:
    """One still per key pose (with the fault offsets of ``opt.fault`` if given), side by side."""
    opt = opt or Options()
    ch = choreo_mod.load(choreo_path)
    names = poses or list(ch.poses)
    flt = ch.faults.get(opt.fault) if opt.fault else None
    keys = []
    for i, n in enumerate(names):
        pose = dict(ch.poses[n])
        if flt is not None and flt.kind == "offset" and n != ch.start:
            pose = timeline_mod.add_pose(pose, flt.offset)
        keys.append(timeline_mod.Key(float(i), pose, "linear", ch.pose_contacts.get(n, ch.contacts)))
    tl = timeline_mod.Timeline(keys, [], float(len(names) - 1), 0, {}, [], [], [])
    body = Body(opt.body)
    frames = place_frames(body, tl, ch, 1.0)
    cam = choose_camera(frames, ch, opt)
    colors = vertex_colors(body, opt.look)
    floor = floor_mesh(np.mean([f.landmarks.mean(axis=0) for f in frames], axis=0), 16.0, 32, opt.look)
    renderer = Renderer(opt.width, opt.height, opt.look)
    renderer.setup(cam, floor, props(ch, frames))
    try:
        images = [renderer.render(f.vertices, body.faces, colors)[0] for f in frames]
    finally:
        renderer.close()
    import cv2

    out_png.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out_png), np.concatenate(images, axis=0)[:, :, ::-1])
    return out_png

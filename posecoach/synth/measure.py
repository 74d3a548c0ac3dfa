"""How well MediaPipe sees a synthetic clip: detection rate and joint-angle error against the truth.

Usage: ``python -m posecoach.synth.measure sample_videos/*.mp4 [--model PATH] [--json OUT]``.
Each ``X.mp4`` needs its ``X.truth.jsonl`` (or ``X.truth.jsonl.gz``) next to it.

Angles are 2D, in pixels (aspect-correct), at the middle joint, 0-180 degrees, as posecoach's
features compute them: knee = hip-knee-ankle, hip = shoulder-hip-knee, elbow =
shoulder-elbow-wrist, shoulder = hip-shoulder-elbow. "near" counts only the side whose three truth
landmarks are all visible to the camera; "all" counts both sides. Landmark error is the median
pixel distance for visible shoulders, hips and knees, divided by the diagonal of the true body's
bounding box (so it does not blow up when the torso is foreshortened).

MediaPipe sometimes swaps the person's left and right (a body seen from the feet or from behind is
ambiguous). A frame counts as swapped when the mirrored assignment lies closer to the truth;
``side_swaps`` is the share of such frames, and the errors are computed after undoing the swap.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.landmarks import INDEX
from posecoach.track import read_frames
from posecoach.types import PoseFrame

DEFAULT_MODEL = Path("/work/shared/models/pose_landmarker_full.task")
ANGLES: dict[str, tuple[str, str, str]] = {
    "knee": ("hip", "knee", "ankle"),
    "hip": ("shoulder", "hip", "knee"),
    "elbow": ("shoulder", "elbow", "wrist"),
    "shoulder": ("hip", "shoulder", "elbow"),
}
KEY_POINTS = ("shoulder", "hip", "knee")
#: Landmark order with every left and right exchanged.
MIRROR = [INDEX[n.replace("left", "@").replace("right", "left").replace("@", "right")] for n in INDEX]


def angle2d(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle ABC at B in degrees (0-180) from 2D pixel points; NaN if degenerate."""
    v1, v2 = a - b, c - b
    n = float(np.linalg.norm(v1) * np.linalg.norm(v2))
    if not n > 1e-9:
        return float("nan")
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(v1, v2)) / n))))


def run_mediapipe(video: Path, model: Path) -> list[np.ndarray | None]:
    """Landmarks (33, 4) per frame from PoseLandmarker in VIDEO mode (None where nobody is found)."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model)),
                                        running_mode=vision.RunningMode.VIDEO, num_poses=1)
    out: list[np.ndarray | None] = []
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    landmarker = vision.PoseLandmarker.create_from_options(opts)
    try:
        i = 0
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            img = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            res = landmarker.detect_for_video(img, int(round(1000 * i / fps)))
            if res.pose_landmarks:
                out.append(np.array([[p.x, p.y, p.z, p.visibility] for p in res.pose_landmarks[0]]))
            else:
                out.append(None)
            i += 1
    finally:
        landmarker.close()
        cap.release()
    return out


def _truth_path(video: Path) -> Path:
    plain = video.with_name(video.stem + ".truth.jsonl")
    if plain.exists():
        return plain
    gz = plain.with_name(plain.name + ".gz")
    if gz.exists():
        return gz
    raise FileNotFoundError(f"{video}: no truth track next to it ({plain.name} or {gz.name})")


def read_truth(video: Path) -> list[PoseFrame]:
    """The truth frames of a clip (reads a gzipped track through a temporary copy)."""
    path = _truth_path(video)
    if path.suffix != ".gz":
        return list(read_frames(path))
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / path.stem
        with gzip.open(path, "rb") as src, plain.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        return list(read_frames(plain))


def compare(truth: list[PoseFrame], found: list[np.ndarray | None]) -> dict[str, Any]:
    """Detection rate, mean absolute angle errors (degrees) and landmark error (body sizes)."""
    errs: dict[str, list[float]] = {f"{k}_{s}": [] for k in ANGLES for s in ("near", "all")}
    lm_err: list[float] = []
    n = min(len(truth), len(found))
    detected = sum(1 for f in found[:n] if f is not None)
    swaps = 0
    key_ids = [INDEX[f"{side}_{p}"] for side in ("left", "right") for p in KEY_POINTS]
    for tf, mp_lm in zip(truth[:n], found[:n]):
        if mp_lm is None or tf.landmarks is None:
            continue
        scale = np.array([tf.width, tf.height])
        t_xy, m_xy, vis = tf.landmarks[:, :2] * scale, mp_lm[:, :2] * scale, tf.landmarks[:, 3]
        mirrored = m_xy[MIRROR]
        if (np.linalg.norm(mirrored[key_ids] - t_xy[key_ids], axis=1).sum()
                < np.linalg.norm(m_xy[key_ids] - t_xy[key_ids], axis=1).sum()):
            swaps += 1
            m_xy = mirrored
        size = float(np.linalg.norm(t_xy.max(axis=0) - t_xy.min(axis=0)))
        for side in ("left", "right"):
            for name, pts in ANGLES.items():
                ids = [INDEX[f"{side}_{p}"] for p in pts]
                e = abs(angle2d(*t_xy[ids]) - angle2d(*m_xy[ids]))
                if math.isnan(e):
                    continue
                errs[f"{name}_all"].append(e)
                if all(vis[i] > 0.5 for i in ids):
                    errs[f"{name}_near"].append(e)
            if size > 1e-6:
                for p in KEY_POINTS:
                    i = INDEX[f"{side}_{p}"]
                    if vis[i] > 0.5:
                        lm_err.append(float(np.linalg.norm(t_xy[i] - m_xy[i]) / size))
    out: dict[str, Any] = {"frames": n, "detected": detected, "detection_rate": round(detected / n, 3) if n else 0.0,
                           "side_swaps": round(swaps / detected, 3) if detected else 0.0}
    for k, v in errs.items():
        out[f"{k}_mae_deg"] = round(float(np.mean(v)), 1) if v else None
    out["keypoint_err_body"] = round(float(np.median(lm_err)), 3) if lm_err else None
    return out


def measure(video: Path, model: Path = DEFAULT_MODEL) -> dict[str, Any]:
    """All numbers for one clip."""
    truth = read_truth(video)
    result = compare(truth, run_mediapipe(video, model))
    labels = video.with_name(video.stem + ".labels.json")
    if labels.exists():
        clip = json.loads(labels.read_text(encoding="utf-8"))["clips"][0]
        result = {"exercise": clip.get("exercise"), "view": clip.get("view"), **result}
    return {"clip": str(video), **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posecoach.synth.measure", description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="+", type=Path)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    rows = []
    cols = ("detection_rate", "side_swaps", "knee_near_mae_deg", "hip_near_mae_deg", "elbow_near_mae_deg",
            "shoulder_near_mae_deg", "knee_all_mae_deg", "hip_all_mae_deg", "keypoint_err_body")
    print("clip".ljust(34) + "view".ljust(7) + "".join(c.replace("_mae_deg", "").ljust(15) for c in cols))
    for video in args.videos:
        row = measure(video, args.model)
        rows.append(row)
        print(Path(row["clip"]).name.ljust(34) + str(row.get("view", "")).ljust(7)
              + "".join(str(row.get(c)).ljust(15) for c in cols), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

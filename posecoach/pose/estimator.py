"""MediaPipe PoseLandmarker in VIDEO mode: the only module that imports mediapipe."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posecoach.errors import ModelError
from posecoach.landmarks import COUNT
from posecoach.native import quiet_native_stderr
from posecoach.types import Frame, PoseFrame


class PoseEstimator:
    """Runs the pose model on every frame, in order. Use as a context manager (or call
    ``close``): MediaPipe's own finaliser at interpreter exit raises."""

    def __init__(self, model_path: Path, *, min_detection: float = 0.5, min_presence: float = 0.5,
                 min_tracking: float = 0.5) -> None:
        import cv2  # noqa: F401  (mediapipe needs OpenCV's libraries loaded first on some systems)
        import mediapipe as mp  # type: ignore[import-untyped]  # mediapipe ships no type information
        from mediapipe.tasks.python import BaseOptions, vision  # type: ignore[import-untyped]  # as above

        self._mp = mp
        self.model_path = Path(model_path)
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=min_detection,
            min_pose_presence_confidence=min_presence,
            min_tracking_confidence=min_tracking,
        )
        try:
            with quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{self.model_path}: cannot load the pose model ({first}); "
                             f"use --model lite|full|heavy or a valid .task bundle") from None
        self._last_ts = -1

    def process(self, frame: Frame) -> PoseFrame:
        """The pose in one BGR frame. Timestamps are forced to increase strictly, as MediaPipe's
        VIDEO mode requires; the returned ``PoseFrame`` keeps the frame's own timestamp."""
        import cv2

        h, w = frame.image.shape[:2]
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        ts = max(frame.timestamp_ms, self._last_ts + 1)
        self._last_ts = ts
        # Native code may log on any call (not only the first), so every call is quieted.
        with quiet_native_stderr():
            result = self._landmarker.detect_for_video(image, ts)
        if not result.pose_landmarks:
            return PoseFrame.empty(frame.index, frame.timestamp_ms, w, h)
        lms = np.array([[p.x, p.y, p.z, p.visibility if p.visibility is not None else 0.0]
                        for p in result.pose_landmarks[0]], dtype=float)
        world = None
        if result.pose_world_landmarks:
            world = np.array([[p.x, p.y, p.z] for p in result.pose_world_landmarks[0]], dtype=float)
        if lms.shape[0] != COUNT:
            return PoseFrame.empty(frame.index, frame.timestamp_ms, w, h)
        return PoseFrame(frame.index, frame.timestamp_ms, w, h, lms, world)

    def close(self) -> None:
        if self._landmarker is not None:
            with quiet_native_stderr():  # teardown logs too ("DestroyAccelerator")
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

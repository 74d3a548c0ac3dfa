"""Where frames come from: a video file read in order (``files``) or a live source that never falls
behind (``camera``: a webcam, or a file played at its real rate). Both yield ``Frame``s stamped with
their own timestamps, so nothing downstream reads a clock."""

from posecoach.sources.camera import (
    LOST_AFTER_S,
    CameraSource,
    Captured,
    LiveSource,
    PacedFileSource,
    SequentialFileSource,
)
from posecoach.sources.files import VideoFileSource

__all__ = ["LOST_AFTER_S", "CameraSource", "Captured", "LiveSource", "PacedFileSource",
           "SequentialFileSource", "VideoFileSource"]

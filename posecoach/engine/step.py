"""What one frame produced, from the raw pose to the engine's verdict.

It lives beside the engine, below the app and the renderers, so an overlay can draw a ``Step``
without importing the pipeline that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from posecoach.engine.session import FrameResult
from posecoach.types import Features, PoseFrame


@dataclass
class Step:
    """Everything one frame produced, for drawing."""

    raw: PoseFrame
    pose: PoseFrame
    features: Features
    result: FrameResult

"""Typed values that flow through the pipeline, in one direction.

``Frame`` (source) -> ``PoseFrame`` (estimator, smoother) -> ``Features`` -> engine events.
Every value carries its own time (``timestamp_ms``); nothing downstream reads a clock, so a live
session, a file and a replay behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posecoach.landmarks import COUNT


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded image. ``image`` is BGR uint8 of shape (height, width, 3)."""

    index: int
    timestamp_ms: int
    image: np.ndarray


@dataclass(frozen=True, slots=True)
class PoseFrame:
    """The pose found in one frame, or ``landmarks is None`` when nobody is in view.

    ``landmarks``: float array (33, 4): x, y normalised to the image (y down), z (relative depth,
    same scale as x), visibility in [0, 1]. A landmark judged not credibly visible has NaN x, y, z.
    ``world``: float array (33, 3) in metres, hips at the origin, or None.
    ``width``/``height``: the image size in pixels, needed for aspect-correct angles.
    """

    index: int
    timestamp_ms: int
    width: int
    height: int
    landmarks: np.ndarray | None
    world: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.landmarks is not None and self.landmarks.shape != (COUNT, 4):
            raise ValueError(f"landmarks must have shape ({COUNT}, 4), got {self.landmarks.shape}")
        if self.world is not None and self.world.shape != (COUNT, 3):
            raise ValueError(f"world landmarks must have shape ({COUNT}, 3), got {self.world.shape}")

    @property
    def has_pose(self) -> bool:
        return self.landmarks is not None

    @property
    def t_s(self) -> float:
        return self.timestamp_ms / 1000.0

    @classmethod
    def empty(cls, index: int, timestamp_ms: int, width: int, height: int) -> PoseFrame:
        """A frame in which nobody was found."""
        return cls(index, timestamp_ms, width, height, None, None)


@dataclass(frozen=True, slots=True)
class Features:
    """Named scalar metrics of one frame (degrees, ratios); NaN where not measurable.

    ``sides`` records, for metrics resolved with ``side = "max"``/``"min"``/``"visible"``, which
    side supplied the value ("left" or "right"). ``view`` is the camera view estimated from this
    frame ("side", "frontal" or "unknown").
    """

    index: int
    timestamp_ms: int
    has_pose: bool
    values: dict[str, float]
    sides: dict[str, str] = field(default_factory=dict)
    view: str = "unknown"
    #: how far the body as a whole moved over the last ``features.BodyMotion.WINDOW_S``, in
    #: body sizes (NaN when unknown, and for a spec that times no hold); a left/right swap of the
    #: landmarks does not move it
    body_motion: float = float("nan")
    #: a rep whose side is named by travel (``rep.side_from = "travel"``): the side of the
    #: ``rep.travel_point`` pair that has moved furthest from where it sat at the start of the set,
    #: in the body's own frame (None before the set starts or while neither has moved)
    moved_side: str | None = None

    @property
    def t_s(self) -> float:
        return self.timestamp_ms / 1000.0

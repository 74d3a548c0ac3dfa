"""The 33 BlazePose landmarks, by index, and helpers to resolve generic joint names.

Coordinates follow MediaPipe: image landmarks have x, y normalised to [0, 1] of the image width
and height (y grows downwards); world landmarks are metres with the origin between the hips.
"""

from __future__ import annotations

NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)
COUNT = len(NAMES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}

#: Names that exist on both sides; "hip" resolves to "left_hip" or "right_hip".
SIDED: frozenset[str] = frozenset(n.split("_", 1)[1] for n in NAMES if n.startswith("left_"))
#: Virtual points computed as the midpoint of the left and right landmark.
MIDPOINTS: frozenset[str] = frozenset(f"mid_{n}" for n in SIDED)

SIDES = ("left", "right")

#: Segments drawn as the skeleton, by landmark name.
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"), ("left_ankle", "left_foot_index"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"), ("right_ankle", "right_foot_index"),
    ("left_ear", "left_shoulder"), ("right_ear", "right_shoulder"),
)


def is_point_name(name: str) -> bool:
    """True for a concrete landmark, a generic sided name, or a ``mid_`` point."""
    return name in INDEX or name in SIDED or name in MIDPOINTS


def resolve(name: str, side: str) -> str:
    """Resolve a generic sided name ("hip") to a concrete landmark for ``side``.

    Concrete names ("left_hip", "nose") and midpoints pass through unchanged.
    """
    if name in SIDED:
        return f"{side}_{name}"
    return name

"""Is the body the spec needs inside the picture? Says which body part is out of view.

The engine only sees NaN metrics when a joint is missing; a person getting ready needs to hear
*which* part the camera misses ("move back, your feet are out of view"). MediaPipe keeps
predicting landmarks past the image border when a limb is cut off, so a landmark whose normalised
x or y lies outside [0, 1] (with a small margin) is a part the camera does not see. Pure numpy.
"""

from __future__ import annotations

import math

from posecoach import landmarks as lm
from posecoach.spec.schema import Spec
from posecoach.types import PoseFrame

#: Landmark base name (side removed) -> the body part a person would be told about.
PART_OF: dict[str, str] = {
    "nose": "head", "eye_inner": "head", "eye": "head", "eye_outer": "head", "ear": "head", "mouth": "head",
    "shoulder": "shoulders", "elbow": "elbows",
    "wrist": "hands", "pinky": "hands", "index": "hands", "thumb": "hands",
    "hip": "hips", "knee": "knees",
    "ankle": "feet", "heel": "feet", "foot_index": "feet",
}
PART_ORDER = ("head", "shoulders", "elbows", "hands", "hips", "knees", "feet")
#: How far past the border (as a fraction of the image) a landmark may be and still count as seen.
MARGIN = 0.01


def _base(name: str) -> str:
    for prefix in ("left_", "right_", "mid_"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name.split("_")[0] if name.startswith("mouth") else name


def spec_landmarks(spec: Spec) -> dict[str, list[int]]:
    """The landmark indices each body part contributes to the spec's metrics, by part."""
    parts: dict[str, list[int]] = {}
    for name in sorted(spec.landmark_names()):
        parts.setdefault(PART_OF.get(_base(name), _base(name)), []).append(lm.INDEX[name])
    return parts


def out_of_view(parts: dict[str, list[int]], pose: PoseFrame) -> list[str]:
    """Body parts (in head-to-feet order) whose landmarks are mostly outside the image.

    A landmark with NaN coordinates (not credibly visible, e.g. hidden behind the body) is not
    counted either way: hidden is not the same as out of the picture."""
    if pose.landmarks is None:
        return []
    out: list[str] = []
    for part, idx in parts.items():
        xy = pose.landmarks[idx, :2]
        known = [(x, y) for x, y in xy if not (math.isnan(x) or math.isnan(y))]
        if not known:
            continue
        outside = sum(1 for x, y in known if not (-MARGIN <= x <= 1 + MARGIN and -MARGIN <= y <= 1 + MARGIN))
        if outside * 2 > len(known):
            out.append(part)
    order = {p: i for i, p in enumerate(PART_ORDER)}
    return sorted(out, key=lambda p: order.get(p, len(order)))


def out_of_view_messages(parts: list[str]) -> list[str]:
    """One plain instruction for the parts out of view, e.g. "Move back, your feet are out of view"."""
    if not parts:
        return []
    named = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    verb = "is" if len(parts) == 1 and parts[0] == "head" else "are"
    return [f"Move back, your {named} {verb} out of view"]


class FramingCheck:
    """Checks, frame by frame, that the landmarks a spec uses are inside the image."""

    def __init__(self, spec: Spec) -> None:
        self.parts = spec_landmarks(spec)

    def __call__(self, pose: PoseFrame) -> list[str]:
        """Messages for the person (empty when everything needed is in view)."""
        return out_of_view_messages(out_of_view(self.parts, pose))

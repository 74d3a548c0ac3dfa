"""How far off posecoach's joint angles are, by joint and camera view, from its own evaluation.

Measured with ``python -m posecoach.synth.measure sample_videos/*.mp4`` (MediaPipe Pose full) on
the 16 synthetic sample clips, whose true joint positions are known: mean absolute error of the
2D joint angle on the side facing the camera, per clip; below, the median over clips and the
worst clip. Synthetic clips are cleaner than a living room, so real errors are likely larger;
the front and feet views rest on one clip each. Segment angles and distances were not measured.
"""

from __future__ import annotations

#: view -> joint -> (median over clips, worst clip, clips), degrees of mean absolute angle error.
ANGLE_ERROR_DEG: dict[str, dict[str, tuple[float, float, int]]] = {
    "side": {"knee": (3.8, 6.5, 14), "hip": (4.2, 15.4, 14), "elbow": (2.5, 6.3, 14), "shoulder": (1.4, 5.0, 14)},
    "feet": {"knee": (18.0, 18.0, 1), "hip": (13.4, 13.4, 1), "elbow": (2.8, 2.8, 1), "shoulder": (14.2, 14.2, 1)},
    "front": {"knee": (0.5, 0.5, 1), "hip": (1.5, 1.5, 1), "elbow": (1.7, 1.7, 1), "shoulder": (1.4, 1.4, 1)},
}
SOURCE = "posecoach's evaluation on synthetic clips with known joint positions (python -m posecoach.synth.measure)"


def uncertainty_note(joint: str | None, views: list[str] | tuple[str, ...]) -> str:
    """One sentence on the measured error of this kind of angle from this view."""
    if joint is None:
        return "Measured error: not evaluated for this kind of measure (it is not a joint angle)."
    for view in views or ("side",):
        figures = ANGLE_ERROR_DEG.get(view, {}).get(joint)
        if figures is not None:
            med, worst, n = figures
            return (f"Measured error of the {joint} angle from the {view}: typically {med:.1f}° "
                    f"(worst clip {worst:.1f}°, {n} clip{'s' if n != 1 else ''}), from {SOURCE}.")
    return f"Measured error of the {joint} angle from the {', '.join(views)} view: not evaluated yet."

"""The header line of a landmark track (``posecoach.track``, version 1).

The header says what the frames below it are: their image size (landmarks are normalised to it)
and frame rate, plus free descriptive keys (``source``, ``model``, ...), which are kept as given.
Refusing a bad size here, at line 1, keeps the failure from turning up as a wrong angle later.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

FORMAT = "posecoach.track"
VERSION = 1
#: No camera or video is anywhere near this wide or tall; a bigger value is a damaged header.
MAX_SIDE = 100_000
MAX_FPS = 10_000


def _size(name: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SIDE:
            raise ValueError(f"header needs a positive integer {name!r}")
        return value
    return BeforeValidator(check)


def _fps(value: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_FPS):
        raise ValueError("header's \"fps\" must be a positive number")
    return value


class TrackHeader(BaseModel):
    """Line 1 of a track file. Keys beyond these are descriptive and kept as they are."""

    model_config = ConfigDict(extra="allow", frozen=True)

    format: Literal["posecoach.track"]
    version: Literal[1]
    width: Annotated[int, _size("width")]
    height: Annotated[int, _size("height")]
    #: frames per second of the source; None when it was not known
    fps: Annotated[float | int | None, BeforeValidator(_fps)] = None

"""A recorded live session's ``session.json``: what is needed to replay the folder it sits in.

Written by ``posecoach live --record`` beside ``video.ts``, ``track.jsonl`` and ``report.json``;
read by ``posecoach replay FOLDER`` and by the session store (for the time the session started).
File names are names inside the folder, never paths with a NUL in them: a replay opens them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

SESSION_FORMAT = "posecoach.session"
SESSION_FILE = "session.json"


def _name(value: Any) -> Any:
    if value is not None and (not isinstance(value, str) or not value or "\0" in value):
        raise ValueError("expected a file name or id")
    return value


Name = Annotated[str | None, BeforeValidator(_name)]


class SessionFile(BaseModel):
    """``session.json``. Keys beyond these (from the camera's description) are kept as given."""

    model_config = ConfigDict(extra="allow", frozen=True)

    format: Literal["posecoach.session"]
    #: older recordings have none; 1 is the only version so far
    version: Literal[1] = 1
    video: Name = None
    track: Name = None
    report: Name = None
    #: an exercise id, or the absolute path of a spec file
    exercise: Name = None
    #: the absolute path of the profile used, if any
    profile: Name = None
    model: str | None = None
    #: the camera's description (index, fps, size)
    source: dict[str, Any] = {}
    #: ISO 8601, UTC, when recording started
    started_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, in the file's key order."""
        return self.model_dump(mode="python", exclude_unset=True)

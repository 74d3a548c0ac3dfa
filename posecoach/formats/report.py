"""The session report, posecoach's main contract, as a typed model with a published JSON Schema.

Two kinds of report share one file format: an exercise report (``schema = "posecoach.report"``)
and a routine report (``schema = "posecoach.routine_report"``) holding one exercise report per
exercise. ``to_dict()`` gives exactly the JSON the report has always had: the fields in the order
below, the optional blocks (``reps_by_side``, ``pain_stop``, ``frames_lost``, ``session`` ...)
only when they were set. Times are seconds from the start of the source (``*_s``).

The schema other tools can check a report against is ``docs/report.schema.json``; after changing
a model here, regenerate it (and raise ``SCHEMA_VERSION`` when a reader of the old one would break)::

    python -m posecoach.formats.report --schema > docs/report.schema.json
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

SCHEMA = "posecoach.report"
ROUTINE_SCHEMA = "posecoach.routine_report"
#: Raised when a reader of the previous version could no longer read a report.
SCHEMA_VERSION: Final = 1

Seconds = float | None


class _Block(BaseModel):
    """A part of a report: unknown keys are refused, so a key added without the model (and the
    published schema) is caught by the tests instead of reaching users unannounced."""

    model_config = ConfigDict(extra="forbid")

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict: the fields in their order, those never set left out."""
        return self.model_dump(mode="python", exclude_unset=True)


class Stop(_Block):
    #: completed, user, pain, skipped, in_progress (a live checkpoint) ...; None: not stopped
    reason: str | None
    t_s: Seconds


class ReportDose(_Block):
    """The dose of the set, as the spec (or the routine, or the profile) prescribed it."""

    reps: int | None = None
    holds: int | None = None
    hold_s: float | None = None
    sets: int | None = None
    per_side: bool | None = None
    note: str | None = None


class HoldRecord(_Block):
    start_s: Seconds
    end_s: Seconds
    duration_s: Seconds
    side: str | None
    target_s: float | None
    reached_target: bool | None


class FaultRecord(_Block):
    id: str
    start_s: Seconds
    end_s: Seconds
    message: str
    severity: str
    #: only in a routine report's flat list: the exercise the fault belongs to
    exercise: str | None = None


class PossibleFault(_Block):
    """Seen but not supported by the evidence: never spoken or shown, listed for the therapist."""

    id: str
    start_s: Seconds
    end_s: Seconds
    message: str
    reason: str


class FaultCheck(_Block):
    id: str
    status: str
    judged_s: Seconds
    not_judged_s: Seconds
    reason: str | None
    count: int


class RepDetail(_Block):
    number: int
    side: str | None
    start_s: Seconds
    end_s: Seconds
    duration_s: Seconds
    peak_hold_s: Seconds
    metric: str
    #: deg, torso, hip_width, shoulder_width or ratio (see ``posecoach.report.metric_unit``)
    metric_unit: str
    metric_min: float | None
    metric_max: float | None
    range_of_motion: float | None
    faults: list[str]
    #: only in a routine report's flat list
    exercise: str | None = None


class PoseGap(_Block):
    start_s: Seconds
    end_s: Seconds


class ViewBlock(_Block):
    expected: list[str]
    #: seconds seen from each view
    detected_s: dict[str, float | None]
    note: str | None


class PainStop(_Block):
    t_s: Seconds
    advice: str
    #: where in the movement it happened, added when the session is stored
    phase: str | None = None
    metric: str | None = None
    metric_value: float | None = None


class Report(_Block):
    """The report of one set of one exercise."""

    schema_: Literal["posecoach.report"] = Field(alias="schema")
    schema_version: Literal[1]
    posecoach_version: str
    exercise: str
    exercise_name: str
    #: the video, track or camera the frames came from
    source: dict[str, Any]
    status: Literal["complete", "partial"]
    stop: Stop
    duration_s: Seconds
    setup_completed_s: Seconds
    dose: ReportDose
    reps: int
    holds: list[HoldRecord]
    faults: list[FaultRecord]
    possible_faults: list[PossibleFault]
    fault_checks: list[FaultCheck]
    not_checked: list[str]
    rep_details: list[RepDetail]
    frames: int
    frames_with_pose: int
    frames_out_of_order: int
    pose_gaps: list[PoseGap]
    view: ViewBlock
    #: the person's profile limits that applied ({"profile": None} without one)
    limits: dict[str, Any]
    reps_by_side: dict[str, int] | None = None
    pain_stop: PainStop | None = None
    # blocks other parts of posecoach add to a finished report:
    #: frames a damaged video could not decode, and where
    frames_lost: int | None = None
    frames_lost_at: list[dict[str, Any]] | None = None
    #: the live session's control events (gestures, spoken commands) and its pain rating
    events: list[dict[str, Any]] | None = None
    pain_rating: dict[str, Any] | None = None
    #: the session store's block (uid, person, time), so the file alone can rebuild its row
    session: dict[str, Any] | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="python", exclude_unset=True, by_alias=True)


class RoutineReport(_Block):
    """The report of a routine: one exercise report per exercise started."""

    schema_: Literal["posecoach.routine_report"] = Field(alias="schema")
    schema_version: Literal[1]
    routine: str
    routine_file: str
    status: Literal["complete", "partial"]
    exercises: list[Report]
    not_started: list[str]
    frames: int
    frames_with_pose: int
    rep_details: list[RepDetail]
    faults: list[FaultRecord]
    limits: dict[str, Any]
    # blocks other parts of posecoach add to a finished report:
    #: frames a damaged video could not decode, and where
    frames_lost: int | None = None
    frames_lost_at: list[dict[str, Any]] | None = None
    #: the live session's control events (gestures, spoken commands) and its pain rating
    events: list[dict[str, Any]] | None = None
    pain_rating: dict[str, Any] | None = None
    #: the session store's block (uid, person, time), so the file alone can rebuild its row
    session: dict[str, Any] | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="python", exclude_unset=True, by_alias=True)


AnyReport = Annotated[Report | RoutineReport, Field(discriminator="schema_")]
_ANY = TypeAdapter(AnyReport)


def parse_report(data: Any) -> Report | RoutineReport:
    """A report read back (a dict from ``json.load``) as its model; raises pydantic's
    ``ValidationError`` when it is not a report of this version."""
    return _ANY.validate_python(data)


def sections(report: Report | RoutineReport) -> list[Report]:
    """The exercise reports in a report: its sections for a routine, itself otherwise."""
    return list(report.exercises) if isinstance(report, RoutineReport) else [report]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a report file (either kind), as published in ``docs/report.schema.json``."""
    schema = _ANY.json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://posecoach.invalid/schemas/report/v{SCHEMA_VERSION}.json",
        "title": f"posecoach report, schema_version {SCHEMA_VERSION}",
        "description": "An exercise report (schema posecoach.report) or a routine report (schema "
                       "posecoach.routine_report), as written by posecoach analyze, replay and live.",
        **schema,
    }


def schema_text() -> str:
    """The published schema's exact text (sorted keys, two-space indent, final newline)."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posecoach.formats.report",
                                     description="Print the report's JSON Schema.")
    parser.add_argument("--schema", action="store_true", help="print the JSON Schema of a report file")
    args = parser.parse_args(argv)
    if not args.schema:
        parser.print_usage(sys.stderr)
        return 2
    sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

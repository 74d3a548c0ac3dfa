"""What the engine reports: records of reps, holds and faults, and past-tense events."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class RepRecord:
    """One counted rep. Times in seconds from the start of the video or session."""

    number: int
    start_s: float
    end_s: float
    side: str | None = None
    #: the rep's hold: its start and length, the longer of the stretch near the furthest point
    #: and the stay still in position across small adjustments (``still_s``)
    peak_s: float | None = None
    peak_hold_s: float = 0.0
    metric_min: float = float("nan")
    metric_max: float = float("nan")
    faults: list[str] = field(default_factory=list)
    #: seconds by which ``peak_hold_s`` could be off, from the metric's wobble at the hold's edges
    hold_uncertainty_s: float = 0.0
    #: start and end of the whole movement (from leaving the rest level to settling back), once known
    move_start_s: float | None = None
    move_end_s: float | None = None
    move_uncertainty_s: float = 0.0
    #: how far past the peak threshold the rep's furthest point went, as a share of the distance
    #: between the rest and peak thresholds (nan when unknown)
    peak_margin: float = float("nan")
    #: seconds spent still in position (past the peak threshold) in the rep's longest stay there,
    #: across small adjustments
    still_s: float = float("nan")

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def range_of_motion(self) -> float:
        return self.metric_max - self.metric_min


@dataclass(slots=True)
class HoldRecord:
    start_s: float
    end_s: float
    duration_s: float
    side: str | None = None
    target_s: float | None = None

    @property
    def reached_target(self) -> bool | None:
        return None if self.target_s is None else self.duration_s >= self.target_s - 1e-6


@dataclass(slots=True)
class FaultRecord:
    id: str
    start_s: float
    end_s: float | None
    message: str
    severity: str = "warning"


@dataclass(slots=True)
class PossibleFault:
    """A fault the evidence could not support: seen, but within the measurement's own
    uncertainty (or on barely visible landmarks). Never spoken or shown as a fault; the report
    lists it with ``reason`` so a therapist can still look."""

    id: str
    start_s: float
    end_s: float
    message: str
    reason: str


@dataclass(frozen=True, slots=True)
class Event:
    """Base of the engine's events; ``t_s`` is when it happened (video time)."""

    t_s: float


@dataclass(frozen=True, slots=True)
class SetupCompleted(Event):
    pass


@dataclass(frozen=True, slots=True)
class RepCompleted(Event):
    rep: RepRecord


@dataclass(frozen=True, slots=True)
class RepRejected(Event):
    """A movement that left the start position but did not make a rep."""

    reason: str
    start_s: float


@dataclass(frozen=True, slots=True)
class HoldStarted(Event):
    side: str | None = None


@dataclass(frozen=True, slots=True)
class HoldEnded(Event):
    hold: HoldRecord | None  # None when it was too short to count


@dataclass(frozen=True, slots=True)
class FaultRaised(Event):
    fault_id: str
    message: str
    severity: str = "warning"


@dataclass(frozen=True, slots=True)
class FaultCleared(Event):
    fault_id: str


@dataclass(frozen=True, slots=True)
class PoseLost(Event):
    pass


@dataclass(frozen=True, slots=True)
class PoseFound(Event):
    pass


@dataclass(frozen=True, slots=True)
class PainStopped(Event):
    pass

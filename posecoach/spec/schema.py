"""The exercise spec language: frozen, validated objects parsed from shallow TOML.

A spec is data a physiotherapist can read and edit. Nothing in it is evaluated as code: conditions
are (metric, operator, value) triples, metrics are one of a fixed set of geometric types.
Conventions: angles in degrees; image y grows downwards but ``up`` always means towards the top
of the image; distances are divided by the body scale (the torso length, shoulder to hip), so
``0.1`` is a tenth of a torso.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from posecoach import landmarks

SCHEMA_VERSION = 1

View = Literal["side", "front", "back", "above", "feet"]
Side = Literal["left", "right", "visible", "mean", "max", "min"]
Op = Literal["<", ">", "between", "outside"]
Phase = Literal["setup", "rest", "moving", "peak", "returning", "hold", "any"]
Reference = Literal["vertical", "horizontal"]
Axis = Literal["up", "down", "horizontal", "any"]


#: No threshold, duration or amplitude in a spec is anywhere near this big; a value beyond it is
#: a typo (or 1e308), and comparing against it would switch a check off while it says "judged".
MAX_MAGNITUDE = 1e6


def _number(value: Any) -> Any:
    """Booleans are not numbers (``rest = true`` is refused, not read as 1); a NaN or an infinity
    compares false with everything, so a rule using one would never fire: refused too."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
        if abs(value) > MAX_MAGNITUDE:
            raise ValueError(f"expected a number between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}")
    return value


def _flag(value: Any) -> Any:
    """Numbers are not booleans either (``per_side = 1``)."""
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


Number = Annotated[float, BeforeValidator(_number)]
Whole = Annotated[int, BeforeValidator(_number)]
Flag = Annotated[bool, BeforeValidator(_flag)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class JointAngle(_Model):
    """Angle at the middle point, in degrees (0-180), measured in the image plane."""

    type: Literal["joint_angle"]
    points: tuple[str, str, str]
    side: Side = "visible"
    label: str = ""

    @property
    def point_names(self) -> tuple[str, ...]:
        """The points the angle is measured from, as the spec names them."""
        return self.points


class SegmentAngle(_Model):
    """Angle of the segment points[0] -> points[1] against the image vertical or horizontal (0-90).

    ``horizontal`` is the floor line for a camera held level: 0 means the segment lies flat.
    """

    type: Literal["segment_angle"]
    points: tuple[str, str]
    reference: Reference
    side: Side = "visible"
    #: "setup": the change of the angle since the start of the set (signed: positive when more
    #: tilted than at the start), for a camera whose own tilt, or a body lying across the picture,
    #: would otherwise read as a tilt
    baseline: Literal["none", "setup"] = "none"
    label: str = ""

    @property
    def point_names(self) -> tuple[str, ...]:
        """The two ends of the segment, as the spec names them."""
        return self.points


class Distance(_Model):
    """Distance between two points divided by the body scale, or by the distance between the
    ``per`` pair when given (for example knee gap per hip width, which the camera's distance and
    angle affect alike)."""

    type: Literal["distance"]
    points: tuple[str, str]
    per: tuple[str, str] | None = None
    side: Side = "visible"
    label: str = ""

    @property
    def point_names(self) -> tuple[str, ...]:
        """The two points, then the ``per`` pair when there is one: all of them must be seen."""
        return self.points if self.per is None else (*self.points, *self.per)


class Offset(_Model):
    """Signed offset of points[0] from points[1] along ``axis`` ("up": how far above), per body scale."""

    type: Literal["offset"]
    points: tuple[str, str]
    axis: Literal["up", "horizontal"]
    side: Side = "visible"
    label: str = ""

    @property
    def point_names(self) -> tuple[str, ...]:
        """The point and the one it is measured from, as the spec names them."""
        return self.points


class Displacement(_Model):
    """Movement of a point from where it was when the set started, per body scale.

    ``up``/``down`` are signed (positive in that direction); ``horizontal`` and ``any`` are
    magnitudes. This is how "the hips rise off the floor" is measured.
    """

    type: Literal["displacement"]
    point: str
    axis: Axis
    side: Side = "visible"
    #: measured against this point's own movement (e.g. "mid_hip"): the point's move relative to
    #: it, so a body that shifts or rolls on the mat as a whole does not move the metric; such a
    #: move is in the body's scale at the start of the set
    relative_to: str | None = None
    label: str = ""

    @property
    def point_names(self) -> tuple[str, ...]:
        """The point whose movement is measured (and the one it is measured against)."""
        return (self.point,) if self.relative_to is None else (self.point, self.relative_to)


class Lateral(_Model):
    """Signed shift of ``point`` across the body, along the line right->left of the ``across`` pair.

    Positive means towards the person's left, negative towards their right, as a fraction of the
    distance between the pair (for example knees rolling to one side, measured across the hips).
    When the body turns and the pair looks narrower than it did in the last half minute, the
    wider recent distance is used (at least 80 % of it), so the ratio cannot blow up.
    """

    type: Literal["lateral"]
    point: str
    across: tuple[str, str] = ("left_hip", "right_hip")
    #: From the side the shift is towards or away from the camera and cannot be seen; with
    #: "drop" it is measured there by how far the point has dropped below its highest recent
    #: height above the pair (see ``posecoach.features``). "none": unknown from the side.
    side_view: Literal["none", "drop"] = "none"
    #: "pair": along the line through the pair as it lies in the image. "level": along the
    #: image horizontal (signed towards the pair's left), for upright exercises where the
    #: pair itself tilts with the movement (the pelvis hitching in a side bend) and a shift
    #: along the tilted line would hide most of the bend.
    #: "body": across the body's own long axis ``body_axis`` (two points, midpoints such as
    #: "mid_hip" and "mid_wrist", which a left/right swap of the pose model's labels leaves where
    #: they were), with that direction, the pair's width and the point's position all taken at
    #: the start of the set: how far the point has moved sideways since then, in widths of the
    #: pair as it was. For a body that stays put while one part walks round it (the hands in a
    #: child's-pose clock) and is seen from above or from in front of the head, where the
    #: shoulder line turns with the hands and its labels swap. Needs ``baseline = "setup"``.
    along: Literal["pair", "level", "body"] = "pair"
    body_axis: tuple[str, str] = ("mid_hip", "mid_shoulder")
    #: with ``along = "body"``: which side of the body the camera sees, for which way is the
    #: person's left ("back": from above a person face down or on all fours, or from in front of
    #: their head; "front": a person lying face up, seen from above)
    camera_sees: Literal["back", "front"] = "back"
    #: "none": the shift from the middle of the pair as the image shows it. "setup": the shift
    #: from where the point sat across the pair at the start of the set (the setup hold), so a
    #: camera that hangs off to one side, and makes a centred point look shifted, does not
    #: count as a shift. Before the set it is the shift from where the point has just been (the
    #: setup's rest check then asks for stillness); unknown from the side, unless the set started
    #: across the body. Not used for the "drop" side view, which measures from the point's own
    #: resting height.
    baseline: Literal["none", "setup"] = "none"
    #: with ``baseline = "setup"``, for a movement that swings to one side and then the other in
    #: turn (knee sways): once the set has started, its middle is re-taken every frame as the
    #: median of the shift over the last seconds of the set (``FeatureExtractor.RECENTRE_WINDOW_S``),
    #: so a set whose start was taken at one end of a swing (the person found late, or already
    #: moving) is still measured from the middle of the swing. Not for sets that work one side
    #: many times before the other, whose median leans to the side being worked.
    recentre: bool = False
    label: str = ""

    @model_validator(mode="after")
    def _body_from_setup(self) -> Lateral:
        if self.recentre and (self.baseline != "setup" or self.along == "body"):
            raise ValueError("recentre moves the start position of a shift: it needs baseline = 'setup' "
                             "and along = 'pair' or 'level'")
        if self.along == "body" and self.baseline != "setup":
            raise ValueError("along = 'body' measures from the start of the set: it needs baseline = 'setup'")
        if self.along == "body" and self.side_view != "none":
            raise ValueError("along = 'body' has no side-view measure: leave side_view out")
        return self

    @property
    def point_names(self) -> tuple[str, ...]:
        """The shifting point, then the pair it is measured across (and, across the body, the
        two ends of the body's axis)."""
        if self.along == "body":
            return (self.point, *self.across, *self.body_axis)
        return (self.point, *self.across)


class LineOffset(_Model):
    """Signed distance of ``point`` from the line through ``line[0]`` and ``line[1]``, per body
    scale; positive when the point is above the line in the image (for example the hips rising
    above the shoulder-knee line when the back over-arches in a bridge)."""

    type: Literal["line_offset"]
    point: str
    line: tuple[str, str]
    side: Side = "visible"
    label: str = ""

    @property
    def point_names(self) -> tuple[str, ...]:
        """The point, then the two that make the line."""
        return (self.point, *self.line)


#: The fault ids of the engine's own rules, which a spec switches on rather than writes out.
BUILT_IN_FAULTS = ("too_fast", "short_hold", "bouncing")

Metric = Annotated[
    JointAngle | SegmentAngle | Distance | Offset | Displacement | Lateral | LineOffset, Field(discriminator="type")
]


#: What a metric's numbers are: an angle in degrees, a sideways shift across the body in hip
#: widths, a distance per another distance, or a length in body scales (torso lengths).
Quantity = Literal["angle", "lateral", "ratio", "length"]


def metric_quantity(metric: object) -> Quantity:
    """The quantity a spec metric measures (the unit a report gives it, and how fast it can change)."""
    if isinstance(metric, (JointAngle, SegmentAngle)):
        return "angle"
    if isinstance(metric, Lateral):
        return "lateral"
    if isinstance(metric, Distance) and metric.per is not None:
        return "ratio"
    return "length"


class Condition(_Model):
    """``metric op value``: ``<``, ``>``, ``between [lo, hi]`` or ``outside [lo, hi]``."""

    metric: str
    op: Op
    value: Number | tuple[Number, Number]
    message: str = ""

    @field_validator("value", mode="before")
    @classmethod
    def _value_numbers(cls, value: Any) -> Any:
        for v in value if isinstance(value, (list, tuple)) else (value,):
            _number(v)
        return value

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        ranged = self.op in ("between", "outside")
        if ranged and not isinstance(self.value, tuple):
            raise ValueError(f"op {self.op!r} needs value = [low, high]")
        if not ranged and isinstance(self.value, tuple):
            raise ValueError(f"op {self.op!r} needs a single number as value")
        if ranged and self.value[0] > self.value[1]:  # type: ignore[index]
            raise ValueError("value = [low, high] needs low <= high")
        return self


class Dose(_Model):
    reps: Whole | None = Field(default=None, ge=1, le=100)
    holds: Whole | None = Field(default=None, ge=1, le=100)
    hold_s: Number | None = Field(default=None, gt=0, le=600)
    sets: Whole = Field(default=1, ge=1, le=10)
    per_side: Flag = False
    note: str = ""


class Setup(_Model):
    """The start position: counting starts once every condition holds for ``hold_s``."""

    require: tuple[Condition, ...] = ()
    hold_s: Number = Field(default=1.0, ge=0, le=30)
    message: str = "Get into the start position"


class Rep(_Model):
    """A rep leaves ``rest``, passes ``peak`` and comes back to ``rest`` (two thresholds)."""

    metric: str
    direction: Literal["up", "down"]
    rest: Number
    peak: Number
    min_duration_s: Number = Field(default=0.6, ge=0, le=60)
    too_fast_s: Number = Field(default=0.0, ge=0, le=60)
    hold_s: Number = Field(default=0.0, ge=0, le=120)
    sided: Flag = False
    #: how a sided rep's side is named: the side that gave the metric's value (``metric``, with
    #: ``side = "max"``/``"min"``), the sign of a ``lateral`` metric (``sign``), or the limb that
    #: moved (``travel``): the one of ``travel_point``'s pair (e.g. "knee") that travelled furthest,
    #: in the body's own frame, from where it sat at the start of the set
    side_from: Literal["metric", "sign", "travel"] = "metric"
    travel_point: str | None = None
    #: "return": a rep counts once back at rest. "peak": it counts once the peak is reached, so a
    #: cycle the recording cuts short on its way back (cat-cow ending in cow) still counts.
    count_at: Literal["return", "peak"] = "return"
    max_gap_s: Number = Field(default=1.0, gt=0, le=10)
    debounce_s: Number = Field(default=0.1, ge=0, le=5)

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> Rep:
        if self.direction == "up" and not self.peak > self.rest:
            raise ValueError("direction 'up' needs peak > rest")
        if self.direction == "down" and not self.peak < self.rest:
            raise ValueError("direction 'down' needs peak < rest")
        return self


class Hold(_Model):
    """A hold's timer runs only while every condition holds; breaks shorter than ``grace_s`` are bridged."""

    require: tuple[Condition, ...] = Field(min_length=1)
    target_s: Number = Field(gt=0, le=600)
    min_s: Number = Field(default=2.0, ge=0, le=600)
    grace_s: Number = Field(default=0.7, ge=0, le=10)
    sided: Flag = False
    side_metric: str | None = None


class Bounce(_Model):
    """Bouncing at end range: ``min_reversals`` quick direction changes within ``window_s``
    while at the peak (or holding). ``amplitude`` is the travel of one swing of a clear bounce;
    swings from half of it count (see ``posecoach.engine.faults.BounceMonitor``)."""

    window_s: Number = Field(default=1.5, gt=0, le=10)
    min_reversals: Whole = Field(default=3, ge=2, le=20)
    amplitude: Number = Field(default=4.0, gt=0)
    message: str = "No bouncing: ease into the stretch and stay still"


class Fault(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    message: str = Field(min_length=1)
    when: tuple[Condition, ...] = Field(min_length=1)
    phases: tuple[Phase, ...] = ("any",)
    views: tuple[View, ...] = ("side",)
    debounce_s: Number = Field(default=0.3, ge=0, le=10)
    severity: Literal["info", "warning", "stop"] = "warning"


class Spoken(_Model):
    """Short versions of the texts for the spoken talk-through (``live --talk-through``); any left
    out is taken from ``get_down``, ``get_up`` and the "Start:"/"Movement:" parts of ``instructions``."""

    get_down: str = ""
    start: str = ""
    movement: str = ""
    get_up: str = ""


class Spec(_Model):
    schema_version: Literal[1]
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: str = Field(min_length=1)
    source: str = ""
    view: tuple[View, ...] = Field(min_length=1)
    position: Literal["supine", "prone", "all_fours", "kneeling", "half_kneeling", "seated", "standing"]
    instructions: str = Field(min_length=1)
    get_down: str = ""
    get_up: str = ""
    spoken: Spoken | None = None
    checked: tuple[str, ...] = ()
    not_checked: tuple[str, ...] = ()
    #: the smoothed landmark visibility under which a landmark counts as unknown. 0.5 suits most
    #: poses; lower it where the pose model reports a low visibility for limbs it still places
    #: well (the hands walked to one side in a child's-pose clock, seen from in front of the
    #: head), chosen on tuning renders. The limb-length plausibility check still applies.
    min_visibility: float = Field(default=0.5, ge=0, le=1)
    dose: Dose
    metrics: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Metric] = Field(min_length=1)
    setup: Setup = Setup()
    rep: Rep | None = None
    hold: Hold | None = None
    bounce: Bounce | None = None
    faults: tuple[Fault, ...] = ()

    @model_validator(mode="after")
    def _rep_or_hold(self) -> Spec:
        if (self.rep is None) == (self.hold is None):
            raise ValueError("a spec needs exactly one of [rep] or [hold]")
        return self

    @property
    def counting(self) -> Rep | Hold:
        """What a set counts: reps or holds. The schema makes sure exactly one is given, so code
        that needs the rule asks for this and tells the two apart with ``isinstance``."""
        counted = self.rep if self.rep is not None else self.hold
        if counted is None:  # only a model built without validation (model_construct) gets here
            raise ValueError("a spec needs exactly one of [rep] or [hold]")
        return counted

    @property
    def kind(self) -> Literal["reps", "hold"]:
        """"reps" or "hold"."""
        return "reps" if isinstance(self.counting, Rep) else "hold"

    @property
    def sided(self) -> bool:
        """Whether reps or holds are counted per side (left and right)."""
        return self.counting.sided

    @property
    def main_metric(self) -> str:
        """The metric that drives the set: the rep's metric, or a hold's first condition."""
        counted = self.counting
        return counted.metric if isinstance(counted, Rep) else counted.require[0].metric

    @property
    def target_count(self) -> int | None:
        """The reps (rep exercise) or holds (hold exercise) a set prescribes, if the dose says."""
        return self.dose.reps if self.kind == "reps" else self.dose.holds

    @property
    def hold_target_s(self) -> float | None:
        """How long each hold lasts, in seconds: a hold exercise's target, or for a rep exercise
        the hold at the top of every rep; None when nothing is held."""
        counted = self.counting
        if isinstance(counted, Hold):
            return counted.target_s
        return counted.hold_s if counted.hold_s > 0 else None

    @property
    def too_fast_s(self) -> float:
        """The shortest a rep may take before the built-in ``too_fast`` rule warns; 0 when the
        rule is off (always for a hold exercise)."""
        counted = self.counting
        return counted.too_fast_s if isinstance(counted, Rep) else 0.0

    @property
    def built_in_faults(self) -> tuple[str, ...]:
        """The built-in rules this spec switches on, out of ``BUILT_IN_FAULTS``: ``too_fast``
        with ``rep.too_fast_s``, ``short_hold`` with ``rep.hold_s``, ``bouncing`` with ``[bounce]``."""
        on = {"too_fast": self.too_fast_s > 0,
              "short_hold": self.kind == "reps" and self.hold_target_s is not None,
              "bouncing": self.bounce is not None}
        return tuple(rule for rule in BUILT_IN_FAULTS if on[rule])

    def landmark_names(self) -> frozenset[str]:
        """Every landmark (concrete name, e.g. "left_knee") that some metric reads, on either side."""
        return frozenset(
            full for metric in self.metrics.values() for name in metric.point_names
            for side in landmarks.SIDES for full in point_landmarks(name, side) if full in landmarks.INDEX
        )


def point_landmarks(name: str, side: str) -> tuple[str, ...]:
    """The landmarks a spec's point name stands for on ``side`` ("left" or "right").

    A landmark ("left_hip", "nose") is itself; a sided name ("hip") is that side's landmark; a
    midpoint ("mid_hip") stands for the left and right landmark, in that order: their midpoint,
    or the one of them that is known when the other is not (see ``posecoach.features.point_px``).
    """
    full = landmarks.resolve(name, side)
    if full.startswith("mid_"):
        return f"left_{full[4:]}", f"right_{full[4:]}"
    return (full,)

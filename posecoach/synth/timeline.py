"""From a choreography to timed key poses and the exact labels of the clip (pure Python).

The timeline is a list of keys ``(t_s, pose)``; between two keys the pose moves with the easing of
the later key. Reps, holds, phases and fault windows are recorded while the keys are laid out, so
the labels are exact by construction. Times are seconds from the first frame.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Any

from posecoach.synth.choreo import GLOBAL_PARAMS, Choreography, Fault, Pose, mirror_names, mirror_pose


@dataclass(frozen=True)
class Key:
    """The pose reached at ``t`` seconds; ``ease`` shapes the move from the previous key.
    ``contacts`` are the landmarks that rest on the floor in this pose."""

    t: float
    pose: Pose
    ease: str = "cosine"
    contacts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bounce:
    """A small oscillation of some parameters, added on top of the keyed pose."""

    start: float
    end: float
    params: tuple[str, ...]
    amplitude: float
    frequency: float


@dataclass(frozen=True)
class Wobble:
    """A small periodic motion added to some parameters between ``start`` and ``end`` (breathing,
    sway, tremor): ``amplitude`` degrees, ``frequency`` Hz, ``phase`` radians, ramped in and out."""

    start: float
    end: float
    params: tuple[str, ...]
    amplitude: float
    frequency: float
    phase: float = 0.0
    ramp: float = 0.3


@dataclass(frozen=True)
class Human:
    """Human variability of a performance (all zero: the choreography exactly).

    ``breath`` and ``sway`` are amplitudes in degrees (trunk flexion throughout; a lateral and
    forward sway of the trunk during holds), ``tremor`` a fast small shake of the limbs during
    holds. ``depth_spread`` and ``tempo_spread`` are fractions: each rep's moves reach between
    ``1 - depth_spread`` and all of the way from the start pose (never farther: the choreography's
    pose is the correct one) and take ``1 - tempo_spread / 2`` to ``1 + tempo_spread`` of their time
    (holds only get longer, never shorter). ``asymmetry`` makes one side move less: the right
    ``1 - a`` as far for a positive ``a``, the left ``1 + a`` for a negative one. Every draw comes
    from ``seed``.
    """

    breath: float = 0.0
    breath_hz: float = 0.25
    sway: float = 0.0
    sway_hz: float = 0.4
    tremor: float = 0.0
    tremor_hz: float = 8.0
    depth_spread: float = 0.0
    tempo_spread: float = 0.0
    asymmetry: float = 0.0
    seed: int = 0


#: Limb parameters that tremble during holds.
TREMOR_PARAMS: tuple[str, ...] = ("left_shoulder_flex", "right_shoulder_flex", "left_hip_flex", "right_hip_flex",
                                  "left_knee_flex", "right_knee_flex", "left_elbow_flex", "right_elbow_flex")


@dataclass
class Timeline:
    """Timed key poses plus exact labels. ``duration`` is in seconds."""

    keys: list[Key]
    bounces: list[Bounce]
    duration: float
    reps: int
    reps_per_side: dict[str, int]
    rep_intervals: list[list[float]]
    holds: list[dict[str, Any]]
    faults: list[dict[str, Any]]
    phases: dict[str, list[list[float]]] = field(default_factory=dict)
    unjudged: frozenset[str] = frozenset()  #: ids of injected faults the spec cannot judge
    wobbles: list[Wobble] = field(default_factory=list)
    #: what the human variability drew (per-rep depth and tempo factors); empty without it
    variability: dict[str, Any] = field(default_factory=dict)

    def segment_at(self, t: float) -> tuple[Key, Key, float]:
        """The keys around ``t`` and the eased weight of the later one."""
        keys = self.keys
        i = bisect_right([k.t for k in keys], t) - 1
        if i < 0:
            return keys[0], keys[0], 0.0
        if i >= len(keys) - 1:
            return keys[-1], keys[-1], 0.0
        a, b = keys[i], keys[i + 1]
        span = b.t - a.t
        return a, b, ease(b.ease, 0.0 if span <= 0 else (t - a.t) / span)

    def pose_at(self, t: float) -> Pose:
        """The pose at ``t`` seconds (clamped to the timeline)."""
        a, b, w = self.segment_at(t)
        pose = {p: a.pose[p] + w * (b.pose[p] - a.pose[p]) for p in a.pose}
        for bounce in self.bounces:
            if bounce.start <= t <= bounce.end:
                ramp = min(1.0, (t - bounce.start) / 0.2, (bounce.end - t) / 0.2)
                delta = bounce.amplitude * ramp * math.sin(2 * math.pi * bounce.frequency * (t - bounce.start))
                for p in bounce.params:
                    pose[p] += delta
        for wob in self.wobbles:
            if wob.start <= t <= wob.end:
                ramp = min(1.0, (t - wob.start) / wob.ramp, (wob.end - t) / wob.ramp) if wob.ramp > 0 else 1.0
                delta = wob.amplitude * ramp * math.sin(2 * math.pi * wob.frequency * (t - wob.start) + wob.phase)
                for p in wob.params:
                    if p in pose:
                        pose[p] += delta
        return pose

    def frame_count(self, fps: float) -> int:
        """Number of frames at ``fps`` covering the whole timeline."""
        return int(math.floor(self.duration * fps + 1e-6)) + 1

    def labels(self) -> dict[str, Any]:
        """The label fields shared with the real-footage labels (times rounded to ms)."""
        out: dict[str, Any] = {"reps": self.reps}
        if self.reps_per_side:
            out["reps_per_side"] = dict(self.reps_per_side)
        out["rep_intervals"] = [[_r(a), _r(b)] for a, b in self.rep_intervals]
        out["holds"] = [{**h, "start": _r(h["start"]), "end": _r(h["end"])} for h in self.holds]
        out["faults"] = [{**f, "start": _r(f["start"]), "end": _r(f["end"])} for f in self.faults
                         if f["id"] not in self.unjudged]
        shown = [{**f, "start": _r(f["start"]), "end": _r(f["end"])} for f in self.faults if f["id"] in self.unjudged]
        if shown:  # faults the clip shows but the spec cannot judge: no report is expected for them
            out["unjudged_faults"] = shown
        if self.phases:
            out["phases"] = {k: [[_r(a), _r(b)] for a, b in v] for k, v in self.phases.items()}
        return out


def _r(x: float) -> float:
    return round(x, 3)


def ease(name: str, u: float) -> float:
    """Easing weight in [0, 1] for progress ``u`` in [0, 1]."""
    u = min(1.0, max(0.0, u))
    if name == "linear":
        return u
    if name == "smooth":
        return u * u * u * (u * (6 * u - 15) + 10)
    return 0.5 - 0.5 * math.cos(math.pi * u)


def _params_for(name: str) -> tuple[str, ...]:
    if name in GLOBAL_PARAMS or name.startswith(("left_", "right_")):
        return (name,)
    return (f"left_{name}", f"right_{name}")


def add_pose(pose: Pose, offset: Pose) -> Pose:
    """``pose`` with the angles of ``offset`` added (degrees)."""
    out = dict(pose)
    for k, v in offset.items():
        out[k] = out.get(k, 0.0) + v
    return out


#: How much of a fault's full size (the choreography's values, a clear fault) each grade shows.
SEVERITIES: dict[str, float] = {"mild": 0.4, "moderate": 0.7, "clear": 1.0}


def graded(flt: Fault, severity: str) -> Fault:
    """``flt`` at a severity: offsets and bounce amplitudes scaled, speed-ups and shortened holds
    moved towards normal (a mild ``too_fast`` is only a little faster)."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r} (known: {', '.join(SEVERITIES)})")
    k = SEVERITIES[severity]
    if flt.kind == "offset":
        return replace(flt, offset={p: k * v for p, v in flt.offset.items()})
    if flt.kind == "bounce":
        return replace(flt, amplitude=k * flt.amplitude)
    return replace(flt, factor=1.0 + k * (flt.factor - 1.0))


def build(
    choreo: Choreography,
    speed: float = 1.0,
    fault: str | None = None,
    fault_reps: tuple[int, ...] | None = None,
    jitter: float = 0.0,
    seed: int = 0,
    severity: str = "clear",
    human: Human | None = None,
) -> Timeline:
    """Lay out the keys and labels.

    ``speed`` > 1 makes every move and hold faster. ``fault`` is a fault id of the choreography,
    injected into the reps ``fault_reps`` (1-based; default: the second rep, or the only one).
    ``severity`` (``SEVERITIES``) grades the fault; its labels carry the grade.
    ``jitter`` in [0, 1) varies each step's duration by up to that fraction and each key angle by up
    to ``10 * jitter`` degrees, reproducibly from ``seed``. ``human`` adds breathing, sway and
    tremor, and spreads depth and tempo between reps and sides (``Human``), from its own seed.
    """
    if speed <= 0:
        raise ValueError(f"speed must be positive, got {speed}")
    flt: Fault | None = None
    if fault is not None:
        if fault not in choreo.faults:
            known = ", ".join(choreo.faults) or "none"
            raise ValueError(f"{choreo.path}: unknown fault {fault!r} for {choreo.exercise} (known: {known})")
        flt = graded(choreo.faults[fault], severity)
    if fault_reps is None:
        fault_reps = (2,) if choreo.count >= 2 else (1,)
    for r in fault_reps:
        if not 1 <= r <= choreo.count:
            raise ValueError(f"fault rep {r} is outside 1..{choreo.count}")
    rng = random.Random(seed)
    hrng = random.Random(f"human:{human.seed}") if human is not None else None

    def dur(seconds: float, rep_factor: float = 1.0) -> float:
        j = 1.0 + (rng.uniform(-jitter, jitter) if jitter else 0.0)
        return seconds * j / (speed * rep_factor)

    def jittered(pose: Pose) -> Pose:
        if not jitter:
            return pose
        return {k: v + rng.uniform(-10 * jitter, 10 * jitter) for k, v in pose.items()}

    start_pose = choreo.poses[choreo.start]
    start_contacts = choreo.pose_contacts.get(choreo.start, choreo.contacts)
    keys: list[Key] = [Key(0.0, start_pose, "linear", start_contacts)]
    t = dur(choreo.lead_in)
    keys.append(Key(t, start_pose, "linear", start_contacts))
    tl = Timeline(keys, [], 0.0, choreo.count, {}, [], [], [],
                  unjudged=frozenset({flt.id}) if flt is not None and not flt.judged else frozenset())
    for rep in range(1, choreo.count + 1):
        side = choreo.sides[(rep - 1) % len(choreo.sides)] if choreo.sides else None
        hit = flt is not None and rep in fault_reps
        factor = flt.factor if hit and flt is not None and flt.kind == "speed" else 1.0
        hold_share = flt.factor if hit and flt is not None and flt.kind == "hold" else 1.0
        depth_k, tempo_k, hold_k = 1.0, 1.0, 1.0
        if human is not None and hrng is not None:
            depth_k = 1.0 - hrng.uniform(0.0, human.depth_spread)
            tempo_k = 1.0 + hrng.uniform(-0.5 * human.tempo_spread, human.tempo_spread)
            hold_k = 1.0 + hrng.uniform(0.0, human.tempo_spread)
            tl.variability.setdefault("rep_depth", []).append(round(depth_k, 4))
            tl.variability.setdefault("rep_tempo", []).append(round(tempo_k, 4))
            tl.variability.setdefault("rep_hold", []).append(round(hold_k, 4))
        rep_start = t
        last_move_end = t
        current = choreo.start
        offset_spans: list[tuple[float, float]] = []
        fault_holds: list[tuple[float, float]] = []
        for step in choreo.steps:
            seconds = dur(step.seconds, factor)
            if step.to is None and current != choreo.start:
                seconds *= hold_share
            seconds *= hold_k if step.to is None else tempo_k
            if step.to is None:
                keys.append(Key(t + seconds, keys[-1].pose, "linear", keys[-1].contacts))
                if current != choreo.start:
                    fault_holds.append((t, t + seconds))
                    if choreo.record_holds:
                        hold: dict[str, Any] = {"start": t, "end": t + seconds}
                        if side:
                            hold["side"] = side
                        tl.holds.append(hold)
            else:
                pose = choreo.poses[step.to]
                if human is not None and step.to != choreo.start:
                    pose = _vary_depth(pose, start_pose, depth_k, human.asymmetry, side)
                offset_here = hit and flt is not None and flt.kind == "offset" and (
                    flt.whole_rep or step.to != choreo.start)
                if offset_here and flt is not None:
                    pose = add_pose(pose, flt.offset)
                if choreo.progress and step.to != choreo.start and rep > 1:
                    pose = add_pose(pose, {k: (rep - 1) * v for k, v in choreo.progress.items()})
                contacts = choreo.pose_contacts.get(step.to, choreo.contacts)
                if side == "right":
                    pose = mirror_pose(pose)
                    contacts = mirror_names(contacts)
                pose = jittered(pose) if step.to != choreo.start else pose
                keys.append(Key(t + seconds, pose, step.ease, contacts))
                if offset_here:
                    offset_spans.append((t, t + seconds))
                current = step.to
                last_move_end = t + seconds
            if step.phase:
                spans = tl.phases.setdefault(step.phase, [])
                if spans and abs(spans[-1][1] - t) < 1e-9:
                    spans[-1][1] = t + seconds  # one phase spans consecutive steps
                else:
                    spans.append([t, t + seconds])
            t += seconds
        tl.rep_intervals.append([rep_start, last_move_end])
        if side:
            tl.reps_per_side[side] = tl.reps_per_side.get(side, 0) + 1
        if hit and flt is not None:
            tl.faults.extend({**w, "severity": severity}
                             for w in _fault_windows(flt, rep_start, last_move_end, offset_spans, fault_holds, keys))
            if flt.kind == "bounce":
                params = _params_for(flt.param)
                if side == "right":
                    params = tuple(mirror_pose({p: 0.0 for p in params}))
                for a, b in fault_holds:
                    tl.bounces.append(Bounce(a, b, params, flt.amplitude, flt.frequency))
    t += dur(choreo.lead_out)
    keys.append(Key(t, keys[-1].pose, "linear", keys[-1].contacts))
    tl.duration = t
    if human is not None and hrng is not None:
        _add_wobbles(tl, human, hrng, [(h["start"], h["end"]) for h in tl.holds] or _still_spans(keys))
    return tl


def _vary_depth(pose: Pose, start: Pose, k: float, asymmetry: float, side: str | None) -> Pose:
    """``pose`` moved ``k`` (at most 1) times as far from ``start``; one side moves less again: the
    right ``1 - asymmetry`` as far when it is positive, the left ``1 + asymmetry`` when negative (a
    sided rep as a whole, before it is mirrored). No rep goes beyond the choreographed pose, which
    is the correct one: going farther would drift towards a fault (an over-arched bridge)."""
    left, right = 1.0 - max(-asymmetry, 0.0), 1.0 - max(asymmetry, 0.0)
    out = {}
    for p, v in pose.items():
        f = k
        if side == "left":
            f *= left
        elif side == "right":
            f *= right
        elif p.startswith("left_"):
            f *= left
        elif p.startswith("right_"):
            f *= right
        s0 = start.get(p, 0.0)
        out[p] = s0 + f * (v - s0)
    return out


def _still_spans(keys: list[Key]) -> list[tuple[float, float]]:
    """Spans where the keyed pose does not change (the holds of a choreography that records none)."""
    return [(a.t, b.t) for a, b in zip(keys, keys[1:]) if b.t - a.t >= 0.6 and a.pose == b.pose]


def _add_wobbles(tl: Timeline, human: Human, rng: random.Random, holds: list[tuple[float, float]]) -> None:
    """Breathing over the whole clip; sway and tremor in every hold."""
    if human.breath > 0:
        tl.wobbles.append(Wobble(0.0, tl.duration, ("spine_flex",), human.breath, human.breath_hz,
                                 rng.uniform(0, 2 * math.pi), ramp=0.0))
        tl.wobbles.append(Wobble(0.0, tl.duration, ("neck_flex",), -0.5 * human.breath, human.breath_hz,
                                 rng.uniform(0, 2 * math.pi), ramp=0.0))
    for a, b in holds:
        if b - a < 0.3:
            continue
        if human.sway > 0:
            tl.wobbles.append(Wobble(a, b, ("spine_side",), human.sway, human.sway_hz * rng.uniform(0.8, 1.25),
                                     rng.uniform(0, 2 * math.pi)))
            tl.wobbles.append(Wobble(a, b, ("spine_twist",), 0.5 * human.sway, human.sway_hz * rng.uniform(0.6, 1.0),
                                     rng.uniform(0, 2 * math.pi)))
        if human.tremor > 0:
            for p in TREMOR_PARAMS:
                tl.wobbles.append(Wobble(a, b, (p,), human.tremor * rng.uniform(0.5, 1.0),
                                         human.tremor_hz * rng.uniform(0.8, 1.2), rng.uniform(0, 2 * math.pi), ramp=0.1))
    tl.variability["holds_with_sway_and_tremor"] = sum(1 for a, b in holds if b - a >= 0.3)


def _fault_windows(
    flt: Fault,
    rep_start: float,
    rep_end: float,
    offset_spans: list[tuple[float, float]],
    holds: list[tuple[float, float]],
    keys: list[Key],
) -> list[dict[str, Any]]:
    """Where the fault is visible: an offset is counted from half-way into the first offset move
    to half-way out of the last offset pose (its weight is then at least one half)."""
    if flt.kind == "speed":
        return [{"id": flt.id, "start": rep_start, "end": rep_end}]
    if flt.kind == "hold":  # from the shortened hold to the end of the rep's return
        return [{"id": flt.id, "start": holds[0][0], "end": rep_end}] if holds else []
    if flt.kind == "bounce":
        return [{"id": flt.id, "start": a, "end": b} for a, b in holds]
    if not offset_spans:
        return []
    first_a, first_b = offset_spans[0]
    start = 0.5 * (first_a + first_b)
    last_end = offset_spans[-1][1]
    times = [k.t for k in keys]
    nxt = bisect_right(times, last_end + 1e-9)
    # the pose stays offset through following holds until the next move away begins
    while nxt < len(keys) and keys[nxt].pose == keys[nxt - 1].pose:
        nxt += 1
    if nxt < len(keys):
        end = 0.5 * (keys[nxt - 1].t + keys[nxt].t)
    else:
        end = keys[-1].t
    return [{"id": flt.id, "start": start, "end": end}]

"""One fault vocabulary from the spec to the performer's labels.

A fault the performer injects is labelled with the id the coach reports for it, so an evaluation
compares like with like: the ids of an exercise's spec are its ``[[faults]]`` plus the built-in
rules the spec switches on (``too_fast`` with ``rep.too_fast_s``, ``short_hold`` with
``rep.hold_s``, ``bouncing`` with ``[bounce]``). Every spec fault is either injectable or named in
the choreography's ``[not_rendered]`` with the reason. A fault the performer can show but the
spec cannot judge carries ``judged = false`` and an id outside the spec's.
"""

from __future__ import annotations

from posecoach.spec.schema import Spec
from posecoach.synth.choreo import Choreography


def spec_fault_ids(spec: Spec) -> set[str]:
    """Every fault id the coach can report for ``spec``: its own rules and the built-in ones it uses."""
    return {f.id for f in spec.faults} | set(spec.built_in_faults)


def problems(choreo: Choreography, spec: Spec) -> list[str]:
    """Where a choreography and its spec disagree on fault ids (empty when they agree)."""
    ids = spec_fault_ids(spec)
    out = [f"{choreo.path}: faults.{fid}: not a fault of spec {spec.id!r} (its faults: {', '.join(sorted(ids)) or 'none'})"
           for fid, f in choreo.faults.items() if f.judged and fid not in ids]
    out += [f"{choreo.path}: faults.{fid}: judged = false, but spec {spec.id!r} judges it"
            for fid, f in choreo.faults.items() if not f.judged and fid in ids]
    out += [f"{choreo.path}: not_rendered.{fid}: not a fault of spec {spec.id!r}"
            for fid in choreo.not_rendered if fid not in ids]
    out += [f"{choreo.path}: spec fault {fid!r} is neither under [faults] nor under [not_rendered]"
            for fid in sorted(ids) if fid not in choreo.faults and fid not in choreo.not_rendered]
    return out

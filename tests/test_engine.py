"""The engine driven frame by frame with metric sequences: reps, holds, faults, setup, gaps."""

from __future__ import annotations

import math

import pytest

from engine_factory import NAN, make_spec, reps_signal, run, wave
from posecoach.engine.events import PoseLost, RepCompleted, RepRejected, SetupCompleted
from posecoach.engine.session import Session
from posecoach.types import Features


def samples(signal, metric="a", **extra):
    return [(t, {metric: v, **{k: (f(t) if callable(f) else f) for k, f in extra.items()}}) for t, v in signal]


def test_clean_reps_are_counted_with_times_and_range():
    session, _ = run(make_spec(), samples(wave(reps_signal(3))))
    assert session.count == 3
    first = session.reps[0]
    # a rep runs from leaving the rest threshold (100, crossed at 1.22 s) to getting back under it (3.78 s)
    assert first.start_s == pytest.approx(1.22, abs=0.04)
    assert first.end_s == pytest.approx(3.78, abs=0.04)
    assert first.metric_max == pytest.approx(170, abs=1)
    assert first.range_of_motion == pytest.approx(90, abs=2)


def test_jitter_around_a_threshold_makes_no_extra_reps():
    # up to the top, then hovering around the peak threshold (150 +- 3) for 2 s, then back: one rep
    sig = wave([(0, 80), (1, 80), (2, 170), (2.5, 150)], fps=30)
    t = sig[-1][0]
    for k in range(60):
        t += 1 / 30
        sig.append((t, 150 + (3 if k % 2 else -3)))
    sig += [(t + k / 30, 150 - 70 * k / 30) for k in range(1, 31)]
    sig += [(sig[-1][0] + k / 30, 80) for k in range(1, 31)]
    session, _ = run(make_spec(), samples(sig))
    assert session.count == 1


def test_jitter_around_rest_threshold_after_a_rep_is_not_a_rep():
    sig = wave(reps_signal(1))
    t = sig[-1][0]
    for k in range(90):  # rest threshold 100 +- 5 for 3 s
        t += 1 / 30
        sig.append((t, 100 + (5 if k % 2 else -5)))
    session, _ = run(make_spec(), samples(sig))
    assert session.count == 1


def test_dip_shorter_than_debounce_does_not_end_the_peak():
    # at the peak, one frame drops under the peak threshold: still a single rep with one peak
    sig = wave([(0, 80), (1, 80), (2, 170), (2.5, 170)])
    sig.append((2.5 + 1 / 30, 120))  # a one-frame dip (debounce is 0.1 s)
    sig += [(2.5 + (k + 2) / 30, 170) for k in range(30)]
    sig += [(sig[-1][0] + k / 30, 170 - 90 * k / 30) for k in range(1, 31)]
    sig += [(sig[-1][0] + k / 30, 80) for k in range(1, 15)]
    session, _ = run(make_spec(), samples(sig))
    assert session.count == 1
    assert session.reps[0].peak_hold_s > 1.0


def test_movement_that_never_reaches_the_peak_is_not_a_rep():
    sig = wave([(0, 80), (1, 80), (2, 140), (3, 80), (4, 80)])
    session, _ = run(make_spec(), samples(sig))
    assert session.count == 0
    assert any(isinstance(e, RepRejected) and e.reason == "not_far_enough" for e in session.events)


def test_rep_shorter_than_minimum_duration_is_rejected():
    spec = make_spec(rep={"min_duration_s": 2.0})
    sig = wave([(0, 80), (1, 80), (1.4, 170), (1.8, 80), (3, 80)])
    session, _ = run(spec, samples(sig))
    assert session.count == 0
    assert any(isinstance(e, RepRejected) and e.reason == "too_short" for e in session.events)


def test_too_fast_rep_counts_and_raises_the_too_fast_fault():
    spec = make_spec(rep={"too_fast_s": 2.5})
    sig = wave([(0, 80), (1, 80), (1.5, 170), (2.0, 80), (3, 80)] + [(4, 80), (5, 170), (6, 170), (7, 80), (8, 80)])
    session, _ = run(spec, samples(sig))
    assert session.count == 2
    fast = [r for r in session.fault_records() if r.id == "too_fast"]
    assert len(fast) == 1 and fast[0].start_s < 2.1
    assert session.reps[0].faults == ["too_fast"] and session.reps[1].faults == []


def test_getting_into_position_is_not_a_rep():
    # the person arrives already mid-movement (knees not bent yet): setup holds counting back
    spec = make_spec(setup={"hold_s": 0.5, "require": [{"metric": "b", "op": "<", "value": 120, "message": "Bend your knees"}]})
    sig = wave([(0, 170), (1, 170), (2, 80), (3, 80)] + reps_signal(2, start_s=4)[1:])
    knees = lambda t: 160 if t < 2 else 90  # noqa: E731
    session, results = run(spec, samples(sig, b=knees))
    assert session.count == 2
    assert results[0].phase == "setup" and "Bend your knees" in results[0].setup_unmet
    started = [e for e in session.events if isinstance(e, SetupCompleted)]
    assert len(started) == 1 and started[0].t_s >= 2.0


def test_gap_longer_than_max_gap_drops_the_rep_in_progress():
    spec = make_spec(rep={"max_gap_s": 0.5})
    sig = wave([(0, 80), (1, 80), (2, 170), (2.5, 170)])
    sig += [(2.5 + k / 30, NAN) for k in range(1, 45)]  # 1.5 s unseen at the top
    sig += [(sig[-1][0] + k / 30, 80) for k in range(1, 30)]
    session, _ = run(spec, samples(sig))
    assert session.count == 0
    assert any(isinstance(e, RepRejected) and e.reason == "lost_track" for e in session.events)


def test_short_gap_inside_a_rep_is_bridged():
    sig = wave([(0, 80), (1, 80), (2, 170), (3, 170)])
    sig += [(3 + k / 30, NAN) for k in range(1, 10)]  # 0.3 s
    sig += [(sig[-1][0] + k / 30, 170 - 90 * k / 30) for k in range(1, 31)]
    sig += [(sig[-1][0] + k / 30, 80) for k in range(1, 15)]
    session, _ = run(make_spec(), samples(sig))
    assert session.count == 1


def test_out_of_order_timestamps_are_ignored_and_counted():
    sig = wave(reps_signal(2))
    shuffled = list(sig)
    shuffled.insert(50, sig[10])  # an old frame arrives late
    shuffled.insert(91, shuffled[90])  # a duplicate timestamp
    session, _ = run(make_spec(), samples(shuffled))
    assert session.count == 2
    assert session.frames_out_of_order == 2


def test_direction_down_counts_decreasing_metric():
    spec = make_spec(rep={"direction": "down", "rest": 100, "peak": 60})
    sig = wave([(0, 120), (1, 120), (2, 40), (3, 40), (4, 120), (5, 120)])
    session, _ = run(spec, samples(sig))
    assert session.count == 1


def test_sided_reps_are_counted_per_side():
    spec = make_spec(metrics={"a": {"type": "joint_angle", "points": ["shoulder", "hip", "knee"], "side": "max"},
                              "b": {"type": "joint_angle", "points": ["hip", "knee", "ankle"]}},
                     rep={"sided": True})
    sig = wave(reps_signal(3))
    sides = ["left" if t < 5 else "right" for t, _ in sig]
    session, _ = run(spec, samples(sig), sides=sides)
    assert session.count == 3
    assert session.by_side == {"left": 1, "right": 2}
    assert [r.side for r in session.reps] == ["left", "right", "right"]


def test_sided_by_sign_counts_both_directions():
    spec = make_spec(metrics={"a": {"type": "lateral", "point": "mid_knee"},
                              "b": {"type": "joint_angle", "points": ["hip", "knee", "ankle"]}},
                     rep={"metric": "a", "direction": "up", "rest": 0.2, "peak": 0.6, "sided": True, "side_from": "sign"})
    sig = wave([(0, 0), (1, 0), (2, 0.9), (3, 0.9), (4, 0), (5, 0), (6, -0.9), (7, -0.9), (8, 0), (9, 0)])
    sides = ["left" if v > 0 else "right" if v < 0 else None for _, v in sig]
    session, _ = run(spec, samples(sig), sides=sides)
    assert session.by_side == {"left": 1, "right": 1}


def test_count_at_peak_counts_a_cycle_cut_short_by_the_end_of_the_clip():
    sig = wave([(0, 80), (1, 80), (2, 170), (3, 170), (3.5, 130)])  # ends on the way back
    assert run(make_spec(), samples(sig))[0].count == 0
    assert run(make_spec(rep={"count_at": "peak"}), samples(sig))[0].count == 1


def hold_spec(**hold):
    return make_spec(rep=None, hold={"require": [{"metric": "a", "op": "<", "value": 50}], "target_s": 5,
                                     "min_s": 1.0, "grace_s": 0.5, **hold})


def test_hold_timer_runs_only_while_posture_is_right():
    sig = wave([(0, 90), (1, 90), (1.5, 40), (9, 40), (9.5, 90), (10, 90)])
    session, results = run(hold_spec(), samples(sig))
    assert len(session.holds) == 1
    h = session.holds[0]
    # the posture is right from when a < 50 (t = 1.4) to when a >= 50 again (t = 9.1)
    assert h.start_s == pytest.approx(1.4, abs=0.05)
    assert h.end_s == pytest.approx(9.1, abs=0.05)
    assert h.duration_s == pytest.approx(7.7, abs=0.1)
    assert h.reached_target is True
    assert session.count == 1
    assert max(r.hold_s for r in results) == pytest.approx(h.duration_s, abs=0.05)


def test_hold_break_within_grace_continues_without_counting_the_break():
    sig = wave([(0, 90), (1, 90), (1.01, 40), (4, 40), (4.01, 90), (4.3, 90), (4.31, 40), (7, 40), (7.01, 90), (8, 90)])
    session, _ = run(hold_spec(), samples(sig))
    assert len(session.holds) == 1
    assert session.holds[0].duration_s == pytest.approx(6.0 - 0.3, abs=0.1)


def test_hold_break_longer_than_grace_splits_and_short_holds_are_dropped():
    sig = wave([(0, 90), (1, 90), (1.01, 40), (4, 40), (4.01, 90), (5, 90), (5.01, 40), (5.5, 40), (5.51, 90), (7, 90)])
    session, _ = run(hold_spec(), samples(sig))
    assert [round(h.duration_s) for h in session.holds] == [3]  # the 0.5 s one is under min_s


def test_unknown_posture_never_adds_hold_time():
    sig = wave([(0, 90), (1, 90), (1.01, 40), (3, 40)]) + [(3 + k / 30, NAN) for k in range(1, 90)]
    session, _ = run(hold_spec(), samples(sig))
    assert session.holds[0].duration_s == pytest.approx(2.0, abs=0.1)


def fault_spec(views=("side",), phases=("any",), debounce=0.3):
    return make_spec(faults=[{"id": "knees_straight", "message": "Bend your knees", "views": list(views),
                              "phases": list(phases), "debounce_s": debounce,
                              "when": [{"metric": "b", "op": ">", "value": 120}]}])


def knees(bad_from: float, bad_to: float):
    return lambda t: 150 if bad_from <= t < bad_to else 90


def test_fault_raised_after_debounce_with_its_interval():
    sig = wave(reps_signal(2))
    session, _ = run(fault_spec(), samples(sig, b=knees(2.0, 3.0)))
    recs = [r for r in session.fault_records() if r.id == "knees_straight"]
    assert len(recs) == 1
    assert recs[0].start_s == pytest.approx(2.0, abs=0.05)
    assert recs[0].end_s == pytest.approx(3.0, abs=0.05)
    assert session.reps[0].faults == ["knees_straight"]
    assert session.reps[1].faults == []


def test_fault_shorter_than_debounce_is_silent():
    session, _ = run(fault_spec(), samples(wave(reps_signal(1)), b=knees(2.0, 2.2)))
    assert session.fault_records() == []
    check = session.fault_checks()[0]
    assert check.status == "judged"


def test_fault_only_applies_in_its_phases():
    # bad knees only while resting between reps; the fault applies at the peak only
    sig = wave(reps_signal(2, start_s=1.0))
    session, _ = run(fault_spec(phases=("peak",)), samples(sig, b=knees(4.2, 4.9)))
    assert session.fault_records() == []


def test_fault_from_the_wrong_view_is_not_judged_not_passed():
    sig = wave(reps_signal(2))
    session, _ = run(fault_spec(views=("side",)), samples(sig, b=knees(2.0, 3.0)), view="frontal")
    assert session.fault_records() == []
    check = session.fault_checks()[0]
    assert check.status == "not judged"
    assert check.reason == "the camera view does not show it"
    assert check.judged_s == 0


def test_fault_with_unknown_landmarks_is_not_judged():
    session, _ = run(fault_spec(), samples(wave(reps_signal(1)), b=NAN))
    assert session.fault_checks()[0].status == "not judged"
    assert session.fault_checks()[0].reason == "the body parts it needs were not visible"


def test_bouncing_at_end_range_is_a_fault_and_steady_hold_is_not():
    spec = make_spec(rep={"hold_s": 0}, bounce={"window_s": 1.5, "min_reversals": 3, "amplitude": 5})
    steady = wave(reps_signal(1, top_s=3.0))
    assert [r.id for r in run(spec, samples(steady))[0].fault_records()] == []
    bouncy = wave([(0, 80), (1, 80), (2, 170), (2.3, 160), (2.6, 172), (2.9, 160), (3.2, 172), (3.5, 160), (4.5, 80), (5.5, 80)])
    ids = [r.id for r in run(spec, samples(bouncy))[0].fault_records()]
    assert ids == ["bouncing"]


def test_short_hold_at_the_peak_is_flagged():
    spec = make_spec(rep={"hold_s": 3.0})
    sig = wave(reps_signal(1, top_s=1.0) + [(8, 80), (9, 170), (12.5, 170), (13.5, 80), (14.5, 80)])
    session, _ = run(spec, samples(sig))
    assert session.count == 2
    assert [r.id for r in session.fault_records()] == ["short_hold"]
    assert len(session.holds) == 2 and session.holds[1].duration_s > 3.0


def test_pose_lost_is_reported_once_per_gap():
    spec = make_spec()
    session = Session(spec)
    for i in range(90):
        t = i / 30
        has = not (1.0 <= t < 2.0)
        session.update(Features(i, int(t * 1000), has, {"a": 80.0 if has else math.nan, "b": 90.0}, {}, "side"))
    lost = [e for e in session.events if isinstance(e, PoseLost)]
    assert len(lost) == 1 and lost[0].t_s == pytest.approx(1.0, abs=0.04)
    assert session.pose_gaps[0][1] == pytest.approx(2.0, abs=0.04)
    assert session.frames_with_pose == 60


def test_pain_stop_is_recorded():
    session, _ = run(make_spec(), samples(wave(reps_signal(1))))
    session.pain_stop(4.5)
    assert session.stop_reason == "pain" and session.pain_stop_s == 4.5


def test_rep_completed_event_carries_the_record():
    _, results = run(make_spec(), samples(wave(reps_signal(1))))
    done = [e for r in results for e in r.events if isinstance(e, RepCompleted)]
    assert len(done) == 1 and done[0].rep.number == 1


def test_rep_hold_is_the_stretch_near_the_top_not_the_time_past_the_threshold():
    # a slow 3 s climb past the peak threshold, then 1 s truly held: the hold is ~1 s, not ~3 s
    spec = make_spec(rep={"hold_s": 3.0, "rest": 100, "peak": 110})
    sig = wave([(0, 80), (1, 80), (4, 170), (5, 170), (5.5, 80), (6.5, 80)])
    session, _ = run(spec, samples(sig))
    assert session.count == 1
    # held: within a quarter of the range (22.5) of the top and not moving faster than half the range
    # (45) a second: 0.75 s of the 30/s climb (slow enough to be a drifting hold), 1 s still, less the
    # last 0.15 s before the 180/s descent (half the 0.3 s speed window sees it); the descent is left out
    assert session.reps[0].peak_hold_s == pytest.approx(0.75 + 1.0 - 0.15, abs=0.1)
    assert [h.duration_s for h in session.holds] == [session.reps[0].peak_hold_s]
    assert [r.id for r in session.fault_records()] == ["short_hold"]


def test_held_stretch_bridges_brief_noise():
    from posecoach.engine.reps import held_stretch

    samples_ = [(i / 30, 170.0 if i % 10 else 150.0) for i in range(90)]  # a dip every 1/3 s
    start, end = held_stretch([(0.0, 80.0), *samples_], settle_share=0.0)
    assert end - start == pytest.approx(89 / 30, abs=0.05)


def test_held_stretch_leaves_out_the_eased_arrival_but_keeps_a_slow_drift():
    from posecoach.engine.reps import held_stretch

    # eased into the top over 1.5 s (smoothstep, 80 -> 170), then 2 s drifting down by 10 (5/s)
    ease = [(i / 30, 80 + 90 * (3 * (i / 45) ** 2 - 2 * (i / 45) ** 3)) for i in range(46)]
    drift = [(1.5 + i / 30, 170 - 5 * i / 30) for i in range(1, 61)]
    start, end = held_stretch([*ease, *drift])
    near_top = held_stretch([*ease, *drift], settle_share=0.0)
    assert near_top is not None and near_top[0] < 1.1  # the band alone takes in 0.4 s of the arrival
    assert 1.25 < start < 1.45 and end == pytest.approx(3.5, abs=0.05)


def test_leaving_a_hold_is_not_judged_as_a_fault_of_the_hold():
    # held with a < 50 for 7 s; on the way out (a rising past 50) b crosses a "hold" fault's limit
    # for longer than its debounce, but the hold has already broken: lowering out of a position
    # is not a fault of holding it
    spec = make_spec(rep=None, hold={"require": [{"metric": "a", "op": "<", "value": 50}], "target_s": 5,
                                     "min_s": 1.0, "grace_s": 0.7},
                     faults=[{"id": "sagging", "message": "Lift", "phases": ["hold"], "views": ["side"],
                              "debounce_s": 0.3, "when": [{"metric": "b", "op": "<", "value": 100}]}])
    a = wave([(0, 90), (1, 90), (1.5, 40), (8.5, 40), (9.0, 90), (11, 90)])
    b = wave([(0, 120), (8.6, 120), (8.8, 80), (11, 80)])
    session, _ = run(spec, [(t, {"a": va, "b": vb}) for (t, va), (_, vb) in zip(a, b)])
    assert len(session.holds) == 1 and session.holds[0].end_s < 9.0
    assert session.fault_records() == []
    # the same dip in b while the hold's posture is still right is a fault
    b_in = wave([(0, 120), (5.0, 120), (5.2, 80), (6.5, 80), (6.7, 120), (11, 120)])
    session, _ = run(spec, [(t, {"a": va, "b": vb}) for (t, va), (_, vb) in zip(a, b_in)])
    assert [r.id for r in session.fault_records()] == ["sagging"]


@pytest.mark.parametrize(("trunk", "expected"), [(50, {"chest_down"}), (125, set())])
def test_hip_flexor_chest_down_is_a_forward_lean_only(trunk, expected):
    """The trunk 40 degrees forward over the front leg drops the chest; 35 degrees back, away from
    the front knee, is as far from upright but is not a chest dropping."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from spec_factory import frames
    from spec_scenarios import holds, mix, scenarios

    from posecoach.app.pipeline import Analysis
    from posecoach.spec.loader import find_spec

    sc = next(s for s in scenarios() if s.exercise == "hip_flexor_stretch")
    half, lunge = sc.correct[0][1], sc.correct[3][1]
    analysis = Analysis(find_spec("hip_flexor_stretch"))
    leaning = mix(lunge, trunk=trunk, neck=trunk - 10)
    for pose in frames(holds(half, leaning, 1, 5.0), "side", fps=15.0):
        analysis.step_pose(pose)
    analysis.finish()
    report = analysis.report({"synthetic": True})
    assert report["holds"], "the stretch is timed"
    assert {f["id"] for f in report["faults"]} == expected


def test_a_hold_is_timed_from_where_the_body_comes_to_rest():
    from posecoach.engine.holds import HoldTimer

    timer = HoldTimer(None, min_s=1.0, grace_s=0.5)
    for i in range(120):  # posture right from 0 s, the body still arriving until 0.8 s
        t = i / 30
        timer.update(t, True, settled=t >= 0.8, still_until=t)
    timer.finish(4.0)
    assert [round(h.start_s, 2) for h in timer.holds] == [0.8]


def test_a_hold_whose_body_never_settles_is_timed_from_its_start():
    from posecoach.engine.holds import SETTLE_MAX_S, HoldTimer

    timer = HoldTimer(None, min_s=1.0, grace_s=0.5)
    for i in range(120):
        timer.update(i / 30, True, settled=False)
    timer.finish(4.0)
    assert [h.start_s for h in timer.holds] == [0.0] and SETTLE_MAX_S < 4.0


def test_the_whole_body_moving_ends_a_hold_where_it_was_last_still():
    from posecoach.engine.holds import HoldTimer

    timer = HoldTimer(None, min_s=1.0, grace_s=0.7)
    for i in range(150):
        t = i / 30
        moving = t >= 3.3  # the posture check still passes: only the body's motion tells
        timer.update(t, True, moved=moving, settled=not moving and t < 3.1, still_until=min(t, 3.1))
    assert [(h.start_s, h.end_s) for h in timer.holds][:1] == [(0.0, 3.1)]


def test_body_motion_ignores_where_the_picture_puts_the_body_and_a_left_right_swap():
    import numpy as np

    from posecoach import landmarks as lm
    from posecoach.features import BodyMotion

    rng = np.random.default_rng(4)
    body = rng.uniform(100, 400, (lm.COUNT, 2))
    swapped = body.copy()
    for name, j in lm.INDEX.items():
        if name.startswith("left_"):
            k = lm.INDEX["right_" + name[5:]]
            swapped[[j, k]] = body[[k, j]]
    still, shifted, other = BodyMotion(), BodyMotion(), BodyMotion()
    for i in range(12):
        t = i / 30
        m_still = still.update(t, swapped if i % 2 else body)  # labels swapping every frame
        m_shift = shifted.update(t, body * (1 + 0.02 * i) + 5.0 * i)  # a camera that pans and zooms
        m_other = other.update(t, body if i < 6 else rng.uniform(100, 400, (lm.COUNT, 2)))  # a cut
    assert m_still == pytest.approx(0.0, abs=1e-9) and m_shift == pytest.approx(0.0, abs=1e-9)
    assert m_other > 0.1


def test_a_bounce_that_dips_out_of_the_held_posture_on_each_swing_is_still_bouncing():
    # held under 50 from 1 s; from 3 s to 5 s it swings up to 56 and back every 0.6 s: each swing
    # leaves the posture for about 0.2 s, which the grace bridges, so the hold goes on
    spec = make_spec(rep=None, hold={"require": [{"metric": "a", "op": "<", "value": 50}], "target_s": 2,
                                     "min_s": 1.0, "grace_s": 0.5},
                     bounce={"window_s": 1.5, "min_reversals": 3, "amplitude": 10})
    swings = [(3 + 0.6 * k + d, v) for k in range(4) for d, v in ((0.0, 40), (0.3, 56))]
    sig = wave([(0, 90), (1, 90), (1.01, 40), *swings, (5.4, 40), (8, 40), (8.01, 90), (9, 90)])
    session, _ = run(spec, samples(sig))
    assert len(session.holds) == 1
    assert [r.id for r in session.fault_records()] == ["bouncing"]
    still = wave([(0, 90), (1, 90), (1.01, 40), (8, 40), (8.01, 90), (9, 90)])
    assert [r.id for r in run(spec, samples(still))[0].fault_records()] == []


def test_swings_in_a_break_that_ends_the_hold_are_the_way_out_not_a_bounce():
    # held under 50 from 1 s to 5 s, then three quick swings between 56 and 70 outside the
    # posture: if the hold resumes after them they were a bounce; if they end it (the person
    # left the position, e.g. to change legs), they were the way out and nothing is raised
    spec = make_spec(rep=None, hold={"require": [{"metric": "a", "op": "<", "value": 50}], "target_s": 2,
                                     "min_s": 1.0, "grace_s": 0.9},
                     bounce={"window_s": 1.5, "min_reversals": 3, "amplitude": 10})
    swings = [(5.0, 40), *[(5.12 + 0.13 * k, 70 if k % 2 == 0 else 56) for k in range(6)]]
    resumed = wave([(0, 90), (1, 90), (1.01, 40), *swings, (5.85, 40), (8, 40), (8.01, 90), (9, 90)])
    session, _ = run(spec, samples(resumed))
    assert len(session.holds) == 1
    assert [r.id for r in session.fault_records()] == ["bouncing"]
    left = wave([(0, 90), (1, 90), (1.01, 40), *swings, (5.85, 90), (9, 90)])
    session, _ = run(spec, samples(left))
    assert len(session.holds) == 1
    assert session.fault_records() == [] and session.possible_faults() == []


def test_a_hold_at_two_heights_is_held_from_the_first():
    # held 1.4 s past the peak threshold but 30 degrees below the top, lifted further and held
    # 1.6 s: still in position for about 2.6 s of the 3 s asked, though only 1.6 s near the top;
    # the stay is the rep's hold, from where it began, and no short hold is raised or listed
    spec = make_spec(rep={"hold_s": 3.0, "peak": 130})
    sig = wave([(0, 80), (1, 80), (2, 140), (3.4, 140), (3.6, 170), (5.2, 170), (6.2, 80), (7.2, 80)])
    session, _ = run(spec, samples(sig))
    assert session.count == 1
    (rep,) = session.reps
    assert rep.peak_hold_s == rep.still_s >= 2.4
    assert rep.peak_s is not None and 2.0 <= rep.peak_s <= 2.3
    assert session.fault_records() == [] and session.possible_faults() == []


def test_a_top_that_is_a_passing_spike_does_not_cut_the_hold():
    # held still at 150 for 3 s; on the way back the metric flicks to 175 for a fifth of a second
    # (a limb swinging through): the rep's furthest point is the flick, its hold the still stay
    spec = make_spec(rep={"hold_s": 3.0, "peak": 130})
    sig = wave([(0, 80), (1, 80), (2, 150), (5, 150), (5.1, 175), (5.3, 175), (5.4, 150), (6.4, 80), (7.4, 80)])
    session, _ = run(spec, samples(sig))
    assert session.count == 1
    (rep,) = session.reps
    assert rep.peak_hold_s >= 2.7 and rep.peak_s is not None and rep.peak_s < 2.4
    assert session.fault_records() == [] and session.possible_faults() == []


def test_a_short_hold_at_two_heights_is_still_a_short_hold():
    # 0.6 s below the top and 0.8 s at it: 1.4 s in position is short of 3 s either way
    spec = make_spec(rep={"hold_s": 3.0, "peak": 130})
    sig = wave([(0, 80), (1, 80), (2, 140), (2.6, 140), (2.8, 170), (3.6, 170), (4.6, 80), (5.6, 80)])
    session, _ = run(spec, samples(sig))
    assert session.count == 1 and session.reps[0].still_s < 2.0
    assert [r.id for r in session.fault_records()] == ["short_hold"]

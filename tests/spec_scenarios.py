"""Performances of every shipped exercise, built with the stick-figure factory.

For each exercise: the view it is filmed from, a correct performance of its full dose, and for each
of its form faults (and the shared rules too_fast / bouncing where it has them) a performance with
that fault. Poses are dicts of segment angles (see ``spec_factory``); the person faces +x.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from spec_factory import cycle

Pose = Mapping[str, float]
Keys = list[tuple[float, Pose]]


def both(**kw: float) -> dict[str, float]:
    """Same value on both sides: ``both(thigh=50)`` -> thigh_L, thigh_R."""
    out: dict[str, float] = {}
    for k, v in kw.items():
        out[f"{k}_L"] = out[f"{k}_R"] = v
    return out


def side(s: str, **kw: float) -> dict[str, float]:
    """One side only: ``side("L", thigh=0)``."""
    return {f"{k}_{s}": v for k, v in kw.items()}


# -- start positions -------------------------------------------------------------------------
STAND: Pose = {}
SUPINE: Pose = {"hip_y": 0.1, "trunk": 180, "neck": 180, "face": 90, **both(thigh=0, shin=0, foot=90, uarm=0, farm=0)}
CROOK: Pose = {**SUPINE, **both(thigh=50, shin=-50, foot=0)}
#: Knees bent and touching: each thigh tilted in towards the middle.
TOGETHER: Pose = {**CROOK, "lat_thigh_L": -9, "lat_thigh_R": 9, "lat_shin_L": -9, "lat_shin_R": 9}
PRONE: Pose = {"hip_y": 0.1, "trunk": 180, "chest": 90, "neck": 180, "face": -90,
               **both(thigh=0, shin=0, foot=-90, uarm=180, farm=180)}
FOURS: Pose = {"hip_y": 0.65, "trunk": 0, "neck": 15, "face": -60, **both(thigh=-90, shin=180, foot=180, uarm=-90, farm=-90)}
KNEEL: Pose = {"hip_y": 0.55, **both(thigh=-90, shin=180, foot=180)}
CHILD: Pose = {"hip_y": 0.35, "hip_x": 0.0, "trunk": -15, "neck": -30, "face": -80,
               **both(thigh=-25, shin=180, foot=180, uarm=-5, farm=-5)}
SEATED: Pose = {"hip_y": 0.5, **both(thigh=0, shin=-90, foot=0)}
PLANK: Pose = {"hip_y": 0.45, "trunk": 172, "chest": 90, "neck": 172, "face": -100,
               **both(thigh=-8, shin=-8, foot=-60, uarm=-90, farm=0)}


def mix(*poses: Pose, **kw: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for p in poses:
        out.update(p)
    out.update(kw)
    return out


@dataclass
class Scenario:
    exercise: str
    view: str
    correct: Keys
    expected: int
    faults: dict[str, Keys] = field(default_factory=dict)
    by_side: dict[str, int] | None = None
    #: A different camera for some fault performances (a rule judged from one view only).
    fault_views: dict[str, str] = field(default_factory=dict)
    #: Other views the spec allows, in which the correct performance must count the same.
    also_views: tuple[str, ...] = ()


def reps_scenario(exercise: str, view: str, rest: Pose, peak: Pose | list[Pose], reps: int, *,
                  move_s: float = 1.5, hold_s: float = 1.0, faults: dict[str, Keys] | None = None,
                  by_side: dict[str, int] | None = None, fault_views: dict[str, str] | None = None,
                  also_views: tuple[str, ...] = ()) -> Scenario:
    peaks = peak if isinstance(peak, list) else None
    keys = cycle(rest, peaks[0] if peaks else peak, reps=reps, move_s=move_s, hold_s=hold_s, peaks=peaks)  # type: ignore[arg-type]
    return Scenario(exercise, view, keys, reps, faults or {}, by_side, fault_views or {}, also_views)


def fast(rest: Pose, peak: Pose, move_s: float = 0.6) -> Keys:
    """One rushed rep (``move_s`` each way): the shared too_fast rule."""
    return cycle(rest, peak, reps=1, move_s=move_s, hold_s=0.1)


def bouncing(rest: Pose, peak: Pose, beyond: Pose) -> Keys:
    """Into the end position, then bounce between it and a little further, then back."""
    keys = cycle(rest, peak, reps=1, hold_s=0.0)[:3]
    t = keys[-1][0]
    for i in range(6):
        keys.append((t + 0.4 * (i + 1), beyond if i % 2 == 0 else peak))
    t = keys[-1][0]
    return [*keys, (t + 1.5, rest), (t + 3.0, rest)]


def holds(rest: Pose, held: Pose, n: int, hold_s: float, lead_s: float = 2.0,
          helds: list[Pose] | None = None) -> Keys:
    return cycle(rest, held, reps=n, move_s=1.5, hold_s=hold_s, rest_s=1.5, lead_s=lead_s, peaks=helds)


Builder = Callable[[], Scenario]


def _sided(rest: Pose, left: Pose, right: Pose, per_side: int) -> list[Pose]:
    return [left, right] * per_side


def scenarios() -> list[Scenario]:
    """One scenario per shipped exercise that has one (see ``MISSING`` in the tests)."""
    out: list[Scenario] = []
    add = out.append

    # -- standing ---------------------------------------------------------------------------
    bend = mix(STAND, trunk=45, neck=40, face=-40)
    add(reps_scenario("standing_flexion", "side", STAND, bend, 8, faults={
        "too_fast": fast(STAND, bend), "bouncing": bouncing(STAND, bend, mix(bend, trunk=35))}))
    curl = mix(STAND, trunk=-10, neck=-60, face=-120, **both(uarm=-80, farm=-80))
    add(reps_scenario("jefferson_curl", "side", STAND, curl, 8, move_s=2.5, faults={
        "knees_bent": cycle(STAND, mix(curl, hip_y=0.9, **both(thigh=-70, shin=-105)), reps=1, move_s=2.5),
        "too_fast": fast(STAND, curl, 1.2)}))
    lean_l, lean_r = mix(STAND, trunk_lat=25), mix(STAND, trunk_lat=-25)
    add(reps_scenario("side_bend", "front", STAND, [lean_l, lean_r], 10, by_side={"left": 5, "right": 5}, also_views=("back",), faults={
        "leaning_forward": cycle(STAND, mix(STAND, trunk=45), reps=1)}))
    # -- kneeling ---------------------------------------------------------------------------
    # a gentle lean: the trunk about 16 degrees back from upright; over-extending: 35
    back = mix(KNEEL, hip_x=0.05, trunk=106, neck=106, **both(thigh=-95))
    add(reps_scenario("kneeling_extension", "side", KNEEL, back, 8, faults={
        "over_extending": cycle(KNEEL, mix(back, trunk=125, neck=130, **both(thigh=-100)), reps=1),
        "too_fast": fast(KNEEL, back, 0.8)}))
    # -- seated -----------------------------------------------------------------------------
    flex = mix(SEATED, trunk=80, neck=10, face=-60)
    ext = mix(SEATED, trunk=95, neck=95, face=20)
    add(reps_scenario("seated_cat_cow", "side", flex, ext, 10, move_s=1.5))
    sb_l, sb_r = mix(SEATED, trunk_lat=45), mix(SEATED, trunk_lat=-45)
    add(Scenario("seated_side_bend", "front", holds(SEATED, sb_l, 4, 5.5, helds=[sb_l, sb_r]), 4,
                 by_side={"left": 2, "right": 2}, also_views=("back",)))
    # -- lying on the back -------------------------------------------------------------------
    top = mix(CROOK, hip_y=0.33, trunk=207, **both(thigh=22, shin=-72))
    add(reps_scenario("bridge", "side", CROOK, top, 10, faults={
        "over_arching": cycle(CROOK, mix(top, hip_y=0.5, trunk=222, **both(thigh=-5, shin=-80)), reps=1),
        "feet_too_far": cycle(CROOK, mix(top, **both(shin=-20)), reps=1),
        "hips_sag": cycle(CROOK, mix(top, hip_y=0.16, trunk=196, **both(thigh=35, shin=-70)), reps=1),
        "too_fast": fast(CROOK, top)}))
    still = holds(CROOK, CROOK, 1, 62.0, lead_s=1.5)
    add(Scenario("pelvic_tilt", "side", [(0.0, CROOK), (65.0, CROOK)], 1, faults={
        "head_pressing": [(0.0, CROOK), (5.0, CROOK), (6.0, mix(CROOK, neck=150)), (9.0, mix(CROOK, neck=150))],
        "hips_lifting": [(0.0, CROOK), (5.0, CROOK), (6.0, mix(CROOK, hip_y=0.18)), (9.0, mix(CROOK, hip_y=0.18))],
        "shoulders_pressing": [(0.0, CROOK), (5.0, CROOK), (6.0, mix(CROOK, trunk=168)), (9.0, mix(CROOK, trunk=168))]}))
    del still
    add(Scenario("deep_abdominal", "side", [(0.0, CROOK), (65.0, CROOK)], 1, faults={
        "head_lifting": [(0.0, CROOK), (5.0, CROOK), (6.0, mix(CROOK, neck=150)), (9.0, mix(CROOK, neck=150))],
        "shoulders_moving": [(0.0, CROOK), (5.0, CROOK), (6.0, mix(CROOK, trunk=168)), (9.0, mix(CROOK, trunk=168))],
        "legs_moving": [(0.0, CROOK), (5.0, CROOK), (6.0, mix(CROOK, **both(thigh=80, shin=-20))), (9.0, mix(CROOK, **both(thigh=80, shin=-20)))]}))
    hug = mix(CROOK, **both(thigh=120, shin=-10))
    add(reps_scenario("double_knee_hug", "side", CROOK, hug, 5, hold_s=10.5, faults={
        "bouncing": bouncing(CROOK, hug, mix(hug, **both(thigh=132))),
        "head_lifting": cycle(CROOK, mix(hug, neck=150), reps=1, hold_s=10.5)}))
    hug_l, hug_r = mix(CROOK, **side("L", thigh=120, shin=-10)), mix(CROOK, **side("R", thigh=120, shin=-10))
    add(reps_scenario("single_knee_hug", "side", CROOK, [hug_l, hug_r], 6, hold_s=10.5, by_side={"left": 3, "right": 3},
                      faults={"head_lifting": cycle(CROOK, mix(hug_l, neck=150), reps=1, hold_s=10.5)}))
    roll_l = mix(TOGETHER, lat_thigh_L=36, lat_shin_L=36, lat_thigh_R=54, lat_shin_R=54, pelvis_roll=15)
    roll_r = mix(TOGETHER, lat_thigh_L=-54, lat_shin_L=-54, lat_thigh_R=-36, lat_shin_R=-36, pelvis_roll=-15)
    add(reps_scenario("knee_rolls", "above", TOGETHER, [roll_l, roll_r], 10, hold_s=3.5, by_side={"left": 5, "right": 5}, faults={
        # the knees falling apart, one each way (MediaPipe reads knees held together about one hip
        # width apart, so only a clear separation is a fault)
        "knees_apart": cycle(TOGETHER, mix(TOGETHER, lat_thigh_L=-45, lat_shin_L=-45, lat_thigh_R=80, lat_shin_R=80,
                                           pelvis_roll=15), reps=1, hold_s=3.5),
        "shoulder_lifting": cycle(TOGETHER, mix(roll_l, shoulder_roll=35), reps=1, hold_s=3.5),
        "too_fast": fast(TOGETHER, roll_l)}))
    out[-1].fault_views["shoulder_lifting"] = "feet"
    out[-1].also_views = ("feet",)
    sway_l = mix(CROOK, **both(lat_thigh=15, lat_shin=15))
    sway_r = mix(CROOK, **both(lat_thigh=-15, lat_shin=-15))
    add(reps_scenario("knee_sways", "above", CROOK, [sway_l, sway_r], 10, by_side={"left": 5, "right": 5}, faults={
        "range_too_big": cycle(CROOK, mix(CROOK, **both(lat_thigh=60, lat_shin=60)), reps=1)}))
    out[-1].also_views = ("feet",)
    # -- lying face down ----------------------------------------------------------------------
    lift = mix(PRONE, trunk=155, neck=150, face=-60, **both(uarm=150, farm=150))
    add(reps_scenario("prone_extension", "side", PRONE, lift, 8, move_s=2.0, faults={
        "forcing_range": cycle(PRONE, mix(lift, trunk=135, neck=135), reps=1, move_s=2.0),
        "hips_lifted": cycle(PRONE, mix(lift, hip_y=0.2), reps=1, move_s=2.0)}))
    elbows = mix(PRONE, trunk=160, neck=160, face=-80, **both(uarm=-90, farm=-180))
    press = mix(PRONE, trunk=145, neck=145, face=-60, **both(uarm=-82, farm=-98))
    add(reps_scenario("back_extension", "side", elbows, press, 10, hold_s=5.5, faults={
        "hips_lifted": cycle(elbows, mix(press, hip_y=0.3), reps=1, hold_s=5.5),
        "neck_extended": cycle(elbows, mix(press, neck=60), reps=1, hold_s=5.5)}))
    sc_l = mix(PRONE, **side("L", shin=100, lat_thigh=-20), shoulder_roll=30, pelvis_roll=20)
    sc_r = mix(PRONE, **side("R", shin=100, lat_thigh=20), shoulder_roll=-30, pelvis_roll=-20)
    add(reps_scenario("scorpion_roll", "side", PRONE, [sc_l, sc_r], 10, hold_s=3.5, by_side={"left": 5, "right": 5}))
    SAG = mix(PLANK, hip_y=0.22, trunk=150, **both(thigh=-28, shin=5))
    add(Scenario("plank", "side", holds(mix(PRONE), PLANK, 3, 21.0), 3, faults={
        "hips_sagging": [(0.0, PRONE), (1.5, PLANK), (4.0, PLANK), (5.0, SAG), (9.0, SAG)],
        "hips_too_high": [(0.0, PRONE), (1.5, PLANK), (4.0, PLANK), (5.0, mix(PLANK, hip_y=0.75, trunk=205, **both(thigh=-40, shin=-40))), (9.0, mix(PLANK, hip_y=0.75, trunk=205, **both(thigh=-40, shin=-40)))]}))
    # -- hands and knees ---------------------------------------------------------------------
    fours = mix(FOURS, **both(farm=-80))
    cat = mix(fours, trunk=5, neck=-60, face=-100)
    cow = mix(fours, trunk=-3, neck=35, face=0)
    add(reps_scenario("cat_cow", "side", cat, cow, 10, move_s=1.5))
    # a long neck as MediaPipe reads one, on rendered and real bodies on all fours: the ear 0.05-0.15
    # torso lengths under the shoulder-hip line (this figure's shoulder sits on the line: about 12
    # degrees under it)
    b2h_start = mix(fours, neck=-12, **both(thigh=-95))
    heels = mix(fours, hip_x=-0.25, hip_y=0.45, trunk=-8, neck=-35, **both(thigh=-55, uarm=-30, farm=-25))
    add(reps_scenario("bottom_to_heels", "side", b2h_start, heels, 10, hold_s=3.5, faults={
        "neck_not_long": cycle(b2h_start, mix(heels, neck=-90), reps=1, hold_s=3.5)}))
    bd_l = mix(fours, **side("L", thigh=180, shin=180), **side("R", uarm=0, farm=0))
    bd_r = mix(fours, **side("R", thigh=180, shin=180), **side("L", uarm=0, farm=0))
    add(reps_scenario("bird_dog", "side", fours, [bd_l, bd_r], 16, hold_s=3.5, by_side={"left": 8, "right": 8}, faults={
        "back_not_level": cycle(fours, mix(bd_l, trunk=35), reps=1, hold_s=3.5)}))
    open_l = mix(fours, **side("L", uarm=90, farm=90))
    open_r = mix(fours, **side("R", uarm=90, farm=90))
    add(reps_scenario("thread_the_needle", "side", fours, [open_l, open_r], 10, by_side={"left": 5, "right": 5}))
    rock = mix(fours, hip_x=-0.12, hip_y=0.6, **both(thigh=-65))
    add(reps_scenario("lumbar_mobility", "side", mix(fours, **both(thigh=-92)), rock, 10, move_s=1.5, faults={
        "too_fast": fast(mix(fours, **both(thigh=-92)), rock)}))
    low = mix(FOURS, hip_y=0.5, trunk=15, **both(thigh=200, shin=90, foot=180, farm=-80))
    HIGH = mix(low, hip_y=0.7, trunk=0, **both(thigh=240))
    wag_l = mix(low, **both(lat_shin=40))
    wag_r = mix(low, **both(lat_shin=-40))
    add(reps_scenario("table_top_wag", "back", low, [wag_l, wag_r], 16, by_side={"left": 8, "right": 8}, faults={
        "hips_dropping": cycle(low, mix(wag_l, pelvis_roll=-25), reps=1),
        "hips_too_high": [(0.0, low), (1.0, low), (2.0, HIGH), (5.0, HIGH)]}, fault_views={"hips_too_high": "side"}))
    # -- child's pose family ----------------------------------------------------------------
    add(Scenario("childs_pose", "side", holds(KNEEL, CHILD, 3, 21.0), 3, faults={
        "bouncing": bouncing(KNEEL, CHILD, mix(CHILD, trunk=-5, **both(thigh=-5)))}))
    wave_out = mix(PRONE, trunk=150, chest=90, neck=150, face=-60, **both(uarm=-90, farm=-180))
    child_fwd = mix(CHILD, **both(uarm=-5, farm=-5))
    child_fwd_rev = {**child_fwd, "trunk": 180 + 15, "chest": 90, "hip_x": 0.0, "neck": 210, "face": 260,
                     **both(thigh=180 + 25, shin=0, foot=0, uarm=185, farm=185)}
    add(reps_scenario("spinal_wave", "side", child_fwd_rev, wave_out, 8, move_s=3.5, faults={
        "shoulders_shrugged": cycle(child_fwd_rev, mix(wave_out, neck_len=0.3), reps=1, move_s=3.5)}))
    cobra = mix(PRONE, hip_y=0.15, trunk=130, neck=120, face=-20, **both(uarm=-80, farm=-100))
    add(reps_scenario("king_cobra", "side", child_fwd_rev, cobra, 8, move_s=2.0, faults={
        "hips_high": cycle(child_fwd_rev, mix(cobra, hip_y=0.45, **both(thigh=-35)), reps=1, move_s=2.0)}))
    # -- side reaches on the floor, and the half-kneeling stretch ------------------------------
    reach = mix(CHILD, **both(uarm=-5, farm=-5))
    clock_l = mix(reach, trunk_lat=10, **both(lat_uarm=35, lat_farm=35))
    clock_r = mix(reach, trunk_lat=-10, **both(lat_uarm=-35, lat_farm=-35))
    add(reps_scenario("childs_pose_clock", "above", reach, [clock_l, clock_r], 10, hold_s=3.5,
                      by_side={"left": 5, "right": 5}, also_views=("front",), faults={
                          "too_fast": fast(reach, clock_l, 0.9),
                          # hands travelling about 0.4 shoulder widths each way, as in the
                          # performer's moderate bounce (tuning seed 1003, above)
                          "bouncing": bouncing(reach, clock_l, mix(clock_l, **both(lat_uarm=90, lat_farm=90)))}))
    folded = mix(hip_y=0.1, trunk=35, neck=20, face=-60, lat_thigh_L=50, lat_thigh_R=-50, lat_shin_L=-75,
                 lat_shin_R=75, **both(thigh=0, shin=0, foot=0, uarm=-15, farm=-25))
    cl_l = mix(folded, trunk_lat=10, **both(lat_uarm=35, lat_farm=35))
    cl_r = mix(folded, trunk_lat=-10, **both(lat_uarm=-35, lat_farm=-35))
    add(reps_scenario("crossed_leg_clock", "front", folded, [cl_l, cl_r], 4, hold_s=3.5,
                      by_side={"left": 2, "right": 2}, faults={"too_fast": fast(folded, cl_l)}))
    # shins pointing back are -180 everywhere, so that moving between poses never swings a shin forward
    kneel = {"hip_y": 0.55, **both(thigh=-90, shin=-180, foot=180)}
    half = {"hip_y": 0.55, **side("L", thigh=-90, shin=-180, foot=180), **side("R", thigh=0, shin=-90, foot=0)}
    half_r = {"hip_y": 0.55, **side("R", thigh=-90, shin=-180, foot=180), **side("L", thigh=0, shin=-90, foot=0)}
    lunge = mix(half, hip_x=0.12, hip_y=0.52, **side("L", thigh=-115), **side("R", thigh=-10, shin=-110))
    lunge_r = mix(half_r, hip_x=0.12, hip_y=0.52, **side("R", thigh=-115), **side("L", thigh=-10, shin=-110))
    keys: Keys = [(0.0, half), (2.0, half)]
    t = 2.0
    for start, held in ((half, lunge), (half_r, lunge_r), (half, lunge), (half_r, lunge_r)):
        keys += [(t + 1.0, start), (t + 2.5, held), (t + 33.5, held), (t + 35.0, start), (t + 36.5, kneel)]
        t += 37.0
    add(Scenario("hip_flexor_stretch", "side", keys, 4, by_side={"left": 2, "right": 2}, faults={
        "front_knee_too_far": holds(half, mix(lunge, **side("R", thigh=-5, shin=-125)), 1, 5.0),
        "chest_down": holds(half, mix(lunge, trunk=50, neck=40), 1, 5.0),
        "bouncing": bouncing(half, lunge, mix(lunge, hip_x=0.22, **side("L", thigh=-130)))}))
    return out

"""Random but reproducible variation of body, look and camera for corpus clips, and the harder
variation of ``--hard`` renders (room, clothing patterns, held camera, image degradation, human
variability)."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from posecoach.synth.degrade import Degrade
from posecoach.synth.scene import FURNITURE, PATTERNS, Handheld, Look, Room
from posecoach.synth.timeline import Human

if TYPE_CHECKING:
    from posecoach.synth.render import Options

SKINS = ((0.87, 0.70, 0.58), (0.80, 0.62, 0.50), (0.66, 0.48, 0.36), (0.50, 0.35, 0.25), (0.36, 0.25, 0.18))
CLOTHES = ((0.20, 0.35, 0.65), (0.65, 0.15, 0.15), (0.15, 0.45, 0.25), (0.12, 0.12, 0.14), (0.55, 0.55, 0.58),
           (0.80, 0.55, 0.15), (0.35, 0.20, 0.45), (0.85, 0.85, 0.82))
FLOORS = ((0.55, 0.45, 0.35), (0.35, 0.45, 0.55), (0.40, 0.40, 0.40), (0.60, 0.30, 0.30), (0.25, 0.45, 0.30))
WALLS = ((0.85, 0.84, 0.80), (0.70, 0.78, 0.85), (0.90, 0.85, 0.70), (0.55, 0.55, 0.55), (0.80, 0.70, 0.72))


def random_look(rng: random.Random) -> Look:
    """A look with a random skin tone, clothes, floor, wall and light."""
    top, bottoms = rng.sample(CLOTHES, 2)
    floor = rng.choice(FLOORS)
    return Look(skin=rng.choice(SKINS), top=top, bottoms=bottoms, feet=rng.choice(((0.85, 0.85, 0.85), (0.2, 0.2, 0.2))),
                floor=floor, floor2=tuple(0.9 * c for c in floor), wall=rng.choice(WALLS),
                light=rng.uniform(2.0, 4.0), light_azimuth=rng.uniform(-60, 60), light_elevation=rng.uniform(30, 70))


def random_body(rng: random.Random) -> dict[str, float]:
    """Adult phenotype values (anny's 0-1 scales; age 0.5 is a young adult, 1 is old)."""
    return {"gender": round(rng.random(), 2), "age": round(rng.uniform(0.45, 0.95), 2),
            "weight": round(rng.uniform(0.2, 0.85), 2), "height": round(rng.uniform(0.2, 0.85), 2),
            "muscle": round(rng.uniform(0.3, 0.7), 2)}


def randomize(opt: Options, seed: int, view: str | None = None) -> Options:
    """A copy of render options with body, look, camera distance, height and side drawn from ``seed``
    (a body, elevation or camera side already set in ``opt`` is kept). ``view`` is the view that
    will be rendered when ``opt.view`` is unset; views from the feet or from above keep their own
    camera height, since a low camera there sees little but the knees."""
    rng = random.Random(seed)
    body = opt.body or random_body(rng)
    look = random_look(rng)
    distance = opt.distance * rng.uniform(0.9, 1.3)
    draw_elevation = rng.random() >= 0.5 and (opt.view or view) not in ("feet", "above")
    elevation = rng.uniform(2, 25)
    side = rng.choice(("left", "right"))
    return dataclasses.replace(
        opt, body=body, look=look, distance=distance, seed=seed,
        elevation=opt.elevation if opt.elevation is not None else (elevation if draw_elevation else None),
        camera_side=opt.camera_side or side,
    )



@dataclass(frozen=True)
class Hard:
    """Everything a ``--hard`` render adds, drawn from one seed by ``random_hard``."""

    seed: int = 0
    room: Room = field(default_factory=Room)
    top_pattern: str = "plain"
    bottoms_pattern: str = "plain"
    pattern_period: float = 0.06  #: metres
    camera: Handheld = field(default_factory=Handheld)
    degrade: Degrade = field(default_factory=Degrade)
    human: Human = field(default_factory=Human)
    crf: int = 26  #: H.264 quality of the written video (higher: more compression)

    def record(self) -> dict[str, Any]:
        """What was drawn, for the labels."""
        return dataclasses.asdict(self)


FURNITURE_COLORS = ((0.45, 0.30, 0.18), (0.62, 0.48, 0.32), (0.3, 0.3, 0.32), (0.55, 0.2, 0.18),
                    (0.2, 0.3, 0.45), (0.75, 0.72, 0.65), (0.66, 0.52, 0.30))
RUG_COLORS = ((0.5, 0.2, 0.2), (0.7, 0.6, 0.4), (0.2, 0.3, 0.5), (0.3, 0.3, 0.3), (0.6, 0.6, 0.55),
              (0.25, 0.4, 0.3), (0.55, 0.35, 0.5))


def _jitter_color(rng: random.Random, c: tuple[float, float, float], k: float = 0.12) -> tuple[float, float, float]:
    return tuple(round(min(1.0, max(0.0, x + rng.uniform(-k, k))), 3) for x in c)  # type: ignore[return-value]


def random_hard(seed: int, view: str | None = None) -> Hard:
    """The hard variation of ``seed`` (its own random stream: the body, look and camera that
    ``randomize`` draws from the same seed are not changed by it)."""
    rng = random.Random(f"hard:{seed}")
    items = []
    for _ in range(rng.randint(2, 5)):
        kind = rng.choice(FURNITURE)
        where = rng.choices(("behind", "left", "right"), (0.6, 0.2, 0.2))[0]
        items.append((kind, where, round(rng.uniform(-1, 1), 2), round(rng.uniform(0.2, 1.2), 2),
                      round(rng.uniform(-25, 25), 1), _jitter_color(rng, rng.choice(FURNITURE_COLORS))))
    rug1, rug2 = rng.sample(RUG_COLORS, 2)
    room = Room(items=tuple(items), wall_gap=round(rng.uniform(0.8, 3.0), 2),
                wall_pattern=rng.choice(("plain", "plain", "stripes", "panels")),
                wall_color2=_jitter_color(rng, rng.choice(((0.75, 0.74, 0.7), (0.6, 0.65, 0.7), (0.8, 0.75, 0.6)))),
                picture=rng.random() < 0.7, picture_color=_jitter_color(rng, (0.4, 0.45, 0.5), 0.3),
                rug=rng.random() < 0.75, rug_colors=(rug1, rug2), rug_pattern=rng.choice(("stripes", "checks")),
                shadow=round(rng.uniform(0.25, 0.6), 2))
    top_pattern = rng.choice(PATTERNS)
    bottoms_pattern = rng.choice(("plain", "plain", "stripes", "mottled"))
    period = round(rng.uniform(0.03, 0.1), 3)
    crop_edge = rng.choice(("left", "right", "top", "bottom")) if rng.random() < 0.4 else None
    handheld = rng.random() < 0.6
    knocked = rng.random() < 0.4
    camera = Handheld(tilt=round(rng.uniform(-4, 4), 2), pan=round(rng.uniform(-4, 4), 2),
                      roll=round(rng.uniform(-7, 7), 2), crop_edge=crop_edge,
                      crop=round(rng.uniform(0.04, 0.15), 3) if crop_edge else 0.0,
                      shake=round(rng.uniform(0.2, 0.8), 2) if handheld else round(rng.uniform(0.0, 0.05), 3),
                      shake_hz=round(rng.uniform(0.4, 1.5), 2),
                      knock_at=round(rng.uniform(0.2, 0.8), 3) if knocked else None,
                      knock=round(rng.uniform(1.0, 3.0), 2) if knocked else 0.0, seed=rng.randrange(1 << 30))
    dark = rng.random() < 0.3
    degrade = Degrade(motion_blur=round(rng.uniform(0.0, 0.3), 3), defocus=round(rng.uniform(0.0, 1.0), 2),
                      soft_scale=round(rng.choice((1.0, rng.uniform(0.5, 0.9))), 2),
                      exposure=round(rng.uniform(0.45, 0.75) if dark else rng.uniform(0.8, 1.3), 3),
                      gamma=round(rng.uniform(0.85, 1.15), 3),
                      white_balance=(round(rng.uniform(0.88, 1.12), 3), 1.0, round(rng.uniform(0.85, 1.12), 3)),
                      vignette=round(rng.uniform(0.0, 0.5), 2),
                      noise=round(rng.uniform(5.0, 12.0) if dark else rng.uniform(1.0, 6.0), 2),
                      chroma_noise=round(rng.uniform(0.1, 0.5), 2),
                      jpeg_quality=rng.choice((0, rng.randint(25, 70))), flicker=round(rng.uniform(0.0, 0.06), 3),
                      seed=rng.randrange(1 << 30))
    human = Human(breath=round(rng.uniform(0.5, 1.5), 2), breath_hz=round(rng.uniform(0.18, 0.33), 3),
                  sway=round(rng.uniform(0.3, 1.5), 2), sway_hz=round(rng.uniform(0.25, 0.6), 2),
                  tremor=round(rng.uniform(0.1, 0.5), 2), tremor_hz=round(rng.uniform(6.0, 10.0), 2),
                  depth_spread=round(rng.uniform(0.02, 0.05), 3), tempo_spread=round(rng.uniform(0.03, 0.1), 3),
                  asymmetry=round(rng.uniform(-0.03, 0.03), 3), seed=rng.randrange(1 << 30))
    return Hard(seed=seed, room=room, top_pattern=top_pattern, bottoms_pattern=bottoms_pattern,
                pattern_period=period, camera=camera, degrade=degrade, human=human, crf=rng.randint(24, 33))


def harden(opt: Options, seed: int, view: str | None = None) -> Options:
    """A copy of render options with the hard variation of ``seed``; the camera may also stand
    lower or higher and nearer or farther than ``randomize`` draws (an elevation already set is kept)."""
    rng = random.Random(f"hard-camera:{seed}")
    distance = opt.distance * rng.uniform(0.85, 1.25)
    elevation = rng.uniform(0, 32)
    keep = opt.elevation is not None or (opt.view or view) in ("feet", "above")
    return dataclasses.replace(opt, hard=random_hard(seed, view), distance=distance,
                               elevation=opt.elevation if keep else elevation)

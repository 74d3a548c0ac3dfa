"""Random but reproducible variation of body, look and camera for corpus clips."""

from __future__ import annotations

import dataclasses
import random
from typing import TYPE_CHECKING

from posecoach.synth.scene import Look

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

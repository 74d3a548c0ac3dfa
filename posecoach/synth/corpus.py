"""Build a varied corpus of synthetic clips on demand, and the committed sample set.

The corpus goes to a cache folder (default ``.cache/synth/``, never committed): per exercise a
few clean variants (body, look, camera side, distance, height, speed and timing drawn from a
seed) and one clip per fault. Clips already rendered are kept, so an interrupted build resumes.
All labels are gathered in ``OUT/labels.json`` with paths relative to ``OUT``, in the same shape
as the real-footage labels, so one evaluator reads both.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import random
import shutil
from pathlib import Path
from typing import Any

from posecoach.synth import choreo as choreo_mod

#: The committed samples: one short clip per exercise family, small enough for the repository.
SAMPLES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("bridge", "bridge", {}),
    ("back_extension", "back_extension", {}),
    ("knee_rolls", "knee_rolls", {}),
    ("childs_pose", "childs_pose", {}),
    ("bird_dog", "bird_dog", {}),
    ("bottom_to_heels", "bottom_to_heels", {"reps": 1}),
    ("cat_cow", "cat_cow", {"reps": 1}),
    ("single_knee_hug", "single_knee_hug", {}),
    ("double_knee_hug", "double_knee_hug", {"reps": 1}),
    ("standing_flexion", "standing_flexion", {"reps": 2}),
    ("side_bend", "side_bend", {}),
    ("seated_cat_cow", "seated_cat_cow", {"reps": 1}),
    ("hip_flexor_stretch", "hip_flexor_stretch", {"reps": 1}),
    ("plank", "plank", {}),
    ("bridge_hips_sag", "bridge", {"fault": "hips_sag"}),
    ("back_extension_neck_extended", "back_extension", {"fault": "neck_extended", "reps": 2}),
)


def _views(ch: choreo_mod.Choreography) -> list[tuple[str, str | None]]:
    """The views worth rendering for a choreography: its own, from both sides when it is "side"."""
    if ch.view == "side":
        return [("side", "right"), ("side", "left")]
    return [(ch.view, None), ("side", "right")]


def _render(choreo_path: Path, out_dir: Path, name: str, opt: Any) -> dict[str, Any] | None:
    from posecoach.synth.render import render_clip

    labels = out_dir / f"{name}.labels.json"
    if labels.exists() and (out_dir / f"{name}.mp4").exists():
        return json.loads(labels.read_text(encoding="utf-8"))["clips"][0]
    return render_clip(choreo_path, out_dir, name, opt, progress=True)


def build_corpus(out: Path, exercises: list[str] | None = None, variants: int = 4, faults: bool = True,
                 width: int = 480, height: int = 270, seed: int = 1, hard: bool = False) -> Path:
    """Render the corpus into ``out`` and write ``out/labels.json``; returns that path.

    ``hard`` renders every clip with the hard variation of its seed (names end in ``_hard``)."""
    from posecoach.synth.render import Options
    from posecoach.synth.variation import harden, randomize

    def vary(base: Any, s: int, view: str) -> Any:
        opt = randomize(base, s)
        return harden(opt, s, view) if hard else opt

    tag = "_hard" if hard else ""

    paths = sorted(choreo_mod.builtin_dir().glob("*.toml"))
    if exercises:
        known = {p.stem: p for p in paths}
        unknown = [e for e in exercises if e not in known]
        if unknown:
            raise ValueError(f"unknown exercise(s) {', '.join(unknown)} (known: {', '.join(known)})")
        paths = [known[e] for e in exercises]
    entries: list[dict[str, Any]] = []
    for path in paths:
        ch = choreo_mod.load(path)
        rng = random.Random(f"{seed}:{ch.exercise}")
        views = _views(ch)
        jobs: list[tuple[str, Any]] = []
        for k in range(variants):
            view, side = views[k % len(views)]
            s = rng.randrange(1_000_000)
            base = Options(view=view, camera_side=side, width=width, height=height,
                           speed=round(rng.uniform(0.8, 1.25), 2), jitter=0.1)
            jobs.append((f"{ch.exercise}_v{k}_s{s}{tag}", vary(base, s, view)))
        if faults:
            for fid in ch.faults:
                s = rng.randrange(1_000_000)
                base = Options(view=ch.view, width=width, height=height, fault=fid, jitter=0.05)
                jobs.append((f"{ch.exercise}_{fid}_s{s}{tag}", vary(base, s, ch.view)))
        for name, opt in jobs:
            entry = _render(path, out / ch.exercise, name, opt)
            if entry is not None:
                entries.append({**entry, "file": f"{ch.exercise}/{entry['file']}"})
    index = out / "labels.json"
    existing = json.loads(index.read_text(encoding="utf-8"))["clips"] if index.exists() else []
    merged = {e["file"]: e for e in existing}
    merged.update({e["file"]: e for e in entries})
    out.mkdir(parents=True, exist_ok=True)
    about = "Synthetic clips rendered by posecoach.synth; times in seconds from the clip start; labels are exact."
    index.write_text(json.dumps({"about": about, "clips": list(merged.values())}, indent=1) + "\n", encoding="utf-8")
    return index


def gzip_truth(path: Path) -> Path:
    """Replace ``X.truth.jsonl`` with ``X.truth.jsonl.gz``."""
    gz = path.with_name(path.name + ".gz")
    with path.open("rb") as src, gzip.open(gz, "wb", compresslevel=9) as dst:
        shutil.copyfileobj(src, dst)
    path.unlink()
    return gz


def build_samples(out: Path, only: list[str] | None = None, width: int = 640, height: int = 360) -> list[Path]:
    """Render the committed sample clips (gzipped truth tracks) into ``out``.

    No folder index is written: posecoach's evaluator reads every ``*.labels.json`` of a folder.
    """
    from posecoach.synth.render import Options, render_clip

    written = []
    for name, exercise, overrides in SAMPLES:
        if only and name not in only:
            continue
        opt = dataclasses.replace(Options(width=width, height=height), **overrides)
        render_clip(choreo_mod.find(exercise), out, name, opt, progress=True)
        written.append(gzip_truth(out / f"{name}.truth.jsonl"))
    return written

"""The fixed split of randomised render seeds into a tuning set and a test set (``splits.toml``).

Thresholds are chosen on renders of the tuning seeds; results are reported on the test seeds, so
a reported figure was never used to pick the value it measures.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from posecoach.errors import SpecError

SPLITS_FILE = Path(__file__).parent / "splits.toml"


@dataclass(frozen=True)
class Split:
    """Seeds (and tempos, as ``--speed`` factors) of one part of the split."""

    seeds: tuple[int, ...]
    speeds: tuple[float, ...]


def load_splits(path: Path = SPLITS_FILE) -> dict[str, Split]:
    """``{"tuning": Split, "test": Split}``; a seed in both parts is an error."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the seed split ({exc})") from None
    out: dict[str, Split] = {}
    for part in ("tuning", "test"):
        table = data.get(part)
        if not isinstance(table, dict) or not isinstance(table.get("seeds"), list) or not table["seeds"]:
            raise SpecError(f"{path}: {part}.seeds: expected a non-empty list of integers")
        seeds = table["seeds"]
        if not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
            raise SpecError(f"{path}: {part}.seeds: expected integers [got {seeds!r}]")
        speeds = table.get("speeds", [1.0])
        out[part] = Split(tuple(seeds), tuple(float(s) for s in speeds))
    shared = set(out["tuning"].seeds) & set(out["test"].seeds)
    if shared:
        raise SpecError(f"{path}: seeds {sorted(shared)} are in both the tuning and the test split")
    return out

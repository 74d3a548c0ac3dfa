"""A demonstration of a sided exercise is counted on the sides it performs: analysed with the real
pose model, its reps (or holds) fall on the sides its labels name, so a clip that shows one rep
to each side is never read as two to the same side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from posecoach.app.build import make_analysis
from posecoach.errors import ExitCode
from posecoach.spec.loader import find_spec

DEMOS = Path(__file__).resolve().parent.parent / "posecoach" / "data" / "demos"


def _labels(exercise: str) -> dict[str, Any]:
    return json.loads((DEMOS / f"{exercise}.labels.json").read_text(encoding="utf-8"))["clips"][0]


def sided_demos() -> list[str]:
    """Shipped demonstrations of exercises the coach counts per side."""
    ids = sorted(p.name.removesuffix(".labels.json") for p in DEMOS.glob("*.labels.json"))
    return [e for e in ids if find_spec(e).sided]


def test_sided_demos_are_found() -> None:
    found = sided_demos()
    assert "seated_side_bend" in found and "thread_the_needle" in found
    for ex in found:
        assert _labels(ex)["reps_per_side"], ex


@pytest.mark.model
@pytest.mark.parametrize("exercise", sided_demos())
def test_a_sided_demo_is_counted_on_its_own_sides(exercise: str) -> None:
    from posecoach.app.analyze import analyze_video

    clip = _labels(exercise)
    report, code = analyze_video(DEMOS / clip["file"], make_analysis(exercise), "full", None, progress=False)
    assert code == ExitCode.OK
    counted = {side: n for side, n in report["reps_by_side"].items() if n}
    assert counted == clip["reps_per_side"], report["rep_details"]
    if find_spec(exercise).kind == "hold":
        assert [h["side"] for h in report["holds"]] == [h["side"] for h in clip["holds"]], report["holds"]

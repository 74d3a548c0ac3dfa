"""One fault vocabulary: the performer labels a fault with the id the coach reports for it.

Every fault a choreography can inject is a fault id of its exercise's spec, every spec fault is
injectable or named under the choreography's ``[not_rendered]`` with a reason, and every form rule
the source pages name for an exercise is either a spec rule or an honest ``not_checked`` line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecoach.spec.loader import exercise_ids, find_spec
from posecoach.synth import choreo, timeline, vocabulary
from posecoach.synth.splits import load_splits

ROOT = Path(__file__).resolve().parents[1]
CHOREOS = sorted(choreo.builtin_dir().glob("*.toml"))

#: The form rules of ../shared/EXERCISES.md, per exercise: a spec fault id that judges the rule, or
#: ("not_checked", words of the spec's not_checked line that says why a camera cannot judge it).
PAGE_RULES: dict[str, list[tuple[str, str | tuple[str, str]]]] = {
    "bottom_to_heels": [
        ("don't over-arch the low back", ("not_checked", "Over-arching")),
        ("neck long", "neck_not_long"),
        ("shoulders back", ("not_checked", "Shoulders drawn back")),
        ("elbows not locked", ("not_checked", "Elbows locked")),
        ("stop short of sitting on the heels if knees hurt", ("not_checked", "Knee comfort")),
    ],
    "knee_rolls": [("shoulders stay down", "shoulder_lifting"), ("knees stay together", "knees_apart"),
                   ("only as far as comfortable", ("not_checked", "comfortable"))],
    "back_extension": [("don't bend the neck backwards", "neck_extended"), ("keep the hips grounded", "hips_lifted")],
    "deep_abdominal": [("no tensing through the neck", "head_lifting"), ("shoulders", "shoulders_moving"),
                       ("legs", "legs_moving"), ("the contraction itself", ("not_checked", "contraction"))],
    "pelvic_tilt": [("no pressing through the neck", "head_pressing"), ("shoulders", "shoulders_pressing"),
                    ("feet", "hips_lifting"), ("slow", ("not_checked", "slowly"))],
    "table_top_wag": [("hips level with the shoulder-knee line", "hips_too_high"), ("hips drop", "hips_dropping")],
    "spinal_wave": [("shoulders down, away from the ears", "shoulders_shrugged")],
    "king_cobra": [("big toes together", ("not_checked", "Big toes")), ("hips low in the backbend", "hips_high")],
    "childs_pose_clock": [("hold the side reach 3 s", "short_hold")],
    "scorpion_roll": [("hold 3 s", "short_hold")],
    "crossed_leg_clock": [("spine long", ("not_checked", "long spine"))],
    "jefferson_curl": [("legs stay straight", "knees_bent"), ("slow", "too_fast"),
                       ("segment by segment", ("not_checked", "one part at a time"))],
    "prone_extension": [("slow and controlled", "too_fast"), ("don't force the range", "forcing_range")],
    "kneeling_extension": [("don't over-extend", "over_extending")],
    "standing_flexion": [("progressive range", ("not_checked", "a little deeper")), ("controlled return", "too_fast")],
    "side_bend": [("no leaning forward", "leaning_forward"), ("no twisting", ("not_checked", "Twisting"))],
    "knee_sways": [("gentle, small range", "range_too_big")],
    "hip_flexor_stretch": [("front knee about 90 degrees", "front_knee_too_far"), ("chest up", "chest_down"),
                           ("no bouncing", "bouncing"), ("never pain", ("not_checked", "never hurts"))],
    "lumbar_mobility": [("slow", "too_fast"), ("no bouncing at end range", "bouncing")],
    # beyond the pages: faults the performer shows and the issue asked to be judged or declared
    "bird_dog": [("back level", "back_not_level"), ("hips rotating", ("not_checked", "rotat"))],
    "bridge": [("over-arching", "over_arching"), ("knees falling apart", ("not_checked", "Knees falling apart"))],
    "single_knee_hug": [("head lifting", "head_lifting")],
    "double_knee_hug": [("head lifting", "head_lifting")],
    "childs_pose": [("neck extended", ("not_checked", "lifted head")), ("rushed into the pose", ("not_checked", "fast"))],
}


@pytest.mark.parametrize("path", CHOREOS, ids=lambda p: p.stem)
def test_performer_faults_are_the_spec_faults(path: Path) -> None:
    ch = choreo.load(path)
    spec = find_spec(ch.exercise)
    assert vocabulary.problems(ch, spec) == []
    for fid, reason in ch.not_rendered.items():
        assert len(reason) > 20, f"{path.name}: not_rendered.{fid} needs a reason"


@pytest.mark.parametrize("path", CHOREOS, ids=lambda p: p.stem)
def test_every_injected_fault_is_labelled_with_its_spec_id(path: Path) -> None:
    ch = choreo.load(path)
    ids = vocabulary.spec_fault_ids(find_spec(ch.exercise))
    for fid, fault in ch.faults.items():
        labels = timeline.build(ch, fault=fid).labels()
        key = "faults" if fault.judged else "unjudged_faults"
        assert labels[key] and {f["id"] for f in labels[key]} == {fid}
        assert (fid in ids) == fault.judged
        if not fault.judged:
            assert labels["faults"] == []  # no report is expected for a fault the spec cannot judge


def test_vocabulary_check_names_a_stray_fault() -> None:
    doc = {"schema_version": 1, "exercise": "bridge", "poses": {"start": {"pitch": -90}},
           "rep": {"steps": [{"to": "start", "seconds": 1.0}]},
           "faults": {"hips_lift": {"kind": "speed", "factor": 2.0}}}
    found = vocabulary.problems(choreo.parse(doc, "bridge.toml"), find_spec("bridge"))
    assert found[0].startswith("bridge.toml: faults.hips_lift: not a fault of spec 'bridge'")
    assert any("spec fault 'hips_sag' is neither" in p for p in found)


def test_every_spec_has_a_choreography() -> None:
    assert sorted(p.stem for p in CHOREOS) == sorted(exercise_ids())


@pytest.mark.parametrize("exercise", sorted(PAGE_RULES))
def test_every_page_rule_is_judged_or_declared(exercise: str) -> None:
    spec = find_spec(exercise)
    ids = vocabulary.spec_fault_ids(spec)
    for rule, where in PAGE_RULES[exercise]:
        if isinstance(where, tuple):
            assert any(where[1].lower() in line.lower() for line in spec.not_checked), \
                f"{exercise}: page rule {rule!r} is neither a rule nor in not_checked"
        else:
            assert where in ids, f"{exercise}: page rule {rule!r} should be judged by fault {where!r}"


def test_sample_labels_use_spec_fault_ids() -> None:
    for path in sorted((ROOT / "sample_videos").glob("*.labels.json")):
        for clip in json.loads(path.read_text(encoding="utf-8"))["clips"]:
            ids = vocabulary.spec_fault_ids(find_spec(clip["exercise"]))
            for f in clip.get("faults", []):
                assert f["id"] in ids, f"{path.name}: {f['id']!r} is not a fault of {clip['exercise']}"
            if clip["synthetic"]["fault"]:
                assert clip["synthetic"]["fault"] in ids


def test_seed_split_is_disjoint_and_fixed() -> None:
    splits = load_splits()
    tuning, test = set(splits["tuning"].seeds), set(splits["test"].seeds)
    assert tuning and test and not tuning & test
    assert len(splits["test"].seeds) >= 10


def test_synth_check_rejects_a_choreography_off_the_vocabulary(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from posecoach.synth.cli import main

    text = choreo.find("bridge").read_text(encoding="utf-8").replace("[faults.hips_sag]", "[faults.hips_low]")
    path = tmp_path / "bridge.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path)]) == 4
    out = capsys.readouterr().out
    assert "faults.hips_low: not a fault of spec 'bridge'" in out
    assert "spec fault 'hips_sag' is neither under [faults] nor under [not_rendered]" in out


def test_eval_scores_recall_per_severity_and_false_alarms_on_clean_clips(tmp_path: Path) -> None:
    from posecoach.evaluation.score import parse_clip, score_clip, summarize
    from report_schema import example_report

    def report(*faults: tuple[str, float, float]) -> dict:
        return example_report(reps=2, frames=300, frames_with_pose=300, duration_s=30.0,
                              faults=[{"id": i, "start_s": a, "end_s": b} for i, a, b in faults])

    mild = parse_clip({"file": "a.mp4", "exercise": "bridge", "reps": 2,
                       "faults": [{"id": "hips_sag", "start": 5, "end": 8, "severity": "mild"}]}, "a", tmp_path)
    clear = parse_clip({"file": "b.mp4", "exercise": "bridge", "reps": 2,
                        "faults": [{"id": "hips_sag", "start": 5, "end": 8, "severity": "clear"}]}, "b", tmp_path)
    clean = parse_clip({"file": "c.mp4", "exercise": "bridge", "reps": 2, "faults": []}, "c", tmp_path)
    scores = [score_clip(mild, report()), score_clip(clear, report(("hips_sag", 6, 7))),
              score_clip(clean, report(("too_fast", 1, 2)))]
    summary = summarize(scores)
    assert summary["fault_recall_by_severity"] == {
        "clear": {"found": 1, "labels": 1, "recall": 1.0}, "mild": {"found": 0, "labels": 1, "recall": 0.0}}
    assert summary["clean_clips"] == 1 and summary["false_alarms_per_min_clean"] == pytest.approx(2.0)

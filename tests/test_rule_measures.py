"""Per-rule figures of ``posecoach eval`` on hand-made clip scores with known answers, the
measurements file they are kept in, and what ``posecoach exercises show`` says from it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from posecoach.cli import main
from posecoach.evaluation.measured import (
    LABEL_SETS, load_measured, measured_lines, measured_path, set_figures, spec_digest, write_measured,
)
from posecoach.evaluation.report import markdown, to_json
from posecoach.evaluation.rules import spec_rules
from posecoach.evaluation.score import ClipLabel, ClipScore, Interval, covered_s, score_clip, summarize
from posecoach.spec.loader import exercise_ids, find_spec, specs_dir
from report_schema import example_report

ROOT = Path(__file__).resolve().parent.parent
BRIDGE_RULES = ("hips_sag", "over_arching", "too_fast")


def clip(faults: tuple[Interval, ...] | None, reported: list[tuple[str, float, float]], *, seconds: float = 60.0,
         exercise: str = "bridge", rules: tuple[str, ...] = BRIDGE_RULES, file: str = "c.mp4") -> ClipScore:
    label = ClipLabel(file, Path("/nowhere") / file, exercise, 1, faults=faults)
    report = example_report(duration_s=seconds,
                            faults=[{"id": i, "start_s": a, "end_s": b} for i, a, b in reported])
    return score_clip(label, report, rules=rules)


def rules_of(scores: list[ClipScore]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["exercise"], r["fault"]): r for r in summarize(scores)["rules"]}


# -- aggregation ---------------------------------------------------------------------------------
def test_a_false_alarm_on_a_clean_clip_counts_per_minute_of_that_clip() -> None:
    rows = rules_of([clip((), [("hips_sag", 10.0, 11.0)], seconds=120.0), clip((), [], seconds=60.0)])
    sag = rows["bridge", "hips_sag"]
    assert (sag["false_alarms"], sag["correct_clips"]) == (1, 2)
    assert sag["correct_minutes"] == pytest.approx(3.0)
    assert sag["false_alarms_per_min"] == pytest.approx(1 / 3)
    assert sag["recall"] is None and sag["faults_labelled"] == 0
    quiet = rows["bridge", "over_arching"]  # a rule that never fired is still measured: 0 a minute
    assert (quiet["false_alarms"], quiet["false_alarms_per_min"], quiet["correct_clips"]) == (0, 0.0, 2)
    assert rows["bridge", "too_fast"]["built_in"] and not sag["built_in"]


def test_a_missed_moderate_fault_lowers_moderate_recall_only() -> None:
    labelled = (Interval(5.0, 8.0, "hips_sag", "moderate"), Interval(20.0, 23.0, "hips_sag", "moderate"),
                Interval(40.0, 43.0, "hips_sag", "clear"), Interval(50.0, 52.0, "hips_sag", "mild"))
    one = clip(labelled, [("hips_sag", 6.0, 7.0), ("hips_sag", 41.0, 42.0)])
    other = clip((Interval(1.0, 2.0, "hips_sag", "clear"),), [("hips_sag", 1.5, 1.8)], file="d.mp4")
    sag = rules_of([one, other])["bridge", "hips_sag"]
    sev = sag["recall_by_severity"]
    assert (sev["moderate"]["found"], sev["moderate"]["labels"], sev["moderate"]["clips"]) == (1, 2, 1)
    assert sev["moderate"]["recall"] == pytest.approx(0.5)
    assert (sev["clear"]["found"], sev["clear"]["labels"], sev["clear"]["clips"]) == (2, 2, 2)
    assert sev["mild"]["recall"] == 0.0
    assert sag["recall_moderate_clear"] == {"found": 3, "labels": 4, "clips": 2, "recall": 0.75}
    assert (sag["faults_found"], sag["faults_labelled"], sag["fault_clips"]) == (3, 5, 2)
    assert sag["false_alarms"] == 0


def test_correct_movement_is_the_time_free_of_the_rules_own_labelled_faults() -> None:
    # hips_sag is labelled over 0-30 s (two overlapping labels, counted once); a hips_sag at 40 s
    # is a false alarm over the remaining half minute; over_arching has the whole minute
    labelled = (Interval(0.0, 20.0, "hips_sag"), Interval(10.0, 30.0, "hips_sag"))
    rows = rules_of([clip(labelled, [("hips_sag", 15.0, 16.0), ("hips_sag", 40.0, 41.0), ("over_arching", 2.0, 3.0)])])
    sag, arch = rows["bridge", "hips_sag"], rows["bridge", "over_arching"]
    assert sag["correct_minutes"] == pytest.approx(0.5) and sag["false_alarms"] == 1
    assert sag["false_alarms_per_min"] == pytest.approx(2.0)
    assert sag["recall_by_severity"]["ungraded"]["recall"] == 1.0
    assert arch["correct_minutes"] == pytest.approx(1.0) and arch["false_alarms_per_min"] == pytest.approx(1.0)
    assert covered_s([(0, 20), (10, 30), (50, 70)], 60.0) == pytest.approx(40.0)


def test_reports_on_clips_without_fault_labels_are_neither_right_nor_wrong() -> None:
    rows = rules_of([clip(None, [("hips_sag", 1.0, 2.0), ("hips_sag", 3.0, 4.0)]), clip(None, [], file="d.mp4")])
    sag = rows["bridge", "hips_sag"]
    assert (sag["reported_unscored"], sag["unscored_clips"]) == (2, 1)
    assert (sag["false_alarms"], sag["correct_clips"], sag["false_alarms_per_min"]) == (0, 0, None)


def test_a_fault_id_that_is_no_rule_of_the_spec_is_shown_apart_and_other_exercises_keep_their_own() -> None:
    scores = [clip((Interval(1.0, 2.0, "hips_lift"),), [("hips_sag", 1.0, 2.0)]),
              clip((), [("too_fast", 0.0, 1.0)], exercise="plank", rules=("hips_sagging",), file="p.mp4")]
    rows = rules_of(scores)
    assert rows["bridge", "hips_lift"]["in_spec"] is False
    assert rows["bridge", "hips_lift"]["recall"] == 0.0
    assert rows["bridge", "hips_sag"]["in_spec"] and rows["bridge", "hips_sag"]["false_alarms"] == 1
    assert ("plank", "hips_sag") not in rows and rows["plank", "hips_sagging"]["false_alarms"] == 0
    assert rows["plank", "too_fast"]["false_alarms"] == 1
    assert [k for k in rows if k[0] == "bridge"][:3] == [("bridge", f) for f in BRIDGE_RULES]  # the spec's order
    failed = ClipScore(ClipLabel("x.mp4", Path("/x.mp4"), "cat_cow", 1, faults=()), status="error")
    assert not [r for r in summarize([failed])["rules"]]


def test_the_tables_and_json_carry_the_rules_and_keep_the_totals() -> None:
    scores = [clip((), [("hips_sag", 10.0, 11.0)]), clip((Interval(1.0, 3.0, "hips_sag", "clear"),), [], file="d.mp4")]
    summary = summarize(scores)
    assert summary["false_alarms_per_min_clean"] == pytest.approx(1.0)  # the clean-clip total is unchanged
    assert summary["fault_recall_by_severity"] == {"clear": {"found": 0, "labels": 1, "recall": 0.0}}
    text = markdown(scores, summary)
    row = next(line for line in text.splitlines() if "| hips_sag" in line)
    assert "0.51" in row and "1 in 2.0 min of 2 clips" in row and "0/1 (0%)" in row
    doc = json.loads(json.dumps(to_json(scores, summary)))
    sag = next(r for r in doc["summary"]["rules"] if r["fault"] == "hips_sag")
    assert sag["false_alarms_per_min"] == round(1 / (118 / 60), 4)
    assert "rules.false_alarms_per_min" in doc["definitions"]
    assert doc["clips"][0]["false_alarms"] == ["hips_sag"]


# -- the measurements file -------------------------------------------------------------------------
def test_the_shipped_measurements_are_valid_and_name_only_rules_of_the_specs() -> None:
    measured = load_measured(measured_path())
    assert measured is not None, "exercise_specs/measured.json is missing"
    assert measured.sets, "no label set measured"
    ids = set(exercise_ids())
    for entry in measured.sets:
        assert entry.description == LABEL_SETS[entry.id].description
        assert entry.held_out == LABEL_SETS[entry.id].held_out
        assert entry.command.startswith("posecoach eval ") and f"--label-set {entry.id}" in entry.command
        assert entry.rules and entry.clips > 0 and entry.minutes > 0
        for r in entry.rules:
            assert r.exercise in ids, (entry.id, r.exercise)
            assert r.fault in spec_rules(find_spec(r.exercise)), (entry.id, r.exercise, r.fault)
            assert r.correct_clips <= entry.clips and r.correct_minutes <= entry.minutes + 1e-6
        assert set(entry.specs) <= ids


def test_a_run_replaces_its_own_label_set_and_keeps_the_others(tmp_path: Path) -> None:
    folder = specs_dir()
    scores = [clip((), [("hips_sag", 10.0, 11.0)])]
    path = tmp_path / "measured.json"
    write_measured(path, set_figures("samples", scores, summarize(scores), command="posecoach eval a --label-set samples",
                                     specs_folder=folder, date="2026-01-01"))
    write_measured(path, set_figures("real_tracks", [], summarize([]), command="posecoach eval b",
                                     specs_folder=folder, date="2026-01-02"))
    again = [clip((), [])]
    doc = write_measured(path, set_figures("samples", again, summarize(again), command="posecoach eval c",
                                           specs_folder=folder, date="2026-01-03"))
    assert [s.id for s in doc.sets] == ["real_tracks", "samples"]  # held out or real first, tuning last
    samples = doc.sets[1]
    assert (samples.command, samples.date, samples.clips, samples.minutes) == ("posecoach eval c", "2026-01-03", 1, 1.0)
    assert samples.specs == {"bridge": spec_digest(folder / "bridge.toml")}
    assert load_measured(path) == doc


# -- exercises show --------------------------------------------------------------------------------
def library(tmp_path: Path, sets: list[dict[str, Any]] | None) -> Path:
    """A copy of the shipped specs with the given measurements (none at all for None)."""
    folder = tmp_path / "specs"
    folder.mkdir()
    for toml in specs_dir().glob("*.toml"):
        shutil.copy(toml, folder / toml.name)
    if sets is not None:
        (folder / "measured.json").write_text(json.dumps(
            {"schema": "posecoach.measured", "schema_version": 1, "about": "", "sets": sets}), encoding="utf-8")
    return folder


def bridge_set(set_id: str, rules: list[dict[str, Any]], digest: str) -> dict[str, Any]:
    return {"id": set_id, "description": LABEL_SETS[set_id].description, "held_out": LABEL_SETS[set_id].held_out,
            "date": "2026-01-01", "command": f"posecoach eval x --label-set {set_id}", "clips": 9, "minutes": 12.5,
            "specs": {"bridge": digest}, "labels_without_rule": [], "rules": rules}


def figures(fault: str, **kw: Any) -> dict[str, Any]:
    base = {"exercise": "bridge", "fault": fault, "built_in": False, "scored_clips": 0, "scored_minutes": 0.0,
            "false_alarms": 0, "correct_clips": 0, "correct_minutes": 0.0, "false_alarms_per_min": None,
            "faults_labelled": 0, "faults_found": 0, "fault_clips": 0, "recall": None, "recall_by_severity": {},
            "recall_moderate_clear": None, "reported_unscored": 0, "unscored_clips": 0}
    return {**base, **kw}


def test_show_prints_the_measured_line_and_not_measured_for_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    digest = spec_digest(specs_dir() / "bridge.toml")
    grade = {"found": 47, "labels": 50, "clips": 60, "recall": 0.94}
    test_set = bridge_set("synthetic_test", [figures("hips_sag", faults_labelled=50, faults_found=47, fault_clips=60,
                                                     recall=0.94, recall_by_severity={"moderate": grade},
                                                     recall_moderate_clear=grade)], digest)
    real = bridge_set("real_clips", [figures("hips_sag", scored_clips=9, correct_clips=9, correct_minutes=12.5,
                                             false_alarms=3, false_alarms_per_min=0.24),
                                     figures("over_arching", reported_unscored=2, unscored_clips=1)], "0" * 64)
    monkeypatch.setenv("POSECOACH_SPECS_DIR", str(library(tmp_path, [test_set, real])))
    assert main(["exercises", "show", "bridge"]) == 0
    out = capsys.readouterr().out
    assert ("  - hips_sag: recall 94% (moderate+clear, 50 faults) on 60 synthetic test clips; 0.2 false alarms a "
            "minute on 9 real clips (12.5 min) [tuning/regression set; measured on an earlier version of this spec]"
            ) in out
    assert ("  - over_arching: not measured yet; raised 2 times on 1 real clip whose faults are not labelled "
            "(not scored) [tuning/regression set; measured on an earlier version of this spec]") in out
    for rule in set(spec_rules(find_spec("bridge"))) - {"hips_sag", "over_arching"}:
        assert f"  - {rule}: not measured yet\n" in out
    assert out.index("How well each rule was measured") < out.index("Always: stop at once")


def test_show_without_a_measurements_file_says_not_measured_for_every_rule(tmp_path: Path) -> None:
    folder = library(tmp_path, None)
    lines = measured_lines(find_spec("knee_rolls"), folder)
    assert lines[1:] == [f"  - {rule}: not measured yet" for rule in spec_rules(find_spec("knee_rolls"))]


def test_a_broken_measurements_file_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = library(tmp_path, [{"id": "guesswork"}])
    monkeypatch.setenv("POSECOACH_SPECS_DIR", str(folder))
    assert main(["exercises", "show", "bridge"]) == 4
    err = capsys.readouterr().err.strip()
    assert "measured.json" in err and "sets[0]" in err and "\n" not in err


def test_eval_measured_needs_a_label_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "labels.json").write_text(json.dumps({"clips": []}), encoding="utf-8")
    assert main(["eval", str(tmp_path / "labels.json"), "--measured", str(tmp_path / "m.json")]) == 2
    assert "--label-set" in capsys.readouterr().err


def test_eval_writes_the_measurements_of_real_tracks(real_dir: Path, tmp_path: Path) -> None:
    """The command end to end on the real landmark tracks (no model run): every rule of the
    exercises in them is recorded, with the clips and minutes the tracks hold."""
    tracks = real_dir / "tracks"
    out = tmp_path / "measured.json"
    assert main(["eval", str(tracks / "labels.json"), "--tracks", str(tracks), "-q", "--measured", str(out),
                 "--label-set", "real_tracks", "--json", str(tmp_path / "eval.json")]) == 0
    doc = load_measured(out)
    assert doc is not None and [s.id for s in doc.sets] == ["real_tracks"]
    entry = doc.sets[0]
    labels = json.loads((tracks / "labels.json").read_text())["clips"]
    assert entry.clips == len(labels)
    assert {r.exercise for r in entry.rules} == {c["exercise"] for c in labels}
    for ex in {c["exercise"] for c in labels}:
        assert {r.fault for r in entry.rules if r.exercise == ex} == set(spec_rules(find_spec(ex)))
    ev = json.loads((tmp_path / "eval.json").read_text())["summary"]
    assert sum(r.false_alarms for r in entry.rules) == ev["fault_fp"]  # every fault there is a false alarm

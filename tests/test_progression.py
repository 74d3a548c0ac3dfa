"""Result-based build-up: rules validated like specs, decided on a made-up history, applied
end to end from the store before a set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from posecoach.errors import SpecError
from posecoach.progression import BuildUpRule, decide, parse_build_up, rules_of
from conftest import REAL

ROOT = Path(__file__).resolve().parent.parent


def day(n: int, *, done: int, pain: int | None = 1, stop: bool = False, faults: tuple[str, ...] = ()) -> dict:
    return {"date": f"2026-11-{n:02d}", "done": done, "pain_rating": pain, "pain_stop": stop, "faults": list(faults)}


RULE = BuildUpRule(start_reps=5, max_reps=8, add_reps=1, after_sessions=3, max_pain=2, without_faults=("hips_lifted",))


def test_first_session_gets_the_starting_dose():
    d = decide(RULE, [], full_reps=10)
    assert (d.reps, d.previous) == (5, None)
    assert d.line() == "today: 5 reps, the starting dose (start at 5, building up to 8)"


def test_one_rep_more_after_three_good_sessions_in_a_row():
    history = [day(1, done=5), day(2, done=5), day(3, done=5)]
    assert decide(RULE, history[:2], full_reps=10).reps == 5
    d = decide(RULE, history, full_reps=10)
    assert (d.reps, d.previous) == (6, 5)
    assert d.line().startswith("today: 6 reps, up from 5 (3 sessions in a row complete without a pain stop")


def test_a_pain_stop_holds_back_and_restarts_the_count():
    history = [day(1, done=5), day(2, done=5), day(3, done=5), day(4, done=6), day(5, done=3, stop=True)]
    d = decide(RULE, history, full_reps=10)
    assert (d.reps, d.previous) == (5, 6)
    assert "held back after a pain stop on 2026-11-05" in d.line()
    # two good sessions after the stop are not yet three
    assert decide(RULE, [*history, day(6, done=5), day(7, done=5)], full_reps=10).reps == 5
    assert decide(RULE, [*history, day(6, done=5), day(7, done=5), day(8, done=5)], full_reps=10).reps == 6


def test_pain_above_the_level_a_named_fault_or_missed_reps_break_the_streak():
    for spoiler in (day(3, done=5, pain=4), day(3, done=5, faults=("hips_lifted",)), day(3, done=4)):
        history = [day(1, done=5), day(2, done=5), spoiler, day(4, done=5), day(5, done=5)]
        assert decide(RULE, history, full_reps=10).reps == 5, spoiler
    # a fault the rule does not name does not count against the build-up
    ok = [day(1, done=5), day(2, done=5, faults=("neck_extended",)), day(3, done=5)]
    assert decide(RULE, ok, full_reps=10).reps == 6


def test_never_above_the_ceiling_and_the_full_dose_is_the_default_ceiling():
    many = [day(i, done=10) for i in range(1, 28)]
    assert decide(RULE, many, full_reps=10).reps == 8
    no_max = BuildUpRule(start_reps=5, after_sessions=1)
    assert decide(no_max, many, full_reps=7).reps == 7


def test_an_unrated_session_counts_unless_a_rating_is_required():
    history = [day(i, done=5, pain=None) for i in (1, 2, 3)]
    assert decide(RULE, history, full_reps=10).reps == 6
    strict = RULE.model_copy(update={"require_pain_rating": True})
    assert decide(strict, history, full_reps=10).reps == 5


def test_hold_mode_keeps_the_dose_after_a_pain_stop():
    hold = RULE.model_copy(update={"on_pain_stop": "hold"})
    history = [day(1, done=5), day(2, done=5), day(3, done=5), day(4, done=2, stop=True)]
    assert decide(hold, history, full_reps=10).reps == 6


@pytest.mark.parametrize("table, message", [
    ({"bridge": {"start_reps": 5, "add_per_session": 1}},
     "p.toml: build_up.bridge.add_per_session: unknown key; expected one of start_reps, max_reps"),
    ({"bridge": {"start_reps": 0}}, "p.toml: build_up.bridge.start_reps: Input should be greater than or equal to 1 [got 0]"),
    ({"bridge": {"start_reps": 9, "max_reps": 6}}, "p.toml: build_up.bridge: start_reps (9) is above max_reps (6)"),
    ({"bridge": {"start_reps": 5, "on_pain_stop": "ignore"}}, "p.toml: build_up.bridge.on_pain_stop: Input should be 'step_down' or 'hold' [got 'ignore']"),
    ({"bridge": {"max_pain": 2}}, "p.toml: build_up.bridge.start_reps: Field required"),
    ({"bridge": 5}, "p.toml: build_up.bridge: expected a table"),
])
def test_rules_are_validated_with_one_line_errors(table, message):
    with pytest.raises(SpecError) as exc:
        parse_build_up(table, "p.toml")
    assert str(exc.value).startswith(message), str(exc.value)
    assert "\n" not in str(exc.value)


def test_a_profile_with_an_unknown_fault_in_its_rule_is_refused(tmp_path):
    from posecoach.spec.profile import load_profile

    p = tmp_path / "p.toml"
    p.write_text('schema_version = 1\n[build_up.bridge]\nstart_reps = 3\nwithout_faults = ["hips_lifted"]\n')
    with pytest.raises(SpecError, match=r"build_up.bridge.without_faults: unknown fault 'hips_lifted'; faults of 'bridge': "):
        load_profile(p)
    p.write_text('schema_version = 1\n[build_up.bridge]\nstart_reps = 3\nwithout_faults = ["hips_sag"]\n')
    assert rules_of(p)["bridge"].without_faults == ("hips_sag",)


def posecoach(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posecoach", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **env}, timeout=120)


def test_todays_dose_follows_the_stored_history_end_to_end(tmp_path):
    """Three analysed sessions of a real bridge track (3 reps each) under a rule that starts at
    3 and adds one after two good sessions: the third session is prescribed 4, says so before
    the set, and records the decision in its report and in the store."""
    profile = tmp_path / "p.toml"
    profile.write_text('schema_version = 1\nperson = "alex"\n[exercises.bridge]\ndose.reps = 8\n'
                       '[build_up.bridge]\nstart_reps = 3\nafter_sessions = 2\n')
    env = {"POSECOACH_STORE": str(tmp_path / "s.sqlite")}
    track = str(REAL / "tracks" / "bridge_ball_feet_view.jsonl")
    lines = []
    for i in range(3):
        r = posecoach("analyze", track, "-e", "bridge", "--profile", str(profile), "--report",
                      str(tmp_path / f"r{i}.json"), "-q", env=env)
        assert r.returncode == 0, r.stderr
        lines.append(r.stderr.strip())
    assert lines == ["posecoach: bridge: today: 3 reps, the starting dose (start at 3, building up to 8)",
                     "posecoach: bridge: today: 3 reps, same as last time (1 of 2 qualifying sessions in a row)",
                     "posecoach: bridge: today: 4 reps, up from 3 (2 sessions in a row complete without a pain stop, "
                     "pain at or under 3)"]
    report = json.loads((tmp_path / "r2.json").read_text())
    assert report["dose"]["reps"] == 4 and report["limits"]["build_up"]["previous"] == 3
    assert {"key": "dose.reps", "from": 8, "to": 4, "why": "build-up from results"} in report["limits"]["changes"]
    r = posecoach("history", "--person", "alex", "--csv", "-", env=env)
    rows = r.stdout.splitlines()
    assert [row.split(",")[6] for row in rows[1:]] == ["3", "3", "4"]  # prescribed, as recorded per session

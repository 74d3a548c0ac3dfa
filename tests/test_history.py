"""``posecoach history``: listing, trends, CSV, import of reports and bundles, export, pain ratings."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from store_fixtures import load, real_report

ROOT = Path(__file__).resolve().parent.parent


def posecoach(*args: str, store: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posecoach", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "POSECOACH_STORE": str(store)}, timeout=120)


def reports(tmp_path: Path) -> list[Path]:
    return [real_report(tmp_path, "bridge_ball_feet_view", "bridge"),
            real_report(tmp_path, "plank_two_angles", "plank"),
            real_report(tmp_path, "bridge_ball_feet_view", "bridge", "bridge_pain", pain_at=13.0)]


def test_import_lists_and_trends(tmp_path):
    store = tmp_path / "s.sqlite"
    files = reports(tmp_path)
    r = posecoach("history", "import", *map(str, files), "--person", "alex", store=store)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("imported 3 new session(s); 0 already in the store")
    r = posecoach("history", "--person", "alex", store=store)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    bridge = load(files[0])
    assert f"bridge: {bridge['reps']}/{bridge['dose']['reps']} reps" in out
    assert "PAIN STOP at 13.0 s, at rest, before rep 2" not in out  # imported reports are not re-measured...
    assert "PAIN STOP at 13.0 s, after rep 1, before the next" in out  # ...but the phase is read from the reps
    assert "Bridge (bridge): 2 session(s) on 1 day(s)" in out and "Plank (plank): 1 session(s)" in out
    assert "first to last: reps 3 -> 1" in out
    r = posecoach("history", "--person", "alex", "--exercise", "plank", store=store)
    assert "bridge" not in r.stdout and "plank: 0/3 holds  hold best" in r.stdout


def test_importing_the_same_reports_again_adds_nothing(tmp_path):
    store = tmp_path / "s.sqlite"
    files = reports(tmp_path)
    posecoach("history", "import", *map(str, files), store=store)
    r = posecoach("history", "import", str(tmp_path), store=store)  # the folder holds the same three
    assert r.returncode == 0 and r.stdout.startswith("imported 0 new session(s); 3 already in the store")


def test_csv_has_one_row_per_set_with_units(tmp_path):
    store = tmp_path / "s.sqlite"
    files = reports(tmp_path)
    posecoach("history", "import", *map(str, files), "--person", "alex", store=store)
    out = tmp_path / "h.csv"
    r = posecoach("history", "--person", "alex", "--csv", str(out), store=store)
    assert r.returncode == 0 and r.stdout.strip() == f"3 set(s) written to {out}"
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    bridge = load(files[0])
    first = next(row for row in rows if row["exercise"] == "bridge" and not row["pain_stop_s"])
    roms = sorted(r["range_of_motion"] for r in bridge["rep_details"])
    assert float(first["range_median"]) == round(roms[len(roms) // 2], 2) and first["metric_unit"] == "deg"
    assert first["faults"] == ";".join(f"{f['id']}:1" for f in bridge["faults"])
    pain = next(row for row in rows if row["pain_stop_s"])
    assert pain["pain_stop_phase"] == "after rep 1, before the next" and pain["status"] == "partial"


def test_a_pain_rating_goes_in_the_store_and_the_report_file(tmp_path):
    store = tmp_path / "s.sqlite"
    files = reports(tmp_path)[:1]
    posecoach("history", "import", str(files[0]), store=store)
    r = posecoach("history", "pain", "4", store=store)
    assert r.returncode == 0 and r.stdout.startswith("pain 4/10 recorded for session #1")
    assert load(files[0])["session"]["pain_rating"] == 4
    assert "pain 4/10" in posecoach("history", store=store).stdout
    bad = posecoach("history", "pain", "11", store=store)
    assert bad.returncode == 2 and "a pain rating is a whole number from 0 (none) to 10 (worst)" in bad.stderr
    # a store rebuilt from the report file keeps the rating
    rebuilt = tmp_path / "rebuilt.sqlite"
    posecoach("history", "import", str(files[0]), store=rebuilt)
    assert "pain 4/10" in posecoach("history", store=rebuilt).stdout


def test_bundle_moves_a_persons_sessions_without_duplicates(tmp_path):
    here, there = tmp_path / "here.sqlite", tmp_path / "there.sqlite"
    files = reports(tmp_path)
    posecoach("history", "import", *map(str, files[:2]), "--person", "alex", store=here)
    posecoach("history", "import", str(files[2]), "--person", "sam", store=here)
    posecoach("history", "pain", "2", "--person", "alex", store=here)
    bundle = tmp_path / "alex.zip"
    r = posecoach("history", "export", "--person", "alex", "-o", str(bundle), "--recordings", store=here)
    assert r.returncode == 0 and r.stdout.strip() == f"2 session(s) of alex written to {bundle}", r.stderr
    names = zipfile.ZipFile(bundle).namelist()
    assert "bundle.json" in names and sum(n.endswith("report.json") for n in names) == 2
    assert sum(n.endswith(".jsonl") for n in names) == 2  # the landmark tracks travel with --recordings
    r = posecoach("history", "import", str(bundle), store=there)
    assert r.stdout.startswith("imported 2 new session(s); 0 already in the store"), r.stderr
    again = posecoach("history", "import", str(bundle), store=there)
    assert again.returncode == 0 and again.stdout.startswith("imported 0 new session(s); 2 already in the store")
    there_out = posecoach("history", "--person", "alex", store=there).stdout
    assert there_out.count("#") == 2 and "pain 2/10" in there_out  # the same sessions, with their rating
    assert (tmp_path / "recordings").is_dir()
    # and back home: nothing is duplicated
    back = posecoach("history", "import", str(bundle), store=here)
    assert back.stdout.startswith("imported 0 new session(s); 2 already in the store")


def test_bad_inputs_give_one_line_and_lose_nothing(tmp_path):
    store = tmp_path / "s.sqlite"
    good = reports(tmp_path)[0]
    newer = tmp_path / "newer.report.json"
    newer.write_text(json.dumps({**load(good), "schema_version": 2}))
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    notzip = tmp_path / "fake.zip"
    notzip.write_text("hello")
    r = posecoach("history", "import", str(newer), str(good), str(junk), str(notzip), store=store)
    assert r.returncode == 3
    errs = r.stderr.strip().splitlines()
    assert errs == [
        f"posecoach: {newer}: a posecoach.report version 2 report; this posecoach reads version 1; update posecoach "
        f"to import it (nothing imported from it)",
        f"posecoach: {junk}: not JSON (line 1: Expecting property name enclosed in double quotes)",
        f"posecoach: {notzip}: not a readable zip file (File is not a zip file)"]
    assert r.stdout.startswith("imported 1 new session(s); 0 already in the store")
    assert r.stdout.rstrip().endswith("; 3 file(s) not imported")
    # a foreign database as the store: one line, the file untouched
    other = tmp_path / "other.sqlite"
    import sqlite3

    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = other.read_bytes()
    for args in (("history",), ("history", "import", str(good))):
        r = posecoach(*args, store=other)
        assert r.returncode == 3 and len(r.stderr.strip().splitlines()) == 1
        assert "an SQLite database of another program, not a posecoach session store" in r.stderr
    assert other.read_bytes() == before


def test_analyze_saves_by_default_and_no_store_skips(tmp_path):
    store = tmp_path / "s.sqlite"
    track = str(Path(__file__).resolve().parent.parent.parent / "shared/real/tracks/bridge_ball_feet_view.jsonl")
    r = posecoach("analyze", track, "-e", "bridge", "--report", str(tmp_path / "a.json"), "-q", "--person", "kim",
                  store=store)
    assert r.returncode == 0 and r.stderr == ""
    report = load(tmp_path / "a.json")
    assert report["session"]["person"] == "kim" and report["session"]["kind"] == "analyze"
    r = posecoach("analyze", track, "-e", "bridge", "--report", str(tmp_path / "b.json"), "-q", "--no-store", store=store)
    assert r.returncode == 0 and "session" not in load(tmp_path / "b.json")
    listing = posecoach("history", store=store).stdout
    assert listing.count("kim") == 1
    # the report file alone rebuilds the store's row: same session, found as already there
    r = posecoach("history", "import", str(tmp_path / "a.json"), store=store)
    assert r.stdout.startswith("imported 0 new session(s); 1 already in the store")


def test_a_routine_session_keeps_every_exercise_including_those_not_started(tmp_path):
    store = tmp_path / "s.sqlite"
    track = str(Path(__file__).resolve().parent.parent.parent / "shared/real/tracks/knee_rolls_side.jsonl")
    r = posecoach("analyze", track, "-e", "routine:lying_on_the_back", "--report", str(tmp_path / "r.json"), "-q",
                  store=store)
    assert r.returncode == 0, r.stderr
    report = load(tmp_path / "r.json")
    out = posecoach("history", store=store).stdout
    first = report["exercises"][0]
    assert f"{first['exercise']} [Lying on the back]: " in out
    for ex in report["not_started"]:
        assert f"{ex} [Lying on the back]: 0/" in out and "(not started)" in out
    assert out.count("#1 ") == 1 + len(report["not_started"])  # one session, a line per exercise
    page = tmp_path / "p.html"
    assert posecoach("report", "--person", "me", "-o", str(page), store=store).returncode == 0
    assert "Left before the dose was done" in page.read_text() and "not started" in page.read_text()


def dated_copies(tmp_path: Path, days: list[str]) -> list[Path]:
    """The same real report as sessions on several days (each its own session block)."""
    base = load(real_report(tmp_path))
    out = []
    for i, d in enumerate(days):
        p = tmp_path / f"day{i}.report.json"
        p.write_text(json.dumps({**base, "session": {"uid": f"test-{i}", "person": "alex",
                                                      "started_at": f"{d}T09:30:00+00:00", "kind": "live"}}))
        out.append(p)
    return out


def test_since_and_adherence_over_days(tmp_path):
    store = tmp_path / "s.sqlite"
    files = dated_copies(tmp_path, ["2026-11-01", "2026-11-05", "2026-11-10"])
    env_tz = {"TZ": "UTC"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "posecoach", *a], capture_output=True, text=True,  # noqa: E731
                                    cwd=ROOT, env={**os.environ, "POSECOACH_STORE": str(store), **env_tz}, timeout=120)
    assert run("history", "import", *map(str, files)).returncode == 0
    out = run("history", "--since", "2026-11-05").stdout
    assert "2026-11-01" not in out and "2026-11-05 09:30" in out and "2026-11-10 09:30" in out
    assert "Bridge (bridge): 2 session(s) on 2 day(s)" in out
    bad = run("history", "--since", "5 Nov")
    assert bad.returncode == 2 and "expected a date such as 2026-11-02 [got '5 Nov']" in bad.stderr
    page = tmp_path / "p.html"
    assert run("report", "--person", "alex", "--since", "2026-11-01", "-o", str(page)).returncode == 0
    assert "Days exercised: 3 of 10" in page.read_text()


def test_by_default_sessions_go_to_the_users_data_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "POSECOACH_STORE"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    track = str(Path(__file__).resolve().parent.parent.parent / "shared/real/tracks/plank_two_angles.jsonl")
    r = subprocess.run([sys.executable, "-m", "posecoach", "analyze", track, "-e", "plank", "-q",
                        "--report", str(tmp_path / "p.json")], capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    default = tmp_path / "data" / "posecoach" / "sessions.sqlite"
    assert default.is_file()
    h = subprocess.run([sys.executable, "-m", "posecoach", "history"], capture_output=True, text=True, cwd=ROOT,
                       env=env, timeout=120)
    assert "plank: 0/3 holds" in h.stdout


def test_a_trend_leaves_out_ranges_measured_in_another_unit():
    from posecoach.history import SetSummary, comparable_ranges

    def one(unit: str | None, rom: float | None) -> SetSummary:
        return SetSummary(session_id=1, person="p", started_at="2026-12-01T10:00:00", routine=None,
                          exercise="childs_pose_clock", exercise_name="Clock", prescribed=10, done=10,
                          unit_word="reps", metric="hand_shift", metric_unit=unit, rom_median=rom,
                          rom_best=rom, hold_median_s=None, hold_best_s=None, hold_target_s=None)

    # two older sets from a measure in hip widths, then the current one in shoulder widths
    group = [one("hip_width", 0.4), one("hip_width", 0.5), one(None, None), one("shoulder_width", 1.3)]
    unit, medians, bests, other = comparable_ranges(group)
    assert unit == "shoulder_width" and other == 2
    assert medians == [None, None, None, 1.3] and bests == [None, None, None, 1.3]
    unit, medians, _, other = comparable_ranges([one("deg", 40.0), one("deg", 55.0)])
    assert (unit, medians, other) == ("deg", [40.0, 55.0], 0)

"""The session store: real SQLite files, transactional writes, migrations and bad stores."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from posecoach.store import db as store_db
from posecoach.store.db import SessionStore, StoreError
from posecoach.store.records import read_report, session_record
from posecoach.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from store_fixtures import real_report

ROOT = Path(__file__).resolve().parent.parent


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("sessions", "sets", "reps", "holds", "faults")}


def test_a_real_session_is_stored_with_reps_faults_and_dose(tmp_path):
    report_path = real_report(tmp_path)
    report = read_report(report_path)
    with SessionStore(tmp_path / "s.sqlite") as store:
        sid, new = store.save(session_record(report, report_path, person="alex"))
        assert new and store.schema_version == SCHEMA_VERSION
        (row,) = store.sets(sid)
        reps = store.rows("reps", row["id"])
        faults = store.rows("faults", row["id"])
    assert row["exercise"] == "bridge" and row["reps_done"] == report["reps"] == len(reps)
    assert row["prescribed_reps"] == report["dose"]["reps"]
    assert [r["range_of_motion"] for r in reps] == [r["range_of_motion"] for r in report["rep_details"]]
    # the bridge's rep goes up: the peak of a rep is its highest hip angle
    assert [r["peak"] for r in reps] == [r["metric_max"] for r in report["rep_details"]]
    assert [(f["fault_id"], f["start_s"]) for f in faults] == [(f["id"], f["start_s"]) for f in report["faults"]]


def test_the_same_report_is_stored_once(tmp_path):
    report_path = real_report(tmp_path)
    report = read_report(report_path)
    with SessionStore(tmp_path / "s.sqlite") as store:
        first = store.save(session_record(report, report_path))
        again = store.save(session_record(report, report_path))
    assert first[1] and not again[1] and first[0] == again[0]
    assert counts(tmp_path / "s.sqlite")["sessions"] == 1


def test_a_pain_stop_records_where_in_the_movement(tmp_path):
    """The first bridge of this clip is up from about 6.5 s to 10.5 s: a pain stop at 8 s is at
    the top of rep 1, which never finished; at 13 s the person was back down after rep 1."""
    from posecoach.store.hook import _note_pain_stop

    report = read_report(real_report(tmp_path, pain_at=8.0))
    assert report["rep_details"] == []  # the engine only lists finished reps
    _note_pain_stop(report)
    (s,) = session_record(report, None).sets
    assert s.pain_stop_t_s == pytest.approx(8.0, abs=0.1)
    assert s.pain_stop_phase == "at the top of rep 1 (not finished)"
    assert 150 < s.pain_stop_metric < 180  # hip angle, nearly straight at the top of a bridge
    assert s.status == "partial" and s.stop_reason == "pain"
    later = read_report(real_report(tmp_path, name="later", pain_at=13.0))
    _note_pain_stop(later)
    assert later["pain_stop"]["phase"] == "at rest, before rep 2"


KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from posecoach.store import db
    from posecoach.store.db import SessionStore
    from posecoach.store.records import read_report, session_record

    def stall(conn, set_id, faults):  # the session and its reps are written, the faults are not
        print("inside", flush=True)
        time.sleep(60)

    db._insert_faults = stall
    report = read_report(sys.argv[2])
    with SessionStore(sys.argv[1]) as store:
        store.save(session_record(report, sys.argv[2]))
""")


def test_a_kill_in_the_middle_of_a_write_leaves_no_half_session(tmp_path):
    report_path = real_report(tmp_path)
    store_path = tmp_path / "s.sqlite"
    SessionStore(store_path).close()
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(store_path), str(report_path)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "inside"
        # the rows are in the database's pages by now, just not committed
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert counts(store_path) == {"sessions": 0, "sets": 0, "reps": 0, "holds": 0, "faults": 0}
    with SessionStore(store_path) as store:  # and the store works on: the session can be saved again
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        store.save(session_record(read_report(report_path), report_path))
    assert counts(store_path)["sessions"] == 1 and counts(store_path)["reps"] > 0


def test_ctrl_c_in_the_middle_of_a_write_leaves_no_half_session(tmp_path, monkeypatch):
    report_path = real_report(tmp_path)
    store_path = tmp_path / "s.sqlite"

    def interrupted(*a):
        raise KeyboardInterrupt

    monkeypatch.setattr(store_db, "_insert_holds", interrupted)
    with SessionStore(store_path) as store:
        with pytest.raises(KeyboardInterrupt):
            store.save(session_record(read_report(report_path), report_path))
        monkeypatch.undo()
        store.save(session_record(read_report(report_path), report_path))
    assert counts(store_path)["sessions"] == 1


def make_v1_store(path: Path) -> None:
    """A store as the first schema version wrote it, with one session in it."""
    conn = sqlite3.connect(path, isolation_level=None)
    for stmt in store_db._statements(MIGRATIONS[0]):
        conn.execute(stmt)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO sessions (uid, person, started_at, when_from, kind, status, report_json, saved_at) "
                 "VALUES ('u1', 'alex', '2026-11-02T09:00:00+00:00', 'session', 'live', 'complete', '{}', 'x')")
    conn.execute("INSERT INTO sets (session_id, position, exercise, exercise_name, reps_done, holds_done, status) "
                 "VALUES (1, 0, 'bridge', 'Bridge', 5, 0, 'complete')")
    conn.close()


def test_a_store_from_the_first_schema_opens_and_migrates_forward(tmp_path):
    path = tmp_path / "old.sqlite"
    make_v1_store(path)
    with SessionStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION > 1
        (row,) = store.sessions(person="alex")
        assert row["uid"] == "u1" and row["pain_rating"] is None
        store.set_pain_rating(row["id"], 3)
        assert store.session(row["id"])["pain_rating"] == 3
        (s,) = store.sets(row["id"])
        assert s["reps_done"] == 5 and s["pain_stop_phase"] is None


def test_reading_an_old_store_read_only_does_not_migrate_it(tmp_path):
    path = tmp_path / "old.sqlite"
    make_v1_store(path)
    before = path.read_bytes()
    with SessionStore(path, readonly=True) as store:
        assert [r["uid"] for r in store.sessions()] == ["u1"]
    assert path.read_bytes() == before


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_a_store_from_a_newer_posecoach_is_refused_untouched(tmp_path):
    path = tmp_path / "new.sqlite"
    SessionStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    before = path.read_bytes()
    with pytest.raises(StoreError) as exc:
        SessionStore(path)
    assert "newer posecoach" in one_line(exc) and str(path) in one_line(exc)
    assert path.read_bytes() == before


def test_a_foreign_sqlite_database_is_left_alone(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('someone')")
    before = path.read_bytes()
    with pytest.raises(StoreError) as exc:
        SessionStore(path)
    assert "another program" in one_line(exc)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_left_alone(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("my notes, not a database\n")
    with pytest.raises(StoreError) as exc:
        SessionStore(path)
    assert "not an SQLite database" in one_line(exc)
    assert path.read_text() == "my notes, not a database\n"


def test_a_damaged_store_says_so_and_how_to_rebuild(tmp_path):
    report_path = real_report(tmp_path)
    path = tmp_path / "s.sqlite"
    with SessionStore(path) as store:
        store.save(session_record(read_report(report_path), report_path))
    data = bytearray(path.read_bytes())
    data[100:] = b"\x5a" * (len(data) - 100)  # the header survives, every page is garbage
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as exc:
        with SessionStore(path) as store:
            store.sessions()
    assert "damaged" in one_line(exc) or "cannot read" in one_line(exc)
    assert "history import" in one_line(exc)
    assert path.read_bytes() == bytes(data)


def test_a_read_only_store_reads_and_refuses_writes_in_one_line(tmp_path):
    """A store on a read-only disk: history still reads; saving says so in one line and the
    report file keeps the session. (Run as a user the permissions apply to: root ignores them.)"""
    from posecoach.store.hook import record_session
    import argparse
    import posecoach.reporting.trace  # noqa: F401 - imported before privileges are dropped
    import posecoach.store.records  # noqa: F401

    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"posecoach-ro-{os.getpid()}"
    folder.mkdir(mode=0o755)
    try:
        path = folder / "s.sqlite"
        old = real_report(tmp_path, name="old")
        with SessionStore(path) as store:
            store.save(session_record(read_report(old), old))
        new = folder / "new.report.json"
        new.write_bytes(real_report(tmp_path, name="new").read_bytes())
        os.chmod(new, 0o666)
        os.chmod(path, 0o444)
        os.chmod(folder, 0o555)
        before = path.read_bytes()

        def attempt() -> str:
            sessions = len(SessionStore(path, readonly=True).sessions())
            args = argparse.Namespace(store=path, no_store=False, person="alex", profile=None)
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                sid = record_session(args, read_report(new), new, kind="analyze")
            return f"{sessions} {sid}\n{err.getvalue()}"

        if os.geteuid() == 0:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child drops to 'nobody', for whom the permissions hold
                os.close(r)
                code = 1
                try:
                    os.setgid(65534)
                    os.setuid(65534)
                    os.write(w, attempt().encode())
                    code = 0
                finally:
                    os._exit(code)
            os.close(w)
            out = os.read(r, 10000).decode()
            _, status = os.waitpid(pid, 0)
            assert os.WEXITSTATUS(status) == 0
        else:
            out = attempt()
        first, *lines = out.splitlines()
        assert first == "1 None"  # read: the one stored session; write: not saved
        assert len(lines) == 1, lines
        assert "read-only" in lines[0] and f"posecoach history import {new}" in lines[0]
        assert path.read_bytes() == before
        assert json.loads(new.read_text())["reps"] == json.loads(old.read_text())["reps"]  # the report is kept
    finally:
        for p in (folder, *folder.iterdir()):
            os.chmod(p, 0o755)
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


def test_store_history_and_build_up_import_neither_cv2_nor_mediapipe():
    code = ("import sys; import posecoach.store.db, posecoach.store.transfer, posecoach.store.hook, "
            "posecoach.history, posecoach.progression; "
            "bad = [m for m in ('cv2', 'mediapipe') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr

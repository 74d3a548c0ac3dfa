"""The SQLite session store: open (with checks and forward migration), save, query.

Every write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): a crash, Ctrl-C or a kill
in the middle leaves the store as it was before, never a session without its reps. Problems a
user can fix (a foreign or damaged file, a read-only disk, a store from a newer posecoach) raise
``StoreError`` with one line; nothing in the file is changed by a failed open.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from posecoach.errors import StoreError
from posecoach.store.records import SessionRecord
from posecoach.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

ENV_VAR = "POSECOACH_STORE"
SQLITE_MAGIC = b"SQLite format 3\x00"


def default_store_path() -> Path:
    """``$POSECOACH_STORE`` if set, else ``sessions.sqlite`` in the user's data folder
    (``~/.local/share/posecoach`` on Linux)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    try:
        from platformdirs import user_data_path
    except ModuleNotFoundError:  # the XDG default, which is what platformdirs gives on Linux
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
        return base / "posecoach" / "sessions.sqlite"
    return user_data_path("posecoach", appauthor=False) / "sessions.sqlite"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SessionStore:
    """One open store. Use as a context manager, or call ``close``.

    ``readonly=True`` opens without ever writing (history and reports), so a store on a read-only
    disk can still be read; a store that does not exist yet then reads as empty.
    """

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._conn: sqlite3.Connection | None = None
        self._open()

    # -- opening -------------------------------------------------------------------------------
    def _fix(self, what: str) -> str:
        return f"{self.path}: {what}"

    def _open(self) -> None:
        path = self.path
        if path.is_dir():
            raise StoreError(self._fix("is a folder; give --store a file path such as sessions.sqlite"))
        exists = path.exists() and path.stat().st_size > 0
        if exists:
            try:
                with path.open("rb") as fh:
                    head = fh.read(len(SQLITE_MAGIC))
            except OSError as exc:
                raise StoreError(self._fix(f"cannot read the session store ({exc.strerror})")) from None
            if head != SQLITE_MAGIC:
                raise StoreError(self._fix("not a posecoach session store (not an SQLite database); "
                                           "it was left untouched: move it away or choose another with --store"))
        if self.readonly and not exists:
            self._conn = None  # nothing stored yet: reads are empty
            return
        if not self.readonly:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(self._fix(f"cannot create its folder ({exc.strerror}); choose another with --store "
                                           f"or {ENV_VAR}")) from None
        uri = f"file:{path.resolve()}?mode={'ro' if self.readonly else 'rwc'}"
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0)
        except sqlite3.OperationalError as exc:
            raise StoreError(self._fix(_write_problem(exc) if not self.readonly else f"cannot open the session store "
                                       f"({exc})")) from None
        self._conn = conn
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(self._fix(f"the session store is damaged ({exc}); it was left untouched: move it aside, "
                                       f"and rebuild it with 'posecoach history import REPORT...'")) from None
        if app != APPLICATION_ID and (app != 0 or tables):
            self.close()
            raise StoreError(self._fix("an SQLite database of another program, not a posecoach session store; "
                                       "it was left untouched: choose another file with --store"))
        if version > SCHEMA_VERSION:
            self.close()
            raise StoreError(self._fix(f"written by a newer posecoach (store schema {version}; this one reads up to "
                                       f"{SCHEMA_VERSION}); update posecoach, the store was left untouched"))
        if version < SCHEMA_VERSION:
            if self.readonly:
                return  # read what is there; columns a later schema added read as missing
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        """Run the missing migrations in one transaction (all of them or none)."""
        with self._write():
            conn = self._db
            for script in MIGRATIONS[version:]:
                for statement in _statements(script):
                    conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def _db(self) -> sqlite3.Connection:
        assert self._conn is not None
        return self._conn

    @property
    def schema_version(self) -> int:
        if self._conn is None:
            return 0
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction; rolled back on any exception (KeyboardInterrupt included)."""
        if self.readonly or self._conn is None:
            raise StoreError(self._fix("opened read-only"))
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(self._fix(_write_problem(exc))) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            _rollback(conn)
            raise StoreError(self._fix(_write_problem(exc))) from None
        except sqlite3.DatabaseError as exc:
            _rollback(conn)
            raise StoreError(self._fix(f"the session store is damaged ({exc}); move it aside and rebuild it with "
                                       f"'posecoach history import REPORT...'")) from None
        except BaseException:
            _rollback(conn)
            raise

    # -- writing -------------------------------------------------------------------------------
    def has(self, uid: str) -> bool:
        if self._conn is None:
            return False
        return self._db.execute("SELECT 1 FROM sessions WHERE uid = ?", (uid,)).fetchone() is not None

    def save(self, record: SessionRecord) -> tuple[int, bool]:
        """Store one session with its sets, reps, holds and faults, in one transaction.
        Returns (session id, whether it was new). A session already there (same uid) is not
        stored twice; only a pain rating it lacked is added."""
        with self._write() as conn:
            row = conn.execute("SELECT id, pain_rating FROM sessions WHERE uid = ?", (record.uid,)).fetchone()
            if row is not None:
                if row["pain_rating"] is None and record.pain_rating is not None:
                    conn.execute("UPDATE sessions SET pain_rating = ?, pain_rated_at = ? WHERE id = ?",
                                 (record.pain_rating, record.pain_rated_at, row["id"]))
                return int(row["id"]), False
            cur = conn.execute(
                "INSERT INTO sessions (uid, person, started_at, when_from, kind, routine, status, report_path, "
                "report_json, saved_at, pain_rating, pain_rated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (record.uid, record.person, record.started_at, record.when_from, record.kind, record.routine,
                 record.status, record.report_path, json.dumps(record.report, separators=(",", ":")), _now(),
                 record.pain_rating, record.pain_rated_at))
            session_id = int(cur.lastrowid)
            for s in record.sets:
                _insert_set(conn, session_id, s)
            return session_id, True

    def set_pain_rating(self, session_id: int, rating: int) -> None:
        """Record the person's pain rating (0-10) for a stored session."""
        if not 0 <= rating <= 10:
            raise ValueError("a pain rating is 0 to 10")
        with self._write() as conn:
            cur = conn.execute("UPDATE sessions SET pain_rating = ?, pain_rated_at = ? WHERE id = ?",
                               (rating, _now(), session_id))
            if cur.rowcount != 1:
                raise StoreError(self._fix(f"no session {session_id}; see 'posecoach history'"))

    # -- reading -------------------------------------------------------------------------------
    def sessions(self, *, person: str | None = None, since: str | None = None,
                 exercise: str | None = None) -> list[sqlite3.Row]:
        """Sessions (oldest first), optionally of one person, from a date, with an exercise."""
        if self._conn is None:
            return []
        sql = "SELECT * FROM sessions WHERE 1 = 1"
        params: list[Any] = []
        if person is not None:
            sql += " AND person = ?"
            params.append(person)
        if since is not None:
            sql += " AND started_at >= ?"
            params.append(since)
        if exercise is not None:
            sql += " AND id IN (SELECT session_id FROM sets WHERE exercise = ?)"
            params.append(exercise)
        return list(self._run(sql + " ORDER BY started_at, id", params))

    def session(self, session_id: int) -> sqlite3.Row | None:
        rows = self._run("SELECT * FROM sessions WHERE id = ?", [session_id]) if self._conn else []
        return rows[0] if rows else None

    def sets(self, session_id: int) -> list[sqlite3.Row]:
        return self._run("SELECT * FROM sets WHERE session_id = ? ORDER BY position", [session_id]) if self._conn else []

    def rows(self, table: str, set_id: int) -> list[sqlite3.Row]:
        """The reps, holds or faults of one set, in time order."""
        if table not in ("reps", "holds", "faults"):
            raise ValueError(table)
        return self._run(f"SELECT * FROM {table} WHERE set_id = ? ORDER BY start_s", [set_id]) if self._conn else []

    def people(self) -> list[str]:
        return [r[0] for r in self._run("SELECT DISTINCT person FROM sessions ORDER BY person", [])] if self._conn else []

    def report(self, session_id: int) -> dict[str, Any]:
        row = self.session(session_id)
        if row is None:
            raise StoreError(self._fix(f"no session {session_id}; see 'posecoach history'"))
        return json.loads(row["report_json"])

    def _run(self, sql: str, params: list[Any]) -> list[sqlite3.Row]:
        try:
            return list(self._db.execute(sql, params))
        except sqlite3.DatabaseError as exc:
            raise StoreError(self._fix(f"cannot read the session store ({exc}); move it aside and rebuild it with "
                                       f"'posecoach history import REPORT...'")) from None


def _statements(script: str) -> list[str]:
    """A migration script's statements (split on ';' at line ends; no ';' inside our literals)."""
    out, buf = [], []
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        buf.append(code)
        if code.rstrip().endswith(";"):
            stmt = "\n".join(buf).strip().rstrip(";")
            if stmt:
                out.append(stmt)
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        out.append(rest)
    return out


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # no transaction left to roll back (SQLite already did)


def _write_problem(exc: sqlite3.OperationalError) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return ("cannot write the session store (the file or its folder is read-only); choose a writable place with "
                f"--store or {ENV_VAR}")
    if "locked" in text or "busy" in text:
        return "the session store is busy (another posecoach is writing it); try again in a moment"
    if "disk" in text and "full" in text:
        return "the disk is full; nothing was stored"
    return f"cannot write the session store ({text})"


def _insert_set(conn: sqlite3.Connection, session_id: int, s: Any) -> None:
    cur = conn.execute(
        "INSERT INTO sets (session_id, position, exercise, exercise_name, metric, metric_unit, prescribed_reps, "
        "prescribed_holds, hold_target_s, per_side, reps_done, holds_done, status, stop_reason, stop_t_s, duration_s, "
        "pain_stop_t_s, pain_stop_phase, pain_stop_metric, dose_note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (session_id, s.position, s.exercise, s.exercise_name, s.metric, s.metric_unit, s.prescribed_reps,
         s.prescribed_holds, s.hold_target_s, int(s.per_side), s.reps_done, s.holds_done, s.status, s.stop_reason,
         s.stop_t_s, s.duration_s, s.pain_stop_t_s, s.pain_stop_phase, s.pain_stop_metric, s.dose_note))
    set_id = int(cur.lastrowid)
    _insert_reps(conn, set_id, s.reps)
    _insert_holds(conn, set_id, s.holds)
    _insert_faults(conn, set_id, s.faults)


def _insert_reps(conn: sqlite3.Connection, set_id: int, reps: list[dict[str, Any]]) -> None:
    conn.executemany(
        "INSERT INTO reps (set_id, number, side, start_s, end_s, duration_s, peak_hold_s, metric_min, metric_max, "
        "peak, range_of_motion, faults) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [(set_id, r["number"], r.get("side"), r.get("start_s"), r.get("end_s"), r.get("duration_s"),
          r.get("peak_hold_s"), r.get("metric_min"), r.get("metric_max"), r.get("peak"), r.get("range_of_motion"),
          ";".join(r.get("faults") or [])) for r in reps])


def _insert_holds(conn: sqlite3.Connection, set_id: int, holds: list[dict[str, Any]]) -> None:
    conn.executemany(
        "INSERT INTO holds (set_id, start_s, end_s, duration_s, side, target_s, reached_target) VALUES (?,?,?,?,?,?,?)",
        [(set_id, h.get("start_s"), h.get("end_s"), h.get("duration_s"), h.get("side"), h.get("target_s"),
          None if h.get("reached_target") is None else int(bool(h["reached_target"]))) for h in holds])


def _insert_faults(conn: sqlite3.Connection, set_id: int, faults: list[dict[str, Any]]) -> None:
    conn.executemany(
        "INSERT INTO faults (set_id, fault_id, start_s, end_s, severity, message) VALUES (?,?,?,?,?,?)",
        [(set_id, f["id"], f.get("start_s"), f.get("end_s"), f.get("severity"), f.get("message")) for f in faults])

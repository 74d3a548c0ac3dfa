"""The session store's tables and its forward migrations.

The store is one SQLite file. ``PRAGMA application_id`` marks it as posecoach's (so a foreign
database is recognised and left alone), and ``PRAGMA user_version`` is its schema version. Each
entry of ``MIGRATIONS`` takes the schema from version ``i`` to ``i + 1``; opening an older store
runs the missing ones in one transaction, so a store written by any earlier posecoach opens in
this one, and a half-migrated store cannot exist. Migrations are only ever appended.
"""

from __future__ import annotations

#: "PCST" as a big-endian int: marks the SQLite file as a posecoach session store.
APPLICATION_ID = 0x50435354

_V1 = """
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,     -- stable across machines: dedupes imports
    person      TEXT NOT NULL,
    started_at  TEXT NOT NULL,            -- ISO 8601, UTC
    when_from   TEXT NOT NULL,            -- where started_at came from (session, recording, video file, report file)
    kind        TEXT NOT NULL,            -- analyze | live | import
    routine     TEXT,                     -- routine name, NULL for a single exercise
    status      TEXT NOT NULL,            -- complete | partial
    report_path TEXT,
    report_json TEXT NOT NULL,            -- the whole report: the store can always be rebuilt from it
    saved_at    TEXT NOT NULL
);
CREATE INDEX sessions_person_time ON sessions (person, started_at);

CREATE TABLE sets (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,     -- 0 for a single exercise; the routine step otherwise
    exercise        TEXT NOT NULL,
    exercise_name   TEXT NOT NULL,
    metric          TEXT,
    metric_unit     TEXT,
    prescribed_reps INTEGER,              -- reps x sets (per side when per_side)
    prescribed_holds INTEGER,
    hold_target_s   REAL,
    per_side        INTEGER NOT NULL DEFAULT 0,
    reps_done       INTEGER NOT NULL,
    holds_done      INTEGER NOT NULL,
    status          TEXT NOT NULL,
    stop_reason     TEXT,
    stop_t_s        REAL,
    duration_s      REAL,
    pain_stop_t_s   REAL
);
CREATE INDEX sets_exercise ON sets (exercise);

CREATE TABLE reps (
    set_id      INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    side        TEXT,
    start_s     REAL, end_s REAL, duration_s REAL, peak_hold_s REAL,
    metric_min  REAL, metric_max REAL, peak REAL, range_of_motion REAL,
    faults      TEXT NOT NULL DEFAULT ''  -- ids joined with ';'
);

CREATE TABLE holds (
    set_id      INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
    start_s     REAL, end_s REAL, duration_s REAL,
    side        TEXT, target_s REAL, reached_target INTEGER
);

CREATE TABLE faults (
    set_id      INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
    fault_id    TEXT NOT NULL,
    start_s     REAL, end_s REAL,
    severity    TEXT, message TEXT
);
"""

# v2: the person's own pain rating after the set, where in the movement a pain stop happened, and
# the dose a build-up rule chose for the session.
_V2 = """
ALTER TABLE sessions ADD COLUMN pain_rating INTEGER CHECK (pain_rating BETWEEN 0 AND 10);
ALTER TABLE sessions ADD COLUMN pain_rated_at TEXT;
ALTER TABLE sets ADD COLUMN pain_stop_phase TEXT;
ALTER TABLE sets ADD COLUMN pain_stop_metric REAL;
ALTER TABLE sets ADD COLUMN dose_note TEXT;
"""

#: ``MIGRATIONS[i]`` takes a store from schema version ``i`` to ``i + 1``.
MIGRATIONS: tuple[str, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)

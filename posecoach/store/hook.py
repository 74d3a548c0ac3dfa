"""What ``analyze`` and ``live`` call: the store's command-line options and saving a session.

Saving never costs the person their session: the report file is written first, and if the store
cannot take it (read-only disk, foreign file...) one warning line says so and how to import the
report later; the command's own result is unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from posecoach.store.db import ENV_VAR, SessionStore, StoreError, default_store_path
from posecoach.store.records import DEFAULT_PERSON, session_record


def add_store_arguments(p: argparse.ArgumentParser) -> None:
    """``--store``, ``--no-store`` and ``--person`` for a command that makes sessions."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--store", type=Path, metavar="PATH",
                   help=f"session store to save this session in (default: ${ENV_VAR}, else sessions.sqlite in "
                        f"the user's data folder)")
    g.add_argument("--no-store", action="store_true", help="do not save this session in the session store")
    p.add_argument("--person", metavar="NAME",
                   help="whose session this is (default: the profile's person, else 'me')")


def store_path(args: argparse.Namespace) -> Path | None:
    """The store the command should use, or None with ``--no-store``."""
    if getattr(args, "no_store", False):
        return None
    return getattr(args, "store", None) or default_store_path()


def person_of(args: argparse.Namespace, report: dict[str, Any] | None = None) -> str:
    """``--person``, else the profile's ``person``, else the default."""
    if getattr(args, "person", None):
        return str(args.person)
    limits = (report or {}).get("limits") or {}
    if limits.get("person"):
        return str(limits["person"])
    profile = getattr(args, "profile", None)
    if profile is not None:
        try:
            from posecoach.spec.profile import load_profile

            person = load_profile(profile).get("person")
            if person:
                return str(person)
        except Exception:  # noqa: BLE001 - the command reports a bad profile itself
            pass
    return DEFAULT_PERSON


def _started_at(report: dict[str, Any], kind: str) -> tuple[str, str]:
    """When the session began: a live set began its duration ago; a video was filmed around its
    file's modification time."""
    sections = report.get("exercises") or [report]
    if kind == "live":
        duration = sum(float(s.get("duration_s") or 0) for s in sections)
        start = datetime.now(timezone.utc) - timedelta(seconds=duration)
        return start.isoformat(timespec="seconds"), "session"
    video = (sections[0].get("source") or {}).get("video")
    if video and Path(video).is_file():
        ts = datetime.fromtimestamp(Path(video).stat().st_mtime, timezone.utc)
        return ts.isoformat(timespec="seconds"), "video file"
    return datetime.now(timezone.utc).isoformat(timespec="seconds"), "analysis"


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Replace a JSON file in one step (a temporary file renamed over it)."""
    write_text_atomic(path, json.dumps(data, indent=2))


def _absolute_sources(report: dict[str, Any]) -> None:
    """Source paths as absolute paths, so the session's video and track are found from anywhere."""
    for section in [report, *(report.get("exercises") or [])]:
        source = section.get("source")
        if not isinstance(source, dict):
            continue
        for key in ("video", "track", "recording"):
            value = source.get(key)
            if isinstance(value, str) and value and "://" not in value and Path(value).exists():
                source[key] = str(Path(value).resolve())


def _movement_phase(spec: Any, value: float | None, reps_before: int) -> str | None:
    """Where a metric value lies in a rep that had not finished: at rest, on the way, at the top."""
    rep = getattr(spec, "rep", None)
    if rep is None or value is None:
        return None
    up = rep.direction == "up"
    beyond_peak = value >= rep.peak if up else value <= rep.peak
    at_rest = value <= rep.rest if up else value >= rep.rest
    n = reps_before + 1
    if beyond_peak:
        return f"at the top of rep {n} (not finished)"
    if at_rest:
        return f"at rest, before rep {n}"
    return f"moving, in rep {n} (not finished)"


def _note_pain_stop(report: dict[str, Any]) -> None:
    """Add to each pain stop where in the movement it happened and, when a landmark track is at
    hand, the main metric's value at that moment (which also tells a rep that was under way)."""
    from posecoach.store.records import _phase_at

    for section in report.get("exercises") or [report]:
        pain = section.get("pain_stop")
        if not pain or pain.get("t_s") is None:
            continue
        t = float(pain["t_s"])
        phase = _phase_at(section, t)
        if "metric_value" not in pain:
            try:
                from posecoach.reporting.trace import metric_at, section_spec, trace_for

                trace = trace_for(section)
                if trace is not None:
                    pain["metric"] = trace.metric
                    pain["metric_value"] = metric_at(trace, t)
                    if not phase.startswith(("during", "setup")):
                        done = sum(1 for r in section.get("rep_details", []) if r["end_s"] is not None and r["end_s"] < t)
                        phase = _movement_phase(section_spec(section), pain["metric_value"], done) or phase
            except Exception:  # noqa: BLE001 - the value is a nicety; the stop itself is already recorded
                pass
        pain.setdefault("phase", phase)


def record_session(args: argparse.Namespace, report: dict[str, Any], report_path: Path | None, *,
                   kind: str, pain_rating: int | None = None) -> int | None:
    """Save a finished session in the store (unless ``--no-store``) and write its ``session``
    block (uid, person, time) into the report file, so the file alone can rebuild the store's row.
    Returns the session's id, or None when it was not stored (a warning line says why)."""
    path = store_path(args)
    if path is None:
        return None
    started_at, when_from = _started_at(report, kind)
    report["session"] = {"uid": str(uuid.uuid4()), "person": person_of(args, report), "started_at": started_at,
                         "when_from": when_from, "kind": kind, "pain_rating": pain_rating}
    if pain_rating is not None:
        report["session"]["pain_rated_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    _absolute_sources(report)
    _note_pain_stop(report)
    file_problem = None
    if report_path is not None:
        try:
            write_json_atomic(report_path, report)
        except OSError as exc:
            file_problem = f"the report {report_path} could not take the session details ({exc.strerror})"
    try:
        with SessionStore(path) as store:
            session_id, _ = store.save(session_record(report, report_path, kind=kind))
    except StoreError as exc:
        again = f"; the report file keeps it: import it later with: posecoach history import {report_path}" if report_path else ""
        sys.stderr.write(f"posecoach: warning: session not saved in the store: {exc}{again}\n")
        return None
    if file_problem:
        sys.stderr.write(f"posecoach: warning: {file_problem}; the session is in the store\n")
    return session_id


def set_pain_rating(path: Path, rating: int, *, session_id: int | None = None,
                    person: str | None = None) -> tuple[int, str]:
    """Record a 0-10 pain rating for a session (default: the most recent one, of ``person`` if
    given), in the store and in the session's report file, so a rebuilt store keeps it too.
    Returns (session id, a note on the report file)."""
    with SessionStore(path) as store:
        if session_id is None:
            rows = store.sessions(person=person)
            if not rows:
                raise StoreError(f"{path}: no sessions stored yet" + (f" for {person!r}" if person else ""))
            session_id = int(rows[-1]["id"])
        store.set_pain_rating(session_id, rating)
        row = store.session(session_id)
    assert row is not None
    report_path = Path(row["report_path"]) if row["report_path"] else None
    if report_path is None or not report_path.is_file():
        return session_id, ""
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
        block = report.setdefault("session", {"uid": row["uid"], "person": row["person"],
                                              "started_at": row["started_at"], "when_from": row["when_from"]})
        if block.get("uid") not in (None, row["uid"]):
            return session_id, ""  # the file now holds another session: leave it alone
        block.update({"uid": row["uid"], "pain_rating": rating, "pain_rated_at": row["pain_rated_at"]})
        write_json_atomic(report_path, report)
    except (OSError, ValueError) as exc:
        return session_id, f" (its report {report_path} could not be updated: {exc})"
    return session_id, f" (and in {report_path})"


def write_text_atomic(path: Path, text: str) -> None:
    """Replace a text file in one step."""
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644  # mkstemp's 0600 would hide it from others
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dose_adjuster(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """For a profile with ``[build_up]`` rules: a function ``(spec, limits) -> (spec, limits)``
    that sets today's reps from the person's stored history and says so on stderr ("today: 6
    reps, up from 5 (...)"); None without a profile. The decision is recorded in the report's
    limits (``build_up``), so it is stored with the session."""
    profile = getattr(args, "profile", None)
    if profile is None:
        return None
    from posecoach.progression import rules_of

    rules = rules_of(profile)  # a bad rule fails now, before the camera or the model
    if not rules:
        return None
    person = person_of(args)
    path = getattr(args, "store", None) or default_store_path()  # --no-store still reads the history

    def adjust(spec, limits):  # type: ignore[no-untyped-def]
        rule = rules.get(spec.id)
        if rule is None or spec.kind != "reps" or spec.dose.reps is None:
            return spec, limits
        from posecoach.history import load_sets, summary_dict
        from posecoach.progression import decide
        from posecoach.spec.loader import parse_spec

        try:
            with SessionStore(path, readonly=True) as store:
                past = [summary_dict(s) for s in load_sets(store, person=person, exercise=spec.id)]
        except StoreError as exc:
            sys.stderr.write(f"posecoach: warning: build-up not applied, the history cannot be read: {exc}\n")
            return spec, limits
        full = int(spec.dose.reps)
        decision = decide(rule, past, full_reps=full)
        data = spec.model_dump(mode="python")
        data["dose"]["reps"] = decision.reps
        new_spec = parse_spec(data, f"{profile}: build_up.{spec.id} (adjusted spec)")
        limits = dict(limits or {"profile": str(profile)})
        limits["build_up"] = {"reps_today": decision.reps, "previous": decision.previous, "full_reps": full,
                              "reason": decision.reason, "sessions_seen": len(past), "note": decision.line()}
        if decision.reps != full:
            limits["changes"] = [*limits.get("changes", []),
                                 {"key": "dose.reps", "from": full, "to": decision.reps, "why": "build-up from results"}]
        sys.stderr.write(f"posecoach: {spec.id}: {decision.line()}\n")
        return new_spec, limits

    return adjust

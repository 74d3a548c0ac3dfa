"""Moving sessions in and out of the store: report files, recording folders and bundles.

A bundle is a zip a person can hand to a therapist: ``bundle.json`` (what is inside) and, per
session, its report (with the ``session`` block that carries the uid, so a second import finds
the first) and optionally its recording (video and landmark track). Importing never overwrites:
a session already in the store is counted and skipped.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from posecoach.errors import PosecoachError
from posecoach.store.db import SessionStore, StoreError
from posecoach.store.records import ReportFormatError, check_report, read_report, session_record

BUNDLE_FORMAT = "posecoach.bundle"
BUNDLE_VERSION = 1
RECORDING_FILES = ("video.ts", "track.jsonl", "session.json")


@dataclass
class ImportResult:
    added: int = 0
    already: int = 0
    problems: list[str] = field(default_factory=list)

    def merge(self, other: ImportResult) -> None:
        self.added += other.added
        self.already += other.already
        self.problems.extend(other.problems)


def _report_files(folder: Path) -> list[Path]:
    """Report files in a folder tree: ``*.report.json`` and recording folders' ``report.json``."""
    return sorted({*folder.rglob("*.report.json"), *folder.rglob("report.json")})


def import_paths(store: SessionStore, paths: list[Path], *, person: str | None = None) -> ImportResult:
    """Import report files, folders of them, and bundles. A file that cannot be imported is one
    line in ``problems``; the others still are."""
    result = ImportResult()
    for path in paths:
        path = Path(path)
        try:
            if path.is_dir():
                files = _report_files(path)
                if not files:
                    result.problems.append(f"{path}: no report files (*.report.json, report.json) in this folder")
                for f in files:
                    result.merge(import_paths(store, [f], person=person))
            elif path.suffix.lower() == ".zip":
                result.merge(import_bundle(store, path, person=person))
            else:
                report = read_report(path)
                _, new = store.save(session_record(report, path, person=person))
                result.added += new
                result.already += not new
        except ReportFormatError as exc:
            result.problems.append(str(exc))
        except StoreError:
            raise  # the store itself is the problem: nothing more can be imported
    return result


def _bundle_manifest(zf: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read("bundle.json"))
    except KeyError:
        raise ReportFormatError(f"{path}: not a posecoach bundle (no bundle.json inside)") from None
    except ValueError:
        raise ReportFormatError(f"{path}: bundle.json inside is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise ReportFormatError(f"{path}: not a posecoach bundle")
    if manifest.get("version") != BUNDLE_VERSION:
        raise ReportFormatError(f"{path}: a bundle of version {manifest.get('version')!r}; this posecoach reads "
                                f"version {BUNDLE_VERSION} (nothing imported from it)")
    return manifest


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts


def import_bundle(store: SessionStore, path: Path, *, person: str | None = None) -> ImportResult:
    """Import a bundle's sessions; recordings go to ``recordings/<uid>/`` beside the store."""
    result = ImportResult()
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ReportFormatError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReportFormatError(f"{path}: not a readable zip file ({exc})") from None
    with zf:
        manifest = _bundle_manifest(zf, path)
        for entry in manifest.get("sessions", []):
            name = str(entry.get("report", ""))
            where = f"{path}:{name}"
            try:
                if not _safe_member(name):
                    raise ReportFormatError(f"{where}: unsafe path inside the bundle; skipped")
                try:
                    report = check_report(json.loads(zf.read(name)), where)
                except KeyError:
                    raise ReportFormatError(f"{where}: listed in bundle.json but missing") from None
                except ValueError:
                    raise ReportFormatError(f"{where}: not JSON") from None
                record = session_record(report, None, person=person)
                if store.has(record.uid):
                    store.save(record)  # adds a pain rating the store lacked, nothing else
                    result.already += 1
                    continue
                files = [m for m in entry.get("recording", []) if _safe_member(str(m))]
                if files:
                    folder = store.path.parent / "recordings" / _folder_name(record.uid)
                    folder.mkdir(parents=True, exist_ok=True)
                    for member in files:
                        with zf.open(member) as src, (folder / PurePosixPath(member).name).open("wb") as dst:
                            shutil.copyfileobj(src, dst)
                    _point_at_recording(report, folder)
                    record = session_record(report, None, person=person)
                _, new = store.save(record)
                result.added += new
                result.already += not new
            except ReportFormatError as exc:
                result.problems.append(str(exc))
    return result


def _folder_name(uid: str) -> str:
    return uid.replace(":", "-")


def _point_at_recording(report: dict[str, Any], folder: Path) -> None:
    """Make the report's sources name the recording's new place on this machine."""
    for section in report.get("exercises") or [report]:
        source = section.setdefault("source", {})
        if (folder / "video.ts").exists():
            source["video"] = str(folder / "video.ts")
            source["recording"] = str(folder)
        if (folder / "track.jsonl").exists():
            source["track"] = str(folder / "track.jsonl")


def _recording_of(report: dict[str, Any]) -> list[Path]:
    source = (report.get("exercises") or [report])[0].get("source") or {}
    out: list[Path] = []
    rec = source.get("recording")
    if rec and Path(rec).is_dir():
        out = [Path(rec) / f for f in RECORDING_FILES if (Path(rec) / f).is_file()]
    elif source.get("track") and Path(source["track"]).is_file():
        out = [Path(source["track"])]
    return out


def export_bundle(store: SessionStore, out: Path, *, person: str, since: str | None = None,
                  recordings: bool = False) -> int:
    """Write a person's sessions to a bundle zip (atomically); returns how many sessions."""
    rows = store.sessions(person=person, since=since)
    if not rows:
        known = ", ".join(store.people()) or "(nobody yet)"
        raise PosecoachError(f"no sessions of {person!r} in {store.path}; people in the store: {known}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    entries = []
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for row in rows:
                report = json.loads(row["report_json"])
                report["session"] = {**(report.get("session") or {}), "uid": row["uid"], "person": row["person"],
                                     "started_at": row["started_at"], "when_from": row["when_from"], "kind": row["kind"],
                                     "pain_rating": row["pain_rating"], "pain_rated_at": row["pain_rated_at"]}
                base = f"sessions/{_folder_name(row['uid'])}"
                zf.writestr(f"{base}/report.json", json.dumps(report, indent=1))
                entry: dict[str, Any] = {"uid": row["uid"], "started_at": row["started_at"], "report": f"{base}/report.json"}
                if recordings:
                    files = _recording_of(report)
                    for f in files:
                        zf.write(f, f"{base}/{f.name}")
                    entry["recording"] = [f"{base}/{f.name}" for f in files]
                entries.append(entry)
            zf.writestr("bundle.json", json.dumps({"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION,
                                                   "person": person, "sessions": entries}, indent=1))
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(entries)

"""Accuracy of posecoach against labelled clips: label manifests and the metrics.

A *manifest* is a JSON file ``{"clips": [{"file", "exercise", "reps", "reps_per_side", "holds",
"faults", ...}]}`` (``file`` relative to the manifest's folder), a folder of such files
(``labels.json`` and ``*.labels.json``), or a JSON list of manifest paths.

Definitions (also written into the JSON output, so a table never loses its meaning):

- **Reps** are scored only on clips whose ``reps`` is a number; ``null`` means "uncountable"
  and the clip is left out of every count metric (it still counts for pose share).
- **Exact**: share of countable clips with ``counted == true``.
- **MAE (relative)**: mean over countable clips of ``|counted - true| / max(true, 1)``.
- **OBO** (off-by-one accuracy): share of countable clips with ``|counted - true| <= 1``.
- **Hold error**: each labelled hold is matched one-to-one with the reported hold that overlaps
  it most; the error is ``|reported duration - labelled duration|`` in seconds, averaged over
  matched holds. Labelled holds with no overlapping report are *missed*; reported holds on a clip
  whose ``holds`` are labelled that match no label are *extra*. A clip without a ``holds`` key
  has unknown holds and is not scored for them; nor is a clip whose spec times no holds (a rep
  exercise without a peak hold).
- **Faults**: a reported fault *matches* a labelled one with the same id whose interval overlaps
  it. Precision = matched reports / all reports; recall = labels matched by some report / all
  labels. A clip with a ``faults`` key has known faults (``[]`` = known to have none, so all of
  its reports are false positives: it contributes to precision only). A clip without the key has
  unknown faults and contributes to neither (its reports are listed as "unlabelled").
- **Pose share**: frames in which a person was found / all frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecoach.errors import ManifestError
from posecoach.evaluation.rules import rule_summary
from posecoach.formats.errors import validate
from posecoach.formats.labels import ClipEntry, LabelFile
from posecoach.formats.report import FaultRecord, HoldRecord, Report
from posecoach.jsonio import read_json

DEFINITIONS = {
    "exact": "share of countable clips (labelled reps not null) whose counted reps equal the labelled reps",
    "mae_rel": "mean over countable clips of |counted - true| / max(true, 1)",
    "obo": "share of countable clips with |counted - true| <= 1",
    "hold_error_s": "mean |reported - labelled| hold duration (s) over labelled holds matched one-to-one "
                    "with the reported hold overlapping them most; clips without a 'holds' key, or whose spec "
                    "times no holds, are not scored",
    "fault_precision": "reported faults overlapping a labelled fault of the same id / reported faults, over clips "
                       "with a 'faults' key ([] = known to have none)",
    "fault_recall": "labelled faults overlapped by a reported fault of the same id / labelled faults",
    "fault_recall_by_severity": "fault recall over the labelled faults of each graded severity (rendered clips)",
    "false_alarms_per_min_clean": "reported faults per minute on clips labelled with no faults (faults = [])",
    "pose_share": "frames with a person found / all frames",
}


@dataclass(frozen=True)
class Interval:
    """A labelled interval in seconds from the start of the clip, with an optional side or id."""

    start_s: float
    end_s: float
    tag: str | None = None
    severity: str | None = None  #: a rendered fault's grade ("mild", "moderate", "clear")

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class ClipLabel:
    """What a person labelled about one clip. ``None`` for holds or faults means "not labelled"."""

    file: str
    path: Path
    exercise: str
    reps: int | None
    reps_per_side: dict[str, int] | None = None
    holds: tuple[Interval, ...] | None = None
    faults: tuple[Interval, ...] | None = None
    view: str | None = None

    @property
    def stem(self) -> str:
        return Path(self.file).stem


def _clip_label(entry: ClipEntry, folder: Path) -> ClipLabel:
    holds = None if entry.holds is None else tuple(Interval(h.start, h.end, h.side, h.severity) for h in entry.holds)
    faults = None if entry.faults is None else tuple(Interval(f.start, f.end, f.id, f.severity) for f in entry.faults)
    return ClipLabel(entry.file, (folder / entry.file).resolve(), entry.exercise, entry.reps, entry.reps_per_side,
                     holds, faults, entry.view)


def parse_clip(raw: Any, where: str, folder: Path) -> ClipLabel:
    """One clip entry of a manifest (``posecoach.formats.labels.ClipEntry``); ``where`` names it
    in error messages."""
    return _clip_label(validate(ClipEntry, raw, where, ManifestError), folder)


def _manifest_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted({*path.glob("labels.json"), *path.glob("*.labels.json")})
        if not files:
            raise ManifestError(f"{path}: no labels.json or *.labels.json in this folder")
        return files
    if not path.is_file():
        raise ManifestError(f"{path}: no such manifest file or folder")
    return [path]


def load_manifest(paths: Path | Sequence[Path]) -> list[ClipLabel]:
    """The clips of one or more manifests (files, folders or lists of manifests), in order."""
    todo = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    clips: list[ClipLabel] = []
    seen: set[Path] = set()
    while todo:
        for file in _manifest_files(todo.pop(0)):
            file = file.resolve()
            if file in seen:
                continue
            seen.add(file)
            doc = read_json(file, ManifestError)
            if isinstance(doc, list):  # a list of manifest paths, relative to this file
                if not all(isinstance(p, str) for p in doc):
                    raise ManifestError(f"{file}: a list manifest holds paths of label files (strings)")
                todo[:0] = [file.parent / p for p in doc]
                continue
            if not isinstance(doc, dict) or not isinstance(doc.get("clips"), list):
                raise ManifestError(f"{file}: expected {{\"clips\": [...]}} or a list of label-file paths")
            clips += [_clip_label(c, file.parent) for c in validate(LabelFile, doc, file, ManifestError).clips]
    return clips


# -- metrics ------------------------------------------------------------------------------------
def _as_report(report: dict[str, Any] | Report) -> Report:
    """An exercise report as its model (a dict is one read back from a file)."""
    return report if isinstance(report, Report) else Report.model_validate(report)


def _s(t: float | None) -> float:
    """A reported time in seconds; a report leaves one out (None) only where no time exists, and
    no scored hold or fault has such a gap."""
    if t is None:
        raise ValueError("a scored hold or fault has no time")
    return float(t)


def _names(reported: FaultRecord, label: Interval) -> bool:
    """Whether a reported fault names a labelled one: same id, overlapping times."""
    return label.tag == reported.id and _overlaps(_s(reported.start_s), _s(reported.end_s), label.start_s, label.end_s)


def overlap_s(a0: float, a1: float, b0: float, b1: float) -> float:
    """Length of the overlap of [a0, a1] and [b0, b1] (0 when they do not overlap)."""
    return max(0.0, min(a1, b1) - max(a0, b0))


def _overlaps(a0: float, a1: float, b0: float, b1: float) -> bool:
    # touching counts: a fault reported over one frame at the edge of a label still names it
    return a0 <= b1 and b0 <= a1


def match_holds(reported: Sequence[HoldRecord], labelled: Sequence[Interval]) -> list[tuple[Interval, HoldRecord | None]]:
    """Pair each labelled hold with the unused reported hold that overlaps it most (or None).
    Pairs are taken greedily by overlap length, largest first."""
    candidates = sorted(
        ((overlap_s(lab.start_s, lab.end_s, _s(rep.start_s), _s(rep.end_s)), li, ri)
         for li, lab in enumerate(labelled) for ri, rep in enumerate(reported)),
        reverse=True,
    )
    pair: dict[int, int] = {}
    used: set[int] = set()
    for ov, li, ri in candidates:
        if ov > 0 and li not in pair and ri not in used:
            pair[li] = ri
            used.add(ri)
    return [(lab, reported[pair[li]] if li in pair else None) for li, lab in enumerate(labelled)]


def match_faults(reported: Sequence[FaultRecord], labelled: Sequence[Interval]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of reported against labelled faults.
    A report is a true positive if it overlaps any label of its id; a label is found (not a
    false negative) if any report of its id overlaps it."""
    tp = sum(1 for r in reported if any(_names(r, lab) for lab in labelled))
    found = sum(1 for lab in labelled if any(_names(r, lab) for r in reported))
    return tp, len(reported) - tp, len(labelled) - found


@dataclass
class ClipScore:
    """One clip's outcome. ``status`` is "ok", "no spec" or "error" (then ``message`` says why)."""

    label: ClipLabel
    status: str = "ok"
    message: str = ""
    source: str = ""  # "track" (saved landmarks reused) or "video" (model run)
    counted: int | None = None
    counted_by_side: dict[str, int] | None = None
    holds_scored: bool = False
    hold_errors_s: list[float] = field(default_factory=list)
    holds_missed: int = 0
    holds_extra: int = 0
    fault_labels: int = 0  #: faults expected: the labelled ones and those the labels imply
    fault_tp: int = 0
    fault_fp: int = 0
    fault_fn: int = 0
    #: per expected fault: (its severity or None, whether a report of its id overlapped it)
    fault_found: list[tuple[str | None, bool]] = field(default_factory=list)
    faults_reported: list[str] = field(default_factory=list)
    #: the rules (fault ids) the clip's spec judges, its own faults and the built-in ones it uses
    rules: tuple[str, ...] = ()
    #: per expected fault: (its id, its severity or None, whether a report of its id overlapped it)
    fault_outcomes: list[tuple[str, str | None, bool]] = field(default_factory=list)
    #: ids of the reported faults that overlap no expected fault of their id (clips with fault labels)
    false_alarms: list[str] = field(default_factory=list)
    #: per fault id, seconds of the clip covered by its expected faults (the rest is free of it)
    fault_time_s: dict[str, float] = field(default_factory=dict)
    frames: int = 0
    frames_with_pose: int = 0
    seconds: float = 0.0  #: time the analysis took
    duration_s: float = 0.0  #: length of the clip

    @property
    def countable(self) -> bool:
        return self.status == "ok" and self.label.reps is not None and self.counted is not None

    @property
    def count_error(self) -> int | None:
        if not self.countable:
            return None
        assert self.counted is not None and self.label.reps is not None
        return abs(self.counted - self.label.reps)

    @property
    def faults_scored(self) -> bool:
        return self.status == "ok" and self.label.faults is not None


def score_clip(label: ClipLabel, report: dict[str, Any] | Report, *, source: str = "", seconds: float = 0.0,
               times_holds: bool = True, rules: Sequence[str] = ()) -> ClipScore:
    """Score one posecoach exercise report (the model, or its dict) against its label.
    ``times_holds`` is False when the exercise's spec does not time holds (then holds are not scored);
    ``rules`` are the fault ids the spec judges, so that a rule that never fired is still scored."""
    report = _as_report(report)
    s = ClipScore(label, source=source, seconds=seconds, counted=report.reps, rules=tuple(rules),
                  frames=report.frames, frames_with_pose=report.frames_with_pose,
                  duration_s=float(report.duration_s or 0.0))
    if report.reps_by_side is not None:
        s.counted_by_side = dict(report.reps_by_side)
    holds = report.holds
    s.holds_scored = label.holds is not None and times_holds
    if s.holds_scored:
        assert label.holds is not None
        pairs = match_holds(holds, label.holds)
        s.hold_errors_s = [abs(_s(rep.duration_s) - lab.duration_s) for lab, rep in pairs if rep is not None]
        s.holds_missed = sum(1 for _, rep in pairs if rep is None)
        s.holds_extra = len(holds) - len(s.hold_errors_s)
    s.faults_reported = [f.id for f in report.faults]
    if label.faults is not None:
        expected = expected_faults(label, report)
        s.fault_labels = len(expected)
        s.fault_tp, s.fault_fp, s.fault_fn = match_faults(report.faults, expected)
        s.fault_found = [(lab.severity, any(_names(r, lab) for r in report.faults)) for lab in expected]
        s.fault_outcomes = [(lab.tag or "", sev, found) for lab, (sev, found) in zip(expected, s.fault_found)]
        s.false_alarms = [r.id for r in report.faults if not any(_names(r, lab) for lab in expected)]
        for tag in {lab.tag or "" for lab in expected}:
            spans = [(lab.start_s, lab.end_s) for lab in expected if (lab.tag or "") == tag]
            s.fault_time_s[tag] = covered_s(spans, s.duration_s or None)
    return s


def covered_s(spans: Iterable[tuple[float, float]], length_s: float | None = None) -> float:
    """Seconds covered by the union of ``spans`` (overlaps counted once), clipped to
    ``[0, length_s]`` when the clip's length is known."""
    total, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if length_s is not None:
            a, b = max(a, 0.0), min(b, length_s)
        if b <= a:
            continue
        if a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total


def expected_faults(label: ClipLabel, report: dict[str, Any] | Report) -> tuple[Interval, ...]:
    """The labelled faults, plus ``short_hold`` wherever a labelled hold of a rep exercise is
    shorter than the rule the spec applies (under 80 % of its target): a hold labelled 3 s in
    an exercise whose dose asks for 5 s is a short hold by the spec's own definition."""
    report = _as_report(report)
    extra: list[Interval] = []
    targets = [h.target_s for h in report.holds if h.target_s]
    if label.holds and targets and report.rep_details:
        target = float(targets[0])
        extra = [Interval(h.start_s, h.end_s, "short_hold") for h in label.holds if h.duration_s < 0.8 * target]
    return (*(label.faults or ()), *extra)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _mean(values: Iterable[float]) -> float | None:
    vals = list(values)
    return sum(vals) / len(vals) if vals else None


def summarize(scores: Sequence[ClipScore]) -> dict[str, Any]:
    """Totals over all clips (None where a metric has nothing to be computed on)."""
    countable = [s for s in scores if s.countable]
    errors = [s.count_error for s in countable]
    holds = [e for s in scores for e in s.hold_errors_s]
    fscored = [s for s in scores if s.faults_scored]
    tp, fp, fn = (sum(getattr(s, k) for s in fscored) for k in ("fault_tp", "fault_fp", "fault_fn"))
    labels_total = sum(s.fault_labels for s in fscored)
    clean = [s for s in fscored if not s.label.faults]
    clean_min = sum(s.duration_s for s in clean) / 60.0
    by_severity: dict[str, list[int]] = {}
    for s in fscored:
        for sev, found in s.fault_found:
            if sev is not None:
                tally = by_severity.setdefault(sev, [0, 0])
                tally[0] += int(found)
                tally[1] += 1
    ran = [s for s in scores if s.status == "ok"]
    frames = sum(s.frames for s in ran)
    return {
        "clips": len(scores),
        "analysed": len(ran),
        "no_spec": sorted({s.label.exercise for s in scores if s.status == "no spec"}),
        "errors": sum(1 for s in scores if s.status == "error"),
        "countable": len(countable),
        "uncountable": sum(1 for s in ran if s.label.reps is None),
        "reps_true": sum(s.label.reps or 0 for s in countable),
        "reps_counted": sum(s.counted or 0 for s in countable),
        "exact": _ratio(sum(1 for e in errors if e == 0), len(errors)),
        "mae_rel": _mean((s.count_error or 0) / max(s.label.reps or 0, 1) for s in countable),
        "obo": _ratio(sum(1 for e in errors if e is not None and e <= 1), len(errors)),
        "holds_matched": len(holds),
        "holds_missed": sum(s.holds_missed for s in scores),
        "holds_extra": sum(s.holds_extra for s in scores),
        "hold_error_s": _mean(holds),
        "fault_clips": len(fscored),
        "fault_tp": tp, "fault_fp": fp, "fault_fn": fn,
        "fault_precision": _ratio(tp, tp + fp),
        "fault_recall": _ratio(labels_total - fn, labels_total),
        "fault_recall_by_severity": {k: {"found": v[0], "labels": v[1], "recall": v[0] / v[1]}
                                     for k, v in sorted(by_severity.items())},
        "clean_clips": len(clean),
        "clean_minutes": clean_min,
        "false_alarms_per_min_clean": _ratio(sum(s.fault_fp for s in clean), clean_min),
        "pose_share": _ratio(sum(s.frames_with_pose for s in ran), frames),
        "frames": frames,
        "seconds": sum(s.seconds for s in scores),
        "rules": rule_summary(scores),
    }


def clip_json(s: ClipScore) -> dict[str, Any]:
    """A clip's score as JSON-ready data."""
    lab = s.label
    return {
        "file": lab.file, "exercise": lab.exercise, "status": s.status, "message": s.message, "source": s.source,
        "reps_true": lab.reps, "reps_counted": s.counted, "reps_per_side_true": lab.reps_per_side,
        "reps_per_side_counted": s.counted_by_side, "count_error": s.count_error,
        "holds_scored": s.holds_scored, "hold_errors_s": [round(e, 2) for e in s.hold_errors_s],
        "holds_missed": s.holds_missed,
        "holds_extra": s.holds_extra, "faults_labelled": None if lab.faults is None else [f.tag for f in lab.faults],
        "faults_expected": s.fault_labels,
        "faults_found_by_severity": [[sev, found] for sev, found in s.fault_found],
        "faults_reported": s.faults_reported, "false_alarms": s.false_alarms,
        "faults_found_by_rule": [[fault, sev, found] for fault, sev, found in s.fault_outcomes],
        "fault_tp": s.fault_tp, "fault_fp": s.fault_fp,
        "fault_fn": s.fault_fn, "frames": s.frames, "frames_with_pose": s.frames_with_pose,
        "seconds": round(s.seconds, 2), "duration_s": round(s.duration_s, 2),
    }

"""Self-contained HTML reports: one session, or a person's progress over a period.

Everything the page needs is inside it (CSS, SVG plots, JPEG stills as data URIs); it loads
nothing from the network and runs no script, so it opens the same on any machine, offline.
Angles are shown in the clinical convention (see ``posecoach.reporting.trace.clinical``), with
the camera view they were measured from and posecoach's own measured error for that angle.
"""

from __future__ import annotations

import html
import statistics
from collections import Counter
from datetime import date, timedelta
from typing import Any

from posecoach import __version__
from posecoach.history import SetSummary, comparable_ranges, local, trends
from posecoach.reporting import plots
from posecoach.reporting.trace import Clinical, clinical, section_spec, trace_for, video_path
from posecoach.reporting.uncertainty import uncertainty_note

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:960px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:1.5em;margin-bottom:4px}h2{font-size:1.2em;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:1em}
table{border-collapse:collapse;margin:8px 0;font-size:.9em}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4}.muted{color:#666;font-size:.85em}.pain{color:#8a2a6b;font-weight:bold}
.stills{display:flex;flex-wrap:wrap;gap:12px}.stills figure{margin:0;width:320px}.stills figcaption{font-size:.8em}
.facts td:first-child{font-weight:bold;background:#fafafa}svg{max-width:100%;height:auto}
@media print{h2{page-break-before:auto}}
"""

e = html.escape
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            # nothing may load from anywhere: a browser refuses (and logs) any outside request
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
            f"<title>{e(title)}</title><style>{CSS}</style></head><body>\n" + "\n".join(body)
            + f"\n<p class=\"muted\">Made by posecoach {e(__version__)}. posecoach is a form coach, not a medical device: "
              "its measurements come from a single camera and are approximate.</p>\n</body></html>\n")


def _fmt(v: float | None, nd: int = 1, suffix: str = "") -> str:
    return "-" if v is None else f"{v:.{nd}f}{suffix}"


def _table(head: list[str] | None, rows: list[list[str]], cls: str = "") -> str:
    h = "<tr>" + "".join(f"<th>{e(c)}</th>" for c in head) + "</tr>" if head else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table class=\"{cls}\">{h}{body}</table>"


def _unit_label(conv: Clinical, unit: str | None) -> str:
    if unit == "deg":
        return "degrees"
    return {"torso": "torso lengths", "hip_width": "hip widths", "shoulder_width": "shoulder widths"}.get(unit or "", "ratio")


def _view_text(section: dict[str, Any]) -> str:
    view = section.get("view") or {}
    expected = ", ".join(view.get("expected") or []) or "any"
    seen = view.get("detected_s") or {}
    seen_txt = ", ".join(f"{k} {v:g} s" for k, v in seen.items() if v) or "not recorded"
    return f"filmed from the {expected} (views seen: {seen_txt})"


def _section_html(section: dict[str, Any], index: int | None, *, with_stills: bool) -> list[str]:
    spec = section_spec(section)
    conv = clinical(spec) if spec is not None else Clinical(section.get("exercise", ""), 0.0, 1.0, None)
    unit = next((r.get("metric_unit") for r in section.get("rep_details", [])), None)
    if unit is None and spec is not None:
        from posecoach.report import metric_unit

        unit = metric_unit(spec)
    out = [f"<h2>{'' if index is None else f'{index}. '}{e(section.get('exercise_name', section['exercise']))}</h2>"]
    dose = section.get("dose") or {}
    target = dose.get("reps") or dose.get("holds")
    done = section.get("reps") if dose.get("reps") else len(section.get("holds", []))
    pain = section.get("pain_stop")
    facts = [
        ["Dose", e(f"{done} of {target}" if target else str(done)) + (" per side" if dose.get("per_side") else "")
         + (" reps" if dose.get("reps") else " holds")],
        ["Status", e(f"{section.get('status')} (stopped: {(section.get('stop') or {}).get('reason')})")],
        ["Length", e(_fmt(section.get("duration_s"), 0, " s"))],
        ["Measured", e(f"{conv.label}; {_view_text(section)}")],
        ["Accuracy", e(uncertainty_note(conv.joint, (section.get("view") or {}).get("expected") or []))],
    ]
    build = (section.get("limits") or {}).get("build_up")
    if build:
        facts.append(["Today's dose", e(build.get("note", ""))])
    if pain:
        where = pain.get("phase") or ""
        val = conv(pain.get("metric_value")) if pain.get("metric_value") is not None else None
        facts.append(["Pain stop", f"<span class=\"pain\">at {e(_fmt(pain.get('t_s')))} s, {e(where)}"
                      + (f", {e(conv.label.split(' (')[0].lower())} {val:.0f}{'°' if unit == 'deg' else ''} at that moment"
                         if val is not None else "") + "</span>"])
    out.append(_table(None, facts, "facts"))

    reps = section.get("rep_details") or []
    trace = trace_for(section)
    t = trace.t_s if trace is not None else None
    values = [conv(v) for v in trace.values] if trace is not None else None
    drawn_reps = [{**r, "peak_lo": min(conv(r.get("metric_min")) or 0, conv(r.get("metric_max")) or 0)
                   if r.get("metric_min") is not None else None,
                   "peak_hi": max(conv(r.get("metric_min")) or 0, conv(r.get("metric_max")) or 0)
                   if r.get("metric_max") is not None else None} for r in reps]
    out.append("<h3>The session</h3>")
    out.append(plots.metric_timeline(t, values, label=conv.label, reps=drawn_reps, holds=section.get("holds") or [],
                                     faults=section.get("faults") or [], pain_t=(pain or {}).get("t_s"),
                                     duration_s=float(section.get("duration_s") or 0)
                                     + float(section.get("setup_completed_s") or 0)))
    if reps:
        out.append(plots.rom_per_rep(reps, _unit_label(conv, unit)))
        rows = []
        for r in reps:
            lo, hi = conv(r.get("metric_min")), conv(r.get("metric_max"))
            rows.append([str(r["number"]), e(r.get("side") or ""), _fmt(r.get("start_s")), _fmt(r.get("end_s")),
                         _fmt(r.get("duration_s")), _fmt(min(lo, hi) if lo is not None and hi is not None else None),
                         _fmt(max(lo, hi) if lo is not None and hi is not None else None),
                         _fmt(r.get("range_of_motion")), _fmt(r.get("peak_hold_s")), e(", ".join(r.get("faults") or []))])
        out.append(_table(["rep", "side", "start s", "end s", "length s", "least", "most", "range", "held s", "faults"], rows))
    if section.get("holds"):
        out.append(_table(["hold", "side", "start s", "length s", "target s"],
                          [[str(i), e(h.get("side") or ""), _fmt(h.get("start_s")), _fmt(h.get("duration_s")),
                            _fmt(h.get("target_s"), 0)] for i, h in enumerate(section["holds"], 1)]))
    faults = section.get("faults") or []
    if faults:
        out.append("<h3>Form faults</h3>")
        out.append(_table(["fault", "from s", "to s", "message"],
                          [[e(f["id"]), _fmt(f.get("start_s")), _fmt(f.get("end_s")), e(f.get("message") or "")] for f in faults]))
        video = video_path(section) if with_stills else None
        if video is not None:
            from posecoach.reporting.stills import stills

            pics = stills(video, [float(f["start_s"]) + 0.2 for f in faults[:12]])
            figs = [f"<figure><img alt=\"{e(f['id'])} at {f['start_s']:.1f} s\" src=\"{uri}\">"
                    f"<figcaption>{e(f['id'])} at {f['start_s']:.1f} s</figcaption></figure>"
                    for f, uri in zip(faults, pics) if uri]
            if figs:
                out.append("<div class=\"stills\">" + "".join(figs) + "</div>")
        elif with_stills:
            out.append("<p class=\"muted\">No video at hand for still frames of the faults.</p>")
    checks = [c for c in section.get("fault_checks") or [] if c.get("status") in ("not judged", "partly judged")]
    notes = [f"{c['id']}: {c['status']} ({c.get('reason')})" for c in checks] + list(section.get("not_checked") or [])
    if notes:
        out.append("<p class=\"muted\">Not checked: " + e("; ".join(notes)) + "</p>")
    return out


def session_html(report: dict[str, Any], *, with_stills: bool = True) -> str:
    """One session (an exercise or a routine) as a page."""
    block = report.get("session") or {}
    who = block.get("person") or (report.get("limits") or {}).get("person") or "-"
    title = report.get("routine") or report.get("exercise_name") or report.get("exercise", "session")
    body = [f"<h1>{e(title)}</h1>",
            f"<p>{e(who)} &middot; {e(local(block['started_at']).strftime('%Y-%m-%d %H:%M') if block.get('started_at') else 'date not recorded')}"
            f" &middot; {e(report.get('status', ''))}</p>"]
    if block.get("pain_rating") is not None:
        body.append(f"<p class=\"pain\">Pain after the set: {int(block['pain_rating'])}/10</p>")
    limits = report.get("limits") or {}
    if limits.get("profile"):
        who_set = f" by {limits['therapist']}" if limits.get("therapist") else ""
        changes = "; ".join(f"{c['key']}: {c['from']} -> {c['to']}" for c in limits.get("changes", []))
        body.append(f"<p class=\"muted\">Personal limits{e(who_set)}: {e(limits.get('name') or limits['profile'])}"
                    + (f" ({e(changes)})" if changes else "") + "</p>")
    sections = report.get("exercises") or [report]
    for i, s in enumerate(sections, 1):
        body += _section_html(s, i if len(sections) > 1 else None, with_stills=with_stills)
    for ex in report.get("not_started") or []:
        body.append(f"<p>Not started: {e(ex)}</p>")
    return _page(f"posecoach: {title}", body)


def progress_html(sets: list[SetSummary], *, person: str, since: date | None = None, until: date | None = None) -> str:
    """A person's progress: adherence by day, and per exercise dose, range of motion, faults, pain."""
    body = [f"<h1>Progress of {e(person)}</h1>"]
    if not sets:
        body.append("<p>No sessions in this period.</p>")
        return _page(f"posecoach: progress of {person}", body)
    days = sorted({date.fromisoformat(s.day) for s in sets})
    first = since or days[0]
    last = until or max(days[-1], first)
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    per_day = Counter(date.fromisoformat(s.day) for s in {s.session_id: s for s in sets}.values())
    body.append(f"<p>{len({s.session_id for s in sets})} sessions from {first.isoformat()} to {last.isoformat()}.</p>")
    body.append("<h2>Adherence</h2>")
    body.append(plots.adherence(span, [per_day.get(d, 0) for d in span]))
    abandoned = [s for s in sets if s.status != "complete" and (s.prescribed or 0) > s.done
                 and s.stop_reason in ("skipped", "not started", "user", "interrupted", "camera_lost")]
    if abandoned:
        body.append("<p>Left before the dose was done (skipped, not started or ended early): "
                    + e("; ".join(f"{s.day} {s.exercise} ({s.done}/{s.prescribed}, {s.stop_reason})" for s in abandoned))
                    + "</p>")
    for ex, group in trends(sets).items():
        body.append(f"<h2>{e(group[0].exercise_name)}</h2>")
        spec = section_spec({"exercise": ex})
        conv = clinical(spec) if spec is not None else Clinical(ex, 0.0, 1.0, None)
        unit, rom_median, rom_best, other_unit = comparable_ranges(group)
        labels = [s.local_time for s in group]
        body.append(plots.per_session(
            labels, done=[s.done for s in group], prescribed=[s.prescribed for s in group],
            rom_median=rom_median, rom_best=rom_best,
            faults=[s.fault_count for s in group], pain=[s.pain_rating for s in group],
            pain_stop=[s.pain_stop_t_s is not None for s in group], unit_label=_unit_label(conv, unit),
            unit_word=group[0].unit_word))
        view = spec.view if spec is not None else ()
        body.append(f"<p class=\"muted\">Range of motion: {e(conv.label)}, from the {e(', '.join(view) or 'camera')} view. "
                    f"{e(uncertainty_note(conv.joint, list(view)))}</p>")
        if other_unit:
            body.append(f"<p class=\"muted\">The range of {other_unit} earlier set(s) is not drawn: it was measured "
                        f"in another unit, by an earlier version of this exercise's measure.</p>")
        rows = []
        for s in group:
            pain = ("-" if s.pain_rating is None else f"{s.pain_rating}/10")
            if s.pain_stop_t_s is not None:
                pain += f" <span class=\"pain\">stop at {s.pain_stop_t_s:.1f} s{', ' + e(s.pain_stop_phase) if s.pain_stop_phase else ''}</span>"
            rows.append([e(s.local_time), f"{s.done}/{s.prescribed if s.prescribed else '-'}",
                         _fmt(s.rom_median), _fmt(s.rom_best), _fmt(s.hold_best_s), str(s.fault_count),
                         e(", ".join(f"{k} x{v}" for k, v in s.faults.most_common())), pain, e(s.dose_note or "")])
        body.append(_table(["date", "done/prescribed", "range median", "range best", "hold best s", "faults",
                            "which", "pain", "dose"], rows))
        roms = [v for v in rom_median if v is not None]
        if len(roms) >= 2:
            body.append(f"<p>Median range of motion went from {roms[0]:.1f} to {roms[-1]:.1f} "
                        f"(median over sessions {statistics.median(roms):.1f}).</p>")
    return _page(f"posecoach: progress of {person}", body)

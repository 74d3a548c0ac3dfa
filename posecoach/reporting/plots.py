"""The report's plots, drawn with matplotlib straight to inline SVG (no network at view time).

Each function returns an ``<svg>`` string. Fonts are not embedded as paths (text stays text, so
the page is searchable and small); the figure uses only the fonts every browser has.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display: drawing only
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif", "font.size": 9,
                     "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "posecoach"})

REP = "#4c78a8"
HOLD = "#72b7b2"
FAULT = "#e45756"
PAIN = "#b279a2"
DONE = "#54a24b"
PRESCRIBED = "#bab0ac"


def _svg(fig: plt.Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "posecoach"})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: the page is HTML


def metric_timeline(t: Sequence[float] | None, values: Sequence[float] | None, *, label: str,
                    reps: list[dict], holds: list[dict], faults: list[dict], pain_t: float | None,
                    duration_s: float) -> str:
    """The main metric over the session with reps (numbered bands), holds, faults and the pain
    stop marked. Without a trace the reps are drawn as their measured span (lowest to highest)."""
    fig, (ax, band) = plt.subplots(2, 1, figsize=(9, 3.6), sharex=True, gridspec_kw={"height_ratios": [5, 1]})
    for r in reps:
        if r.get("start_s") is None or r.get("end_s") is None:
            continue
        ax.axvspan(r["start_s"], r["end_s"], color=REP, alpha=0.12, lw=0)
        ax.text((r["start_s"] + r["end_s"]) / 2, 1.0, str(r["number"]), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", color=REP, fontsize=8)
    for h in holds:
        ax.axvspan(h["start_s"], h["end_s"], color=HOLD, alpha=0.25, lw=0, label="hold" if h is holds[0] else None)
    if t is not None and values is not None and len(t):
        ax.plot(t, values, color="#333333", lw=1.2, label=label)
    else:
        for r in reps:
            lo, hi = r.get("peak_lo"), r.get("peak_hi")
            if lo is not None and hi is not None:
                ax.plot([(r["start_s"] + r["end_s"]) / 2] * 2, [lo, hi], color=REP, lw=4, solid_capstyle="butt")
        ax.text(0.01, 0.02, "no landmark track saved: each rep's measured span is drawn", transform=ax.transAxes,
                fontsize=7, color="#666666")
    if pain_t is not None:
        for a in (ax, band):
            a.axvline(pain_t, color=PAIN, lw=2)
        ax.text(pain_t, 0.5, " pain stop", color=PAIN, transform=ax.get_xaxis_transform(), fontsize=8)
    ax.set_ylabel("degrees" if "degrees" in label else label.split(" (")[0], fontsize=8)
    ax.set_title(label, fontsize=9, loc="left", pad=14)
    ids = sorted({f["id"] for f in faults})
    for f in faults:
        y = ids.index(f["id"])
        band.plot([f["start_s"], max(f["end_s"], f["start_s"] + 0.15)], [y, y], color=FAULT, lw=5, solid_capstyle="butt")
    band.set_yticks(range(len(ids)), ids if ids else [])
    band.set_ylim(-0.8, max(len(ids), 1) - 0.2)
    if not ids:
        band.text(0.01, 0.3, "no form faults", transform=band.transAxes, fontsize=7, color="#666666")
    band.set_xlabel("time in the session (s)")
    band.set_xlim(0, max(duration_s, max((r.get("end_s") or 0 for r in reps), default=0), 1.0))
    return _svg(fig)


def rom_per_rep(reps: list[dict], unit_label: str) -> str:
    """Range of motion of each rep, with the set's median as a line."""
    fig, ax = plt.subplots(figsize=(9, 2.4))
    roms = [r.get("range_of_motion") for r in reps]
    xs = [str(r["number"]) + (f" {r['side'][0].upper()}" if r.get("side") else "") for r in reps]
    heights = [v if v is not None else 0 for v in roms]
    colors = [FAULT if r.get("faults") else REP for r in reps]
    ax.bar(xs, heights, color=colors)
    known = sorted(v for v in roms if v is not None)
    if known:
        med = known[len(known) // 2] if len(known) % 2 else (known[len(known) // 2 - 1] + known[len(known) // 2]) / 2
        ax.axhline(med, color="#333333", lw=1, ls="--")
        ax.text(len(xs) - 0.5, med, f" median {med:.1f}", va="bottom", ha="right", fontsize=8)
    ax.set_xlabel("rep (red: a fault during the rep)")
    ax.set_ylabel(unit_label)
    ax.set_title("Range of motion per rep", fontsize=9, loc="left")
    return _svg(fig)


def adherence(days: list[date], counts: list[int]) -> str:
    """Sessions per calendar day over the report's period (a gap is a day without exercise)."""
    fig, ax = plt.subplots(figsize=(9, 1.9))
    x = list(range(len(days)))
    ax.bar(x, counts, color=DONE, width=0.8)
    for i, c in zip(x, counts):
        if not c:  # a day without exercise: a grey tick on the axis, so gaps are visible
            ax.plot([i - 0.35, i + 0.35], [0, 0], color=PRESCRIBED, lw=3)
    ax.set_ylabel("sessions")
    ax.set_yticks(range(0, max(counts, default=0) + 1))
    step = max(1, len(days) // 14)
    ax.set_xticks(x[::step], [d.strftime("%a %d %b") for d in days[::step]], rotation=30, ha="right")
    ax.set_xlim(-0.6, len(days) - 0.4)
    exercised = sum(1 for c in counts if c)
    ax.set_title(f"Days exercised: {exercised} of {len(days)}", fontsize=9, loc="left")
    return _svg(fig)


def per_session(labels: list[str], *, done: list[int], prescribed: list[int | None], rom_median: list[float | None],
                rom_best: list[float | None], faults: list[int], pain: list[int | None], pain_stop: list[bool],
                unit_label: str, unit_word: str) -> str:
    """Across sessions of one exercise: dose done against prescribed, range of motion (median and
    best), faults, and pain (rating 0-10, stops marked)."""
    fig, axes = plt.subplots(4, 1, figsize=(9, 7.2), sharex=True)
    x = list(range(len(labels)))
    a = axes[0]
    a.bar(x, [p or 0 for p in prescribed], color=PRESCRIBED, width=0.7, label="prescribed")
    a.bar(x, done, color=DONE, width=0.45, label="done")
    a.set_ylabel(unit_word)
    a.legend(loc="upper left", fontsize=7, frameon=False, ncol=2)
    a.set_title(f"{unit_word.capitalize()} done against prescribed", fontsize=9, loc="left")
    a = axes[1]
    med = [math.nan if v is None else v for v in rom_median]
    best = [math.nan if v is None else v for v in rom_best]
    a.plot(x, med, marker="o", color=REP, label="median rep")
    a.plot(x, best, marker="^", ls=":", color=REP, label="best rep")
    a.set_ylabel(unit_label)
    a.legend(loc="upper left", fontsize=7, frameon=False, ncol=2)
    a.set_title("Range of motion per session", fontsize=9, loc="left")
    if all(math.isnan(v) for v in med):
        a.text(0.5, 0.5, "no reps measured", transform=a.transAxes, ha="center", fontsize=8, color="#666666")
    a = axes[2]
    a.bar(x, faults, color=FAULT, width=0.5)
    a.yaxis.get_major_locator().set_params(integer=True)
    a.set_ylabel("faults")
    a.set_title("Form faults per session", fontsize=9, loc="left")
    a = axes[3]
    rated = [(i, p) for i, p in enumerate(pain) if p is not None]
    if rated:
        a.plot([i for i, _ in rated], [p for _, p in rated], marker="o", color=PAIN)
    for i, stopped in enumerate(pain_stop):
        if stopped:
            a.axvline(i, color=PAIN, lw=2, alpha=0.6)
            a.text(i, 9.5, " stop", color=PAIN, fontsize=7, va="top")
    a.set_ylim(-0.5, 10.5)
    a.set_ylabel("pain 0-10")
    a.set_title("Pain after the set (lines: pain stops)", fontsize=9, loc="left")
    if not rated:
        a.text(0.5, 0.5, "no pain ratings given", transform=a.transAxes, ha="center", fontsize=8, color="#666666")
    a.set_xticks(x, labels, rotation=30, ha="right")
    return _svg(fig)

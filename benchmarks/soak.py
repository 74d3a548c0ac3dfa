"""Soak: a long live session from a file source with ``--record``, measured from outside.

A clip (by default the real bridge clip in ``../shared/real``) is repeated into one video of
``--minutes`` minutes, which ``posecoach live --source VIDEO --record DIR --headless`` then coaches
at its real frame rate, exactly as a person would run it. While it runs, this script samples the
process's resident memory (``/proc/PID/status``) every second and reads the recorded
``report.json`` every half second (each read must be valid JSON: the report is rewritten
atomically as the set goes). At the end it prints:

- memory: resident set size after the first minute, at the end, and its peak (``VmHWM``), in MB,
  and the growth from the first minute to the end;
- frames: processed and dropped (as the command reports them), and the share dropped;
- checkpoints: how many distinct reports were seen on disk, the longest gap between two, and
  whether every read was valid; the final report's status and stop reason;
- the recording: frames in ``video.ts`` and lines in ``track.jsonl`` against frames processed.

    POSECOACH_MODEL_DIR=../shared/models .venv/bin/python benchmarks/soak.py --minutes 60 [--model lite]

The run takes the minutes asked for plus the time to write the long video (about 1 ms a frame).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_CLIP = ROOT.parent / "shared" / "real" / "physioplus" / "bridging.mp4"
SAMPLE_CLIP = ROOT / "sample_videos" / "bridge.mp4"


def long_video(clip: Path, minutes: float, out: Path) -> tuple[int, float]:
    """``clip`` repeated (forwards, then backwards, so the loop has no jump) into ``out`` for
    ``minutes``. Returns (frames, fps)."""
    import cv2

    cap = cv2.VideoCapture(str(clip))
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 30.0)
    frames = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        frames.append(image)
    cap.release()
    if not frames:
        raise SystemExit(f"{clip}: no frames")
    cycle = frames + frames[-2:0:-1]
    total = int(minutes * 60 * fps)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for i in range(total):
        writer.write(cycle[i % len(cycle)])
    writer.release()
    return total, fps


def rss_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a process in kB, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M))
    if "VmRSS" not in values:
        return None
    return int(values["VmRSS"]), int(values.get("VmHWM", values["VmRSS"]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60.0, help="length of the session (default 60)")
    ap.add_argument("--clip", type=Path, default=REAL_CLIP if REAL_CLIP.exists() else SAMPLE_CLIP)
    ap.add_argument("--exercise", default="bridge")
    ap.add_argument("--model", default="lite")
    ap.add_argument("--keep", type=Path, help="keep the session folder here (default: a temporary folder, removed)")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="posecoach-soak-"))
    video = work / "long.mp4"
    t0 = time.monotonic()
    total, fps = long_video(args.clip, args.minutes, video)
    print(f"video: {args.clip.name} repeated to {total} frames ({total / fps / 60:.1f} min at {fps:g} fps), "
          f"written in {time.monotonic() - t0:.0f} s", flush=True)
    record = args.keep or work / "session"
    cmd = [sys.executable, "-m", "posecoach", "live", "-e", args.exercise, "--source", str(video), "--record",
           str(record), "--headless", "--mute", "--model", args.model, "--summary-s", "0"]
    print("running:", " ".join(cmd), flush=True)
    out_path, err_path = work / "stdout.txt", work / "stderr.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        start = time.monotonic()
        samples: list[tuple[float, int]] = []
        peak = 0
        last_mem = 0.0
        seen: list[float] = []  # when a new checkpoint was first seen
        last_text = None
        bad_reads = 0
        while proc.poll() is None:
            now = time.monotonic()
            if now - last_mem >= 1.0:
                last_mem = now
                mem = rss_kb(proc.pid)
                if mem is not None:
                    samples.append((now - start, mem[0]))
                    peak = max(peak, mem[1])
            try:
                text = (record / "report.json").read_text(encoding="utf-8")
            except OSError:
                text = None
            if text is not None and text != last_text:
                try:
                    json.loads(text)
                    seen.append(now - start)
                except json.JSONDecodeError:
                    bad_reads += 1
                last_text = text
            time.sleep(0.5)
    elapsed = time.monotonic() - start
    stdout = out_path.read_text()
    stderr = err_path.read_text()
    m = re.search(r"live: (\d+) frames processed, (\d+) dropped", stdout)
    processed, dropped = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    report = json.loads((record / "report.json").read_text(encoding="utf-8"))
    from posecoach.render.video import count_frames

    video_frames, _ = count_frames(record / "video.ts")
    track_lines = sum(1 for _ in (record / "track.jsonl").open()) - 1
    after_1min = next((kb for t, kb in samples if t >= 60.0), samples[0][1] if samples else 0)
    end_rss = samples[-1][1] if samples else 0
    gaps = [b - a for a, b in zip(seen, seen[1:])]
    print(f"exit code: {proc.returncode} after {elapsed / 60:.1f} min")
    print(f"memory: RSS {after_1min / 1024:.0f} MB after the first minute, {end_rss / 1024:.0f} MB at the end "
          f"(growth {(end_rss - after_1min) / 1024:+.0f} MB), peak {peak / 1024:.0f} MB")
    print(f"frames: {processed} processed, {dropped} dropped ({100 * dropped / max(1, processed + dropped):.1f}%) "
          f"of {total} in the video")
    print(f"checkpoints: {len(seen)} reports seen on disk, longest gap {max(gaps, default=0):.1f} s, "
          f"{bad_reads} unreadable reads; final status {report.get('status')}, stop {report.get('stop', {}).get('reason')}")
    print(f"recording: {video_frames} frames in video.ts, {track_lines} track lines, {processed} frames processed")
    if stderr.strip():
        lines = [ln for ln in stderr.splitlines() if not ln.startswith("INFO:") and not ln.startswith("WARNING:")]
        if lines:
            print("stderr:", *lines[-5:], sep="\n  ")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)  # a 60-minute video and its recording are large
    else:
        video.unlink(missing_ok=True)
    return 0 if proc.returncode == 0 and bad_reads == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

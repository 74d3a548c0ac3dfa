"""Do two versions of posecoach give the same reports? Write them once, compare them after a change.

``write OUT`` runs the installed ``posecoach`` program on every bundled sample clip
(``sample_videos/*.labels.json``), every labelled real clip in ``../shared/real/labels.json`` and
every landmark track in ``../shared/real/tracks``, through ``analyze`` (video and track paths) and
``eval`` (scores), and keeps every report and score file in OUT. ``compare A B`` reads two such
folders and prints each difference; it exits 1 when there is one. Only what cannot be the same
between two checkouts is left out of the comparison: the program's version and the folder the
checkout sits in. The reports of the real clips stay in OUT, outside the repository.

    python benchmarks/same_reports.py write /tmp/reports-before
    ... change the code ...
    python benchmarks/same_reports.py write /tmp/reports-after
    python benchmarks/same_reports.py compare /tmp/reports-before /tmp/reports-after
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real"
# what differs between two runs of the same code: the version, and eval's wall time per clip
VOLATILE = {"posecoach_version", "seconds"}


def _posecoach() -> list[str]:
    exe = Path(sys.executable).with_name("posecoach")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "posecoach"]


def _run(args: list[str], log: Path) -> int:
    with log.open("a", encoding="utf-8") as out:
        out.write("$ " + " ".join(args) + "\n")
        out.flush()
        return subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, check=False).returncode


def _clips() -> list[tuple[str, Path, str]]:
    """(name in OUT, input file, exercise) for every labelled clip that exists here."""
    found: list[tuple[str, Path, str]] = []
    for labels in sorted((ROOT / "sample_videos").glob("*.labels.json")):
        for clip in json.loads(labels.read_text())["clips"]:
            found.append((f"sample__{Path(clip['file']).stem}", labels.parent / clip["file"], clip["exercise"]))
    for labels, folder in ((REAL / "labels.json", "real"), (REAL / "tracks" / "labels.json", "tracks")):
        if labels.exists():
            for clip in json.loads(labels.read_text())["clips"]:
                path = labels.parent / clip["file"]
                if not path.exists() and folder == "tracks":  # the videos stay elsewhere; their landmarks are here
                    path = path.with_suffix(".jsonl")
                if path.exists():
                    stem = clip["file"].replace("/", "_").rsplit(".", 1)[0]
                    found.append((f"{folder}__{stem}", path, clip["exercise"]))
    return found


def write(out: Path, keep: bool = False) -> int:
    if out.exists() and not keep:
        shutil.rmtree(out)
    (out / "tracks").mkdir(parents=True, exist_ok=True)
    log = out / "run.log"
    (out / "checkout.txt").write_text(str(ROOT) + "\n", encoding="utf-8")
    failures = 0
    env_cmd = _posecoach()
    for name, path, exercise in _clips():
        report = out / f"{name}.report.json"
        if keep and report.exists():
            continue
        cmd = [*env_cmd, "analyze", str(path), "--exercise", exercise, "--report", str(report), "--quiet", "--no-store"]
        code = _run(cmd, log)
        print(f"{name}: analyze exit {code}", flush=True)
        failures += code not in (0,)
    manifests = [ROOT / "sample_videos", REAL / "labels.json", REAL / "tracks" / "labels.json"]
    for i, manifest in enumerate(m for m in manifests if m.exists()):
        tracks = REAL / "tracks" if manifest.parent.name == "tracks" else out / "tracks" / f"m{i}"
        # the first run makes the landmark tracks that are missing, the second scores from tracks only,
        # so that every clip's "source" is the same whichever run made the tracks
        for _ in range(2):
            code = _run([*env_cmd, "eval", str(manifest), "--tracks", str(tracks), "--quiet",
                         "--json", str(out / f"eval_{i}.json")], log)
        print(f"eval {manifest}: exit {code}", flush=True)
    return 1 if failures else 0


def _normal(value: Any, roots: tuple[tuple[str, str], ...]) -> Any:
    if isinstance(value, dict):
        return {k: _normal(v, roots) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_normal(v, roots) for v in value]
    if isinstance(value, str):
        for root, name in roots:
            value = value.replace(root, name)
        return value
    return value


def _diff(a: Any, b: Any, where: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{where}.{key}: only in {'after' if key not in a else 'before'}")
            else:
                _diff(a[key], b[key], f"{where}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{where}[{i}]", out)
    elif a != b:
        out.append(f"{where}: {json.dumps(a)[:120]} != {json.dumps(b)[:120]}")


def _roots(out: Path) -> tuple[tuple[str, str], ...]:
    """The folders whose names appear in results but are not results: the result folder itself,
    the checkout it was written from, and the checkout's parent (where ../shared is)."""
    root = Path((out / "checkout.txt").read_text(encoding="utf-8").strip())
    return ((str(out.resolve()), "<out>"), (str(root), "<checkout>"), (str(root.parent), "<parent>"))


def compare(a: Path, b: Path) -> int:
    names = sorted({p.name for p in a.glob("*.json")} | {p.name for p in b.glob("*.json")}
                   | {p.name for p in a.glob("*.csv")} | {p.name for p in b.glob("*.csv")})
    problems: list[str] = []
    for name in names:
        pa, pb = a / name, b / name
        if not pa.exists() or not pb.exists():
            problems.append(f"{name}: only in {'after' if not pa.exists() else 'before'}")
            continue
        # a checkout's folder appears in source paths and command lines; it is not a result
        if name.endswith(".csv"):
            ta, tb = (_normal(p.read_text(), _roots(p.parent)) for p in (pa, pb))
            if ta != tb:
                problems.append(f"{name}: the CSVs differ")
            continue
        ja, jb = (_normal(json.loads(p.read_text()), _roots(p.parent)) for p in (pa, pb))
        found: list[str] = []
        _diff(ja, jb, name, found)
        problems += found
    for line in problems:
        print(line)
    print(f"{len(names)} files compared, {len(problems)} differences")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--keep", action="store_true", help="keep OUT's reports and write only the missing ones")
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args()
    return write(args.out, args.keep) if args.cmd == "write" else compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())

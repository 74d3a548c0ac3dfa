"""The model manifest (``models/manifest.json``): where the pose bundles come from, and their checksums.

A bundle is trusted only when its sha256 is the one recorded here, so a manifest with a checksum
that is not 64 hex digits, or a download address that is not HTTPS, is refused when it is read,
before anything is fetched or built.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Bytes = Annotated[int, Field(gt=0, strict=True)]
Offset = Annotated[int, Field(ge=0, strict=True)]


def _https(value: str) -> str:
    if not value.startswith("https://"):
        raise ValueError("expected an https:// address")
    return value


def _named(value: str) -> str:
    if "{name}" not in value:
        raise ValueError("expected a pattern with {name} in it (the model name)")
    return value


Https = Annotated[str, AfterValidator(_https)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Network(_Part):
    """The BlazePose network a bundle is built from, inside the npm package."""

    file: str
    bytes: Bytes
    sha256: Sha256


class ModelEntry(_Part):
    bytes: Bytes
    sha256: Sha256
    network: Network


class Detector(_Part):
    """The person detector, packed at ``start``..``end`` of ``file`` (as ``loader`` says)."""

    file: str
    loader: str
    asset: str
    start: Offset
    end: Offset
    sha256: Sha256

    @model_validator(mode="after")
    def _range(self) -> Detector:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must come after start ({self.start})")
        return self


class Npm(_Part):
    registry: Https
    package: str
    version: str
    #: the tarball's subresource integrity, ``sha512-<base64>``
    integrity: Annotated[str, Field(pattern=r"^sha512-[A-Za-z0-9+/]+={0,2}$")]
    tarball_bytes: Bytes
    detector: Detector


class Manifest(_Part):
    comment: str = ""
    #: the bundle's file name, with ``{name}`` for lite, full or heavy
    bundle_file: Annotated[str, AfterValidator(_named)]
    google_url: Annotated[Https, AfterValidator(_named)]
    npm: Npm
    models: Annotated[dict[str, ModelEntry], Field(min_length=1)]

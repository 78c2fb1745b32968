"""The ledger's record models: every field required (unknown values are an
explicit null, never absent), unknown keys refused, so a record means one
thing to every reader. Imported only when records are validated."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from shipline.domain.config import SlsaLevel

_MAX_SAFE_INT = 2**53 - 1


Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
AsciiKey = Annotated[str, Field(pattern=r"^[ -~]+$")]
SafeInt = Annotated[int, Field(ge=0, le=_MAX_SAFE_INT)]
GitSha = Annotated[str, Field(pattern=r"^[0-9a-f]{40}([0-9a-f]{24})?$")]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TransparencyLogEntry(_Model):
    index: str
    url: str


class SignatureBlock(_Model):
    """The seed's "Signing Metadata Record", plus what verification needs."""

    method: Literal["sigstore", "gpg", "none"]
    keyless: bool
    signed: bool
    signedAt: str | None
    signature: str | None
    certificate: str | None
    bundle: str | None
    transparencyLog: TransparencyLogEntry | None
    keyId: str | None
    fingerprint: str | None
    publicKey: str | None
    identity: str | None
    issuer: str | None


class ArtifactEntry(_Model):
    type: NonEmpty
    name: NonEmpty
    path: str | None
    sha256: Hex64
    size: SafeInt | None
    registry: str | None
    publishedAt: str | None
    attestation: str | None
    signature: SignatureBlock


class BuilderEntry(_Model):
    id: NonEmpty


class SbomEntry(_Model):
    format: Literal["CycloneDX", "SPDX"]
    specVersion: str
    path: str
    sha256: Hex64


class HeadEntry(_Model):
    count: SafeInt
    hash: Hex64 | None


class Metadata(_Model):
    completeness: Literal["complete", "incomplete"]
    declaredLevel: SlsaLevel | None
    shortfall: str | None
    missing: list[str]
    links: dict[AsciiKey, str]


class _Sealed(_Model):
    recordedAt: str
    prevHash: Hex64 | None
    hash: Hex64


class ReleaseRecord(_Sealed):
    """One per version; the seed's ``releases.json`` record shape."""

    recordType: Literal["release"]
    version: NonEmpty
    commitSha: GitSha
    gitTag: str | None
    buildInvocationId: str | None
    builder: BuilderEntry | None
    artifacts: list[ArtifactEntry]
    sbom: SbomEntry | None
    slsaLevel: SlsaLevel | None
    chainVerified: bool
    ledgerHead: HeadEntry
    metadata: Metadata


class PublishRecord(_Sealed):
    """An artifact went live: registry reference and the digest it reports."""

    recordType: Literal["publish"]
    version: NonEmpty
    releaseHash: Hex64
    artifact: NonEmpty
    sha256: Hex64
    registry: str
    reference: str | None
    registryDigest: Hex64 | None
    publishedAt: str


class ForgeAsset(_Model):
    name: NonEmpty
    url: NonEmpty
    sha256: Hex64
    size: SafeInt | None


class ForgeRecord(_Sealed):
    """The GitHub or GitLab release of a version, made after the push: its
    page and every attached file with the SHA-256 it was compared with."""

    recordType: Literal["forge"]
    version: NonEmpty
    releaseHash: Hex64
    forge: Literal["github", "gitlab"]
    repository: NonEmpty
    apiUrl: NonEmpty
    tokenEnv: NonEmpty
    """The *name* of the variable whose token reads a private release."""
    tag: NonEmpty
    releaseUrl: NonEmpty
    assets: list[ForgeAsset]
    publishedAt: str


class ReviewRecord(_Sealed):
    """A reviewer's signed verdict on a release (SPEC section 8)."""

    recordType: Literal["review"]
    version: NonEmpty
    releaseHash: Hex64
    reviewer: NonEmpty
    approved: bool
    statement: str | None
    signature: SignatureBlock
    checks: dict[AsciiKey, str]


class LevelRecord(_Sealed):
    """A later level decision (e.g. L4 after two approvals)."""

    recordType: Literal["level"]
    version: NonEmpty
    releaseHash: Hex64
    slsaLevel: SlsaLevel
    reason: str
    evidence: list[Hex64]


class SignerEntry(_Model):
    kind: Literal["gpg", "key", "sigstore"]
    id: NonEmpty
    issuer: str | None


class RotationRecord(_Sealed):
    """The signer of the release named here hands over to ``nextSigner``
    (:mod:`shipline.domain.provenance.rotation`), signed by the previous one."""

    recordType: Literal["rotation"]
    version: NonEmpty
    releaseHash: Hex64
    previousSigner: SignerEntry
    nextSigner: SignerEntry
    statement: NonEmpty
    signature: SignatureBlock
    reason: str | None


_Record = Annotated[
    ReleaseRecord | PublishRecord | ForgeRecord | ReviewRecord | LevelRecord | RotationRecord,
    Field(discriminator="recordType"),
]
_RECORD = TypeAdapter(_Record)


def validate_record(record: Any) -> str | None:
    """What is wrong with ``record`` (key path and reason), or ``None``."""
    try:
        _RECORD.validate_python(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"][1:]) or "(record)"
        return f"{where}: {first['msg']}"
    return None

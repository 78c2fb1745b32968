"""What ``shipline attest`` is asked to record: the files (with the digest
their builder reported), the version, the builder, and the type each file
is recorded as."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shipline.domain.errors import InvalidVersion

TYPES_BY_SUFFIX = (
    (".whl", "python-package"),
    (".tar.gz", "tarball"),
    (".tgz", "npm-package"),
    (".crate", "cargo-crate"),
    (".oci.tar", "oci-image"),
    (".zip", "tarball"),
)


@dataclass(frozen=True)
class ArtifactInput:
    """One file to attest; ``expected_sha256`` is what its builder reported
    (a different file refuses to bind, 93)."""

    path: Path
    name: str | None = None
    type: str | None = None
    expected_sha256: str | None = None


@dataclass(frozen=True)
class Builder:
    """Who built it: from the CI environment, or this machine."""

    id: str
    invocation_id: str
    hosted: bool
    platform: str


@dataclass
class AttestRequest:
    artifacts: list[ArtifactInput]
    version: str
    sign: str | None = None
    """Overrides ``signing.method`` (sigstore, gpg, none)."""
    sbom: str | None = None
    """CycloneDX, SPDX or none; ``None`` takes the config's format."""
    commit: str | None = None
    tag: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    package: str | None = None
    """The workspace package these files are (a release train attests each
    package on its own): named in the statement, its subjects, the record's
    ``metadata.links.package`` and the attestation's and SBOM's file names."""


def normalize_version(text: str) -> str:
    """The bare semver version (a leading ``v`` is fine; 53 otherwise)."""
    import semver

    bare = text.strip()[1:] if text.strip()[:1] in ("v", "V") else text.strip()
    try:
        semver.Version.parse(bare)
    except (ValueError, TypeError):
        raise InvalidVersion(
            f"'{text}' is not a valid semantic version",
            hint="use MAJOR.MINOR.PATCH[-prerelease][+build], e.g. 1.4.0",
        ) from None
    return bare


def detect_builder(env: Mapping[str, str]) -> Builder:
    """builder.id and invocationId from GitHub Actions, GitLab CI or
    CircleCI (:mod:`shipline.domain.provenance.ci_env`); a local builder URI
    and a uuid otherwise."""
    from shipline.domain.provenance import ci_env

    found = ci_env.detect(env)
    return Builder(found.builder_id, found.invocation_id, found.hosted, found.platform)


def artifact_type(path: Path) -> str:
    name = path.name.lower()
    for suffix, kind in TYPES_BY_SUFFIX:
        if name.endswith(suffix):
            return kind
    return "file"

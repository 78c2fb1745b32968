"""What one set of artifacts is released as.

A repository releases one version with ``release.artifacts``; a release
train releases several packages, each with its own version, tag, artifacts
(``release.workspace.packages[].artifacts``), attestation, SBOM and ledger
record. The artifact steps (build, provenance, publish, record) work on one
:class:`ReleaseUnit` at a time and never read the journal's version or tag
themselves, so the same code serves both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipline.domain.config import ArtifactConfig

if TYPE_CHECKING:
    from shipline.domain.config import LoadedConfig
    from shipline.domain.pipeline.journal import Journal

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")


def folder_name(package: str) -> str:
    """``@acme/cli`` → ``acme-cli``: one work folder per package."""
    return "".join(c if c in _SAFE else "-" for c in package.lower()).strip("-") or "package"


@dataclass
class ReleaseUnit:
    """One release's artifacts: its version, tag, artifact entries, and the
    part of the journal where its build, attestation and publishes are kept
    (``built``, ``prepared``, ``published``, ``verified``, ``sealed``)."""

    version: str
    tag: str
    tag_message: str
    artifacts: list[ArtifactConfig]
    data: dict[str, Any]
    package: str | None = None
    """The workspace package (``None``: the repository's one release)."""

    @property
    def folder(self) -> str:
        """A file-system-safe form of the package name (``@acme/core`` →
        ``acme-core``), for build folders; empty for the one release."""
        return "" if self.package is None else folder_name(self.package)

    def effect_name(self, artifact: str) -> str:
        """The journal's name for publishing ``artifact`` (``@acme/core/npm``
        in a train: two packages may each have an artifact named ``npm``)."""
        return artifact if self.package is None else f"{self.package}/{artifact}"

    def label(self) -> str:
        return self.version if self.package is None else f"{self.package}@{self.version}"


def single_unit(loaded: LoadedConfig, j: Journal) -> ReleaseUnit:
    """The repository's one release: ``release.artifacts``, the journal's
    version and tag, its data kept at the journal's top level."""
    return ReleaseUnit(
        version=j.version,
        tag=j.tag,
        tag_message=j.tag_message,
        artifacts=loaded.release.enabled_artifacts,
        data=j.data,
    )

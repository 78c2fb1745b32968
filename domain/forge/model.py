"""What a forge release is to shipline, the same for GitHub and GitLab: a
release for a tag, with named files whose SHA-256 can be compared."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class LocalAsset:
    """A file to attach, with the digest it was recorded with."""

    name: str
    path: Path
    sha256: str
    size: int
    kind: str
    """artifact, attestation, signature, sbom or checksums."""


@dataclass(frozen=True)
class RemoteAsset:
    """A file the forge holds for the release."""

    name: str
    url: str
    """Where people download it (GitHub ``browser_download_url``, GitLab's
    package file URL)."""
    handle: Any
    """The forge's id for it (GitHub asset id, GitLab package file id)."""
    size: int | None = None
    sha256: str | None = None
    """As the forge reports it, when it does (GitHub ``digest``, GitLab
    ``file_sha256``); ``None`` means: download to know."""
    complete: bool = True
    """False for an upload the forge never finished (GitHub ``state`` other
    than ``uploaded``): it is removed and uploaded again."""


@dataclass
class RemoteRelease:
    tag: str
    url: str
    """The release's web page."""
    handle: Any
    name: str = ""
    notes: str = ""
    prerelease: bool = False
    upload_url: str | None = None
    created: bool = False
    """True when this run created it (False: it existed and is reused)."""
    extra: dict[str, Any] = field(default_factory=dict)


class ForgeClient(Protocol):
    """One forge's API for one repository. Every method raises
    :class:`~shipline.domain.forge.failures.ForgeError` with the code the
    transport carries."""

    name: str
    repository: str
    token_env: str

    def check_access(self) -> str:
        """Raise when the token cannot write releases here; return what was
        checked (or why it could not be checked ahead)."""

    def find_release(self, tag: str) -> RemoteRelease | None: ...

    def create_release(
        self, tag: str, title: str, notes: str, prerelease: bool
    ) -> RemoteRelease: ...

    def list_assets(self, release: RemoteRelease) -> list[RemoteAsset]: ...

    def upload(self, release: RemoteRelease, asset: LocalAsset) -> RemoteAsset: ...

    def remove(self, release: RemoteRelease, remote: RemoteAsset) -> None:
        """Delete an upload the forge never finished."""

    def attach(self, release: RemoteRelease, remotes: list[RemoteAsset]) -> list[str]:
        """Make the release point at its files (GitLab release links; GitHub
        assets already belong to it). Returns what was added."""

    def download_sha256(self, remote: RemoteAsset) -> str: ...

    def set_code(self, code: int) -> None:
        """The exit code failures carry from now on (86 before the point of
        no return, 88 after)."""

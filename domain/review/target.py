"""Which recorded release a review is about: ``VERSION`` for a repository
released as one version, ``NAME@VERSION`` for one package of a workspace
(its record carries ``metadata.links.package``).

A target that names nothing recorded is 50, and the hint says what is
there: the workspace's packages when the name is not one of them, the
package's recorded versions when the version is not, and the
``NAME@VERSION`` spellings when a bare version only matches packages'
releases (a signed approval names exactly one release, so a bare version
is never guessed into one package's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import ReleaseNotFound, ShiplineError
from shipline.domain.gitops import Git
from shipline.domain.provenance import ledger as ldg


@dataclass(frozen=True)
class ReviewTarget:
    package: str | None
    """The workspace package (``None``: the repository's one release)."""
    version: str
    """The bare semver version."""

    @property
    def label(self) -> str:
        """How people and the command line name it: ``@acme/cli@3.0.2``, ``1.3.0``."""
        return f"{self.package}@{self.version}" if self.package else self.version


def parse_target(text: str) -> ReviewTarget:
    """``@acme/cli@3.0.2`` or ``v1.3.0``; 53 when the version is not semver."""
    from shipline.domain.provenance.attest_request import normalize_version

    package, version = ldg.split_package_version(text.strip())
    return ReviewTarget(package, normalize_version(version))


record_label = ldg.record_label
"""A release record's :attr:`ReviewTarget.label` (the ledger's own naming)."""


def find_target(
    book: ldg.Ledger,
    target: ReviewTarget,
    git: Git | None = None,
    loaded: LoadedConfig | None = None,
) -> tuple[int, dict[str, Any]]:
    """The index and record of ``target``'s release (50 with a hint, see the module)."""
    found = book.find_release(target.version, target.package)
    if found is not None:
        return found
    releases = book.releases()
    if target.package is None:
        packaged = sorted(
            record_label(r)
            for r in releases
            if r.get("version") == target.version and ldg.record_package(r)
        )
        raise ReleaseNotFound(
            f"{book.path}: no release {target.version} is recorded",
            hint=f"in a workspace name the package: {', '.join(packaged)}"
            if packaged
            else "`shipline ledger` lists the recorded releases",
        )
    recorded = [r["version"] for r in releases if ldg.record_package(r) == target.package]
    if recorded:
        raise ReleaseNotFound(
            f"{book.path}: no release {target.label} is recorded",
            hint=f"{target.package}'s recorded releases: {', '.join(recorded)}",
        )
    known = _workspace_packages(git, loaded) | {
        p for p in (ldg.record_package(r) for r in releases) if p
    }
    if target.package not in known:
        raise ReleaseNotFound(
            f"no package named '{target.package}' in this workspace",
            hint=f"the packages are: {', '.join(sorted(known))}"
            if known
            else "this repository is not a workspace: review a release by its VERSION",
        )
    raise ReleaseNotFound(
        f"{book.path}: no release {target.label} is recorded",
        hint=f"{target.package} has no recorded release yet; "
        f"`shipline release ship --package {target.package}` makes one",
    )


def _workspace_packages(git: Git | None, loaded: LoadedConfig | None) -> set[str]:
    if git is None or loaded is None:
        return set()
    from shipline.domain.workspace.released import released_workspace

    try:
        workspace = released_workspace(git, loaded)
    except ShiplineError:
        return set()
    return {p.name for p in workspace.packages} if workspace is not None else set()

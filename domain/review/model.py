"""The L4 review's data: the evidence a reviewer sees, one recorded review
as it is judged, the levels and where reviews live; and finding the
release a review is about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipline.domain.provenance import ledger as ldg
from shipline.domain.review.checks import Check

PREDICATE_TYPE = "https://shipline.dev/review/v1"


REVIEWS_DIR = "reviews"


L3, L4 = "SLSA_BUILD_LEVEL_3", "SLSA_BUILD_LEVEL_4"


BUILD_CONFIG = (
    ".shipline/config.json",
    ".cleo/config.json",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "package.json",
    "Cargo.toml",
    ":(glob)**/*.lock",
    ":(glob)**/requirements*.txt",
    ":(glob)**/package-lock.json",
    ":(glob)**/npm-shrinkwrap.json",
    ":(glob)**/pnpm-lock.yaml",
    ":(glob)**/Dockerfile*",
    ":(glob)**/Containerfile*",
    ".github/workflows",
    ".gitlab-ci.yml",
    ".circleci",
    "go.sum",
)


@dataclass
class ReviewView:
    """One recorded review and whether it holds."""

    hash: str
    reviewer: str
    approved: bool
    recorded_at: str
    identity: str
    """Who counts: the e-mail (or fingerprint / certificate identity)."""
    independent: bool
    valid: bool
    problem: str = ""
    code: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "hash": self.hash,
            "reviewer": self.reviewer,
            "approved": self.approved,
            "recordedAt": self.recorded_at,
            "identity": self.identity,
            "independent": self.independent,
            "valid": self.valid,
            "problem": self.problem,
            "code": self.code,
        }


@dataclass
class Evidence:
    version: str
    tag: str | None
    commit: str
    release_hash: str
    previous_tag: str | None
    commits: list[dict[str, str]]
    config_changes: list[dict[str, str]]
    config_diff: str
    artifacts: list[dict[str, Any]]
    attestation: dict[str, Any]
    sbom: dict[str, Any] | None
    verification: list[dict[str, Any]]
    verify_ok: bool
    release_level: str | None
    level: str | None
    author_identities: list[str]
    checks: list[Check]
    reviews: list[ReviewView] = field(default_factory=list)
    l4_missing: list[str] = field(default_factory=list)
    package: str | None = None
    """The workspace package of a release train's record (``None``: one release)."""
    changelog: dict[str, Any] | None = None
    """``{"path", "entry"}``: the changelog file and its entry for this version
    at the release commit (``entry`` ``None`` when it has none)."""

    @property
    def label(self) -> str:
        """``@acme/cli@3.0.2`` for a package's release, else the version."""
        return f"{self.package}@{self.version}" if self.package else self.version

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "package": self.package,
            "label": self.label,
            "tag": self.tag,
            "commit": self.commit,
            "releaseHash": self.release_hash,
            "previousTag": self.previous_tag,
            "commits": self.commits,
            "configChanges": self.config_changes,
            "configDiff": self.config_diff,
            "artifacts": self.artifacts,
            "attestation": self.attestation,
            "sbom": self.sbom,
            "verification": self.verification,
            "verifyOk": self.verify_ok,
            "releaseLevel": self.release_level,
            "level": self.level,
            "authorIdentities": self.author_identities,
            "checks": [c.to_json() for c in self.checks],
            "reviews": [r.to_json() for r in self.reviews],
            "l4Missing": self.l4_missing,
            "changelog": self.changelog,
        }


def find_release(book: ldg.Ledger, version: str) -> tuple[int, dict[str, Any]]:
    """The release record ``version`` names: ``VERSION``, or ``NAME@VERSION``
    for a workspace package (50 with a hint, 53 for a version that is not
    semver; :mod:`shipline.domain.review.target`)."""
    from shipline.domain.review.target import find_target, parse_target

    return find_target(book, parse_target(version))


def resolver(repo: Path) -> Callable[[str], Path]:
    """Ledger paths (relative to the repository unless absolute) as files."""
    return lambda rel: Path(rel) if Path(rel).is_absolute() else repo / rel

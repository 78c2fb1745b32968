"""What ``verify`` reports: one :class:`LinkCheck` per link of the chain, the
report over them (its exit code is the first failure's), and the context
the checks share (the ledger, the repository's tags and commits)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipline.domain.provenance.trust import REPOSITORY_TRUST

OK, FAILED, MISSING, SKIPPED = "ok", "failed", "missing", "skipped"


@dataclass(frozen=True)
class LinkCheck:
    link: str
    name: str
    status: str
    code: int = 0
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "link": self.link,
            "name": self.name,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }


@dataclass
class VerifyReport:
    checks: list[LinkCheck] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    trust: dict[str, Any] = field(default_factory=REPOSITORY_TRUST.to_json)
    """Which signers were expected and where that came from (``Trust.to_json``)."""

    @property
    def failures(self) -> list[LinkCheck]:
        return [c for c in self.checks if c.status == FAILED]

    @property
    def code(self) -> int:
        failures = self.failures
        return failures[0].code if failures else 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for check in self.checks:
            counts[check.status] = counts.get(check.status, 0) + 1
        return {
            "ok": self.ok,
            "code": self.code,
            "versions": self.versions,
            "counts": counts,
            "trust": self.trust,
            "failures": [c.to_json() for c in self.failures],
            "missing": [c.to_json() for c in self.checks if c.status == MISSING],
        }


@dataclass
class VerifyContext:
    state_dir: Path
    repo: Path
    records: list[dict[str, Any]]
    tags: dict[str, tuple[str, str]] | None = None
    """tag → (commit it points at, message), when the repository is a git repo."""
    commits: set[str] | None = None
    """Recorded commits that exist in the repository."""
    shallow: bool = False
    """A shallow clone: a missing commit may just not have been fetched."""
    later: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Publish records by the hash of the release record they name."""

    _resolved: dict[str, Path] = field(default_factory=dict, repr=False)

    def resolve(self, rel: str) -> Path:
        """``rel`` (a path the ledger records) as a path on disk; memoized,
        string-joined: ``verify --all`` resolves 40,000 of them."""
        path = self._resolved.get(rel)
        if path is None:
            path = Path(rel if os.path.isabs(rel) else os.path.join(self.repo, rel))
            self._resolved[rel] = path
        return path


ReviewChecks = Callable[[list[dict[str, Any]], Path, "str | None"], list[LinkCheck]]

"""What a repository is made of, for ``shipline init`` and the TUI.

``detect(root)`` runs every ecosystem's detection (one module per ecosystem
beside this one) and adds what git knows: the default branch, the tag prefix existing tags
use, the remotes, plus the CI provider and an existing changelog. Pure
functions of a repository path: nothing is written and no environment
variable's value is read.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shipline.domain.ecosystems.cargo import detect_cargo
from shipline.domain.ecosystems.detection import (
    ARTIFACT_FOR,
    CREDENTIALS_FOR,
    DEFAULT_REGISTRY,
    ArtifactCandidate,
    Ecosystem,
    Found,
    GateCandidate,
    VersionFileCandidate,
    options_for,
    readable_version,
    unique_names,
)
from shipline.domain.ecosystems.docker import detect_docker
from shipline.domain.ecosystems.npm import detect_npm
from shipline.domain.ecosystems.plain import detect_plain
from shipline.domain.ecosystems.python import detect_python
from shipline.domain.ecosystems.version_evidence import detect_version_evidence
from shipline.domain.gitops import Git
from shipline.domain.textsafe import public_url

_SEMVER_TAIL = re.compile(r"^(?P<prefix>.*?)\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$")


@dataclass(frozen=True)
class Detection:
    root: Path
    ecosystems: list[Ecosystem]
    version_files: list[VersionFileCandidate]
    changelog: str | None
    """An existing changelog file, or ``None``."""
    branch: str | None
    tag_prefix: str
    release_tags: int
    """How many existing tags look like releases."""
    remote: str | None
    remotes: list[str]
    remote_url: str | None
    ci: str | None
    """github-actions, gitlab-ci or None."""
    gates: list[GateCandidate]
    artifacts: list[ArtifactCandidate]
    notes: list[str]

    @property
    def kinds(self) -> list[str]:
        return [e.kind for e in self.ecosystems]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["root"] = str(self.root)
        return data


# --- git -------------------------------------------------------------------


def tag_prefix(tags: list[str]) -> tuple[str, int]:
    """The prefix most release-looking tags share (``v`` or ``""``...), and
    how many tags look like releases. No such tag: ``v``."""
    prefixes = Counter(m.group("prefix") for t in tags if (m := _SEMVER_TAIL.match(t)))
    if not prefixes:
        return "v", 0
    best = max(prefixes.items(), key=lambda item: (item[1], item[0] == "v"))[0]
    return best, sum(prefixes.values())


def default_branch(git: Git, remote: str | None) -> str | None:
    """The remote's HEAD branch, else main/master, else the current branch."""
    if remote:
        ref = git.try_out("symbolic-ref", "-q", "--short", f"refs/remotes/{remote}/HEAD")
        if ref and "/" in ref:
            return ref.split("/", 1)[1]
    current = git.current_branch()
    if current in ("main", "master"):
        return current
    for name in ("main", "master"):
        if git.branch_exists(name):
            return name
    return current


def ci_provider(root: Path) -> str | None:
    workflows = root / ".github" / "workflows"
    if workflows.is_dir() and any(p.suffix in (".yml", ".yaml") for p in workflows.iterdir()):
        return "github-actions"
    if (root / ".gitlab-ci.yml").is_file():
        return "gitlab-ci"
    return None


def existing_changelog(root: Path) -> str | None:
    """CHANGELOG/CHANGES/HISTORY/NEWS (.md, .rst, .txt) or docs/changelog.*."""
    from shipline.domain.release.changelog.discover import find_changelog

    return find_changelog(root)


# --- everything ------------------------------------------------------------


def detect(root: Path) -> Detection:
    """Everything ``init`` proposes for the repository at ``root``."""
    git = Git.open(root)
    root = git.root
    remotes = [r for r in (git.try_out("remote") or "").splitlines() if r]
    remote = "origin" if "origin" in remotes else (remotes[0] if remotes else None)
    url = git.remote_url(remote) if remote else None
    remote_url = public_url(url) if url else None
    found = Found()
    detect_python(root, found)
    detect_npm(root, found)
    detect_cargo(root, found)
    detect_docker(root, found, remote_url)
    detect_plain(root, found)
    tags = (git.try_out("tag", "--list") or "").splitlines()
    prefix, count = tag_prefix(tags)
    python = next((e.name for e in found.ecosystems if e.kind == "python"), None)
    detect_version_evidence(git, root, found, prefix, python)
    if not any(a.type != "oci-image" for a in found.artifacts) and any(
        e.kind == "plain" for e in found.ecosystems
    ):
        found.artifacts.append(
            ArtifactCandidate(
                "tarball",
                re.sub(r"[^A-Za-z0-9._-]+", "-", root.name),
                DEFAULT_REGISTRY["tarball"],
                None,
                source="plain version file: a source archive",
            )
        )
    if remote is None:
        found.notes.append(
            "no git remote yet: add one (git remote add origin URL) before "
            "shipping, or the push gates fail"
        )
    return Detection(
        root=root,
        ecosystems=found.ecosystems,
        version_files=found.files,
        changelog=existing_changelog(root),
        branch=default_branch(git, remote),
        tag_prefix=prefix,
        release_tags=count,
        remote=remote,
        remotes=remotes,
        remote_url=remote_url,
        ci=ci_provider(root),
        gates=found.gates,
        artifacts=unique_names(found.artifacts),
        notes=found.notes,
    )


def default_provenance(detection: Detection, signing_key: str | None) -> tuple[str, int]:
    """(signing method, SLSA level) this environment can honestly reach: a
    hosted CI with an OIDC identity signs keyless and reaches level 3; a
    local build is level 1 whatever signs it (the seed's decision tree), with
    gpg when a key is configured."""
    if detection.ci:
        return "sigstore", 3
    return ("gpg" if signing_key else "none"), 1


__all__ = [
    "ARTIFACT_FOR",
    "CREDENTIALS_FOR",
    "DEFAULT_REGISTRY",
    "ArtifactCandidate",
    "Detection",
    "Ecosystem",
    "GateCandidate",
    "VersionFileCandidate",
    "ci_provider",
    "default_branch",
    "default_provenance",
    "detect",
    "existing_changelog",
    "options_for",
    "readable_version",
    "tag_prefix",
    "unique_names",
]

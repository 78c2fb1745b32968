"""Version files beyond the manifests, for ``shipline init``: the files a
maintainer bumps by hand and a first config would miss.

* files the last release commit changed *with the version*
  (:mod:`shipline.domain.release.version_files.evidence`): ``__version__``
  modules, requirements pinning the project, docs naming the tag;
* other ``package.json`` files that carry the project's version (an npm
  wrapper and its per-platform packages) and their lock files;
* files with release-please or shipline version markers;
* requirements files pinning the project itself (``name==1.2.3``).

Each candidate says why it is proposed; every one is read back with the
bumper, so whatever is proposed can be bumped.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from shipline.domain.config import VersionFile
from shipline.domain.ecosystems.detection import Found, VersionFileCandidate, readable_version
from shipline.domain.gitops import Git
from shipline.domain.release import schemes, versioning
from shipline.domain.release import version_files as bumpfiles
from shipline.domain.release.version_files.evidence import release_evidence
from shipline.domain.release.version_files.sites import names

_SKIP_PARTS = {"node_modules", "target", "dist", "build", ".venv", "vendor"}


def detect_version_evidence(
    git: Git, root: Path, found: Found, prefix: str, project: str | None
) -> None:
    """Add the candidates above to ``found.files`` (each path once)."""
    current_text = next((f.version for f in found.files if f.selected and f.version), None)
    current = schemes.parse_any(current_text) if current_text else None
    listed = {(f.path, f.pattern) for f in found.files}

    def propose(path: str, source: str, pattern: str | None = None) -> None:
        if (path, pattern) in listed or (pattern is None and any(p == path for p, _ in listed)):
            return
        version = readable_version(root, path, pattern)
        if version is None:
            return
        selected = current is None or names(version, current)
        found.files.append(
            VersionFileCandidate(path, version, source, selected=selected, pattern=pattern)
        )
        listed.add((path, pattern))

    tracked = _tracked(git)
    if current is not None:
        for rel in tracked:
            name = PurePosixPath(rel).name
            if name == "package.json" and _wanted(rel):
                version = readable_version(root, rel)
                if version is not None and names(version, current):
                    propose(rel, "package.json at the project's version")
                    lock = (PurePosixPath(rel).parent / "package-lock.json").as_posix()
                    if lock in tracked:
                        propose(lock, "lock file beside it")
        if project:
            pin = re.compile(rf"(?im)^{re.escape(project)}==")
            for rel in tracked:
                if _requirements(rel) and _wanted(rel) and pin.search(_text(root, rel)):
                    propose(rel, "requirements pinning the project", f"{project}=={{version}}")
    for rel in _marked(git):
        propose(rel, "version markers")
    tags = versioning.release_tags(git, prefix)
    if tags:
        tag, released = tags[-1]
        evidence = release_evidence(git, tag, released)
        configured = [VersionFile(path=p, pattern=pat) for p, pat in listed if (root / p).is_file()]
        for entry in bumpfiles.evidence_entries(root, evidence, released, configured):
            propose(entry.path, f"bumped with the version in {tag}'s release commit", entry.pattern)


def _tracked(git: Git) -> list[str]:
    out = git.try_out("ls-files", "-z") or ""
    return [p for p in out.split("\0") if p]


def _wanted(rel: str) -> bool:
    return not any(part in _SKIP_PARTS for part in PurePosixPath(rel).parts)


def _requirements(rel: str) -> bool:
    path = PurePosixPath(rel)
    return path.suffix in (".txt", ".in") and (
        path.name.startswith("requirements")
        or any(p.startswith("requirements") for p in path.parts[:-1])
    )


def _text(root: Path, rel: str) -> str:
    try:
        return (root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _marked(git: Git) -> list[str]:
    done = git.run(
        ["grep", "-l", "-I", "-E", r"x-release-please-(start-)?version|shipline:version"],
        check=False,
    )
    return [p for p in done.stdout.splitlines() if p and _wanted(p)] if done.ok else []

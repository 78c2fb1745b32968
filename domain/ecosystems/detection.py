"""Per-ecosystem detection from manifests, for ``shipline init``: what a
pyproject.toml (PEP 621 or Poetry; a dynamic version held in a
``__version__`` file found from hatch, pdm, setuptools or flit settings or
the package itself), a package.json (with its lock file), a Cargo.toml
(including workspaces), a Dockerfile or a plain VERSION file proposes as
version files, command gates and artifacts.

Pure functions of the repository's files: nothing is written and no
environment variable's value is read. Every proposed version file is read
back with :mod:`shipline.domain.release.version_files`, so whatever is proposed can be
bumped.

This module holds what every ecosystem proposes (the candidate types, the
registries' defaults, the manifest readers); each ecosystem's detector is
its own module beside it: :mod:`python`, :mod:`npm`, :mod:`cargo`,
:mod:`docker`, :mod:`plain`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from shipline.domain.config import VersionFile
from shipline.domain.errors import VersionBumpFailed
from shipline.domain.release import version_files as bumpfiles

ARTIFACT_FOR = {
    "python": "python-package",
    "npm": "npm-package",
    "cargo": "cargo-crate",
    "docker": "oci-image",
    "plain": "tarball",
}
"""ecosystem → the artifact type that publishes it."""


CREDENTIALS_FOR = {
    "python-package": "PYPI_TOKEN",
    "npm-package": "NPM_TOKEN",
    "cargo-crate": "CARGO_REGISTRY_TOKEN",
    "oci-image": "OCI_CREDENTIALS",
    "tarball": None,
}
"""Conventional names of the variables that hold each registry's token."""


DEFAULT_REGISTRY = {
    "python-package": "https://pypi.org",
    "npm-package": "https://registry.npmjs.org/",
    "cargo-crate": "sparse+https://index.crates.io/",
    "tarball": "../releases",
}
"""Public registries (a tarball goes to a folder beside the repository)."""


PYPI_UPLOAD = "https://upload.pypi.org/legacy/"


def options_for(
    kind: str, registry: str | None, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An artifact's ``options`` for ``registry``: PyPI itself uploads to
    another URL than it serves from; any other index takes uploads at its URL."""
    out = {k: v for k, v in (options or {}).items() if k != "uploadUrl"}
    if kind == "python-package":
        out.setdefault("username", "__token__")
        if registry == DEFAULT_REGISTRY["python-package"]:
            out["uploadUrl"] = PYPI_UPLOAD
    return out


_NAME_SUFFIX = {
    "python-package": "py",
    "npm-package": "npm",
    "cargo-crate": "crate",
    "oci-image": "image",
    "tarball": "src",
}


def unique_names(artifacts: list[ArtifactCandidate]) -> list[ArtifactCandidate]:
    """Artifacts under distinct names (the journal and ledger key on them):
    a repeated name gets its type's suffix (``demo-image``). Package
    handlers read the real package name from the manifest, so only the
    label changes; an image keeps its registry repository in
    ``options.repository``."""
    seen: set[str] = set()
    out = []
    for art in artifacts:
        name = art.name or art.type
        if name in seen:
            base, n = f"{name}-{_NAME_SUFFIX.get(art.type, 'artifact')}", 1
            new = base
            while new in seen:
                n += 1
                new = f"{base}{n}"
            options = dict(art.options)
            if art.type == "oci-image":
                options.setdefault("repository", name)
            art = replace(art, name=new, options=options)
            name = new
        seen.add(name)
        out.append(art)
    return out


@dataclass(frozen=True)
class Ecosystem:
    kind: str
    """python, npm, cargo, docker or plain."""
    manifest: str
    name: str | None = None
    version: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class VersionFileCandidate:
    path: str
    version: str | None
    source: str
    """Why it is proposed, e.g. ``[project] version``."""
    selected: bool = True
    pattern: str | None = None

    def entry(self) -> str | dict[str, str]:
        """The ``release.versionBump`` entry."""
        return {"path": self.path, "pattern": self.pattern} if self.pattern else self.path


@dataclass(frozen=True)
class GateCandidate:
    name: str
    run: str
    source: str


@dataclass(frozen=True)
class ArtifactCandidate:
    type: str
    name: str | None
    registry: str | None
    credentials_env: str | None
    path: str = "."
    options: dict[str, Any] = field(default_factory=dict)
    selected: bool = True
    source: str = ""

    def entry(self) -> dict[str, Any]:
        """The ``release.artifacts`` entry (names of variables only, never values)."""
        out: dict[str, Any] = {"type": self.type}
        if self.name:
            out["name"] = self.name
        if self.path != ".":
            out["path"] = self.path
        if self.registry:
            out["registry"] = self.registry
        if self.credentials_env:
            out["credentialsEnv"] = self.credentials_env
        if self.options:
            out["options"] = dict(self.options)
        return out


# --- manifests -------------------------------------------------------------


def read_toml(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def readable_version(root: Path, path: str, pattern: str | None = None) -> str | None:
    """The version ``bumpfiles`` reads from ``path``, or ``None`` when it finds none."""
    try:
        found = bumpfiles.read_versions(root, [VersionFile(path=path, pattern=pattern)])
    except VersionBumpFailed:
        return None
    return found.get(path)


@dataclass
class Found:
    """What the detectors found so far (each appends to it)."""

    ecosystems: list[Ecosystem] = field(default_factory=list)
    files: list[VersionFileCandidate] = field(default_factory=list)
    gates: list[GateCandidate] = field(default_factory=list)
    artifacts: list[ArtifactCandidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

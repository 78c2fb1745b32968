"""Per-ecosystem detection from manifests, for ``shipline init``: what a
pyproject.toml (PEP 621 or Poetry; a dynamic version held in a
``__version__`` file found from hatch, pdm, setuptools or flit settings or
the package itself), a package.json (with its lock file), a Cargo.toml
(including workspaces), a Dockerfile or a plain VERSION file proposes as
version files, command gates and artifacts.

Pure functions of the repository's files: nothing is written and no
environment variable's value is read. Every proposed version file is read
back with :mod:`shipline.domain.release.version_files`, so whatever is proposed can be bumped.
"""

from __future__ import annotations

import json
import re
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


def options_for(kind: str, registry: str | None, options: dict[str, Any] | None = None
                ) -> dict[str, Any]:
    """An artifact's ``options`` for ``registry``: PyPI itself uploads to
    another URL than it serves from; any other index takes uploads at its URL."""
    out = {k: v for k, v in (options or {}).items() if k != "uploadUrl"}
    if kind == "python-package":
        out.setdefault("username", "__token__")
        if registry == DEFAULT_REGISTRY["python-package"]:
            out["uploadUrl"] = PYPI_UPLOAD
    return out


_NAME_SUFFIX = {"python-package": "py", "npm-package": "npm", "cargo-crate": "crate",
                "oci-image": "image", "tarball": "src"}


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


PLAIN_VERSION_NAMES = ("VERSION", "VERSION.txt", "version.txt")
_NPM_DEFAULT_TEST = 'echo "Error: no test specified" && exit 1'


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


def _toml(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _dig(data: Any, *keys: str) -> Any:
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
class _Found:
    ecosystems: list[Ecosystem] = field(default_factory=list)
    files: list[VersionFileCandidate] = field(default_factory=list)
    gates: list[GateCandidate] = field(default_factory=list)
    artifacts: list[ArtifactCandidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _module_files(module: str) -> list[str]:
    """Where ``pkg.sub`` lives: ``src/pkg/sub/__init__.py``, ``pkg/sub.py``..."""
    rel = module.replace(".", "/")
    return [f"{base}{rel}/__init__.py" for base in ("src/", "")] + \
        [f"{base}{rel}.py" for base in ("src/", "")]


def _version_holders(root: Path, data: dict[str, Any], name: str | None) -> list[str]:
    """Files that may hold a Python project's ``__version__``, best first."""
    out: list[str] = []
    for path in (_dig(data, "tool", "hatch", "version", "path"),
                 _dig(data, "tool", "pdm", "version", "path")):
        if isinstance(path, str):
            out.append(path)
    dynamic = _dig(data, "tool", "setuptools", "dynamic", "version")
    if isinstance(dynamic, dict):
        if isinstance(dynamic.get("attr"), str):
            module = dynamic["attr"].rsplit(".", 1)[0]
            out.extend(_module_files(module))
        files = dynamic.get("file")
        for f in [files] if isinstance(files, str) else files if isinstance(files, list) else []:
            out.append(f)
    flit = _dig(data, "tool", "flit", "module", "name")
    for module in [flit] if isinstance(flit, str) else []:
        out.extend(_module_files(module))
    if name:
        out.extend(_module_files(re.sub(r"[-.]+", "_", name).lower()))
    for pattern in ("src/*/__init__.py", "*/__init__.py", "src/*/__about__.py",
                    "*/__about__.py", "src/*/_version.py", "*/_version.py",
                    "src/*/__version__.py", "*/__version__.py"):
        out.extend(p.relative_to(root).as_posix() for p in sorted(root.glob(pattern))
                   if "tests" not in p.parts and not p.parts[-2].startswith("."))
    return list(dict.fromkeys(out))


def _vcs_versioned(data: dict[str, Any]) -> bool:
    requires = " ".join(map(str, _dig(data, "build-system", "requires") or []))
    return (_dig(data, "tool", "hatch", "version", "source") == "vcs"
            or _dig(data, "tool", "pdm", "version", "source") == "scm"
            or _dig(data, "tool", "setuptools_scm") is not None
            or "setuptools_scm" in requires or "setuptools-scm" in requires
            or "hatch-vcs" in requires)


def detect_python(root: Path, found: _Found) -> None:
    manifest = root / "pyproject.toml"
    if not manifest.is_file():
        return
    data = _toml(manifest)
    if data is None:
        found.notes.append("pyproject.toml is not valid TOML: skipped")
        return
    poetry = _dig(data, "tool", "poetry")
    name = _dig(data, "project", "name") or _dig(poetry, "name")
    static = readable_version(root, "pyproject.toml")
    dynamic = "version" in (_dig(data, "project", "dynamic") or [])
    flavour = "poetry" if isinstance(_dig(poetry, "version"), str) and \
        not isinstance(_dig(data, "project", "version"), str) else "pep 621"
    if static:
        found.files.append(VersionFileCandidate(
            "pyproject.toml", static,
            "[tool.poetry] version" if flavour == "poetry" else "[project] version"))
    holders = _version_holders(root, data, name if isinstance(name, str) else None)
    holder_found = False
    for rel in holders:
        if not (root / rel).is_file() or holder_found:
            continue
        version = readable_version(root, rel)
        if version is None:
            continue
        holder_found = True
        if static:  # both: bump the __version__ too when it agrees today
            same = version == static
            found.files.append(VersionFileCandidate(
                rel, version, "__version__" + ("" if same else f" (differs: {static} in "
                                               "pyproject.toml)"), selected=same))
        else:
            found.files.append(VersionFileCandidate(rel, version,
                                                    "__version__ (dynamic version)"))
    detail = flavour
    if dynamic and not holder_found:
        if _vcs_versioned(data):
            detail = "version from git tags"
            found.notes.append("pyproject.toml: the version comes from git tags "
                               "(setuptools-scm / hatch-vcs): no file to bump, the tag is the "
                               "version")
        else:
            found.notes.append("pyproject.toml: the version is dynamic and no file holding "
                               "__version__ was found: pass --version-file PATH")
    elif dynamic:
        detail = "dynamic version"
    version = static or next((f.version for f in found.files if f.path != "pyproject.toml"
                              and f.selected), None)
    found.ecosystems.append(Ecosystem("python", "pyproject.toml", name, version, detail))
    found.artifacts.append(ArtifactCandidate(
        "python-package", name if isinstance(name, str) else root.name,
        DEFAULT_REGISTRY["python-package"], CREDENTIALS_FOR["python-package"],
        options=options_for("python-package", DEFAULT_REGISTRY["python-package"]),
        source="pyproject.toml"))
    if (_dig(data, "tool", "pytest") is not None or (root / "pytest.ini").is_file()
            or (root / "conftest.py").is_file() or (root / "tests").is_dir()
            or (root / "test").is_dir()):
        found.gates.append(GateCandidate("pytest", "pytest -q", "tests / pytest config"))
    if _dig(data, "tool", "ruff") is not None or (root / "ruff.toml").is_file() or \
            (root / ".ruff.toml").is_file():
        found.gates.append(GateCandidate("ruff", "ruff check .", "ruff config"))


def detect_npm(root: Path, found: _Found) -> None:
    manifest = root / "package.json"
    if not manifest.is_file():
        return
    data = _json(manifest)
    if not isinstance(data, dict):
        found.notes.append("package.json is not a JSON object: skipped")
        return
    name = data.get("name") if isinstance(data.get("name"), str) else None
    version = readable_version(root, "package.json") if "version" in data else None
    if version:
        found.files.append(VersionFileCandidate("package.json", version, '"version"'))
        if (root / "package-lock.json").is_file():
            lock = readable_version(root, "package-lock.json")
            if lock:
                found.files.append(VersionFileCandidate(
                    "package-lock.json", lock, "lock file beside package.json",
                    selected=lock == version))
    found.ecosystems.append(Ecosystem("npm", "package.json", name, version,
                                      "private" if data.get("private") else ""))
    if data.get("private"):
        found.notes.append("package.json is private: no npm-package artifact proposed")
    else:
        found.artifacts.append(ArtifactCandidate(
            "npm-package", name or root.name, DEFAULT_REGISTRY["npm-package"],
            CREDENTIALS_FOR["npm-package"], source="package.json"))
    scripts = data.get("scripts") if isinstance(data.get("scripts"), dict) else {}
    if isinstance(scripts.get("test"), str) and scripts["test"].strip() != _NPM_DEFAULT_TEST:
        found.gates.append(GateCandidate("npm test", "npm test", "package.json scripts.test"))
    if isinstance(scripts.get("lint"), str):
        found.gates.append(GateCandidate("npm lint", "npm run lint", "package.json scripts.lint"))


def _crate(root: Path, manifest: Path, workspace_version: str | None) -> tuple[str, str] | None:
    """(name, version) of a publishable crate, or None."""
    data = _toml(manifest) or {}
    package = data.get("package")
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        return None
    if package.get("publish") is False or package.get("publish") == []:
        return None
    version = package.get("version")
    if isinstance(version, dict) and version.get("workspace"):
        version = workspace_version
    return (package["name"], version) if isinstance(version, str) else None


def detect_cargo(root: Path, found: _Found) -> None:
    manifest = root / "Cargo.toml"
    if not manifest.is_file():
        return
    data = _toml(manifest)
    if data is None:
        found.notes.append("Cargo.toml is not valid TOML: skipped")
        return
    ws_version = _dig(data, "workspace", "package", "version")
    ws_version = ws_version if isinstance(ws_version, str) else None
    root_version = readable_version(root, "Cargo.toml")
    members = [m.relative_to(root).as_posix() for pattern in
               (_dig(data, "workspace", "members") or []) if isinstance(pattern, str)
               for m in sorted(root.glob(f"{pattern}/Cargo.toml"))]
    if root_version:
        source = "[workspace.package] version" if ws_version and \
            _dig(data, "package", "version") is None else "[package] version"
        found.files.append(VersionFileCandidate("Cargo.toml", root_version, source))
    own = [(m, readable_version(root, m)) for m in members]
    own = [(m, v) for m, v in own if v and isinstance(_dig(_toml(root / m), "package",
                                                            "version"), str)]
    for member, version in own:
        # listed so the operator sees them; bumpfiles adds them anyway beside a root version
        found.files.append(VersionFileCandidate(member, version, "workspace member version"))
    crates = []
    for rel in ["Cargo.toml", *members]:
        crate = _crate(root, root / rel, ws_version)
        if crate:
            crates.append((crate[0], str(Path(rel).parent.as_posix())))
    name = _dig(data, "package", "name")
    detail = f"workspace of {len(members)} crate(s)" if members else ""
    found.ecosystems.append(Ecosystem("cargo", "Cargo.toml", name if isinstance(name, str)
                                      else None, root_version or ws_version, detail))
    for crate_name, path in crates:
        found.artifacts.append(ArtifactCandidate(
            "cargo-crate", crate_name, DEFAULT_REGISTRY["cargo-crate"],
            CREDENTIALS_FOR["cargo-crate"], path=path, source=f"{path}/Cargo.toml".lstrip("./")))
    found.gates.append(GateCandidate("cargo test", "cargo test" + (" --workspace" if members
                                                                     else ""), "Cargo.toml"))


def detect_docker(root: Path, found: _Found, remote_url: str | None) -> None:
    dockerfile = next((n for n in ("Dockerfile", "Containerfile") if (root / n).is_file()), None)
    if dockerfile is None:
        return
    name = re.sub(r"[^a-z0-9._-]+", "-", root.name.lower()).strip("-.") or "app"
    registry = None
    owner = _github_owner(remote_url)
    if owner:
        registry = f"https://ghcr.io/{owner.lower()}"
    else:
        found.notes.append(f"{dockerfile}: no image registry known; set the oci-image "
                           "artifact's registry (e.g. https://ghcr.io/OWNER)")
    options = {"dockerfile": dockerfile} if dockerfile != "Dockerfile" else {}
    found.ecosystems.append(Ecosystem("docker", dockerfile, name))
    found.artifacts.append(ArtifactCandidate("oci-image", name, registry,
                                             CREDENTIALS_FOR["oci-image"], options=options,
                                             source=dockerfile))


def detect_plain(root: Path, found: _Found) -> None:
    for rel in PLAIN_VERSION_NAMES:
        if not (root / rel).is_file():
            continue
        version = readable_version(root, rel)
        if version is None:
            found.notes.append(f"{rel}: does not hold just a version: skipped")
            continue
        found.files.append(VersionFileCandidate(rel, version, "plain version file"))
        found.ecosystems.append(Ecosystem("plain", rel, root.name, version))
        return


def _public_url(url: str | None) -> str | None:
    """``url`` without a user or password (a remote URL may carry a token)."""
    if url is None:
        return None
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", url)


def _github_owner(url: str | None) -> str | None:
    match = re.search(r"github\.com[:/]+([^/]+)/", url or "")
    return match.group(1) if match else None


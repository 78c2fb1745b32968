"""Workspaces (monorepos): the packages one repository releases.

A workspace is declared by its ecosystem's own manifest: ``workspaces`` in a
root package.json (npm, yarn), ``pnpm-workspace.yaml``, ``[workspace]
members`` in a root Cargo.toml, or ``[tool.uv.workspace] members`` in a root
pyproject.toml. A repository with no such declaration but several manifests
in sub-folders is a plain workspace. Each package is read from its own
manifest: name, version, whether it is private (never published or tagged
unless asked), and its requirements on the other packages of the workspace,
as written (``workspace:^``, ``^1.2.3``, ``version = "…"``, ``name>=…``).

Pure functions of the repository's files: nothing is written.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IGNORED_DIRS = frozenset(
    {
        "node_modules",
        "target",
        ".git",
        ".venv",
        "venv",
        "dist",
        "build",
        ".tox",
        ".shipline",
        "__pycache__",
    }
)
"""Folders never searched for manifests."""

NPM_DEPENDENCY_SECTIONS = (
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
)
CARGO_DEPENDENCY_SECTIONS = ("dependencies", "dev-dependencies", "build-dependencies")
MANIFESTS = {"npm": "package.json", "cargo": "Cargo.toml", "python": "pyproject.toml"}


@dataclass(frozen=True)
class Requirement:
    """One package's requirement on another package of the same workspace."""

    name: str
    """The package required."""
    spec: str
    """As written in the manifest: ``workspace:^``, ``^1.2.3``, ``2.13.0``, ``>=1.2``."""
    section: str
    """Where: ``dependencies``, ``optionalDependencies``, ``dev-dependencies``…"""


@dataclass(frozen=True)
class WorkspacePackage:
    name: str
    path: str
    """Repository-relative folder, POSIX separators; ``.`` for the root."""
    manifest: str
    """Repository-relative path of the manifest that names the package."""
    ecosystem: str
    """``npm``, ``cargo`` or ``python``."""
    version: str | None
    private: bool
    """Never published or tagged unless the config asks."""
    requires: tuple[Requirement, ...] = ()
    version_from_workspace: bool = False
    """Cargo ``version.workspace = true``: the version lives in the root manifest."""

    @property
    def default_changelog(self) -> str:
        """``PATH/CHANGELOG.md`` (``CHANGELOG.md`` for the root package)."""
        return _join(self.path, "CHANGELOG.md")

    def owns(self, file: str) -> bool:
        """Whether a repository-relative file lies under this package's folder."""
        return self.path == "." or file == self.path or file.startswith(self.path + "/")


@dataclass(frozen=True)
class Workspace:
    kind: str
    """``npm``, ``pnpm``, ``yarn``, ``cargo``, ``uv`` or ``plain``."""
    manifest: str
    """The file that declares the workspace (the first manifest for ``plain``)."""
    packages: tuple[WorkspacePackage, ...]
    shared_version: str | None = None
    """Cargo ``[workspace.package].version``: packages that inherit it form a fixed group."""
    notes: tuple[str, ...] = field(default=())

    def package(self, name: str) -> WorkspacePackage | None:
        return next((p for p in self.packages if p.name == name), None)

    def package_at(self, folder: str) -> WorkspacePackage | None:
        """The package whose folder is ``folder`` or contains it (deepest wins)."""
        best = None
        for pkg in self.packages:
            if (
                pkg.path != "."
                and pkg.owns(folder)
                and (best is None or len(pkg.path) > len(best.path))
            ):
                best = pkg
        return best


def _toml(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return data


def _json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` when it is a table, else an empty one."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def expand_globs(root: Path, patterns: list[str], manifest: str) -> list[str]:
    """Folders (repository-relative) matched by workspace ``patterns`` that
    hold ``manifest``; ``!pattern`` excludes, as npm and pnpm read them."""
    include = [p for p in patterns if not p.startswith("!")]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    found: dict[str, None] = {}
    for pattern in include:
        pattern = pattern.strip().rstrip("/").removeprefix("./")
        if not pattern:
            continue
        for hit in sorted(root.glob(f"{pattern}/{manifest}")):
            rel = hit.parent.relative_to(root).as_posix()
            if not any(part in IGNORED_DIRS for part in Path(rel).parts):
                found[rel] = None
    excluded = {
        hit.relative_to(root).as_posix()
        for pattern in exclude
        for hit in root.glob(pattern.strip().rstrip("/").removeprefix("./"))
    }
    return [f for f in found if f not in excluded]


def pnpm_packages(text: str) -> list[str]:
    """The ``packages:`` globs of a pnpm-workspace.yaml."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    return _strings(data.get("packages")) if isinstance(data, dict) else []


# --- one package per manifest ---------------------------------------------------------


def _npm_package(root: Path, folder: str) -> WorkspacePackage | None:
    data = _json(root / folder / "package.json")
    if data is None or not isinstance(data.get("name"), str):
        return None
    requires = tuple(
        Requirement(name, spec, section)
        for section in NPM_DEPENDENCY_SECTIONS
        if isinstance(data.get(section), dict)
        for name, spec in data[section].items()
        if isinstance(spec, str)
    )
    version = data.get("version")
    return WorkspacePackage(
        data["name"],
        folder,
        _join(folder, "package.json"),
        "npm",
        version if isinstance(version, str) else None,
        data.get("private") is True,
        requires,
    )


def _cargo_requirements(
    table: dict[str, Any], section: str, workspace_deps: dict[str, Any]
) -> list[Requirement]:
    out: list[Requirement] = []
    deps = table.get(section)
    if not isinstance(deps, dict):
        return out
    for name, spec in deps.items():
        if isinstance(spec, dict) and spec.get("workspace") is True:
            spec = workspace_deps.get(name, {})
        if isinstance(spec, dict):
            real = spec.get("package", name)
            version = spec.get("version")
            if "path" in spec or isinstance(version, str):
                out.append(
                    Requirement(
                        real if isinstance(real, str) else name,
                        version if isinstance(version, str) else "",
                        section,
                    )
                )
        elif isinstance(spec, str):
            out.append(Requirement(name, spec, section))
    return out


def _cargo_package(root: Path, folder: str, workspace: dict[str, Any]) -> WorkspacePackage | None:
    data = _toml(root / folder / "Cargo.toml")
    package = data.get("package") if data else None
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        return None
    assert data is not None
    ws_package = _table(workspace, "package")
    version = package.get("version")
    inherited = isinstance(version, dict) and version.get("workspace") is True
    if inherited:
        version = ws_package.get("version")
    publish = package.get("publish")
    if isinstance(publish, dict) and publish.get("workspace") is True:
        publish = ws_package.get("publish")
    ws_deps = _table(workspace, "dependencies")
    requires = tuple(
        r
        for section in CARGO_DEPENDENCY_SECTIONS
        for r in _cargo_requirements(data, section, ws_deps)
    )
    return WorkspacePackage(
        package["name"],
        folder,
        _join(folder, "Cargo.toml"),
        "cargo",
        version if isinstance(version, str) else None,
        publish is False or publish == [],
        requires,
        inherited,
    )


_PEP508_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")


def normalize_python_name(name: str) -> str:
    """PEP 503 normalization: ``My_Pkg`` and ``my-pkg`` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _python_package(root: Path, folder: str) -> WorkspacePackage | None:
    data = _toml(root / folder / "pyproject.toml")
    if data is None:
        return None
    project = _table(data, "project")
    poetry = _table(_table(data, "tool"), "poetry")
    name = project.get("name") or poetry.get("name")
    if not isinstance(name, str):
        return None
    version = project.get("version") or poetry.get("version")
    classifiers = _strings(project.get("classifiers")) + _strings(poetry.get("classifiers"))
    requires = []
    for line in _strings(project.get("dependencies")):
        match = _PEP508_NAME.match(line)
        if match:
            requires.append(
                Requirement(match.group(1), match.group(2).split(";")[0].strip(), "dependencies")
            )
    return WorkspacePackage(
        name,
        folder,
        _join(folder, "pyproject.toml"),
        "python",
        version if isinstance(version, str) else None,
        "Private :: Do Not Upload" in classifiers,
        tuple(requires),
    )


def _join(folder: str, name: str) -> str:
    return name if folder == "." else f"{folder}/{name}"


def _siblings_only(packages: list[WorkspacePackage]) -> tuple[WorkspacePackage, ...]:
    """Keep each package's requirements on packages of this workspace only."""
    names = {p.name for p in packages} | {
        normalize_python_name(p.name) for p in packages if p.ecosystem == "python"
    }
    out = []
    for pkg in packages:
        own = tuple(
            r
            for r in pkg.requires
            if r.name in names
            or (pkg.ecosystem == "python" and normalize_python_name(r.name) in names)
        )
        out.append(
            WorkspacePackage(
                pkg.name,
                pkg.path,
                pkg.manifest,
                pkg.ecosystem,
                pkg.version,
                pkg.private,
                own,
                pkg.version_from_workspace,
            )
        )
    return tuple(sorted(out, key=lambda p: p.path))


# --- detection --------------------------------------------------------------------------


def detect_workspace(root: Path) -> Workspace | None:
    """The workspace at ``root``, or ``None`` for a single-package repository."""
    for detect in (_npm_workspace, _cargo_workspace, _uv_workspace, _plain_workspace):
        found = detect(root)
        if found is not None and len(found.packages) >= 2:
            return found
    return None


def _npm_workspace(root: Path) -> Workspace | None:
    pnpm = root / "pnpm-workspace.yaml"
    data = _json(root / "package.json")
    if pnpm.is_file():
        kind, manifest = "pnpm", "pnpm-workspace.yaml"
        patterns = pnpm_packages(pnpm.read_text(encoding="utf-8", errors="replace"))
    elif data is not None and data.get("workspaces") is not None:
        kind = "yarn" if (root / "yarn.lock").is_file() else "npm"
        manifest = "package.json"
        declared = data["workspaces"]
        patterns = _strings(declared.get("packages") if isinstance(declared, dict) else declared)
    else:
        return None
    packages = [
        p
        for folder in expand_globs(root, patterns, "package.json")
        if (p := _npm_package(root, folder)) is not None
    ]
    return Workspace(kind, manifest, _siblings_only(packages))


def _cargo_workspace(root: Path) -> Workspace | None:
    data = _toml(root / "Cargo.toml")
    workspace = data.get("workspace") if data else None
    if not isinstance(workspace, dict):
        return None
    folders = expand_globs(root, _strings(workspace.get("members")), "Cargo.toml")
    excluded = set(_strings(workspace.get("exclude")))
    folders = [f for f in folders if f not in excluded]
    if "package" in (data or {}) and "." not in folders:
        folders.insert(0, ".")
    packages = [p for folder in folders if (p := _cargo_package(root, folder, workspace))]
    shared = _table(workspace, "package").get("version")
    return Workspace(
        "cargo", "Cargo.toml", _siblings_only(packages), shared if isinstance(shared, str) else None
    )


def _uv_workspace(root: Path) -> Workspace | None:
    data = _toml(root / "pyproject.toml")
    tool = data.get("tool") if data else None
    uv = tool.get("uv") if isinstance(tool, dict) else None
    ws = uv.get("workspace") if isinstance(uv, dict) else None
    if not isinstance(ws, dict):
        return None
    folders = expand_globs(
        root,
        _strings(ws.get("members")) + [f"!{e}" for e in _strings(ws.get("exclude"))],
        "pyproject.toml",
    )
    if "." not in folders and _python_package(root, ".") is not None:
        folders.insert(0, ".")
    packages = [p for folder in folders if (p := _python_package(root, folder))]
    return Workspace("uv", "pyproject.toml", _siblings_only(packages))


def _plain_workspace(root: Path) -> Workspace | None:
    """Several manifests in sub-folders (up to three levels) with no workspace
    declared: each is a package."""
    packages: list[WorkspacePackage] = []
    for ecosystem, manifest in MANIFESTS.items():
        for depth in ("*", "*/*", "*/*/*"):
            for hit in sorted(root.glob(f"{depth}/{manifest}")):
                rel = hit.parent.relative_to(root).as_posix()
                if any(part in IGNORED_DIRS or part.startswith(".") for part in Path(rel).parts):
                    continue
                reader = {"npm": _npm_package, "python": _python_package}.get(ecosystem)
                pkg = reader(root, rel) if reader else _cargo_package(root, rel, {})
                if pkg is not None:
                    packages.append(pkg)
    if len(packages) < 2:
        return None
    return Workspace("plain", packages[0].manifest, _siblings_only(packages))

"""Finding the workspace a repository declares: npm/yarn/pnpm workspaces,
a Cargo workspace, a uv workspace, else several manifests in sub-folders
(a plain workspace). Members are read by
:mod:`shipline.domain.ecosystems.workspace_members`; requirements are kept
only when they name another member."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from shipline.domain.ecosystems.workspace_members import (
    cargo_package,
    npm_package,
    python_package,
    read_json,
    read_toml,
    strings,
    table,
)
from shipline.domain.ecosystems.workspaces import Workspace, WorkspacePackage
from shipline.domain.python_names import normalize_python_name

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
MANIFESTS = {"npm": "package.json", "cargo": "Cargo.toml", "python": "pyproject.toml"}


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
    return strings(data.get("packages")) if isinstance(data, dict) else []


def _siblings_only(packages: list[WorkspacePackage]) -> tuple[WorkspacePackage, ...]:
    """Keep each package's requirements on packages of this workspace only,
    each named as its package is (a Python requirement on ``svc_models``
    is on the package ``svc-models``: PEP 503), so the publish order and
    ``releaseDependents`` find it."""
    names = {p.name for p in packages}
    python = {normalize_python_name(p.name): p.name for p in packages if p.ecosystem == "python"}
    out = []
    for pkg in packages:
        own = tuple(
            r if r.name in names else replace(r, name=python[normalize_python_name(r.name)])
            for r in pkg.requires
            if r.name in names
            or (pkg.ecosystem == "python" and normalize_python_name(r.name) in python)
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


def detect_workspace(root: Path) -> Workspace | None:
    """The workspace at ``root``, or ``None`` for a single-package repository."""
    for detect in (_npm_workspace, _cargo_workspace, _uv_workspace, _plain_workspace):
        found = detect(root)
        if found is not None and len(found.packages) >= 2:
            return found
    return None


def _npm_workspace(root: Path) -> Workspace | None:
    pnpm = root / "pnpm-workspace.yaml"
    data = read_json(root / "package.json")
    if pnpm.is_file():
        kind, manifest = "pnpm", "pnpm-workspace.yaml"
        patterns = pnpm_packages(pnpm.read_text(encoding="utf-8", errors="replace"))
    elif data is not None and data.get("workspaces") is not None:
        kind = "yarn" if (root / "yarn.lock").is_file() else "npm"
        manifest = "package.json"
        declared = data["workspaces"]
        patterns = strings(declared.get("packages") if isinstance(declared, dict) else declared)
    else:
        return None
    packages = [
        p
        for folder in expand_globs(root, patterns, "package.json")
        if (p := npm_package(root, folder)) is not None
    ]
    return Workspace(kind, manifest, _siblings_only(packages))


def _cargo_workspace(root: Path) -> Workspace | None:
    data = read_toml(root / "Cargo.toml")
    workspace = data.get("workspace") if data else None
    if not isinstance(workspace, dict):
        return None
    folders = expand_globs(root, strings(workspace.get("members")), "Cargo.toml")
    excluded = set(strings(workspace.get("exclude")))
    folders = [f for f in folders if f not in excluded]
    if "package" in (data or {}) and "." not in folders:
        folders.insert(0, ".")
    packages = [p for folder in folders if (p := cargo_package(root, folder, workspace))]
    shared = table(workspace, "package").get("version")
    return Workspace(
        "cargo", "Cargo.toml", _siblings_only(packages), shared if isinstance(shared, str) else None
    )


def _uv_workspace(root: Path) -> Workspace | None:
    data = read_toml(root / "pyproject.toml")
    tool = data.get("tool") if data else None
    uv = tool.get("uv") if isinstance(tool, dict) else None
    ws = uv.get("workspace") if isinstance(uv, dict) else None
    if not isinstance(ws, dict):
        return None
    folders = expand_globs(
        root,
        strings(ws.get("members")) + [f"!{e}" for e in strings(ws.get("exclude"))],
        "pyproject.toml",
    )
    if "." not in folders and python_package(root, ".") is not None:
        folders.insert(0, ".")
    packages = [p for folder in folders if (p := python_package(root, folder))]
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
                reader = {"npm": npm_package, "python": python_package}.get(ecosystem)
                pkg = reader(root, rel) if reader else cargo_package(root, rel, {})
                if pkg is not None:
                    packages.append(pkg)
    if len(packages) < 2:
        return None
    return Workspace("plain", packages[0].manifest, _siblings_only(packages))

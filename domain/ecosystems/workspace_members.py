"""Each member of a workspace read from its own manifest (package.json,
Cargo.toml, pyproject.toml): name, version, privacy and its requirements,
as written. A manifest that cannot be read or names no package is no
member (``None``): detection never fails on a stray file."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from shipline.domain.ecosystems.workspaces import Requirement, WorkspacePackage, in_folder

NPM_DEPENDENCY_SECTIONS = (
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
)
CARGO_DEPENDENCY_SECTIONS = ("dependencies", "dev-dependencies", "build-dependencies")


def read_toml(path: Path) -> dict[str, Any] | None:
    """A TOML manifest's table, or ``None`` when it is missing or unreadable."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return data


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON manifest's object, or ``None`` when it is missing, unreadable or no object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` when it is a table, else an empty one."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def strings(value: Any) -> list[str]:
    """The strings of a list (a manifest may hold anything there)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def npm_package(root: Path, folder: str) -> WorkspacePackage | None:
    data = read_json(root / folder / "package.json")
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
        in_folder(folder, "package.json"),
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


def cargo_package(root: Path, folder: str, workspace: dict[str, Any]) -> WorkspacePackage | None:
    data = read_toml(root / folder / "Cargo.toml")
    package = data.get("package") if data else None
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        return None
    assert data is not None
    ws_package = table(workspace, "package")
    version = package.get("version")
    inherited = isinstance(version, dict) and version.get("workspace") is True
    if inherited:
        version = ws_package.get("version")
    publish = package.get("publish")
    if isinstance(publish, dict) and publish.get("workspace") is True:
        publish = ws_package.get("publish")
    ws_deps = table(workspace, "dependencies")
    requires = tuple(
        r
        for section in CARGO_DEPENDENCY_SECTIONS
        for r in _cargo_requirements(data, section, ws_deps)
    )
    return WorkspacePackage(
        package["name"],
        folder,
        in_folder(folder, "Cargo.toml"),
        "cargo",
        version if isinstance(version, str) else None,
        publish is False or publish == [],
        requires,
        inherited,
    )


_PEP508_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")


def python_package(root: Path, folder: str) -> WorkspacePackage | None:
    data = read_toml(root / folder / "pyproject.toml")
    if data is None:
        return None
    project = table(data, "project")
    poetry = table(table(data, "tool"), "poetry")
    name = project.get("name") or poetry.get("name")
    if not isinstance(name, str):
        return None
    version = project.get("version") or poetry.get("version")
    classifiers = strings(project.get("classifiers")) + strings(poetry.get("classifiers"))
    requires = []
    for line in strings(project.get("dependencies")):
        match = _PEP508_NAME.match(line)
        if match:
            requires.append(
                Requirement(match.group(1), match.group(2).split(";")[0].strip(), "dependencies")
            )
    return WorkspacePackage(
        name,
        folder,
        in_folder(folder, "pyproject.toml"),
        "python",
        version if isinstance(version, str) else None,
        "Private :: Do Not Upload" in classifiers,
        tuple(requires),
    )

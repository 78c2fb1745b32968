"""release-please (manifest releaser): ``release-please-config.json`` and
``.release-please-manifest.json``: the root package ``"."``, and in a
monorepo every other package as ``release.workspace.packages`` (its tag
``component-vX``, its changelog).

Imported: the release type's manifest files, ``extra-files`` (generic
files through their ``x-release-please-version`` markers, json/toml/yaml
files through their ``jsonpath``), ``changelog-path``, the tag
(``include-v-in-tag``, ``include-component-in-tag``, ``tag-separator``),
the release PR's title as the commit message, and ``changelog-sections``:
a visible section releases a patch (``deps`` by default), a hidden one
does not release, and the visible sections (release-please's defaults
when the project lists none) are the changelog's sections in their order.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shipline.domain.release.changelog.groups import BREAKING, DEFAULT_TITLES, OTHER
from shipline.domain.release.imports.model import (
    ToolImport,
    read_json,
    read_text,
    rule,
    subtable,
    version_entry,
)

CONFIG = "release-please-config.json"
MANIFEST = ".release-please-manifest.json"
DEFAULT_SECTIONS = [
    {"type": "feat", "section": "Features"},
    {"type": "fix", "section": "Bug Fixes"},
    {"type": "perf", "section": "Performance Improvements"},
    {"type": "revert", "section": "Reverts"},
    {"type": "deps", "section": "Dependencies"},
    {"type": "docs", "hidden": True},
    {"type": "style", "hidden": True},
    {"type": "chore", "hidden": True},
    {"type": "refactor", "hidden": True},
    {"type": "test", "hidden": True},
    {"type": "build", "hidden": True},
    {"type": "ci", "hidden": True},
]
"""release-please's defaults (src/changelog-notes.ts)."""
DEFAULT_TITLE = "chore${scope}: release${component} ${version}"
_RELEASE_TYPE_FILES = {
    "python": ["pyproject.toml"],
    "node": ["package.json", "package-lock.json"],
    "rust": ["Cargo.toml"],
    "simple": ["version.txt"],
}
_BUILT_IN = {"feat": "minor", "fix": "patch", "perf": "patch", "revert": "patch"}


def read(root: Path) -> ToolImport | None:
    if not (root / CONFIG).is_file():
        return None
    config = read_json(root, CONFIG)
    imp = ToolImport("release-please", CONFIG)
    if not isinstance(config, dict):
        imp.note("the config is not a JSON object: nothing imported")
        return imp
    packages = subtable(config, "packages")
    if set(packages) - {"."}:
        _workspace(imp, root, config, packages)
    package = subtable(packages, ".")

    def get(key: str, default: Any = None) -> tuple[Any, str]:
        if key in package:
            return package[key], f'packages["."].{key}'
        if key in config:
            return config[key], key
        return default, f"(release-please default {key})"

    current = _manifest_version(root, imp)
    release_type, where = get("release-type", "node")
    for rel in _RELEASE_TYPE_FILES.get(str(release_type), []):
        if (root / rel).is_file():
            imp.add("versionBump", rel, f"{where} {release_type!r}")
    extra, where = get("extra-files", [])
    for index, spec in enumerate(extra if isinstance(extra, list) else []):
        _extra_file(imp, root, spec, current, f"{where}[{index}]")
    path, where = get("changelog-path")
    if isinstance(path, str):
        imp.add("changelog.path", path, where)
    _tag(imp, get)
    _sections(imp, get)
    return imp


def _manifest_version(root: Path, imp: ToolImport) -> str | None:
    if not (root / MANIFEST).is_file():
        imp.note(f"{MANIFEST} is missing: versions are read from the files")
        return None
    data = read_json(root, MANIFEST)
    version = data.get(".") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


def _marked_lines(root: Path, rel: str) -> set[int]:
    """Lines an ``x-release-please-version`` comment marks, or that sit
    between ``x-release-please-start-version`` and ``-end``."""
    out: set[int] = set()
    inside = False
    for number, line in enumerate(read_text(root, rel).split("\n"), 1):
        if "x-release-please-start-version" in line:
            inside = True
        elif "x-release-please-end" in line:
            inside = False
        elif inside or "x-release-please-version" in line:
            out.add(number)
    return out


def _extra_file(imp: ToolImport, root: Path, spec: Any, current: str | None, where: str) -> None:
    if isinstance(spec, str):
        spec = {"type": "generic", "path": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
        imp.note(f"{where}: not a path or {{type, path}}: not imported")
        return
    rel = spec["path"].lstrip("/")
    kind = spec.get("type", "generic")
    if not (root / rel).is_file():
        imp.note(f"{where}: {rel} does not exist: not imported")
        return
    if kind == "generic":
        version_entry(imp, root, rel, current, where, only=_marked_lines(root, rel))
        return
    key = str(spec.get("jsonpath", "$.version")).rsplit(".", 1)[-1]
    if kind == "json" and spec.get("jsonpath", "$.version") == "$.version":
        imp.add("versionBump", rel, where)
        return
    if kind in ("json", "toml", "yaml"):
        version_entry(
            imp, root, rel, current, where, line_regex=rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[:=]"
        )
        return
    imp.note(f"{where}: extra-file type {kind!r} is not imported; add {rel} by hand")


def _tag(imp: ToolImport, get: Any) -> None:
    include_v, v_where = get("include-v-in-tag", True)
    with_component, c_where = get("include-component-in-tag", True)
    component, _ = get("component")
    if component is None:
        component, _ = get("package-name")
    separator, _ = get("tag-separator", "-")
    prefix = "v" if include_v else ""
    where = v_where
    if with_component is True and isinstance(component, str) and component:
        prefix = f"{component}{separator}{prefix}"
        where = f"{c_where}, {v_where}"
    elif not c_where.startswith("("):
        where = f"{c_where} = {str(with_component).lower()}, {v_where}"
    imp.add("tagPrefix", prefix, where)
    title, t_where = get("pull-request-title-pattern", DEFAULT_TITLE)
    branch, _ = get("target-branch", "main")
    shown = f" {component}" if with_component is True and isinstance(component, str) else ""
    message = (
        str(title)
        .replace("${scope}", f"({branch})")
        .replace("${component}", shown)
        .replace("${version}", "{version}")
        .replace("${branch}", str(branch))
    )
    imp.add("commitMessage", message, t_where)


def _sections(imp: ToolImport, get: Any) -> None:
    sections, where = get("changelog-sections", DEFAULT_SECTIONS)
    if not isinstance(sections, list):
        return
    visible = {
        s["type"]
        for s in sections
        if isinstance(s, dict) and isinstance(s.get("type"), str) and not s.get("hidden")
    }
    for kind in sorted(visible - set(_BUILT_IN)):
        rule(imp, f"{where} (visible section {kind!r})", "patch", type=kind)
    for kind in _BUILT_IN:
        if kind not in visible:
            rule(imp, f"{where} ({kind!r} hidden or not listed)", "none", type=kind)
    _changelog_sections(imp, sections, where)


def _changelog_sections(imp: ToolImport, sections: list[Any], where: str) -> None:
    """The visible sections, in their order, as ``changelog.sections``
    (types sharing a title share a section)."""
    by_title: dict[str, list[str]] = {}
    for s in sections:
        if not isinstance(s, dict) or s.get("hidden") or not isinstance(s.get("type"), str):
            continue
        title = s.get("section")
        if not isinstance(title, str) or not title:
            continue
        if s["type"] not in DEFAULT_TITLES or s["type"] in (BREAKING, OTHER):
            imp.note(f"{where}: type {s['type']!r} has no changelog section in shipline")
            continue
        by_title.setdefault(title, []).append(s["type"])
    if by_title:
        imp.add(
            "changelog.sections",
            [{"title": t, "types": kinds} for t, kinds in by_title.items()],
            where,
        )
        imp.add("changelog.unlistedTypes", "omit", f"{where} (hidden and unlisted types)")


def _package_name(root: Path, folder: str) -> str | None:
    """The name in the package's own manifest."""
    for manifest in ("package.json", "Cargo.toml", "pyproject.toml"):
        rel = f"{folder}/{manifest}"
        if not (root / rel).is_file():
            continue
        if manifest == "package.json":
            data = read_json(root, rel)
            name = data.get("name") if isinstance(data, dict) else None
        else:
            from shipline.domain.release.imports.model import read_toml

            data = read_toml(root, rel)
            table = data.get("package") or data.get("project") or {}
            name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str):
            return name
    return None


def _workspace(
    imp: ToolImport, root: Path, config: dict[str, Any], packages: dict[str, Any]
) -> None:
    """A monorepo: each package of ``packages`` with its own tag
    (``component-vX``) and changelog, as ``release.workspace.packages``."""
    for folder, own in sorted(packages.items()):
        if folder == "." or not isinstance(own, dict):
            continue

        def get(key: str, default: Any = None, own: dict[str, Any] = own) -> Any:
            return own.get(key, config.get(key, default))

        name = get("package-name") or _package_name(root, folder)
        if not isinstance(name, str):
            imp.note(f'packages["{folder}"]: no package name found: not imported')
            continue
        component = get("component") or name.rsplit("/", 1)[-1]
        prefix = "v" if get("include-v-in-tag", True) else ""
        pattern = (
            f"{component}{get('tag-separator', '-')}{prefix}{{version}}"
            if get("include-component-in-tag", True)
            else f"{prefix}{{version}}"
        )
        entry = {
            "name": name,
            "path": folder,
            "tagPattern": pattern,
            "changelog": f"{folder}/{get('changelog-path', 'CHANGELOG.md')}",
        }
        imp.add("workspace.packages", entry, f'packages["{folder}"]')

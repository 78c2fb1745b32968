"""commitizen: ``[tool.commitizen]`` in pyproject.toml, ``.cz.toml`` /
``cz.toml``, ``.cz.json`` / ``cz.json``, ``.cz.yaml`` / ``cz.yaml``.

Imported: the version provider's file (``version`` in the config itself,
or pep621/poetry/uv/cargo/npm manifests), ``version_files`` (``path`` or
``path:regex``: the lines matching the regex that hold the version),
``tag_format``, ``bump_message``, ``changelog_file`` with
``update_changelog_on_bump``, the bump map (commitizen's default for
Conventional Commits bumps ``refactor`` and ``perf`` as patches;
``customize.bump_map`` replaces it), and ``version_scheme`` (formerly
``version_type``; ``pep440`` by default): commitizen spells the tag, the
message and every file in that one scheme and numbers prereleases from 0
(``cz bump --prerelease rc`` on 1.4.0 makes ``1.5.0rc0``, then ``rc1``), so
the import sets ``versionScheme`` and ``prereleaseStart`` 0 with it. The
final release's changelog entry lists what came after the last prerelease,
or, with ``changelog_merge_prerelease``, the whole series in place of the
prerelease entries (``changelog.prereleases``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shipline.domain.release.bump_rules import BUILT_IN
from shipline.domain.release.imports.model import (
    ToolImport,
    current_version,
    dig,
    pyproject_tool,
    read_json,
    read_toml,
    read_yaml,
    rule,
    tag_prefix,
    version_entry,
)

DEFAULT_BUMP_MESSAGE = "bump: version $current_version → $new_version"
DEFAULT_BUMP_MAP = {"feat": "MINOR", "fix": "PATCH", "refactor": "PATCH", "perf": "PATCH"}
"""cz_conventional_commits' map (commitizen/defaults.py), breaking changes aside."""
_PROVIDER_FILES = {
    "pep621": ["pyproject.toml"],
    "poetry": ["pyproject.toml"],
    "uv": ["pyproject.toml"],
    "cargo": ["Cargo.toml"],
    "npm": ["package.json", "package-lock.json"],
}


def _find(root: Path) -> tuple[str, dict[str, Any]] | None:
    for name in (".cz.toml", "cz.toml"):
        if (root / name).is_file():
            table = dig(read_toml(root, name), "tool", "commitizen")
            return (name, table) if isinstance(table, dict) else None
    for name, reader in (
        (".cz.json", read_json),
        ("cz.json", read_json),
        (".cz.yaml", read_yaml),
        ("cz.yaml", read_yaml),
    ):
        if (root / name).is_file():
            table = dig(reader(root, name), "commitizen")
            return (name, table) if isinstance(table, dict) else None
    table = pyproject_tool(root, "commitizen")
    return ("pyproject.toml", table) if table is not None else None


def read(root: Path) -> ToolImport | None:
    found = _find(root)
    if found is None:
        return None
    name, cz = found
    table = "[tool.commitizen]" if name.endswith("toml") else "commitizen"
    imp = ToolImport("commitizen", name)
    provider = cz.get("version_provider", "commitizen")
    current = cz.get("version") if isinstance(cz.get("version"), str) else current_version(root)
    if provider == "commitizen" and isinstance(cz.get("version"), str):
        version_entry(
            imp, root, name, current, f"{table} version", line_regex=r"^\s*\"?version\"?\s*[:=]"
        )
    elif provider in _PROVIDER_FILES:
        for rel in _PROVIDER_FILES[provider]:
            if (root / rel).is_file():
                imp.add("versionBump", rel, f"{table} version_provider = {provider!r}")
    elif provider == "scm":
        imp.note("version_provider 'scm': the version lives in git tags only")
    for spec in cz.get("version_files") or []:
        if isinstance(spec, str):
            path, _, regex = spec.partition(":")
            version_entry(
                imp,
                root,
                path,
                current,
                f"{table} version_files {spec!r}",
                line_regex=regex or None,
            )
    tag_prefix(
        imp,
        cz.get("tag_format", "$version"),
        ("$version", "${version}"),
        f"{table} tag_format"
        if "tag_format" in cz
        else "(commitizen default tag_format '$version')",
    )
    message = cz.get("bump_message")
    where = f"{table} bump_message" if message else "(commitizen default bump_message)"
    imp.add("commitMessage", _placeholders(message or DEFAULT_BUMP_MESSAGE), where)
    if "changelog_file" in cz:
        imp.add("changelog.path", cz["changelog_file"], f"{table} changelog_file")
    imp.add(
        "changelog.enabled",
        bool(cz.get("update_changelog_on_bump", False)),
        f"{table} update_changelog_on_bump"
        if "update_changelog_on_bump" in cz
        else "(commitizen default: cz bump writes no changelog)",
    )
    _scheme(imp, cz, table)
    merge = cz.get("changelog_merge_prerelease")
    imp.add(
        "changelog.prereleases",
        "merge" if merge is True else "since-last",
        f"{table} changelog_merge_prerelease"
        if "changelog_merge_prerelease" in cz
        else "(commitizen default: a final release lists what came after its last prerelease)",
    )
    _bump_map(imp, cz, table)
    return imp


_SCHEMES = {"pep440": "pep440", "semver2": "semver", "semver": "semver-compact"}
"""commitizen's version_scheme → shipline's versionScheme (commitizen's
``semver`` joins label and number: ``1.5.0-rc0``; its ``semver2`` is SemVer's)."""


def _scheme(imp: ToolImport, cz: dict[str, Any], table: str) -> None:
    key = next((k for k in ("version_scheme", "version_type") if k in cz), None)
    name = cz[key] if key else "pep440"
    if name not in _SCHEMES:
        imp.note(
            f"{table} {key} {name!r}: a custom scheme shipline cannot spell; "
            "versions are written PEP 440 in Python files, SemVer elsewhere"
        )
        return
    where = f"{table} {key}" if key else "(commitizen default version_scheme 'pep440')"
    imp.add("versionScheme", _SCHEMES[name], where)
    imp.add("prereleaseStart", 0, "(commitizen numbers prereleases from 0: rc0, rc1...)")


def _placeholders(message: str) -> str:
    """commitizen's ``$new_version``/``$current_version`` in shipline's words."""
    out = re.sub(r"\$\{?new_version\}?", "{version}", message)
    return re.sub(r"\$\{?current_version\}?", "{previous_version}", out)


def _bump_map(imp: ToolImport, cz: dict[str, Any], table: str) -> None:
    custom = dig(cz, "customize", "bump_map")
    mapping = custom if isinstance(custom, dict) else cz.get("bump_map")
    where = (
        f"{table} customize.bump_map"
        if isinstance(custom, dict)
        else (f"{table} bump_map" if isinstance(mapping, dict) else "(commitizen default bump_map)")
    )
    if not isinstance(mapping, dict):
        mapping = DEFAULT_BUMP_MAP
    for key, level in mapping.items():
        bump = str(level).lower()
        if bump not in ("major", "minor", "patch"):
            continue
        if re.search(r"BREAKING|!", key):
            continue  # breaking changes are major already
        plain = re.fullmatch(r"\^?([A-Za-z][\w-]*)\$?", key)
        if plain and BUILT_IN.get(plain.group(1)) == bump:
            continue  # shipline's own rule
        if plain:
            rule(imp, f"{where} {key!r}", bump, type=plain.group(1))
        else:
            rule(imp, f"{where} {key!r}", bump, pattern=f"^(?:{key})")

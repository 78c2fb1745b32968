"""What an importer returns, and what every importer needs: reading a
tool's file (a malformed one is exit 90 naming it), turning a tag format
into ``tagPrefix``, and turning "the lines of FILE that hold the version"
into a ``versionBump`` entry shipline's writer bumps byte for byte.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from shipline.domain.config import VersionFile
from shipline.domain.errors import ConfigInvalid, ShiplineError
from shipline.domain.release import version_files as bumpfiles

MANIFESTS = frozenset({"pyproject.toml", "package.json", "Cargo.toml", "package-lock.json"})
"""Files shipline's built-in writers bump by name."""

_SENTINEL = "999.999.999"


@dataclass(frozen=True)
class Setting:
    """One imported setting: the shipline key it sets, its value, and where
    it came from (``pyproject.toml [tool.commitizen] tag_format``)."""

    key: str
    """``tagPrefix``, ``versionBump``, ``changelog.path``, ``changelog.enabled``,
    ``commitMessage``, ``bumpRules``, ``excludeCommits``, ``branch``,
    ``versionScheme`` or ``prereleaseStart``; list keys take one item per
    setting."""
    value: Any
    source: str


@dataclass
class ToolImport:
    """Everything read from one tool's configuration."""

    tool: str
    file: str
    settings: list[Setting] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What could not be imported, and why."""

    def add(self, key: str, value: Any, where: str) -> None:
        self.settings.append(Setting(key, value, f"{self.file} {where}".strip()))

    def note(self, text: str) -> None:
        self.notes.append(f"{self.tool}: {text}")

    def values(self, key: str) -> list[Any]:
        return [s.value for s in self.settings if s.key == key]


# --- reading ---------------------------------------------------------------------------


def _bad(rel: str, what: str) -> ConfigInvalid:
    return ConfigInvalid(
        f"{rel}: {what}",
        hint="fix the file's syntax (shipline imports its "
        "release settings), or write .shipline/config.json with `shipline init`",
    )


def read_text(root: Path, rel: str) -> str:
    try:
        return (root / rel).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _bad(rel, "not UTF-8 text") from None
    except OSError as exc:
        raise _bad(rel, f"cannot read: {exc.strerror}") from None


@lru_cache(maxsize=64)
def _toml_cached(path: Path, mtime: float, text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def read_toml(root: Path, rel: str) -> dict[str, Any]:
    text = read_text(root, rel)
    try:
        return _toml_cached(root / rel, (root / rel).stat().st_mtime, text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad(rel, f"malformed TOML: {exc}") from None


def read_json(root: Path, rel: str) -> Any:
    try:
        return json.loads(read_text(root, rel))
    except json.JSONDecodeError as exc:
        raise _bad(
            rel, f"malformed JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def read_yaml(root: Path, rel: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(read_text(root, rel))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        raise _bad(rel, f"malformed YAML: {where}{getattr(exc, 'problem', exc)}") from None


def pyproject_tool(root: Path, name: str) -> dict[str, Any] | None:
    """``[tool.NAME]`` of pyproject.toml. A pyproject that is not valid
    TOML is an error (90) only when it visibly holds that table."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        data = read_toml(root, "pyproject.toml")
    except ConfigInvalid:
        if f"[tool.{name}" in read_text(root, "pyproject.toml"):
            raise
        return None
    table = data.get("tool", {}).get(name) if isinstance(data.get("tool"), dict) else None
    return table if isinstance(table, dict) else None


def subtable(data: Any, key: str) -> dict[str, Any]:
    """``data[key]`` when it is a table, else an empty one."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


# --- mapping ---------------------------------------------------------------------------


def tag_prefix(imp: ToolImport, fmt: Any, placeholders: tuple[str, ...], where: str) -> None:
    """``v$version`` → tagPrefix ``v``; a format with text after the
    version (``$version-final``) cannot be a prefix and is noted."""
    if not isinstance(fmt, str):
        return
    for name in placeholders:
        if fmt.endswith(name):
            prefix = fmt[: -len(name)]
            if not re.search(r"[$%{}]", prefix):
                imp.add("tagPrefix", prefix, where)
                return
    imp.note(
        f"{where} {fmt!r}: only a prefix before the version is supported; "
        "set release.tagPrefix by hand"
    )


def current_version(root: Path) -> str | None:
    """The version the project's main manifest carries, if any."""
    for name in ("pyproject.toml", "package.json", "Cargo.toml"):
        if (root / name).is_file():
            try:
                found = bumpfiles.read_versions(root, [VersionFile(path=name)])
            except ShiplineError:
                continue
            if found:
                return next(iter(found.values()))
    return None


def _changed_lines(root: Path, entry: VersionFile) -> set[int] | None:
    """The lines ``entry`` would change, or None when shipline cannot read it."""
    try:
        bumps = bumpfiles.plan_bumps(root, [entry], _SENTINEL)
    except ShiplineError:
        return None
    return {c.line for b in bumps for c in b.changes}


def version_entry(
    imp: ToolImport,
    root: Path,
    rel: str,
    current: str | None,
    where: str,
    line_regex: str | None = None,
    text_of_version: str | None = None,
    pattern: str | None = None,
    only: set[int] | None = None,
) -> None:
    """``versionBump`` entries that change exactly the lines of ``rel``
    holding ``current`` (or ``text_of_version``, e.g. the full tag) and
    matching ``line_regex``: the file's own writer or the tool's
    ``pattern`` when one does that, else a pattern cut from each line."""
    if not (root / rel).is_file():
        imp.note(f"{where}: {rel} does not exist: not imported")
        return
    if current is None:
        imp.add("versionBump", rel, where)
        return
    needle = text_of_version or current
    try:
        lines = read_text(root, rel).split("\n")
        regex = re.compile(line_regex) if line_regex else None
    except (ConfigInvalid, re.error) as exc:
        imp.note(f"{where}: {exc}: not imported")
        return
    wanted = {
        i + 1
        for i, line in enumerate(lines)
        if needle in line
        and (regex is None or regex.search(line))
        and (only is None or i + 1 in only)
    }
    if not wanted:
        imp.note(f"{where}: no line of {rel} holds {needle}: not imported")
        return
    whole: list[VersionFile] = []
    if Path(rel).name in MANIFESTS or rel.endswith(".py") or not text_of_version:
        whole.append(VersionFile(path=rel))
    if pattern:
        whole.append(VersionFile(path=rel, pattern=pattern))
    cuts = {
        n: lines[n - 1].replace(needle, needle.replace(current, "{version}"), 1)
        for n in sorted(wanted)
    }
    per_line = {
        n: [VersionFile(path=rel, pattern=c.strip()), VersionFile(path=rel, pattern="\n" + c)]
        for n, c in cuts.items()
    }
    whole.extend(dict.fromkeys(e for entries in per_line.values() for e in entries))
    for entry in whole:
        if _changed_lines(root, entry) == wanted:
            _add_entry(imp, entry, where)
            return
    covered: set[int] = set()
    for number, entries in per_line.items():
        for entry in entries if number not in covered else ():
            changed = _changed_lines(root, entry) or set()
            if number in changed and changed <= wanted:
                _add_entry(imp, entry, where)
                covered |= changed
                break
        if number not in covered:
            imp.note(
                f"{where}: no pattern bumps line {number} of {rel} without other "
                "lines: add it to release.versionBump by hand"
            )


def _add_entry(imp: ToolImport, entry: VersionFile, where: str) -> None:
    imp.add(
        "versionBump",
        entry.path if entry.pattern is None else {"path": entry.path, "pattern": entry.pattern},
        where,
    )


def rule(
    imp: ToolImport,
    where: str,
    bump: str,
    *,
    type: str | None = None,
    scope: str | None = None,
    pattern: str | None = None,
) -> None:
    entry = {
        k: v for k, v in (("type", type), ("scope", scope), ("pattern", pattern)) if v is not None
    }
    entry["bump"] = bump
    imp.add("bumpRules", entry, where)

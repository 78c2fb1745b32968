"""bump-my-version and bumpversion: ``[tool.bumpversion]`` in
pyproject.toml or ``.bumpversion.toml``, ``.bumpversion.cfg``, and
``[bumpversion]`` in setup.cfg.

Imported: ``current_version`` (the line that holds it is bumped, as the
tool rewrites its own config), every file with its ``search`` (the
pattern; ``{current_version}`` becomes ``{version}``) or, without one, the
lines holding the version; ``tag_name`` and ``message``.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any

from shipline.domain.release.imports.model import (
    ToolImport,
    dig,
    pyproject_tool,
    read_text,
    read_toml,
    tag_prefix,
    version_entry,
)

DEFAULT_MESSAGE = "Bump version: {current_version} → {new_version}"
DEFAULT_TAG_NAME = "v{new_version}"


def _ini(root: Path, name: str) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(read_text(root, name), source=name)
    except configparser.Error as exc:
        from shipline.domain.errors import ConfigInvalid

        raise ConfigInvalid(
            f"{name}: malformed INI: {exc.message.splitlines()[0]}", hint="fix the file's syntax"
        ) from None
    return parser if parser.has_section("bumpversion") else None


def _files_from_ini(parser: configparser.RawConfigParser) -> list[dict[str, Any]]:
    out = []
    for section in parser.sections():
        match = re.fullmatch(r"bumpversion:(file|glob)(?:\([^)]*\))?:(.+)", section)
        if match:
            entry: dict[str, Any] = {
                match.group(1) if match.group(1) == "glob" else "filename": match.group(2).strip()
            }
            entry.update(parser.items(section))
            out.append(entry)
    return out


def _find(root: Path) -> tuple[str, str, dict[str, Any], list[dict[str, Any]]] | None:
    if (root / ".bumpversion.toml").is_file():
        table = dig(read_toml(root, ".bumpversion.toml"), "tool", "bumpversion")
        if isinstance(table, dict):
            return ".bumpversion.toml", "[tool.bumpversion]", table, table.get("files") or []
    for name in (".bumpversion.cfg", "setup.cfg"):
        if (root / name).is_file():
            parser = _ini(root, name)
            if parser is not None:
                return (
                    name,
                    "[bumpversion]",
                    dict(parser.items("bumpversion")),
                    _files_from_ini(parser),
                )
    table = pyproject_tool(root, "bumpversion")
    if table is not None:
        return "pyproject.toml", "[tool.bumpversion]", table, table.get("files") or []
    return None


def read(root: Path) -> ToolImport | None:
    found = _find(root)
    if found is None:
        return None
    name, table, cfg, files = found
    imp = ToolImport("bump-my-version", name)
    current = cfg.get("current_version")
    current = current if isinstance(current, str) else None
    if current:
        version_entry(
            imp,
            root,
            name,
            current,
            f"{table} current_version",
            line_regex=r"^\s*current_version\s*[=:]",
        )
    for index, spec in enumerate(files):
        if isinstance(spec, dict):
            _file(imp, root, spec, current, f"{table} files[{index}]")
    tag_prefix(
        imp,
        cfg.get("tag_name", DEFAULT_TAG_NAME),
        ("{new_version}",),
        f"{table} tag_name"
        if "tag_name" in cfg
        else "(bump-my-version default tag_name 'v{new_version}')",
    )
    message = cfg.get("message", DEFAULT_MESSAGE)
    imp.add(
        "commitMessage",
        message.replace("{new_version}", "{version}").replace(
            "{current_version}", "{previous_version}"
        ),
        f"{table} message" if "message" in cfg else "(bump-my-version default message)",
    )
    if str(cfg.get("commit", "false")).lower() not in ("true", "1", "yes"):
        imp.note("commit is off: bump-my-version only edits files; shipline commits and tags")
    return imp


def _file(
    imp: ToolImport, root: Path, spec: dict[str, Any], current: str | None, where: str
) -> None:
    path = spec.get("filename")
    if not isinstance(path, str):
        pattern = spec.get("glob")
        paths = (
            sorted(p.relative_to(root).as_posix() for p in root.glob(pattern))
            if isinstance(pattern, str)
            else []
        )
        if not paths:
            imp.note(f"{where}: no filename (or a glob matching no file): not imported")
        for rel in paths:
            _file(imp, root, {**spec, "filename": rel, "glob": None}, current, where)
        return
    search = spec.get("search", "{current_version}")
    replace = spec.get("replace", "{new_version}")
    if str(spec.get("regex", "false")).lower() in ("true", "1"):
        imp.note(f"{where}: regex searches are not imported; add {path} by hand")
        return
    expected = search.replace("{current_version}", "{new_version}")
    if (
        search == "{current_version}"
        or replace != expected
        or search.count("{current_version}") != 1
        or "\n" in search
    ):
        if search != "{current_version}" and replace != expected:
            imp.note(
                f"{where}: replace {replace!r} is not search {search!r} with the new "
                "version: only the version is bumped"
            )
        version_entry(imp, root, path, current, where)
        return
    text = search.replace("{current_version}", current) if current else None
    version_entry(
        imp,
        root,
        path,
        current,
        where,
        text_of_version=text,
        pattern=search.replace("{current_version}", "{version}"),
    )

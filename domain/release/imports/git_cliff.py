"""git-cliff: ``cliff.toml`` or ``[tool.git-cliff]`` in pyproject.toml.

Imported: ``[git] tag_pattern`` (its literal prefix), ``commit_parsers``
with ``skip = true`` (left out of bump and changelog), ``[changelog]
output``, and ``[bump]``'s custom major/minor regexes (matched, as git-cliff
does, against the commit type). Groups shape the changelog's sections,
which shipline learns from the changelog file itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shipline.domain.release.imports.model import (
    ToolImport,
    pyproject_tool,
    read_toml,
    rule,
    subtable,
)


def _find(root: Path) -> tuple[str, str, dict[str, Any]] | None:
    if (root / "cliff.toml").is_file():
        return "cliff.toml", "", read_toml(root, "cliff.toml")
    table = pyproject_tool(root, "git-cliff")
    return ("pyproject.toml", "[tool.git-cliff]", table) if table is not None else None


def _prefix(pattern: str) -> str | None:
    """The literal text a tag regex starts with: ``v[0-9].*`` → ``v``."""
    match = re.match(r"\^?((?:[A-Za-z_/@-]|\\[.\-/@])*)", pattern)
    literal = match.group(1) if match else ""
    rest = pattern[match.end() :] if match else pattern
    if rest[:1] in ("*", "?", "+", "{", "|"):
        return None  # the last letter was optional: no fixed prefix
    return literal.replace("\\", "")


def read(root: Path) -> ToolImport | None:
    found = _find(root)
    if found is None:
        return None
    name, table, cliff = found
    imp = ToolImport("git-cliff", name)
    git = subtable(cliff, "git")
    base = f"{table.rstrip(']')}.git]" if table else "[git]"
    pattern = git.get("tag_pattern")
    if isinstance(pattern, str):
        prefix = _prefix(pattern)
        if prefix is None:
            imp.note(f"tag_pattern {pattern!r}: no literal prefix; set release.tagPrefix")
        else:
            imp.add("tagPrefix", prefix, f"{base} tag_pattern {pattern!r}")
    groups: list[str] = []
    for index, parser in enumerate(git.get("commit_parsers") or []):
        if not isinstance(parser, dict):
            continue
        message = parser.get("message")
        if parser.get("skip") is True:
            if isinstance(message, str) and _valid(message):
                imp.add("excludeCommits", message, f"{base} commit_parsers[{index}] skip")
            else:
                imp.note(
                    f"commit_parsers[{index}] skips by {sorted(parser)}: only message "
                    "regexes are imported"
                )
        elif isinstance(parser.get("group"), str):
            groups.append(re.sub(r"<!--.*?-->", "", parser["group"]).strip())
    if groups:
        imp.note(
            "changelog groups (" + ", ".join(dict.fromkeys(groups)) + ") are read from "
            "the changelog file's own sections"
        )
    changelog = subtable(cliff, "changelog")
    if isinstance(changelog.get("output"), str):
        imp.add("changelog.path", changelog["output"], f"{base[:-4]}changelog] output")
    bump = subtable(cliff, "bump")
    for key, level in (
        ("custom_major_increment_regex", "major"),
        ("custom_minor_increment_regex", "minor"),
    ):
        regex = bump.get(key)
        if isinstance(regex, str) and _valid(regex):
            rule(imp, f"{base[:-4]}bump] {key}", level, pattern=rf"^(?:{regex})(?:\([^)]*\))?!?:")
    return imp


def _valid(regex: str) -> bool:
    try:
        re.compile(regex)
    except re.error:
        return False
    return True

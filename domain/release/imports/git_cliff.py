"""git-cliff: ``cliff.toml`` or ``[tool.git-cliff]`` in pyproject.toml.

Imported: ``[git] tag_pattern`` (its literal prefix), ``commit_parsers``
with ``skip = true`` (left out of bump and changelog), the parsers' groups
as the changelog's sections, ``filter_unconventional`` (commits that are
not Conventional left out), ``[changelog] output``, and ``[bump]``'s
custom major/minor regexes (matched, as git-cliff does, against the commit
type).

Groups: git-cliff gives a commit the group of the first parser whose
``message`` regex matches it, and writes the groups sorted by name, the
name shown without HTML comments and with its first letter upper-cased
(``<!-- 0 -->🚀 Features`` sorts first and reads ``🚀 Features``). Each
Conventional type (and ``other``, a commit of no known type) goes to the
group of the first parser matching ``TYPE: change``; a parser matching
by body, footer or author instead is noted, not imported. With
``filter_commits = true`` commits no parser groups are left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shipline.domain.release.changelog.groups import BREAKING, DEFAULT_TITLES, OTHER
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
    parsers = git.get("commit_parsers") or []
    for index, parser in enumerate(parsers if isinstance(parsers, list) else []):
        if not isinstance(parser, dict) or parser.get("skip") is not True:
            continue
        message = parser.get("message")
        if isinstance(message, str) and _valid(message):
            imp.add("excludeCommits", message, f"{base} commit_parsers[{index}] skip")
        else:
            imp.note(
                f"commit_parsers[{index}] skips by {sorted(parser)}: only message "
                "regexes are imported"
            )
    unconventional = git.get("conventional_commits") is True and git.get("filter_unconventional")
    if unconventional is True:
        imp.add("excludeCommits", NOT_CONVENTIONAL, f"{base} filter_unconventional")
    if isinstance(parsers, list):
        _sections(
            imp,
            parsers,
            git.get("filter_commits"),
            f"{base} commit_parsers",
            skip=(OTHER,) if unconventional is True else (),
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


NOT_CONVENTIONAL = r"^(?![A-Za-z][\w-]*(?:\([^()]*\))?!?: \S)"
"""A subject that is not a Conventional Commit: what ``conventional_commits
= true`` with ``filter_unconventional = true`` leaves out."""
_SAMPLE_OTHER = "Update the README"
"""A commit of no Conventional type, as the ``other`` key's sample."""


def _sections(
    imp: ToolImport,
    parsers: list[Any],
    filter_commits: Any,
    where: str,
    skip: tuple[str, ...] = (),
) -> None:
    """``changelog.sections`` from the parsers' groups (see the module)."""
    group_of: dict[str, str] = {}
    for index, parser in enumerate(parsers):
        if not isinstance(parser, dict):
            continue
        message = parser.get("message")
        group = parser.get("group")
        if not isinstance(message, str):
            if isinstance(group, str):
                imp.note(
                    f"commit_parsers[{index}] (group {_title(group)!r}) matches by "
                    f"{', '.join(sorted(set(parser) - {'group'}))}: not imported as a section"
                )
            continue
        if not _valid(message):
            imp.note(f"commit_parsers[{index}]: {message!r} is not a regular expression")
            continue
        regex = re.compile(message)
        for key in DEFAULT_TITLES:
            sample = _SAMPLE_OTHER if key == OTHER else f"{key}: change"
            if key in (BREAKING, *skip) or key in group_of or not regex.search(sample):
                continue
            # a skip parser claims its types too: they are left out, not regrouped
            group_of[key] = group if isinstance(group, str) and not parser.get("skip") else ""
    by_group: dict[str, list[str]] = {}
    for key, group in group_of.items():
        if group:
            by_group.setdefault(group, []).append(key)
    if by_group:
        sections = [{"title": _title(g), "types": by_group[g]} for g in sorted(by_group)]
        imp.add("changelog.sections", sections, where)
        if filter_commits is True:
            imp.add(
                "changelog.unlistedTypes",
                "omit",
                f"{where[: -len(' commit_parsers')]} filter_commits",
            )


def _title(group: str) -> str:
    """``<!-- 0 -->🚀 features`` → ``🚀 features`` upper-cased at its first
    letter, as git-cliff's ``striptags | trim | upper_first`` shows it."""
    text = re.sub(r"<[^>]*>", "", group).strip()
    return text[:1].upper() + text[1:]

"""Changelog entries in Keep a Changelog style, from Conventional Commits.

An entry is grouped by type, breaking changes first, each breaking change
followed by its migration text from the ``BREAKING CHANGE:`` footer
(RLSE-005). Entries go into the changelog file newest first without
touching older entries; an entry for the same version is replaced, so
writing twice (a resumed release) gives the same file.

``history`` renders every release of a repository in time linear in commits
plus tags: one ``git log`` and one ``git for-each-ref``, then each commit is
assigned once to the oldest release tag that contains it (one graph walk per
tag that stops at commits already assigned).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shipline.domain.gitops import Git
from shipline.domain.release.commits import Commit, PendingWalk, changes, walk
from shipline.domain.release.versioning import sort_tags, tag_targets
from shipline.domain.textsafe import visible

BREAKING_TITLE = "⚠ BREAKING CHANGES"
GROUPS: tuple[tuple[str, str], ...] = (
    ("feat", "Features"),
    ("fix", "Bug Fixes"),
    ("perf", "Performance"),
    ("revert", "Reverts"),
    ("refactor", "Refactoring"),
    ("docs", "Documentation"),
    ("build", "Build System"),
    ("deps", "Dependencies"),
    ("ci", "Continuous Integration"),
    ("test", "Tests"),
    ("style", "Styles"),
    ("chore", "Chores"),
)
OTHER_TITLE = "Other"
_TITLE = dict(GROUPS)
HEADER = (
    "# Changelog\n\n"
    "All notable changes to this project are documented in this file.\n\n"
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n"
    "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n"
)
RELEASE_COMMIT = re.compile(r"^chore\(release\):")
MISSING_MIGRATION = "_Migration note missing._"
"""What a generated entry says where a breaking change has no migration text."""


def release_commit_pattern(template: str) -> re.Pattern[str]:
    """Subjects of shipline's own release commits (left out of entries)."""
    head = template.split("{", 1)[0]
    return re.compile("^" + re.escape(head)) if head.strip() else RELEASE_COMMIT


def group(commits: list[Commit], exclude: re.Pattern[str] = RELEASE_COMMIT
          ) -> dict[str, list[Commit]]:
    """``{title: commits}`` in display order, breaking changes first."""
    groups: dict[str, list[Commit]] = {}
    for c in changes(commits):
        if exclude.match(c.subject):
            continue
        if c.breaking:
            title = BREAKING_TITLE
        elif c.type is None:
            title = OTHER_TITLE
        else:
            title = _TITLE.get(c.type, OTHER_TITLE)
        groups.setdefault(title, []).append(c)
    order = [BREAKING_TITLE, *(_TITLE.values()), OTHER_TITLE]
    return {t: groups[t] for t in order if t in groups}


def _item(c: Commit, breaking: bool) -> str:
    scope = f"**{c.scope}:** " if c.scope else ""
    text = c.description if c.type != "revert" else f"revert \"{c.description}\""
    line = f"- {scope}{text} ({c.short})"
    if breaking:
        for note in c.breaking_notes:
            indented = "\n".join(f"  {ln}" if ln.strip() else "" for ln in note.split("\n"))
            line += f"\n\n{indented}"
        if not c.breaking_notes:
            line += f"\n\n  {MISSING_MIGRATION}"
    return line


def render_body(groups: dict[str, list[Commit]]) -> str:
    parts = []
    for title, items in groups.items():
        lines = "\n".join(_item(c, title == BREAKING_TITLE) for c in items)
        parts.append(f"### {title}\n\n{lines}\n")
    # commit text is anyone's: no control or escape sequence reaches the file
    return visible("\n".join(parts)) if parts else "_No notable changes._\n"


def render_entry(version: str, date: str, commits: list[Commit],
                 exclude: re.Pattern[str] = RELEASE_COMMIT) -> str:
    return f"## [{version}] - {date}\n\n{render_body(group(commits, exclude))}"


def missing_migration_notes(commits: list[Commit]) -> list[Commit]:
    """Breaking changes whose commits carry no migration text (RLSE-005)."""
    return [c for c in changes(commits) if c.breaking and not c.breaking_notes]


def migration_unwritten(entry: str) -> bool:
    """A reviewed entry that still carries the generated placeholder where
    a migration note belongs (RLSE-005 is not met by reviewing alone)."""
    return MISSING_MIGRATION in entry


_HEADING = re.compile(r"(?m)^## ")


def insert_entry(existing: str | None, entry: str) -> str:
    """``existing`` with ``entry`` as its newest release; an entry for the
    same version is replaced; an ``[Unreleased]`` section stays on top."""
    entry = entry.strip("\n") + "\n"
    if not existing or not existing.strip():
        return f"{HEADER}\n{entry}"
    version = _entry_version(entry)
    headings = list(_HEADING.finditer(existing))
    for i, h in enumerate(headings):
        if version is not None and _entry_version(existing[h.start():]) == version:
            end = headings[i + 1].start() if i + 1 < len(headings) else len(existing)
            rest = existing[end:]
            return existing[:h.start()] + entry + ("\n" + rest if rest else "")
    for h in headings:
        if _entry_version(existing[h.start():]) not in (None, "unreleased"):
            before = existing[:h.start()].rstrip("\n") + "\n\n"
            return before + entry + "\n" + existing[h.start():]
    return existing.rstrip("\n") + "\n\n" + entry


def _entry_version(text: str) -> str | None:
    match = re.match(r"## \[?([^\]\s]+)\]?", text)
    if match is None:
        return None
    version = match.group(1)
    return "unreleased" if version.lower() == "unreleased" else version


# --- the whole history -----------------------------------------------------------


@dataclass
class Release:
    version: str | None
    """None for the unreleased changes on top."""
    tag: str | None
    date: str | None
    commits: list[Commit] = field(default_factory=list)

    def heading(self) -> str:
        if self.version is None:
            return "## [Unreleased]"
        return f"## [{self.version}] - {self.date}"


def _day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


def history(git: Git, prefix: str, since: str | None = None,
            pending: PendingWalk | None = None) -> list[Release]:
    """Every release reachable from HEAD, newest first, with its commits;
    with ``since``, only the changes after that tag (one Unreleased entry).
    ``pending``: the walk of all of HEAD's history, already started."""
    if git.head() is None:
        return []
    if since is not None:
        return [Release(None, None, None, walk(git, f"{since}..HEAD"))]
    target = tag_targets(git, prefix)
    commits = (pending or PendingWalk(git, None)).commits()
    by_sha = {c.sha: c for c in commits}
    # a tag is reachable from HEAD exactly when its commit is in HEAD's history
    tags = [(t, v) for t, v in sort_tags(list(target), prefix) if target[t][0] in by_sha]
    owner: dict[str, int] = {}
    releases = [Release(str(v), t, _day(target[t][1])) for t, v in tags]
    starts = [target[t][0] for t, _ in tags] + [git.head() or ""]
    releases.append(Release(None, None, None))
    for index, start in enumerate(starts):
        stack = [start]
        while stack:
            sha = stack.pop()
            if sha in owner or sha not in by_sha:
                continue
            owner[sha] = index
            stack.extend(by_sha[sha].parents)
    for c in commits:
        releases[owner.get(c.sha, len(releases) - 1)].commits.append(c)
    if not releases[-1].commits:
        releases.pop()
    return list(reversed(releases))


def render_history(releases: list[Release], exclude: re.Pattern[str] = RELEASE_COMMIT) -> str:
    parts = [HEADER]
    for r in releases:
        parts.append(f"{r.heading()}\n\n{render_body(group(r.commits, exclude))}")
    return "\n".join(parts)


def history_json(releases: list[Release], exclude: re.Pattern[str] = RELEASE_COMMIT
                 ) -> list[dict[str, object]]:
    return [{
        "version": r.version, "tag": r.tag, "date": r.date,
        "groups": {title: [{"sha": c.sha, "type": c.type, "scope": c.scope,
                            "description": c.description, "breaking": c.breaking,
                            "migration": c.breaking_notes} for c in items]
                   for title, items in group(r.commits, exclude).items()},
    } for r in releases]

"""The changelog, written in the repository's own format.

:mod:`.discover` finds the file, :mod:`.textio` keeps its bytes (BOM, line
ends, encoding), :mod:`.document` reads its structure (Markdown or
reStructuredText), :mod:`.style` is the entry template, which :mod:`.learn`
(:mod:`.learn_sections`, :mod:`.learn_bullets`) learns from its latest
entries, :mod:`.render` writes entries in that template, :mod:`.unreleased`
turns a Keep a Changelog ``Unreleased`` section into the release,
:mod:`.writer` puts it all together for a release, and :mod:`.history`
renders every release for ``shipline changelog``. :mod:`.groups` holds the
rules: which commits are listed, under which section, breaking changes first
with their migration note (RLSE-005).
"""

from __future__ import annotations

from shipline.domain.release.changelog.discover import DEFAULT as DEFAULT_PATH
from shipline.domain.release.changelog.discover import find_changelog
from shipline.domain.release.changelog.discover import resolve as resolve_path
from shipline.domain.release.changelog.groups import (
    BREAKING_TITLE,
    MISSING_MIGRATION,
    OTHER_TITLE,
    RELEASE_COMMIT,
    group,
    group_keys,
    migration_problems,
    migration_unwritten,
    missing_migration_notes,
    release_commit_pattern,
)
from shipline.domain.release.changelog.history import (
    Release,
    history,
    history_json,
    render_history,
)
from shipline.domain.release.changelog.style import DEFAULT as DEFAULT_STYLE
from shipline.domain.release.changelog.style import Style
from shipline.domain.release.changelog.writer import (
    HEADER,
    UNWRITTEN,
    Proposal,
    entry_text,
    entry_unwritten,
    has_entry,
    propose,
    read,
)
from shipline.domain.release.commits import Commit, PendingWalk, changes, walk

__all__ = [
    "BREAKING_TITLE",
    "DEFAULT_PATH",
    "DEFAULT_STYLE",
    "HEADER",
    "MISSING_MIGRATION",
    "OTHER_TITLE",
    "RELEASE_COMMIT",
    "UNWRITTEN",
    "Commit",
    "PendingWalk",
    "Proposal",
    "Release",
    "Style",
    "changes",
    "entry_text",
    "entry_unwritten",
    "find_changelog",
    "group",
    "group_keys",
    "has_entry",
    "history",
    "history_json",
    "migration_problems",
    "migration_unwritten",
    "missing_migration_notes",
    "propose",
    "read",
    "release_commit_pattern",
    "render_history",
    "resolve_path",
    "walk",
]

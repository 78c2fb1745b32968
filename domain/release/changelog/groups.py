"""Which commits a changelog lists, and under which section.

Every commit gets a *key*: ``breaking`` for a breaking change (always listed
first, with its migration note: RLSE-005), its Conventional Commit type for
a known type, ``other`` for anything else. A file's section titles are
matched to keys by their words (emoji and punctuation ignored), so
``### 🐛 Bug Fixes``, ``Fixed`` and ``Fix`` all hold ``fix`` commits, and
Keep a Changelog's ``Changed`` holds ``perf`` and ``refactor``.

Release commits are not changes: shipline's own (from ``commitMessage``)
and other tools' (``bump: version X → Y``, ``Release X``,
``chore(release): prepare for X``, ``chore(release): X``,
``chore(main): release X``, a bare ``X.Y.Z``). Real work with a
``release`` scope (``fix(release): ...``) stays.
"""

from __future__ import annotations

import re
import unicodedata

from shipline.domain.release.commits import Commit, changes

BREAKING = "breaking"
OTHER = "other"
DEFAULT_TITLES: dict[str, str] = {
    BREAKING: "⚠ BREAKING CHANGES",
    "feat": "Features",
    "fix": "Bug Fixes",
    "perf": "Performance",
    "revert": "Reverts",
    "refactor": "Refactoring",
    "docs": "Documentation",
    "build": "Build System",
    "deps": "Dependencies",
    "ci": "Continuous Integration",
    "test": "Tests",
    "style": "Styles",
    "chore": "Chores",
    OTHER: "Other",
}
ORDER = tuple(DEFAULT_TITLES)
RELEASING = frozenset({BREAKING, "feat", "fix", "perf", "revert"})
"""Keys that always get a section, even where the file never had one."""
BREAKING_TITLE = DEFAULT_TITLES[BREAKING]
OTHER_TITLE = DEFAULT_TITLES[OTHER]

_SYNONYMS: dict[str, tuple[str, ...]] = {
    BREAKING: (
        "breaking changes",
        "breaking change",
        "breaking",
        "backward incompatible changes",
        "backwards incompatible changes",
        "incompatible changes",
        "deprecations and removals",
    ),
    "feat": (
        "features",
        "feature",
        "feat",
        "new features",
        "added",
        "enhancements",
        "new",
        "additions",
    ),
    "fix": ("bug fixes", "bugfixes", "bug fix", "fixes", "fix", "fixed", "bugs"),
    "perf": ("performance", "performance improvements", "perf", "changed"),
    "revert": ("reverts", "revert", "reverted"),
    "refactor": ("refactor", "refactoring", "code refactoring", "refactors", "changed"),
    "docs": ("documentation", "docs", "improved documentation"),
    "build": ("build system", "build", "builds"),
    "deps": ("dependencies", "dependency updates", "deps"),
    "ci": ("continuous integration", "ci"),
    "test": ("tests", "testing", "test"),
    "style": ("styles", "style", "styling"),
    "chore": ("chores", "chore", "miscellaneous tasks", "miscellaneous", "misc", "maintenance"),
    OTHER: ("other", "other changes", "others"),
}
_KEYS_OF: dict[str, tuple[str, ...]] = {}
for _key, _words in _SYNONYMS.items():
    for _w in _words:
        _KEYS_OF[_w] = (*_KEYS_OF.get(_w, ()), _key)

MISSING_MIGRATION = "_Migration note missing._"
"""What a generated entry says where a breaking change has no migration text."""
RST_MISSING_MIGRATION = "*Migration note missing.*"
"""The same in reStructuredText (``_x._`` would be read as a reference)."""

_OTHER_TOOLS = (
    r"(?:bump: version \S+ → \S+"  # commitizen
    r"|chore\(release\):\s*(?:prepare for |release )?v?\d"  # git-cliff, semantic-release
    r"|chore(?:\([^)]*\))?: release v?\d"  # release-please
    r"|[Rr]elease v?\d[^ ]*$"  # "Release 1.2.0"
    r"|v?\d+\.\d+\.\d+\S*$)"
)  # PSR, npm version
_FIRST = "bcRrv0-9"
"""Every alternative starts with one of these: a lookahead on them makes
the usual subject (``feat: ...``) fail at its first character."""
OTHER_TOOLS_RELEASE = re.compile(f"^(?=[{_FIRST}]){_OTHER_TOOLS}")
RELEASE_COMMIT = OTHER_TOOLS_RELEASE


def release_commit_pattern(template: str) -> re.Pattern[str]:
    """Subjects of release commits: shipline's own (the head of
    ``commitMessage`` before ``{``) and other tools'."""
    head = template.split("{", 1)[0]
    if not head.strip():
        return OTHER_TOOLS_RELEASE
    first = re.escape(head[0]) if head[0] not in _FIRST else ""
    return re.compile(f"^(?=[{_FIRST}{first}])(?:{re.escape(head)}|{_OTHER_TOOLS})")


def normalize_title(title: str) -> str:
    """``🐛 Bug Fixes`` → ``bug fixes``: letters, digits and single spaces."""
    kept = "".join(
        ch if ch.isalnum() or ch.isspace() else " "
        for ch in title
        if unicodedata.category(ch)[0] in "LNZ" or ch in "-_/"
    )
    return " ".join(kept.lower().split())


def keys_of_title(title: str) -> tuple[str, ...]:
    """The commit keys a section title holds (empty for ``Security``, ``Removed``...)."""
    return _KEYS_OF.get(normalize_title(title), ())


def key_of(commit: Commit) -> str:
    if commit.breaking:
        return BREAKING
    if commit.type is None or commit.type not in DEFAULT_TITLES:
        return OTHER
    return commit.type


def group_keys(
    commits: list[Commit], exclude: re.Pattern[str] = RELEASE_COMMIT
) -> dict[str, list[Commit]]:
    """``{key: commits}`` in :data:`ORDER`, release commits left out."""
    groups: dict[str, list[Commit]] = {}
    match, known = exclude.match, DEFAULT_TITLES
    for c in changes(commits):
        if match(c.subject):
            continue
        # key_of, inlined: ``changelog --all`` does this for every commit
        key = BREAKING if c.breaking else c.type if c.type in known else OTHER
        groups.setdefault(key, []).append(c)
    return {k: groups[k] for k in ORDER if k in groups}


def group(
    commits: list[Commit], exclude: re.Pattern[str] = RELEASE_COMMIT
) -> dict[str, list[Commit]]:
    """``{default title: commits}`` in display order, breaking changes first."""
    return {DEFAULT_TITLES[k]: v for k, v in group_keys(commits, exclude).items()}


def missing_migration_notes(commits: list[Commit]) -> list[Commit]:
    """Breaking changes whose commits carry no migration text (RLSE-005)."""
    return [c for c in changes(commits) if c.breaking and not c.breaking_notes]


def migration_unwritten(entry: str) -> bool:
    """A reviewed entry that still carries the generated placeholder where
    a migration note belongs (RLSE-005 is not met by reviewing alone)."""
    return MISSING_MIGRATION in entry or RST_MISSING_MIGRATION in entry


def migration_problems(commits: list[Commit], entry: str | None) -> list[Commit]:
    """RLSE-005, read from the breaking commits (not from the entry's
    wording): every breaking change needs migration text, from its
    ``BREAKING CHANGE:`` footer or else from the release's changelog entry.
    The entry supplies it only when it has no placeholder left and still
    lists every such change, under a breaking-changes section (one item
    each) or by its description or short sha. No entry (``--no-changelog``,
    changelog disabled), or one that dropped the breaking changes, leaves
    them missing."""
    missing = missing_migration_notes(commits)
    if not missing or entry is None or migration_unwritten(entry):
        return missing
    if len(breaking_items(entry)) >= len(missing):
        return []
    text = entry.lower()
    return [c for c in missing if c.description.lower() not in text and c.short.lower() not in text]


_BULLETS = ("- ", "* ", "+ ")


def breaking_items(entry: str) -> list[str]:
    """The items under the entry's breaking-changes heading, in any of the
    styles the writer produces (Markdown ``###``, RST underlined titles,
    plain title lines)."""
    items: list[str] = []
    inside = False
    for line in entry.splitlines():
        stripped = line.strip()
        if not stripped or line[0].isspace() or not any(ch.isalnum() for ch in stripped):
            continue  # blank, indented note text, or an RST underline
        if stripped.startswith(_BULLETS):
            if inside:
                items.append(stripped)
            continue
        title = stripped.lstrip("#").strip().lower()
        inside = any(word in title for word in _SYNONYMS[BREAKING])
    return items

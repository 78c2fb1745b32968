"""History as evidence: the files the previous release commit changed
*with the version* are the files a release changes.

In the commit the last release tag points at, a line that was replaced by
one identical except for its version (``__version__ = "1.2.2"`` →
``"1.2.3"``, ``myproj==1.2.2`` → ``==1.2.3``, a docs URL naming
``v1.2.3``) is evidence. Changelogs are left out: their entries are added,
not bumped. The evidence serves three ends:

* ``shipline init`` proposes those files (``version_files.evidence_entries``);
* with no config, the release bumps them as the last one did;
* the consistency gate looks for the old version on lines of that shape
  after the bump and names any left behind (:func:`left_behind`).

One ``git show`` of one commit: the cost does not grow with history.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

import semver

from shipline.domain.gitops import Git, GitError
from shipline.domain.release import schemes
from shipline.domain.release.version_files.sites import ANY_VERSION, occurrences, shape

CHANGELOG_NAMES = re.compile(
    r"^(CHANGELOG|CHANGES|HISTORY|NEWS|RELEASES?)(\.[A-Za-z]+)?$", re.IGNORECASE
)
_MAX_DIFF = 8 * 1024 * 1024


@dataclass(eq=False)
class Evidence:
    """A file the last release commit changed with the version."""

    path: str
    lines: tuple[str, ...]
    """The changed lines as the release wrote them."""
    version: semver.Version
    commit: str
    git: Git

    @property
    def shapes(self) -> frozenset[str]:
        return frozenset(shape(x) for x in self.lines)

    @cached_property
    def allowance(self) -> dict[str, int]:
        """Per line shape, how many lines of that shape carried the version
        at the release *without* being bumped by it (a registry package in a
        lock file at the same version): that many may keep the old version.
        Read only when a line still carries it, so a clean bump costs nothing."""
        try:
            text = self.git.raw(["show", f"{self.commit}:{self.path}"]).decode("utf-8", "replace")
        except GitError:
            text = ""
        carried = Counter(shape(x) for x in text.split("\n") if occurrences(x, self.version))
        bumped = Counter(shape(x) for x in self.lines)
        return {s: max(carried[s] - n, 0) for s, n in bumped.items()}


def release_evidence(
    git: Git, tag: str, version: semver.Version, exclude: tuple[str, ...] = ()
) -> list[Evidence]:
    """What the commit ``tag`` points at changed with ``version`` (one
    ``git show``; a merged release pull request shows what it changed
    against the branch it was merged into)."""
    try:
        out = git.raw(
            [
                "show",
                "--diff-merges=first-parent",
                "--format=%H",
                "-U0",
                "--no-color",
                "--no-ext-diff",
                "--no-renames",
                "--no-textconv",
                f"{tag}^{{commit}}",
            ]
        )
    except GitError:
        return []
    if len(out) > _MAX_DIFF:
        return []
    commit, _, diff = out.decode("utf-8", "replace").partition("\n")
    candidates: list[tuple[str, str, str]] = []  # (path, line, the version it replaced)
    for path, removed, added in _hunks(diff):
        if (
            path in exclude
            or CHANGELOG_NAMES.match(PurePosixPath(path).name)
            or path.startswith((".shipline/", ".cleo/"))
        ):
            continue
        before = {shape(r): r for r in removed}
        for line in added:
            old = before.get(shape(line))
            if old is not None and old != line and occurrences(line, version):
                candidates.append((path, line, _replaced(old, line)))
    # The project moved from one version to this one: a line that moved from
    # another (a dependency bumped in the same commit) is not the project's.
    common = Counter(c[2] for c in candidates).most_common(1)
    found: dict[str, list[str]] = {}
    for path, line, replaced in candidates:
        if replaced == common[0][0]:
            found.setdefault(path, []).append(line)
    return [Evidence(p, tuple(lines), version, commit.strip(), git) for p, lines in found.items()]


def _replaced(old: str, new: str) -> str:
    """The first version in ``old`` that ``new`` spells differently."""
    for a, b in zip(ANY_VERSION.findall(old), ANY_VERSION.findall(new), strict=False):
        if a != b:
            parsed = schemes.parse_any(a)
            return schemes.canonical(parsed) if parsed is not None else a
    return ""


def _hunks(diff: str) -> list[tuple[str, list[str], list[str]]]:
    """``(path, removed, added)`` per hunk of a ``-U0`` diff."""
    out: list[tuple[str, list[str], list[str]]] = []
    path: str | None = None
    in_header = False
    for line in diff.split("\n"):
        if line.startswith("diff --git "):
            in_header, path = True, None
            continue
        if in_header:
            if line.startswith("+++ "):
                target = line[4:]
                path = target[2:] if target.startswith("b/") else None
            elif line.startswith("@@"):
                in_header = False
            if in_header:
                continue
        if line.startswith("@@"):
            if path is not None:
                out.append((path, [], []))
        elif out and path is not None and out[-1][0] == path:
            if line.startswith("-"):
                out[-1][1].append(line[1:])
            elif line.startswith("+"):
                out[-1][2].append(line[1:])
    return out


def pattern_for(line: str, version: semver.Version) -> str | None:
    """A ``versionBump`` pattern from an evidence line: the whitespace-free
    run around the version, each occurrence replaced by ``{version}``
    (``myproj==1.2.3`` → ``myproj=={version}``). A run that says nothing
    but the version (``"1.2.3"``) takes in the words before it until one
    names something (``".": "{version}"``, ``version = "{version}"``), so the
    pattern cannot match any other quoted string."""
    spans = occurrences(line, version)
    if not spans:
        return None
    start, end = spans[0]
    while end < len(line) and not line[end].isspace():
        end += 1
    while True:
        while start > 0 and not line[start - 1].isspace():
            start -= 1
        bare = "".join(line[a:b] for a, b in [(start, spans[0][0]), (spans[0][1], end)])
        if any(ch.isalnum() for ch in bare) or not line[:start].strip():
            break
        while start > 0 and line[start - 1].isspace():
            start -= 1
    token = line[start:end]
    pieces, last = [], 0
    for a, b in occurrences(token, version):
        pieces.append(token[last:a] + "{version}")
        last = b
    return "".join(pieces) + token[last:]


def left_behind(
    root: Path, evidence: list[Evidence], old: semver.Version, texts: dict[str, str] | None = None
) -> list[str]:
    """``path:line`` of every line that still carries ``old`` in a shape the
    last release bumped (``texts``: files as they will be, else as they are)."""
    out: list[str] = []
    for ev in evidence:
        try:
            text = (texts or {}).get(ev.path) or (root / ev.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        still: dict[str, list[int]] = {}
        shapes = ev.shapes
        for number, line in enumerate(text.split("\n"), 1):
            if occurrences(line, old) and shape(line) in shapes:
                still.setdefault(shape(line), []).append(number)
        for form, numbers in still.items():
            if len(numbers) > ev.allowance.get(form, 0):
                out.extend(f"{ev.path}:{n}" for n in numbers)
    return out

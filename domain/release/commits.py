"""Commits since a release, parsed as Conventional Commits.

One ``git log -z`` subprocess with a format string walks any range (never one
git call or GitPython object per commit). Each message is parsed for
``type(scope)!: description``, ``BREAKING CHANGE:`` / ``BREAKING-CHANGE:``
footers (whose text is the migration note, RLSE-005), merges (two or more
parents) and reverts (``Revert "..."`` with ``This reverts commit <sha>.``,
or the ``revert:`` type). Messages that are not conventional are kept, with
``type`` None, and land under "Other" in a changelog. Bytes that are not
UTF-8 are shown as U+FFFD, never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shipline.domain.gitops import Git

# %H sha, %P parents, %an/%ae author, %ct committer time, %B raw message.
_FORMAT = "%H%x1f%P%x1f%an%x1f%ae%x1f%ct%x1f%B"

_HEADER = re.compile(
    r"^(?P<type>[A-Za-z][A-Za-z0-9_-]*)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?:[ \t]+"
    r"(?P<desc>\S.*)$"
)
_FOOTER = re.compile(
    r"^(?P<token>BREAKING[ -]CHANGE|[A-Za-z][A-Za-z0-9-]*)(?::[ \t]|[ \t]#)"
    r"(?P<value>.*)$"
)
_BREAKING = re.compile(r"^BREAKING[ -]CHANGE:[ \t]*(?P<value>.*)$")
_REVERT_SUBJECT = re.compile(r'^Revert "(?P<header>.*)"$')
_REVERTS_SHA = re.compile(r"This reverts commit (?P<sha>[0-9a-f]{7,64})")
_MERGE_SUBJECT = re.compile(r"^Merge (branch|pull request|remote-tracking branch|tag|commit) ")


@dataclass(slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    time: int
    subject: str
    body: str
    type: str | None = None
    scope: str | None = None
    description: str = ""
    breaking: bool = False
    breaking_notes: list[str] = field(default_factory=list)
    """Migration text from ``BREAKING CHANGE:`` footers (empty for a bare ``!``)."""
    reverts: str | None = None
    """The sha (possibly abbreviated) or header this commit reverts."""

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def conventional(self) -> bool:
        return self.type is not None

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


def parse_message(
    sha: str, parents: tuple[str, ...], author: str, email: str, time: int, message: str
) -> Commit:
    """Parse one raw commit message (subject, blank line, body, footers)."""
    message = message.strip("\n")
    subject, _, body = message.partition("\n")
    subject = subject.strip()
    body = body.strip("\n")
    commit = Commit(
        sha=sha,
        parents=parents,
        author=author,
        email=email,
        time=time,
        subject=subject,
        body=body,
        description=subject,
    )
    if len(parents) > 1 and (_MERGE_SUBJECT.match(subject) or not _HEADER.match(subject)):
        return commit  # a merge: its own message is not a change; its parents are
    revert = _REVERT_SUBJECT.match(subject)
    if revert:
        sha_match = _REVERTS_SHA.search(body)
        commit.type = "revert"
        commit.description = revert.group("header")
        commit.reverts = sha_match.group("sha") if sha_match else revert.group("header")
        return commit
    header = _HEADER.match(subject)
    if header:
        commit.type = header.group("type").lower()
        scope = header.group("scope")
        commit.scope = scope.strip() or None if scope is not None else None
        commit.description = header.group("desc").strip()
        commit.breaking = bool(header.group("bang"))
        if commit.type == "revert":
            sha_match = _REVERTS_SHA.search(body)
            commit.reverts = sha_match.group("sha") if sha_match else commit.description
    notes = breaking_notes(body)
    if notes and commit.type is not None:
        commit.breaking = True
        commit.breaking_notes = [n for n in notes if n]
    return commit


def breaking_notes(body: str) -> list[str]:
    """The text of every ``BREAKING CHANGE:`` footer; a footer runs until
    the next footer token or the end of the message and may span lines and
    paragraphs."""
    if "BREAKING" not in body:
        return []
    notes: list[str] = []
    current: list[str] | None = None
    for line in body.split("\n"):
        match = _BREAKING.match(line)
        if match:
            if current is not None:
                notes.append(_join(current))
            current = [match.group("value")]
        elif current is not None:
            if _FOOTER.match(line):
                notes.append(_join(current))
                current = None
            else:
                current.append(line)
    if current is not None:
        notes.append(_join(current))
    return notes


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip()


def parse_log(data: bytes) -> list[Commit]:
    """Parse ``git log -z --format=_FORMAT`` output, newest first. The
    output is decoded once (invalid UTF-8 becomes U+FFFD), then split."""
    out: list[Commit] = []
    append = out.append
    for record in data.decode("utf-8", errors="replace").split("\0"):
        fields = record.lstrip("\n").split("\x1f", 5)
        if len(fields) != 6:
            continue
        sha, parents, author, email, when, message = fields
        append(parse_message(sha, tuple(parents.split()), author, email, int(when or 0), message))
    return out


class PendingWalk:
    """``git log`` of a range started now, parsed when :meth:`commits` is
    called: the history is read while the caller loads its config."""

    def __init__(self, git: Git, rev_range: str | None):
        self.git = git
        self.args = [
            "log",
            "-z",
            f"--format={_FORMAT}",
            "--no-color",
            "--no-show-signature",
            rev_range or "HEAD",
        ]
        self.empty = git.head() is None
        self._run = None if self.empty else git.background(self.args)

    def commits(self) -> list[Commit]:
        if self._run is None:
            return []
        from shipline.domain.gitops import GitError

        rc, data, err = self._run.result()
        if rc != 0:
            raise GitError(f"git {' '.join(self.args)} failed: {err.strip()}")
        return parse_log(data)


def walk(git: Git, rev_range: str | None, *extra: str) -> list[Commit]:
    """Commits in ``rev_range`` (e.g. ``v1.2.0..HEAD``; None for all of
    HEAD's history), newest first."""
    if git.head() is None:
        return []
    args = ["log", "-z", f"--format={_FORMAT}", "--no-color", "--no-show-signature"]
    args.append(rev_range or "HEAD")
    args.extend(extra)
    return parse_log(git.raw(args))


def changes(commits: list[Commit]) -> list[Commit]:
    """The commits that describe changes: merges are dropped, and a revert
    and the commit it reverts cancel out when both are in the list."""
    if not any(c.type == "revert" for c in commits):
        return [c for c in commits if not c.is_merge]
    by_short: dict[str, list[Commit]] = {}
    by_header: dict[str, Commit] = {}
    for c in commits:
        by_short.setdefault(c.sha[:7], []).append(c)
        by_header.setdefault(c.subject, c)
    cancelled: set[str] = set()
    for c in commits:
        if c.type == "revert" and c.reverts:
            target = _find(by_short, by_header, c.reverts)
            if target is not None and target.sha not in cancelled:
                cancelled.update((target.sha, c.sha))
    return [c for c in commits if not c.is_merge and c.sha not in cancelled]


def _find(
    by_short: dict[str, list[Commit]], by_header: dict[str, Commit], ref: str
) -> Commit | None:
    """The commit a revert names, by (abbreviated) sha or by header."""
    if re.fullmatch(r"[0-9a-f]{7,64}", ref):
        for commit in by_short.get(ref[:7], ()):
            if commit.sha.startswith(ref):
                return commit
        return None
    return by_header.get(ref)

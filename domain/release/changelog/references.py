"""What a changelog bullet says about a commit besides its description:
the pull request it came from, the issues it closes, and who wrote it.

The pull request is the ``(#N)`` a squash merge leaves at the end of the
subject; closed issues are the body's ``Closes #N`` / ``Fixes #N`` /
``Resolves #N`` lines (several per line allowed, with or without a colon);
the author is the GitHub login of a ``users.noreply.github.com`` address,
else a name that is a login already (``octocat``), else the author's name
written without the ``@`` (shipline does not ask a forge who wrote a
commit: no network while writing a changelog).
"""

from __future__ import annotations

import re

from shipline.domain.release.changelog.document import LazyPattern
from shipline.domain.release.commits import Commit

PR_SUFFIX = LazyPattern(r"\s*\(#(\d+)\)\s*$")
_CLOSES_LINE = LazyPattern(
    r"^\s*(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+((?:#\d+[\s,]*(?:and\s+)?)+)",
    re.IGNORECASE | re.MULTILINE,
)
_NOREPLY = LazyPattern(
    r"^(?:\d+\+)?([A-Za-z0-9][A-Za-z0-9-]*(?:\[bot\])?)@users\.noreply\.github\.com$"
)
_LOGIN_LIKE = LazyPattern(r"^[A-Za-z0-9][A-Za-z0-9-]*(?:\[bot\])?$")
"""A GitHub login; an app's ends in ``[bot]`` (``@dependabot[bot]``)."""


def split_pr(text: str) -> tuple[str, str | None]:
    """``close files (#57)`` → ``("close files", "57")``."""
    match = PR_SUFFIX.search(text)
    return (text[: match.start()], match.group(1)) if match else (text, None)


def closed_issues(commit: Commit) -> list[str]:
    """The issue numbers the commit's body says it closes, in order, once each."""
    if not commit.body:
        return []
    found: list[str] = []
    for match in _CLOSES_LINE.finditer(commit.body):
        found.extend(re.findall(r"#(\d+)", match.group(1)))
    return list(dict.fromkeys(found))


def author_mention(commit: Commit) -> str:
    """``@login`` where the login is known, else the author's name."""
    match = _NOREPLY.match(commit.email)
    if match:
        return "@" + str(match.group(1))
    if _LOGIN_LIKE.match(commit.author):
        return "@" + commit.author
    return commit.author

"""The git commands of a release, defined once: what ``release plan`` and a
dry run show, what ``release ship`` runs, and what the TUI's Tag screen
previews are the same argv lists.

Git's own output is captured by :mod:`shipline.domain.runner`, so the
commands need no ``-q``; the signing key, when known, is named with ``-u``.
"""

from __future__ import annotations

from collections.abc import Sequence


def commit_commands(paths: Sequence[str], message: str) -> list[list[str]]:
    """Stage and commit exactly ``paths`` (an empty commit when there are none)."""
    if paths:
        return [["add", "--", *paths], ["commit", "-m", message, "--", *paths]]
    return [["commit", "--allow-empty", "-m", message]]


def tag_command(tag: str, message: str, *, sign: bool, key: str | None = None) -> list[str]:
    """An annotated tag, or a gpg-signed one (with ``key`` when it is known)."""
    if sign:
        return ["tag", "-s", *(["-u", key] if key else []), tag, "-m", message]
    return ["tag", "-a", tag, "-m", message]


def push_command(remote: str, branch: str | None, *tags: str) -> list[str]:
    """Push the release branch and its tags together, or nothing (``--atomic``)."""
    return [
        "push",
        "--atomic",
        remote,
        f"refs/heads/{branch}" if branch else "HEAD",
        *(f"refs/tags/{tag}" for tag in tags),
    ]


def release_commands(
    *,
    paths: Sequence[str],
    commit_message: str,
    tag: str,
    tag_message: str,
    sign: bool,
    remote: str | None,
    branch: str | None,
) -> list[list[str]]:
    """Every git command of a release in order (no push when ``remote`` is None)."""
    cmds = commit_commands(paths, commit_message)
    cmds.append(tag_command(tag, tag_message, sign=sign))
    if remote is not None:
        cmds.append(push_command(remote, branch, tag))
    return cmds

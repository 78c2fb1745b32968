"""The commit a maintainer makes by hand, for byte-for-byte comparisons."""

from __future__ import annotations

from conftest import Repo


def hand_release_diff(repo: Repo, files: dict[str, str], message: str) -> str:
    """``git show`` of a commit on HEAD that writes ``files``; HEAD is put back."""
    base = repo.git("rev-parse", "HEAD")
    for rel, text in files.items():
        repo.write(rel, text)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message)
    diff = repo.git("show", "--format=", "HEAD")
    repo.git("reset", "-q", "--hard", base)
    return diff

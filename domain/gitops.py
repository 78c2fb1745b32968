"""Git operations through the runner (subprocess ``git``: one process per
question, far faster than GitPython for walks and status)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from shipline.domain import runner
from shipline.domain.errors import ShiplineError, UsageError

_GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "LC_ALL": "C",
}


class GitError(ShiplineError):
    """A git command failed; ``code`` is set by the caller's context."""


_READ_ONLY = frozenset(
    {"rev-parse", "symbolic-ref", "for-each-ref", "show-ref", "merge-base", "remote", "config"}
)
"""Subcommands whose answer depends only on the repository's state: inside
:meth:`Git.reading` the same question is asked once."""

_LOOKS_ONLY = _READ_ONLY | {
    "log",
    "show",
    "status",
    "diff",
    "cat-file",
    "ls-files",
    "ls-tree",
    "rev-list",
    "describe",
    "ls-remote",
}
"""Subcommands that change nothing: the memoized answers survive them."""


@dataclass
class _Answers:
    """The answers memoized by an open :meth:`Git.reading` scope."""

    depth: int = 0
    known: dict[tuple[str, ...], runner.Completed] = field(default_factory=dict)


@dataclass(frozen=True)
class Git:
    """A repository's git, rooted at ``root``."""

    root: Path
    _answers: _Answers = field(default_factory=_Answers, compare=False, repr=False)

    @classmethod
    def open(cls, path: Path) -> Git:
        """Find the repository containing ``path`` (exit 2 when there is none)."""
        path = path.resolve()
        if not path.exists():
            raise UsageError(f"{path}: no such directory", hint="pass -C with a repository path")
        if not path.is_dir():
            raise UsageError(f"{path}: not a directory", hint="pass -C with a repository path")
        try:
            done = runner.run(["git", "rev-parse", "--show-toplevel"], cwd=path, env=_env())
        except runner.ToolNotFound:
            raise UsageError("git is not installed", hint="install git and try again") from None
        if not done.ok:
            raise UsageError(
                f"{path} is not inside a git repository",
                hint="run shipline in a repository or pass -C PATH",
            )
        return cls(Path(done.stdout.strip()))

    def run(
        self,
        args: Sequence[str],
        *,
        timeout: float = 120,
        check: bool = True,
        env: dict[str, str] | None = None,
        input: str | None = None,
    ) -> runner.Completed:
        key = tuple(args)
        memo = self._answers
        done = memo.known.get(key) if memo.depth and env is None and input is None else None
        if done is None:
            if key[:1] and key[0] not in _LOOKS_ONLY:
                memo.known.clear()  # it may change what the questions answer
            merged = _env()
            if env:
                merged.update(env)
            done = runner.run(
                ["git", *args], cwd=self.root, env=merged, timeout=timeout, input=input
            )
            if memo.depth and env is None and input is None and key[0] in _READ_ONLY:
                memo.known[key] = done
        if check and not done.ok:
            raise GitError(f"git {' '.join(args)} failed: {done.output or done.returncode}")
        return done

    def out(self, *args: str) -> str:
        return self.run(args).stdout.strip()

    def try_out(self, *args: str) -> str | None:
        done = self.run(args, check=False)
        return done.stdout.strip() if done.ok else None

    @contextmanager
    def reading(self) -> Iterator[Git]:
        """A scope that only reads the repository (a plan, a changelog): each
        read-only question (HEAD, the tags, the branch) runs git once. Any
        other git command inside it forgets the answers; they are also
        forgotten when the outermost scope ends, so nothing stale outlives it."""
        self._answers.depth += 1
        try:
            if self._answers.depth == 1:
                self._ask_about_head()
            yield self
        finally:
            self._answers.depth -= 1
            if not self._answers.depth:
                self._answers.known.clear()

    def _ask_about_head(self) -> None:
        """HEAD's commit, its branch and whether the clone is shallow, the
        three questions every plan asks, in one git process: their answers
        are kept as if each had been asked on its own. An unborn HEAD (or an
        unusual one) leaves them to be asked one by one."""
        argv = ["rev-parse", "--is-shallow-repository", "HEAD", "--symbolic-full-name", "HEAD"]
        done = runner.run(["git", *argv], cwd=self.root, env=_env())
        lines = done.stdout.split("\n")
        if not done.ok or len(lines) < 3 or lines[0] not in ("true", "false"):
            return
        shallow, sha, ref = lines[:3]

        def answer(returncode: int, stdout: str) -> runner.Completed:
            return runner.Completed(done.argv, returncode, stdout, "", 0)

        if ref.startswith("refs/heads/"):
            branch = answer(0, ref.removeprefix("refs/heads/") + "\n")
        elif ref == "HEAD":  # detached
            branch = answer(1, "")
        else:
            return
        known = self._answers.known
        known[("rev-parse", "--is-shallow-repository")] = answer(0, shallow + "\n")
        known[("rev-parse", "--verify", "-q", "HEAD")] = answer(0, sha + "\n")
        known[("symbolic-ref", "--short", "-q", "HEAD")] = branch

    def raw(self, args: Sequence[str], timeout: float = 300) -> bytes:
        if args[:1] and args[0] not in _LOOKS_ONLY:
            self._answers.known.clear()
        rc, data, err = runner.run_bytes(["git", *args], cwd=self.root, env=_env(), timeout=timeout)
        if rc != 0:
            raise GitError(f"git {' '.join(args)} failed: {err.strip()}")
        return data

    def background(self, args: Sequence[str]) -> runner.Background:
        """Start ``git ARGS`` now; collect its output later with ``.result()``."""
        if args[:1] and args[0] not in _LOOKS_ONLY:
            self._answers.known.clear()
        return runner.Background(["git", *args], cwd=self.root, env=_env())

    # --- questions -------------------------------------------------------

    def head(self) -> str | None:
        return self.try_out("rev-parse", "--verify", "-q", "HEAD")

    def current_branch(self) -> str | None:
        """The checked-out branch, or ``None`` on a detached HEAD."""
        return self.try_out("symbolic-ref", "--short", "-q", "HEAD")

    def status_porcelain(self) -> list[str]:
        text = self.run(["status", "--porcelain=v1", "--untracked-files=normal"]).stdout
        return [line for line in text.splitlines() if line.strip()]

    def branch_exists(self, name: str) -> bool:
        return self.run(["show-ref", "--verify", "-q", f"refs/heads/{name}"], check=False).ok

    def tag_exists(self, tag: str) -> bool:
        return self.run(["show-ref", "--verify", "-q", f"refs/tags/{tag}"], check=False).ok

    def tags_merged(self, pattern: str) -> list[str]:
        """Tags matching ``pattern`` reachable from HEAD."""
        if self.head() is None:
            return []
        return self.out("tag", "--merged", "HEAD", "--list", pattern).splitlines()

    def remote_url(self, remote: str) -> str | None:
        return self.try_out("remote", "get-url", remote)

    def ls_remote(self, remote: str, *refs: str, timeout: float = 30) -> dict[str, str] | None:
        """``{ref: sha}`` on the remote, or ``None`` when it is unreachable."""
        done = self.run(["ls-remote", remote, *refs], check=False, timeout=timeout)
        if not done.ok:
            return None
        result: dict[str, str] = {}
        for line in done.stdout.splitlines():
            sha, _, ref = line.partition("\t")
            result[ref] = sha
        return result

    def is_ancestor(self, ancestor: str, of: str = "HEAD") -> bool:
        return self.run(["merge-base", "--is-ancestor", ancestor, of], check=False).ok

    def has_object(self, sha: str) -> bool:
        return self.run(["cat-file", "-e", f"{sha}^{{commit}}"], check=False).ok

    def commit_time(self, rev: str = "HEAD") -> int:
        return int(self.out("show", "-s", "--format=%ct", rev))

    def config_get(self, key: str) -> str | None:
        return self.try_out("config", "--get", key)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(_GIT_ENV)
    return env

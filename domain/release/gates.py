"""Validation gates (RLSE-003): small check objects, composed like
sigstore's verification policies.

Repository gates look at the repository before anything is written (a
clean worktree is a fact about the state *before* the release began);
release gates run after the bump and changelog, and command gates run the
project's own tests, lint or build with live output and a timeout. Any
failure stops the release before a commit or tag exists: 58 for a tag that
already exists, 55 for files that disagree, 54 for anything else.
"""

from __future__ import annotations

import os
import shlex
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from shipline.domain import runner
from shipline.domain.config import CommandGate, ReleaseConfig
from shipline.domain.errors import ExitCode
from shipline.domain.events import GateResult, LogLine
from shipline.domain.gitops import Git

DEFAULT_BRANCHES = ("main", "master")

# The built-in gates' names, defined once: the plan lists them, the pipeline
# reports them, ``release plan`` and the TUI show them.
CLEAN_WORKTREE = "clean worktree"
RELEASE_BRANCH = "release branch"
TAG_IS_NEW = "tag is new"
REMOTE_IN_SYNC = "remote in sync"
"""The repository gates (checked before anything is written); the last one only
when the release is pushed."""
VERSION_CONSISTENT = "version consistent"
CHANGELOG_ENTRY = "changelog entry"
MIGRATION_NOTES = "migration notes"
"""The release gates (after the bump and the changelog; the last two only with a
changelog)."""


@dataclass(frozen=True)
class Outcome:
    """A gate's verdict: ``code`` is the exit code a failure carries."""

    name: str
    passed: bool
    detail: str
    code: ExitCode = ExitCode.GATE_FAILED
    hint: str | None = None
    duration: float | None = None

    def event(self) -> GateResult:
        return GateResult(
            name=self.name,
            status="passed" if self.passed else "failed",
            detail=self.detail,
            duration=self.duration,
        )


@dataclass(frozen=True)
class RepoFacts:
    """What repository gates need, gathered once."""

    git: Git
    config: ReleaseConfig
    tag: str
    state_dir: Path
    push: bool


def _state_rel(facts: RepoFacts) -> str | None:
    try:
        return facts.state_dir.resolve().relative_to(facts.git.root.resolve()).as_posix()
    except ValueError:
        return None


def worktree_clean(facts: RepoFacts) -> Outcome:
    state = _state_rel(facts)
    dirty = []
    for line in facts.git.status_porcelain():
        path = line[3:].strip('"')
        if state and (path == state + "/" or path.startswith(state + "/")):
            continue  # shipline's own journal and ledger
        dirty.append(path)
    if not dirty:
        return Outcome(CLEAN_WORKTREE, True, "no uncommitted changes")
    shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
    return Outcome(
        CLEAN_WORKTREE,
        False,
        f"uncommitted changes: {shown}",
        hint="commit or stash them first: a release commit must contain only "
        "the version bump and the changelog",
    )


def on_release_branch(facts: RepoFacts) -> Outcome:
    branch = facts.git.current_branch()
    if branch is None:
        return Outcome(
            RELEASE_BRANCH,
            False,
            "HEAD is detached",
            hint="check out the release branch, e.g. `git switch main`",
        )
    wanted = facts.config.branch
    if wanted is not None:
        ok = branch == wanted
        expected = wanted
    else:
        ok = branch in DEFAULT_BRANCHES
        expected = " or ".join(DEFAULT_BRANCHES)
    if ok:
        return Outcome(RELEASE_BRANCH, True, f"on {branch}")
    return Outcome(
        RELEASE_BRANCH,
        False,
        f"on branch {branch!r}, releases are cut from {expected}",
        hint=f"switch to {expected}, or set release.branch in the config",
    )


def tag_absent_locally(facts: RepoFacts) -> Outcome:
    if facts.git.tag_exists(facts.tag):
        return Outcome(
            TAG_IS_NEW,
            False,
            f"tag {facts.tag} already exists locally",
            code=ExitCode.TAG_EXISTS,
            hint="choose another version, or delete the tag if it was a mistake "
            f"(`git tag -d {facts.tag}`)",
        )
    return Outcome(TAG_IS_NEW, True, f"{facts.tag} does not exist locally")


def remote_ready(facts: RepoFacts) -> Outcome:
    """The remote is reachable, does not have the tag, and the branch is not behind it."""
    remote = facts.config.push.remote
    name = REMOTE_IN_SYNC
    if facts.git.remote_url(remote) is None:
        return Outcome(
            name,
            False,
            f"no remote named {remote!r}",
            hint="add it (`git remote add`), set release.push.remote, or pass --no-push",
        )
    branch = facts.git.current_branch() or ""
    refs = facts.git.ls_remote(remote, f"refs/heads/{branch}", f"refs/tags/{facts.tag}")
    if refs is None:
        return Outcome(
            name,
            False,
            f"remote {remote!r} is unreachable",
            hint="check the network and credentials, or pass --no-push",
        )
    if f"refs/tags/{facts.tag}" in refs:
        return Outcome(
            name,
            False,
            f"tag {facts.tag} already exists on {remote}",
            code=ExitCode.TAG_EXISTS,
            hint="choose another version",
        )
    remote_sha = refs.get(f"refs/heads/{branch}")
    if remote_sha and not (facts.git.has_object(remote_sha) and facts.git.is_ancestor(remote_sha)):
        return Outcome(
            name,
            False,
            f"{branch} is behind {remote}/{branch}",
            hint=f"`git pull {remote} {branch}` first",
        )
    detail = (
        f"{remote} reachable, {branch} up to date"
        if remote_sha
        else f"{remote} reachable, {branch} not yet on the remote"
    )
    return Outcome(name, True, detail)


def repository_gates(facts: RepoFacts) -> list[Callable[[RepoFacts], Outcome]]:
    gates: list[Callable[[RepoFacts], Outcome]] = [
        worktree_clean,
        on_release_branch,
        tag_absent_locally,
    ]
    if facts.push:
        gates.append(remote_ready)
    return gates


def check_repository(facts: RepoFacts) -> list[Outcome]:
    return [gate(facts) for gate in repository_gates(facts)]


def first_failure(outcomes: list[Outcome]) -> Outcome | None:
    """The failure that decides the exit code: an existing tag (58) wins."""
    failed = [o for o in outcomes if not o.passed]
    for outcome in failed:
        if outcome.code == ExitCode.TAG_EXISTS:
            return outcome
    return failed[0] if failed else None


def command_line(gate: CommandGate) -> str:
    return gate.run if isinstance(gate.run, str) else shlex.join(gate.run)


def run_command_gate(
    gate: CommandGate, repo: Path, version: str, cancel: threading.Event | None = None
) -> Iterator[LogLine | Outcome]:
    """Run one configured gate, yielding its output lines as they come and
    then its :class:`Outcome`. ``SHIPLINE_VERSION`` names the release.

    The gate runs in a thread; this one polls for its lines and never holds
    a lock while it waits: a Ctrl-C that lands in a ``Condition.wait`` can
    leave the condition's lock held (``with`` blocks are not signal-safe),
    and the gate's thread then blocks on it instead of stopping."""
    lines: deque[LogLine] = deque()  # appended by the gate's reader, popped here
    stop = cancel if cancel is not None else threading.Event()
    env = dict(os.environ, SHIPLINE_VERSION=version)
    cwd = repo / gate.cwd if gate.cwd else repo
    result: dict[str, object] = {}

    def on_line(text: str) -> None:
        lines.append(LogLine(step="gates", source=gate.name, text=text, stream="stdout"))

    def work() -> None:
        try:
            if isinstance(gate.run, str):
                result["done"] = runner.stream(
                    gate.run,
                    on_line,
                    cwd=cwd,
                    env=env,
                    shell=True,
                    timeout=gate.timeout_seconds,
                    cancel=stop,
                )
            else:
                result["done"] = runner.stream(
                    gate.run, on_line, cwd=cwd, env=env, timeout=gate.timeout_seconds, cancel=stop
                )
        except BaseException as exc:  # handed to the caller's thread below
            result["error"] = exc
        result["finished"] = True  # after every line: stream() joined its reader

    start = time.monotonic()
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        while True:
            finished = "finished" in result  # read first: no line can follow it
            while lines:
                yield lines.popleft()
            if finished:
                break
            time.sleep(0.02)
    except BaseException:  # Ctrl-C or a closed consumer: stop the gate's processes too
        stop.set()
        thread.join(15)
        raise
    thread.join()
    took = time.monotonic() - start
    error = result.get("error")
    if isinstance(error, runner.ToolTimeout):
        yield Outcome(
            gate.name,
            False,
            f"timed out after {gate.timeout_seconds:g} s",
            hint=f"make `{command_line(gate)}` faster or raise timeoutSeconds",
            duration=took,
        )
        return
    if isinstance(error, runner.ToolNotFound):
        yield Outcome(
            gate.name, False, str(error), hint="install it or fix the gate's `run`", duration=took
        )
        return
    if isinstance(error, BaseException):
        raise error
    done = result["done"]
    assert isinstance(done, runner.Completed)
    if done.ok:
        yield Outcome(gate.name, True, "passed", duration=took)
    else:
        tail = done.stdout.strip().splitlines()[-1:] or [""]
        yield Outcome(
            gate.name,
            False,
            f"exited {done.returncode}: {tail[0][:200]}".rstrip(": "),
            hint=f"fix what `{command_line(gate)}` reports, then ship again",
            duration=took,
        )

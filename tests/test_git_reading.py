"""The read-only scope of :class:`Git` and the environment shipline keeps to
itself: start-up work that must never change what a command sees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shipline.domain import runner
from shipline.domain.gitops import Git

DATES = {"GIT_AUTHOR_DATE": "2026-03-01T10:00:00Z", "GIT_COMMITTER_DATE": "2026-03-01T10:00:00Z"}


def _repo(tmp_path: Path) -> Git:
    env = {**os.environ, **DATES}
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    for args in (
        ["config", "user.name", "Ada"],
        ["config", "user.email", "ada@example.org"],
        ["commit", "-q", "--allow-empty", "-m", "feat: first"],
        ["tag", "v1.0.0"],
    ):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, env=env)
    return Git(tmp_path)


def _count_git(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = runner.run

    def counting(argv, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(list(argv))
        return real(argv, **kwargs)

    monkeypatch.setattr(runner, "run", counting)
    return calls


def test_reading_asks_each_question_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git = _repo(tmp_path)
    calls = _count_git(monkeypatch)
    with git.reading():
        heads = {git.head() for _ in range(5)}
        branches = {git.current_branch() for _ in range(3)}
        git.run(["log", "--oneline"])  # looks only: the answers survive it
        assert git.head() in heads
        shallow = git.out("rev-parse", "--is-shallow-repository")
    asked = [c[1:] for c in calls if c[1] != "log"]
    assert len(heads) == 1 and branches == {"main"} and shallow == "false"
    assert heads == {git.out("rev-parse", "HEAD")}
    # HEAD, the branch and shallowness: one git process for the three
    assert asked == [
        ["rev-parse", "--is-shallow-repository", "HEAD", "--symbolic-full-name", "HEAD"]
    ]


def test_a_detached_head_has_no_branch_in_the_scope_either(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    git.run(["checkout", "-q", "--detach"])
    with git.reading():
        assert git.current_branch() is None
        assert git.head() == git.out("rev-parse", "HEAD")


def test_an_unborn_head_is_asked_one_question_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(tmp_path)], check=True)
    git = Git(tmp_path)
    calls = _count_git(monkeypatch)
    with git.reading():
        assert git.head() is None
        assert git.current_branch() == "trunk"  # the branch to be, as git says
        assert git.out("rev-parse", "--is-shallow-repository") == "false"
    assert len(calls) == 4  # the combined question failed: each asked on its own


def test_a_command_that_writes_forgets_the_answers(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    with git.reading():
        before = git.head()
        git.run(["commit", "-q", "--allow-empty", "-m", "fix: second"], env=DATES)
        after = git.head()
        assert git.tag_exists("v1.0.0")
        git.run(["tag", "-d", "v1.0.0"])
        assert not git.tag_exists("v1.0.0")
    assert before != after
    assert after == git.out("rev-parse", "HEAD")


def test_nothing_outlives_the_scope(tmp_path: Path) -> None:
    git = _repo(tmp_path)
    with git.reading():
        inside = git.head()
    # another process moves HEAD after the scope: the next question sees it
    subprocess.run(
        ["git", "-C", str(tmp_path), "commit", "-q", "--allow-empty", "-m", "fix: outside"],
        check=True,
        env={**os.environ, **DATES},
    )
    assert git.head() != inside
    with git.reading(), git.reading():  # nested scopes end together
        assert git.head() == git.out("rev-parse", "HEAD")
    assert not git._answers.known and git._answers.depth == 0


def test_own_environment_stays_out_of_the_tools_shipline_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SHIPLINE_TEST_OWN", raising=False)
    monkeypatch.setattr(runner, "_OWN_ENVIRONMENT", {})
    runner.set_own_environment("SHIPLINE_TEST_OWN", "1")
    try:
        assert os.environ["SHIPLINE_TEST_OWN"] == "1"
        probe = [sys.executable, "-c", "import os; print(os.environ.get('SHIPLINE_TEST_OWN'))"]
        assert runner.run(probe).stdout.strip() == "None"
        assert runner.run(probe, env=dict(os.environ)).stdout.strip() == "None"
    finally:
        os.environ.pop("SHIPLINE_TEST_OWN", None)


def test_the_users_own_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPLINE_TEST_OWN", "mine")
    monkeypatch.setattr(runner, "_OWN_ENVIRONMENT", {})
    runner.set_own_environment("SHIPLINE_TEST_OWN", "1")
    probe = [sys.executable, "-c", "import os; print(os.environ.get('SHIPLINE_TEST_OWN'))"]
    assert runner.run(probe).stdout.strip() == "mine"

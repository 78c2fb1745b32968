"""Shared fixtures: real git repositories built declaratively with fixed
dates, and the CLI run in-process or as a real subprocess."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

BASE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z
pytest_plugins = [*globals().get("pytest_plugins", []), "registries_npm_oci"]
pytest_plugins = [*pytest_plugins, "registries", "installed"]


def _finer_pilot_waits() -> None:
    """Pilot waits for the app to go idle after every key and every pause,
    sampling the CPU in 20 ms windows: each key costs at least two windows of
    sleep, and the TUI tests slept more than they worked. Windows of 5 ms
    keep textual's rule (idle is under 5% of one window's CPU) and a test
    that must wait for something waits on its condition (``until``)."""
    import textual._wait as wait

    assert hasattr(wait, "SLEEP_GRANULARITY") and hasattr(wait, "SLEEP_IDLE")
    wait.SLEEP_GRANULARITY = 1 / 200
    wait.SLEEP_IDLE = wait.SLEEP_GRANULARITY / 20


_finer_pilot_waits()


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test reads the developer's git config, gpg keys or CI variables."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for var in (
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "CIRCLECI",
        "CI",
        "GPG_KEY_ID",
        "GNUPGHOME",
        "SOURCE_DATE_EPOCH",
    ):
        monkeypatch.delenv(var, raising=False)
    (home / ".gitconfig").write_text(git_config(home))


GITCONFIG = (
    "[user]\n\tname = Test Author\n\temail = author@example.com\n"
    "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    "[tag]\n\tgpgsign = false\n"
)
"""Every test's global git config: a fixed author, unsigned commits and tags."""


def git_config(home: Path) -> str:
    """GITCONFIG, plus an empty template folder for ``git init``: without
    it every repository a test makes gets git's fourteen sample hooks, a
    third of the files the suite writes and later deletes."""
    template = home / "git-template"
    template.mkdir(exist_ok=True)
    return GITCONFIG + f"[init]\n\ttemplateDir = {template}\n"


@dataclass
class Repo:
    """A real git repository in a temp dir, with helpers that keep dates fixed."""

    path: Path
    clock: int = BASE_TIME

    def git(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        full_env = dict(os.environ)
        stamp = f"{self.clock} +0000"
        full_env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
        if env:
            full_env.update(env)
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=full_env, capture_output=True, text=True
        )
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
        return done.stdout.strip()

    def write(self, rel: str, text: str) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return target

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        """Commit ``files`` (or an empty change) with ``message``; returns the sha."""
        self.clock += 3600
        if files is None:
            files = {f"src/change_{self.clock}.txt": message}
        for rel, text in files.items():
            self.write(rel, text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        """HEAD's sha, read from the loose ref git just wrote (a test makes
        about a thousand commits: one git process fewer each); a packed or
        unusual ref falls back to asking git."""
        dot_git = self.path / ".git"
        if dot_git.is_dir():
            head = (dot_git / "HEAD").read_text().strip()
            ref = dot_git / head.removeprefix("ref: ") if head.startswith("ref: ") else None
            sha = ref.read_text().strip() if ref is not None and ref.is_file() else head
            if len(sha) == 40 and all(c in "0123456789abcdef" for c in sha):
                return sha
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, message: str | None = None) -> None:
        if message is None:
            self.git("tag", name)
        else:
            self.git("tag", "-a", name, "-m", message)

    def snapshot(self) -> dict[str, object]:
        """Everything a failed command must leave untouched."""
        files = {}
        for p in sorted(self.path.rglob("*")):
            if ".git" in p.relative_to(self.path).parts or not p.is_file():
                continue
            files[str(p.relative_to(self.path))] = p.read_bytes()
        return {
            "head": self.git("rev-parse", "HEAD", check=False),
            "refs": self.git("for-each-ref", "--format=%(refname) %(objectname)"),
            "status": self.git("status", "--porcelain"),
            "files": files,
        }


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """An empty repository on branch main."""
    path = tmp_path / "repo"
    path.mkdir()
    r = Repo(path)
    r.git("init", "-q", "-b", "main")
    return r


def _released_python_project(repo: Repo) -> None:
    """Build ``py_repo``'s history in ``repo``: v1.2.0, then a feat and a fix."""
    repo.commit(
        "chore: initial commit",
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "1.2.0"\n# keep me\n',
            "CHANGELOG.md": "# Changelog\n\n## [1.2.0] - 2025-12-01\n\n### Features\n\n- first\n",
        },
    )
    repo.tag("v1.2.0", "Release v1.2.0")
    repo.commit("feat(api): add the export endpoint")
    repo.commit("fix: handle empty input")


@pytest.fixture(scope="session")
def _py_repo_template(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """``py_repo`` built once per session (with the tests' git config), for
    each test to copy: a dozen git processes per test become one copy."""
    home = tmp_path_factory.mktemp("template-home")
    (home / ".gitconfig").write_text(git_config(home))
    env = {
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
    }
    path = tmp_path_factory.mktemp("template") / "repo"
    path.mkdir()
    template = _TemplateRepo(path, env=env)
    template.git("init", "-q", "-b", "main")
    _released_python_project(template)
    return template


@dataclass
class _TemplateRepo(Repo):
    """A :class:`Repo` whose git runs with a fixed environment (session
    fixtures cannot use the per-test isolated one)."""

    env: dict[str, str] | None = None

    def git(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        return super().git(*args, env={**(self.env or {}), **(env or {})}, check=check)


@pytest.fixture
def py_repo(repo: Repo, _py_repo_template: Repo) -> Repo:
    """A Python project released once as v1.2.0, with commits since (a copy
    of the session's template: same files, history, shas and clock)."""
    shutil.rmtree(repo.path)
    shutil.copytree(
        _py_repo_template.path,
        repo.path,
        symlinks=True,
        ignore=shutil.ignore_patterns("*.sample"),  # git init's inert hook examples
        copy_function=shutil.copyfile,
    )
    repo.clock = _py_repo_template.clock
    repo.git("update-index", "-q", "--refresh", check=False)  # the copy's inodes and ctimes
    return repo


@pytest.fixture
def remote(py_repo: Repo, tmp_path: Path) -> Path:
    """A bare ``origin`` that has ``py_repo``'s main branch and tags."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    py_repo.git("remote", "add", "origin", str(bare))
    py_repo.git("push", "-q", "origin", "main", "--tags")
    return bare


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]

    @property
    def summary(self) -> dict[str, object]:
        return self.json_lines()[-1]


@pytest.fixture
def cli() -> Iterator[object]:
    """Run ``shipline ARGS`` in-process and capture its output."""
    from shipline.domain.cli.main import main

    def invoke(*args: str | Path) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main([str(a) for a in args])
        return CliResult(code, out.getvalue(), err.getvalue())

    yield invoke


def run_shipline(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> CliResult:
    """Run the real ``shipline`` console script in a subprocess."""
    exe = Path(sys.executable).parent / "shipline"
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    done = subprocess.run(
        [str(exe), *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


# --- the fast loop: `pytest -m "not slow"` -------------------------------------------------

SLOW_FIXTURES = frozenset(
    {
        "pypiserver",
        "pypiserver_auth",
        "file_server",
        "cargo_registry",
        "fault_proxy",
        "verdaccio",
        "npm_token",
        "oci_registry",
        "oci_registry_auth",
        "oci_registry_nodelete",
        "oci_registry_token",
        "tmux",
        "standin",
    }
)
"""Fixtures that start a real registry, server or terminal (``standin``: the
sigstore or forge stand-in servers): a test using one is slow."""

SLOW_FILES = frozenset(
    {
        "test_release_e2e.py",
        "test_release_four_registries.py",
        "test_tui_tmux.py",
        "test_installable.py",
        "test_self_release.py",
        "test_tui_demo_release.py",
        "test_ci_templates.py",
        "test_forge_release.py",
        "test_forge_clients.py",
        "test_forge_prism.py",
        "test_tamper.py",
        "test_tool_imports.py",
    }
)
"""End-to-end files: whole releases through real tools, wheels and terminals;
forge releases against stand-in GitHub/GitLab servers; CI templates validated
against the providers' full JSON schemas; every attack against two shipped,
gpg-signed releases; whole releases made the way another release tool would."""

SLOW_PREFIXES = ("test_redteam_",)
"""Red-team files: end-to-end attacks on whole releases (killed processes, races)."""

SLOW_WORDS = ("sigkill", "real_terminal")
"""Tests that kill a shipline process mid-release, or drive one in a pseudo-terminal."""

SLOW_TESTS = frozenset(
    {
        "test_headless_demo_ships_publishes_and_verifies",
        "test_two_ships_at_once_give_one_0_and_one_52_every_time",
        "test_six_processes_appending_at_once_keep_one_intact_chain",
    }
)
"""End-to-end tests in otherwise fast files: the whole demo, process races."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark registry and end-to-end tests ``slow`` (README: the fast loop)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        name = getattr(item, "originalname", item.name)
        if (
            item.path.name in SLOW_FILES
            or item.path.name.startswith(SLOW_PREFIXES)
            or name in SLOW_TESTS
            or any(w in name for w in SLOW_WORDS)
            or fixtures & SLOW_FIXTURES
        ):
            item.add_marker(pytest.mark.slow)

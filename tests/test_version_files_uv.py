"""A uv project released the way its maintainers release it: the static
pyproject version, ``__version__.py`` beside it, the project's own entries
in ``uv.lock`` (and its workspace member's), a requirements file pinning the
project and a docs page naming the release tag, all learned from the
previous release commit with no shipline config. The release commit is
compared byte for byte with the one a maintainer makes by hand."""

from __future__ import annotations

import json

import pytest
from conftest import Repo
from release_by_hand import hand_release_diff

PYPROJECT = """\
[project]
name = "tidewater"
version = "{v}"
description = "Tide tables for the command line"
readme = "README.md"
requires-python = ">=3.11"
dependencies = [
    "h11>=0.8.1",
    "tidewater-core",
]

[project.scripts]
tidewater = "tidewater.cli:main"

[tool.uv.workspace]
members = ["packages/*"]

[tool.uv.sources]
tidewater-core = {{ workspace = true }}

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""

CORE = """\
[project]
name = "tidewater-core"
version = "{v}"
requires-python = ">=3.11"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""

VERSION_PY = '''\
"""The installed version (kept in step with pyproject.toml by the release)."""

__version__ = "{v}"
'''

UV_LOCK = """\
version = 1
revision = 2
requires-python = ">=3.11"

[manifest]
members = [
    "tidewater",
    "tidewater-core",
]

[[package]]
name = "h11"
version = "0.8.1"
source = {{ registry = "https://pypi.org/simple" }}
sdist = {{ url = "https://files.pythonhosted.org/packages/h11-0.8.1.tar.gz", hash = "sha256:aa" }}

[[package]]
name = "tidewater"
version = "{v}"
source = {{ editable = "." }}
dependencies = [
    {{ name = "h11" }},
    {{ name = "tidewater-core" }},
]

[package.metadata]
requires-dist = [
    {{ name = "h11", specifier = ">=0.8.1" }},
    {{ name = "tidewater-core", editable = "packages/tidewater-core" }},
]

[[package]]
name = "tidewater-core"
version = "{v}"
source = {{ editable = "packages/tidewater-core" }}
"""

REQUIREMENTS = """\
# pinned for the docs build
tidewater=={v}
tidewater-plugins=={plugins}
mkdocs-material==9.5.3
"""

INSTALL_MD = """\
# Install

Download the release (new in 0.8.0: checksums):

    curl -LO https://github.com/tide/tidewater/releases/download/v{v}/tidewater-{v}.tar.gz

or `pip install tidewater`.
"""


def _files(v: str) -> dict[str, str]:
    return {
        "pyproject.toml": PYPROJECT.format(v=v),
        "packages/tidewater-core/pyproject.toml": CORE.format(v=v),
        "src/tidewater/__version__.py": VERSION_PY.format(v=v),
        "uv.lock": UV_LOCK.format(v=v),
        # the plugins caught up with 0.8.1 in the same commit: a trap, not the project
        "requirements/docs.txt": REQUIREMENTS.format(
            v=v, plugins="0.7.0" if v == "0.8.0" else "0.8.1"
        ),
        "docs/install.md": INSTALL_MD.format(v=v),
    }


@pytest.fixture
def uv_repo(repo: Repo) -> Repo:
    """tidewater: released as v0.8.0 and v0.8.1, a feature since."""
    repo.commit(
        "feat: tide tables",
        {
            **_files("0.8.0"),
            "README.md": "# tidewater\n",
            "CHANGELOG.md": "# Changelog\n\n## 0.8.0\n\n- first\n",
        },
    )
    repo.tag("v0.8.0", "Release v0.8.0")
    repo.commit("fix: leap seconds")
    repo.commit(
        "chore(release): 0.8.1",
        {
            **_files("0.8.1"),
            "CHANGELOG.md": "# Changelog\n\n## 0.8.1\n\n- leap seconds\n\n## 0.8.0\n\n- first\n",
        },
    )
    repo.tag("v0.8.1", "Release v0.8.1")
    repo.commit("feat(cli): --station filter")
    return repo


def test_uv_release_commit_is_the_maintainers(uv_repo: Repo, cli) -> None:
    plan = cli("-C", uv_repo.path, "release", "plan", "--no-push", "--no-changelog")
    assert plan.code == 0, plan.err
    for why in (
        "uv.lock: the lock file of pyproject.toml",
        "packages/tidewater-core/pyproject.toml: a member of the uv workspace in pyproject.toml",
        "src/tidewater/__version__.py: the release commit of v0.8.1 bumped it",
        "docs/install.md: the release commit of v0.8.1 bumped it",
    ):
        assert why in plan.out, plan.out
    expected = hand_release_diff(uv_repo, _files("0.9.0"), "chore(release): 0.9.0")
    result = cli("-C", uv_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    assert uv_repo.git("show", "--format=", "HEAD") == expected
    for rel, text in _files("0.9.0").items():
        assert (uv_repo.path / rel).read_text() == text
    # the traps stayed: a registry package at the same version, a prose mention
    lock = (uv_repo.path / "uv.lock").read_text()
    assert (
        'name = "h11"\nversion = "0.8.1"' in lock
        and '"h11>=0.8.1"' in (uv_repo.path / "pyproject.toml").read_text()
    )
    assert "new in 0.8.0" in (uv_repo.path / "docs/install.md").read_text()


def test_pep440_prerelease_in_python_files_semver_in_the_tag(uv_repo: Repo, cli) -> None:
    result = cli(
        "-C", uv_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog", "--pre", "rc"
    )
    assert result.code == 0, result.err
    assert uv_repo.git("describe", "--tags") == "v0.9.0-rc.1"
    for rel, text in _files("0.9.0rc1").items():
        if rel != "docs/install.md":
            assert (uv_repo.path / rel).read_text() == text, rel
    # the docs page names the tag: SemVer, like the tag
    assert (uv_repo.path / "docs/install.md").read_text() == INSTALL_MD.format(v="0.9.0-rc.1")
    uv_repo.commit("fix: tide offsets")
    result = cli("-C", uv_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    assert uv_repo.git("describe", "--tags") == "v0.9.0"
    for rel, text in _files("0.9.0").items():
        assert (uv_repo.path / rel).read_text() == text, rel


def _configure(repo: Repo, files: list) -> None:
    repo.commit(
        "chore: configure shipline",
        {".shipline/config.json": json.dumps({"release": {"versionBump": files}}, indent=2) + "\n"},
    )


def test_configured_files_that_leave_the_old_version_behind_are_55(uv_repo: Repo, cli) -> None:
    _configure(uv_repo, ["pyproject.toml"])
    before = uv_repo.snapshot()
    result = cli("-C", uv_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 55, result.err
    for where in ("src/tidewater/__version__.py:3", "requirements/docs.txt:2", "docs/install.md:5"):
        assert where in result.err
    assert "fix: add the file to release.versionBump" in result.err
    assert "Traceback" not in result.err
    assert uv_repo.snapshot() == before  # nothing half-written
    plan = cli("-C", uv_repo.path, "release", "plan", "--no-push")
    assert plan.code == 55 and "src/tidewater/__version__.py:3" in plan.err


def test_lock_file_without_the_projects_entry_is_55_with_the_fix(uv_repo: Repo, cli) -> None:
    lock = UV_LOCK.format(v="0.8.1")
    lock = lock[: lock.index('[[package]]\nname = "tidewater"\n')]
    uv_repo.commit("chore: prune the lock", {"uv.lock": lock})
    _configure(
        uv_repo,
        [
            "pyproject.toml",
            "packages/tidewater-core/pyproject.toml",
            "uv.lock",
            "src/tidewater/__version__.py",
            {"path": "requirements/docs.txt", "pattern": "tidewater=={version}"},
            {"path": "docs/install.md", "pattern": "v{version}/"},
            {"path": "docs/install.md", "pattern": "tidewater-{version}.tar"},
        ],
    )
    before = uv_repo.snapshot()
    result = cli("-C", uv_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 55, result.err
    assert "uv.lock: no entry for the project itself" in result.err
    assert "fix: run `uv lock` and commit the result, or drop uv.lock" in result.err
    assert uv_repo.snapshot() == before


def test_stale_lock_entry_names_the_recorded_version(uv_repo: Repo, cli) -> None:
    uv_repo.commit("chore: stale lock", {"uv.lock": UV_LOCK.format(v="0.8.0")})
    _configure(uv_repo, ["pyproject.toml", "uv.lock"])
    result = cli("-C", uv_repo.path, "release", "plan", "--no-push")
    assert result.code == 55
    assert (
        "uv.lock: the project's entries record tidewater 0.8.0, tidewater-core 0.8.0, not 0.8.1"
        in result.err
        and "uv lock" in result.err
    )


def test_init_proposes_what_the_last_release_bumped(uv_repo: Repo, cli) -> None:
    result = cli(
        "-C",
        uv_repo.path,
        "--output",
        "json",
        "init",
        "--yes",
        "--gate",
        "pytest=",
        "--artifact",
        "none",
    )
    assert result.code == 0, result.err
    assert "version file src/tidewater/__version__.py: __version__" in result.out
    assert (
        "version file requirements/docs.txt (tidewater=={version}): requirements pinning "
        "the project" in result.out
    )
    assert "bumped with the version in v0.8.1's release commit" in result.out
    config = json.loads((uv_repo.path / ".shipline/config.json").read_text())
    assert config["release"]["versionBump"] == [
        "pyproject.toml",
        "src/tidewater/__version__.py",
        {"path": "requirements/docs.txt", "pattern": "tidewater=={version}"},
        {
            "path": "docs/install.md",
            "pattern": "https://github.com/tide/tidewater/releases/"
            "download/v{version}/tidewater-{version}.tar.gz",
        },
    ]
    uv_repo.git("add", "-A")
    uv_repo.git("commit", "-q", "-m", "chore: configure shipline")
    expected = hand_release_diff(uv_repo, _files("0.9.0"), "chore(release): 0.9.0")
    result = cli("-C", uv_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    assert uv_repo.git("show", "--format=", "HEAD") == expected


def test_a_failing_gate_puts_every_bumped_file_back(uv_repo: Repo, cli) -> None:
    uv_repo.commit(
        "chore: configure shipline",
        {
            ".shipline/config.json": json.dumps(
                {
                    "release": {
                        "gates": [{"name": "tests", "run": "exit 3"}],
                        "versionBump": [
                            "pyproject.toml",
                            "src/tidewater/__version__.py",
                            {"path": "requirements/docs.txt", "pattern": "tidewater=={version}"},
                            {
                                "path": "docs/install.md",
                                "pattern": "v{version}/tidewater-{version}.tar",
                            },
                        ],
                    }
                }
            )
        },
    )
    before = uv_repo.snapshot()
    result = cli("-C", uv_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 54, result.err
    assert uv_repo.snapshot() == before  # uv.lock, __version__.py, docs... all as they were


def test_no_version_files_configured_and_none_bumped_before(repo: Repo, cli) -> None:
    """A project whose releases are tags only (an empty versionBump)."""
    repo.commit("feat: start", {".shipline/config.json": '{"release": {"versionBump": []}}'})
    repo.tag("v1.0.0")
    repo.commit("fix: one")
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    assert repo.git("describe", "--tags") == "v1.0.1"

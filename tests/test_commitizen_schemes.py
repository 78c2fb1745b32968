"""commitizen's version scheme and prerelease numbering, imported (issue 10):
a commitizen project's prereleases are tagged, committed and written the way
``cz bump --prerelease`` writes them. commitizen spells every file and the
tag in its ``version_scheme`` (``pep440`` by default: ``v2.4.0rc0``;
``semver``: ``v0.9.0-b0``; ``semver2``: ``v0.9.0-beta.0``) and numbers a
series from 0; shipline's own rule (``rc.1`` first, PEP 440 only in Python
files) holds only where no such tool config is the source.

The expected release commits below are the ones commitizen 4.19.3 made with
``cz bump --yes --prerelease rc|beta`` on the same fixture repositories (same
files, messages and dates; the changelog date is the release day, pinned with
SOURCE_DATE_EPOCH here)."""

from __future__ import annotations

import json

import pytest
from conftest import Repo

JAN_1 = "1767225600"  # 2026-01-01

CZ_PYPROJECT = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "acme-queue"
version = "2.3.1"
description = "A small job queue"
requires-python = ">=3.10"

[tool.commitizen]
name = "cz_conventional_commits"
version_provider = "pep621"
tag_format = "v$version"
version_files = ["src/acme_queue/__init__.py:__version__"]
update_changelog_on_bump = true
"""
INIT = '"""A small job queue."""\n\n__version__ = "2.3.1"\n'
CHANGELOG = """## v2.3.1 (2025-12-20)

### Fix

- **worker**: retry a job whose lease expired

## v2.3.0 (2025-12-01)

### Feat

- add job priorities
"""
RC0_ENTRY = """## v2.4.0rc0 (2026-01-01)

### Feat

- **api**: add a bulk enqueue endpoint

### Fix

- close the broker connection on shutdown

"""
RC1_ENTRY = """## v2.4.0rc1 (2026-01-01)

### Fix

- **worker**: keep the lease while a job runs

"""


def _ship(cli, repo: Repo, *args: str) -> dict[str, str]:
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push", *args)
    assert result.code == 0, result.out + result.err
    names = repo.git("show", "--name-only", "--format=", "HEAD").splitlines()
    return {n: repo.git("show", f"HEAD:{n}") + "\n" for n in names}


@pytest.fixture
def cz_queue(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A PEP 621 project released with commitizen (no version_scheme: pep440)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", JAN_1)
    repo.commit(
        "chore: set up the project",
        {
            "pyproject.toml": CZ_PYPROJECT,
            "src/acme_queue/__init__.py": INIT,
            "CHANGELOG.md": CHANGELOG,
        },
    )
    repo.tag("v2.3.1", "Release v2.3.1")
    repo.commit("feat(api): add a bulk enqueue endpoint")
    repo.commit("fix: close the broker connection on shutdown")
    return repo


def test_pep440_prereleases_are_numbered_from_0_like_cz_bump(cz_queue: Repo, cli) -> None:
    repo = cz_queue
    files = _ship(cli, repo, "--pre", "rc")
    assert repo.git("log", "-1", "--format=%B") == "bump: version 2.3.1 → 2.4.0rc0"
    assert repo.git("tag", "--points-at", "HEAD") == "v2.4.0rc0"
    assert files == {
        "CHANGELOG.md": RC0_ENTRY + CHANGELOG,
        "pyproject.toml": CZ_PYPROJECT.replace('version = "2.3.1"', 'version = "2.4.0rc0"'),
        "src/acme_queue/__init__.py": INIT.replace("2.3.1", "2.4.0rc0"),
    }
    repo.commit("fix(worker): keep the lease while a job runs")
    files = _ship(cli, repo, "--pre", "rc")
    assert repo.git("log", "-1", "--format=%B") == "bump: version 2.4.0rc0 → 2.4.0rc1"
    assert repo.git("tag", "--points-at", "HEAD") == "v2.4.0rc1"
    assert files == {
        "CHANGELOG.md": RC1_ENTRY + RC0_ENTRY + CHANGELOG,
        "pyproject.toml": CZ_PYPROJECT.replace('version = "2.3.1"', 'version = "2.4.0rc1"'),
        "src/acme_queue/__init__.py": INIT.replace("2.3.1", "2.4.0rc1"),
    }
    plan = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    data = plan.summary["data"]["plan"]
    assert (data["version"], data["tag"]) == ("2.4.0", "v2.4.0")  # the series is promoted


def _rc_series(cli, repo: Repo) -> None:
    """v2.4.0rc0 and v2.4.0rc1 shipped, then one more fix."""
    _ship(cli, repo, "--pre", "rc")
    repo.commit("fix(worker): keep the lease while a job runs")
    _ship(cli, repo, "--pre", "rc")
    repo.commit("fix: drain the queue on stop")


def test_the_final_release_lists_what_came_after_the_last_rc_like_cz_bump(
    cz_queue: Repo, cli
) -> None:
    """commitizen's default (``changelog_merge_prerelease = false``)."""
    _rc_series(cli, cz_queue)
    files = _ship(cli, cz_queue)
    assert cz_queue.git("log", "-1", "--format=%B") == "bump: version 2.4.0rc1 → 2.4.0"
    assert cz_queue.git("tag", "--points-at", "HEAD") == "v2.4.0"
    final = "## v2.4.0 (2026-01-01)\n\n### Fix\n\n- drain the queue on stop\n\n"
    assert files["CHANGELOG.md"] == final + RC1_ENTRY + RC0_ENTRY + CHANGELOG
    assert files["pyproject.toml"] == CZ_PYPROJECT.replace('version = "2.3.1"', 'version = "2.4.0"')


def test_merge_prerelease_replaces_the_rc_entries_like_cz_bump(
    repo: Repo, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", JAN_1)
    pyproject = CZ_PYPROJECT + "changelog_merge_prerelease = true\n"
    repo.commit(
        "chore: set up the project",
        {
            "pyproject.toml": pyproject,
            "src/acme_queue/__init__.py": INIT,
            "CHANGELOG.md": CHANGELOG,
        },
    )
    repo.tag("v2.3.1", "Release v2.3.1")
    repo.commit("feat(api): add a bulk enqueue endpoint")
    repo.commit("fix: close the broker connection on shutdown")
    _rc_series(cli, repo)
    files = _ship(cli, repo)
    merged = (
        "## v2.4.0 (2026-01-01)\n\n### Feat\n\n- **api**: add a bulk enqueue endpoint\n\n"
        "### Fix\n\n- drain the queue on stop\n- **worker**: keep the lease while a job runs\n"
        "- close the broker connection on shutdown\n\n"
    )
    assert files["CHANGELOG.md"] == merged + CHANGELOG
    result = cli("-C", repo.path, "init", "--yes")
    assert (
        "imported changelog.prereleases = 'merge' from pyproject.toml "
        "[tool.commitizen] changelog_merge_prerelease"
    ) in result.out


@pytest.mark.parametrize(
    ("label", "version"), [("alpha", "2.4.0a0"), ("beta", "2.4.0b0"), ("dev", "2.4.0.dev0")]
)
def test_pep440_alpha_beta_and_dev_like_cz_bump(
    cz_queue: Repo, cli, label: str, version: str
) -> None:
    """``cz bump --prerelease alpha|beta`` and ``--devrelease 0`` on the same history."""
    files = _ship(cli, cz_queue, "--pre", label)
    assert cz_queue.git("log", "-1", "--format=%B") == f"bump: version 2.3.1 → {version}"
    assert cz_queue.git("tag", "--points-at", "HEAD") == f"v{version}"
    assert files == {
        "CHANGELOG.md": RC0_ENTRY.replace("2.4.0rc0", version) + CHANGELOG,
        "pyproject.toml": CZ_PYPROJECT.replace('version = "2.3.1"', f'version = "{version}"'),
        "src/acme_queue/__init__.py": INIT.replace("2.3.1", version),
    }


CZ_TOML = """[tool.commitizen]
name = "cz_conventional_commits"
version = "0.8.0"
version_scheme = "{scheme}"
tag_format = "v$version"
version_files = ["Cargo.toml:^version"]
"""
CARGO = """[package]
name = "acme-cli"
version = "0.8.0"
edition = "2021"

[dependencies]
clap = { version = "4.5", features = ["derive"] }
"""


@pytest.mark.parametrize(
    ("scheme", "first", "second"),
    [("semver", "0.9.0-b0", "0.9.0-b1"), ("semver2", "0.9.0-beta.0", "0.9.0-beta.1")],
)
def test_semver_schemes_spell_tag_message_and_files_like_cz_bump(
    repo: Repo, cli, scheme: str, first: str, second: str
) -> None:
    cz_toml = CZ_TOML.format(scheme=scheme)
    repo.commit("chore: set up the project", {".cz.toml": cz_toml, "Cargo.toml": CARGO})
    repo.tag("v0.8.0", "Release v0.8.0")
    repo.commit("feat: read the config from XDG_CONFIG_HOME")
    files = _ship(cli, repo, "--pre", "beta")
    assert repo.git("log", "-1", "--format=%B") == f"bump: version 0.8.0 → {first}"
    assert repo.git("tag", "--points-at", "HEAD") == f"v{first}"
    assert files == {
        ".cz.toml": cz_toml.replace('version = "0.8.0"', f'version = "{first}"'),
        "Cargo.toml": CARGO.replace('version = "0.8.0"', f'version = "{first}"'),
    }
    repo.commit("fix: exit 2 on a bad flag")
    files = _ship(cli, repo, "--pre", "beta")
    assert repo.git("log", "-1", "--format=%B") == f"bump: version {first} → {second}"
    assert repo.git("tag", "--points-at", "HEAD") == f"v{second}"
    assert files[".cz.toml"] == cz_toml.replace('version = "0.8.0"', f'version = "{second}"')


def test_compact_tags_sort_by_number(repo: Repo, cli) -> None:
    """``rc10`` comes after ``rc9``: compact prereleases are read as numbers."""
    cz_toml = CZ_TOML.format(scheme="semver")
    repo.commit("chore: set up the project", {".cz.toml": cz_toml, "Cargo.toml": CARGO})
    repo.tag("v0.8.0")
    for n in (8, 9, 10):
        version = f"0.9.0-rc{n}"
        repo.commit(
            f"fix: round {n}",
            {
                ".cz.toml": cz_toml.replace("0.8.0", version),
                "Cargo.toml": CARGO.replace("0.8.0", version),
            },
        )
        repo.tag(f"v{version}")
    repo.commit("fix: one more")
    plan = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push", "--pre", "rc")
    assert plan.code == 0, plan.out
    data = plan.summary["data"]["plan"]
    assert (data["version"], data["tag"]) == ("0.9.0-rc11", "v0.9.0-rc11")


def test_init_lists_the_scheme_and_numbering_with_their_source(cz_queue: Repo, cli) -> None:
    result = cli("-C", cz_queue.path, "init", "--yes")
    assert result.code == 0, result.out
    assert (
        "imported versionScheme = 'pep440' from pyproject.toml "
        "(commitizen default version_scheme 'pep440')"
    ) in result.out
    assert (
        "imported prereleaseStart = 0 from pyproject.toml "
        "(commitizen numbers prereleases from 0: rc0, rc1...)"
    ) in result.out
    release = json.loads((cz_queue.path / ".shipline" / "config.json").read_text())["release"]
    assert (release["versionScheme"], release["prereleaseStart"]) == ("pep440", 0)
    cz_queue.git("add", "-A")
    cz_queue.git("commit", "-qm", "chore: adopt shipline")
    _ship(
        cli, cz_queue, "--pre", "rc", "--no-artifacts"
    )  # the written config releases the same way
    assert cz_queue.git("tag", "--points-at", "HEAD") == "v2.4.0rc0"


def test_without_a_tool_config_shiplines_own_rule_holds(repo: Repo, cli) -> None:
    """No commitizen: the first rc is ``rc1`` in pyproject, ``-rc.1`` in the tag."""
    pyproject = CZ_PYPROJECT.split("[tool.commitizen]")[0]
    repo.commit("chore: set up the project", {"pyproject.toml": pyproject})
    repo.tag("v2.3.1", "Release v2.3.1")
    repo.commit("feat: add a bulk enqueue endpoint")
    files = _ship(cli, repo, "--pre", "rc", "--no-changelog")
    assert repo.git("tag", "--points-at", "HEAD") == "v2.4.0-rc.1"
    assert 'version = "2.4.0rc1"' in files["pyproject.toml"]


# --- bad inputs -------------------------------------------------------------------------


def test_a_custom_version_scheme_is_noted_not_imported(repo: Repo, cli) -> None:
    cz_toml = CZ_TOML.format(scheme="acme_calver")
    repo.commit("chore: set up the project", {".cz.toml": cz_toml, "Cargo.toml": CARGO})
    result = cli("-C", repo.path, "init", "--yes")
    assert result.code == 0, result.out
    assert (
        "note: commitizen: [tool.commitizen] version_scheme 'acme_calver': a custom "
        "scheme shipline cannot spell"
    ) in result.out
    release = json.loads((repo.path / ".shipline" / "config.json").read_text())["release"]
    assert "versionScheme" not in release and "prereleaseStart" not in release


@pytest.mark.parametrize(
    ("release", "message"),
    [
        ({"versionScheme": "calver"}, "release.versionScheme"),
        ({"prereleaseStart": 2}, "release.prereleaseStart"),
        ({"changelog": {"prereleases": "squash"}}, "release.changelog.prereleases"),
    ],
)
def test_a_bad_scheme_setting_is_90_and_nothing_is_written(
    repo: Repo, cli, release: dict, message: str
) -> None:
    repo.commit(
        "chore: set up the project",
        {
            "pyproject.toml": CZ_PYPROJECT.split("[tool.commitizen]")[0],
            ".shipline/config.json": json.dumps({"release": release}),
        },
    )
    repo.tag("v2.3.1")
    repo.commit("feat: x")
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push", "--pre", "rc")
    assert result.code == 90, result.out + result.err
    assert message in result.out + result.err
    assert repo.snapshot() == before


def test_a_label_the_scheme_cannot_spell_is_53_and_nothing_is_written(repo: Repo, cli) -> None:
    cz_toml = CZ_TOML.format(scheme="semver")
    repo.commit("chore: set up the project", {".cz.toml": cz_toml, "Cargo.toml": CARGO})
    repo.tag("v0.8.0")
    repo.commit("feat: x")
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push", "--pre", "nightly")
    assert result.code == 53, result.out + result.err
    assert "0.9.0-nightly.0 has no semver-compact spelling" in result.out + result.err
    assert "--pre rc, beta, alpha or dev" in result.out + result.err
    assert repo.snapshot() == before


def test_compact_tags_and_files_without_a_tool_config_stay_compact(repo: Repo, cli) -> None:
    """No commitizen: a project whose tags and package.json say ``3.0.0-rc1``
    gets ``3.0.0-rc2`` in both (a label the spelling lacks falls back to SemVer's)."""
    package = '{\n  "name": "@acme/kiln",\n  "version": "3.0.0-rc1"\n}\n'
    repo.commit("chore: set up the project", {"package.json": package})
    repo.tag("v3.0.0-rc1")
    repo.commit("fix: keep the cache warm")
    files = _ship(cli, repo, "--pre", "rc", "--no-changelog")
    assert repo.git("tag", "--points-at", "HEAD") == "v3.0.0-rc2"
    assert files["package.json"] == package.replace("rc1", "rc2")
    repo.commit("fix: one more")
    plan = cli(
        "-C", repo.path, "--output", "json", "release", "plan", "--no-push", "--pre", "nightly"
    )
    assert plan.code == 0, plan.out
    data = plan.summary["data"]["plan"]
    assert (data["version"], data["tag"]) == ("3.0.0-nightly.1", "v3.0.0-nightly.1")
    assert data["files"][0]["changes"][0]["after"] == '  "version": "3.0.0-nightly.1"'

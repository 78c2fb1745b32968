"""Red team, issue 13: every check before the first write, and complete
history before a release. Each case runs `release plan`, `ship --dry-run`
and `ship` on a real repository and checks the exit code, the message and
that nothing was written (no bump, no commit, no tag, no journal)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import Repo

from tests.gpgkeys import GpgHome, gpg_home  # noqa: F401

BREAKING = "feat(api)!: drop the v1 endpoints\n\nBREAKING CHANGE: call /v2 instead."


def _configure(repo: Repo, release: dict) -> None:
    repo.commit(
        "chore: configure shipline", {".shipline/config.json": json.dumps({"release": release})}
    )


def _refused_everywhere(cli, repo: Repo, code: int, words: str, *extra: str) -> list:  # type: ignore[no-untyped-def]
    """plan, dry run and ship all refuse with ``code`` and write nothing."""
    before = repo.snapshot()
    results = []
    for argv in (
        ("release", "plan", *extra),
        ("release", "ship", "--yes", "--dry-run", *extra),
        ("release", "ship", "--yes", *extra),
    ):
        result = cli("-C", repo.path, *argv)
        assert result.code == code, (argv, result.out, result.err)
        assert words in result.err, (argv, result.err)
        assert "fix:" in result.err and "Traceback" not in result.out + result.err
        results.append(result)
    assert repo.snapshot() == before
    return results


# --- complete history ---------------------------------------------------------------


@pytest.fixture
def origin(py_repo: Repo) -> Repo:
    """v1.2.0, then a breaking change with its migration footer, then fixes."""
    py_repo.commit(BREAKING)
    py_repo.commit("fix: empty input again")
    py_repo.commit("fix: typo in the help")
    return py_repo


def _clone(origin: Repo, tmp_path: Path, *flags: str, release: dict | None = None) -> Repo:
    if release is not None:
        _configure(origin, release)
    path = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", *flags, f"file://{origin.path}", str(path)], check=True)
    return Repo(path, origin.clock)


def test_a_shallow_clone_is_refused_with_the_fix(origin: Repo, tmp_path: Path, cli) -> None:
    clone = _clone(
        origin,
        tmp_path,
        "--depth",
        "1",
        release={"versionBump": ["pyproject.toml"], "push": {"enabled": False}},
    )
    results = _refused_everywhere(cli, clone, 54, "this clone is shallow")
    assert "git fetch --unshallow --tags" in results[0].err
    assert "fetch-depth: 0" in results[0].err


def test_a_shallow_clone_deepens_itself_when_the_config_allows(
    origin: Repo, tmp_path: Path, cli
) -> None:
    clone = _clone(
        origin,
        tmp_path,
        "--depth",
        "1",
        release={
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "history": {"deepen": True},
        },
    )
    result = cli("-C", clone.path, "release", "ship", "--yes")
    assert result.code == 0, result.err
    assert clone.git("describe", "--tags") == "v2.0.0"  # the breaking change was seen
    assert clone.git("rev-parse", "--is-shallow-repository") == "false"


def test_a_clone_without_the_release_tags_is_refused(origin: Repo, tmp_path: Path, cli) -> None:
    clone = _clone(
        origin,
        tmp_path,
        "--no-tags",
        release={"versionBump": ["pyproject.toml"], "push": {"enabled": False}},
    )
    results = _refused_everywhere(
        cli, clone, 54, "this clone has no release tags but origin has 1 (latest v1.2.0)"
    )
    assert "git fetch --tags" in results[0].err


def test_a_clone_without_tags_fetches_them_when_the_config_allows(
    origin: Repo, tmp_path: Path, cli
) -> None:
    clone = _clone(
        origin,
        tmp_path,
        "--no-tags",
        release={
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "history": {"deepen": True},
        },
    )
    result = cli("-C", clone.path, "--output", "json", "release", "plan")
    assert result.code == 0, result.err
    plan = result.summary["data"]["plan"]
    assert plan["last_tag"] == "v1.2.0" and plan["version"] == "2.0.0"


def test_a_real_first_release_with_a_tagless_remote_is_not_refused(
    repo: Repo, tmp_path: Path, cli
) -> None:
    repo.commit("feat: first", {"pyproject.toml": '[project]\nname="x"\nversion = "0.1.0"\n'})
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "main")
    result = cli("-C", repo.path, "release", "plan")
    assert result.code == 0, result.err


# --- signing before the first write ------------------------------------------------


def _tarball_release(registry: Path, signing: dict, level: str) -> dict:
    return {
        "versionBump": ["pyproject.toml"],
        "push": {"enabled": False},
        "artifacts": [{"type": "tarball", "name": "src", "registry": str(registry)}],
        "security": {"provenance": {"level": level, "signing": signing}},
    }


def test_signing_none_above_level_1_is_90_even_without_artifacts(py_repo: Repo, cli) -> None:
    _configure(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "security": {
                "provenance": {"level": "SLSA_BUILD_LEVEL_2", "signing": {"method": "none"}}
            },
        },
    )
    _refused_everywhere(cli, py_repo, 90, "signing.method is none but level is SLSA_BUILD_LEVEL_2")


def test_gpg_without_gpg_key_id_is_91_before_the_bump_and_shows_the_slsa_lines(
    py_repo: Repo, tmp_path: Path, cli, monkeypatch
) -> None:
    monkeypatch.delenv("GPG_KEY_ID", raising=False)
    _configure(
        py_repo, _tarball_release(tmp_path / "dist", {"method": "gpg"}, "SLSA_BUILD_LEVEL_2")
    )
    results = _refused_everywhere(cli, py_repo, 91, "signing method gpg needs GPG_KEY_ID")
    for result in results:
        assert "SLSA: declared SLSA_BUILD_LEVEL_2, achievable here" in result.out
    assert not (tmp_path / "dist").exists()


def test_gpg_with_a_key_not_in_the_keyring_is_91_before_the_bump(
    py_repo: Repo, tmp_path: Path, cli, gpg_home: GpgHome, monkeypatch
) -> None:
    monkeypatch.setenv("GPG_KEY_ID", "0123456789ABCDEF0123456789ABCDEF01234567")
    _configure(
        py_repo, _tarball_release(tmp_path / "dist", {"method": "gpg"}, "SLSA_BUILD_LEVEL_2")
    )
    _refused_everywhere(cli, py_repo, 91, "no secret signing key")


def test_sigstore_keyless_without_an_identity_is_91_before_the_bump(
    py_repo: Repo, tmp_path: Path, cli, monkeypatch
) -> None:
    from shipline.domain.signing.signing_plan import OIDC_ENV

    for name in OIDC_ENV:
        monkeypatch.delenv(name, raising=False)
    _configure(
        py_repo, _tarball_release(tmp_path / "dist", {"method": "sigstore"}, "SLSA_BUILD_LEVEL_2")
    )
    _refused_everywhere(cli, py_repo, 91, "no OIDC identity is available")


# --- the migration-note rule reads the commits --------------------------------------


def test_no_changelog_does_not_skip_the_migration_note_rule(py_repo: Repo, cli) -> None:
    py_repo.commit("feat(api)!: drop the v1 endpoints")
    _refused_everywhere(
        cli, py_repo, 54, "breaking change without a migration note", "--no-changelog", "--no-push"
    )


def test_a_changelog_disabled_in_config_does_not_skip_it_either(py_repo: Repo, cli) -> None:
    py_repo.commit("feat(api)!: drop the v1 endpoints")
    _configure(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "changelog": {"enabled": False},
        },
    )
    _refused_everywhere(cli, py_repo, 54, "breaking change without a migration note")


def test_an_entry_that_drops_the_breaking_section_is_54(py_repo: Repo, tmp_path: Path, cli) -> None:
    py_repo.commit("feat(api)!: drop the v1 endpoints")
    entry = tmp_path / "entry.md"
    entry.write_text("## [2.0.0] - 2026-01-01\n\n### Features\n\n- a nicer API\n")
    _refused_everywhere(
        cli,
        py_repo,
        54,
        "breaking change without a migration note",
        "--no-push",
        "--changelog-entry",
        str(entry),
    )
    entry.write_text(
        "## [2.0.0] - 2026-01-01\n\n### ⚠ BREAKING CHANGES\n\n"
        "- **api:** drop the v1 endpoints\n\n  Call /v2 instead.\n"
    )
    result = cli(
        "-C", py_repo.path, "release", "ship", "--yes", "--no-push", "--changelog-entry", entry
    )
    assert result.code == 0, result.err
    assert "Call /v2 instead." in (py_repo.path / "CHANGELOG.md").read_text()


def test_a_footer_note_is_enough_without_a_changelog(py_repo: Repo, cli) -> None:
    py_repo.commit(BREAKING)
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    assert py_repo.git("describe", "--tags") == "v2.0.0"

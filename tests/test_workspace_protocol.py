"""`shipline check protocol --version NAME@VERSION`: one package's release
from a train checked like a single release, against that package's tag,
manifest (or the root Cargo.toml its crate inherits the version from) and
changelog; an unknown package or version is 50 with a hint."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Repo
from monorepos import cargo_workspace
from test_workspace_review import _train

EPOCH = "1767830400"  # 2026-01-08


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def _check(cli: Any, repo: Repo, *args: str) -> Any:
    return cli("-C", repo.path, "--output", "json", "check", "protocol", *args)


def test_a_package_release_passes_the_release_protocol(repo: Repo, cli: Any) -> None:
    _train(repo, cli)
    result = _check(cli, repo, "--protocol-type", "release", "--version", "@acme/cli@3.0.2")
    assert result.code == 0, result.out + result.err
    data = result.summary["data"]
    assert (data["package"], data["version"]) == ("@acme/cli", "3.0.2")
    assert data["checks"] == [
        "version 3.0.2 is semver (RLSE-001)",
        f"tag @acme/cli@3.0.2 points at the recorded commit {repo.git('rev-parse', 'HEAD')[:12]} "
        "(RLSE-004)",
        "packages/cli/package.json at @acme/cli@3.0.2 carries 3.0.2 (RLSE-006)",
        "packages/cli/CHANGELOG.md at @acme/cli@3.0.2 has the entry for 3.0.2 (RLSE-002)",
    ]
    assert data["message"] == "release protocol: release @acme/cli@3.0.2 is valid (4 checks)"


def test_a_crate_that_inherits_the_version_is_checked_in_the_root_manifest(
    repo: Repo, cli: Any
) -> None:
    cargo_workspace(repo)
    repo.commit("feat(core): parse faster", {"crates/core/src/lib.rs": "pub fn f() {}\n"})
    assert cli("-C", repo.path, "release", "ship", "--yes", "--no-push").code == 0
    result = _check(cli, repo, "--protocol-type", "release", "--version", "tool-cli@2.14.0")
    assert result.code == 0, result.out + result.err
    assert (
        "Cargo.toml at tool-cli-v2.14.0 carries 2.14.0 (RLSE-006)"
        in (result.summary["data"]["checks"])
    )


@pytest.mark.parametrize(
    ("version", "code", "text"),
    [
        ("@acme/nope@1.0.0", 50, "no package named '@acme/nope' in this workspace"),
        ("@acme/cli@9.9.9", 50, "no release @acme/cli@9.9.9 is recorded"),
        ("@acme/cli@three", 53, "not a valid semantic version"),
    ],
)
def test_an_unknown_package_or_version_is_refused(
    repo: Repo, cli: Any, version: str, code: int, text: str
) -> None:
    _train(repo, cli)
    before = repo.snapshot()
    result = _check(cli, repo, "--protocol-type", "release", "--version", version)
    assert result.code == code, result.out + result.err
    assert text in result.out
    assert repo.snapshot() == before


def test_a_source_only_package_has_no_provenance_and_a_moved_tag_is_56(
    repo: Repo, cli: Any
) -> None:
    _train(repo, cli)
    provenance = _check(cli, repo, "--protocol-type", "provenance", "--version", "@acme/core@1.3.0")
    assert provenance.code == 94 and "source-only release" in provenance.out
    # the package's tag moved to a commit the ledger does not record
    repo.git("tag", "-d", "@acme/core@1.3.0")
    repo.commit("chore: wrong version", {"packages/core/package.json": '{"version": "9.0.0"}\n'})
    repo.git("tag", "-a", "@acme/core@1.3.0", "-m", "moved")
    moved = _check(cli, repo, "--protocol-type", "release", "--version", "@acme/core@1.3.0")
    assert moved.code == 56, moved.out
    assert "tag @acme/core@1.3.0 points at" in moved.out

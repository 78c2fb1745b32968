"""The L4 check "provenance for every dependency" for a package that requires
a sibling of its workspace. The sibling comes through a ``link:`` in
``pnpm-lock.yaml`` and has no hash in the lock: its provenance is its own
release in the same ledger, which must describe exactly that component
(purl, so name and version), verify, and come from a commit the dependent's
release contains. Each refusal names the sibling and why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from monorepos import (
    CARGO_LOCK,
    cargo_workspace,
    npm_workspace_lock,
    package_json,
    package_tarball,
    pnpm_monorepo,
    tarball_packages,
)

from shipline.domain.config_loading import load_config
from shipline.domain.gitops import Git
from shipline.domain.provenance.attest import ArtifactInput, AttestRequest, prepare, seal
from tests.gpgkeys import GpgHome, gpg_home  # noqa: F401

CLI, CORE = "@acme/cli", "@acme/core"
CORE_PURL = "pkg:npm/%40acme/core@{}"


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767830400")


def _records(repo: Repo, kind: str = "release") -> list[dict[str, Any]]:
    path = repo.path / ".shipline" / "releases.json"
    return [r for r in json.loads(path.read_text())["records"] if r["recordType"] == kind]


def _of(repo: Repo, package: str) -> dict[str, Any]:
    return next(r for r in _records(repo) if r["metadata"]["links"]["package"] == package)


def _train(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    monkeypatch: pytest.MonkeyPatch,
    *,
    sbom: str = "CycloneDX",
    commits: tuple[tuple[str, str], ...] = (
        ("fix(cli): quote paths", "packages/cli/index.js"),
        ("feat(core): add retries", "packages/core/index.js"),
    ),
    before_ship: Callable[[], Any] | None = None,
) -> None:
    """cli and core of the pnpm fixture, each a reproducible tarball attested
    and signed with gpg by the train, with an SBOM of the given format."""
    store = tmp_path / "store"
    store.mkdir()
    packages = tarball_packages(store, "cli", "core")
    spec = {"CycloneDX": "1.6", "SPDX": "2.3"}[sbom]
    provenance = {
        "enabled": True,
        "level": "SLSA_BUILD_LEVEL_2",
        "signing": {"method": "gpg", "keyless": False},
        "sbom": {"format": sbom, "specVersion": spec},
    }
    config = {
        "release": {"workspace": {"packages": packages}, "security": {"provenance": provenance}}
    }
    pnpm_monorepo(repo)
    repo.commit("chore: configure shipline", {".shipline/config.json": json.dumps(config)})
    for message, path in commits:
        repo.commit(message, {path: message + "\n"})
    key = gpg_home.generate("Release Bot <release@example.com>")
    monkeypatch.setenv("GPG_KEY_ID", key.fingerprint)
    if before_ship is not None:
        before_ship()
    shipped = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.out[-3000:] + shipped.err


def _attest_core_120(repo: Repo, tmp_path: Path) -> dict[str, Any]:
    """core 1.2.0 attested from HEAD the way its own CI records it (its
    tarball, signed with ``GPG_KEY_ID``, the config's SBOM)."""
    git, loaded = Git(repo.path), load_config(repo.path)
    tarball = package_tarball(repo, "core", tmp_path / "acme-core-1.2.0.tgz")
    request = AttestRequest(
        artifacts=[ArtifactInput(path=tarball, type="npm-package")],
        version="1.2.0",
        sign="gpg",
        env=dict(os.environ),
        package=CORE,
    )
    return seal(loaded, prepare(git, loaded, request))


def _dependency_check(cli: Any, repo: Repo, target: str) -> dict[str, Any]:
    result = cli("-C", repo.path, "--output", "json", "review", target, "--no-rebuild")
    assert result.code == 0, result.out[-3000:] + result.err
    return next(c for c in result.summary["data"]["checks"] if c["name"] == "dependencyProvenance")


@pytest.mark.parametrize("sbom", ["CycloneDX", "SPDX"])
def test_a_sibling_released_and_verified_in_the_same_ledger_is_provenance(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    monkeypatch: pytest.MonkeyPatch,
    sbom: str,
) -> None:
    _train(cli, repo, tmp_path, gpg_home, monkeypatch, sbom=sbom)
    sbom_doc = (repo.path / _of(repo, CLI)["sbom"]["path"]).read_text()
    assert CORE_PURL.format("1.3.0") in sbom_doc  # the sibling at its released version
    check = _dependency_check(cli, repo, f"{CLI}@3.0.2")
    assert check["status"] == "pass", check
    assert check["detail"] == (
        "all 1 component(s) with provenance: 0 hash-pinned and attested, "
        "1 workspace sibling(s) with their own attested release"
    )
    # the sibling itself depends on nothing
    assert _dependency_check(cli, repo, f"{CORE}@1.3.0")["status"] == "pass"


def test_a_sibling_whose_release_no_longer_verifies_is_named(
    cli: Any, repo: Repo, tmp_path: Path, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    _train(cli, repo, tmp_path, gpg_home, monkeypatch)
    artifact = _of(repo, CORE)["artifacts"][0]
    path = Path(artifact["path"])
    path = path if path.is_absolute() else repo.path / path
    path.write_bytes(path.read_bytes() + b"tampered")
    before = repo.snapshot()
    check = _dependency_check(cli, repo, f"{CLI}@3.0.2")
    assert check["status"] == "fail"
    assert check["detail"] == "1 of 1 component(s) without provenance evidence"
    [item] = check["items"]
    assert item.startswith(
        f"{CORE_PURL.format('1.3.0')}: workspace sibling, but its release {CORE}@1.3.0 "
        "does not verify ("
    ), item
    assert artifact["name"] in item and "recorded" in item, item
    assert repo.snapshot() == before  # a review that refuses writes nothing


def test_a_sibling_without_a_release_of_its_own_is_not_hash_pinned(
    cli: Any, repo: Repo, tmp_path: Path, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only cli changed: the train releases cli alone, and core 1.2.0 (tagged
    by the fixture, never attested) has no record to vouch for it."""
    _train(cli, repo, tmp_path, gpg_home, monkeypatch, commits=(("fix(cli): q", "packages/cli/q"),))
    assert [r["metadata"]["links"]["package"] for r in _records(repo)] == [CLI]
    check = _dependency_check(cli, repo, f"{CLI}@3.0.2")
    assert check["status"] == "fail"
    assert check["items"] == [f"{CORE_PURL.format('1.2.0')}: not hash-pinned in a lock file"]


def test_a_sibling_attested_later_from_another_commit_is_not_evidence(
    cli: Any, repo: Repo, tmp_path: Path, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """core 1.2.0 attested after cli's release, from a commit cli's release
    does not contain: the version matches, the code is not the one cli was
    built beside."""
    _train(cli, repo, tmp_path, gpg_home, monkeypatch, commits=(("fix(cli): q", "packages/cli/q"),))
    repo.commit("feat(core): later work", {"packages/core/later.js": "l\n"})
    later = _attest_core_120(repo, tmp_path)
    check = _dependency_check(cli, repo, f"{CLI}@3.0.2")
    assert check["status"] == "fail"
    assert check["items"] == [
        f"{CORE_PURL.format('1.2.0')}: workspace sibling, but its release {CORE}@1.2.0 was made "
        f"from {later['commitSha'][:12]}, which this release's commit does not contain"
    ]


def test_a_path_crate_of_a_cargo_workspace_is_vouched_for_by_its_release(
    cli: Any, repo: Repo, tmp_path: Path, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tool-cli requires tool-core by path (no checksum in Cargo.lock): the
    train's tool-core 2.14.0 release vouches for it; itoa, from crates.io,
    still needs its own attestation and is listed."""
    store = tmp_path / "store"
    store.mkdir()
    packages = tarball_packages(store, "cli", "core", under="crates", prefix="tool-")
    provenance = {
        "enabled": True,
        "signing": {"method": "gpg", "keyless": False},
        "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
    }
    config = {
        "release": {"workspace": {"packages": packages}, "security": {"provenance": provenance}}
    }
    cargo_workspace(repo)
    repo.commit(
        "chore: lock and configure",
        {
            "Cargo.lock": CARGO_LOCK.format(cli="2.13.0", core="2.13.0"),
            ".shipline/config.json": json.dumps(config),
        },
    )
    repo.commit("feat(core): parse faster", {"crates/core/src/lib.rs": "pub fn f() {}\n"})
    key = gpg_home.generate("Release Bot <release@example.com>")
    monkeypatch.setenv("GPG_KEY_ID", key.fingerprint)
    shipped = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.out[-3000:] + shipped.err
    assert 'name = "tool-core"\nversion = "2.14.0"' in (repo.path / "Cargo.lock").read_text()
    check = _dependency_check(cli, repo, "tool-cli@2.14.0")
    assert check["status"] == "fail"
    assert check["detail"] == "1 of 2 component(s) without provenance evidence"
    assert check["items"] == [
        "pkg:cargo/itoa@1.0.11: no attestation for its digest in dependency-attestations/"
    ]


def test_a_linked_npm_workspace_member_is_vouched_for_by_its_release(
    cli: Any, repo: Repo, tmp_path: Path, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """npm, not pnpm: the sibling is a ``"link": true`` entry of
    package-lock.json, whose member entry the train bumps with the release."""
    store = tmp_path / "store"
    store.mkdir()
    provenance = {
        "enabled": True,
        "signing": {"method": "gpg", "keyless": False},
        "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
    }
    packages = tarball_packages(store, "cli", "core")
    config = {
        "release": {"workspace": {"packages": packages}, "security": {"provenance": provenance}}
    }
    repo.commit(
        "chore: set up the workspace",
        {
            "package.json": package_json("acme-monorepo", "1.0.0", private=True)[:-2]
            + ',\n  "workspaces": [\n    "packages/*"\n  ]\n}\n',
            "package-lock.json": npm_workspace_lock("1.2.0", "3.0.1", "^1.2.0"),
            "packages/core/package.json": package_json(CORE, "1.2.0"),
            "packages/cli/package.json": package_json("@acme/cli", "3.0.1", deps={CORE: "^1.2.0"}),
            ".shipline/config.json": json.dumps(config),
        },
    )
    repo.tag(f"{CORE}@1.2.0", "core 1.2.0")
    repo.tag(f"{CLI}@3.0.1", "cli 3.0.1")
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    key = gpg_home.generate("Release Bot <release@example.com>")
    monkeypatch.setenv("GPG_KEY_ID", key.fingerprint)
    shipped = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.out[-3000:] + shipped.err
    lock = json.loads((repo.path / "package-lock.json").read_text())
    assert lock["packages"]["packages/core"]["version"] == "1.3.0"  # bumped with the release
    check = _dependency_check(cli, repo, f"{CLI}@3.0.2")
    assert check["status"] == "pass", check
    assert "1 workspace sibling(s) with their own attested release" in check["detail"]


def test_a_sibling_released_from_a_commit_a_shallow_clone_lacks_says_so(
    cli: Any, repo: Repo, tmp_path: Path, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """core 1.2.0 attested at an earlier commit; cli released later. A
    reviewer with a one-commit clone (and the state directory) is told the
    sibling's commit is missing here, and how to fetch it, not that the
    release does not contain it."""
    sealed: list[dict[str, Any]] = []

    def attest_core() -> None:  # before cli's release
        sealed.append(_attest_core_120(repo, tmp_path))

    _train(
        cli,
        repo,
        tmp_path,
        gpg_home,
        monkeypatch,
        commits=(("fix(cli): q", "packages/cli/q"),),
        before_ship=attest_core,
    )
    [early] = sealed
    assert _dependency_check(cli, repo, f"{CLI}@3.0.2")["status"] == "pass"  # the full clone

    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(shallow)], check=True
    )
    shutil.copytree(repo.path / ".shipline", shallow / ".shipline", dirs_exist_ok=True)
    result = cli("-C", shallow, "--output", "json", "review", f"{CLI}@3.0.2", "--no-rebuild")
    assert result.code == 0, result.out[-3000:] + result.err
    [check] = [c for c in result.summary["data"]["checks"] if c["name"] == "dependencyProvenance"]
    assert check["items"] == [
        f"{CORE_PURL.format('1.2.0')}: workspace sibling, but its release {CORE}@1.2.0 was made "
        f"from {early['commitSha'][:12]}, which is not in this clone (a shallow clone? "
        "`git fetch --unshallow`, then review again)"
    ]

"""A release train handed off to CI (``release ship --handoff``): the tags
are made and pushed, nothing is built here, a package without artifacts is
recorded source-only, and the packages with artifacts are left to CI's
``shipline attest FILE... --version NAME@VERSION``, which records each one
with its package and tag (65, the handoff, is not a failure)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from monorepos import pnpm_monorepo

EPOCH = "1767830400"
NPM = {"type": "npm-package", "registry": "http://127.0.0.1:9/", "credentialsEnv": "NPM_TOKEN"}


def _handoff_workspace(repo: Repo) -> Path:
    pnpm_monorepo(repo)
    config = {
        "release": {
            "workspace": {
                "packages": [
                    {"name": "@acme/core", "path": "packages/core", "artifacts": [NPM]},
                    {"name": "@acme/cli", "path": "packages/cli"},
                ]
            },
            "security": {
                "provenance": {"level": "SLSA_BUILD_LEVEL_1", "signing": {"method": "none"}}
            },
        }
    }
    repo.commit("chore: shipline", {".shipline/config.json": json.dumps(config)})
    bare = repo.path.parent / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "main", "--tags")
    repo.commit("feat(core): retries", {"packages/core/index.js": "r\n"})
    repo.commit("fix(cli): quote", {"packages/cli/index.js": "q\n"})
    return bare


def _records(repo: Repo) -> list[dict[str, Any]]:
    return list(json.loads((repo.path / ".shipline/releases.json").read_text())["records"])


def test_a_handed_off_train_pushes_its_tags_and_ci_attests_each_package(
    repo: Repo, cli: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    bare = _handoff_workspace(repo)
    result = cli("-C", repo.path, "release", "ship", "--yes", "--handoff")
    assert result.code == 65, result.err
    assert "@acme/core@1.3.0 tagged and pushed" in result.err
    assert "--version @acme/core@1.3.0" in result.err
    remote = subprocess.run(
        ["git", "-C", str(bare), "tag"], capture_output=True, text=True
    ).stdout.split()
    assert {"@acme/core@1.3.0", "@acme/cli@3.0.2"} <= set(remote)
    assert not (repo.path / ".shipline/work").exists()  # nothing was built here
    assert not (repo.path / ".shipline/journal.json").exists()
    assert [(r["metadata"]["links"]["package"], r["gitTag"]) for r in _records(repo)] == [
        ("@acme/cli", "@acme/cli@3.0.2")  # source-only: recorded by the train
    ]

    # what the workflow the tag started does, once it has published the tarball
    tarball = repo.path.parent / "acme-core-1.3.0.tgz"
    subprocess.run(
        [
            *("git", "-C", str(repo.path), "archive", "--format=tar.gz", "-o", str(tarball)),
            *("--prefix=package/", "@acme/core@1.3.0:packages/core"),
        ],
        check=True,
    )
    attested = cli(
        "-C", repo.path, "attest", tarball, "--version", "@acme/core@1.3.0", "--sbom", "none"
    )
    assert attested.code == 0, attested.err
    record = _records(repo)[-1]
    assert record["metadata"]["links"]["package"] == "@acme/core"
    assert record["gitTag"] == "@acme/core@1.3.0" and record["version"] == "1.3.0"
    assert record["artifacts"][0]["attestation"] == (
        ".shipline/attestations/acme-core-1.3.0.intoto.jsonl"
    )
    verified = cli("-C", repo.path, "verify", "@acme/core@1.3.0")
    assert verified.code == 0, verified.out + verified.err
    again = cli("-C", repo.path, "attest", tarball, "--version", "@acme/core@1.3.0")
    assert again.code == 51 and "@acme/core@1.3.0 is already recorded" in again.err

    # a package whose name makes the same file name never overwrites that attestation
    from shipline.domain.errors import ReleaseExists
    from shipline.domain.gitops import Git
    from shipline.domain.provenance.attest import ArtifactInput, AttestRequest, prepare
    from shipline.domain.release.imports import load_config

    attestation = repo.path / record["artifacts"][0]["attestation"]
    kept = attestation.read_bytes()
    request = AttestRequest(
        artifacts=[ArtifactInput(path=tarball)], version="1.3.0", sbom="none", package="acme-core"
    )
    with pytest.raises(ReleaseExists) as taken:
        prepare(Git(repo.path), load_config(repo.path), request)
    assert "already the attestation of @acme/core@1.3.0" in taken.value.message
    assert attestation.read_bytes() == kept


def test_attest_of_a_name_the_workspace_does_not_have_is_50(repo: Repo, cli: Any) -> None:
    _handoff_workspace(repo)
    before = repo.snapshot()
    file = repo.path.parent / "x.tgz"
    file.write_bytes(b"x")
    result = cli("-C", repo.path, "attest", file, "--version", "@acme/nope@1.0.0")
    assert result.code == 50
    assert "no package @acme/nope in the workspace" in result.err and "@acme/core" in result.err
    assert repo.snapshot() == before


def test_attest_name_at_version_outside_a_workspace_is_50(py_repo: Repo, cli: Any) -> None:
    file = py_repo.path.parent / "x.tgz"
    file.write_bytes(b"x")
    result = cli("-C", py_repo.path, "attest", file, "--version", "demo@1.3.0")
    assert result.code == 50 and "not released package by package" in result.err

"""SLSA L4 for one package of a release train: the train ships from a
hosted-GitLab-like CI, builds a reproducible tarball per package and signs
each package's statement keyless (the in-process Fulcio/Rekor stand-in, as
in tests/test_review.py), so every package is recorded at L3 with a pinned
builder; two people approve `@acme/cli@3.0.2` with real gpg keys, its
rebuild matches bit for bit, and the L4 level record is appended for that
package's release alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from monorepos import pnpm_monorepo, tarball_packages

from tests.gpgkeys import GpgHome, gpg_home  # noqa: F401
from tests.sigstore_standin import Standin, standin_fixture  # noqa: F401

PIN = "registry.example.com/builder@sha256:" + "ab" * 32
L3, L4 = "SLSA_BUILD_LEVEL_3", "SLSA_BUILD_LEVEL_4"


def _records(repo: Repo, kind: str) -> list[dict[str, Any]]:
    path = repo.path / ".shipline" / "releases.json"
    return [r for r in json.loads(path.read_text())["records"] if r["recordType"] == kind]


def _l3_train(
    cli: Any, repo: Repo, tmp_path: Path, standin: Standin, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipline.domain.signing import sigstore_trust

    store = tmp_path / "store"
    store.mkdir()
    packages = tarball_packages(store, "cli", "core")
    config = {
        "release": {
            "workspace": {"packages": packages},
            "security": {
                "provenance": {
                    "enabled": True,
                    "level": L3,
                    "builderImage": PIN,
                    "signing": {"method": "sigstore", "keyless": True},
                    "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
                }
            },
        }
    }
    pnpm_monorepo(repo)
    repo.commit("chore: configure shipline", {".shipline/config.json": json.dumps(config)})
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    monkeypatch.setenv(
        sigstore_trust.TRUST_CONFIG_ENV,
        str(standin.write_trust_config(tmp_path / "trust_config.json")),
    )
    monkeypatch.setenv(sigstore_trust.TRUSTED_ROOT_ENV, str(standin.trusted_root_path))
    for name, value in {
        "GITLAB_CI": "true",
        "CI_PROJECT_PATH": "grp/acme",
        "CI_RUNNER_ID": "7",
        "CI_RUNNER_TAGS": "saas-linux-small-amd64",
        "CI_JOB_ID": "42",
        "SIGSTORE_ID_TOKEN": standin.oidc.token(email="ci@example.com"),
    }.items():
        monkeypatch.setenv(name, value)
    shipped = cli("-C", repo.path, "--output", "json", "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.out[-3000:] + shipped.err
    assert {
        r["metadata"]["links"]["package"]: r["slsaLevel"] for r in _records(repo, "release")
    } == {
        "@acme/core": L3,
        "@acme/cli": L3,
    }


def test_two_people_take_one_package_of_a_train_to_l4(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    standin: Standin,
    gpg_home: GpgHome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _l3_train(cli, repo, tmp_path, standin, monkeypatch)
    cli_record = next(
        r for r in _records(repo, "release") if r["metadata"]["links"]["package"] == "@acme/cli"
    )
    alice = gpg_home.generate("Alice <alice@example.com>")
    bob = gpg_home.generate("Bob <bob@example.com>")

    def approve(key: Any) -> dict[str, Any]:
        monkeypatch.setenv("GPG_KEY_ID", key.fingerprint)
        result = cli("-C", repo.path, "--output", "json", "review", "@acme/cli@3.0.2", "--approve")
        assert result.code == 0, result.out[-3000:] + result.err
        return dict(result.summary["data"])

    first = approve(alice)
    assert first["l4"] is False
    # cli requires core through pnpm's link: core's own release vouches for it
    assert not any("dependenc" in m for m in first["l4Missing"]), first["l4Missing"]
    look = cli("-C", repo.path, "--output", "json", "review", "@acme/cli@3.0.2", "--no-rebuild")
    [deps] = [c for c in look.summary["data"]["checks"] if c["name"] == "dependencyProvenance"]
    assert deps["status"] == "pass" and "1 workspace sibling(s)" in deps["detail"], deps
    assert any("(1 so far: alice@example.com)" in m for m in first["l4Missing"])
    second = approve(bob)
    assert second["l4"] is True, second["l4Missing"]
    [level] = _records(repo, "level")
    assert level["slsaLevel"] == L4 and level["releaseHash"] == cli_record["hash"]
    assert level["evidence"] == [r["hash"] for r in _records(repo, "review")]
    assert "rebuild reproducible" in level["reason"]
    # the other package of the train is untouched: still L3, nothing to list
    core = cli("-C", repo.path, "--output", "json", "review", "@acme/core@1.3.0", "--no-rebuild")
    assert core.code == 0, core.out + core.err
    assert core.summary["data"]["level"] == L3 and core.summary["data"]["reviews"] == []
    verified = cli("-C", repo.path, "verify", "@acme/cli@3.0.2")
    assert verified.code == 0, verified.out + verified.err
    [line] = [line for line in verified.out.splitlines() if " level " in line]
    assert line.split() == ["ok", "level", "@acme/cli@3.0.2:", L4, "on", "2", "approvals"]

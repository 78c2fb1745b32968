"""`shipline review NAME@VERSION`: one package's release from a workspace,
reviewed with only what is its own (its commits since its previous tag, its
changelog entry, its tag, its ledger record and attestation), approved with
real gpg keys of two people, and every bad target refused with its code, a
hint, and nothing written.

The pnpm fixture is released by the real train (`release ship`); the
package release with an attestation is made the way a package's CI records
its provenance (its tag, its tarball, the provenance sub-protocol with the
record naming the package)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from monorepos import package_json, package_tarball, pnpm_monorepo, tarball_packages

from shipline.domain.config_loading import load_config
from shipline.domain.gitops import Git
from shipline.domain.provenance.attest import ArtifactInput, AttestRequest, prepare, seal
from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401

EPOCH = "1767830400"  # 2026-01-08
CLI, CORE, WRITE = "@acme/cli", "@acme/core", "@acme/write"


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def _records(repo: Repo) -> list[dict[str, Any]]:
    path = repo.path / ".shipline" / "releases.json"
    return json.loads(path.read_text())["records"] if path.exists() else []


def _review(cli: Any, repo: Repo, *args: str) -> Any:
    return cli("-C", repo.path, "--output", "json", "review", *args)


def _train(repo: Repo, cli: Any) -> None:
    """@acme/core 1.3.0 and @acme/cli 3.0.2 released by one train, after a
    history that mixes both packages' commits with a root CI change."""
    pnpm_monorepo(repo)
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    repo.commit("ci: build in a container", {"Dockerfile": "FROM node:22\n"})
    repo.commit(
        "build(cli): depend on kleur",
        {
            "packages/cli/package.json": package_json(
                CLI, "3.0.1", deps={CORE: "workspace:^", "kleur": "^4.1.5"}
            )
        },
    )
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.out + result.err


def test_a_package_of_a_train_is_reviewed_with_only_its_own_evidence(repo: Repo, cli: Any) -> None:
    _train(repo, cli)
    before = repo.snapshot()
    result = _review(cli, repo, f"{CLI}@3.0.2", "--no-rebuild")
    assert result.code == 0, result.out + result.err
    data = result.summary["data"]
    record = next(r for r in _records(repo) if r["metadata"]["links"]["package"] == CLI)
    assert (data["package"], data["version"], data["label"]) == (CLI, "3.0.2", f"{CLI}@3.0.2")
    assert data["tag"] == f"{CLI}@3.0.2" and data["releaseHash"] == record["hash"]
    assert data["previousTag"] == f"{CLI}@3.0.1"
    # the package's own commits only: not core's feature, not the root's CI change
    assert [c["subject"] for c in data["commits"]] == [
        "chore(release): @acme/core@1.3.0, @acme/cli@3.0.2",
        "build(cli): depend on kleur",
        "fix(cli): quote paths",
    ]
    # its build configuration and the root's, never another package's manifest
    assert data["configChanges"] == [
        {"status": "A", "path": "Dockerfile"},
        {"status": "M", "path": "packages/cli/package.json"},
    ]
    assert '+    "kleur": "^4.1.5"' in data["configDiff"]
    assert "packages/core" not in data["configDiff"]
    assert data["changelog"]["path"] == "packages/cli/CHANGELOG.md"
    entry = data["changelog"]["entry"]
    assert entry.startswith("## [3.0.2] - 2026-01-08") and "quote paths" in entry
    assert "add retries" not in entry
    assert data["artifacts"] == [] and data["attestation"]["path"] is None
    assert data["verifyOk"], data["verification"]
    assert data["message"].startswith(f"{CLI}@3.0.2: ")

    core = _review(cli, repo, f"{CORE}@1.3.0", "--no-rebuild").summary["data"]
    assert core["previousTag"] == f"{CORE}@1.2.0"
    assert [c["subject"] for c in core["commits"]][1:] == ["feat(core): add retries"]
    assert {"status": "M", "path": "packages/core/package.json"} in core["configChanges"]
    assert not any(c["path"].startswith("packages/cli/") for c in core["configChanges"])

    text = cli("-C", repo.path, "review", f"{CLI}@3.0.2", "--no-rebuild")
    assert text.code == 0, text.err
    assert f"release {CLI}@3.0.2  tag {CLI}@3.0.2" in text.out
    assert "changelog packages/cli/CHANGELOG.md:" in text.out
    assert "  ## [3.0.2] - 2026-01-08" in text.out
    assert repo.snapshot() == before  # a look changes nothing


@pytest.mark.parametrize(
    ("target", "code", "message", "hint"),
    [
        (
            "@acme/nope@1.0.0",
            50,
            "no package named '@acme/nope' in this workspace",
            "the packages are: @acme/cli, @acme/core, @acme/docs, @acme/write",
        ),
        ("@acme/cli@9.9.9", 50, "no release @acme/cli@9.9.9 is recorded", "3.0.2"),
        (
            "@acme/write@1.0.1",
            50,
            "no release @acme/write@1.0.1 is recorded",
            "`shipline release ship --package @acme/write`",
        ),
        ("3.0.2", 50, "no release 3.0.2 is recorded", "name the package: @acme/cli@3.0.2"),
        ("@acme/cli@three", 53, "'three' is not a valid semantic version", "MAJOR.MINOR.PATCH"),
    ],
)
def test_a_target_that_is_not_recorded_is_refused_with_a_hint(
    repo: Repo, cli: Any, target: str, code: int, message: str, hint: str
) -> None:
    _train(repo, cli)
    before = repo.snapshot()
    for extra in ((), ("--approve",)):
        result = _review(cli, repo, target, "--no-rebuild", *extra)
        assert result.code == code, result.out + result.err
        error = next(e for e in result.json_lines() if e.get("kind") == "error")
        assert message in error["message"], error
        assert hint in error["hint"], error
        assert "Traceback" not in result.out + result.err
    assert repo.snapshot() == before


def test_approving_a_source_only_package_release_is_94_and_writes_nothing(
    repo: Repo, cli: Any, gpg_key: GpgKey
) -> None:
    _train(repo, cli)
    before = repo.snapshot()
    result = _review(cli, repo, f"{CLI}@3.0.2", "--approve", "--no-rebuild")
    assert result.code == 94, result.out + result.err
    assert f"release {CLI}@3.0.2 has no attestation file on disk" in result.out
    assert repo.snapshot() == before


# --- a package release with provenance, approved by two people ----------------------


def _package_release_with_provenance(repo: Repo, key: GpgKey) -> dict[str, Any]:
    """@acme/write 1.0.1: its fix, its release commit and tag, its tarball
    attested and signed with ``key``, recorded for the package."""
    repo.commit("fix(write): trim trailing spaces", {"packages/write/index.js": "t\n"})
    repo.commit("feat(core): stream", {"packages/core/index.js": "s\n"})
    repo.commit(
        "chore(release): @acme/write@1.0.1",
        {
            "packages/write/package.json": package_json(
                WRITE, "1.0.1", deps={CORE: "^1.0.0", "left-pad": "^1.3.0"}
            ),
            "packages/write/CHANGELOG.md": "# Changelog\n\n## [1.0.1] - 2026-01-08\n\n"
            "### Bug Fixes\n\n- **write:** trim trailing spaces\n",
        },
    )
    repo.tag(f"{WRITE}@1.0.1", f"Release {WRITE}@1.0.1")
    dist = repo.path.parent / "dist"
    dist.mkdir()
    tarball = package_tarball(repo, "write", dist / "acme-write-1.0.1.tgz")
    git, loaded = Git(repo.path), load_config(repo.path)
    request = AttestRequest(
        artifacts=[ArtifactInput(path=tarball, type="npm-package")],
        version="1.0.1",
        sign="gpg",
        sbom="none",
        env={**os.environ, "GPG_KEY_ID": key.fingerprint},
        tag=f"{WRITE}@1.0.1",
        package=WRITE,
    )
    return seal(loaded, prepare(git, loaded, request))


def test_two_people_approve_one_package_release_and_verify_checks_it(
    repo: Repo, cli: Any, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    _train(repo, cli)
    release_key = gpg_home.generate("Release Bot <release@example.com>")
    record = _package_release_with_provenance(repo, release_key)
    ana = gpg_home.generate("Ana Reviewer <ana@example.com>")
    bo = gpg_home.generate("Bo Reviewer <bo@example.com>")

    look = _review(cli, repo, f"{WRITE}@1.0.1", "--no-rebuild").summary["data"]
    assert look["previousTag"] == f"{WRITE}@1.0.0"
    assert [c["subject"] for c in look["commits"]] == [
        "chore(release): @acme/write@1.0.1",
        "fix(write): trim trailing spaces",
    ]
    assert look["changelog"]["entry"].endswith("- **write:** trim trailing spaces")
    assert look["attestation"]["signature"] == "gpg"
    assert [a["name"] for a in look["artifacts"]] == ["acme-write-1.0.1.tgz"]

    for who in (ana, bo):
        monkeypatch.setenv("GPG_KEY_ID", who.fingerprint)
        result = _review(
            cli, repo, f"{WRITE}@1.0.1", "--approve", "--no-rebuild", "--comment", "looks right"
        )
        assert result.code == 0, result.out + result.err
        assert result.summary["data"]["message"].startswith(f"{WRITE}@1.0.1: approval by ")
    reviews = [r for r in _records(repo) if r["recordType"] == "review"]
    assert [r["reviewer"] for r in reviews] == [
        "Ana Reviewer <ana@example.com>",
        "Bo Reviewer <bo@example.com>",
    ]
    assert {r["releaseHash"] for r in reviews} == {record["hash"]}
    statement_path = repo.path / reviews[0]["statement"]
    assert statement_path.parent.name == "-acme-write-1.0.1"
    envelope = json.loads(statement_path.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["predicate"]["release"] == {
        "package": WRITE,
        "version": "1.0.1",
        "tag": f"{WRITE}@1.0.1",
        "commitSha": record["commitSha"],
        "recordHash": record["hash"],
    }
    after = _review(cli, repo, f"{WRITE}@1.0.1", "--no-rebuild").summary["data"]
    assert [(r["identity"], r["valid"]) for r in after["reviews"]] == [
        ("ana@example.com", True),
        ("bo@example.com", True),
    ]
    # L4 also needs the rebuild and the rest: listed, never silently granted
    assert any("rebuild" in line for line in after["l4Missing"])

    verified = cli("-C", repo.path, "verify", f"{WRITE}@1.0.1")
    assert verified.code == 0, verified.out + verified.err
    reviewed = [
        line.split(" review ", 1)[1].strip()
        for line in verified.out.splitlines()
        if " review " in line
    ]
    assert [line.split(":")[0] for line in reviewed] == [
        f"{WRITE}@1.0.1 Ana Reviewer <ana@example.com>",
        f"{WRITE}@1.0.1 Bo Reviewer <bo@example.com>",
    ], verified.out
    assert all(
        line.startswith("      ok") for line in verified.out.splitlines() if " review " in line
    )
    # the ledger lists each package's release with its own later records
    listed = cli("-C", repo.path, "--output", "json", "ledger")
    assert listed.code == 0, listed.err
    rows = {(r["package"], r["version"]): r["later"] for r in listed.summary["data"]["releases"]}
    assert rows == {
        (CORE, "1.3.0"): [],
        (CLI, "3.0.2"): [],
        (WRITE, "1.0.1"): ["review", "review"],
    }
    assert f"{WRITE}@1.0.1" in cli("-C", repo.path, "ledger").out
    # another package's verify does not list this package's reviews
    other = cli("-C", repo.path, "verify", f"{CLI}@3.0.2")
    assert other.code == 0, other.out
    assert " review " not in other.out


# --- a train that builds and attests each package: the rebuild is the package's -------


def test_a_train_package_is_rebuilt_from_its_tag_and_approved(
    repo: Repo, cli: Any, tmp_path: Path, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each package ships a reproducible tarball of its folder, attested and
    signed by the train; the reviewer's rebuild of @acme/cli builds only
    @acme/cli's artifact from the release commit and matches it bit for bit."""
    store = tmp_path / "store"
    store.mkdir()
    config = {
        "release": {
            "workspace": {"packages": tarball_packages(store, "cli", "core", "write")},
            "security": {
                "provenance": {
                    "enabled": True,
                    "level": "SLSA_BUILD_LEVEL_2",
                    "signing": {"method": "gpg", "keyless": False},
                    "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
                }
            },
        }
    }
    pnpm_monorepo(repo)
    repo.commit("chore: configure shipline", {".shipline/config.json": json.dumps(config)})
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    release_key = gpg_home.generate("Release Bot <release@example.com>")
    monkeypatch.setenv("GPG_KEY_ID", release_key.fingerprint)
    shipped = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.out + shipped.err
    record = next(
        r
        for r in _records(repo)
        if r["recordType"] == "release" and r["metadata"]["links"]["package"] == CLI
    )
    names = sorted(a["name"] for a in record["artifacts"])
    assert any(n.startswith("cli-3.0.2") for n in names), names

    look = _review(cli, repo, f"{CLI}@3.0.2")
    assert look.code == 0, look.out + look.err
    data = look.summary["data"]
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["rebuild"]["status"] == "pass", checks["rebuild"]
    assert (
        f"{len(names)}/{len(names)} artifact(s) rebuilt bit-for-bit" in checks["rebuild"]["detail"]
    )
    assert sorted(a["name"] for a in data["artifacts"]) == names  # cli's only, not core's
    assert data["attestation"]["signature"] == "gpg" and data["verifyOk"]
    assert len(repo.git("worktree", "list").splitlines()) == 1  # the rebuild cleaned up

    ana = gpg_home.generate("Ana Reviewer <ana@example.com>")
    monkeypatch.setenv("GPG_KEY_ID", ana.fingerprint)
    approved = _review(cli, repo, f"{CLI}@3.0.2", "--approve")
    assert approved.code == 0, approved.out + approved.err
    review = next(r for r in _records(repo) if r["recordType"] == "review")
    assert review["releaseHash"] == record["hash"]
    assert review["checks"]["rebuild"].startswith("pass")


def test_a_uv_workspace_root_package_and_a_member_each_see_their_own(repo: Repo, cli: Any) -> None:
    """The root package (folder ``.``) holds only what no member holds."""
    from monorepos import uv_workspace

    uv_workspace(repo)
    repo.commit("fix(models): strip names", {"libs/models/m.py": "x\n"})
    repo.commit("feat: a health endpoint", {"app.py": "print('ok')\n"})
    shipped = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.out + shipped.err
    models = _review(cli, repo, "svc-models@0.2.1", "--no-rebuild").summary["data"]
    assert models["previousTag"] == "svc-models-v0.2.0"
    assert [c["subject"] for c in models["commits"]][1:] == ["fix(models): strip names"]
    assert models["changelog"]["path"] == "libs/models/CHANGELOG.md"
    root = _review(cli, repo, "svc@0.5.0", "--no-rebuild").summary["data"]
    assert root["previousTag"] == "svc-v0.4.0"
    assert [c["subject"] for c in root["commits"]][1:] == ["feat: a health endpoint"]
    assert root["changelog"]["path"] == "CHANGELOG.md"
    assert "libs/models/pyproject.toml" not in [c["path"] for c in root["configChanges"]]
    assert {"status": "M", "path": "pyproject.toml"} in root["configChanges"]

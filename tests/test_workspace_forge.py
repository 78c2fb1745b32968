"""A release train's forge releases, end to end: a pnpm workspace with a
bare origin, the real `release ship` train, and the loopback GitHub and
GitLab stand-ins (requests checked against GitHub's OpenAPI description /
GitLab's API documentation, as in tests/test_forge_release.py).

One release per package tag, titled by its tag, with that package's own
changelog entry as notes, each recorded against its package's ledger
record; the preflight checks every tag (86, nothing changed); a forge that
fails after the first package's release, or a SIGKILL right after that
create call, ends complete after `release resume` with one release per tag."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, run_shipline
from monorepos import pnpm_monorepo
from test_forge_release import env, forge_config, github, gitlab  # noqa: F401

from tests.gpgkeys import gpg_home, gpg_key  # noqa: F401

pytestmark = pytest.mark.slow  # whole trains through the forge stand-ins, as test_forge_release

EPOCH = "1767830400"  # 2026-01-08
TAGS = ["@acme/core@1.3.0", "@acme/cli@3.0.2"]


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture(params=["github", "gitlab"])
def standin(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param)


def workspace(repo: Repo, tmp_path: Path, state: Any) -> Path:
    """The pnpm fixture with release.forge, a bare origin, and a fix for
    @acme/cli and a feature for @acme/core since their last tags."""
    pnpm_monorepo(repo)
    repo.commit(
        "chore: configure shipline",
        {
            ".shipline/config.json": json.dumps(
                {"release": {"workspace": {}, "forge": forge_config(state)}}, indent=2
            )
        },
    )
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "--tags")
    return remote


def ship(repo: Repo, state: Any, *args: str, token: str | None = None) -> Any:
    return run_shipline(
        *("-C", repo.path, "--output", "json", "release", "ship", "--yes", *args),
        env={"FORGE_TOKEN": token if token is not None else state.token},
        timeout=300,
    )


def resume(repo: Repo, state: Any) -> Any:
    return run_shipline(
        "-C", repo.path, "--output", "json", "release", "resume", env=env(state), timeout=300
    )


def records(repo: Repo, kind: str) -> list[dict[str, Any]]:
    path = repo.path / ".shipline" / "releases.json"
    return [r for r in json.loads(path.read_text())["records"] if r["recordType"] == kind]


def releases(state: Any) -> dict[str, dict[str, Any]]:
    """The forge's releases by tag (it must hold one per tag at most)."""
    found = [r["tag_name"] for r in state.releases.values()]
    assert len(found) == len(set(found)), found
    return {r["tag_name"]: r for r in state.releases.values()}


def notes(state: Any, release: dict[str, Any]) -> str:
    return str(release["body"] if state.kind == "github" else release["description"])


def after_the_first_create(state: Any, then: Any) -> None:
    """Let the first create land and its answer go out, then run ``then``."""
    create = r"/releases$"
    state.fail("POST", create, action="after", then=then)


def test_a_train_makes_one_forge_release_per_package(
    repo: Repo, tmp_path: Path, standin: Any
) -> None:
    workspace(repo, tmp_path, standin)
    result = ship(repo, standin)
    assert result.code == 0, result.out + result.err
    assert standin.token not in result.out + result.err
    made = releases(standin)
    assert sorted(made) == sorted(TAGS)
    core, cli = made["@acme/core@1.3.0"], made["@acme/cli@3.0.2"]
    assert core["name"] == "Release @acme/core@1.3.0" and cli["name"] == "Release @acme/cli@3.0.2"
    # each release's notes are its package's changelog entry, and only that
    assert notes(standin, core) == (
        "## [1.3.0] - 2026-01-08\n\n### Features\n\n"
        f"- **core:** add retries ({repo.git('rev-parse', '--short=7', 'HEAD^')})"
    )
    assert notes(standin, cli).startswith("## [3.0.2] - 2026-01-08")
    assert "quote paths" in notes(standin, cli) and "retries" not in notes(standin, cli)
    forge = records(repo, "forge")
    by_package = {r["metadata"]["links"]["package"]: r for r in records(repo, "release")}
    assert [(r["tag"], r["releaseHash"]) for r in forge] == [
        ("@acme/core@1.3.0", by_package["@acme/core"]["hash"]),
        ("@acme/cli@3.0.2", by_package["@acme/cli"]["hash"]),
    ]
    assert all(r["assets"] == [] for r in forge)  # source-only packages: notes, no files
    summary = result.summary["data"]
    assert summary["forgeReleases"] == {
        "@acme/core": forge[0]["releaseUrl"],
        "@acme/cli": forge[1]["releaseUrl"],
    }
    links = [
        e for e in result.json_lines() if e.get("kind") == "chain_link" and e.get("link") == "forge"
    ]
    assert {e.get("package") for e in links} == {"@acme/core", "@acme/cli"}
    assert not (repo.path / ".shipline" / "journal.json").exists()
    verified = run_shipline("-C", repo.path, "verify", "@acme/cli@3.0.2", env=env(standin))
    assert verified.code == 0, verified.out + verified.err


def test_the_preflight_checks_every_package_tag_and_changes_nothing(
    repo: Repo, tmp_path: Path, github: Any
) -> None:
    remote = workspace(repo, tmp_path, github)
    github.releases[7] = {
        "id": 7,
        "tag_name": "@acme/cli@3.0.2",
        "name": "someone's",
        "body": "",
        "prerelease": False,
    }
    before = repo.snapshot()
    result = ship(repo, github)
    assert result.code == 86, result.out + result.err
    assert "already has a release for @acme/cli@3.0.2" in result.out + result.err
    assert repo.snapshot() == before
    pushed = subprocess.run(
        ["git", "ls-remote", "--tags", str(remote)], capture_output=True, text=True
    ).stdout
    assert "@acme/core@1.3.0" not in pushed and "@acme/cli@3.0.2" not in pushed
    unset = ship(repo, github, token="")
    assert unset.code == 86 and "FORGE_TOKEN is not set" in unset.out + unset.err
    assert repo.snapshot() == before
    assert [r["tag_name"] for r in github.releases.values()] == ["@acme/cli@3.0.2"]


def test_a_forge_failing_after_the_first_package_resumes_without_a_second_release(
    repo: Repo, tmp_path: Path, standin: Any
) -> None:
    workspace(repo, tmp_path, standin)

    def refuse_the_next_create() -> None:
        for _ in range(4):  # every retry of the second package's create
            standin.fail("POST", r"/releases$", 502)

    after_the_first_create(standin, refuse_the_next_create)
    result = ship(repo, standin)
    assert result.code == 88, result.out + result.err
    assert sorted(releases(standin)) == ["@acme/core@1.3.0"]
    journal = json.loads((repo.path / ".shipline" / "journal.json").read_text())
    assert "record" in journal["completed"] and "forge" not in journal["completed"]
    assert "forge:@acme/core" in journal["external"]
    assert "forge:@acme/cli" in journal["intents"]
    done = resume(repo, standin)
    assert done.code == 0, done.out + done.err
    assert sorted(releases(standin)) == sorted(TAGS)
    assert [r["tag"] for r in records(repo, "forge")] == ["@acme/core@1.3.0", "@acme/cli@3.0.2"]
    assert not (repo.path / ".shipline" / "journal.json").exists()


def test_sigkill_after_a_package_release_is_created_then_resume(
    repo: Repo, tmp_path: Path, github: Any
) -> None:
    workspace(repo, tmp_path, github)
    exe = Path(sys.executable).parent / "shipline"
    proc = subprocess.Popen(
        [str(exe), "-C", str(repo.path), "--output", "json", "release", "ship", "--yes"],
        env={**os.environ, **env(github)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    after_the_first_create(github, lambda: os.kill(proc.pid, signal.SIGKILL))
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert sorted(releases(github)) == ["@acme/core@1.3.0"]  # the create landed
    journal = json.loads((repo.path / ".shipline" / "journal.json").read_text())
    assert "forge:@acme/core" in journal["intents"]
    assert "forge:@acme/core" not in journal["external"]
    done = resume(repo, github)
    assert done.code == 0, done.out + done.err
    assert sorted(releases(github)) == sorted(TAGS)  # still one per tag
    assert len(records(repo, "forge")) == 2


def test_no_forge_and_no_push_skip_the_forge_releases(
    repo: Repo, tmp_path: Path, github: Any
) -> None:
    workspace(repo, tmp_path, github)
    plan = run_shipline("-C", repo.path, "release", "plan", env=env(github))
    assert plan.code == 0, plan.out + plan.err
    assert (
        "forge: a github release of acme/widget for each of @acme/cli@3.0.2, "
        "@acme/core@1.3.0 after the push"
    ) in plan.out
    for flag in ("--no-forge", "--no-push"):
        assert "forge:" not in run_shipline("-C", repo.path, "release", "plan", flag).out
    dry = run_shipline("-C", repo.path, "release", "ship", "--dry-run", env=env(github))
    assert dry.code == 0 and "forge: a github release" in dry.out, dry.out + dry.err
    assert github.releases == {} and github.log == []
    result = ship(repo, github, "--no-forge", token="")
    assert result.code == 0, result.out + result.err
    assert github.releases == {} and github.log == []
    steps = [e for e in result.json_lines() if e.get("kind") == "step_finished"]
    assert any(e["step"] == "forge" and e["status"] == "skipped" for e in steps)
    assert records(repo, "forge") == []


def release_files(state: Any, release: dict[str, Any]) -> list[str]:
    """The files a forge release offers (GitHub assets, GitLab release links)."""
    if state.kind == "github":
        return sorted(a["name"] for a in state.assets_of(release["id"]))
    return sorted(link["name"] for link in release["links"])


def test_each_package_release_carries_its_own_files(
    repo: Repo, tmp_path: Path, standin: Any, gpg_key: Any
) -> None:
    """Packages of one fixed group (one version) with a tarball each, attested
    with gpg: each forge release holds that package's tarball, checksums,
    attestation, signature, SBOM and a SHA256SUMS over them, never the other
    package's, though both have a checksums.txt and a SHA256SUMS of their own
    (GitLab keeps each package's under its own generic package version)."""
    github = standin
    store = tmp_path / "store"
    store.mkdir()
    pnpm_monorepo(repo)
    packages = [
        {
            "name": name,
            "path": f"packages/{folder}",
            "artifacts": [{"type": "tarball", "name": folder, "registry": str(store)}],
        }
        for name, folder in (("@acme/cli", "cli"), ("@acme/core", "core"))
    ]
    config = {
        "release": {
            "workspace": {"packages": packages, "fixed": [["@acme/cli", "@acme/core"]]},
            "forge": forge_config(github),
            "security": {
                "provenance": {
                    "level": "SLSA_BUILD_LEVEL_2",
                    "signing": {"method": "gpg", "keyless": False},
                    "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
                }
            },
        }
    }
    repo.commit("chore: configure shipline", {".shipline/config.json": json.dumps(config)})
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "--tags")
    result = ship(repo, github)
    assert result.code == 0, result.out + result.err
    made = releases(github)
    tags = ["@acme/cli@3.1.0", "@acme/core@3.1.0"]  # one group: the larger bump, one version
    assert sorted(made) == tags
    for tag, folder in zip(tags, ("cli", "core"), strict=True):
        files = release_files(github, made[tag])
        assert f"{folder}-3.1.0.tar.gz" in files and "SHA256SUMS" in files, files
        assert "checksums.txt" in files, files
        assert any(f.endswith(".intoto.jsonl") for f in files), files
        assert any(f.endswith(".asc") for f in files), files
        other = "core" if folder == "cli" else "cli"
        assert not any(f.startswith(f"{other}-") or f"-{other}-" in f for f in files), files
    forge = {r["tag"]: r for r in records(repo, "forge")}
    assert sorted(forge) == tags
    for tag, record in forge.items():
        assert sorted(a["name"] for a in record["assets"]) == release_files(github, made[tag])
    if github.kind == "gitlab":
        assert sorted(version for _, version in github.packages) == [
            "acme-cli-3.1.0",
            "acme-core-3.1.0",
        ]
    verified = run_shipline("-C", repo.path, "verify", "@acme/core@3.1.0", env=env(github))
    assert verified.code == 0, verified.out + verified.err
    assert "serves the recorded bytes" in verified.out


def test_a_train_handed_off_to_ci_asks_nothing_of_the_forge(
    repo: Repo, tmp_path: Path, github: Any
) -> None:
    """--handoff: CI makes what follows the tags, so no token is needed here."""
    workspace(repo, tmp_path, github)
    result = ship(repo, github, "--handoff", token="")
    assert result.code == 0, result.out + result.err
    assert github.log == [] and records(repo, "forge") == []
    steps = [e for e in result.json_lines() if e.get("kind") == "step_finished"]
    assert [e["detail"] for e in steps if e["step"] == "forge"] == ["handed off to CI"]

"""`shipline release ship` with ``release.forge``, end to end: a real
repository and bare remote, a tarball artifact with SBOM and attestation,
and the loopback GitHub and GitLab stand-ins (requests checked against
GitHub's OpenAPI description / GitLab's API documentation).

Create with notes and files, prerelease, the ledger's forge record,
``verify`` on and off line and against changed bytes, pre-validation (86,
nothing changed), a failure after the push kept for ``resume``, and a
SIGKILL right after the create call: each ends complete after ``resume``
with one release and no duplicate file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, run_shipline
from forge_github import start_github
from forge_gitlab import start_gitlab

ENTRY_MARK = "### Features"


@pytest.fixture
def github() -> Iterator[Any]:
    server, state = start_github()
    state.kind = "github"
    yield state
    server.shutdown()
    assert state.problems == []


@pytest.fixture
def gitlab() -> Iterator[Any]:
    server, state = start_gitlab()
    state.kind = "gitlab"
    yield state
    server.shutdown()
    assert state.problems == []


def forge_config(state: Any) -> dict[str, Any]:
    if state.kind == "github":
        return {
            "type": "github",
            "repository": f"{state.owner}/{state.repo}",
            "apiUrl": state.url,
            "tokenEnv": "FORGE_TOKEN",
        }
    return {
        "type": "gitlab",
        "repository": state.project,
        "apiUrl": state.api,
        "tokenEnv": "FORGE_TOKEN",
    }


def project(repo: Repo, tmp_path: Path, state: Any, *, artifacts: bool = True) -> Path:
    """``repo`` with a bare origin, a tarball artifact and release.forge."""
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    config: dict[str, Any] = {
        "release": {
            "versionBump": ["pyproject.toml"],
            "forge": forge_config(state),
            "security": {
                "provenance": {"level": "SLSA_BUILD_LEVEL_1", "signing": {"method": "none"}}
            },
        }
    }
    if artifacts:
        (tmp_path / "files").mkdir()
        config["release"]["artifacts"] = [
            {"type": "tarball", "name": "demo-src", "registry": str(tmp_path / "files")}
        ]
    repo.commit(
        "chore: initial commit",
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "1.2.0"\n',
            "CHANGELOG.md": "# Changelog\n\n## [1.2.0] - 2025-12-01\n\n### Features\n\n- first\n",
            ".shipline/config.json": json.dumps(config, indent=2),
            "src/demo.py": "X = 1\n",
        },
    )
    repo.tag("v1.2.0", "Release v1.2.0")
    repo.commit("feat(api): add the export endpoint", {"src/api.py": "Y = 2\n"})
    repo.commit("fix: handle empty input")
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "--tags")
    return remote


def env(state: Any) -> dict[str, str]:
    return {"FORGE_TOKEN": state.token}


def ship(repo: Repo, state: Any, *args: str, token: str | None = None) -> Any:
    return run_shipline(
        "-C",
        repo.path,
        "--output",
        "json",
        "release",
        "ship",
        "--yes",
        *args,
        env={"FORGE_TOKEN": token if token is not None else state.token},
        timeout=300,
    )


def resume(repo: Repo, state: Any) -> Any:
    return run_shipline(
        "-C", repo.path, "--output", "json", "release", "resume", env=env(state), timeout=300
    )


def ledger(repo: Repo) -> list[dict[str, Any]]:
    return json.loads((repo.path / ".shipline" / "releases.json").read_text())["records"]


def remote_files(state: Any) -> list[str]:
    if state.kind == "github":
        return sorted(a["name"] for a in state.assets.values())
    return sorted(f["file_name"] for f in state.files.values())


def the_release(state: Any) -> dict[str, Any]:
    assert len(state.releases) == 1, state.releases
    return next(iter(state.releases.values()))


def notes_of(state: Any) -> str:
    release = the_release(state)
    return release["body"] if state.kind == "github" else release["description"]


@pytest.fixture(params=["github", "gitlab"])
def standin(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param)


def test_ship_creates_the_forge_release_records_and_verifies(
    repo: Repo, tmp_path: Path, standin: Any
) -> None:
    project(repo, tmp_path, standin)
    result = ship(repo, standin)
    assert result.code == 0, result.out + result.err
    assert standin.token not in result.out + result.err
    state_files = [p for p in (repo.path / ".shipline").rglob("*") if p.is_file()]
    assert not any(standin.token.encode() in p.read_bytes() for p in state_files)
    release = the_release(standin)
    assert (release["name"]) == "Release v1.3.0"
    notes = notes_of(standin)
    assert notes.startswith("## [1.3.0]") and "add the export endpoint" in notes
    files = remote_files(standin)
    assert "SHA256SUMS" in files and any(f.endswith(".tar.gz") for f in files)
    assert any(f.endswith(".intoto.jsonl") for f in files)
    assert any("cdx" in f or "cyclonedx" in f.lower() or f.endswith(".json") for f in files)
    assert len(files) == len(set(files))
    forge = [r for r in ledger(repo) if r["recordType"] == "forge"]
    release_record = next(r for r in ledger(repo) if r["recordType"] == "release")
    assert len(forge) == 1 and forge[0]["releaseHash"] == release_record["hash"]
    assert sorted(a["name"] for a in forge[0]["assets"]) == files
    assert forge[0]["releaseUrl"].endswith("v1.3.0")
    summary = result.summary
    assert summary["data"]["forgeRelease"] == forge[0]["releaseUrl"]
    links = [
        e for e in result.json_lines() if e.get("kind") == "chain_link" and e.get("link") == "forge"
    ]
    assert links and links[-1]["status"] == "ok"
    # the checksums file lists every other file with its digest
    sums = {
        line.split("  ")[1]: line.split("  ")[0]
        for line in _download(standin, "SHA256SUMS").decode().splitlines()
    }
    assert set(sums) == set(files) - {"SHA256SUMS"}

    listed = run_shipline("-C", repo.path, "--output", "json", "ledger")
    assert listed.code == 0, listed.err
    assert listed.summary["data"]["releases"][0]["later"] == ["forge"]
    verified = run_shipline("-C", repo.path, "verify", "1.3.0", env=env(standin))
    assert verified.code == 0, verified.out + verified.err
    served = [
        line
        for line in verified.out.splitlines()
        if " forge " in line and "serves the recorded bytes" in line
    ]
    assert len(served) == len(files), verified.out


def _download(state: Any, name: str) -> bytes:
    if state.kind == "github":
        asset = next(a for a in state.assets.values() if a["name"] == name)
        return state.blobs[asset["id"]]
    return next(f for f in state.files.values() if f["file_name"] == name)["body"]


def test_verify_fails_when_the_forge_serves_other_bytes(
    repo: Repo, tmp_path: Path, github: Any
) -> None:
    project(repo, tmp_path, github)
    assert ship(repo, github).code == 0
    tarball = next(a for a in github.assets.values() if a["name"].endswith(".tar.gz"))
    github.blobs[tarball["id"]] = b"someone else's bytes"
    changed = run_shipline("-C", repo.path, "verify", "1.3.0", env=env(github))
    assert changed.code == 93, changed.out + changed.err
    assert f"{tarball['name']}: GitHub serves SHA-256" in changed.out + changed.err


def test_verify_reports_an_unreachable_forge_as_not_checked(repo: Repo, tmp_path: Path) -> None:
    server, state = start_github()
    state.kind = "github"
    project(repo, tmp_path, state)
    assert ship(repo, state).code == 0
    server.shutdown()
    server.server_close()
    result = run_shipline("-C", repo.path, "--output", "json", "verify", "1.3.0", env=env(state))
    assert result.code == 0, result.out + result.err
    assert "not checked on GitHub" in result.out


def test_prerelease_is_marked(repo: Repo, tmp_path: Path, github: Any) -> None:
    project(repo, tmp_path, github)
    result = ship(repo, github, "--pre", "rc")
    assert result.code == 0, result.err
    release = the_release(github)
    assert release["tag_name"] == "v1.3.0-rc.1" and release["prerelease"] is True


def test_source_only_release_gets_notes_and_no_files(
    repo: Repo, tmp_path: Path, standin: Any
) -> None:
    project(repo, tmp_path, standin, artifacts=False)
    result = ship(repo, standin)
    assert result.code == 0, result.err
    assert notes_of(standin).startswith("## [1.3.0]")
    assert remote_files(standin) == []
    forge = [r for r in ledger(repo) if r["recordType"] == "forge"]
    assert len(forge) == 1 and forge[0]["assets"] == []


@pytest.mark.parametrize("case", ["unset", "wrong", "taken"])
def test_prevalidation_is_86_and_changes_nothing(
    repo: Repo, tmp_path: Path, github: Any, case: str
) -> None:
    remote = project(repo, tmp_path, github)
    before = repo.snapshot()
    if case == "taken":
        github.releases[7] = {
            "id": 7,
            "tag_name": "v1.3.0",
            "name": "someone's",
            "body": "",
            "prerelease": False,
        }
    token = {"unset": "", "wrong": "wrong-token-0123456789"}.get(case)
    result = ship(repo, github, token=token)
    assert result.code == 86, result.out + result.err
    text = result.out + result.err
    assert {"unset": "FORGE_TOKEN is not set", "wrong": "FORGE_TOKEN", "taken": "someone"}.get(
        case, ""
    ) in text or case == "taken"
    if case == "taken":
        assert "v1.3.0" in text
    if case == "wrong":
        assert "wrong-token-0123456789" not in text and "acme/widget" in text
    assert repo.snapshot() == before
    assert (
        "v1.3.0"
        not in subprocess.run(
            ["git", "ls-remote", "--tags", str(remote)], capture_output=True, text=True
        ).stdout
    )
    assert not any((tmp_path / "files").rglob("*"))


FAULTS = {
    "502 four times": ([("POST", r"/releases$", 502, {})] * 4, 88),
    "401": ([("POST", r"/releases$", 401, {})], 88),
    "403": ([("POST", r"/releases$", 403, {})], 88),
    "404": ([("POST", r"/releases$", 404, {})], 88),
    "429 beyond the bound": ([("POST", r"/releases$", 429, {"Retry-After": "3600"})], 88),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failure_after_the_push_stays_for_resume(
    repo: Repo, tmp_path: Path, standin: Any, fault: str
) -> None:
    project(repo, tmp_path, standin)
    faults, code = FAULTS[fault]
    for method, path, status, headers in faults:
        standin.fail(method, path, status, headers=headers)
    result = ship(repo, standin)
    assert result.code == code, result.out + result.err
    text = result.out + result.err
    if fault in ("401", "403", "404"):
        assert "FORGE_TOKEN" in text
        assert ("acme/widget" if standin.kind == "github" else "acme/tools/widget") in text
    journal = json.loads((repo.path / ".shipline" / "journal.json").read_text())
    assert "forge" not in journal["completed"] and "record" in journal["completed"]
    assert "forge" in journal["intents"]
    assert any((tmp_path / "files").rglob("*.tar.gz"))  # nothing published was undone
    done = resume(repo, standin)
    assert done.code == 0, done.out + done.err
    the_release(standin)
    files = remote_files(standin)
    assert len(files) == len(set(files)) >= 3
    assert not (repo.path / ".shipline" / "journal.json").exists()
    assert len([r for r in ledger(repo) if r["recordType"] == "forge"]) == 1


@pytest.mark.parametrize("fault", ["500 then success", "429 with Retry-After"])
def test_transient_faults_are_retried_in_the_same_run(
    repo: Repo, tmp_path: Path, standin: Any, fault: str
) -> None:
    project(repo, tmp_path, standin)
    if fault == "500 then success":
        standin.fail("POST", r"/releases$", 500)
    else:
        method = "POST" if standin.kind == "github" else "PUT"
        path = r"/assets$" if standin.kind == "github" else r"/packages/generic/"
        standin.fail(method, path, 429, headers={"Retry-After": "1"})
    result = ship(repo, standin)
    assert result.code == 0, result.out + result.err
    the_release(standin)
    files = remote_files(standin)
    assert len(files) == len(set(files)) >= 3


def test_sigkill_after_the_create_call_then_resume(
    repo: Repo, tmp_path: Path, standin: Any
) -> None:
    project(repo, tmp_path, standin)
    exe = Path(sys.executable).parent / "shipline"
    proc = subprocess.Popen(
        [str(exe), "-C", str(repo.path), "--output", "json", "release", "ship", "--yes"],
        env={**os.environ, **env(standin)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    standin.fail(
        "POST", r"/releases$", action="after", then=lambda: os.kill(proc.pid, signal.SIGKILL)
    )
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    the_release(standin)  # the create landed
    assert remote_files(standin) == []
    journal = json.loads((repo.path / ".shipline" / "journal.json").read_text())
    assert "forge" in journal["intents"] and "forge" not in journal["external"]
    aborted = run_shipline("-C", repo.path, "release", "abort", env=env(standin))
    assert aborted.code == 59 and "forge" in aborted.out + aborted.err
    done = resume(repo, standin)
    assert done.code == 0, done.out + done.err
    the_release(standin)  # still one
    files = remote_files(standin)
    assert len(files) == len(set(files)) >= 3
    assert len([r for r in ledger(repo) if r["recordType"] == "forge"]) == 1


def test_connection_dropped_mid_upload_then_resume(
    repo: Repo, tmp_path: Path, standin: Any
) -> None:
    project(repo, tmp_path, standin)
    method = "POST" if standin.kind == "github" else "PUT"
    path = r"/assets$" if standin.kind == "github" else r"/packages/generic/"
    for _ in range(4):  # every attempt of this run is cut off
        standin.fail(method, path, action="drop-mid-upload")
    result = ship(repo, standin)
    assert result.code == 88, result.out + result.err
    done = resume(repo, standin)
    assert done.code == 0, done.out + done.err
    files = remote_files(standin)
    assert len(files) == len(set(files)) >= 3
    if standin.kind == "github":
        assert all(a["state"] == "uploaded" for a in standin.assets.values())
        for asset in standin.assets.values():
            assert sha256(standin.blobs[asset["id"]]).hexdigest() == asset["sha256"]


def test_dry_run_says_what_the_forge_step_would_do(repo: Repo, tmp_path: Path, github: Any) -> None:
    project(repo, tmp_path, github)
    result = run_shipline(
        "-C", repo.path, "--output", "json", "release", "ship", "--dry-run", env=env(github)
    )
    assert result.code == 0, result.err
    assert "would create the github release of acme/widget" in result.out
    assert github.releases == {}
    assert github.calls("POST", "") == 0
    plan = run_shipline("-C", repo.path, "release", "plan", env=env(github))
    assert plan.code == 0, plan.err
    assert "forge: a github release of acme/widget for v1.3.0 after the push" in plan.out
    assert "forge:" not in run_shipline("-C", repo.path, "release", "plan", "--no-forge").out


def test_no_forge_skips_it(repo: Repo, tmp_path: Path, github: Any) -> None:
    project(repo, tmp_path, github)
    result = ship(repo, github, "--no-forge", token="")
    assert result.code == 0, result.err
    assert github.releases == {} and github.log == []

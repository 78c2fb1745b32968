"""`shipline release ship --yes` all the way: bump, changelog, gates, commit,
tag, pre-validate, dry-run, build, provenance (gpg), publish to a real
pypiserver and an HTTP file store, verify back, push, ledger; then
`shipline verify`. Plus the faults that must stop before the tag push."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Repo, run_shipline
from registries import FileServer, PyPIServer

from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401

PYPROJECT = """[build-system]
requires = ["flit_core>=3.9,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "shipdemo"
version = "1.2.0"
description = "a demo package"
"""


def _project(
    repo: Repo,
    remote: Path,
    pypi_url: str,
    files_url: str,
    *,
    signing: str = "gpg",
    level: str = "SLSA_BUILD_LEVEL_2",
) -> None:
    config = {
        "release": {
            "versionBump": ["pyproject.toml", "src/shipdemo/__init__.py"],
            "gates": [{"name": "compile", "run": "python3 -m compileall -q src"}],
            "artifacts": [
                {
                    "type": "python-package",
                    "name": "shipdemo",
                    "registry": pypi_url,
                    "options": {"isolation": False},
                },
                {
                    "type": "tarball",
                    "name": "shipdemo-src",
                    "registry": files_url,
                    "credentialsEnv": "FILES_TOKEN",
                },
            ],
            "security": {
                "provenance": {
                    "enabled": True,
                    "level": level,
                    "signing": {"method": signing, "keyless": False},
                    "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
                }
            },
        }
    }
    repo.commit(
        "chore: initial",
        {
            "pyproject.toml": PYPROJECT,
            "src/shipdemo/__init__.py": '"""Demo."""\n__version__ = "1.2.0"\n',
            "CHANGELOG.md": "# Changelog\n\n## [1.2.0] - 2025-12-01\n\n### Features\n\n- first\n",
            ".shipline/config.json": json.dumps(config, indent=2),
        },
    )
    repo.tag("v1.2.0", "Release v1.2.0")
    repo.commit("feat(api): export endpoint", {"src/shipdemo/api.py": "X = 1\n"})
    repo.commit("fix: empty input\n\nCloses #4")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "--tags")


def _env(key: GpgKey, files: FileServer) -> dict[str, str]:
    return {**key.env, "FILES_TOKEN": files.token or ""}


def _remote_tags(remote: Path) -> str:
    return subprocess.run(
        ["git", "ls-remote", "--tags", str(remote)], capture_output=True, text=True, check=True
    ).stdout


def test_ship_publishes_attests_pushes_and_verifies(
    repo: Repo, tmp_path: Path, pypiserver: PyPIServer, file_server: FileServer, gpg_key: GpgKey
) -> None:
    remote = tmp_path / "origin.git"
    _project(repo, remote, pypiserver.url, file_server.url)
    result = run_shipline(
        "-C",
        repo.path,
        "--output",
        "json",
        "release",
        "ship",
        "--yes",
        env={**gpg_key.env, "FILES_TOKEN": file_server.token or ""},
    )
    assert file_server.token not in result.out + result.err  # never in output
    assert result.code == 0, result.out[-3000:] + result.err
    events = result.json_lines()
    steps = [e["step"] for e in events if e["kind"] == "step_finished"]
    assert steps[1:] == [
        "version",
        "changelog",
        "gates",
        "commit",
        "tag",
        "artifacts",
        "provenance",
        "publish",
        "push",
        "record",
        "forge",
    ]
    said = [e.get("text") or e.get("detail") or "" for e in events if e.get("step") == "record"]
    assert sum("recorded (record hash" in text for text in said) == 1  # said once, as the result
    links = [(e["link"], e["status"]) for e in events if e["kind"] == "chain_link"]
    assert ("build", "ok") in links and ("attestation", "ok") in links
    assert ("registry", "ok") in links
    # published: the wheel installs back from the index with the release's version
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--isolated",
            "--no-deps",
            "--target",
            str(target),
            "--index-url",
            f"{pypiserver.url}/simple/",
            "shipdemo==1.3.0",
        ],
        check=True,
    )
    assert (target / "shipdemo" / "__init__.py").read_text().endswith('"1.3.0"\n')
    # the ledger binds what the registries serve
    ledger = json.loads((repo.path / ".shipline" / "releases.json").read_text())
    record = [r for r in ledger["records"] if r.get("recordType") == "release"][-1]
    assert record["version"] == "1.3.0" and record["gitTag"] == "v1.3.0"
    assert all(a["registry"] and a["publishedAt"] for a in record["artifacts"])
    assert record["metadata"]["completeness"] == "complete"
    wheel = next(a for a in record["artifacts"] if a["name"].endswith(".whl"))
    served = (pypiserver.packages / wheel["name"]).read_bytes()
    import hashlib

    assert hashlib.sha256(served).hexdigest() == wheel["sha256"]
    assert "refs/tags/v1.3.0" in _remote_tags(remote)
    verify = run_shipline("-C", repo.path, "verify", "1.3.0", env=_env(gpg_key, file_server))
    assert verify.code == 0, verify.out + verify.err


def test_already_published_version_stops_before_build_with_86(
    repo: Repo, tmp_path: Path, pypiserver: PyPIServer, file_server: FileServer, gpg_key: GpgKey
) -> None:
    remote = tmp_path / "origin.git"
    _project(repo, remote, pypiserver.url, file_server.url)
    (pypiserver.packages / "shipdemo-1.3.0.tar.gz").write_bytes(b"someone else's upload")
    result = run_shipline(
        "-C", repo.path, "release", "ship", "--yes", env=_env(gpg_key, file_server)
    )
    assert result.code == 86, result.out + result.err
    assert "1.3.0" in result.err and "Traceback" not in result.err
    assert "v1.3.0" not in _remote_tags(remote)
    # known before the first write: stopped in the preflight, nothing to undo
    assert "Release commit" not in result.out
    assert repo.git("tag", "--list", "v1.3.0") == ""
    assert repo.git("log", "-1", "--format=%s") == "fix: empty input"
    assert repo.git("status", "--porcelain") == ""
    resume = run_shipline("-C", repo.path, "release", "resume", env=_env(gpg_key, file_server))
    assert resume.code == 50 and "no interrupted release" in resume.err


def test_rejected_credentials_roll_back_earlier_artifacts_with_88(
    repo: Repo,
    tmp_path: Path,
    pypiserver_auth: PyPIServer,
    file_server: FileServer,
    gpg_key: GpgKey,
) -> None:
    remote = tmp_path / "origin.git"
    _project(repo, remote, pypiserver_auth.url, file_server.url)
    cfg_path = repo.path / ".shipline" / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["release"]["artifacts"].reverse()  # the tarball (deletable) goes live first
    cfg["release"]["artifacts"][1].update(
        credentialsEnv="PYPI_PASSWORD",
        options={"isolation": False, "username": pypiserver_auth.username},
    )
    cfg_path.write_text(json.dumps(cfg))
    repo.git("commit", "-qam", "chore: tarball first")
    repo.git("push", "-q", "origin", "main")
    env = {**_env(gpg_key, file_server), "PYPI_PASSWORD": "wrong-password"}
    result = run_shipline("-C", repo.path, "release", "ship", "--yes", env=env)
    assert result.code == 88, result.out + result.err
    assert "rolled back" in result.err and "wrong-password" not in result.out + result.err
    assert not list(file_server.root.rglob("*.tar.gz"))  # the tarball was deleted again
    assert not list(pypiserver_auth.packages.iterdir())
    assert "v1.3.0" not in _remote_tags(remote)  # no tag pushed before its artifacts
    journal = json.loads((repo.path / ".shipline" / "journal.json").read_text())
    assert journal["completed"][-1] == "provenance" and not journal["data"].get("published")
    assert "wrong-password" not in json.dumps(journal)
    # with the right password the same release resumes and completes
    env["PYPI_PASSWORD"] = pypiserver_auth.password or ""
    resumed = run_shipline("-C", repo.path, "release", "resume", env=env)
    assert resumed.code == 0, resumed.out + resumed.err
    assert "refs/tags/v1.3.0" in _remote_tags(remote)


def test_sigkill_during_publish_then_resume_publishes_once(
    repo: Repo, tmp_path: Path, pypiserver: PyPIServer, file_server: FileServer, gpg_key: GpgKey
) -> None:
    remote = tmp_path / "origin.git"
    _project(repo, remote, pypiserver.url, file_server.url)
    exe = Path(sys.executable).parent / "shipline"
    proc = subprocess.Popen(
        [str(exe), "-C", str(repo.path), "--output", "json", "release", "ship", "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **_env(gpg_key, file_server)},
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # killed right after the first artifact is live
        event = json.loads(line)
        if (
            event["kind"] == "chain_link"
            and event["link"] == "registry"
            and event["status"] == "ok"
        ):
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(30)
    time.sleep(0.1)
    assert "v1.3.0" not in _remote_tags(remote)
    result = run_shipline("-C", repo.path, "release", "resume", env=_env(gpg_key, file_server))
    assert result.code == 0, result.out + result.err
    uploads = [m for m, p in file_server.requests if m == "PUT"]
    assert len(uploads) == len(set(p for m, p in file_server.requests if m == "PUT"))
    assert "refs/tags/v1.3.0" in _remote_tags(remote)
    verify = run_shipline("-C", repo.path, "verify", "--all", env=_env(gpg_key, file_server))
    assert verify.code == 0, verify.out + verify.err


def test_unknown_artifact_type_is_85_before_anything_is_committed(
    repo: Repo, tmp_path: Path, cli
) -> None:
    remote = tmp_path / "origin.git"
    _project(
        repo,
        remote,
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        signing="none",
        level="SLSA_BUILD_LEVEL_1",
    )
    cfg_path = repo.path / ".shipline" / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["release"]["artifacts"] = [{"type": "helm-chart", "name": "c"}]
    cfg_path.write_text(json.dumps(cfg))
    repo.git("commit", "-qam", "chore: helm")
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 85 and "unknown artifact type 'helm-chart'" in result.err
    assert repo.snapshot() == before


def test_handoff_to_ci_pushes_the_tag_and_exits_65_then_attest_records(
    repo: Repo, tmp_path: Path, pypiserver: PyPIServer, file_server: FileServer, gpg_key: GpgKey
) -> None:
    remote = tmp_path / "origin.git"
    _project(repo, remote, pypiserver.url, file_server.url)
    result = run_shipline(
        "-C",
        repo.path,
        "--output",
        "json",
        "release",
        "ship",
        "--yes",
        "--handoff",
        env=_env(gpg_key, file_server),
    )
    assert result.code == 65, result.out[-2000:] + result.err
    summary = result.json_lines()[-1]
    assert summary["exit_code"] == 65 and "handoff" in json.dumps(result.json_lines()[-2])
    assert "refs/tags/v1.3.0" in _remote_tags(remote)  # the tag starts the CI workflow
    assert not list(pypiserver.packages.iterdir())  # nothing published here
    assert not (repo.path / ".shipline" / "journal.json").exists()
    assert not (repo.path / ".shipline" / "releases.json").exists()
    # the workflow builds and records what it produced
    built = tmp_path / "ci-dist" / "shipdemo-1.3.0.tar.gz"
    built.parent.mkdir()
    repo.git("archive", "--format=tar.gz", "-o", str(built), "v1.3.0")
    attest = run_shipline(
        "-C",
        repo.path,
        "attest",
        built,
        "--version",
        "1.3.0",
        "--sign",
        "gpg",
        "--sbom",
        "none",
        env=_env(gpg_key, file_server),
    )
    assert attest.code == 0, attest.out + attest.err
    assert (
        run_shipline("-C", repo.path, "verify", "1.3.0", env=_env(gpg_key, file_server)).code == 0
    )


@pytest.mark.parametrize("step", ["tag", "artifacts", "provenance", "publish", "push"])
def test_sigkill_at_every_step_boundary_then_resume(
    repo: Repo,
    tmp_path: Path,
    pypiserver: PyPIServer,
    file_server: FileServer,
    gpg_key: GpgKey,
    step: str,
) -> None:
    remote = tmp_path / "origin.git"
    _project(repo, remote, pypiserver.url, file_server.url)
    exe = Path(sys.executable).parent / "shipline"
    proc = subprocess.Popen(
        [str(exe), "-C", str(repo.path), "--output", "json", "release", "ship", "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **_env(gpg_key, file_server)},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        event = json.loads(line)
        if event["kind"] == "step_finished" and event["step"] == step:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(30)
    tags = _remote_tags(remote)
    assert ("refs/tags/v1.3.0" in tags) == (step == "push")  # never before the publish
    result = run_shipline("-C", repo.path, "release", "resume", env=_env(gpg_key, file_server))
    assert result.code == 0, result.out[-2000:] + result.err
    puts = [p for m, p in file_server.requests if m == "PUT"]
    assert len(puts) == len(set(puts)) == 2  # the tarball and checksums, once each
    assert sorted(p.name for p in pypiserver.packages.iterdir()) == [
        "shipdemo-1.3.0-py2.py3-none-any.whl",
        "shipdemo-1.3.0.tar.gz",
    ]
    ledger = json.loads((repo.path / ".shipline" / "releases.json").read_text())
    assert [r["recordType"] for r in ledger["records"]] == ["release"]
    verify = run_shipline("-C", repo.path, "verify", "--all", env=_env(gpg_key, file_server))
    assert verify.code == 0, verify.out + verify.err

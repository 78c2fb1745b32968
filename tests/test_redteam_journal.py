"""Red team, issue 13 (abort and resume that never lie, one lock first):
each case is a real shipline process against a real HTTP file store or a
real bare remote, killed with SIGKILL while the effect is under way (the
pause is real: the store hangs the second upload, the remote's pre-receive
hook waits), then `release abort` and `release resume` are checked for
their exit code, their message, and what they leave behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo, run_shipline
from registries import FileServer

EXE = Path(sys.executable).parent / "shipline"
ARCHIVE = "demo-src-1.3.0.tar.gz"


def _wait(condition, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _tarball_project(repo: Repo, registry: str) -> None:
    config = {
        "release": {
            "versionBump": ["pyproject.toml"],
            "artifacts": [
                {
                    "type": "tarball",
                    "name": "demo-src",
                    "registry": registry,
                    "credentialsEnv": "FILES_TOKEN",
                }
            ],
            "security": {
                "provenance": {
                    "enabled": True,
                    "level": "SLSA_BUILD_LEVEL_1",
                    "signing": {"method": "none"},
                    "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
                }
            },
        }
    }
    repo.commit("chore: release config", {".shipline/config.json": json.dumps(config, indent=2)})
    repo.git("push", "-q", "origin", "main")


def _remote_refs(remote: Path) -> str:
    return subprocess.run(
        ["git", "ls-remote", str(remote)], capture_output=True, text=True, check=True
    ).stdout


def _ship(repo: Repo, env: dict[str, str] | None = None, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(EXE), "-C", str(repo.path), "--output", "json", "release", "ship", "--yes", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


def _journal(repo: Repo) -> dict[str, object]:
    return json.loads((repo.path / ".shipline" / "journal.json").read_text())


# --- a file store that hangs the second upload (killed between the two copies) ----


@pytest.fixture
def hanging_store(file_server: FileServer, fault_proxy) -> Iterator[tuple[FileServer, object]]:
    """The file store behind a proxy that lets the archive's PUT through
    and hangs the next one (checksums.txt) until healed."""
    proxy = fault_proxy(file_server.url)
    proxy.fail(None, hang=True, methods={"PUT"}, after=1)
    yield file_server, proxy


def _killed_between_the_copies(py_repo: Repo, store: FileServer, proxy) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _tarball_project(py_repo, proxy.url)
    env = {"FILES_TOKEN": store.token or ""}
    proc = _ship(py_repo, env)
    archive = store.root / "demo-src" / "1.3.0" / ARCHIVE
    _wait(lambda: archive.is_file() or proc.poll() is not None, "the archive upload")
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.3)  # the checksums upload is now hanging in the store
    _kill(proc)
    assert not (store.root / "demo-src" / "1.3.0" / "checksums.txt").exists()
    proxy.heal()
    return env


def test_sigkill_between_the_two_uploads_then_abort_names_what_is_live(
    py_repo: Repo, remote: Path, hanging_store, cli
) -> None:  # type: ignore[no-untyped-def]
    store, proxy = hanging_store
    _killed_between_the_copies(py_repo, store, proxy)
    journal = _journal(py_repo)
    assert "publish:demo-src" in journal["intents"]  # recorded before the upload
    assert "publish:demo-src" not in journal["external"]
    release_commit = py_repo.git("rev-parse", "HEAD")
    os.environ["FILES_TOKEN"] = store.token or ""
    try:
        result = cli("-C", py_repo.path, "release", "abort")
    finally:
        del os.environ["FILES_TOKEN"]
    assert result.code == 59, result.err
    assert "publish:demo-src" in result.err and "live" in result.err
    assert "shipline release resume" in result.err and "undone" not in result.out
    # nothing was undone: the commit and tag the registry's files belong to stay
    assert py_repo.git("rev-parse", "HEAD") == release_commit
    assert py_repo.git("tag", "--points-at", "HEAD") == "v1.3.0"
    assert (py_repo.path / ".shipline" / "journal.json").exists()
    assert "v1.3.0" not in _remote_refs(remote)


def test_sigkill_between_the_two_uploads_then_resume_adopts_the_first(
    py_repo: Repo, remote: Path, hanging_store
) -> None:  # type: ignore[no-untyped-def]
    store, proxy = hanging_store
    env = _killed_between_the_copies(py_repo, store, proxy)
    result = run_shipline("-C", py_repo.path, "release", "resume", env=env)
    assert result.code == 0, result.out + result.err
    puts = [p for m, p in store.requests if m == "PUT"]
    assert sorted(puts) == sorted(set(puts)) and len(puts) == 2  # each file once
    assert "refs/tags/v1.3.0" in _remote_refs(remote)
    assert not (py_repo.path / ".shipline" / "journal.json").exists()
    verify = run_shipline("-C", py_repo.path, "verify", "--all", env=env)
    assert verify.code == 0, verify.out + verify.err


def test_sigkill_between_the_uploads_then_other_bytes_there_resume_refuses_93(
    py_repo: Repo, remote: Path, hanging_store
) -> None:  # type: ignore[no-untyped-def]
    store, proxy = hanging_store
    env = _killed_between_the_copies(py_repo, store, proxy)
    (store.root / "demo-src" / "1.3.0" / ARCHIVE).write_bytes(b"someone else's bytes")
    result = run_shipline("-C", py_repo.path, "release", "resume", env=env)
    assert result.code == 93, result.out + result.err
    assert ARCHIVE in result.err and "fix:" in result.err
    assert "v1.3.0" not in _remote_refs(remote)
    assert (store.root / "demo-src" / "1.3.0" / ARCHIVE).read_bytes() == b"someone else's bytes"
    again = run_shipline("-C", py_repo.path, "release", "abort", env=env)
    assert again.code == 59 and "publish:demo-src" in again.err


# --- a package index that hangs the second upload (python-package) ------------------

PYPROJECT = """[build-system]
requires = ["flit_core>=3.9,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "shipdemo"
version = "1.2.0"
description = "a demo package"
"""


def _killed_between_two_python_uploads(
    repo: Repo,
    tmp_path: Path,
    index,
    fault_proxy,  # type: ignore[no-untyped-def]
) -> Path:
    proxy = fault_proxy(index.url)
    proxy.fail(None, hang=True, methods={"POST"}, after=1)
    config = {
        "release": {
            "versionBump": ["pyproject.toml", "shipdemo/__init__.py"],
            "push": {"enabled": False},
            "artifacts": [
                {
                    "type": "python-package",
                    "name": "shipdemo",
                    "registry": proxy.url,
                    "options": {"isolation": False},
                }
            ],
            "security": {
                "provenance": {"level": "SLSA_BUILD_LEVEL_1", "signing": {"method": "none"}}
            },
        }
    }
    repo.commit(
        "chore: initial",
        {
            "pyproject.toml": PYPROJECT,
            "shipdemo/__init__.py": '"""Demo."""\n__version__ = "1.2.0"\n',
            "CHANGELOG.md": "# Changelog\n\n## [1.2.0] - 2025-12-01\n\n### Features\n\n- first\n",
            ".shipline/config.json": json.dumps(config),
        },
    )
    repo.tag("v1.2.0", "Release v1.2.0")
    repo.commit("feat: export endpoint", {"shipdemo/api.py": "X = 1\n"})
    proc = _ship(repo)
    _wait(
        lambda: any(index.packages.glob("*.whl")) or proc.poll() is not None,
        "the wheel upload",
        timeout=120,
    )
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.5)  # the sdist upload now hangs in the proxy
    _kill(proc)
    assert not any(index.packages.glob("*.tar.gz"))
    assert "publish:shipdemo" in _journal(repo)["intents"]
    proxy.heal()
    return next(index.packages.glob("*.whl"))


def test_python_package_killed_between_its_uploads_then_resume_adopts_the_wheel(
    repo: Repo, tmp_path: Path, pypiserver, fault_proxy
) -> None:  # type: ignore[no-untyped-def]
    wheel = _killed_between_two_python_uploads(repo, tmp_path, pypiserver, fault_proxy)
    uploaded = wheel.read_bytes()
    result = run_shipline("-C", repo.path, "release", "resume")
    assert result.code == 0, result.out + result.err
    assert sorted(p.name for p in pypiserver.packages.iterdir()) == [
        "shipdemo-1.3.0-py2.py3-none-any.whl",
        "shipdemo-1.3.0.tar.gz",
    ]
    assert wheel.read_bytes() == uploaded  # adopted, not uploaded again
    assert run_shipline("-C", repo.path, "verify", "--all").code == 0


def test_python_package_killed_between_its_uploads_other_bytes_there_resume_is_93(
    repo: Repo, tmp_path: Path, pypiserver, fault_proxy
) -> None:  # type: ignore[no-untyped-def]
    wheel = _killed_between_two_python_uploads(repo, tmp_path, pypiserver, fault_proxy)
    wheel.write_bytes(wheel.read_bytes() + b"tampered")
    result = run_shipline("-C", repo.path, "release", "resume")
    assert result.code == 93, result.out + result.err
    assert "interrupted publish was resumed" in result.err and "fix:" in result.err
    assert not any(pypiserver.packages.glob("*.tar.gz"))
    assert not (repo.path / ".shipline" / "releases.json").exists()


# --- a registry that serves other bytes than were uploaded (PROV-002) -------------


def test_resume_after_a_digest_mismatch_downloads_again_and_refuses_93(
    py_repo: Repo, remote: Path, file_server: FileServer, fault_proxy
) -> None:  # type: ignore[no-untyped-def]
    lying = fault_proxy(file_server.url)
    lying.corrupt = ".tar.gz"  # the registry serves other bytes than were uploaded
    _tarball_project(py_repo, lying.url)
    env = {"FILES_TOKEN": file_server.token or ""}
    first = run_shipline("-C", py_repo.path, "release", "ship", "--yes", env=env)
    assert first.code == 93, first.out + first.err
    assert "v1.3.0" not in _remote_refs(remote)
    downloads = len(lying.downloads)
    resumed = run_shipline("-C", py_repo.path, "release", "resume", env=env)
    assert resumed.code == 93, resumed.out + resumed.err
    assert any(p.endswith(ARCHIVE) for p in lying.downloads[downloads:])  # downloaded again
    assert "published and verified" not in resumed.out
    assert "v1.3.0" not in _remote_refs(remote)
    assert not (py_repo.path / ".shipline" / "releases.json").exists()
    lying.corrupt = None  # the registry is repaired
    healed = run_shipline("-C", py_repo.path, "release", "resume", env=env)
    assert healed.code == 0, healed.out + healed.err
    assert "refs/tags/v1.3.0" in _remote_refs(remote)
    puts = [p for m, p in file_server.requests if m == "PUT"]
    assert len(puts) == len(set(puts)) == 2


# --- a remote whose pre-receive hook waits (killed during the push) ----------------

HOOK = """#!/bin/sh
touch "{d}/started"
i=0
while [ ! -f "{d}/go" ] && [ ! -f "{d}/no" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
if [ -f "{d}/go" ]; then touch "{d}/accepted"; exit 0; fi
touch "{d}/rejected"; exit 1
"""


def _waiting_remote(remote: Path, tmp_path: Path) -> Path:
    signals = tmp_path / "hook"
    signals.mkdir()
    hook = remote / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(HOOK.format(d=signals))
    hook.chmod(0o755)
    return signals


def _killed_during_the_push(py_repo: Repo, remote: Path, tmp_path: Path) -> Path:
    signals = _waiting_remote(remote, tmp_path)
    proc = _ship(py_repo)
    _wait(lambda: (signals / "started").exists() or proc.poll() is not None, "the push")
    assert proc.poll() is None, proc.communicate()
    _kill(proc)
    journal = _journal(py_repo)
    assert "push" in journal["intents"] and "push" not in journal["external"]
    return signals


def test_sigkill_during_a_push_that_lands_then_abort_is_59_and_keeps_the_commit(
    py_repo: Repo, remote: Path, tmp_path: Path, cli
) -> None:
    signals = _killed_during_the_push(py_repo, remote, tmp_path)
    (signals / "go").touch()  # the orphaned git push completes after shipline died
    _wait(lambda: "refs/tags/v1.3.0" in _remote_refs(remote), "the push to land")
    release_commit = py_repo.git("rev-parse", "HEAD")
    result = cli("-C", py_repo.path, "release", "abort")
    assert result.code == 59, result.err
    assert "push to origin" in result.err and "v1.3.0" in result.err
    assert "shipline release resume" in result.err
    assert py_repo.git("rev-parse", "HEAD") == release_commit  # never reset what origin has
    assert py_repo.git("tag", "--points-at", "HEAD") == "v1.3.0"
    resumed = cli("-C", py_repo.path, "release", "resume")
    assert resumed.code == 0, resumed.err
    assert not (py_repo.path / ".shipline" / "journal.json").exists()
    ledger = json.loads((py_repo.path / ".shipline" / "releases.json").read_text())
    assert [r["version"] for r in ledger["records"]] == ["1.3.0"]


def test_sigkill_during_a_push_that_is_refused_then_abort_undoes_everything(
    py_repo: Repo, remote: Path, tmp_path: Path, cli
) -> None:
    before = py_repo.snapshot()
    signals = _killed_during_the_push(py_repo, remote, tmp_path)
    (signals / "no").touch()
    _wait(lambda: (signals / "rejected").exists(), "the remote to refuse")
    time.sleep(0.2)
    result = cli("-C", py_repo.path, "release", "abort")
    assert result.code == 0, result.err
    assert "v1.3.0" not in _remote_refs(remote)
    after = py_repo.snapshot()
    assert after == before  # nothing left behind, not even .shipline/.gitignore


def test_sigkill_during_a_push_that_is_refused_then_resume_pushes_once(
    py_repo: Repo, remote: Path, tmp_path: Path, cli
) -> None:
    signals = _killed_during_the_push(py_repo, remote, tmp_path)
    (signals / "no").touch()
    _wait(lambda: (signals / "rejected").exists(), "the remote to refuse")
    (signals / "no").unlink()
    (signals / "go").touch()
    result = cli("-C", py_repo.path, "release", "resume")
    assert result.code == 0, result.err
    refs = _remote_refs(remote)
    assert "refs/tags/v1.3.0" in refs
    assert refs.split()[refs.split().index("refs/heads/main") - 1] == py_repo.git(
        "rev-parse", "HEAD"
    )


def test_abort_after_a_killed_push_refuses_59_while_the_remote_cannot_be_asked(
    py_repo: Repo, remote: Path, tmp_path: Path, cli
) -> None:
    signals = _killed_during_the_push(py_repo, remote, tmp_path)
    (signals / "no").touch()
    _wait(lambda: (signals / "rejected").exists(), "the remote to refuse")
    time.sleep(0.2)
    away = remote.with_name("origin-away.git")
    remote.rename(away)  # the remote is down: nobody can say the push did not land
    result = cli("-C", py_repo.path, "release", "abort")
    assert result.code == 59, result.err
    assert "cannot tell whether it is live" in result.err and "unreachable" in result.err
    assert py_repo.git("tag", "--list", "v1.3.0") == "v1.3.0"  # nothing undone
    away.rename(remote)
    assert cli("-C", py_repo.path, "release", "abort").code == 0
    assert py_repo.git("tag", "--list", "v1.3.0") == ""


# --- one lock first: two ships at once ----------------------------------------------


def _slow_source_project(repo: Repo) -> None:
    config = {
        "release": {
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "gates": [{"name": "slow", "run": "sleep 1"}],
        }
    }
    repo.commit("chore: release config", {".shipline/config.json": json.dumps(config)})


def test_two_ships_at_once_give_one_0_and_one_52_every_time(py_repo: Repo, tmp_path: Path) -> None:
    _slow_source_project(py_repo)
    rounds = 8
    for n in range(rounds):
        copy = Repo(tmp_path / f"round{n}", py_repo.clock)
        shutil.copytree(py_repo.path, copy.path, symlinks=True)
        procs = [_ship(copy, None, "--no-push") for _ in range(2)]
        results = [(p.wait(60), *p.communicate()) for p in procs]
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 52], results
        loser = next(out + err for code, out, err in results if code == 52)
        assert "another release is in progress" in loser or "already in progress" in loser
        assert "Traceback" not in loser
        assert copy.git("tag", "--list", "v1.3.0") == "v1.3.0"
        assert copy.git("rev-list", "--count", "v1.2.0..HEAD") == "4"  # one release commit

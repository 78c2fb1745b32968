"""A Cargo workspace's release train where ``tool-cli`` requires
``tool-core`` at the version the same train releases: both crates are
packaged by one ``cargo package -p`` call (cargo resolves the sibling
through its local overlay), then published to the test sparse registry
dependencies first, each with its own attestation that ``verify
NAME@VERSION`` accepts; stopped between the two publishes, ``release
resume`` publishes only the second."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from cargo_registry import CargoRegistry
from conftest import Repo, run_shipline
from monorepos import cargo_workspace

pytestmark = pytest.mark.slow

EPOCH = "1767830400"  # 2026-01-08
RUSTUP_HOME = os.environ.get("RUSTUP_HOME") or str(Path.home() / ".rustup")
CLI_TOML = (
    '[package]\nname = "tool-cli"\nversion.workspace = true\nedition.workspace = true\n'
    'description = "the tool"\nlicense = "MIT"\n\n[dependencies]\n'
    'tool-core = { path = "../core", version = "2.13.0", registry = "shipline" }\n'
)


@pytest.fixture
def env(
    cargo_registry: CargoRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    assert shutil.which("cargo"), "cargo is required (scripts/install-test-deps.sh)"
    values = {
        "RUSTUP_HOME": RUSTUP_HOME,
        "CARGO_HOME": str(tmp_path / "cargo-home"),
        "CRATES_TOKEN": cargo_registry.token,
        "SOURCE_DATE_EPOCH": EPOCH,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def _train_repo(repo: Repo, registry: str) -> Repo:
    """The Cargo workspace fixture (one fixed version, 2.13.0), crates
    published to ``registry``; cli names that registry for core, as a
    crate of an alternative registry must."""
    cargo_workspace(repo)
    crate = {"type": "cargo-crate", "registry": registry, "credentialsEnv": "CRATES_TOKEN"}
    config = {
        "release": {
            "workspace": {
                "packages": [
                    {"name": "tool-cli", "path": "crates/cli", "artifacts": [crate]},
                    {
                        "name": "tool-core",
                        "path": "crates/core",
                        "artifacts": [crate],
                    },
                ]
            },
            "security": {
                "provenance": {
                    "enabled": True,
                    "signing": {"method": "none"},
                    "level": "SLSA_BUILD_LEVEL_1",
                }
            },
        }
    }
    core_toml = (
        '[package]\nname = "tool-core"\nversion.workspace = true\nedition.workspace = true\n'
        'description = "the core"\nlicense = "MIT"\n'
    )
    repo.commit(
        "chore: publish the crates",
        {
            ".shipline/config.json": json.dumps(config, indent=2) + "\n",
            "crates/cli/Cargo.toml": CLI_TOML,
            "crates/core/Cargo.toml": core_toml,
        },
    )
    repo.commit("feat(core): parse faster", {"crates/core/src/lib.rs": "pub fn core() {}\n//\n"})
    return repo


def _versions(registry: CargoRegistry, name: str) -> list[str]:
    return [e["vers"] for e in registry.entries(name)]


def _records(repo: Repo) -> list[dict[str, Any]]:
    path = repo.path / ".shipline" / "releases.json"
    return list(json.loads(path.read_text())["records"]) if path.exists() else []


def _downloaded_matches_record(registry: CargoRegistry, record: dict[str, Any]) -> None:
    [artifact] = record["artifacts"]
    name = record["metadata"]["links"]["package"]
    crate = registry.crate_file(name, record["version"]).read_bytes()
    assert artifact["name"] == f"{name}-{record['version']}.crate"
    assert hashlib.sha256(crate).hexdigest() == artifact["sha256"]


def test_a_crate_requiring_its_sibling_of_the_same_train_is_published_after_it(
    repo: Repo, cargo_registry: CargoRegistry, env: dict[str, str]
) -> None:
    _train_repo(repo, cargo_registry.index)
    result = run_shipline(
        "-C", repo.path, "--output", "json", "release", "ship", "--yes", "--no-push", timeout=600
    )
    assert result.code == 0, result.out[-4000:] + result.err
    assert cargo_registry.token not in result.out + result.err
    events = [json.loads(line) for line in result.out.splitlines() if line.startswith("{")]
    live = [
        e["package"]
        for e in events
        if e.get("kind") == "chain_link" and e["link"] == "registry" and e["status"] == "ok"
    ]
    assert live == ["tool-core", "tool-cli"]
    assert _versions(cargo_registry, "tool-core") == ["2.14.0"]
    assert _versions(cargo_registry, "tool-cli") == ["2.14.0"]
    [dep] = cargo_registry.entries("tool-cli")[0]["deps"]
    assert (dep["name"], dep["req"]) == ("tool-core", "^2.14.0")  # the sibling's new version
    records = _records(repo)
    assert [(r["metadata"]["links"]["package"], r["version"]) for r in records] == [
        ("tool-core", "2.14.0"),
        ("tool-cli", "2.14.0"),
    ]
    for record in records:
        _downloaded_matches_record(cargo_registry, record)  # the attested bytes are the served
    for target in ("tool-core@2.14.0", "tool-cli@2.14.0"):
        verified = run_shipline("-C", repo.path, "verify", target)
        assert verified.code == 0, verified.out + verified.err
        assert f"{target}: provenance chain verified" in verified.out


def _stop_at(repo: Repo, predicate: Any) -> None:
    """Run the train until ``predicate(event)``; stop there like a SIGKILL
    (the generator is closed: nothing after that event runs)."""
    from shipline.domain.gitops import Git
    from shipline.domain.pipeline.train import Train
    from shipline.domain.release.imports import load_config

    git = Git.open(repo.path)
    events = Train(git, load_config(git.root)).ship({}, no_push=True)
    for event in events:
        if predicate(event):
            events.close()
            return
    raise AssertionError("the train finished before the stop")


def _link(link: str, package: str) -> Any:
    return lambda e: (
        getattr(e, "kind", "") == "chain_link"
        and (e.link, e.status, e.package) == (link, "ok", package)
    )


def test_stopped_after_the_first_crate_is_built_resume_packages_the_second_with_it(
    repo: Repo, cargo_registry: CargoRegistry, env: dict[str, str]
) -> None:
    """The resumed train builds tool-cli alone, yet cargo still needs
    tool-core 2.14.0 to package it: the set is packaged again, tool-core's
    built file is reused unchanged."""
    from shipline.domain.pipeline import journal

    _train_repo(repo, cargo_registry.index)
    _stop_at(repo, _link("build", "tool-core"))
    j = journal.load(repo.path / ".shipline")
    assert j is not None
    units = {m["name"]: m.get("unit", {}) for m in j.data["train"]}
    assert "built" in units["tool-core"] and "built" not in units["tool-cli"]
    core_sha = units["tool-core"]["built"]["cargo-crate"][0]["sha256"]

    resumed = run_shipline("-C", repo.path, "--output", "json", "release", "resume", timeout=600)
    assert resumed.code == 0, resumed.out[-4000:] + resumed.err
    events = [json.loads(line) for line in resumed.out.splitlines() if line.startswith("{")]
    building = [e["detail"] for e in events if e.get("action") == "building"]
    assert building == ["tool-cli cargo-crate: building"]
    assert cargo_registry.entries("tool-core")[0]["cksum"] == core_sha
    assert _versions(cargo_registry, "tool-cli") == ["2.14.0"]
    for record in _records(repo):
        _downloaded_matches_record(cargo_registry, record)


def test_stopped_between_the_two_publishes_resume_publishes_only_the_second(
    repo: Repo, cargo_registry: CargoRegistry, env: dict[str, str]
) -> None:
    from shipline.domain.pipeline import journal

    _train_repo(repo, cargo_registry.index)
    _stop_at(repo, _link("registry", "tool-core"))  # right after the first crate went live
    j = journal.load(repo.path / ".shipline")
    assert j is not None and j.external == ["publish:tool-core/cargo-crate"]
    assert _versions(cargo_registry, "tool-core") == ["2.14.0"]
    assert _versions(cargo_registry, "tool-cli") == []

    resumed = run_shipline("-C", repo.path, "--output", "json", "release", "resume", timeout=600)
    assert resumed.code == 0, resumed.out[-4000:] + resumed.err
    events_out = [json.loads(line) for line in resumed.out.splitlines() if line.startswith("{")]
    uploads = [e["detail"] for e in events_out if e.get("action") == "uploading"]
    assert uploads == ["tool-cli cargo-crate: uploading"]  # core is not published again
    assert _versions(cargo_registry, "tool-core") == ["2.14.0"]
    assert _versions(cargo_registry, "tool-cli") == ["2.14.0"]
    records = _records(repo)
    assert [r["metadata"]["links"]["package"] for r in records] == ["tool-core", "tool-cli"]
    for record in records:
        _downloaded_matches_record(cargo_registry, record)
    verified = run_shipline("-C", repo.path, "verify", "tool-cli@2.14.0")
    assert verified.code == 0, verified.out + verified.err


def test_abort_after_the_build_removes_the_crates_packaged_together(
    repo: Repo, cargo_registry: CargoRegistry, env: dict[str, str]
) -> None:
    """The set's cargo target folder lives in the first crate's work
    folder: abort leaves no build output behind."""
    from shipline.domain.events import StepFinished
    from shipline.domain.pipeline import journal

    _train_repo(repo, cargo_registry.index)
    before = repo.snapshot()
    _stop_at(repo, lambda e: isinstance(e, StepFinished) and e.step == "artifacts")
    j = journal.load(repo.path / ".shipline")
    assert j is not None
    work = repo.path / ".shipline" / "work" / j.release_id
    assert list(work.glob("*/cargo-together-0/package/tool-cli-2.14.0.crate"))
    aborted = run_shipline("-C", repo.path, "release", "abort")
    assert aborted.code == 0, aborted.out + aborted.err
    assert not work.exists()
    assert repo.snapshot()["head"] == before["head"]
    assert _versions(cargo_registry, "tool-core") == _versions(cargo_registry, "tool-cli") == []


def _core_uploaded(event: Any) -> bool:
    """tool-core's upload is in the registry and the journal holds only the
    intent to make it: a kill here is the hard case for resume."""
    return getattr(event, "action", "") == "uploaded" and event.detail.startswith("tool-core")


def test_killed_after_a_crate_upload_the_journal_never_saw_resume_adopts_it(
    repo: Repo, cargo_registry: CargoRegistry, env: dict[str, str]
) -> None:
    from shipline.domain.pipeline import journal

    _train_repo(repo, cargo_registry.index)
    _stop_at(repo, _core_uploaded)
    j = journal.load(repo.path / ".shipline")
    assert j is not None
    assert "publish:tool-core/cargo-crate" in j.intents and j.external == []
    assert _versions(cargo_registry, "tool-core") == ["2.14.0"]  # live, though not journaled
    refused = run_shipline("-C", repo.path, "release", "abort")
    assert refused.code == 59, refused.out + refused.err  # asked the registry, not the journal
    assert "tool-core" in refused.err and "shipline release resume" in refused.err

    resumed = run_shipline("-C", repo.path, "--output", "json", "release", "resume", timeout=600)
    assert resumed.code == 0, resumed.out[-4000:] + resumed.err
    assert _versions(cargo_registry, "tool-core") == ["2.14.0"]  # adopted: one upload
    assert _versions(cargo_registry, "tool-cli") == ["2.14.0"]
    records = _records(repo)
    assert [r["metadata"]["links"]["package"] for r in records] == ["tool-core", "tool-cli"]
    for record in records:
        _downloaded_matches_record(cargo_registry, record)
    for target in ("tool-core@2.14.0", "tool-cli@2.14.0"):
        verified = run_shipline("-C", repo.path, "verify", target)
        assert verified.code == 0, verified.out + verified.err


def test_killed_after_a_crate_upload_then_other_bytes_there_resume_refuses_93(
    repo: Repo, cargo_registry: CargoRegistry, env: dict[str, str]
) -> None:
    """Between the kill and the resume the registry came to hold another
    tool-core 2.14.0 (another checksum): resume refuses to adopt it and
    publishes nothing more."""
    _train_repo(repo, cargo_registry.index)
    _stop_at(repo, _core_uploaded)
    [entry] = cargo_registry.entries("tool-core")
    cargo_registry._write_entries("tool-core", [{**entry, "cksum": "0" * 64}])
    resumed = run_shipline("-C", repo.path, "release", "resume", timeout=600)
    assert resumed.code == 93, resumed.out[-4000:] + resumed.err
    assert "interrupted publish was resumed" in resumed.err and "fix:" in resumed.err
    assert "tool-core" in resumed.err
    assert _versions(cargo_registry, "tool-cli") == []
    assert not (repo.path / ".shipline" / "releases.json").exists()

"""cargo-crate handler with real cargo against the sparse-index registry
fixture (tests/cargo_registry.py) on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cargo_registry import CargoRegistry
from registries import artifact_context

from shipline.domain.artifacts import load_handler, rollback_published
from shipline.domain.artifacts.cargo_crate import CargoCrateHandler
from shipline.domain.config import ArtifactConfig
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    DigestMismatch,
    ShiplineError,
)

# rustup's proxies find their toolchains through HOME, which conftest isolates:
# remember the real location before any fixture runs.
RUSTUP_HOME = os.environ.get("RUSTUP_HOME") or str(Path.home() / ".rustup")
CARGO_TOML = """[package]
name = "demo-crate"
version = "{version}"
edition = "2021"
description = "a demo crate"
license = "MIT"
"""


@pytest.fixture(autouse=True)
def _cargo_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert shutil.which("cargo"), "cargo is required (scripts/install-test-deps.sh)"
    monkeypatch.setenv("RUSTUP_HOME", RUSTUP_HOME)
    monkeypatch.setenv("CARGO_HOME", str(tmp_path / "cargo-home"))


@pytest.fixture
def crate(repo):  # type: ignore[no-untyped-def]
    repo.commit(
        "feat: crate",
        {
            "Cargo.toml": CARGO_TOML.format(version="0.4.0"),
            "src/lib.rs": "pub fn answer() -> u32 { 42 }\n",
            ".gitignore": "/target\n",
        },
    )
    return repo


def handler(
    repo,
    registry: str,
    *,
    tmp: Path,
    version: str = "0.4.0",  # type: ignore[no-untyped-def]
    events: list[object] | None = None,
    cred: str | None = "CRATES_TOKEN",
    env: dict[str, str] | None = None,
    **options: object,
) -> CargoCrateHandler:
    cfg = ArtifactConfig.model_validate(
        {
            "type": "cargo-crate",
            "name": "demo",
            "registry": registry,
            "credentialsEnv": cred,
            "options": {"registryName": "local-reg", **options},
        }
    )
    h = load_handler(
        cfg,
        artifact_context(
            repo.path,
            version,
            tmp / "out",
            events=events,
            commit=repo.git("rev-parse", "HEAD"),
            timeout=180,
            env=env,
        ),
    )
    assert isinstance(h, CargoCrateHandler)
    return h


def one_line(exc: pytest.ExceptionInfo[ShiplineError]) -> str:
    assert "\n" not in str(exc.value)
    return str(exc.value)


def test_full_cycle_publish_verify_yank(
    crate, cargo_registry: CargoRegistry, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("CRATES_TOKEN", cargo_registry.token)
    events: list[object] = []
    h = handler(crate, cargo_registry.index, tmp=tmp_path, events=events)
    h.validate()
    report = h.dry_run()
    assert "src/lib.rs" in report.details
    assert cargo_registry.entries("demo-crate") == [], "the dry run published"
    files = h.build()
    assert [f.path.name for f in files] == ["demo-crate-0.4.0.crate"]
    assert crate.git("status", "--porcelain") == "", "the build dirtied the worktree"
    result = h.publish(files)
    assert result.registry_digest == f"sha256:{files[0].sha256}"
    assert h.is_published()
    assert h.verify_published(files[0], result) == files[0].sha256
    assert cargo_registry.token not in repr(events) + repr(result.to_dict())
    assert h.publish(files).registry_digest == result.registry_digest  # resume: no re-upload
    consumer = tmp_path / "consumer"
    (consumer / "src").mkdir(parents=True)
    (consumer / "Cargo.toml").write_text(
        '[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\n'
        '[dependencies]\ndemo-crate = { version = "=0.4.0", registry = "local-reg" }\n'
    )
    (consumer / "src/main.rs").write_text('fn main() { println!("{}", demo_crate::answer()); }\n')
    env = {**os.environ, "CARGO_REGISTRIES_LOCAL_REG_INDEX": cargo_registry.index}
    ran = subprocess.run(
        ["cargo", "run", "-q"], cwd=consumer, capture_output=True, text=True, env=env, timeout=180
    )
    assert ran.returncode == 0 and ran.stdout.strip() == "42", ran.stderr
    assert "yanked demo-crate@0.4.0" in h.rollback(result)
    assert cargo_registry.entries("demo-crate")[0]["yanked"] is True


def test_two_builds_are_byte_identical(crate, cargo_registry: CargoRegistry, tmp_path: Path):
    first = handler(crate, cargo_registry.index, tmp=tmp_path / "a", verify=False).build()
    second = handler(crate, cargo_registry.index, tmp=tmp_path / "b", verify=False).build()
    assert first[0].sha256 == second[0].sha256


def test_prevalidation_failures_are_86(
    crate, cargo_registry: CargoRegistry, dead_url: str, tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("CRATES_TOKEN", raising=False)
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(crate, cargo_registry.index, tmp=tmp_path).validate()
    assert "CRATES_TOKEN is not set" in one_line(exc)
    monkeypatch.setenv("CRATES_TOKEN", cargo_registry.token)
    with pytest.raises(ArtifactValidationFailed) as exc2:
        handler(crate, cargo_registry.index, tmp=tmp_path, version="0.5.0").validate()
    assert "version is '0.4.0', the release is 0.5.0" in one_line(exc2)
    with pytest.raises(ArtifactValidationFailed) as exc3:
        handler(crate, f"sparse+{dead_url}/index/", tmp=tmp_path).validate()
    assert "is unreachable" in one_line(exc3)
    with pytest.raises(ArtifactValidationFailed) as exc4:
        handler(crate, cargo_registry.index, tmp=tmp_path, cred=None).validate()
    assert "credentialsEnv is not set" in one_line(exc4)
    no_cargo = {**os.environ, "PATH": str(tmp_path / "empty-bin")}
    with pytest.raises(ArtifactValidationFailed) as exc5:
        handler(crate, cargo_registry.index, tmp=tmp_path, env=no_cargo).validate()
    assert "required tool 'cargo' is not installed" in one_line(exc5)


def test_version_already_published(
    crate, cargo_registry: CargoRegistry, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("CRATES_TOKEN", cargo_registry.token)
    h = handler(crate, cargo_registry.index, tmp=tmp_path / "a", verify=False)
    h.publish(h.build())
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(crate, cargo_registry.index, tmp=tmp_path / "b").validate()
    assert "demo-crate 0.4.0 is already published" in one_line(exc)
    crate.commit("fix: change", {"src/lib.rs": "pub fn answer() -> u32 { 43 }\n"})
    other = handler(crate, cargo_registry.index, tmp=tmp_path / "c", verify=False)
    with pytest.raises(ArtifactPublishFailed) as exc2:
        other.publish(other.build())
    assert "with a different checksum" in one_line(exc2)


def test_wrong_token_and_5xx_are_88(
    crate, cargo_registry: CargoRegistry, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("CRATES_TOKEN", "not-the-token")
    h = handler(crate, cargo_registry.index, tmp=tmp_path, verify=False)
    h.validate()
    files = h.build()
    with pytest.raises(ArtifactPublishFailed) as exc:
        h.publish(files)
    assert exc.value.code == 88 and "403" in one_line(exc)
    assert "not-the-token" not in str(exc.value)
    monkeypatch.setenv("CRATES_TOKEN", cargo_registry.token)
    h = handler(crate, cargo_registry.index, tmp=tmp_path, verify=False)
    cargo_registry.fail_status = 503
    with pytest.raises(ArtifactPublishFailed) as exc2:
        h.publish(files)
    assert "503" in one_line(exc2)
    cargo_registry.fail_status = None
    assert cargo_registry.entries("demo-crate") == []


def test_hang_past_timeout(
    crate, cargo_registry: CargoRegistry, fault_proxy, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("CRATES_TOKEN", cargo_registry.token)
    proxy = fault_proxy(cargo_registry.url)
    proxy.fail(None, hang=True)
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(crate, f"sparse+{proxy.url}/index/", tmp=tmp_path, timeoutSeconds=1).validate()
    assert "did not answer within 1 s" in one_line(exc)
    h = handler(crate, f"sparse+{proxy.url}/index/", tmp=tmp_path, timeoutSeconds=3, verify=False)
    proxy.heal()
    files = h.build()
    proxy.fail(None, hang=True, methods={"GET"}, after=1)  # index lookup passes, cargo hangs
    with pytest.raises(ArtifactPublishFailed) as exc2:
        h.publish(files)
    assert "cargo did not finish within 3 s" in one_line(exc2)


def test_yank_failure_is_89_and_build_failure_is_87(
    crate, cargo_registry: CargoRegistry, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("CRATES_TOKEN", cargo_registry.token)
    h = handler(crate, cargo_registry.index, tmp=tmp_path / "a", verify=False)
    files = h.build()
    result = h.publish(files)
    cargo_registry.fail_status = 500
    with pytest.raises(ShiplineError) as exc:
        rollback_published([(h, result)], ArtifactPublishFailed("tarball 'src': disk full"))
    assert exc.value.code == 89 and "still published: cargo-crate 'demo'" in one_line(exc)
    cargo_registry.fail_status = None
    (cargo_registry.crate_file("demo-crate", "0.4.0")).write_bytes(b"swapped")
    with pytest.raises(DigestMismatch):
        h.verify_published(files[0], result)
    crate.commit("fix: break", {"src/lib.rs": "pub fn answer() -> u32 { not rust }\n"})
    with pytest.raises(ArtifactBuildFailed) as exc2:
        handler(crate, cargo_registry.index, tmp=tmp_path / "b").build()
    assert exc2.value.code == 87 and "cargo package failed" in one_line(exc2)


def test_multi_artifact_failure_rolls_back_newest_first(
    crate, cargo_registry: CargoRegistry, pypiserver, fault_proxy, tmp_path: Path, monkeypatch
):
    """ARTP-009 across three real registries: tarball and crate publish, the
    Python upload then fails (5xx): the crate is yanked, the tarball deleted
    (88). With the Python package published first it cannot be deleted (89)."""
    monkeypatch.setenv("CRATES_TOKEN", cargo_registry.token)
    crate.commit(
        "feat: python too",
        {
            "pyproject.toml": '[build-system]\nrequires = ["flit_core>=3.9,<4"]\n'
            'build-backend = "flit_core.buildapi"\n[project]\nname = "demo-pkg"\n'
            'version = "0.4.0"\ndescription = "d"\n',
            "src/demo_pkg/__init__.py": '"""Demo."""\n',
        },
    )
    store = tmp_path / "store"
    store.mkdir()
    proxy = fault_proxy(pypiserver.url)
    ctx = artifact_context(
        crate.path, "0.4.0", tmp_path / "out", commit=crate.git("rev-parse", "HEAD"), timeout=60
    )
    configs = [
        {"type": "tarball", "name": "src", "registry": str(store)},
        {
            "type": "cargo-crate",
            "name": "demo",
            "registry": cargo_registry.index,
            "credentialsEnv": "CRATES_TOKEN",
            "options": {"registryName": "local", "verify": False},
        },
        {
            "type": "python-package",
            "name": "py",
            "registry": proxy.url,
            "options": {"isolation": False},
        },
    ]
    handlers = [load_handler(ArtifactConfig.model_validate(c), ctx) for c in configs]
    for h in handlers:
        h.validate()
    built = [h.build() for h in handlers]
    proxy.fail(503, methods={"POST"})
    published = []
    with pytest.raises(ArtifactPublishFailed) as exc:
        for h, files in zip(handlers, built, strict=True):
            try:
                published.append((h, h.publish(files)))
            except ShiplineError as failure:
                rollback_published(published, failure)
    text = one_line(exc)
    assert exc.value.code == 88 and text.startswith("python-package 'py': twine upload")
    assert "rolled back: cargo-crate 'demo': yanked demo-crate@0.4.0" in text
    assert "tarball 'src': deleted" in text
    assert not (store / "src/0.4.0/src-0.4.0.tar.gz").exists()
    assert cargo_registry.entries("demo-crate")[0]["yanked"] is True
    proxy.heal()
    py = handlers[2]
    first = py.publish(built[2])
    with pytest.raises(ShiplineError) as exc2:
        rollback_published([(py, first)], ArtifactPublishFailed("tarball 'src': disk full"))
    assert exc2.value.code == 89
    assert "still published: python-package 'py' at " + first.reference in one_line(exc2)

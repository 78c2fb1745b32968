"""npm-package handler against a real verdaccio 6.8 on 127.0.0.1: publish,
install back, digests, refusals with their exit codes, rollback."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from registries_npm_oci import Verdaccio, unique_name

from shipline.domain.artifacts import ArtifactContext, load_handler, rollback_published
from shipline.domain.artifacts.npm_package import NpmPackageHandler
from shipline.domain.config import ArtifactConfig
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    DigestMismatch,
    RollbackFailed,
    ShiplineError,
)

EPOCH = 1_767_225_600
TOKEN_VAR = "SHIPLINE_TEST_NPM_TOKEN"


class Project:
    def __init__(self, root: Path, name: str, version: str):
        self.root = root
        self.name = name
        self.version = version
        self.events: list[Any] = []

    def write(self, **extra: Any) -> None:
        manifest = {
            "name": self.name,
            "version": self.version,
            "license": "MIT",
            "main": "index.js",
            **extra,
        }
        (self.root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")

    def handler(
        self,
        registry: str,
        env: dict[str, str] | None = None,
        version: str | None = None,
        **options: Any,
    ) -> NpmPackageHandler:
        cfg = ArtifactConfig(
            type="npm-package",
            name="web",
            registry=registry,
            credentialsEnv=TOKEN_VAR,
            options=options,
        )
        ctx = ArtifactContext(
            repo_root=self.root,
            version=version or self.version,
            release_commit="",
            source_date_epoch=EPOCH,
            out_dir=self.root / "out",
            env={**os.environ, **(env or {})},
            emit=self.events.append,
        )
        handler = load_handler(cfg, ctx)
        assert isinstance(handler, NpmPackageHandler)
        return handler

    def logs(self) -> str:
        return "\n".join(getattr(e, "text", "") for e in self.events)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "index.js").write_text("module.exports = () => 'shipline';\n")
    (root / "README.md").write_text("# demo\n")
    proj = Project(root, unique_name("shipline-demo"), "1.4.0")
    proj.write()
    return proj


def sri512(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def test_publish_then_install_back_with_equal_digests(
    project: Project, verdaccio: Verdaccio, npm_token: str, tmp_path: Path
) -> None:
    h = project.handler(verdaccio.url, {TOKEN_VAR: npm_token})
    h.validate()
    report = h.dry_run()
    assert any(d.startswith("index.js") for d in report.details)
    assert verdaccio.packument(project.name) is None  # the dry run published nothing
    [built] = h.build()
    assert built.kind == "npm-tarball"
    assert built.sha256 == hashlib.sha256(built.path.read_bytes()).hexdigest()
    assert not h.is_published()

    result = h.publish([built])
    assert h.is_published()
    assert result.reference == f"{verdaccio.url}{project.name}/1.4.0"
    assert result.registry_digest == sri512(built.path)  # npm reports sha512 integrity
    assert result.digests == {built.path.name: sri512(built.path)}
    assert h.verify_published(built, result) == built.sha256
    packument = verdaccio.packument(project.name)
    assert packument is not None
    assert packument["dist-tags"] == {"latest": "1.4.0"}  # type: ignore[comparison-overlap]

    consumer = tmp_path / "consumer"
    consumer.mkdir()
    (consumer / "package.json").write_text('{"name": "consumer", "version": "0.0.0"}\n')
    done = subprocess.run(
        [
            "npm",
            "install",
            "--registry",
            verdaccio.url,
            "--no-audit",
            "--no-fund",
            f"{project.name}@1.4.0",
        ],
        cwd=consumer,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "NPM_CONFIG_USERCONFIG": str(consumer / ".npmrc"),
            "NPM_CONFIG_CACHE": str(tmp_path / "npm-cache"),
        },
    )
    assert done.returncode == 0, done.stderr
    installed = consumer / "node_modules" / project.name
    assert (installed / "index.js").read_text() == (project.root / "index.js").read_text()
    lock = json.loads((consumer / "package-lock.json").read_text())
    entry = lock["packages"][f"node_modules/{project.name}"]
    assert entry["integrity"] == result.registry_digest
    # The very bytes npm installed from are the built file's.
    fetched = h.fetch_published(built, result)
    assert hashlib.sha256(fetched).hexdigest() == built.sha256
    assert npm_token not in project.logs()


def test_build_is_reproducible(
    project: Project, verdaccio: Verdaccio, npm_token: str, tmp_path: Path
) -> None:
    first = project.handler(verdaccio.url, {TOKEN_VAR: npm_token}).build()[0]
    digest = first.sha256
    shutil.rmtree(project.root / "out")
    os.utime(project.root / "index.js", (EPOCH + 999, EPOCH + 999))
    again = project.handler(verdaccio.url, {TOKEN_VAR: npm_token}).build()[0]
    assert again.sha256 == digest


def test_already_published_is_86_before_anything(
    project: Project, verdaccio: Verdaccio, npm_token: str
) -> None:
    h = project.handler(verdaccio.url, {TOKEN_VAR: npm_token})
    h.validate()
    files = h.build()
    h.publish(files)
    with pytest.raises(ArtifactValidationFailed) as err:
        project.handler(verdaccio.url, {TOKEN_VAR: npm_token}).validate()
    assert err.value.code == 86
    assert f"{project.name}@1.4.0 is already published" in err.value.message
    # Resume after a crash: publishing the same bytes again publishes nothing.
    before = verdaccio.packument(project.name)
    first = sri512(files[0].path)
    again = h.publish(files)
    assert again.registry_digest == first
    assert verdaccio.packument(project.name) == before
    assert "already published with the same integrity: not publishing again" in project.logs()
    # Other bytes under the same version: 88, and the registry is unchanged.
    (project.root / "index.js").write_text("module.exports = 'changed';\n")
    other = project.handler(verdaccio.url, {TOKEN_VAR: npm_token}).build()
    with pytest.raises(ArtifactPublishFailed) as clash:
        h.publish(other)
    assert clash.value.code == 88
    assert (
        f"{project.name}@1.4.0 is already published with integrity "
        f"{first}, the built tarball is {sri512(other[0].path)}" in clash.value.message
    )
    assert verdaccio.packument(project.name) == before


def test_registry_refusal_is_88(project: Project, verdaccio: Verdaccio, npm_token: str) -> None:
    """The registry's own refusal (here: a name another user owns)."""
    owner = project.handler(verdaccio.url, {TOKEN_VAR: npm_token})
    owner.publish(owner.build())
    project.version = "1.4.1"
    project.write()
    shutil.rmtree(project.root / "out")
    other = project.handler(verdaccio.url, {TOKEN_VAR: "not-a-valid-token-" + "q" * 16})
    with pytest.raises(ArtifactPublishFailed) as err:
        other.publish(other.build())
    assert err.value.code == 88
    assert "npm publish to" in err.value.message
    packument = verdaccio.packument(project.name)
    assert packument is not None and "1.4.1" not in packument["versions"]  # type: ignore[operator]


def test_wrong_token_is_88_with_clear_message(project: Project, verdaccio: Verdaccio) -> None:
    bad = "bogus-token-" + "x" * 24
    h = project.handler(verdaccio.url, {TOKEN_VAR: bad})
    h.validate()  # the token is only checked by the registry at publish
    files = h.build()
    with pytest.raises(ArtifactPublishFailed) as err:
        h.publish(files)
    assert err.value.code == 88
    assert "E401" in err.value.message and "authentication token" in err.value.message
    assert "rejected the credentials" in (err.value.hint or "")
    assert "\n" not in str(err.value)
    assert bad not in str(err.value) and bad not in project.logs()
    assert verdaccio.packument(project.name) is None


def test_registry_down_is_86(project: Project, dead_url: str, npm_token: str) -> None:
    with pytest.raises(ArtifactValidationFailed) as err:
        project.handler(dead_url, {TOKEN_VAR: npm_token}).validate()
    assert err.value.code == 86
    assert f"registry {dead_url}/{project.name} is unreachable" in err.value.message
    assert not (project.root / "out").exists()


def test_registry_5xx_is_86(project: Project, failing_url: str, npm_token: str) -> None:
    with pytest.raises(ArtifactValidationFailed) as err:
        project.handler(failing_url, {TOKEN_VAR: npm_token}).validate()
    assert err.value.code == 86
    assert "answered HTTP 503" in err.value.message


def test_hanging_registry_times_out_as_86(
    project: Project, hanging_url: str, npm_token: str
) -> None:
    h = project.handler(hanging_url, {TOKEN_VAR: npm_token}, timeoutSeconds=1)
    with pytest.raises(ArtifactValidationFailed) as err:
        h.validate()
    assert err.value.code == 86
    assert "did not answer within 1 s" in err.value.message


def test_registry_hanging_at_publish_is_88(
    project: Project, verdaccio: Verdaccio, npm_token: str, hanging_url: str
) -> None:
    files = project.handler(verdaccio.url, {TOKEN_VAR: npm_token}).build()
    h = project.handler(hanging_url, {TOKEN_VAR: npm_token}, timeoutSeconds=2)
    with pytest.raises(ArtifactPublishFailed) as err:
        h.publish(files)
    assert err.value.code == 88
    assert "did not answer within 2 s" in err.value.message


def test_credential_variable_unset_is_86(
    project: Project, verdaccio: Verdaccio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_VAR, raising=False)
    with pytest.raises(ArtifactValidationFailed) as err:
        project.handler(verdaccio.url).validate()
    assert err.value.code == 86
    assert f"credential environment variable {TOKEN_VAR} is not set" in err.value.message


def test_manifest_version_differs_is_86(
    project: Project, verdaccio: Verdaccio, npm_token: str
) -> None:
    with pytest.raises(ArtifactValidationFailed) as err:
        project.handler(verdaccio.url, {TOKEN_VAR: npm_token}, version="1.5.0").validate()
    assert err.value.code == 86
    assert "has version '1.4.0', the release is 1.5.0" in err.value.message


def test_private_package_is_86(project: Project, verdaccio: Verdaccio, npm_token: str) -> None:
    project.write(private=True)
    with pytest.raises(ArtifactValidationFailed) as err:
        project.handler(verdaccio.url, {TOKEN_VAR: npm_token}).validate()
    assert err.value.code == 86
    assert 'package.json says "private": true' in err.value.message


def test_npm_missing_is_86(
    project: Project, verdaccio: Verdaccio, npm_token: str, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    with pytest.raises(ArtifactValidationFailed) as err:
        project.handler(verdaccio.url, {TOKEN_VAR: npm_token, "PATH": str(empty)}).validate()
    assert err.value.code == 86
    assert "required tool 'npm' is not installed" in err.value.message


def test_failing_pack_script_is_87_and_writes_no_tarball(
    project: Project, verdaccio: Verdaccio, npm_token: str
) -> None:
    project.write(scripts={"prepack": 'node -e "process.exit(3)"'})
    with pytest.raises(ArtifactBuildFailed) as err:
        project.handler(verdaccio.url, {TOKEN_VAR: npm_token}).build()
    assert err.value.code == 87
    assert "npm pack failed" in err.value.message
    assert list((project.root / "out").rglob("*.tgz")) == []


def test_rollback_removes_the_version(
    project: Project, verdaccio: Verdaccio, npm_token: str
) -> None:
    h = project.handler(verdaccio.url, {TOKEN_VAR: npm_token})
    files = h.build()
    result = h.publish(files)
    assert h.is_published()
    said = h.rollback(result)
    assert said == f"{project.name}@1.4.0 unpublished from {verdaccio.url}"
    assert not h.is_published()
    assert verdaccio.packument(project.name) is None
    with pytest.raises(DigestMismatch):  # the tarball is gone from the registry too
        h.fetch_published(files[0], result)


def test_rollback_refused_is_89_and_pipeline_helper_names_it(
    project: Project, verdaccio: Verdaccio, npm_token: str
) -> None:
    h = project.handler(verdaccio.url, {TOKEN_VAR: npm_token})
    result = h.publish(h.build())
    # A token the registry does not know cannot unpublish.
    intruder = project.handler(verdaccio.url, {TOKEN_VAR: "revoked-token-" + "r" * 20})
    with pytest.raises(RollbackFailed) as direct:
        intruder.rollback(result)
    assert direct.value.code == 89
    assert "npm unpublish" in direct.value.message and "E401" in direct.value.message
    with pytest.raises(RollbackFailed) as err:
        rollback_published([(intruder, result)], ShiplineError("oci-image 'x': push failed"))
    assert err.value.code == 89
    assert f"still published: npm-package 'web' at {result.reference}" in err.value.message
    assert h.is_published()


def test_prerelease_goes_to_the_next_dist_tag(
    project: Project, verdaccio: Verdaccio, npm_token: str
) -> None:
    project.version = "2.0.0-rc.1"
    project.write()
    h = project.handler(verdaccio.url, {TOKEN_VAR: npm_token})
    h.validate()
    h.publish(h.build())
    packument = verdaccio.packument(project.name)
    assert packument is not None
    # npm refuses a prerelease without --tag; the registry also points
    # "latest" at a package's very first version, whatever its tag.
    assert packument["dist-tags"]["next"] == "2.0.0-rc.1"  # type: ignore[index]
    assert h.publish_flags()[-2:] == ["--tag", "next"]


def test_verify_catches_a_different_built_file(
    project: Project, verdaccio: Verdaccio, npm_token: str
) -> None:
    h = project.handler(verdaccio.url, {TOKEN_VAR: npm_token})
    [built] = h.build()
    result = h.publish([built])
    # The release's own file differs from what the registry serves (a
    # rebuild with other content under the same name and version).
    (project.root / "index.js").write_text("module.exports = 'other';\n")
    shutil.rmtree(project.root / "out")
    [rebuilt] = project.handler(verdaccio.url, {TOKEN_VAR: npm_token}).build()
    with pytest.raises(DigestMismatch) as err:
        h.verify_published(rebuilt, result)
    assert err.value.code == 93
    assert f"has sha256 {built.sha256}, the built file has {rebuilt.sha256}" in err.value.message


def test_token_only_in_a_private_0600_npmrc(project: Project, verdaccio: Verdaccio) -> None:
    secret = "npm-secret-" + "s" * 20
    h = project.handler(verdaccio.url, {TOKEN_VAR: secret})
    with h.npm_env() as env:
        npmrc = Path(env["NPM_CONFIG_USERCONFIG"])
        assert npmrc.stat().st_mode & 0o777 == 0o600
        assert npmrc.parent.stat().st_mode & 0o777 == 0o700
        assert npmrc.parent.parent == Path(tempfile.gettempdir())
        assert f":_authToken={secret}" in npmrc.read_text()
        assert secret not in json.dumps({k: v for k, v in env.items() if k != TOKEN_VAR})
    assert not npmrc.parent.exists()
    report = h.dry_run()
    assert secret not in json.dumps(report.to_dict())

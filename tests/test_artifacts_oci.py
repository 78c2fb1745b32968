"""oci-image handler against a real distribution registry (Debian's
docker-registry) on 127.0.0.1, built with umoci and pushed with skopeo:
publish, pull back, digests, refusals with their exit codes, rollback."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from registries_npm_oci import OciRegistry, unique_name

from shipline.domain.artifacts import ArtifactContext, load_handler
from shipline.domain.artifacts.oci_image import OciImageHandler
from shipline.domain.artifacts.oci_layout import blob_path, check_layout
from shipline.domain.artifacts.oci_registry import skopeo_reason
from shipline.domain.config import ArtifactConfig
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    DigestMismatch,
    RollbackFailed,
)

CREDS_VAR = "SHIPLINE_TEST_OCI_CREDENTIALS"
MANIFEST_ACCEPT = "application/vnd.oci.image.manifest.v1+json"


class Image:
    def __init__(self, repo: Repo, name: str):
        self.repo = repo
        self.name = name
        self.events: list[Any] = []

    def handler(
        self,
        registry: str,
        *,
        version: str = "2.1.0",
        env: dict[str, str] | None = None,
        epoch: int | None = None,
        out: str = "out",
        creds: bool = False,
        **options: Any,
    ) -> OciImageHandler:
        cfg = ArtifactConfig(
            type="oci-image",
            name=self.name,
            registry=registry,
            credentialsEnv=CREDS_VAR if creds else None,
            options={"cmd": ["/app/bin/hello"], **options},
        )
        ctx = ArtifactContext(
            repo_root=self.repo.path,
            version=version,
            release_commit=self.repo.git("rev-parse", "HEAD"),
            source_date_epoch=epoch if epoch is not None else self.repo.clock,
            out_dir=self.repo.path.parent / out,
            env={**os.environ, **(env or {})},
            emit=self.events.append,
        )
        handler = load_handler(cfg, ctx)
        assert isinstance(handler, OciImageHandler)
        return handler

    def logs(self) -> str:
        return "\n".join(getattr(e, "text", "") for e in self.events)


@pytest.fixture
def image(repo: Repo) -> Image:
    repo.commit(
        "feat: hello service",
        {
            "bin/hello": "#!/bin/sh\necho hello\n",
            "README.md": "# hello\n",
        },
    )
    (repo.path / "untracked.txt").write_text("not committed: never in the image\n")
    return Image(repo, unique_name("hello"))


def pulled_digest(
    registry: OciRegistry, ref: str, dest: Path, tag: str, creds: str | None = None
) -> tuple[str, Path]:
    """``skopeo copy`` the image back into a fresh layout; its manifest digest."""
    argv = ["skopeo", "copy", "--quiet", "--src-tls-verify=false", "--preserve-digests"]
    argv += ["--src-creds", creds] if creds else ["--src-no-creds"]
    done = subprocess.run(
        [*argv, f"docker://{ref}", f"oci:{dest}:{tag}"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    index = json.loads((dest / "index.json").read_text())
    return index["manifests"][0]["digest"], dest


def layer_names(layout: Path, digest: str) -> list[str]:
    manifest = json.loads(blob_path(layout, digest).read_bytes())
    with tarfile.open(blob_path(layout, manifest["layers"][0]["digest"])) as tar:
        return sorted(tar.getnames())


def test_publish_then_pull_back_with_equal_digests(
    image: Image, oci_registry: OciRegistry, tmp_path: Path
) -> None:
    h = image.handler(oci_registry.url)
    h.validate()
    report = h.dry_run()
    assert f"would push {oci_registry.host}/{image.name}:2.1.0" in report.details
    assert oci_registry.request("HEAD", f"/v2/{image.name}/manifests/2.1.0")[0] == 404
    [built] = h.build()
    assert built.kind == "oci-manifest"
    assert built.path.name == f"{image.name}-2.1.0.oci-manifest.json"
    layout = h.layout
    info = check_layout(layout, "2.1.0", AssertionError)
    assert blob_path(layout, info.digest).read_bytes() == built.path.read_bytes()
    assert info.digest == f"sha256:{built.sha256}"
    assert "app/bin/hello" in layer_names(layout, info.digest)
    assert not any("untracked" in n for n in layer_names(layout, info.digest))
    assert not h.is_published()

    result = h.publish([built])
    assert h.is_published()
    assert result.registry_digest == info.digest
    assert result.reference == f"{oci_registry.host}/{image.name}:2.1.0@{info.digest}"
    status, headers, _ = oci_registry.request(
        "HEAD", f"/v2/{image.name}/manifests/2.1.0", accept=MANIFEST_ACCEPT
    )
    assert status == 200 and headers["Docker-Content-Digest"] == info.digest
    assert h.verify_published(built, result) == built.sha256

    digest, pulled = pulled_digest(
        oci_registry, f"{oci_registry.host}/{image.name}:2.1.0", tmp_path / "pulled", "2.1.0"
    )
    assert digest == info.digest
    assert check_layout(pulled, "2.1.0", AssertionError).digest == info.digest
    config = json.loads(
        blob_path(
            pulled, json.loads(blob_path(pulled, digest).read_bytes())["config"]["digest"]
        ).read_bytes()
    )
    assert config["config"]["Cmd"] == ["/app/bin/hello"]
    assert config["config"]["Labels"]["org.opencontainers.image.version"] == "2.1.0"
    assert config["config"]["Labels"]["org.opencontainers.image.revision"] == image.repo.git(
        "rev-parse", "HEAD"
    )


def test_build_is_reproducible_with_source_date_epoch(
    image: Image, oci_registry: OciRegistry
) -> None:
    first = image.handler(oci_registry.url, out="out1").build()[0]
    os.utime(image.repo.path / "bin" / "hello", (1, 1))  # worktree mtimes do not matter
    second = image.handler(oci_registry.url, out="out2").build()[0]
    assert second.sha256 == first.sha256
    other = image.handler(oci_registry.url, out="out3", epoch=image.repo.clock + 60).build()[0]
    assert other.sha256 != first.sha256


def test_already_published_is_86(image: Image, oci_registry: OciRegistry) -> None:
    h = image.handler(oci_registry.url)
    h.publish(h.build())
    with pytest.raises(ArtifactValidationFailed) as err:
        image.handler(oci_registry.url).validate()
    assert err.value.code == 86
    assert f"{oci_registry.host}/{image.name}:2.1.0 is already published" in err.value.message


def test_publish_again_pushes_nothing_and_a_different_image_is_88(
    image: Image, oci_registry: OciRegistry
) -> None:
    h = image.handler(oci_registry.url)
    files = h.build()
    first = h.publish(files)
    blobs = sorted((oci_registry.home / "data").rglob("data"))
    again = h.publish(files)  # resume after a crash between push and journal
    assert again.registry_digest == first.registry_digest
    assert "already holds" in image.logs() and "not pushing again" in image.logs()
    assert sorted((oci_registry.home / "data").rglob("data")) == blobs
    other = image.handler(oci_registry.url, out="other", epoch=image.repo.clock + 5).build()
    with pytest.raises(ArtifactPublishFailed) as err:
        image.handler(oci_registry.url, out="other").publish(other)
    assert err.value.code == 88
    assert (
        f":2.1.0 already holds {first.registry_digest}, the built image is sha256:{other[0].sha256}"
    ) in err.value.message


def test_registry_down_is_86(image: Image, dead_url: str) -> None:
    with pytest.raises(ArtifactValidationFailed) as err:
        image.handler(dead_url).validate()
    assert err.value.code == 86
    assert f"registry {dead_url}/v2/ is unreachable" in err.value.message


def test_registry_5xx_is_86(image: Image, failing_url: str) -> None:
    with pytest.raises(ArtifactValidationFailed) as err:
        image.handler(failing_url).validate()
    assert err.value.code == 86
    assert "answered HTTP 503" in err.value.message


def test_hanging_registry_times_out_as_86(image: Image, hanging_url: str) -> None:
    with pytest.raises(ArtifactValidationFailed) as err:
        image.handler(hanging_url, timeoutSeconds=1).validate()
    assert err.value.code == 86
    assert "did not answer within 1 s" in err.value.message


def test_registry_down_at_publish_is_88(
    image: Image, oci_registry: OciRegistry, dead_url: str
) -> None:
    files = image.handler(oci_registry.url).build()
    with pytest.raises(ArtifactPublishFailed) as err:
        image.handler(dead_url).publish(files)
    assert err.value.code == 88
    assert err.value.message == (
        f"oci-image '{image.name}': manifest lookup: registry {dead_url}/v2/{image.name}/"
        "manifests/2.1.0 is unreachable ([Errno 111] Connection refused)"
    )


def test_registry_hanging_at_publish_is_88(
    image: Image, oci_registry: OciRegistry, hanging_url: str
) -> None:
    files = image.handler(oci_registry.url).build()
    with pytest.raises(ArtifactPublishFailed) as err:
        image.handler(hanging_url, timeoutSeconds=2).publish(files)
    assert err.value.code == 88
    assert "did not answer within 2 s" in err.value.message


def test_rollback_deletes_the_manifest(image: Image, oci_registry: OciRegistry) -> None:
    h = image.handler(oci_registry.url)
    [built] = h.build()
    result = h.publish([built])
    said = h.rollback(result)
    assert said == f"{oci_registry.host}/{image.name}@{result.registry_digest} deleted"
    assert not h.is_published()
    assert (
        oci_registry.request(
            "GET", f"/v2/{image.name}/manifests/{result.registry_digest}", accept=MANIFEST_ACCEPT
        )[0]
        == 404
    )
    with pytest.raises(DigestMismatch):
        h.verify_published(built, result)


def test_rollback_without_registry_deletes_is_89(
    image: Image, oci_registry_nodelete: OciRegistry
) -> None:
    h = image.handler(oci_registry_nodelete.url)
    result = h.publish(h.build())
    with pytest.raises(RollbackFailed) as err:
        h.rollback(result)
    assert err.value.code == 89
    assert "HTTP 405: deletes are disabled" in err.value.message
    assert h.is_published()


def test_verify_catches_a_different_build(image: Image, oci_registry: OciRegistry) -> None:
    h = image.handler(oci_registry.url)
    [built] = h.build()
    result = h.publish([built])
    [other] = image.handler(oci_registry.url, out="other", epoch=image.repo.clock + 1).build()
    with pytest.raises(DigestMismatch) as err:
        h.verify_published(other, result)
    assert err.value.code == 93
    assert f"the built file has {other.sha256}" in err.value.message


def test_corrupt_layout_is_refused_before_the_push(image: Image, oci_registry: OciRegistry) -> None:
    h = image.handler(oci_registry.url)
    [built] = h.build()
    layout = h.layout
    manifest = json.loads(built.path.read_bytes())
    layer = blob_path(layout, manifest["layers"][0]["digest"])
    layer.write_bytes(layer.read_bytes() + b"\0")
    with pytest.raises(ArtifactPublishFailed) as err:
        h.publish([built])
    assert err.value.code == 88
    assert f"layer 0 blob {manifest['layers'][0]['digest']} has sha256" in err.value.message
    assert not h.is_published()


def test_layout_changed_since_the_build_is_refused(image: Image, oci_registry: OciRegistry) -> None:
    h = image.handler(oci_registry.url)
    [built] = h.build()
    image.handler(oci_registry.url, epoch=image.repo.clock + 9).build()  # same out dir
    with pytest.raises(ArtifactPublishFailed) as err:
        h.publish([built])
    assert err.value.code == 88
    assert f"the built {built.path.name} is sha256:{built.sha256}" in err.value.message
    assert not h.is_published()


def test_build_metadata_becomes_a_valid_tag(image: Image, oci_registry: OciRegistry) -> None:
    h = image.handler(oci_registry.url, version="2.1.0-rc.1+build.7")
    h.validate()
    result = h.publish(h.build())
    assert result.reference.startswith(f"{oci_registry.host}/{image.name}:2.1.0-rc.1_build.7@")


def test_bad_repository_name_is_86(image: Image, oci_registry: OciRegistry) -> None:
    with pytest.raises(ArtifactValidationFailed) as err:
        image.handler(oci_registry.url, repository="Team/Hello").validate()
    assert err.value.code == 86
    assert "'Team/Hello' is not a valid OCI name" in err.value.message


def test_missing_tools_are_86(image: Image, oci_registry: OciRegistry, tmp_path: Path) -> None:
    only_git = tmp_path / "bin"
    only_git.mkdir()
    (only_git / "git").symlink_to("/usr/bin/git")
    with pytest.raises(ArtifactValidationFailed) as err:
        image.handler(oci_registry.url, env={"PATH": str(only_git)}).validate()
    assert err.value.code == 86
    assert "required tool 'skopeo' is not installed" in err.value.message
    (only_git / "skopeo").symlink_to("/usr/bin/skopeo")
    with pytest.raises(ArtifactValidationFailed) as err:
        image.handler(oci_registry.url, env={"PATH": str(only_git)}).validate()
    assert "required tool 'umoci' is not installed" in err.value.message


def test_docker_builder_without_a_daemon_is_86(image: Image, oci_registry: OciRegistry) -> None:
    image.repo.commit("build: Dockerfile", {"Dockerfile": "FROM scratch\nCOPY bin/ /app/bin/\n"})
    with pytest.raises(ArtifactValidationFailed) as err:
        image.handler(oci_registry.url, builder="docker").validate()
    assert err.value.code == 86
    # no docker daemon runs on these machines (a client may be installed)
    assert (
        "the docker daemon does not answer" in err.value.message
        or "required tool 'docker' is not installed" in err.value.message
    )


def test_path_not_committed_is_87(image: Image, oci_registry: OciRegistry) -> None:
    h = image.handler(oci_registry.url)
    h.cfg = h.cfg.model_copy(update={"path": "no-such-dir"})
    with pytest.raises(ArtifactBuildFailed) as err:
        h.build()
    assert err.value.code == 87
    assert "git archive" in err.value.message
    assert not h.layout.exists()


def test_link_out_of_the_image_is_87(image: Image, oci_registry: OciRegistry) -> None:
    (image.repo.path / "etc-passwd").symlink_to("/etc/passwd")
    image.repo.git("add", "etc-passwd")
    image.repo.git("commit", "-qm", "chore: a link out of the tree")
    h = image.handler(oci_registry.url)
    with pytest.raises(ArtifactBuildFailed) as err:
        h.build()
    assert err.value.code == 87
    assert "the project files cannot go into the image" in err.value.message
    assert "etc-passwd" in err.value.message
    assert not h.layout.exists()


# -- a Dockerfile, built by buildah (no docker daemon here) ------------------


def test_dockerfile_is_built_by_buildah_reproducibly(
    image: Image, oci_registry: OciRegistry, tmp_path: Path
) -> None:
    image.repo.commit(
        "build: image from a Dockerfile",
        {"Dockerfile": 'FROM scratch\nCOPY bin/ /app/bin/\nCMD ["/app/bin/hello"]\n'},
    )
    h = image.handler(oci_registry.url)
    assert h.builder() == "buildah"
    h.validate()
    h.dry_run()
    [built] = h.build()
    os.utime(image.repo.path / "bin" / "hello", (5, 5))
    [again] = image.handler(oci_registry.url, out="again").build()
    assert again.sha256 == built.sha256
    result = h.publish([built])
    digest, pulled = pulled_digest(
        oci_registry, f"{oci_registry.host}/{image.name}:2.1.0", tmp_path / "pulled", "2.1.0"
    )
    assert digest == result.registry_digest == f"sha256:{built.sha256}"
    assert "app/bin/hello" in layer_names(pulled, digest)


def test_broken_dockerfile_is_87(image: Image, oci_registry: OciRegistry) -> None:
    image.repo.commit(
        "build: broken Dockerfile", {"Dockerfile": "FROM scratch\nCOPY no-such-file /app/\n"}
    )
    h = image.handler(oci_registry.url, builder="buildah")
    with pytest.raises(ArtifactBuildFailed) as err:
        h.build()
    assert err.value.code == 87
    assert err.value.message.startswith(f"oci-image '{image.name}': buildah build failed")
    assert "\n" not in err.value.message
    assert not h.layout.exists()


# -- a registry with basic auth (htpasswd) ----------------------------------


def test_publish_with_credentials_through_a_0600_auth_file(
    image: Image, oci_registry_auth: OciRegistry, tmp_path: Path
) -> None:
    assert oci_registry_auth.credentials is not None
    h = image.handler(
        oci_registry_auth.url, creds=True, env={CREDS_VAR: oci_registry_auth.credentials}
    )
    h.validate()
    with h.skopeo_auth() as flags:
        authfile = Path(flags[1])
        assert authfile.stat().st_mode & 0o777 == 0o600
        assert authfile.parent.parent == Path(tempfile.gettempdir())
    assert not authfile.exists()
    [built] = h.build()
    result = h.publish([built])
    assert h.verify_published(built, result) == built.sha256
    digest, _ = pulled_digest(
        oci_registry_auth,
        f"{oci_registry_auth.host}/{image.name}:2.1.0",
        tmp_path / "pulled",
        "2.1.0",
        creds=oci_registry_auth.credentials,
    )
    assert digest == result.registry_digest
    password = oci_registry_auth.credentials.split(":", 1)[1]
    assert password not in image.logs() and password not in json.dumps(result.to_dict())
    assert h.rollback(result).endswith("deleted")


def test_wrong_credentials_are_86_at_validate_and_88_at_publish(
    image: Image, oci_registry_auth: OciRegistry
) -> None:
    wrong = "releaser:not-the-password"
    h = image.handler(oci_registry_auth.url, creds=True, env={CREDS_VAR: wrong})
    with pytest.raises(ArtifactValidationFailed) as early:
        h.validate()
    assert early.value.code == 86
    assert "HTTP 401 unauthorized" in early.value.message
    assert "rejected the credentials" in (early.value.hint or "")
    files = h.build()
    with pytest.raises(ArtifactPublishFailed) as err:
        h.publish(files)
    assert err.value.code == 88
    assert "answered HTTP 401 unauthorized" in err.value.message
    assert "rejected the credentials" in (err.value.hint or "")
    assert "not-the-password" not in str(err.value) + image.logs()
    ok = image.handler(
        oci_registry_auth.url, creds=True, env={CREDS_VAR: oci_registry_auth.credentials or ""}
    )
    assert not ok.is_published()


# -- a registry behind a bearer-token service (ghcr.io / Docker Hub style) ---


def test_token_auth_registry_publish_verify_pull_and_rollback(
    image: Image, oci_registry_token: OciRegistry, tmp_path: Path
) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as denied:  # bearer tokens only
        urllib.request.urlopen(f"{oci_registry_token.url}/v2/", timeout=10)
    assert denied.value.code == 401
    assert denied.value.headers["WWW-Authenticate"].startswith(
        f'Bearer realm="{oci_registry_token.extra["realm"]}"'
    )
    creds = oci_registry_token.credentials or ""
    h = image.handler(oci_registry_token.url, creds=True, env={CREDS_VAR: creds})
    h.validate()
    [built] = h.build()
    result = h.publish([built])
    assert h.is_published()
    assert h.verify_published(built, result) == built.sha256
    digest, _ = pulled_digest(
        oci_registry_token,
        f"{oci_registry_token.host}/{image.name}:2.1.0",
        tmp_path / "pulled",
        "2.1.0",
        creds=creds,
    )
    assert digest == result.registry_digest
    assert h.rollback(result).endswith("deleted")
    assert not h.is_published()
    password = creds.split(":", 1)[1]
    assert password not in image.logs()


def test_token_auth_registry_wrong_password_is_86_then_88(
    image: Image, oci_registry_token: OciRegistry
) -> None:
    h = image.handler(
        oci_registry_token.url, creds=True, env={CREDS_VAR: "releaser:not-the-password"}
    )
    with pytest.raises(ArtifactValidationFailed) as early:
        h.validate()
    assert early.value.code == 86
    assert f"registry token: GET {oci_registry_token.extra['realm']}" in early.value.message
    assert "HTTP 401" in early.value.message
    assert "rejected the credentials" in (early.value.hint or "")
    files = h.build()
    with pytest.raises(ArtifactPublishFailed) as err:
        h.publish(files)
    assert err.value.code == 88
    assert "not-the-password" not in str(err.value) + str(early.value) + image.logs()


@pytest.mark.parametrize(
    "value, needle",
    [
        (None, f"credential environment variable {CREDS_VAR} is not set"),
        ("no-colon-token", f"{CREDS_VAR} must hold USER:PASSWORD"),
    ],
)
def test_credentials_missing_or_malformed_are_86(
    image: Image,
    oci_registry_auth: OciRegistry,
    monkeypatch: pytest.MonkeyPatch,
    value: str | None,
    needle: str,
) -> None:
    monkeypatch.delenv(CREDS_VAR, raising=False)
    env = {CREDS_VAR: value} if value is not None else {}
    with pytest.raises(ArtifactValidationFailed) as err:
        image.handler(oci_registry_auth.url, creds=True, env=env).validate()
    assert err.value.code == 86
    assert needle in err.value.message


def test_skopeo_failures_read_as_one_line(
    image: Image, oci_registry_auth: OciRegistry, dead_url: str
) -> None:
    """skopeo's own fatal messages (real runs) become a short reason and a hint."""
    builder = image.handler(oci_registry_auth.url)
    builder.build()
    layout = builder.layout
    base = ["skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"oci:{layout}:2.1.0"]
    denied = subprocess.run(
        [
            *base[:-1],
            "--dest-creds",
            "releaser:wrong",
            base[-1],
            f"docker://{oci_registry_auth.host}/{image.name}:2.1.0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert denied.returncode != 0
    assert skopeo_reason(denied.stderr) == (
        "the registry rejected the credentials (unauthorized: authentication required)",
        "check the USER:PASSWORD value of credentialsEnv",
    )
    down = subprocess.run(
        [*base, f"docker://{dead_url.split('//')[1]}/{image.name}:2.1.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert down.returncode != 0
    assert skopeo_reason(down.stderr)[0] == "registry unreachable (connection refused)"


# -- `shipline release ship` end to end: an OCI image and an npm package -----


def _ship_project(
    repo: Repo, remote: Path, npm_url: str, oci_url: str, image_name: str, package: str
) -> None:
    config = {
        "release": {
            "versionBump": ["package.json"],
            "artifacts": [
                {
                    "type": "oci-image",
                    "name": image_name,
                    "registry": oci_url,
                    "options": {"cmd": ["/app/index.js"]},
                },
                {
                    "type": "npm-package",
                    "name": package,
                    "registry": npm_url,
                    "credentialsEnv": "SHIP_NPM_TOKEN",
                },
            ],
            "security": {
                "provenance": {
                    "enabled": True,
                    "level": "SLSA_BUILD_LEVEL_1",
                    "signing": {"method": "none", "keyless": False},
                }
            },
        }
    }
    repo.commit(
        "chore: initial",
        {
            "package.json": json.dumps(
                {"name": package, "version": "1.2.0", "license": "MIT", "main": "index.js"},
                indent=2,
            )
            + "\n",
            "index.js": "module.exports = 1;\n",
            "CHANGELOG.md": "# Changelog\n\n## [1.2.0] - 2025-12-01\n\n### Features\n\n- first\n",
            ".shipline/config.json": json.dumps(config, indent=2),
        },
    )
    repo.tag("v1.2.0", "Release v1.2.0")
    repo.commit("feat: a second export", {"index.js": "module.exports = 2;\n"})
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "--tags")


def _remote_tags(remote: Path) -> str:
    return subprocess.run(
        ["git", "ls-remote", "--tags", str(remote)], capture_output=True, text=True, check=True
    ).stdout


def test_ship_publishes_image_and_package_and_the_ledger_binds_them(
    repo: Repo, tmp_path: Path, oci_registry: OciRegistry, verdaccio: Any, npm_token: str
) -> None:
    import hashlib
    import urllib.request

    from conftest import run_shipline

    name, package = unique_name("svc"), unique_name("svc-js")
    remote = tmp_path / "origin.git"
    _ship_project(repo, remote, verdaccio.url, oci_registry.url, name, package)
    result = run_shipline(
        "-C",
        repo.path,
        "--output",
        "json",
        "release",
        "ship",
        "--yes",
        env={"SHIP_NPM_TOKEN": npm_token},
        timeout=300,
    )
    assert result.code == 0, result.out[-3000:] + result.err
    assert "refs/tags/v1.3.0" in _remote_tags(remote)
    ledger = json.loads((repo.path / ".shipline" / "releases.json").read_text())
    record = [r for r in ledger["records"] if r.get("recordType") == "release"][-1]
    arts = {a["name"]: a for a in record["artifacts"]}
    manifest = arts[f"{name}-1.3.0.oci-manifest.json"]
    tarball = arts[f"{package}-1.3.0.tgz"]
    # the image pulls back with the ledger's digest
    digest, _ = pulled_digest(
        oci_registry, f"{oci_registry.host}/{name}:1.3.0", tmp_path / "pulled", "1.3.0"
    )
    assert digest == f"sha256:{manifest['sha256']}"
    # the package's tarball downloads back with the ledger's digest
    packument = verdaccio.packument(package)
    dist = packument["versions"]["1.3.0"]["dist"]
    with urllib.request.urlopen(dist["tarball"], timeout=10) as resp:
        assert hashlib.sha256(resp.read()).hexdigest() == tarball["sha256"]
    for where in (
        result.out,
        result.err,
        json.dumps(ledger),
        (repo.path / ".shipline" / "journal.json").read_text()
        if (repo.path / ".shipline" / "journal.json").exists()
        else "",
    ):
        assert npm_token not in where


def test_npm_refusal_rolls_back_the_image_then_resume_completes(
    repo: Repo, tmp_path: Path, oci_registry: OciRegistry, verdaccio: Any, npm_token: str
) -> None:
    from conftest import run_shipline

    name, package = unique_name("svc"), unique_name("svc-js")
    remote = tmp_path / "origin.git"
    _ship_project(repo, remote, verdaccio.url, oci_registry.url, name, package)
    wrong = "wrong-npm-token-" + "w" * 20
    result = run_shipline(
        "-C", repo.path, "release", "ship", "--yes", env={"SHIP_NPM_TOKEN": wrong}, timeout=300
    )
    assert result.code == 88, result.out + result.err
    assert "E401" in result.err and "rolled back" in result.err
    assert f"{oci_registry.host}/{name}@sha256:" in result.err
    assert wrong not in result.out + result.err
    assert (
        oci_registry.request("HEAD", f"/v2/{name}/manifests/1.3.0", accept=MANIFEST_ACCEPT)[0]
        == 404
    )
    assert verdaccio.packument(package) is None
    assert "v1.3.0" not in _remote_tags(remote)
    resumed = run_shipline(
        "-C", repo.path, "release", "resume", env={"SHIP_NPM_TOKEN": npm_token}, timeout=300
    )
    assert resumed.code == 0, resumed.out + resumed.err
    assert (
        oci_registry.request("HEAD", f"/v2/{name}/manifests/1.3.0", accept=MANIFEST_ACCEPT)[0]
        == 200
    )
    assert "1.3.0" in verdaccio.packument(package)["versions"]
    assert "refs/tags/v1.3.0" in _remote_tags(remote)


def test_image_that_cannot_be_deleted_is_89_and_named(
    repo: Repo, tmp_path: Path, oci_registry_nodelete: OciRegistry, verdaccio: Any
) -> None:
    from conftest import run_shipline

    name, package = unique_name("svc"), unique_name("svc-js")
    remote = tmp_path / "origin.git"
    _ship_project(repo, remote, verdaccio.url, oci_registry_nodelete.url, name, package)
    result = run_shipline(
        "-C",
        repo.path,
        "release",
        "ship",
        "--yes",
        env={"SHIP_NPM_TOKEN": "wrong-npm-token-" + "z" * 20},
        timeout=300,
    )
    assert result.code == 89, result.out + result.err
    assert (
        f"still published: oci-image '{name}' at {oci_registry_nodelete.host}/{name}:1.3.0@"
        in result.err
    )
    assert "deletes are disabled" in result.err
    assert "v1.3.0" not in _remote_tags(remote)
    ledger = json.loads((repo.path / ".shipline" / "releases.json").read_text())
    record = [r for r in ledger["records"] if r.get("recordType") == "release"][-1]
    assert record["metadata"]["completeness"] == "incomplete"


def test_sigkill_after_the_image_is_live_then_resume_publishes_each_once(
    repo: Repo, tmp_path: Path, oci_registry: OciRegistry, verdaccio: Any, npm_token: str
) -> None:
    import signal
    import sys

    from conftest import run_shipline

    name, package = unique_name("svc"), unique_name("svc-js")
    remote = tmp_path / "origin.git"
    _ship_project(repo, remote, verdaccio.url, oci_registry.url, name, package)
    env = {**os.environ, "SHIP_NPM_TOKEN": npm_token}
    exe = Path(sys.executable).parent / "shipline"
    proc = subprocess.Popen(
        [str(exe), "-C", str(repo.path), "--output", "json", "release", "ship", "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    killed = False
    for line in proc.stdout:
        event = json.loads(line)
        if (
            event["kind"] == "chain_link"
            and event["link"] == "registry"
            and event["status"] == "ok"
        ):
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            break
    proc.wait(30)
    assert killed
    digest = oci_registry.request("HEAD", f"/v2/{name}/manifests/1.3.0", accept=MANIFEST_ACCEPT)[1][
        "Docker-Content-Digest"
    ]
    assert verdaccio.packument(package) is None
    assert "v1.3.0" not in _remote_tags(remote)
    resumed = run_shipline(
        "-C",
        repo.path,
        "--output",
        "json",
        "release",
        "resume",
        env={"SHIP_NPM_TOKEN": npm_token},
        timeout=300,
    )
    assert resumed.code == 0, resumed.out[-3000:] + resumed.err
    published = [
        e
        for e in resumed.json_lines()
        if e.get("kind") == "chain_link"
        and e.get("link") == "registry"
        and e.get("status") == "running"
    ]
    assert [e["name"] for e in published] == [package]  # the image was not pushed again
    assert (
        oci_registry.request("HEAD", f"/v2/{name}/manifests/1.3.0", accept=MANIFEST_ACCEPT)[1][
            "Docker-Content-Digest"
        ]
        == digest
    )
    assert list(verdaccio.packument(package)["versions"]) == ["1.3.0"]
    assert "refs/tags/v1.3.0" in _remote_tags(remote)

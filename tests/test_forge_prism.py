"""The GitHub client's requests against Prism serving GitHub's own OpenAPI
description (``@octokit/openapi``, ``generated/api.github.com.json``) with
``--errors``: any request that breaks the description is answered 422 (or
404 for an unknown path), which the client raises, so the test fails.

Prism's answers are the description's examples (stateless: the stand-in of
``forge_github.py`` covers what depends on state); here every call of
every scenario goes through Prism: the access check, the lookup by tag
(reuse on resume), the create with notes and the prerelease flag, the
asset listing (skip), the upload. One test function: Prism takes ~25 s and
300 MB to load the description, so one instance serves it all."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path

import pytest
from forge_github import OPENAPI
from registries import free_port, wait_http

from shipline.domain.config_forge import ForgeConfig
from shipline.domain.errors import ShiplineError
from shipline.domain.forge import publish as forge
from shipline.domain.forge.model import LocalAsset

ROOT = Path(__file__).resolve().parent
PRISM = ROOT / ".npm" / "node_modules" / ".bin" / "prism"
NODE_BIN = ROOT / ".node" / "bin"
NOTES = "## [2.0.0-rc.1] - 2026-01-02\n\n### ⚠ Breaking changes\n\n- drop Python 3.10\n"


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert PRISM.exists() and OPENAPI.is_file(), "run scripts/install-test-deps.sh"
    port = free_port()
    env = dict(os.environ)
    if NODE_BIN.is_dir():
        env["PATH"] = f"{NODE_BIN}{os.pathsep}{env['PATH']}"
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", str(OPENAPI)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/zen", proc, timeout=180)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_github_requests_conform_to_the_openapi_description(prism: str, tmp_path: Path) -> None:
    cfg = ForgeConfig.model_validate(
        {
            "type": "github",
            "repository": "acme/widget",
            "apiUrl": prism,
            "uploadUrl": prism,
            "tokenEnv": "GH_TOKEN",
        }
    )
    client = forge.make_client(
        cfg, {"GH_TOKEN": "ghp_prism_token_0123456789"}, sleep=lambda s: None, attempts=1
    )

    # the control: a request that breaks the description is refused, and raises
    with pytest.raises(ShiplineError) as refused:
        client.http.call(
            "POST",
            f"{prism}/repos/acme/widget/releases",
            what="bad create",
            payload={"tag_name": "v2.0.0-rc.1", "prerelease": "yes"},
            ok=(201,),
        )
    assert "422" in refused.value.message

    # access check (pre-validation): Prism accepts the request, but the
    # description's own example answer for GET /repos/{owner}/{repo} breaks
    # its schema (no source.language), which --errors reports as a 500 about
    # the *response*; a request problem would be a 422
    try:
        assert "GH_TOKEN" in client.check_access()
    except ShiplineError as exc:
        assert getattr(exc, "status", None) == 500, exc
        assert '"location": ["response", "body"]' in exc.message, exc.message
        assert '"request"' not in exc.message

    # create: title, notes (the changelog entry) and the prerelease flag
    release = client.create_release("v2.0.0-rc.1", "Release v2.0.0-rc.1", NOTES, True)
    assert release.created and release.handle == 1 and release.upload_url

    # reuse on resume: the lookup by tag
    found = client.find_release("v2.0.0-rc.1")
    assert found is not None and found.handle == 1 and not found.created

    # skip: the asset listing, digests parsed from the description's shape
    listed = client.list_assets(found)
    assert listed and all(a.sha256 and len(a.sha256) == 64 for a in listed)

    # upload through uploadUrl (Prism stands in for uploads.github.com)
    wheel = tmp_path / "widget-2.0.0rc1-py3-none-any.whl"
    wheel.write_bytes(b"wheel bytes" * 100)
    data = wheel.read_bytes()
    asset = LocalAsset(wheel.name, wheel, sha256(data).hexdigest(), len(data), "artifact")
    uploaded = client.upload(found, asset)
    assert uploaded.handle == 1 and uploaded.complete

    # the unfinished-upload cleanup
    client.remove(found, uploaded)

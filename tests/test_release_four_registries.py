"""Issue 4's "done when": one release with a Python package, an npm
package, an OCI image and a tarball ships end to end from the CLI against
pypiserver, verdaccio, a distribution registry and an HTTP file store; the
published files install or pull back and their digests equal the ledger's."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import Repo, run_shipline
from registries import FileServer, PyPIServer
from registries_npm_oci import OciRegistry, Verdaccio, unique_name

from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401

PYPROJECT = """[build-system]
requires = ["flit_core>=3.9,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "fourway"
version = "2.0.0"
description = "one release, four registries"
"""


def test_python_npm_oci_and_tarball_in_one_release(
    repo: Repo,
    tmp_path: Path,
    pypiserver: PyPIServer,
    verdaccio: Verdaccio,
    npm_token: str,
    oci_registry: OciRegistry,
    file_server: FileServer,
    gpg_key: GpgKey,
) -> None:
    npm_name = unique_name("fourway-web")
    image = unique_name("fourway")
    config = {
        "release": {
            "versionBump": ["pyproject.toml", "web/package.json"],
            "artifacts": [
                {
                    "type": "python-package",
                    "name": "fourway",
                    "registry": pypiserver.url,
                    "options": {"isolation": False},
                },
                {
                    "type": "npm-package",
                    "name": "web",
                    "path": "web",
                    "registry": verdaccio.url,
                    "credentialsEnv": "NPM_TOKEN",
                },
                {
                    "type": "oci-image",
                    "name": image,
                    "registry": oci_registry.url,
                    "options": {"cmd": ["/app/bin/fourway"], "workdir": "/app"},
                },
                {
                    "type": "tarball",
                    "name": "fourway-src",
                    "registry": file_server.url,
                    "credentialsEnv": "FILES_TOKEN",
                },
            ],
            "security": {
                "provenance": {
                    "enabled": True,
                    "level": "SLSA_BUILD_LEVEL_1",
                    "signing": {"method": "gpg", "keyless": False},
                    "sbom": {"format": "SPDX", "specVersion": "2.3"},
                }
            },
        }
    }
    repo.commit(
        "chore: start",
        {
            "pyproject.toml": PYPROJECT,
            "src/fourway/__init__.py": '"""Fourway."""\n',
            "web/package.json": json.dumps(
                {"name": npm_name, "version": "2.0.0", "license": "MIT", "main": "index.js"},
                indent=2,
            )
            + "\n",
            "web/index.js": "module.exports = 4;\n",
            "bin/fourway": "#!/bin/sh\necho four\n",
            ".shipline/config.json": json.dumps(config, indent=2),
        },
    )
    repo.tag("v2.0.0", "Release v2.0.0")
    repo.commit("feat(web): four ways", {"web/index.js": "module.exports = 44;\n"})
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "--tags")

    env = {**gpg_key.env, "NPM_TOKEN": npm_token, "FILES_TOKEN": file_server.token or ""}
    result = run_shipline(
        "-C", repo.path, "--output", "json", "release", "ship", "--yes", env=env, timeout=600
    )
    assert result.code == 0, result.out[-4000:] + result.err
    for secret in (npm_token, file_server.token or "-"):
        assert secret not in result.out + result.err
    record = json.loads((repo.path / ".shipline/releases.json").read_text())["records"][-1]
    assert record["version"] == "2.1.0" and record["metadata"]["completeness"] == "complete"
    digests = {a["name"]: a["sha256"] for a in record["artifacts"]}
    registries = {a["name"]: a["registry"] for a in record["artifacts"]}
    assert all(registries.values())

    # the wheel installs back from the index
    site = tmp_path / "site"
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
            str(site),
            "--index-url",
            f"{pypiserver.url}/simple/",
            "fourway==2.1.0",
        ],
        check=True,
    )
    wheel = next(n for n in digests if n.endswith(".whl"))
    assert hashlib.sha256((pypiserver.packages / wheel).read_bytes()).hexdigest() == digests[wheel]
    # the npm tarball installs back from verdaccio
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    (consumer / "package.json").write_text('{"name": "c", "version": "1.0.0"}')
    npmrc = tmp_path / "npmrc"
    npmrc.write_text(f"registry={verdaccio.url}\n")
    npmrc.chmod(0o600)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", f"{npm_name}@2.1.0"],
        cwd=consumer,
        check=True,
        capture_output=True,
        env={**os.environ, "NPM_CONFIG_USERCONFIG": str(npmrc)},
    )
    assert (
        consumer / "node_modules" / npm_name / "index.js"
    ).read_text() == "module.exports = 44;\n"
    packument = verdaccio.packument(npm_name)
    assert packument is not None and "2.1.0" in packument["versions"]  # type: ignore[operator]
    # the image pulls back with the manifest digest the ledger holds
    layout = tmp_path / "pulled"
    subprocess.run(
        [
            "skopeo",
            "copy",
            "--src-tls-verify=false",
            f"docker://127.0.0.1:{oci_registry.port}/{image}:2.1.0",
            f"oci:{layout}:pulled",
        ],
        check=True,
        capture_output=True,
    )
    index = json.loads((layout / "index.json").read_text())
    manifest_digest = index["manifests"][0]["digest"].removeprefix("sha256:")
    assert manifest_digest in digests.values()
    # the tarball is in the store and matches
    tarball = next(p for p in file_server.root.rglob("fourway-src-2.1.0.tar.gz"))
    assert hashlib.sha256(tarball.read_bytes()).hexdigest() == digests[tarball.name]
    verify = run_shipline("-C", repo.path, "verify", "2.1.0", env=env)
    assert verify.code == 0, verify.out + verify.err

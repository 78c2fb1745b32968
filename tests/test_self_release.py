"""shipline releases itself (issue 12, "Releases itself"): a clone of this
repository is shipped by the installed wheel with the repository's own
config, pointed at a local index by ``--config`` (the committed config is
not touched), then that release is installed from the index into a fresh
venv and asked its version."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from installed import ROOT, Installed, checked, run
from registries import PyPIServer

from tests.gpgkeys import GpgKey, gpg_home, gpg_key  # noqa: F401

pytestmark = pytest.mark.slow


def _clone_head(tmp_path: Path) -> tuple[Path, Path]:
    """This repository's HEAD on branch main in a clone whose origin is a
    bare repository (a push to it works like a push to the forge)."""
    head = checked(["git", "-C", ROOT, "rev-parse", "HEAD"]).stdout.strip()
    origin, work = tmp_path / "origin.git", tmp_path / "shipline"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(work)], check=True)
    for argv in (
        ["checkout", "-q", "-B", "main", head],
        ["remote", "set-url", "origin", origin],
        ["push", "-q", "origin", "main"],
    ):
        subprocess.run(["git", "-C", str(work), *map(str, argv)], check=True)
    return work, origin


def rehearsal_config(work: Path, index: PyPIServer, dest: Path) -> Path:
    """The committed config with the index swapped for the local one. The
    gates keep lint (with the development venv's ruff); the test suite gate
    would run this very test inside itself, and `uv run` gates would sync a
    second development environment into the clone."""
    config = json.loads((work / ".shipline" / "config.json").read_text())
    release = config["release"]
    [artifact] = release["artifacts"]
    assert artifact["type"] == "python-package" and artifact["name"] == "shipline"
    artifact["registry"] = index.url
    artifact["options"] = {"username": index.username}
    release["gates"] = [
        {
            "name": "lint",
            "run": f"{Path(sys.executable).parent}/ruff check .",
            "timeoutSeconds": 300,
        }
    ]
    dest.write_text(json.dumps(config, indent=2))
    return dest


def test_shipline_ships_itself_and_installs_from_the_index(
    installed_shipline: Installed, pypiserver_auth: PyPIServer, gpg_key: GpgKey, tmp_path: Path
) -> None:
    work, origin = _clone_head(tmp_path)
    committed = (work / ".shipline" / "config.json").read_bytes()
    override = rehearsal_config(work, pypiserver_auth, tmp_path / "rehearsal.json")
    env = installed_shipline.env(**gpg_key.env, PYPI_TOKEN=pypiserver_auth.password or "")
    shipline = installed_shipline.shipline

    done = run(
        [
            shipline,
            "--config",
            override,
            "--output",
            "json",
            "release",
            "ship",
            "--bump",
            "minor",
            "--yes",
        ],
        cwd=work,
        env=env,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])["data"]
    version = summary["version"]
    assert summary["tag"] == f"v{version}"
    assert pypiserver_auth.password not in done.stdout + done.stderr
    assert f"## [{version}] - " in (work / "CHANGELOG.md").read_text()

    # wheel and sdist on the index, the ones the ledger attested
    on_index = sorted(p.name for p in pypiserver_auth.packages.iterdir())
    assert on_index == [f"shipline-{version}-py3-none-any.whl", f"shipline-{version}.tar.gz"]
    ledger = json.loads((work / ".shipline" / "releases.json").read_text())
    record = ledger["records"][-1]
    attested = {a["name"]: a["sha256"] for a in record["artifacts"]}
    assert attested == {
        name: hashlib.sha256((pypiserver_auth.packages / name).read_bytes()).hexdigest()
        for name in on_index
    }
    assert (work / record["sbom"]["path"]).is_file()

    # the provenance chain verifies, offline; the tag is signed and pushed
    verified = run([shipline, "--config", override, "verify", version], cwd=work, env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert checked(["git", "-C", work, "ls-remote", "--tags", origin, f"v{version}"]).stdout
    assert (
        "BEGIN PGP SIGNATURE"
        in checked(["git", "-C", work, "cat-file", "tag", f"v{version}"]).stdout
    )
    # the committed config is what it was; the state that must not be
    # committed is ignored, what must be is not
    assert (work / ".shipline" / "config.json").read_bytes() == committed
    status = checked(["git", "-C", work, "status", "--porcelain", "--ignored"], env=env).stdout
    assert "!! .shipline/work/" in status or ".shipline/work" not in status
    assert "?? .shipline/releases.json" in status

    # pip installs that release from the index into a fresh venv
    venv = tmp_path / "from-index"
    checked([Path(sys.base_prefix) / "bin" / "python3", "-m", "venv", venv])
    checked(
        [
            venv / "bin" / "python",
            "-m",
            "pip",
            "install",
            "--quiet",
            "--isolated",
            "--no-compile",
            "--disable-pip-version-check",
            "--index-url",
            pypiserver_auth.simple,
            "--find-links",
            installed_shipline.wheelhouse,
            f"shipline=={version}",
        ],
        timeout=900,
    )
    shown = run([venv / "bin" / "shipline", "--version"], cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout == f"shipline {version}\n", shown

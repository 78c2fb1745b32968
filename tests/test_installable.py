"""shipline installed the way users install it (issue 12, "Installable"):
the wheel holds one import package, and from a fresh venv with only the
dependencies the wheel declares, the console script, ``python -m shipline``,
the demo, ``attest`` without a lock file and a python-package publish all
work. A runtime import missing from the metadata fails here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import Repo
from installed import ROOT, Dists, Installed, run, wheel_names
from registries import PyPIServer
from test_artifacts_python import PYPROJECT

from tests.gpgkeys import GpgKey, gpg_home, gpg_key  # noqa: F401

pytestmark = pytest.mark.slow

QUIET = ("Traceback", "(trapped)", "internal error", "WARNING", "No module named")


def _assert_quiet(text: str) -> None:
    for word in QUIET:
        assert word not in text, f"{word!r} in the output:\n{text[-3000:]}"


def test_the_wheel_holds_one_import_package_and_every_source_file(shipline_dists: Dists) -> None:
    names = wheel_names(shipline_dists.wheel)
    tops = {name.split("/")[0] for name in names}
    assert tops == {"shipline", f"shipline-{shipline_dists.version}.dist-info"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # built from the sdist (as pip and python -m build do): every file of
    # domain/ and tui/ is inside shipline/, nothing else is
    expected = {
        f"shipline/{path.relative_to(ROOT)}"
        for folder in ("domain", "tui")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    packaged = {n for n in names if n.startswith(("shipline/domain/", "shipline/tui/"))}
    assert packaged == expected
    assert {"shipline/__init__.py", "shipline/__main__.py"} <= set(names)


def test_installed_without_the_dev_group(installed_shipline: Installed, tmp_path: Path) -> None:
    """Only the wheel's dependencies: none of the test tools came along."""
    env = installed_shipline.env()
    listed = run([installed_shipline.python, "-m", "pip", "list", "--format", "json"], env=env)
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert "shipline" in names
    assert not names & {"pytest", "ruff", "passlib", "bcrypt", "mypy", "gitpython", "tomlkit"}
    where = run(
        [installed_shipline.python, "-c", "import shipline; print(shipline.__file__)"],
        cwd=tmp_path,
        env=env,
    )
    assert where.stdout.startswith(str(installed_shipline.venv)), where.stdout + where.stderr
    for gone in ("domain", "tui"):
        probe = run([installed_shipline.python, "-c", f"import {gone}"], cwd=tmp_path, env=env)
        assert probe.returncode != 0 and "No module named" in probe.stderr


def test_version_from_the_script_and_python_m(
    installed_shipline: Installed, tmp_path: Path
) -> None:
    env = installed_shipline.env()
    for argv in (
        [installed_shipline.shipline, "--version"],
        [installed_shipline.python, "-m", "shipline", "--version"],
    ):
        done = run(argv, cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"shipline {installed_shipline.version}\n"
        assert done.stderr == ""


def test_demo_releases_from_the_installed_wheel(
    installed_shipline: Installed, tmp_path: Path
) -> None:
    done = run(
        [installed_shipline.shipline, "--output", "json", "demo", "--headless"],
        cwd=tmp_path,
        env=installed_shipline.env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])["data"]
    assert summary["tag"] == "v1.1.0" and summary["verified"] is True
    assert summary["published"] == [
        "acme_widgets-1.1.0-py3-none-any.whl",
        "acme_widgets-1.1.0.tar.gz",
    ]
    _assert_quiet(done.stderr)


def test_attest_without_a_lock_file(
    installed_shipline: Installed, repo: Repo, gpg_key: GpgKey
) -> None:
    """The SBOM then describes the environment (packaging reads its markers)."""
    repo.commit("feat: the tool", {"src/tool.py": "print('tool')\n"})
    built = repo.write("dist/tool-1.0.0.tar.gz", "not really a tarball\n")
    assert not [p for p in repo.path.rglob("*") if p.name.endswith((".lock", "lock.json"))]
    done = run(
        [
            installed_shipline.shipline,
            "--output",
            "json",
            "attest",
            built,
            "--version",
            "1.0.0",
            "--sign",
            "gpg",
        ],
        cwd=repo.path,
        env=installed_shipline.env(**gpg_key.env),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    ledger = json.loads((repo.path / ".shipline" / "releases.json").read_text())
    record = ledger["records"][-1]
    assert record["sbom"]["format"] == "CycloneDX"
    assert (repo.path / record["sbom"]["path"]).is_file()
    checked = run(
        [installed_shipline.shipline, "verify", "1.0.0"],
        cwd=repo.path,
        env=installed_shipline.env(),
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_python_package_published_to_pypiserver(
    installed_shipline: Installed, repo: Repo, pypiserver: PyPIServer, tmp_path: Path
) -> None:
    """build and twine come with shipline: the handler needs nothing else."""
    repo.commit(
        "chore: scaffold",
        {
            "pyproject.toml": PYPROJECT.format(version="1.0.0"),
            "src/demo_pkg/__init__.py": '"""Demo."""\n',
            "README.md": "# demo-pkg\n",
            ".shipline/config.json": json.dumps(
                {
                    "release": {
                        "versionBump": ["pyproject.toml"],
                        "changelog": {"path": "CHANGELOG.md"},
                        "artifacts": [
                            {
                                "type": "python-package",
                                "name": "demo-pkg",
                                "registry": pypiserver.url,
                                "options": {"isolation": False},
                            }
                        ],
                        "security": {
                            "provenance": {
                                "enabled": True,
                                "level": "SLSA_BUILD_LEVEL_1",
                                "signing": {"method": "none"},
                            }
                        },
                    }
                }
            ),
        },
    )
    repo.tag("v1.0.0", "Release v1.0.0")
    repo.commit("feat: a feature worth a release", {"src/demo_pkg/feature.py": "X = 1\n"})
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main", "--tags")
    done = run(
        [installed_shipline.shipline, "release", "ship", "--yes"],
        cwd=repo.path,
        env=installed_shipline.env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
    assert sorted(p.name for p in pypiserver.packages.iterdir()) == [
        "demo_pkg-1.1.0-py2.py3-none-any.whl",
        "demo_pkg-1.1.0.tar.gz",
    ]
    assert repo.git("ls-remote", "--tags", str(origin), "v1.1.0")
    _assert_quiet(done.stderr)

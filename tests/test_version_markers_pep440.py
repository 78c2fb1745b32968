"""Version markers in any file (release-please's and shipline's own), and
PEP 440 versions: Python files spell prereleases ``1.0.0b2``, tags written
the PEP 440 way (``v1.0.0b1``) are read as releases and the next one is
tagged the same way. Release commits are compared byte for byte."""

from __future__ import annotations

import json

import pytest
from conftest import Repo

README = """\
# skiff

Install the latest release:

<!-- x-release-please-start-version -->
```sh
curl -sSfL https://get.skiff.dev/install.sh | sh -s -- --version {v}
go install skiff.dev/skiff@v{v}
```
<!-- x-release-please-end -->

Current version: {v} <!-- x-release-please-version -->

Upgrading from 3.3.9? See the migration guide.
"""

VALUES = """\
# Helm values for skiff
image:
  repository: ghcr.io/skiff/skiff
  tag: "{v}" # shipline:version
resources:
  limits:
    memory: 3.4.1Gi
# shipline:version-start
annotations:
  skiff.dev/release: v{v}
  skiff.dev/docs: https://skiff.dev/docs/{v}/
# shipline:version-end
"""

PACKAGE = '{{\n  "name": "skiff",\n  "version": "{v}",\n  "private": true\n}}\n'
CONFIG = {"release": {"versionBump": ["package.json", "README.md", "deploy/values.yaml"]}}


def _files(v: str) -> dict[str, str]:
    return {
        "README.md": README.format(v=v),
        "deploy/values.yaml": VALUES.format(v=v),
        "package.json": PACKAGE.format(v=v),
    }


@pytest.fixture
def marker_repo(repo: Repo) -> Repo:
    repo.commit(
        "feat: skiff", {**_files("3.4.1"), ".shipline/config.json": json.dumps(CONFIG, indent=2)}
    )
    repo.tag("v3.4.1", "Release v3.4.1")
    repo.commit("fix: retry uploads")
    return repo


def test_marked_lines_and_blocks_are_bumped_and_nothing_else(marker_repo: Repo, cli) -> None:
    result = cli("-C", marker_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    for rel, text in _files("3.4.2").items():
        assert (marker_repo.path / rel).read_text() == text, rel
    assert (
        marker_repo.git("show", "--format=", "--stat=200", "HEAD").splitlines()[-1]
        == " 3 files changed, 7 insertions(+), 7 deletions(-)"
    )
    # the memory limit under a marker-free line and the prose mention stayed
    assert "memory: 3.4.1Gi" in (marker_repo.path / "deploy/values.yaml").read_text()
    assert "Upgrading from 3.3.9?" in (marker_repo.path / "README.md").read_text()


def test_marker_block_without_end_is_55_naming_the_line(marker_repo: Repo, cli) -> None:
    broken = VALUES.format(v="3.4.1").replace("# shipline:version-end\n", "")
    marker_repo.commit("docs: values", {"deploy/values.yaml": broken})
    before = marker_repo.snapshot()
    result = cli("-C", marker_repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 55, result.err
    assert (
        "deploy/values.yaml: line 8: shipline:version-start has no shipline:version-end"
        in result.err
    )
    assert "fix: add shipline:version-end after the last line" in result.err
    assert marker_repo.snapshot() == before


def test_marker_with_no_version_is_55(marker_repo: Repo, cli) -> None:
    marker_repo.commit(
        "docs: readme",
        {"README.md": "# skiff\n\nCurrent version: unreleased <!-- x-release-please-version -->\n"},
    )
    result = cli("-C", marker_repo.path, "release", "plan", "--no-push")
    assert result.code == 55
    assert "README.md: line 3: a version marker with no version" in result.err


# --- PEP 440 -------------------------------------------------------------------

PYPROJECT = """\
[tool.poetry]
name = "saltmarsh"
version = "{v}"
description = "Estuary salinity models"
authors = ["Ana Ribeiro <ana@saltmarsh.dev>"]

[tool.poetry.dependencies]
python = "^3.11"
numpy = "^1.26"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""

INIT = '"""Estuary salinity models."""\n\n__version__ = "{v}"\nVERSION = "{v}"\n'


def _py(v: str) -> dict[str, str]:
    return {"pyproject.toml": PYPROJECT.format(v=v), "saltmarsh/__init__.py": INIT.format(v=v)}


@pytest.fixture
def pep_repo(repo: Repo) -> Repo:
    """saltmarsh: alphas and betas tagged the PEP 440 way."""
    repo.commit(
        "feat: salinity model",
        {
            **_py("1.0.0a1"),
            ".shipline/config.json": json.dumps(
                {"release": {"versionBump": ["pyproject.toml", "saltmarsh/__init__.py"]}}
            ),
        },
    )
    repo.tag("v1.0.0a1", "Release v1.0.0a1")
    repo.commit("feat: tidal mixing")
    repo.commit("chore(release): 1.0.0b1", _py("1.0.0b1"))
    repo.tag("v1.0.0b1", "Release v1.0.0b1")
    repo.commit("fix: negative salinity near the mouth")
    return repo


def test_pep440_tags_are_releases_and_the_next_is_tagged_alike(pep_repo: Repo, cli) -> None:
    plan = cli(
        "-C", pep_repo.path, "--output", "json", "release", "plan", "--no-push", "--pre", "beta"
    ).summary["data"]["plan"]
    assert plan["last_tag"] == "v1.0.0b1" and plan["version"] == "1.0.0-beta.2"
    assert plan["tag"] == "v1.0.0b2"
    result = cli(
        "-C",
        pep_repo.path,
        "release",
        "ship",
        "--yes",
        "--no-push",
        "--no-changelog",
        "--pre",
        "beta",
    )
    assert result.code == 0, result.err
    assert pep_repo.git("describe", "--tags") == "v1.0.0b2"
    assert pep_repo.git("show", "--format=", "HEAD") == _diff_to(pep_repo, "1.0.0b1", "1.0.0b2")
    pep_repo.commit("fix: salinity units")
    result = cli(
        "-C",
        pep_repo.path,
        "release",
        "ship",
        "--yes",
        "--no-push",
        "--no-changelog",
        "--pre",
        "rc",
    )
    assert result.code == 0, result.err
    assert pep_repo.git("describe", "--tags") == "v1.0.0rc1"
    for rel, text in _py("1.0.0rc1").items():
        assert (pep_repo.path / rel).read_text() == text
    pep_repo.commit("docs: usage")
    result = cli(
        "-C",
        pep_repo.path,
        "release",
        "ship",
        "--yes",
        "--no-push",
        "--no-changelog",
        "--bump",
        "patch",
    )
    assert result.code == 0, result.err
    assert pep_repo.git("describe", "--tags") == "v1.0.0"
    for rel, text in _py("1.0.0").items():
        assert (pep_repo.path / rel).read_text() == text


def _diff_to(repo: Repo, old: str, new: str) -> str:
    """The diff of a hand-made release commit from ``old`` to ``new``."""
    repo.git("checkout", "-q", "--detach", "HEAD~1")
    for rel, text in _py(new).items():
        repo.write(rel, text)
    repo.git("commit", "-qam", "by hand")
    diff = repo.git("show", "--format=", "HEAD")
    repo.git("checkout", "-q", "main")
    return diff


def test_explicit_pep440_version_is_accepted(pep_repo: Repo, cli) -> None:
    result = cli(
        "-C", pep_repo.path, "release", "ship", "1.0.0rc1", "--yes", "--no-push", "--no-changelog"
    )
    assert result.code == 0, result.err
    assert pep_repo.git("describe", "--tags") == "v1.0.0rc1"
    assert (pep_repo.path / "pyproject.toml").read_text() == PYPROJECT.format(v="1.0.0rc1")


def test_prerelease_without_a_pep440_spelling_is_53_and_writes_nothing(pep_repo: Repo, cli) -> None:
    before = pep_repo.snapshot()
    result = cli("-C", pep_repo.path, "release", "ship", "--yes", "--no-push", "--pre", "preview")
    assert result.code == 53, result.err
    assert "1.0.0-preview.1 has no PEP 440 spelling (needed by pyproject.toml)" in result.err
    assert "--pre rc, beta, alpha or dev" in result.err
    assert pep_repo.snapshot() == before

"""``shipline init``: detection on real repositories, the flag path, the
questionary wizard driven through a pipe input and through a real
pseudo-terminal, and every bad input (exit code, one-line message, nothing
written)."""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import Repo, run_shipline

from shipline.domain.cli.parsers import build_parser
from shipline.domain.cli.render import JsonRenderer
from shipline.domain.cli.session import Session
from shipline.domain.config_loading import load_config
from shipline.domain.ecosystems.detect import detect

CONFIG = ".shipline/config.json"
UP, DOWN, ENTER, CLEAR, CTRL_C = "\x1b[A", "\x1b[B", "\r", "\x15", "\x03"
SECRET = "pypi-AgEIcHlwaS5vcmcCJDU0c2VjcmV0LXRva2VuLXZhbHVlLW5ldmVyLWluLWNvbmZpZw"


def _config(repo: Repo) -> dict:
    return json.loads((repo.path / CONFIG).read_text())


def _refused(result, code: int, words: str) -> None:
    assert result.code == code, (result.out, result.err)
    assert words in result.err, result.err
    assert "Traceback" not in result.out + result.err
    errors = [
        line for line in result.err.splitlines() if line.startswith(("error ", "shipline: error:"))
    ]
    assert len(errors) == 1, result.err


def _py_project(repo: Repo, extra: str = "", version: str = "1.2.0") -> None:
    repo.commit(
        "chore: initial commit",
        {
            "pyproject.toml": f'[project]\nname = "demo"\nversion = "{version}"\n{extra}',
            "src/demo/__init__.py": f'__version__ = "{version}"\n',
            "tests/test_demo.py": "def test_ok():\n    assert True\n",
        },
    )


# --- detection -----------------------------------------------------------------


def test_pep621_static_version_with_matching_init_and_gates(repo: Repo) -> None:
    _py_project(repo, "[tool.ruff]\nline-length = 100\n")
    d = detect(repo.path)
    assert [(e.kind, e.name, e.version) for e in d.ecosystems] == [("python", "demo", "1.2.0")]
    assert [(f.path, f.version, f.selected) for f in d.version_files] == [
        ("pyproject.toml", "1.2.0", True),
        ("src/demo/__init__.py", "1.2.0", True),
    ]
    assert [(g.name, g.run) for g in d.gates] == [("pytest", "pytest -q"), ("ruff", "ruff check .")]
    (art,) = d.artifacts
    assert (art.type, art.name, art.credentials_env) == ("python-package", "demo", "PYPI_TOKEN")


def test_init_file_that_disagrees_is_offered_but_not_selected(repo: Repo) -> None:
    _py_project(repo)
    repo.commit("chore: drift", {"src/demo/__init__.py": '__version__ = "0.9.0"\n'})
    files = {f.path: f for f in detect(repo.path).version_files}
    assert files["pyproject.toml"].selected
    assert not files["src/demo/__init__.py"].selected
    assert "differs" in files["src/demo/__init__.py"].source


def test_poetry_version(repo: Repo) -> None:
    repo.commit(
        "chore: init", {"pyproject.toml": '[tool.poetry]\nname = "poet"\nversion = "0.4.1"\n'}
    )
    d = detect(repo.path)
    assert [(f.path, f.source) for f in d.version_files] == [
        ("pyproject.toml", "[tool.poetry] version")
    ]
    assert d.ecosystems[0].name == "poet" and d.ecosystems[0].detail == "poetry"


@pytest.mark.parametrize(
    ("tool", "holder"),
    [
        ('[tool.hatch.version]\npath = "lib/about.py"\n', "lib/about.py"),
        (
            '[tool.setuptools.dynamic]\nversion = {attr = "pkgx.meta.__version__"}\n',
            "src/pkgx/meta.py",
        ),
        ("", "src/dyn_demo/__init__.py"),  # no tool table: the project's own package
    ],
)
def test_dynamic_version_points_at_the_file_holding_it(repo: Repo, tool: str, holder: str) -> None:
    repo.commit(
        "chore: init",
        {
            "pyproject.toml": f'[project]\nname = "dyn-demo"\ndynamic = ["version"]\n{tool}',
            holder: '"""docs"""\n__version__ = "2.0.0"\n',
        },
    )
    d = detect(repo.path)
    assert [(f.path, f.version, f.selected) for f in d.version_files] == [(holder, "2.0.0", True)]
    assert d.ecosystems[0].version == "2.0.0" and d.ecosystems[0].detail == "dynamic version"


def test_version_from_git_tags_has_no_file_and_says_so(repo: Repo) -> None:
    repo.commit(
        "chore: init",
        {
            "pyproject.toml": (
                '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n'
                '[project]\nname = "scm"\ndynamic = ["version"]\n[tool.hatch.version]\nsource = '
                '"vcs"\n'
            )
        },
    )
    d = detect(repo.path)
    assert d.version_files == []
    assert any("from git tags" in n for n in d.notes)


def test_npm_with_lock_file_scripts_and_private(repo: Repo) -> None:
    repo.commit(
        "chore: init",
        {
            "package.json": json.dumps(
                {
                    "name": "@acme/web",
                    "version": "3.1.0",
                    "scripts": {"test": "node --test", "lint": "eslint ."},
                }
            ),
            "package-lock.json": json.dumps(
                {
                    "name": "@acme/web",
                    "version": "3.1.0",
                    "lockfileVersion": 3,
                    "packages": {"": {"version": "3.1.0"}},
                }
            ),
        },
    )
    d = detect(repo.path)
    assert [f.path for f in d.version_files if f.selected] == ["package.json", "package-lock.json"]
    assert [g.run for g in d.gates] == ["npm test", "npm run lint"]
    assert [(a.type, a.name, a.credentials_env) for a in d.artifacts] == [
        ("npm-package", "@acme/web", "NPM_TOKEN")
    ]
    repo.commit(
        "chore: private",
        {
            "package.json": json.dumps(
                {
                    "name": "site",
                    "version": "3.1.0",
                    "private": True,
                    "scripts": {"test": 'echo "Error: no test specified" && exit 1'},
                }
            )
        },
    )
    d = detect(repo.path)
    assert d.artifacts == [] and d.gates == []
    assert any("private" in n for n in d.notes)


def test_cargo_single_crate(repo: Repo) -> None:
    repo.commit("chore: init", {"Cargo.toml": '[package]\nname = "tool"\nversion = "0.7.0"\n'})
    d = detect(repo.path)
    assert [(f.path, f.version) for f in d.version_files] == [("Cargo.toml", "0.7.0")]
    assert [(a.type, a.name, a.path) for a in d.artifacts] == [("cargo-crate", "tool", ".")]
    assert [g.run for g in d.gates] == ["cargo test"]


def test_cargo_workspace_members_and_unpublished_crates(repo: Repo) -> None:
    repo.commit(
        "chore: init",
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\n'
            'version = "1.5.0"\n',
            "crates/core/Cargo.toml": '[package]\nname = "ws-core"\nversion.workspace = true\n',
            "crates/cli/Cargo.toml": '[package]\nname = "ws-cli"\nversion = "1.5.0"\n',
            "crates/xtask/Cargo.toml": '[package]\nname = "xtask"\nversion = "0.0.0"\n'
            "publish = false\n",
        },
    )
    d = detect(repo.path)
    files = [(f.path, f.source) for f in d.version_files]
    assert files[0] == ("Cargo.toml", "[workspace.package] version")
    assert ("crates/cli/Cargo.toml", "workspace member version") in files
    assert "crates/core/Cargo.toml" not in dict(files)  # inherits: nothing to bump there
    assert sorted((a.name, a.path) for a in d.artifacts) == [
        ("ws-cli", "crates/cli"),
        ("ws-core", "crates/core"),
    ]
    assert [g.run for g in d.gates] == ["cargo test --workspace"]
    assert d.ecosystems[0].detail == "workspace of 3 crate(s)"


def test_virtual_cargo_workspace_bumps_each_member(repo: Repo, cli) -> None:
    repo.commit(
        "chore: init",
        {
            "Cargo.toml": '[workspace]\nmembers = ["a", "b"]\n',
            "a/Cargo.toml": '[package]\nname = "va"\nversion = "0.2.0"\n',
            "b/Cargo.toml": '[package]\nname = "vb"\nversion = "0.2.0"\n',
        },
    )
    d = detect(repo.path)
    assert [f.path for f in d.version_files] == ["a/Cargo.toml", "b/Cargo.toml"]
    repo.commit("feat: more")
    assert cli("-C", repo.path, "init", "--yes", "--artifact", "none").code == 0
    plan = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    assert plan.code == 0, plan.err
    assert [f["path"] for f in plan.summary["data"]["plan"]["files"]] == [
        "a/Cargo.toml",
        "b/Cargo.toml",
    ]


def test_dockerfile_registry_from_github_remote_or_a_note(repo: Repo) -> None:
    repo.commit("chore: init", {"Dockerfile": "FROM scratch\n"})
    d = detect(repo.path)
    (art,) = d.artifacts
    assert art.type == "oci-image" and art.registry is None
    assert any("no image registry known" in n for n in d.notes)
    repo.git("remote", "add", "origin", "https://ci:hunter2@github.com/Acme/Web.git")
    d = detect(repo.path)
    assert d.artifacts[0].registry == "https://ghcr.io/acme"
    assert d.remote_url == "https://github.com/Acme/Web.git"  # the password is dropped
    assert "hunter2" not in json.dumps(d.to_json())


def test_plain_version_file_gets_a_tarball(repo: Repo) -> None:
    repo.commit("chore: init", {"VERSION": "v0.1.0\n", "HISTORY.md": "# History\n"})
    d = detect(repo.path)
    assert [(f.path, f.version) for f in d.version_files] == [("VERSION", "0.1.0")]
    assert [a.type for a in d.artifacts] == ["tarball"]
    assert d.changelog == "HISTORY.md"


def test_git_facts_tag_prefix_branch_remote_and_ci(repo: Repo, tmp_path: Path) -> None:
    repo.commit("chore: init", {"VERSION": "1.0.0\n"})
    assert (detect(repo.path).tag_prefix, detect(repo.path).release_tags) == ("v", 0)
    for tag in ("1.0.0", "1.1.0", "v0.9.0", "nightly"):
        repo.tag(tag)
    d = detect(repo.path)
    assert (d.tag_prefix, d.release_tags) == ("", 3)
    assert d.ci is None and d.remote is None
    # a clone whose upstream's default branch is "trunk", with a remote not named origin
    upstream = tmp_path / "upstream.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(upstream))
    subprocess.run(["git", "-C", str(upstream), "branch", "-m", "main", "trunk"], check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "-o", "upstream", str(upstream), str(clone)], check=True)
    (clone / ".github" / "workflows").mkdir(parents=True)
    (clone / ".github" / "workflows" / "release.yml").write_text("on: push\n")
    d = detect(clone)
    assert (d.branch, d.remote, d.remotes, d.ci) == (
        "trunk",
        "upstream",
        ["upstream"],
        "github-actions",
    )
    (clone / ".github" / "workflows" / "release.yml").unlink()
    (clone / ".gitlab-ci.yml").write_text("stages: [test]\n")
    assert detect(clone).ci == "gitlab-ci"


# --- the flag path ---------------------------------------------------------------


def test_yes_writes_a_config_that_loads_and_plans(py_repo: Repo, cli) -> None:
    result = cli("-C", py_repo.path, "init", "--yes")
    assert result.code == 0, result.err
    loaded = load_config(py_repo.path)
    assert loaded.path == py_repo.path / CONFIG
    rel = loaded.release
    assert rel.tag_prefix == "v" and rel.branch == "main"
    assert rel.version_bump == ["pyproject.toml"] and rel.changelog.path == "CHANGELOG.md"
    assert [a.type for a in rel.artifacts] == ["python-package"]
    prov = rel.security.provenance
    assert (prov.signing.method, prov.level) == ("none", "SLSA_BUILD_LEVEL_1")  # local: L1
    assert "next v1.3.0 (minor bump)" in result.out and "bumps pyproject.toml" in result.out
    plan = cli("-C", py_repo.path, "--output", "json", "release", "plan", "--no-push")
    assert plan.code == 0, plan.err
    data = plan.summary["data"]["plan"]
    assert data["version"] == "1.3.0" and data["artifacts"][0]["type"] == "python-package"


def test_a_release_ships_with_the_written_config(py_repo: Repo, cli) -> None:
    py_repo.commit("test: a suite", {"tests/test_ok.py": "def test_ok():\n    pass\n"})
    assert (
        cli(
            "-C",
            py_repo.path,
            "init",
            "--yes",
            "--artifact",
            "none",
            "--gate",
            f"pytest={sys.executable} -c 'print(42)'",
        ).code
        == 0
    )
    shipped = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.out + shipped.err
    assert re.search(r"passed pytest", shipped.out), shipped.out
    assert py_repo.git("describe", "--tags", "--exact-match") == "v1.3.0"
    assert 'version = "1.3.0"' in (py_repo.path / "pyproject.toml").read_text()


def test_ci_repository_defaults_to_sigstore_level_3(py_repo: Repo, cli) -> None:
    py_repo.commit("ci: release workflow", {".github/workflows/release.yml": "on: push\n"})
    assert cli("-C", py_repo.path, "init", "--yes").code == 0
    prov = _config(py_repo)["release"]["security"]["provenance"]
    assert prov["signing"] == {"method": "sigstore", "keyless": True, "keyRef": None}
    assert prov["level"] == "SLSA_BUILD_LEVEL_3"


def test_every_flag_lands_in_the_config(repo: Repo, cli) -> None:
    _py_project(repo)
    repo.commit("chore: more", {"Dockerfile": "FROM scratch\n", "VERSION": "1.2.0\n"})
    repo.tag("1.2.0")
    repo.commit("feat: something")
    repo.git("remote", "add", "upstream", "https://example.org/x.git")
    result = cli(
        "-C",
        repo.path,
        "--output",
        "json",
        "init",
        "--version-file",
        "pyproject.toml",
        "--version-file",
        "VERSION",
        "--version-file",
        'src/demo/__init__.py:__version__ = "{version}"',
        "--changelog",
        "docs/CHANGES.md",
        "--gate",
        "pytest=",
        "--gate",
        "unit=make test",
        "--artifact",
        "python-package:demo@http://127.0.0.1:8081",
        "--artifact",
        "generic-tarball",
        "--artifact",
        "oci-image:web@https://reg.example.org",
        "--credentials-env",
        "python-package=INTERNAL_PYPI",
        "--credentials-env",
        "tarball=none",
        "--signing",
        "gpg",
        "--level",
        "L2",
        "--sbom",
        "spdx",
        "--remote",
        "upstream",
        "--branch",
        "release",
        "--tag-prefix",
        "none",
    )
    assert result.code == 0, result.err
    release = _config(repo)["release"]
    assert release["tagPrefix"] == "" and release["branch"] == "release"
    assert release["versionBump"] == [
        "pyproject.toml",
        "VERSION",
        {"path": "src/demo/__init__.py", "pattern": '__version__ = "{version}"'},
    ]
    assert release["changelog"] == {"path": "docs/CHANGES.md"}
    assert release["gates"] == [{"name": "unit", "run": "make test", "timeoutSeconds": 900}]
    assert release["artifacts"][0] == {
        "type": "python-package",
        "name": "demo",
        "registry": "http://127.0.0.1:8081",
        "credentialsEnv": "INTERNAL_PYPI",
        "options": {"username": "__token__"},
    }
    kinds = [
        (a["type"], a.get("name"), a.get("registry"), a.get("credentialsEnv"))
        for a in release["artifacts"]
    ]
    assert kinds == [
        ("python-package", "demo", "http://127.0.0.1:8081", "INTERNAL_PYPI"),
        ("tarball", "repo", "../releases", None),
        ("oci-image", "web", "https://reg.example.org", "OCI_CREDENTIALS"),
    ]
    prov = release["security"]["provenance"]
    assert prov["signing"]["method"] == "gpg" and prov["level"] == "SLSA_BUILD_LEVEL_2"
    assert prov["sbom"] == {"format": "SPDX", "specVersion": "2.3"}
    assert release["push"] == {"remote": "upstream"}
    summary = result.summary
    assert summary["exit_code"] == 0 and summary["data"]["config"]["release"] == release
    assert summary["data"]["plan"]["tag"] == "1.3.0"


def test_a_level_above_1_without_signing_chooses_sigstore(py_repo: Repo, cli) -> None:
    result = cli(
        "-C", py_repo.path, "init", "--yes", "--level", "SLSA_BUILD_LEVEL_3", "--remote", "backup"
    )
    assert result.code == 0, result.err
    prov = _config(py_repo)["release"]["security"]["provenance"]
    assert (prov["signing"]["method"], prov["level"]) == ("sigstore", "SLSA_BUILD_LEVEL_3")
    assert "remote backup is not configured" not in result.out  # no remotes at all yet
    py_repo.git("remote", "add", "origin", "https://example.org/demo.git")
    result = cli("-C", py_repo.path, "init", "--yes", "--force", "--remote", "backup")
    assert "note: remote backup is not configured" in result.out


def test_detected_config_is_what_yes_writes(py_repo: Repo, cli) -> None:
    from shipline.domain.cli.commands.init import detected_config

    proposed = detected_config(py_repo.path)
    assert not (py_repo.path / ".shipline").exists()
    assert cli("-C", py_repo.path, "init", "--yes").code == 0
    assert _config(py_repo) == proposed


def test_pypi_uploads_to_its_upload_url_other_indexes_to_theirs(repo: Repo, cli) -> None:
    repo.commit("feat: init", {"VERSION": "0.1.0\n"})
    assert (
        cli(
            "-C",
            repo.path,
            "init",
            "--yes",
            "--artifact",
            "python-package:lib",
            "--artifact",
            "python-package:lib2@https://pypi.example.org",
        ).code
        == 0
    )
    first, second = _config(repo)["release"]["artifacts"]
    assert (first["registry"], first["options"]) == (
        "https://pypi.org",
        {"username": "__token__", "uploadUrl": "https://upload.pypi.org/legacy/"},
    )
    assert (second["registry"], second["options"]) == (
        "https://pypi.example.org",
        {"username": "__token__"},
    )


def test_artifacts_sharing_a_name_get_distinct_ones(repo: Repo, cli) -> None:
    """A project called like its folder, on PyPI and npm, with a Dockerfile:
    one name each (the journal keys on it); the image keeps its repository."""
    repo.commit(
        "feat: init",
        {
            "pyproject.toml": '[project]\nname = "repo"\nversion = "1.0.0"\n',
            "package.json": '{"name": "repo", "version": "1.0.0"}',
            "Dockerfile": "FROM scratch\n",
        },
    )
    assert cli("-C", repo.path, "init", "--yes").code == 0
    arts = load_config(repo.path).release.artifacts
    assert [(a.type, a.name) for a in arts] == [
        ("python-package", "repo"),
        ("npm-package", "repo-npm"),
        ("oci-image", "repo-image"),
    ]
    assert arts[2].options["repository"] == "repo"


def test_artifact_none_and_changelog_none(py_repo: Repo, cli) -> None:
    assert (
        cli("-C", py_repo.path, "init", "--yes", "--artifact", "none", "--changelog", "none").code
        == 0
    )
    release = _config(py_repo)["release"]
    assert release["artifacts"] == [] and release["changelog"]["enabled"] is False
    plan = cli("-C", py_repo.path, "--output", "json", "release", "plan", "--no-push")
    assert plan.code == 0 and plan.summary["data"]["plan"]["changelog_entry"] is None


def test_existing_config_needs_force(py_repo: Repo, cli) -> None:
    assert cli("-C", py_repo.path, "init", "--yes").code == 0
    before = (py_repo.path / CONFIG).read_bytes()
    again = cli("-C", py_repo.path, "init", "--yes", "--signing", "gpg")
    _refused(again, 2, ".shipline/config.json already exists")
    assert "--force" in again.err
    assert (py_repo.path / CONFIG).read_bytes() == before
    forced = cli("-C", py_repo.path, "init", "--yes", "--force", "--signing", "gpg")
    assert forced.code == 0, forced.err
    assert _config(py_repo)["release"]["security"]["provenance"]["signing"]["method"] == "gpg"


def test_force_replaces_an_invalid_config(py_repo: Repo, cli) -> None:
    py_repo.write(CONFIG, '{"release": {"tagPrefix": "v", "bogus": 1}')
    assert cli("-C", py_repo.path, "release", "plan").code == 90
    result = cli("-C", py_repo.path, "init", "--yes", "--force")
    assert result.code == 0, result.err
    assert load_config(py_repo.path).release.version_bump == ["pyproject.toml"]


def test_seed_layout_cleo_config_is_the_one_checked(py_repo: Repo, cli) -> None:
    py_repo.write(".cleo/config.json", '{"release": {}}')
    _refused(cli("-C", py_repo.path, "init", "--yes"), 2, ".cleo/config.json already exists")
    assert cli("-C", py_repo.path, "init", "--yes", "--force").code == 0
    assert "versionBump" in json.loads((py_repo.path / ".cleo/config.json").read_text())["release"]
    assert not (py_repo.path / CONFIG).exists()


@pytest.mark.parametrize(
    ("flags", "code", "words"),
    [
        (["--artifact", "deb-package"], 85, "unknown artifact type 'deb-package'"),
        (["--artifact", "deb-package:x@https://h"], 85, "use one of: cargo-crate"),
        (["--credentials-env", "wheel=PYPI_TOKEN"], 85, "unknown artifact type 'wheel'"),
        (["--credentials-env", "npm-package=NPM_TOKEN"], 2, "there is no npm-package artifact"),
        (["--signing", "none", "--level", "3"], 90, "unsigned provenance is SLSA level 1 only"),
        (["--level", "7"], 2, "--level 7: not an SLSA build level"),
        (["--branch", "two words"], 2, "not a valid git branch name"),
        (["--tag-prefix", "v~"], 2, "makes invalid tag names"),
        (["--level", "high"], 2, "not an SLSA build level"),
        (["--signing", "cosign"], 2, "invalid choice: 'cosign'"),
        (["--sbom", "swid"], 2, "invalid choice: 'swid'"),
        (["--gate", "pytest -q"], 2, "expected NAME=COMMAND"),
        (["--gate", "=pytest"], 2, "expected NAME=COMMAND"),
        (["--artifact", ":demo"], 2, "no type"),
        (["--credentials-env", SECRET], 2, "is not an environment variable name"),
        (["--credentials-env", "ghp_abcdefghijklmnop"], 2, "never the token itself"),
        (["--credentials-env", "lower_case"], 2, "is not an environment variable name"),
        (
            ["--artifact", "python-package:demo@https://me:s3cr3t@pypi.example.org"],
            2,
            "the registry URL carries a password",
        ),
        (["--version-file", "nope.toml"], 2, "version file nope.toml: no such file"),
        (["--version-file", "CHANGELOG.md"], 2, "no version found in it"),
        (["--version-file", "x.py:VERSION"], 2, "the pattern has no {version}"),
    ],
)
def test_bad_flags_write_nothing(
    py_repo: Repo, cli, flags: list[str], code: int, words: str
) -> None:
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "init", "--yes", *flags)
    _refused(result, code, words)
    assert py_repo.snapshot() == before
    assert not (py_repo.path / ".shipline").exists()
    assert SECRET not in result.out + result.err and "s3cr3t" not in result.out + result.err


def test_not_a_repository_is_2(tmp_path: Path, cli) -> None:
    _refused(cli("-C", tmp_path, "init", "--yes"), 2, "is not inside a git repository")
    assert list(tmp_path.iterdir()) == []


def test_no_secret_value_reaches_config_or_output(py_repo: Repo) -> None:
    env = {"PYPI_TOKEN": SECRET, "NPM_TOKEN": SECRET, "GPG_KEY_ID": "ABCDEF0123456789"}
    py_repo.commit("chore: npm too", {"package.json": '{"name": "w", "version": "1.2.0"}'})
    py_repo.git("remote", "add", "origin", f"https://bot:{SECRET}@github.com/acme/demo.git")
    result = run_shipline("-C", py_repo.path, "--output", "json", "init", "--yes", env=env)
    assert result.code == 0, result.err
    text = (py_repo.path / CONFIG).read_text()
    for where in (text, result.out, result.err):
        assert SECRET not in where and "ABCDEF0123456789" not in where
    creds = [a.get("credentialsEnv") for a in _config(py_repo)["release"]["artifacts"]]
    assert creds == ["PYPI_TOKEN", "NPM_TOKEN"]


def test_plan_problem_after_writing_is_shown_not_fatal(repo: Repo, cli) -> None:
    repo.commit(
        "feat: start", {"VERSION": "1.0.0\n", "package.json": '{"name": "w", "version": "0.9.0"}'}
    )
    result = cli("-C", repo.path, "--output", "json", "init", "--yes")
    assert result.code == 0, result.err
    plan = result.summary["data"]["plan"]
    assert plan["ok"] is False and plan["exit_code"] == 55 and "disagree" in plan["error"]
    assert cli("-C", repo.path, "release", "plan").code == 55  # the same verdict


def test_headless_without_a_terminal_asks_nothing(py_repo: Repo) -> None:
    exe = Path(sys.executable).parent / "shipline"
    done = subprocess.run(
        [str(exe), "init"],
        cwd=py_repo.path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Version files to bump" not in done.stdout + done.stderr  # nothing was asked
    assert "wrote .shipline/config.json" in done.stdout
    assert load_config(py_repo.path).release.version_bump == ["pyproject.toml"]
    plan = run_shipline("-C", py_repo.path, "release", "plan", "--no-push")
    assert plan.code == 0 and "v1.3.0" in plan.out


# --- the wizard through a pipe input ---------------------------------------------


def _session(repo: Repo, out: io.StringIO) -> Session:
    renderer = JsonRenderer(out)
    return Session(
        cwd=repo.path,
        state_dir_override=None,
        output="json",
        debug=False,
        emit=renderer,
        text=renderer.text,
        interactive=True,
    )


def _wizard(repo: Repo, keys: list[str], *flags: str) -> dict:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from shipline.domain.cli.commands.init import init

    args = build_parser().parse_args(["init", *flags])
    with create_pipe_input() as pipe:
        pipe.send_text("".join(keys))
        pipe.close()  # keys run out: EOFError instead of waiting forever
        with create_app_session(input=pipe, output=DummyOutput()):
            return init(_session(repo, io.StringIO()), args)


@pytest.fixture
def poly_repo(repo: Repo) -> Repo:
    """Python (dynamic version) + npm + Dockerfile, released as v0.3.0."""
    repo.commit(
        "chore: init",
        {
            "pyproject.toml": '[project]\nname = "poly"\ndynamic = ["version"]\n[tool.ruff]\n',
            "src/poly/__init__.py": '__version__ = "0.3.0"\n',
            "tests/test_x.py": "",
            "package.json": '{"name": "poly-web", "version": "0.3.0", "scripts": {"test": "x"}}',
            "Dockerfile": "FROM scratch\n",
        },
    )
    repo.tag("v0.3.0")
    repo.commit("fix: a bug")
    repo.git("remote", "add", "origin", "https://github.com/acme/poly.git")
    repo.git("remote", "add", "mirror", "https://example.org/poly.git")
    return repo


@pytest.mark.timeout(60)
def test_wizard_answers_shape_the_config(poly_repo: Repo, cli, monkeypatch) -> None:
    result = _wizard(
        poly_repo,
        [
            " " + ENTER,  # version files: unselect __init__.py
            CLEAR + "HISTORY.md" + ENTER,  # changelog
            ENTER,
            ENTER,
            CLEAR + ENTER,  # keep pytest and ruff, drop npm test
            "lint=make lint" + ENTER,
            ENTER,  # one more gate, then done
            DOWN + DOWN + " " + ENTER,  # artifacts: unselect the oci image
            ENTER,
            ENTER,  # python: registry and variable as detected
            CLEAR + "http://127.0.0.1:4873/" + ENTER,  # npm registry
            CLEAR + "pypi-abcdef" + ENTER,  # refused by the validator: not a name...
            CLEAR + "MY_NPM" + ENTER,  # ...so the question stays until a name comes
            UP + UP + ENTER,  # signing: from none (no CI) up to sigstore
            DOWN + ENTER,  # level: from 1 (a local build) to 2
            DOWN + ENTER,  # SBOM: SPDX
            DOWN + ENTER,  # remote: mirror
        ],
    )
    release = result["config"]["release"]
    assert release["versionBump"] == ["package.json"]
    assert release["changelog"] == {"path": "HISTORY.md"}
    assert [(g["name"], g["run"]) for g in release["gates"]] == [
        ("pytest", "pytest -q"),
        ("ruff", "ruff check ."),
        ("lint", "make lint"),
    ]
    assert [(a["type"], a["registry"], a["credentialsEnv"]) for a in release["artifacts"]] == [
        ("python-package", "https://pypi.org", "PYPI_TOKEN"),
        ("npm-package", "http://127.0.0.1:4873/", "MY_NPM"),
    ]
    prov = release["security"]["provenance"]
    assert (prov["signing"]["method"], prov["level"], prov["sbom"]["format"]) == (
        "sigstore",
        "SLSA_BUILD_LEVEL_2",
        "SPDX",
    )
    assert release["push"]["remote"] == "mirror"
    assert _config(poly_repo) == result["config"]
    # keyless sigstore needs an OIDC identity: the plan says so before any write (91)
    from shipline.domain.signing.signing_plan import OIDC_ENV

    for name in OIDC_ENV:
        monkeypatch.delenv(name, raising=False)
    planned = cli("-C", poly_repo.path, "release", "plan", "--no-push")
    assert planned.code == 91 and "no OIDC identity" in planned.err
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", "ci-token")
    assert cli("-C", poly_repo.path, "release", "plan", "--no-push").code == 0


@pytest.mark.timeout(60)
def test_wizard_skips_questions_answered_by_flags(poly_repo: Repo) -> None:
    result = _wizard(
        poly_repo,
        [
            ENTER,  # version files as detected
            ENTER,  # pytest
            ENTER,  # ruff
            ENTER,  # npm test
            ENTER,  # no more gates
            ENTER,  # credentials of the one --artifact: PYPI_TOKEN
            ENTER,  # signing none (no CI): the level is not asked (L1 only)
            ENTER,  # SBOM CycloneDX
        ],
        "--artifact",
        "python-package",
        "--changelog",
        "none",
        "--remote",
        "origin",
    )
    release = result["config"]["release"]
    assert release["versionBump"] == ["src/poly/__init__.py", "package.json"]
    assert release["changelog"]["enabled"] is False
    assert [a["type"] for a in release["artifacts"]] == ["python-package"]
    prov = release["security"]["provenance"]
    assert (prov["signing"]["method"], prov["level"]) == ("none", "SLSA_BUILD_LEVEL_1")


@pytest.mark.timeout(60)
def test_wizard_ctrl_c_writes_nothing(poly_repo: Repo) -> None:
    before = poly_repo.snapshot()
    with pytest.raises(KeyboardInterrupt):
        _wizard(poly_repo, [ENTER, CTRL_C])
    assert poly_repo.snapshot() == before


# --- the wizard in a real pseudo-terminal -----------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\r")


class Pty:
    """``shipline`` on a real pseudo-terminal: read the screen, answer the
    terminal's cursor-position queries, type keys."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40", **(env or {}))
        exe = Path(sys.executable).parent / "shipline"
        self.proc = subprocess.Popen(
            [str(exe), *args],
            cwd=cwd,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self.fd = master
        self.raw = ""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536).decode("utf-8", "replace")
        except OSError:  # EIO: the process closed the terminal
            return False
        if not chunk:
            return False
        if "\x1b[6n" in chunk:
            os.write(self.fd, b"\x1b[1;1R")
        self.raw += chunk
        return True

    @property
    def screen(self) -> str:
        return _ANSI.sub("", self.raw)

    def expect(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            assert time.monotonic() < deadline, f"no {text!r} on screen:\n{self.screen[-2000:]}"
            if not self._read(0.1):
                assert text in self.screen, f"exited before {text!r}:\n{self.screen[-2000:]}"

    def send(self, after: str, keys: str) -> None:
        self.expect(after)
        time.sleep(0.05)
        os.write(self.fd, keys.encode())

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self._read(0.1) and time.monotonic() < deadline:
            if self.proc.poll() is not None and not select.select([self.fd], [], [], 0.2)[0]:
                break
        try:
            return self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running:\n{self.screen[-2000:]}") from None
        finally:
            self.close()

    def close(self) -> None:
        """Stop the process (if a test failed mid-way) and the terminal."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


@pytest.fixture
def pty_run():
    """Start ``shipline`` on a pseudo-terminal; every one is stopped at teardown."""
    started: list[Pty] = []

    def start(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Pty:
        started.append(Pty(args, cwd, env))
        return started[-1]

    yield start
    for term in started:
        term.close()


@pytest.mark.timeout(90)
def test_wizard_in_a_real_terminal(poly_repo: Repo, pty_run) -> None:
    term = pty_run(["init"], poly_repo.path)
    term.send("Version files to bump", ENTER)
    term.send("Changelog file", ENTER)
    term.send("Gate 'pytest' command", CLEAR + "pytest -q -x" + ENTER)
    term.send("Gate 'ruff' command", ENTER)
    term.send("Gate 'npm test' command", ENTER)
    term.send("Another gate", ENTER)
    term.send("Artifacts to publish", DOWN + " " + ENTER)  # drop npm
    term.send("python-package poly: registry URL", ENTER)
    term.send("python-package poly: NAME", ENTER)
    term.send("oci-image repo: registry URL", ENTER)
    term.send("oci-image repo: NAME", ENTER)
    term.send("Sign provenance with", UP + ENTER)  # from none (no CI) up to gpg
    term.send("Target SLSA build level", ENTER)
    term.send("SBOM format", ENTER)
    term.send("Push to remote", ENTER)
    term.expect("What `shipline release plan` would do now")
    assert term.finish() == 0, term.screen[-3000:]
    assert "next v0.3.1 (patch bump)" in term.screen
    release = _config(poly_repo)["release"]
    assert release["gates"][0] == {"name": "pytest", "run": "pytest -q -x", "timeoutSeconds": 900}
    assert [a["type"] for a in release["artifacts"]] == ["python-package", "oci-image"]
    assert release["artifacts"][1]["registry"] == "https://ghcr.io/acme"
    assert release["security"]["provenance"]["signing"]["method"] == "gpg"
    assert release["security"]["provenance"]["level"] == "SLSA_BUILD_LEVEL_1"
    assert release["push"]["remote"] == "origin"


@pytest.mark.timeout(90)
def test_ctrl_c_in_a_real_terminal_is_130_and_writes_nothing(poly_repo: Repo, pty_run) -> None:
    before = poly_repo.snapshot()
    term = pty_run(["init"], poly_repo.path)
    term.send("Version files to bump", ENTER)
    term.send("Changelog file", CTRL_C)
    assert term.finish() == 130
    assert "interrupted" in term.screen and "Traceback" not in term.screen
    assert poly_repo.snapshot() == before


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    ("args", "env"),
    [(["init", "--yes"], {}), (["--output", "json", "init"], {}), (["init"], {"CI": "true"})],
)
def test_a_terminal_is_not_asked_with_yes_json_or_ci(
    poly_repo: Repo, pty_run, args: list[str], env: dict[str, str]
) -> None:
    term = pty_run(args, poly_repo.path, env)
    assert term.finish(timeout=20) == 0, term.screen[-2000:]
    assert "Version files to bump" not in term.screen
    assert load_config(poly_repo.path).release.version_bump == [
        "src/poly/__init__.py",
        "package.json",
    ]


def test_state_dir_option_is_where_the_config_goes(py_repo: Repo, cli) -> None:
    assert cli("-C", py_repo.path, "--state-dir", "ops/shipline", "init", "--yes").code == 0
    assert not (py_repo.path / CONFIG).exists()
    loaded = load_config(py_repo.path, Path("ops/shipline"))
    assert loaded.path == py_repo.path / "ops/shipline/config.json"
    _refused(
        cli("-C", py_repo.path, "--state-dir", "ops/shipline", "init", "--yes"),
        2,
        "ops/shipline/config.json already exists",
    )

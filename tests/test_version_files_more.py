"""More shapes of version files: a hatch project whose version lives in
``__about__.py`` (no config: the last release commit says where), an npm
workspace lock file, and the bad inputs around them."""

from __future__ import annotations

from pathlib import Path

from conftest import Repo
from release_by_hand import hand_release_diff

from shipline.domain.config import VersionFile
from shipline.domain.release.version_files import apply_bumps, check_consistent, plan_bumps

HATCH = """\
[project]
name = "kelp"
dynamic = ["version"]
requires-python = ">=3.10"

[tool.hatch.version]
path = "src/kelp/__about__.py"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""

ABOUT = '# SPDX-License-Identifier: MIT\n__version__ = "{v}"\n'


def test_dynamic_version_project_without_config_bumps_its_about_file(repo: Repo, cli) -> None:
    repo.commit(
        "feat: kelp",
        {
            "pyproject.toml": HATCH,
            "src/kelp/__about__.py": ABOUT.format(v="2.0.0"),
            "src/kelp/__init__.py": "",
        },
    )
    repo.tag("v2.0.0", "Release v2.0.0")
    repo.commit("fix: holdfast")
    repo.commit("chore(release): 2.0.1", {"src/kelp/__about__.py": ABOUT.format(v="2.0.1")})
    repo.tag("v2.0.1", "Release v2.0.1")
    repo.commit("feat: fronds")
    expected = hand_release_diff(
        repo, {"src/kelp/__about__.py": ABOUT.format(v="2.1.0")}, "chore(release): 2.1.0"
    )
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    assert repo.git("show", "--format=", "HEAD") == expected


NPM_LOCK = """\
{{
  "name": "reef",
  "version": "{v}",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {{
    "": {{
      "name": "reef",
      "version": "{v}",
      "workspaces": [
        "packages/*"
      ]
    }},
    "node_modules/@reef/core": {{
      "resolved": "packages/core",
      "link": true
    }},
    "node_modules/left-pad": {{
      "version": "{v}",
      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-{v}.tgz"
    }},
    "packages/cli": {{
      "name": "@reef/cli",
      "version": "{v}",
      "dependencies": {{
        "@reef/core": "^{v}",
        "left-pad": "{v}"
      }}
    }},
    "packages/core": {{
      "name": "@reef/core",
      "version": "{v}"
    }}
  }}
}}
"""


def _npm(root: Path, v: str, lock_v: str | None = None) -> None:
    (root / "packages/cli").mkdir(parents=True, exist_ok=True)
    (root / "packages/core").mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(
        f'{{"name": "reef", "version": "{v}", "workspaces": ["packages/*"]}}\n'
    )
    (root / "packages/cli/package.json").write_text(
        f'{{"name": "@reef/cli", "version": "{v}", "dependencies": {{"@reef/core": "^{v}", '
        f'"left-pad": "{v}"}}}}\n'
    )
    (root / "packages/core/package.json").write_text(
        f'{{"name": "@reef/core", "version": "{v}"}}\n'
    )
    (root / "package-lock.json").write_text(NPM_LOCK.format(v=lock_v or v))


def test_npm_workspace_lock_entries_and_pins_on_siblings(tmp_path: Path) -> None:
    _npm(tmp_path, "1.4.2")
    files = [
        VersionFile(path=p)
        for p in ("package.json", "packages/cli/package.json", "packages/core/package.json")
    ]
    apply_bumps(tmp_path, plan_bumps(tmp_path, files, "1.5.0"))
    check_consistent(tmp_path, files, "1.5.0")
    lock = (
        NPM_LOCK.format(v="1.5.0")
        .replace(
            '"version": "1.5.0",\n      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-'
            '1.5.0.tgz"',
            '"version": "1.4.2",\n      "resolved": "https://registry.npmjs.org/'
            'left-pad/-/left-pad-1.4.2.tgz"',
        )
        .replace('"left-pad": "1.5.0"', '"left-pad": "1.4.2"')
    )
    assert (tmp_path / "package-lock.json").read_text() == lock
    assert (tmp_path / "packages/cli/package.json").read_text() == (
        '{"name": "@reef/cli", "version": "1.5.0", "dependencies": {"@reef/core": "^1.5.0", '
        '"left-pad": "1.4.2"}}\n'
    )


def test_crlf_bom_and_mode_survive_a_bump(tmp_path: Path) -> None:
    pyproject = '[project]\r\nname = "kelp"\r\nversion = "2.0.0"  # x\r\n'
    about = '\ufeff# kelp\r\n__version__ = "2.0.0"\r\n'
    (tmp_path / "about.py").write_bytes(about.encode("utf-8"))
    (tmp_path / "pyproject.toml").write_bytes(pyproject.encode("utf-8"))
    (tmp_path / "pyproject.toml").chmod(0o600)
    lock = (
        'version = 1\r\n\r\n[[package]]\r\nname = "kelp"\r\nversion = "2.0.0"\r\n'
        'source = { virtual = "." }\r\n'
    )
    (tmp_path / "uv.lock").write_bytes(lock.encode("utf-8"))
    files = [VersionFile(path="pyproject.toml"), VersionFile(path="about.py")]
    apply_bumps(tmp_path, plan_bumps(tmp_path, files, "2.1.0rc1"))
    assert (tmp_path / "about.py").read_bytes() == about.replace("2.0.0", "2.1.0rc1").encode()
    assert (tmp_path / "pyproject.toml").read_bytes() == pyproject.replace(
        "2.0.0", "2.1.0rc1"
    ).encode("utf-8")
    assert (tmp_path / "uv.lock").read_bytes() == lock.replace("2.0.0", "2.1.0rc1").encode()
    assert (tmp_path / "pyproject.toml").stat().st_mode & 0o777 == 0o600


def test_a_non_utf8_file_in_the_last_release_is_not_followed(repo: Repo, cli) -> None:
    latin = "Versión 3.0.0\n".encode("latin-1")
    repo.commit("feat: start", {"pyproject.toml": '[project]\nname = "x"\nversion = "3.0.0"\n'})
    (repo.path / "NOTICE").write_bytes(latin)
    repo.git("add", "-A")
    repo.git("commit", "-qm", "docs: notice")
    repo.tag("v3.0.0")
    repo.commit(
        "chore(release): 3.0.1", {"pyproject.toml": '[project]\nname = "x"\nversion = "3.0.1"\n'}
    )
    (repo.path / "NOTICE").write_bytes(latin.replace(b"3.0.0", b"3.0.1"))
    repo.git("add", "-A")
    repo.git("commit", "-q", "--amend", "--no-edit")
    repo.tag("v3.0.1")
    repo.commit("fix: y")
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    assert repo.git("show", "--name-only", "--format=", "HEAD") == "pyproject.toml"


def test_evidence_from_a_merged_release_pull_request(repo: Repo, cli) -> None:
    """The tag is on the merge of the release PR: what it changed against
    main is the release's bump."""
    repo.commit(
        "feat: kelp",
        {
            "pyproject.toml": '[project]\nname = "kelp"\nversion = "0.4.0"\n',
            "kelp/__init__.py": '__version__ = "0.4.0"\n',
        },
    )
    repo.tag("v0.4.0")
    repo.git("switch", "-q", "-c", "release-0.4.1")
    repo.commit(
        "chore(release): 0.4.1",
        {
            "pyproject.toml": '[project]\nname = "kelp"\nversion = "0.4.1"\n',
            "kelp/__init__.py": '__version__ = "0.4.1"\n',
        },
    )
    repo.git("switch", "-q", "main")
    repo.commit("docs: readme", {"README.md": "# kelp\n"})
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #12 from kelp/release-0.4.1",
        "release-0.4.1",
    )
    repo.tag("v0.4.1")
    repo.commit("fix: stipe")
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == [
        "kelp/__init__.py",
        "pyproject.toml",
    ]
    assert (repo.path / "kelp/__init__.py").read_text() == '__version__ = "0.4.2"\n'

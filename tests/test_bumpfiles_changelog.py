"""Version files keep their formatting; changelog entries and the whole
history render from real repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Repo

from shipline.domain.config import VersionFile
from shipline.domain.errors import VersionBumpFailed
from shipline.domain.gitops import Git
from shipline.domain.release import changelog
from shipline.domain.release.commits import walk
from shipline.domain.release.version_files import (
    apply_bumps,
    check_consistent,
    plan_bumps,
    read_versions,
)


def _bump(root: Path, files: list[VersionFile], version: str) -> dict[str, str]:
    before = {
        p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
    }
    bumps = plan_bumps(root, files, version)
    assert {
        p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
    } == before  # planning writes nothing
    apply_bumps(root, bumps)
    check_consistent(root, files, version)
    return {b.path: (root / b.path).read_text() for b in bumps}


PYPROJECT = """\
# top comment
[build-system]
requires = ["hatchling"]
version = "not-this-one"

[project]
name = "demo"  # the name
version = '1.2.0'   # keep this comment
dependencies = ["x>=1.0.0"]

[tool.other]
version = "9.9.9"
"""


def test_pyproject_only_the_project_version_changes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    out = _bump(tmp_path, [VersionFile(path="pyproject.toml")], "1.3.0")
    assert out["pyproject.toml"] == PYPROJECT.replace("'1.2.0'", "'1.3.0'")


def test_poetry_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "x"\nversion = "0.3.1"\n')
    assert read_versions(tmp_path, [VersionFile(path="pyproject.toml")]) == {
        "pyproject.toml": "0.3.1"
    }


def test_dynamic_pyproject_version_names_the_fix(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndynamic = ["version"]\n')
    with pytest.raises(VersionBumpFailed, match=r"pyproject.toml: the version is dynamic"):
        plan_bumps(tmp_path, [VersionFile(path="pyproject.toml")], "1.0.0")


PACKAGE_JSON = """{
  "name": "demo",
  "version": "1.2.0",
  "dependencies": {"left-pad": {"version": "1.0.0"}},
  "config": {"version": "3.0.0"}
}
"""
LOCK = """{
  "name": "demo",
  "version": "1.2.0",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "demo", "version": "1.2.0"},
    "node_modules/left-pad": {"version": "1.2.0"}
  }
}
"""


def test_package_json_and_lock_root_entries_only(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(PACKAGE_JSON)
    (tmp_path / "package-lock.json").write_text(LOCK)
    out = _bump(tmp_path, [VersionFile(path="package.json")], "2.0.0")
    assert out["package.json"] == PACKAGE_JSON.replace('"version": "1.2.0"', '"version": "2.0.0"')
    lock = json.loads(out["package-lock.json"])
    assert lock["version"] == "2.0.0" and lock["packages"][""]["version"] == "2.0.0"
    assert lock["packages"]["node_modules/left-pad"]["version"] == "1.2.0"


def test_cargo_workspace_members(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "0.5.0"\n'
    )
    for name, body in {"core": 'version = "0.5.0"', "cli": "version.workspace = true"}.items():
        (tmp_path / "crates" / name).mkdir(parents=True)
        (tmp_path / "crates" / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\n{body}\n\n[dependencies]\nserde = {{ version = "1" }}\n'
        )
    out = _bump(tmp_path, [VersionFile(path="Cargo.toml")], "0.6.0")
    assert sorted(out) == ["Cargo.toml", "crates/core/Cargo.toml"]
    assert 'version = "0.6.0"' in out["crates/core/Cargo.toml"]
    assert 'serde = { version = "1" }' in out["crates/core/Cargo.toml"]
    assert "version.workspace = true" in (tmp_path / "crates/cli/Cargo.toml").read_text()


def test_init_py_version_file_and_custom_pattern(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/__init__.py").write_text('"""Doc."""\n__version__ = "1.0.0"\nX = "1.0.0"\n')
    (tmp_path / "VERSION").write_text("v1.0.0\n")
    (tmp_path / "chart.yaml").write_text("appVersion: 1.0.0\nversion: 0.1.0\n")
    files = [
        VersionFile(path="pkg/__init__.py"),
        VersionFile(path="VERSION"),
        VersionFile(path="chart.yaml", pattern="appVersion: {version}"),
    ]
    out = _bump(tmp_path, files, "1.1.0")
    assert out["pkg/__init__.py"] == '"""Doc."""\n__version__ = "1.1.0"\nX = "1.0.0"\n'
    assert out["VERSION"] == "v1.1.0\n"
    assert out["chart.yaml"] == "appVersion: 1.1.0\nversion: 0.1.0\n"


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("pyproject.toml", "[project\nname=", "pyproject.toml: not valid TOML"),
        ("package.json", '{"version": }', "package.json: not valid JSON: line 1"),
        ("package.json", '{"name": "x"}', "package.json: no version found (looked for a top-level"),
        ("VERSION", "one\ntwo\n", "VERSION: no version found"),
    ],
)
def test_bad_version_files_are_55(tmp_path: Path, name: str, text: str, words: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(VersionBumpFailed) as err:
        plan_bumps(tmp_path, [VersionFile(path=name)], "1.0.0")
    assert err.value.code == 55 and words in err.value.message


def test_pattern_without_placeholder_is_refused(tmp_path: Path, py_repo: Repo, cli) -> None:
    (tmp_path / "x.txt").write_text("v=1\n")
    with pytest.raises(VersionBumpFailed, match=r"at least once"):  # the domain's own guard
        plan_bumps(tmp_path, [VersionFile.model_construct(path="x.txt", pattern="v=")], "1.0.0")
    py_repo.write(
        ".shipline/config.json",
        json.dumps({"release": {"versionBump": [{"path": "x.txt", "pattern": "v="}]}}),
    )
    result = cli("-C", py_repo.path, "release", "plan")
    assert result.code == 90 and "release.versionBump[0].pattern" in result.err


def test_disagreeing_files_name_each_version(tmp_path: Path) -> None:
    (tmp_path / "VERSION").write_text("1.1.0\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.2.0"\n')
    with pytest.raises(VersionBumpFailed, match=r"pyproject.toml has 1.2.0, VERSION has 1.1.0"):
        plan_bumps(
            tmp_path, [VersionFile(path="pyproject.toml"), VersionFile(path="VERSION")], "1.3.0"
        )


# --- changelog ------------------------------------------------------------------


def _propose(old: str | None, version: str, commits: list, **kw: object) -> str:
    data = old.encode() if old is not None else None
    return changelog.propose(
        data,
        "CHANGELOG.md",
        version=version,
        date="2026-01-02",
        previous=None,
        commits=commits,
        **kw,
    ).data.decode()


def test_entry_groups_breaking_first_with_migration_text(repo: Repo) -> None:
    repo.commit("fix(io): handle EOF")
    repo.commit("feat(api)!: new auth\n\nBREAKING CHANGE: pass --token.\n\nOld tokens expire.")
    repo.commit("feat: export")
    repo.commit("chore(release): 0.9.0")
    repo.commit("Tidy things up")
    entry = changelog.propose(
        None,
        "CHANGELOG.md",
        version="1.0.0",
        date="2026-01-02",
        previous=None,
        commits=walk(Git(repo.path), None),
    ).entry
    assert entry.startswith(
        "## [1.0.0] - 2026-01-02\n\n### ⚠ BREAKING CHANGES\n\n- **api:** new auth ("
    )
    assert "  pass --token.\n\n  Old tokens expire." in entry
    order = [entry.index(t) for t in ("BREAKING", "### Features", "### Bug Fixes", "### Other")]
    assert order == sorted(order)
    assert "0.9.0" not in entry  # release commits are not changes


def test_insert_keeps_older_entries_and_unreleased_on_top() -> None:
    old = "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2025-01-01\n\n- old\n"
    new = _propose(old, "1.1.0", [], explicit="## [1.1.0] - 2026-01-01\n\n- new\n")
    assert new == (
        "# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-01-01\n\n- new\n\n"
        "## [1.0.0] - 2025-01-01\n\n- old\n"
    )
    again = _propose(new, "1.1.0", [], explicit="## [1.1.0] - 2026-01-01\n\n- new, edited\n")
    assert again == new.replace("- new\n", "- new, edited\n")  # replaced, not doubled
    fresh = _propose(None, "0.1.0", [], explicit="## [0.1.0] - 2026-01-01\n\n- first\n")
    assert fresh.startswith("# Changelog") and "Keep a Changelog" in fresh


def test_history_assigns_each_commit_to_the_oldest_release_containing_it(repo: Repo) -> None:
    repo.commit("feat: one")
    repo.tag("v0.1.0", "Release")
    repo.git("switch", "-q", "-c", "maint")
    repo.commit("fix: backported")
    repo.tag("v0.1.1", "Release")
    repo.git("switch", "-q", "main")
    repo.commit("feat: two")
    repo.git("merge", "-q", "--no-ff", "maint", "-m", "Merge branch 'maint'")
    repo.tag("v0.2.0")  # lightweight
    repo.commit("fix: unreleased")
    releases = changelog.history(Git(repo.path), "v")
    summary = [
        (r.version, sorted(c.subject for c in changelog.changes(r.commits))) for r in releases
    ]
    assert summary == [
        (None, ["fix: unreleased"]),
        ("0.2.0", ["feat: two"]),
        ("0.1.1", ["fix: backported"]),
        ("0.1.0", ["feat: one"]),
    ]


def test_changelog_command_all_since_and_json(py_repo: Repo, cli) -> None:
    result = cli("-C", py_repo.path, "changelog", "--all")
    assert result.code == 0, result.err
    assert result.out.index("## [Unreleased]") < result.out.index("## [1.2.0]")
    since = cli("-C", py_repo.path, "changelog", "--since", "v1.2.0", "--format", "json")
    data = json.loads(since.out)
    assert [g for g in data["releases"][0]["groups"]] == ["Features", "Bug Fixes"]
    js = cli("-C", py_repo.path, "--output", "json", "changelog", "--all")
    assert [r["version"] for r in js.summary["data"]["releases"]] == [None, "1.2.0"]
    bad = cli("-C", py_repo.path, "changelog", "--since", "v9.9.9")
    assert bad.code == 2 and "--since v9.9.9: no such tag" in bad.err

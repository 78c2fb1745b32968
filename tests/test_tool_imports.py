"""Switching from another release tool (issue 10, part 2): a repository set
up for commitizen, python-semantic-release, bump-my-version, bumpversion,
release-please, git-cliff or semantic-release, with no shipline config,
releases the way that tool would: the tag in its format, the files it
bumps changed byte for byte, its commit message, the bump its rules give,
the commits it leaves out. ``init`` writes the same settings with their
sources. Broken tool configs are exit 90 naming the file, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Repo

from shipline.domain.release.imports import import_tool_configs


def _plan(cli, repo: Repo) -> dict:
    result = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    assert result.code == 0, result.out
    return result.summary["data"]["plan"]


def _ship(cli, repo: Repo) -> dict[str, str]:
    """Ship, and return the release commit's files (path → new text)."""
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.out + result.err
    names = repo.git("show", "--name-only", "--format=", "HEAD").splitlines()
    return {n: repo.git("show", f"HEAD:{n}") + "\n" for n in names}


def _settings(repo: Repo) -> dict[str, list]:
    out: dict[str, list] = {}
    for s in import_tool_configs(repo.path).settings:
        out.setdefault(s.key, []).append((s.value, s.source))
    return out


def _history(repo: Repo, files: dict[str, str], tag: str, *commits: str) -> None:
    repo.commit("chore: set up the project", files)
    repo.tag(tag, f"Release {tag}")
    for message in commits:
        repo.commit(message)


# --- commitizen -----------------------------------------------------------------------

CZ_PYPROJECT = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "acme-widgets"
version = "1.4.2"
description = "Widgets for Acme"
requires-python = ">=3.10"

[tool.commitizen]
name = "cz_conventional_commits"
tag_format = "v$version"
version_scheme = "pep440"
version = "1.4.2"
version_files = [
    "src/acme_widgets/__init__.py",
    "pyproject.toml:^version",
]
update_changelog_on_bump = true
major_version_zero = false

[tool.ruff]
target-version = "py310"
line-length = 100
"""


def test_commitizen_in_pyproject(repo: Repo, cli) -> None:
    _history(
        repo,
        {
            "pyproject.toml": CZ_PYPROJECT,
            "src/acme_widgets/__init__.py": '"""Acme widgets."""\n\n__version__ = "1.4.2"\n',
        },
        "v1.4.2",
        "refactor(core): split the widget registry",
        "docs: fix a typo",
    )
    settings = _settings(repo)
    assert settings["tagPrefix"] == [("v", "pyproject.toml [tool.commitizen] tag_format")]
    assert settings["bumpRules"] == [
        (
            {"type": "refactor", "bump": "patch"},
            "pyproject.toml (commitizen default bump_map) 'refactor'",
        )
    ]
    assert settings["versionBump"][0] == (
        {"path": "pyproject.toml", "pattern": '\nversion = "{version}"'},
        "pyproject.toml [tool.commitizen] version",
    )
    plan = _plan(cli, repo)
    assert (plan["bump"], plan["version"], plan["tag"]) == ("patch", "1.4.3", "v1.4.3")
    text = cli("-C", repo.path, "release", "plan", "--no-push")
    assert "no shipline config: using the release settings in pyproject.toml" in text.out
    files = _ship(cli, repo)
    assert repo.git("log", "-1", "--format=%B") == "bump: version 1.4.2 → 1.4.3"
    assert repo.git("tag", "--points-at", "HEAD") == "v1.4.3"
    assert files["pyproject.toml"] == CZ_PYPROJECT.replace('version = "1.4.2"', 'version = "1.4.3"')
    assert files["src/acme_widgets/__init__.py"].endswith('__version__ = "1.4.3"\n')
    assert set(files) == {"pyproject.toml", "src/acme_widgets/__init__.py", "CHANGELOG.md"}


CZ_CUSTOM = """[tool.commitizen]
name = "cz_customize"
version_provider = "pep621"
tag_format = "$version"
changelog_file = "HISTORY.md"
update_changelog_on_bump = false

[tool.commitizen.customize]
schema_pattern = "(break|new|fix|hotfix|chore):(\\\\s.*)"
bump_pattern = "^(break|new|fix|hotfix)"
bump_map = {"break" = "MAJOR", "new" = "MINOR", "fix" = "PATCH", "hotfix" = "PATCH"}
"""


def test_commitizen_cz_toml_with_a_custom_bump_map(repo: Repo, cli) -> None:
    pyproject = '[project]\nname = "tool"\nversion = "0.3.0"\n'
    _history(
        repo,
        {".cz.toml": CZ_CUSTOM, "pyproject.toml": pyproject},
        "0.3.0",
        "hotfix: stop the crash on empty input",
        "chore: tidy",
    )
    settings = _settings(repo)
    assert settings["tagPrefix"] == [("", ".cz.toml [tool.commitizen] tag_format")]
    assert settings["changelog.enabled"] == [
        (False, ".cz.toml [tool.commitizen] update_changelog_on_bump")
    ]
    assert [v for v, _ in settings["bumpRules"]] == [
        {"type": "break", "bump": "major"},
        {"type": "new", "bump": "minor"},
        {"type": "hotfix", "bump": "patch"},
    ]
    plan = _plan(cli, repo)
    assert (plan["version"], plan["tag"], plan["changelog_path"]) == ("0.3.1", "0.3.1", None)
    files = _ship(cli, repo)
    assert files == {"pyproject.toml": pyproject.replace("0.3.0", "0.3.1")}
    assert repo.git("log", "-1", "--format=%s") == "bump: version 0.3.0 → 0.3.1"


# --- python-semantic-release ------------------------------------------------------------

PSR_PYPROJECT = """[project]
name = "parcel"
version = "2.3.0"
dependencies = ["requests>=2.31"]

[tool.semantic_release]
version_toml = ["pyproject.toml:project.version"]
version_variables = [
    "src/parcel/__init__.py:__version__",
    "docs/conf.py:release:tf",
]
tag_format = "v{version}"
commit_message = "chore(release): {version} [skip ci]"

[tool.semantic_release.branches.main]
match = "main"
prerelease = false

[tool.semantic_release.changelog]
exclude_commit_patterns = [
    "chore(?:\\\\([^)]*?\\\\))?: .+",
    "Merge pull request .+",
]

[tool.semantic_release.changelog.default_templates]
changelog_file = "docs/CHANGELOG.md"

[tool.semantic_release.commit_parser_options]
minor_tags = ["feat"]
patch_tags = ["fix", "perf", "build"]
"""


def test_python_semantic_release(repo: Repo, cli) -> None:
    conf = 'project = "parcel"\nrelease = "v2.3.0"\nversion = "2.3"\n'
    _history(
        repo,
        {
            "pyproject.toml": PSR_PYPROJECT,
            "src/parcel/__init__.py": '__version__ = "2.3.0"\n',
            "docs/conf.py": conf,
            "docs/CHANGELOG.md": "# CHANGELOG\n",
        },
        "v2.3.0",
        "build(deps): bump requests to 2.32",
        "chore: reformat",
    )
    settings = _settings(repo)
    assert settings["branch"] == [
        ("main", "pyproject.toml [tool.semantic_release.branches.main] match")
    ]
    assert settings["versionBump"][2] == (
        {"path": "docs/conf.py", "pattern": 'release = "v{version}"'},
        "pyproject.toml [tool.semantic_release] version_variables 'docs/conf.py:release:tf'",
    )
    assert [v for v, _ in settings["excludeCommits"]] == [
        r"chore(?:\([^)]*?\))?: .+",
        "Merge pull request .+",
    ]
    plan = _plan(cli, repo)
    assert (plan["bump"], plan["version"]) == ("patch", "2.3.1")
    assert [c["subject"] for c in plan["commits"]] == ["build(deps): bump requests to 2.32"]
    files = _ship(cli, repo)
    assert repo.git("log", "-1", "--format=%B") == "chore(release): 2.3.1 [skip ci]"
    assert files["docs/conf.py"] == conf.replace("v2.3.0", "v2.3.1")
    assert files["src/parcel/__init__.py"] == '__version__ = "2.3.1"\n'
    assert files["pyproject.toml"] == PSR_PYPROJECT.replace(
        'version = "2.3.0"', 'version = "2.3.1"'
    )
    assert "docs/CHANGELOG.md" in files and repo.git("tag", "--points-at", "HEAD") == "v2.3.1"


# --- bump-my-version / bumpversion ---------------------------------------------------------

BMV_PYPROJECT = """[project]
name = "tinyhttp"
version = "0.9.1"

[tool.bumpversion]
current_version = "0.9.1"
commit = true
tag = true
tag_name = "release-{new_version}"

[[tool.bumpversion.files]]
filename = "src/tinyhttp/__init__.py"

[[tool.bumpversion.files]]
filename = "pyproject.toml"
search = 'version = "{current_version}"'
replace = 'version = "{new_version}"'

[[tool.bumpversion.files]]
filename = "README.md"
search = "tinyhttp=={current_version}"
replace = "tinyhttp=={new_version}"
"""
README = "# tinyhttp\n\nPin it: `pip install tinyhttp==0.9.1`\n\nSupports HTTP/1.1.\n"


def test_bump_my_version(repo: Repo, cli) -> None:
    _history(
        repo,
        {
            "pyproject.toml": BMV_PYPROJECT,
            "README.md": README,
            "src/tinyhttp/__init__.py": "__version__ = '0.9.1'\n",
        },
        "release-0.9.1",
        "feat: keep-alive connections",
    )
    settings = _settings(repo)
    assert settings["tagPrefix"] == [("release-", "pyproject.toml [tool.bumpversion] tag_name")]
    assert settings["commitMessage"] == [
        (
            "Bump version: {previous_version} → {version}",
            "pyproject.toml (bump-my-version default message)",
        )
    ]
    plan = _plan(cli, repo)
    assert (plan["version"], plan["tag"], plan["last_tag"]) == (
        "0.10.0",
        "release-0.10.0",
        "release-0.9.1",
    )
    files = _ship(cli, repo)
    assert files["pyproject.toml"] == BMV_PYPROJECT.replace(
        'version = "0.9.1"', 'version = "0.10.0"'
    )
    assert files["README.md"] == README.replace("0.9.1", "0.10.0")
    assert files["src/tinyhttp/__init__.py"] == "__version__ = '0.10.0'\n"
    assert repo.git("log", "-1", "--format=%s") == "Bump version: 0.9.1 → 0.10.0"
    assert repo.git("tag", "--points-at", "HEAD") == "release-0.10.0"


BUMPVERSION_CFG = """[bumpversion]
current_version = 3.2.0
commit = True
tag = True
message = chore: release {new_version}

[bumpversion:file:setup.py]
search = version='{current_version}'
replace = version='{new_version}'

[bumpversion:file:legacy/__init__.py]
"""
SETUP_PY = (
    "from setuptools import setup\n\nsetup(\n    name='legacy',\n"
    "    version='3.2.0',\n    packages=['legacy'],\n)\n"
)


def test_legacy_bumpversion_cfg(repo: Repo, cli) -> None:
    _history(
        repo,
        {
            ".bumpversion.cfg": BUMPVERSION_CFG,
            "setup.py": SETUP_PY,
            "legacy/__init__.py": "VERSION = '3.2.0'\n",
        },
        "v3.2.0",
        "fix: a crash",
    )
    plan = _plan(cli, repo)
    assert (plan["version"], plan["tag"]) == ("3.2.1", "v3.2.1")
    files = _ship(cli, repo)
    assert files[".bumpversion.cfg"] == BUMPVERSION_CFG.replace("3.2.0", "3.2.1")
    assert files["setup.py"] == SETUP_PY.replace("3.2.0", "3.2.1")
    assert files["legacy/__init__.py"] == "VERSION = '3.2.1'\n"
    assert repo.git("log", "-1", "--format=%s") == "chore: release 3.2.1"


# --- release-please ----------------------------------------------------------------------

RP_CONFIG = {
    "$schema": "https://raw.githubusercontent.com/googleapis/release-please/main/schemas/"
    "config.json",
    "packages": {
        ".": {
            "release-type": "python",
            "package-name": "acme-client",
            "include-component-in-tag": False,
            "changelog-path": "CHANGELOG.md",
            "extra-files": [
                "src/acme_client/version.py",
                {"type": "toml", "path": "docs/meta.toml", "jsonpath": "$.release"},
            ],
            "changelog-sections": [
                {"type": "feat", "section": "Features"},
                {"type": "fix", "section": "Bug Fixes"},
                {"type": "deps", "section": "Dependencies"},
                {"type": "refactor", "section": "Code Refactoring"},
                {"type": "chore", "section": "Miscellaneous Chores", "hidden": True},
            ],
        }
    },
}
RP_VERSION_PY = '"""Version."""\n\n__version__ = "3.1.0"  # x-release-please-version\n'


def test_release_please(repo: Repo, cli) -> None:
    _history(
        repo,
        {
            "release-please-config.json": json.dumps(RP_CONFIG, indent=2) + "\n",
            ".release-please-manifest.json": '{\n  ".": "3.1.0"\n}\n',
            "pyproject.toml": '[project]\nname = "acme-client"\nversion = "3.1.0"\n',
            "src/acme_client/version.py": RP_VERSION_PY,
            "docs/meta.toml": 'title = "acme"\nrelease = "3.1.0"\n',
        },
        "v3.1.0",
        "deps: update urllib3 to 2.2.2",
        "perf: faster retries",
    )
    settings = _settings(repo)
    assert settings["commitMessage"] == [
        (
            "chore(main): release {version}",
            "release-please-config.json (release-please default pull-request-title-pattern)",
        )
    ]
    assert settings["tagPrefix"] == [
        (
            "v",
            'release-please-config.json packages["."].include-component-in-tag = false, '
            "(release-please default include-v-in-tag)",
        )
    ]
    rules = [v for v, _ in settings["bumpRules"]]
    assert {"type": "deps", "bump": "patch"} in rules
    assert {"type": "perf", "bump": "none"} in rules  # not a listed section
    plan = _plan(cli, repo)
    assert (plan["bump"], plan["version"], plan["tag"]) == ("patch", "3.1.1", "v3.1.1")
    files = _ship(cli, repo)
    assert repo.git("log", "-1", "--format=%s") == "chore(main): release 3.1.1"
    assert files["src/acme_client/version.py"] == RP_VERSION_PY.replace("3.1.0", "3.1.1")
    assert files["docs/meta.toml"] == 'title = "acme"\nrelease = "3.1.1"\n'
    assert files["pyproject.toml"].endswith('version = "3.1.1"\n')


def test_release_please_hidden_types_do_not_release(repo: Repo, cli) -> None:
    _history(
        repo,
        {
            "release-please-config.json": json.dumps(RP_CONFIG),
            ".release-please-manifest.json": '{".": "3.1.0"}',
            "pyproject.toml": '[project]\nname = "acme-client"\nversion = "3.1.0"\n',
            "src/acme_client/version.py": RP_VERSION_PY,
            "docs/meta.toml": 'release = "3.1.0"\n',
        },
        "v3.1.0",
        "chore: update the CI matrix",
        "perf: faster retries",
    )
    result = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    plan = result.summary["data"]["plan"]
    assert (result.code, plan["releasable"], plan["version"]) == (0, False, None)


# --- git-cliff ---------------------------------------------------------------------------

CLIFF_TOML = r'''[changelog]
header = "# Changelog\n"
body = """
## {{ version }}
"""
trim = true
output = "CHANGELOG.md"

[git]
conventional_commits = true
filter_unconventional = true
commit_parsers = [
  { message = "^feat", group = "<!-- 0 -->🚀 Features" },
  { message = "^fix", group = "<!-- 1 -->🐛 Bug Fixes" },
  { message = "^chore\\(release\\): prepare for", skip = true },
  { message = "^chore\\(deps.*\\)", skip = true },
  { message = "^chore|^ci", group = "<!-- 7 -->⚙️ Miscellaneous Tasks" },
]
tag_pattern = "v[0-9].*"

[bump]
features_always_bump_minor = true
custom_minor_increment_regex = "minor|more"
'''


def test_git_cliff(repo: Repo, cli) -> None:
    package = '{\n  "name": "cliffy",\n  "version": "1.0.0",\n  "private": true\n}\n'
    _history(
        repo,
        {"cliff.toml": CLIFF_TOML, "package.json": package},
        "v1.0.0",
        "chore(deps): bump lodash from 4.17.20 to 4.17.21",
        "more: a second theme",
    )
    settings = _settings(repo)
    assert settings["tagPrefix"] == [("v", "cliff.toml [git] tag_pattern 'v[0-9].*'")]
    assert [v for v, _ in settings["excludeCommits"]] == [
        r"^chore\(release\): prepare for",
        r"^chore\(deps.*\)",
        r"^(?![A-Za-z][\w-]*(?:\([^()]*\))?!?: \S)",  # filter_unconventional
    ]
    plan = _plan(cli, repo)
    assert (plan["bump"], plan["version"]) == ("minor", "1.1.0")
    assert [c["subject"] for c in plan["commits"]] == ["more: a second theme"]
    unreleased = cli("-C", repo.path, "changelog")
    assert unreleased.code == 0 and "a second theme" in unreleased.out
    assert "lodash" not in unreleased.out
    files = _ship(cli, repo)
    assert files["package.json"] == package.replace("1.0.0", "1.1.0")
    assert "lodash" not in files["CHANGELOG.md"]


# --- semantic-release ----------------------------------------------------------------------

SR_RELEASE = {
    "branches": ["main"],
    "tagFormat": "v${version}",
    "plugins": [
        [
            "@semantic-release/commit-analyzer",
            {
                "preset": "angular",
                "releaseRules": [
                    {"type": "refactor", "release": "patch"},
                    {"scope": "no-release", "release": False},
                ],
            },
        ],
        "@semantic-release/release-notes-generator",
        ["@semantic-release/changelog", {"changelogFile": "CHANGELOG.md"}],
        "@semantic-release/npm",
        [
            "@semantic-release/git",
            {
                "assets": ["package.json", "package-lock.json", "CHANGELOG.md"],
                "message": "chore(release): ${nextRelease.version} [skip ci]\n\n"
                "${nextRelease.notes}",
            },
        ],
    ],
}


def _npm_files(version: str, release: dict | None) -> dict[str, str]:
    package = {
        "name": "left-padder",
        "version": version,
        "main": "index.js",
        "scripts": {"test": "node test.js"},
    }
    if release is not None:
        package["release"] = release
    lock = {
        "name": "left-padder",
        "version": version,
        "lockfileVersion": 3,
        "requires": True,
        "packages": {"": {"name": "left-padder", "version": version}},
    }
    return {
        "package.json": json.dumps(package, indent=2) + "\n",
        "package-lock.json": json.dumps(lock, indent=2) + "\n",
        "index.js": "\n",
    }


def test_semantic_release_in_package_json(repo: Repo, cli) -> None:
    _history(
        repo,
        _npm_files("2.0.0", SR_RELEASE),
        "v2.0.0",
        "feat(no-release): an internal flag",
        "refactor: one code path for padding",
    )
    settings = _settings(repo)
    assert settings["commitMessage"] == [
        (
            "chore(release): {version} [skip ci]",
            'package.json "release".plugins @semantic-release/git message',
        )
    ]
    assert settings["branch"] == [("main", 'package.json "release".branches')]
    plan = _plan(cli, repo)
    assert (plan["bump"], plan["version"]) == ("patch", "2.0.1")
    files = _ship(cli, repo)
    expected = _npm_files("2.0.1", SR_RELEASE)
    assert files["package.json"] == expected["package.json"]
    assert files["package-lock.json"] == expected["package-lock.json"]
    assert repo.git("log", "-1", "--format=%B") == "chore(release): 2.0.1 [skip ci]"


def test_semantic_release_yaml_releaserc(repo: Repo, cli) -> None:
    releaserc = (
        "branches:\n  - main\ntagFormat: 'lib-v${version}'\nplugins:\n"
        "  - '@semantic-release/commit-analyzer'\n"
        "  - '@semantic-release/npm'\n"
    )
    _history(
        repo,
        {**_npm_files("1.2.3", None), ".releaserc.yml": releaserc},
        "lib-v1.2.3",
        "fix: pad with a multi-byte character",
    )
    plan = _plan(cli, repo)
    assert (plan["tag"], plan["changelog_path"]) == ("lib-v1.2.4", None)


def test_releaserc_js_is_named_not_run(repo: Repo) -> None:
    repo.commit("chore: set up", {"release.config.js": "module.exports = {branches: ['main']}\n"})
    imported = import_tool_configs(repo.path)
    assert imported.settings == []
    assert imported.notes == [
        "semantic-release: release.config.js is a program, not data: "
        "nothing imported (a .releaserc.json with the same settings "
        "would be)"
    ]


# --- init -------------------------------------------------------------------------------


def test_init_writes_and_shows_every_imported_setting(repo: Repo, cli) -> None:
    _history(
        repo,
        {
            "pyproject.toml": BMV_PYPROJECT,
            "README.md": README,
            "src/tinyhttp/__init__.py": "__version__ = '0.9.1'\n",
        },
        "release-0.9.1",
        "feat: keep-alive connections",
    )
    result = cli("-C", repo.path, "init", "--yes")
    assert result.code == 0, result.out
    assert "found bump-my-version configuration: pyproject.toml" in result.out
    assert (
        "imported tagPrefix = 'release-' from pyproject.toml [tool.bumpversion] tag_name"
        in result.out
    )
    assert (
        'imported versionBump = {"path": "README.md", "pattern": '
        '"tinyhttp=={version}"} from pyproject.toml [tool.bumpversion] files[2]'
    ) in result.out
    release = json.loads((repo.path / ".shipline" / "config.json").read_text())["release"]
    assert release["tagPrefix"] == "release-"
    assert release["commitMessage"] == "Bump version: {previous_version} → {version}"
    assert {"path": "README.md", "pattern": "tinyhttp=={version}"} in release["versionBump"]
    json_run = cli(
        "-C", repo.path, "--output", "json", "init", "--yes", "--force", "--tag-prefix", "v"
    )
    data = json_run.summary["data"]
    assert data["config"]["release"]["tagPrefix"] == "v"  # a flag wins over the import
    assert {
        "key": "tagPrefix",
        "value": "release-",
        "source": "pyproject.toml [tool.bumpversion] tag_name",
    } in data["imported"]


# --- bad inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (".cz.toml", "[tool.commitizen\nversion = '1.0.0'\n", ".cz.toml: malformed TOML"),
        (
            "cz.json",
            '{"commitizen": {"version": "1.0.0",}}',
            "cz.json: malformed JSON: line 1 column 36",
        ),
        ("cliff.toml", "[git]\ntag_pattern = v[0-9]\n", "cliff.toml: malformed TOML"),
        (
            "release-please-config.json",
            '{"packages": {".": }}',
            "release-please-config.json: malformed JSON: line 1 column 20",
        ),
        (".releaserc", "branches:\n  - main\n tagFormat: [\n", ".releaserc: malformed YAML"),
        (".releaserc.json", "{'branches': ['main']}", ".releaserc.json: malformed JSON"),
        (
            ".bumpversion.cfg",
            "current_version = 1.0.0\n[bumpversion]\n",
            ".bumpversion.cfg: malformed INI",
        ),
        (
            "pyproject.toml",
            '[project]\nname = "x"\n[tool.semantic_release\n',
            "pyproject.toml: malformed TOML",
        ),
    ],
)
def test_a_broken_tool_config_is_90_naming_the_file(
    repo: Repo, cli, name: str, text: str, message: str
) -> None:
    repo.commit("chore: set up", {name: text, "VERSION": "1.0.0\n"})
    repo.tag("v1.0.0")
    repo.commit("fix: a bug")
    before = repo.snapshot()
    for args in (
        ("release", "plan", "--no-push"),
        ("release", "ship", "--yes", "--no-push"),
        ("init", "--yes"),
    ):
        result = cli("-C", repo.path, *args)
        assert result.code == 90, (args, result.out, result.err)
        assert message in result.out + result.err
        assert "Traceback" not in result.out + result.err
        assert repo.snapshot() == before
    assert not (Path(repo.path) / ".shipline").exists()


# --- smaller mappings ---------------------------------------------------------------------


def test_psr_nf_variables_and_poetry_version_toml(repo: Repo) -> None:
    pyproject = (
        '[tool.poetry]\nname = "nums"\nversion = "0.4.0"\n\n[tool.semantic_release]\n'
        'version_toml = ["pyproject.toml:tool.poetry.version"]\n'
        'version_variables = ["nums/_build.py:BUILD_VERSION:nf"]\n'
        'tag_format = "nums-{version}"\n'
    )
    repo.commit(
        "chore: set up",
        {"pyproject.toml": pyproject, "nums/_build.py": "BUILD_VERSION = 0.4.0  # plain number\n"},
    )
    settings = _settings(repo)
    assert [v for v, _ in settings["versionBump"]] == [
        "pyproject.toml",
        {"path": "nums/_build.py", "pattern": "BUILD_VERSION = {version}  # plain number"},
    ]
    assert settings["tagPrefix"][0][0] == "nums-"
    assert settings["commitMessage"][0] == (
        "{version}\n\nAutomatically generated by python-semantic-release",
        "pyproject.toml (python-semantic-release default commit_message)",
    )


def test_release_please_component_in_tag_by_default(repo: Repo) -> None:
    config = {
        "packages": {".": {"release-type": "node", "package-name": "@acme/pad"}},
        "tag-separator": "@",
    }
    repo.commit(
        "chore: set up",
        {
            "release-please-config.json": json.dumps(config),
            "package.json": '{"name": "@acme/pad", "version": "1.0.0"}',
        },
    )
    settings = _settings(repo)
    assert settings["tagPrefix"][0][0] == "@acme/pad@v"
    assert settings["commitMessage"][0][0] == "chore(main): release @acme/pad {version}"
    assert (
        "release-please: .release-please-manifest.json is missing: versions are read from "
        "the files" in import_tool_configs(repo.path).notes
    )


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [
        ("v[0-9].*", "v"),
        ("^v\\d+\\.\\d+", "v"),
        ("[0-9]+\\.[0-9]+\\.[0-9]+", ""),
        ("app-v[0-9]*", "app-v"),
        ("v?[0-9].*", None),
    ],
)
def test_git_cliff_tag_pattern_prefix(repo: Repo, pattern: str, prefix: str | None) -> None:
    repo.commit("chore: set up", {"cliff.toml": f"[git]\ntag_pattern = {json.dumps(pattern)}\n"})
    imported = import_tool_configs(repo.path)
    found = [s.value for s in imported.settings if s.key == "tagPrefix"]
    assert found == ([] if prefix is None else [prefix])
    if prefix is None:
        assert any("no literal prefix" in n for n in imported.notes)


def test_semantic_release_branch_objects_and_unimported_rules(repo: Repo) -> None:
    releaserc = {
        "branches": [
            {"name": "trunk"},
            {"name": "beta", "prerelease": True},
            {"name": "1.x", "range": "1.x"},
        ],
        "plugins": [
            [
                "@semantic-release/commit-analyzer",
                {
                    "releaseRules": [
                        {"breaking": True, "release": "minor"},
                        {"type": "docs", "scope": "README", "release": "patch"},
                    ]
                },
            ]
        ],
    }
    repo.commit("chore: set up", {".releaserc.json": json.dumps(releaserc)})
    imported = import_tool_configs(repo.path)
    settings = {s.key: s.value for s in imported.settings}
    assert settings["branch"] == "trunk"
    assert [s.value for s in imported.settings if s.key == "bumpRules"] == [
        {"type": "docs", "scope": "README", "bump": "patch"}
    ]
    assert any(
        "releaseRules[0]: rules on ['breaking'] are not imported" in n for n in imported.notes
    )
    assert settings["changelog.enabled"] is False


def test_two_tools_first_wins_and_the_other_is_noted(repo: Repo) -> None:
    repo.commit(
        "chore: set up",
        {
            "pyproject.toml": CZ_PYPROJECT,
            "src/acme_widgets/__init__.py": '__version__ = "1.4.2"\n',
            "cliff.toml": '[git]\ntag_pattern = "release-[0-9].*"\n',
        },
    )
    imported = import_tool_configs(repo.path)
    assert [t.tool for t in imported.tools] == ["commitizen", "git-cliff"]
    assert {s.key: s.value for s in imported.settings}["tagPrefix"] == "v"
    assert (
        "git-cliff: cliff.toml [git] tag_pattern 'release-[0-9].*' = 'release-' ignored: "
        "pyproject.toml [tool.commitizen] tag_format = 'v' is used" in imported.notes
    )

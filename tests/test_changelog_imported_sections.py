"""The changelog's sections from the project's own release tool (issue 10,
parts 2 and 3): git-cliff's ``commit_parsers`` groups (emoji titles, the
``<!-- N -->`` prefixes that order them and that git-cliff strips, ``skip``
parsers left out) and release-please's ``changelog-sections``. With no
shipline config, ``release ship`` and ``changelog`` read them directly;
``init`` writes them with their source. Each release is compared byte for
byte with the file git-cliff or release-please would have written.
"""

# ruff: noqa: E501  (changelog lines are as long as their maintainers write them)
from __future__ import annotations

import json

import pytest
from conftest import Repo

RELEASE_DAY = "1772582400"  # 2026-03-04T00:00:00Z

CLIFF_TOML = r"""[changelog]
header = "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\n"
trim = true
output = "CHANGELOG.md"

[git]
conventional_commits = true
filter_unconventional = false
commit_parsers = [
  { message = "^feat", group = "<!-- 0 -->🚀 Features" },
  { message = "^fix", group = "<!-- 1 -->🐛 Bug Fixes" },
  { message = "^doc", group = "<!-- 3 -->📚 Documentation" },
  { message = "^perf", group = "<!-- 4 -->⚡ Performance" },
  { message = "^refactor", group = "<!-- 2 -->🚜 Refactor" },
  { message = "^style", group = "<!-- 5 -->🎨 Styling" },
  { message = "^test", group = "<!-- 6 -->🧪 Testing" },
  { message = "^chore\\(release\\): prepare for", skip = true },
  { message = "^chore\\(deps.*\\)", skip = true },
  { message = "^chore|^ci", group = "<!-- 7 -->⚙️ Miscellaneous Tasks" },
  { body = ".*security", group = "<!-- 8 -->🛡️ Security" },
  { message = "^revert", group = "<!-- 9 -->◀️ Revert" },
  { message = ".*", group = "<!-- 10 -->💼 Other" },
]
tag_pattern = "v[0-9].*"
"""

URL = "https://github.com/acme/kiln"
CHANGELOG = f"""\
# Changelog

All notable changes to this project will be documented in this file.

## [0.8.0]({URL}/compare/v0.7.2..v0.8.0) - 2026-02-20

### 🚀 Features

- *(dsl)* Add the `when` guard ([#41]({URL}/pull/41)) - ([3c4d5e6]({URL}/commit/3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f))

### 🐛 Bug Fixes

- Keep the build cache across runs - ([8a9b0c1]({URL}/commit/8a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3))

## [0.7.2]({URL}/compare/v0.7.1..v0.7.2) - 2026-01-31

### 🐛 Bug Fixes

- *(cli)* Exit 2 on a bad flag - ([5f6a7b8]({URL}/commit/5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6))
"""


@pytest.fixture(autouse=True)
def _release_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", RELEASE_DAY)


def _kiln(repo: Repo) -> dict[str, str]:
    """A Rust project managed by git-cliff, released as 0.8.0, then six
    weeks of work of every kind; returns subject → sha."""
    repo.commit(
        "chore(release): prepare for 0.8.0",
        {
            "Cargo.toml": '[package]\nname = "kiln"\nversion = "0.8.0"\nedition = "2021"\n',
            "cliff.toml": CLIFF_TOML,
            "CHANGELOG.md": CHANGELOG,
        },
    )
    repo.tag("v0.8.0", "Release v0.8.0")
    shas = {}
    for subject in (
        "feat(dsl): add `unless` (#52)",
        "fix: quote paths with spaces",
        "refactor: split the scheduler",
        "docs: document the DSL guards",
        "ci: cache cargo registry",
        "chore(deps): bump serde from 1.0.196 to 1.0.197",
        "build: require rustc 1.75",
        "Update the README",
        "chore(release): prepare for 0.9.0",
    ):
        shas[subject] = repo.commit(subject)
    return shas


def _expected_entry(shas: dict[str, str]) -> str:
    def link(subject: str) -> str:
        sha = shas[subject]
        return f"[{sha[:7]}]({URL}/commit/{sha})"

    return f"""\
## [0.9.0]({URL}/compare/v0.8.0..v0.9.0) - 2026-03-04

### 🚀 Features

- *(dsl)* Add `unless` ([#52]({URL}/pull/52)) - ({link("feat(dsl): add `unless` (#52)")})

### 🐛 Bug Fixes

- Quote paths with spaces - ({link("fix: quote paths with spaces")})

### 💼 Other

- Require rustc 1.75 - ({link("build: require rustc 1.75")})
- Update the README - ({link("Update the README")})

### 🚜 Refactor

- Split the scheduler - ({link("refactor: split the scheduler")})

### 📚 Documentation

- Document the DSL guards - ({link("docs: document the DSL guards")})

### ⚙️ Miscellaneous Tasks

- Cache cargo registry - ({link("ci: cache cargo registry")})

"""


def test_git_cliff_groups_are_the_changelog_sections(repo: Repo, cli) -> None:
    """Sections the file's latest entries never had (Refactor, Documentation,
    Other, Miscellaneous Tasks) come from cliff.toml, in git-cliff's order:
    the groups sorted by name, so ``<!-- 10 -->💼 Other`` right after
    ``<!-- 1 -->``; skipped commits are not listed."""
    shas = _kiln(repo)
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, (result.out, result.err)
    assert repo.git("tag", "--points-at", "HEAD") == "v0.9.0"
    header = (
        "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\n"
    )
    assert (repo.path / "CHANGELOG.md").read_text() == header + _expected_entry(
        shas
    ) + CHANGELOG.removeprefix(header)
    assert set(repo.git("show", "--name-only", "--format=", "HEAD").split()) == {
        "Cargo.toml",
        "CHANGELOG.md",
    }


def test_changelog_command_reads_the_groups_without_a_shipline_config(repo: Repo, cli) -> None:
    shas = _kiln(repo)
    result = cli("-C", repo.path, "changelog")
    assert result.code == 0, (result.out, result.err)
    body = _expected_entry(shas).split("\n", 2)[2]  # the sections, without the heading
    assert result.out.endswith(body.rstrip("\n") + "\n"), result.out
    assert "serde" not in result.out and "prepare for 0.9.0" not in result.out


def test_changelog_json_lists_the_sections_the_text_shows(repo: Repo, cli) -> None:
    """``--format json`` and ``--output json``: the same titles, in the same
    order, holding the same commits as the rendered changelog."""
    shas = _kiln(repo)
    text = cli("-C", repo.path, "changelog").out
    shown = [line[4:] for line in text.splitlines() if line.startswith("### ")]
    assert shown == [
        "🚀 Features",
        "🐛 Bug Fixes",
        "💼 Other",
        "🚜 Refactor",
        "📚 Documentation",
        "⚙️ Miscellaneous Tasks",
    ]
    printed = cli("-C", repo.path, "changelog", "--format", "json")
    assert printed.code == 0, printed.err
    as_data = cli("-C", repo.path, "--output", "json", "changelog")
    assert as_data.code == 0, as_data.err
    for releases in (json.loads(printed.out)["releases"], as_data.summary["data"]["releases"]):
        groups = releases[0]["groups"]
        assert list(groups) == shown
        assert [c["sha"] for c in groups["💼 Other"]] == [
            shas["build: require rustc 1.75"],
            shas["Update the README"],
        ]
        assert [c["description"] for c in groups["⚙️ Miscellaneous Tasks"]] == [
            "cache cargo registry"
        ]
        assert not any("serde" in c["description"] for items in groups.values() for c in items)


def test_init_writes_the_groups_with_their_source(repo: Repo, cli) -> None:
    _kiln(repo)
    result = cli("-C", repo.path, "init", "--yes")
    assert result.code == 0, (result.out, result.err)
    sections = [
        {"title": "🚀 Features", "types": ["feat"]},
        {"title": "🐛 Bug Fixes", "types": ["fix"]},
        {"title": "💼 Other", "types": ["build", "deps", "other"]},
        {"title": "🚜 Refactor", "types": ["refactor"]},
        {"title": "📚 Documentation", "types": ["docs"]},
        {"title": "⚡ Performance", "types": ["perf"]},
        {"title": "🎨 Styling", "types": ["style"]},
        {"title": "🧪 Testing", "types": ["test"]},
        {"title": "⚙️ Miscellaneous Tasks", "types": ["ci", "chore"]},
        {"title": "◀️ Revert", "types": ["revert"]},
    ]
    shown = json.dumps(sections, ensure_ascii=False)
    assert (
        f"imported changelog.sections = {shown} from cliff.toml [git] commit_parsers" in result.out
    )
    assert "commit_parsers[10] (group '🛡️ Security') matches by body" in result.out
    release = json.loads((repo.path / ".shipline" / "config.json").read_text())["release"]
    assert release["changelog"]["sections"] == sections
    assert release["changelog"]["path"] == "CHANGELOG.md"


RP_CONFIG = {
    "packages": {
        ".": {
            "release-type": "node",
            "changelog-sections": [
                {"type": "feat", "section": "✨ New"},
                {"type": "fix", "section": "🩹 Fixes"},
                {"type": "perf", "section": "🩹 Fixes"},
                {"type": "docs", "section": "📝 Docs"},
                {"type": "chore", "hidden": True},
            ],
        }
    }
}


def test_git_cliff_filters_leave_ungrouped_and_unconventional_commits_out(repo: Repo, cli) -> None:
    cliff = """[git]
conventional_commits = true
filter_unconventional = true
filter_commits = true
commit_parsers = [
  { message = "^feat", group = "Features" },
  { message = "^fix", group = "Fixes" },
]
"""
    repo.commit("chore: set up", {"cliff.toml": cliff, "VERSION": "1.0.0\n"})
    repo.tag("v1.0.0")
    fix = repo.commit("fix: a bug")
    repo.commit("docs: a page")
    repo.commit("Fix the other bug")  # not Conventional: filtered out by git-cliff
    out = cli("-C", repo.path, "changelog").out
    assert out.endswith(f"## [Unreleased]\n\n### Fixes\n\n- a bug ({fix[:7]})\n"), out
    plan = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    subjects = [c["subject"] for c in plan.summary["data"]["plan"]["commits"]]
    assert subjects == ["docs: a page", "fix: a bug"]
    data = cli("-C", repo.path, "--output", "json", "init", "--yes").summary["data"]
    assert {
        "key": "changelog.unlistedTypes",
        "value": "omit",
        "source": "cliff.toml [git] filter_commits",
    } in data["imported"]


def test_git_cliff_in_pyproject_names_its_table(repo: Repo) -> None:
    from shipline.domain.release.imports import import_tool_configs

    pyproject = (
        '[project]\nname = "kiln"\nversion = "0.8.0"\n\n[tool.git-cliff.git]\n'
        'commit_parsers = [\n  { message = "^feat", group = "Added" },\n'
        '  { message = "^fix", group = "Fixed" },\n]\nfilter_commits = true\n'
    )
    repo.commit("chore: set up", {"pyproject.toml": pyproject})
    settings = {s.key: (s.value, s.source) for s in import_tool_configs(repo.path).settings}
    assert settings["changelog.sections"] == (
        [{"title": "Added", "types": ["feat"]}, {"title": "Fixed", "types": ["fix"]}],
        "pyproject.toml [tool.git-cliff.git] commit_parsers",
    )
    assert settings["changelog.unlistedTypes"] == (
        "omit",
        "pyproject.toml [tool.git-cliff.git] filter_commits",
    )


def test_release_please_changelog_sections(repo: Repo, cli) -> None:
    package = '{\n  "name": "pinwheel",\n  "version": "3.1.0"\n}\n'
    repo.commit(
        "chore(main): release 3.1.0",
        {
            "package.json": package,
            "release-please-config.json": json.dumps(RP_CONFIG, indent=2) + "\n",
            ".release-please-manifest.json": '{\n  ".": "3.1.0"\n}\n',
        },
    )
    repo.tag("v3.1.0")
    perf = repo.commit("perf: memoise the layout")
    docs = repo.commit("docs: a recipe for themes")
    fix = repo.commit("fix: stop the spinner on error")
    repo.commit("chore: tidy scripts")
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, (result.out, result.err)
    text = (repo.path / "CHANGELOG.md").read_text()
    entry = text.split("## [3.1.1] - 2026-03-04\n\n", 1)[1]
    assert entry == (
        f"### 🩹 Fixes\n\n- stop the spinner on error ({fix[:7]})\n- memoise the layout ({perf[:7]})\n\n"
        f"### 📝 Docs\n\n- a recipe for themes ({docs[:7]})\n"
    )


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            [{"title": "Fixes", "types": ["bugfix"]}],
            "release.changelog.sections[0] ('Fixes'): unknown commit type 'bugfix'",
        ),
        (
            [{"title": "A", "types": ["fix"]}, {"title": "B", "types": ["fix"]}],
            "type 'fix' is in two sections ('A' and 'B')",
        ),
        ([{"title": "", "types": ["fix"]}], "title"),
        ([{"title": "Fixes", "types": []}], "types"),
        ("omit", "sections"),
    ],
)
def test_bad_sections_are_90_and_nothing_written(
    repo: Repo, cli, sections: object, message: str
) -> None:
    changelog: dict[str, object] = {"path": "CHANGELOG.md", "sections": sections}
    if sections == "omit":  # a word where a list belongs, and a value that is not a choice
        changelog = {"sections": [{"title": "Fixes", "types": ["fix"]}], "unlistedTypes": "drop"}
        message = "unlistedTypes"
    config = {"release": {"versionBump": ["package.json"], "changelog": changelog}}
    repo.commit(
        "chore: set up",
        {
            "package.json": '{\n  "name": "x",\n  "version": "1.0.0"\n}\n',
            ".shipline/config.json": json.dumps(config),
        },
    )
    repo.tag("v1.0.0")
    repo.commit("fix: a bug")
    before = repo.snapshot()
    for args in (
        ("release", "plan", "--no-push"),
        ("release", "ship", "--yes", "--no-push"),
        ("changelog", "--format", "json"),
        ("--output", "json", "changelog", "--all"),
    ):
        result = cli("-C", repo.path, *args)
        assert result.code == 90, (args, result.out, result.err)
        assert message in result.out + result.err
        assert "Traceback" not in result.out + result.err
        assert repo.snapshot() == before


def test_git_cliff_parsers_shipline_cannot_read_are_noted(repo: Repo, cli) -> None:
    """A group parser whose regex Python cannot read, one that is not a
    table, and commit_parsers that is not a list: each is noted, the rest
    imported, and the release plan still works."""
    from shipline.domain.release.imports import import_tool_configs

    cliff = """[git]
commit_parsers = [
  { message = "^feat(?<scope>x)", group = "Features" },
  "^fix",
  { message = "^fix", group = "Fixes" },
]
"""
    repo.commit("chore: set up", {"cliff.toml": cliff, "VERSION": "1.0.0\n"})
    repo.tag("v1.0.0")
    repo.commit("fix: a bug")
    imported = import_tool_configs(repo.path)
    sections = [s.value for s in imported.settings if s.key == "changelog.sections"]
    assert sections == [[{"title": "Fixes", "types": ["fix"]}]]
    assert any("commit_parsers[0]" in n and "not a regular expression" in n for n in imported.notes)
    plan = cli("-C", repo.path, "release", "plan", "--no-push")
    assert plan.code == 0, (plan.out, plan.err)
    repo.commit("chore: parsers as a string", {"cliff.toml": '[git]\ncommit_parsers = "^feat"\n'})
    assert import_tool_configs(repo.path).settings == []
    assert cli("-C", repo.path, "release", "plan", "--no-push").code == 0


def test_release_please_default_sections_without_changelog_sections(repo: Repo, cli) -> None:
    """No ``changelog-sections``: release-please's own (Features, Bug Fixes,
    Performance Improvements, Reverts, Dependencies; docs, chore... hidden)."""
    config = {"packages": {".": {"release-type": "node"}}}
    repo.commit(
        "chore(main): release 3.1.0",
        {
            "package.json": '{\n  "name": "pinwheel",\n  "version": "3.1.0"\n}\n',
            "release-please-config.json": json.dumps(config, indent=2) + "\n",
            ".release-please-manifest.json": '{\n  ".": "3.1.0"\n}\n',
        },
    )
    repo.tag("pinwheel-v3.1.0")
    deps = repo.commit("deps: bump left-pad to 1.3.1")
    perf = repo.commit("perf: memoise the layout")
    repo.commit("docs: a recipe for themes")
    fix = repo.commit("fix: stop the spinner on error")
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, (result.out, result.err)
    entry = (repo.path / "CHANGELOG.md").read_text().split("## [3.1.1] - 2026-03-04\n\n", 1)[1]
    assert entry == (
        f"### Bug Fixes\n\n- stop the spinner on error ({fix[:7]})\n\n"
        f"### Performance Improvements\n\n- memoise the layout ({perf[:7]})\n\n"
        f"### Dependencies\n\n- bump left-pad to 1.3.1 ({deps[:7]})\n"
    )

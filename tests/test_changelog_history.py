"""``shipline changelog``: prereleases folded as ``ship`` does, ``--since``
labelled by version, other tools' release commits left out, no placeholder
text; plus the changelog rules one by one (re-running, RST widths,
discovery, the migration-note rule in RST)."""

# ruff: noqa: E501  (changelog lines are as long as their maintainers write them)
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Repo

from shipline.domain import errors as changelog_errors
from shipline.domain.release import changelog
from shipline.domain.release.changelog import render
from shipline.domain.release.changelog.style import RST_DEFAULT
from shipline.domain.release.commits import parse_message

HEADER = changelog.HEADER


@pytest.fixture
def series(repo: Repo) -> dict[str, str]:
    """1.0.0, an rc series rolled up into 1.1.0 (with other tools' release
    commits), a 1.2.0 rc, and an unreleased fix; all on 2026-01-01."""
    shas = {"first": repo.commit("feat: first feature")}
    repo.tag("v1.0.0", "Release v1.0.0")
    shas["breaking"] = repo.commit("feat(api)!: drop the v1 endpoints")
    repo.tag("v1.1.0-rc.1", "Release v1.1.0-rc.1")
    shas["second"] = repo.commit("fix: second fix")
    repo.commit("chore(release): prepare for 1.1.0-rc.2")
    repo.tag("v1.1.0-rc.2", "Release v1.1.0-rc.2")
    shas["scoped"] = repo.commit("fix(release): keep the tag message")
    repo.commit("Release 1.1.0")
    repo.tag("v1.1.0", "Release v1.1.0")
    shas["next"] = repo.commit("feat: next thing")
    repo.commit("bump: version 1.1.0 → 1.2.0rc1")
    repo.tag("v1.2.0-rc.1", "Release v1.2.0-rc.1")
    shas["pending"] = repo.commit("fix: unreleased fix")
    return {k: v[:7] for k, v in shas.items()}


def test_all_folds_prereleases_and_leaves_release_commits_out(repo: Repo, series, cli) -> None:
    s = series
    result = cli("-C", repo.path, "changelog", "--all")
    assert result.code == 0, result.err
    assert (
        result.out
        == f"""{HEADER}
## [Unreleased]

### Bug Fixes

- unreleased fix ({s["pending"]})

## [1.2.0-rc.1] - 2026-01-01

### Features

- next thing ({s["next"]})

## [1.1.0] - 2026-01-01

### ⚠ BREAKING CHANGES

- **api:** drop the v1 endpoints ({s["breaking"]})

### Bug Fixes

- **release:** keep the tag message ({s["scoped"]})
- second fix ({s["second"]})

## [1.0.0] - 2026-01-01

### Features

- first feature ({s["first"]})
"""
    )
    assert "Migration note missing" not in result.out


def test_since_last_keeps_each_prerelease_and_the_final_lists_what_came_after(
    repo: Repo, series, cli
) -> None:
    """commitizen's default (release.changelog.prereleases = since-last): the
    history shows the rc entries as the releases wrote them, and 1.1.0 only
    what came after v1.1.0-rc.2."""
    s = series
    repo.write(
        ".shipline/config.json",
        '{"release": {"changelog": {"prereleases": "since-last"}}}\n',
    )
    result = cli("-C", repo.path, "changelog", "--all", "--format", "json")
    assert result.code == 0, result.err
    releases = json.loads(result.out)["releases"]
    listed = [
        (r["version"], [c["sha"][:7] for items in r["groups"].values() for c in items])
        for r in releases
    ]
    assert listed == [
        (None, [s["pending"]]),
        ("1.2.0-rc.1", [s["next"]]),
        ("1.1.0", [s["scoped"]]),
        ("1.1.0-rc.2", [s["second"]]),
        ("1.1.0-rc.1", [s["breaking"]]),
        ("1.0.0", [s["first"]]),
    ]
    text = cli("-C", repo.path, "changelog", "--all")
    assert text.code == 0, text.err
    assert "## [1.1.0-rc.2] - 2026-01-01\n\n### Bug Fixes\n\n- second fix" in text.out
    merged = repo.write(
        ".shipline/config.json", '{"release": {"changelog": {"prereleases": "merge"}}}\n'
    )
    assert merged.exists()
    folded = json.loads(cli("-C", repo.path, "changelog", "--all", "--format", "json").out)
    assert [r["version"] for r in folded["releases"]] == [None, "1.2.0-rc.1", "1.1.0", "1.0.0"]


def test_since_labels_each_release_with_its_version(repo: Repo, series, cli) -> None:
    out = cli("-C", repo.path, "changelog", "--since", "v1.0.0").out
    headings = [ln for ln in out.splitlines() if ln.startswith("## ")]
    assert headings == [
        "## [Unreleased]",
        "## [1.2.0-rc.1] - 2026-01-01",
        "## [1.1.0] - 2026-01-01",
    ]
    js = cli("-C", repo.path, "--output", "json", "changelog", "--since", "v1.1.0")
    assert [r["version"] for r in js.summary["data"]["releases"]] == [None, "1.2.0-rc.1"]


def test_history_follows_the_files_own_style(repo: Repo, series, cli) -> None:
    repo.commit(
        "docs: changelog",
        {"CHANGELOG.md": "## v1.0.0 (2026-01-01)\n\n### Feat\n\n- first feature\n"},
    )
    out = cli("-C", repo.path, "changelog", "--since", "v1.1.0").out
    assert "## v1.2.0-rc.1 (2026-01-01)\n\n### Feat\n\n- next thing\n" in out


# --- the rules one by one --------------------------------------------------------


def _commits() -> list:
    return [
        parse_message("a1b2c3d4" * 5, (), "A", "a@x", 0, "feat(cli): add the --json flag (#88)"),
        parse_message("b2c3d4e5" * 5, (), "A", "a@x", 0, "fix: handle an empty input"),
    ]


@pytest.mark.parametrize("name", ["KEEP_A_CHANGELOG", "CLIFF", "TOWNCRIER", "COMMITIZEN"])
def test_writing_twice_gives_the_same_file(name: str) -> None:
    import test_changelog_formats as fixtures

    path = "CHANGES.rst" if name == "TOWNCRIER" else "CHANGELOG.md"
    text = getattr(fixtures, name).encode()
    first = changelog.propose(
        text, path, version="99.0.0", date="2026-03-04", previous="1.0.0", commits=_commits()
    ).data
    again = changelog.propose(
        first, path, version="99.0.0", date="2026-03-04", previous="1.0.0", commits=_commits()
    ).data
    assert again == first
    assert first.count(b"99.0.0") == again.count(b"99.0.0")


def test_rst_underlines_are_as_wide_as_the_title_in_columns() -> None:
    assert render.heading_lines(RST_DEFAULT, "🚀 Features", "~") == ["🚀 Features", "~" * 11]
    assert render.heading_lines(RST_DEFAULT, "v1.0.0 (2026-03-04)", "=/=") == [
        "=" * 19,
        "v1.0.0 (2026-03-04)",
        "=" * 19,
    ]


def test_rst_output_is_valid_restructuredtext() -> None:
    """docutils reads the written file without a warning (underline too
    short, unknown reference...), emoji titles and the placeholder included."""
    import io

    import docutils.core
    import test_changelog_formats as fixtures

    commits = [*_commits(), parse_message("c3d4e5f6" * 5, (), "A", "a@x", 0, "feat!: drop it")]
    text = fixtures.TOWNCRIER.replace("Bug Fixes\n---------", "🐛 Bug Fixes\n------------")
    out = changelog.propose(
        text.encode(),
        "CHANGES.rst",
        version="11.0.0",
        date="2026-03-04",
        previous="10.6.1",
        commits=commits,
    ).data.decode()
    assert "🐛 Bug Fixes\n------------\n\n- Handle an empty input\n" in out
    warnings = io.StringIO()
    docutils.core.publish_doctree(
        out, settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": warnings}
    )
    assert warnings.getvalue() == ""
    docutils.core.publish_doctree(
        out.replace("-------------\n", "--------\n"),
        settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": warnings},
    )
    assert "Title underline too short" in warnings.getvalue()  # the check can fail


def test_an_empty_rst_file_gets_a_title_and_an_underlined_entry() -> None:
    out = changelog.propose(
        None,
        "docs/changelog.rst",
        version="0.1.0",
        date="2026-03-04",
        previous=None,
        commits=_commits()[1:],
    ).data.decode()
    assert out.startswith(
        "Changelog\n=========\n\n0.1.0 (2026-03-04)\n------------------\n\n"
        "Bug Fixes\n~~~~~~~~~\n\n- handle an empty input (b2c3d4e)\n"
    )


def test_the_changelog_is_found_by_its_usual_names(tmp_path: Path) -> None:
    assert changelog.find_changelog(tmp_path) is None
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "changelog.rst").write_text("x\n")
    assert changelog.find_changelog(tmp_path) == "docs/changelog.rst"
    (tmp_path / "HISTORY.txt").write_text("x\n")
    assert changelog.find_changelog(tmp_path) == "HISTORY.txt"
    (tmp_path / "Changes.md").write_text("x\n")
    assert changelog.find_changelog(tmp_path) == "Changes.md"
    os.symlink("/etc/hostname", tmp_path / "CHANGELOG.md")  # never followed out
    assert changelog.find_changelog(tmp_path) == "Changes.md"


def test_rst_breaking_change_without_migration_note_is_refused(repo: Repo, cli) -> None:
    import test_changelog_formats as fixtures

    fixtures._project(repo, "CHANGES.rst", fixtures.TOWNCRIER, "10.6.1")
    repo.commit("feat(api)!: drop the v1 endpoints")
    before = repo.snapshot()
    plan = cli("-C", repo.path, "release", "plan", "--no-push")
    assert plan.code == 54 and "migration note" in plan.err
    entry = plan.out
    assert "- **api:** Drop the v1 endpoints\n\n  *Migration note missing.*\n" in entry
    assert entry.index("Deprecations and Removals") < entry.index("Drop the v1")
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 54 and "migration note" in result.err
    assert repo.snapshot() == before


CONVENTIONAL = """\
# Changelog

All notable changes to this project will be documented in this file. See [standard-version](https://github.com/conventional-changelog/standard-version) for commit guidelines.

<a name="1.2.0"></a>
## [1.2.0](https://github.com/acme/demo/compare/v1.1.0...v1.2.0) (2026-01-02)


### Bug Fixes

* **parser:** keep comments ([9c1d2e3](https://github.com/acme/demo/commit/9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d)), closes [#12](https://github.com/acme/demo/issues/12)


### Features

* **cli:** add --json ([1b2c3d4](https://github.com/acme/demo/commit/1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c))



<a name="1.1.0"></a>
## [1.1.0](https://github.com/acme/demo/compare/v1.0.0...v1.1.0) (2025-12-01)


### Features

* first ([7a7b7c7](https://github.com/acme/demo/commit/7a7b7c7d7e7f7a7b7c7d7e7f7a7b7c7d7e7f7a7b))
"""


def test_conventional_changelog_anchors_links_and_blank_lines() -> None:
    commits = [
        parse_message(
            "0f1e2d3c" * 5, (), "A", "a@x", 0, "fix(io): close files\n\nCloses #14\nFixes: #15"
        ),
        parse_message("4b5a6978" * 5, (), "A", "a@x", 0, "feat: stream output"),
    ]
    out = changelog.propose(
        CONVENTIONAL.encode(),
        "CHANGELOG.md",
        version="1.3.0",
        date="2026-03-04",
        previous="1.2.0",
        commits=commits,
    ).data.decode()
    url = "https://github.com/acme/demo"
    new = f"""\
<a name="1.3.0"></a>
## [1.3.0]({url}/compare/v1.2.0...v1.3.0) (2026-03-04)


### Bug Fixes

* **io:** close files ([0f1e2d3]({url}/commit/{"0f1e2d3c" * 5})), closes [#14]({url}/issues/14) [#15]({url}/issues/15)


### Features

* stream output ([4b5a697]({url}/commit/{"4b5a6978" * 5}))



"""
    head, rest = CONVENTIONAL.split('<a name="1.2.0"></a>\n', 1)
    assert out == head + new + '<a name="1.2.0"></a>\n' + rest


def test_bare_version_headings_with_flat_items() -> None:
    text = "## 3.0.1\n\n- Keep the cache ([#12](https://x.test/o/r/pull/12))\n"
    commits = [
        parse_message("0f1e2d3c" * 5, (), "A", "a@x", 0, "fix: close files (#14)"),
        parse_message("4b5a6978" * 5, (), "A", "a@x", 0, "chore: tidy"),
    ]
    out = changelog.propose(
        text.encode(),
        "CHANGELOG.md",
        version="3.0.2",
        date="2026-03-04",
        previous="3.0.1",
        commits=commits,
    ).data.decode()
    assert out == ("## 3.0.2\n\n- Close files ([#14](https://x.test/o/r/pull/14))\n\n" + text)


def test_latin1_file_stays_latin1() -> None:
    text = "NEWS\n====\n\n1.0.0\n-----\n\n- Premi\xe8re version (`#3 <https://x.test/3>`__)\n"
    commits = [parse_message("0f1e2d3c" * 5, (), "A", "a@x", 0, "fix: d\xe9j\xe0 vu")]
    out = changelog.propose(
        text.encode("latin-1"),
        "NEWS",
        version="1.0.1",
        date="2026-03-04",
        previous="1.0.0",
        commits=commits,
    ).data
    assert out == ("NEWS\n====\n\n1.0.1\n-----\n\n- D\xe9j\xe0 vu\n\n" + text[11:]).encode(
        "latin-1"
    )
    euro = [parse_message("0f1e2d3c" * 5, (), "A", "a@x", 0, "fix: price in \u20ac")]
    with pytest.raises(changelog_errors.ChangelogFailed) as caught:
        changelog.propose(
            text.encode("latin-1"),
            "NEWS",
            version="1.0.1",
            date="2026-03-04",
            previous="1.0.0",
            commits=euro,
        )
    assert caught.value.code == 57 and "latin-1" in caught.value.message


def test_loose_lists_stay_loose_and_unreleased_items_join_them() -> None:
    text = (
        "## Unreleased\n\n### Fixed\n\n- Hand-written fix.\n\n"
        "## 1.0.0 - 2026-01-02\n\n### Fixed\n\n- One.\n\n- Two.\n"
    )
    commits = [
        parse_message("0f1e2d3c" * 5, (), "A", "a@x", 0, "fix: close files"),
        parse_message("4b5a6978" * 5, (), "A", "a@x", 0, "fix: open files"),
    ]
    out = changelog.propose(
        text.encode(),
        "CHANGELOG.md",
        version="1.0.1",
        date="2026-03-04",
        previous="1.0.0",
        commits=commits,
    ).data.decode()
    assert out == (
        "## 1.0.1 - 2026-03-04\n\n### Fixed\n\n- Hand-written fix.\n\n"
        "- Close files\n\n- Open files\n\n"
        "## 1.0.0 - 2026-01-02\n\n### Fixed\n\n- One.\n\n- Two.\n"
    )


def test_a_version_marked_unreleased_becomes_that_release() -> None:
    text = (
        "# Changelog\n\n## [0.2.0] - unreleased\n\n### Fixed\n\n- Hand-written fix.\n\n"
        "## [0.1.0] - 2026-01-02\n\n### Fixed\n\n- One.\n"
    )
    commits = [parse_message("0f1e2d3c" * 5, (), "A", "a@x", 0, "fix: close files")]
    out = changelog.propose(
        text.encode(),
        "CHANGELOG.md",
        version="0.2.0",
        date="2026-03-04",
        previous="0.1.0",
        commits=commits,
    ).data
    assert out.decode() == text.replace("unreleased", "2026-03-04").replace(
        "- Hand-written fix.\n", "- Hand-written fix.\n- Close files\n"
    )
    assert changelog.has_entry(out, "CHANGELOG.md", "0.2.0")
    assert not changelog.has_entry(text.encode(), "CHANGELOG.md", "0.2.0")


def test_whole_subject_bullets_and_titles_from_older_entries() -> None:
    """python-semantic-release writes each item as the commit's subject; its
    (rare) breaking-changes title is found further down the file."""
    entry = "## v{v} (2023-07-{d:02d})\n\n### Fix\n\n* fix: thing {d} ([`{s}`]({u}/commit/{s}))\n\n"
    url = "https://x.test/o/r"
    older = "".join(
        entry.format(v=f"8.0.{d}", d=d, s=f"{d:02d}ab3cd", u=url) for d in range(9, 1, -1)
    )
    text = (
        f"# CHANGELOG\n\n{older}## v8.0.1 (2023-07-01)\n\n### Breaking\n\n"
        f"* feat!: v8 ([`9b6ddfe`]({url}/commit/9b6ddfe))\n"
    )
    commits = [
        parse_message(
            "0f1e2d3c" * 5,
            (),
            "A",
            "a@x",
            0,
            "feat(api)!: drop hooks\n\nBREAKING CHANGE: use entry points",
        ),
        parse_message("4b5a6978" * 5, (), "A", "a@x", 0, "fix(io): close files (#7)"),
    ]
    out = changelog.propose(
        text.encode(),
        "CHANGELOG.md",
        version="9.0.0",
        date="2026-03-04",
        previous="8.0.9",
        commits=commits,
    ).data.decode()
    assert out.startswith(
        "# CHANGELOG\n\n## v9.0.0 (2026-03-04)\n\n### Breaking\n\n"
        f"* feat(api)!: drop hooks ([`0f1e2d3`]({url}/commit/0f1e2d3))\n\n  use entry points\n\n"
        f"### Fix\n\n* fix(io): close files (#7) ([`4b5a697`]({url}/commit/4b5a697))\n\n"
        "## v8.0.9 (2023-07-09)\n"
    )


SEMANTIC_RELEASE = """\
## [1.2.1](https://github.com/acme/demo/compare/v1.2.0...v1.2.1) (2026-01-10)


### Bug Fixes

* **io:** keep the handle ([abc1234](https://github.com/acme/demo/commit/abc1234def5678901234567890abcdef12345678))

# [1.2.0](https://github.com/acme/demo/compare/v1.1.0...v1.2.0) (2026-01-02)


### Features

* **cli:** add --json ([1b2c3d4](https://github.com/acme/demo/commit/1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c))
"""


@pytest.mark.parametrize(("version", "level"), [("1.3.0", "#"), ("1.2.2", "##")])
def test_semantic_release_minor_releases_one_level_up(version: str, level: str) -> None:
    commits = [parse_message("0f1e2d3c" * 5, (), "A", "a@x", 0, "fix: close files")]
    out = changelog.propose(
        SEMANTIC_RELEASE.encode(),
        "CHANGELOG.md",
        version=version,
        date="2026-03-04",
        previous="1.2.1",
        commits=commits,
    ).data.decode()
    url = "https://github.com/acme/demo"
    assert out == (
        f"{level} [{version}]({url}/compare/v1.2.1...v{version}) (2026-03-04)\n\n\n"
        f"### Bug Fixes\n\n* close files ([0f1e2d3]({url}/commit/{'0f1e2d3c' * 5}))\n\n"
        + SEMANTIC_RELEASE
    )
    assert changelog.has_entry(SEMANTIC_RELEASE.encode(), "CHANGELOG.md", "1.2.0")

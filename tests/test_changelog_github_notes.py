"""A changelog made of GitHub's generated release notes (issue 10, part 3):
maintainers who paste each release's "What's Changed" notes under the
release's heading get the new entry the way GitHub writes them: the
``What's Changed`` title at the level the file uses, one bullet per change
in the order GitHub lists pull requests (``* feat: x by @ada in
https://github.com/o/r/pull/17``), and ``**Full Changelog**`` with the new
compare range. The expected entries are the notes GitHub generates for
these squash-merged pull requests (``New Contributors`` needs the forge's
contributor history and is not written)."""

# ruff: noqa: E501  (changelog lines are as long as GitHub writes them)
from __future__ import annotations

import json

import pytest
from conftest import Repo

RELEASE_DAY = "1772582400"  # 2026-03-04
REPO_URL = "https://github.com/acme/fetchy"

CHANGELOG = f"""# Changelog

## v1.2.0

## What's Changed
* feat: add request retries by @ada in {REPO_URL}/pull/12
* fix: handle empty response bodies by @grace in {REPO_URL}/pull/14

## New Contributors
* @grace made their first contribution in {REPO_URL}/pull/14

**Full Changelog**: {REPO_URL}/compare/v1.1.0...v1.2.0

## v1.1.0

## What's Changed
* feat: stream large downloads by @ada in {REPO_URL}/pull/9

**Full Changelog**: {REPO_URL}/compare/v1.0.0...v1.1.0
"""
PACKAGE = '{\n  "name": "fetchy",\n  "version": "1.2.0"\n}\n'
ADA = ("Ada Lovelace", "1201+ada@users.noreply.github.com")
GRACE = ("Grace Hopper", "grace@users.noreply.github.com")


@pytest.fixture(autouse=True)
def _release_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", RELEASE_DAY)


def _merge(repo: Repo, subject: str, who: tuple[str, str], body: str = "") -> str:
    """A squash-merged pull request: the PR title with ``(#N)``, its author's."""
    repo.clock += 3600
    name, email = who
    message = subject + (f"\n\n{body}" if body else "")
    repo.git(
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        message,
        env={"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email},
    )
    return repo.git("rev-parse", "HEAD")


def _fetchy(repo: Repo, changelog: str = CHANGELOG) -> None:
    repo.commit("chore: release v1.2.0", {"package.json": PACKAGE, "CHANGELOG.md": changelog})
    repo.tag("v1.2.0", "Release v1.2.0")


def _ship(repo: Repo, cli) -> None:
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, (result.out, result.err)


def test_whats_changed_entry_is_written_the_way_github_writes_it(repo: Repo, cli) -> None:
    _fetchy(repo)
    _merge(repo, "feat: add a proxy option (#17)", ADA)
    _merge(repo, "docs: document the retry policy (#18)", GRACE)
    _merge(repo, "fix: keep the timeout on redirects (#19)", GRACE)
    _ship(repo, cli)
    entry = f"""## v1.3.0

## What's Changed
* feat: add a proxy option by @ada in {REPO_URL}/pull/17
* docs: document the retry policy by @grace in {REPO_URL}/pull/18
* fix: keep the timeout on redirects by @grace in {REPO_URL}/pull/19

**Full Changelog**: {REPO_URL}/compare/v1.2.0...v1.3.0

"""
    assert (repo.path / "CHANGELOG.md").read_text() == CHANGELOG.replace(
        "## v1.2.0\n", entry + "## v1.2.0\n", 1
    )
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == [
        "CHANGELOG.md",
        "package.json",
    ]


def test_a_bot_is_named_as_github_names_it(repo: Repo, cli) -> None:
    """Dependabot's pull requests are ``by @dependabot[bot]``, in the file
    and in the new entry, whichever item the shape is learned from."""
    bot_first = CHANGELOG.replace(
        "## What's Changed\n* feat: add request retries",
        "## What's Changed\n"
        f"* chore(deps): bump undici from 6.1.0 to 6.2.0 by @dependabot[bot] in {REPO_URL}/pull/11\n"
        "* feat: add request retries",
        1,
    )
    _fetchy(repo, bot_first)
    bot = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
    _merge(repo, "chore(deps): bump undici from 6.2.0 to 6.3.0 (#20)", bot)
    _merge(repo, "fix: retry on 503 (#21)", ADA)
    result = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    assert result.code == 0, result.out
    assert result.summary["data"]["plan"]["changelog_entry"] == (
        "## v1.2.1\n\n## What's Changed\n"
        f"* chore(deps): bump undici from 6.2.0 to 6.3.0 by @dependabot[bot] in {REPO_URL}/pull/20\n"
        f"* fix: retry on 503 by @ada in {REPO_URL}/pull/21\n\n"
        f"**Full Changelog**: {REPO_URL}/compare/v1.2.0...v1.2.1\n"
    )


def test_a_commit_without_a_pull_request_is_listed_without_the_link(repo: Repo, cli) -> None:
    _fetchy(repo)
    _merge(repo, "fix: retry on 503 (#21)", ADA)
    _merge(repo, "fix: honour Retry-After", GRACE)  # pushed straight to main
    result = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    assert result.code == 0, result.out
    assert result.summary["data"]["plan"]["changelog_entry"] == (
        "## v1.2.1\n\n## What's Changed\n"
        f"* fix: retry on 503 by @ada in {REPO_URL}/pull/21\n"
        "* fix: honour Retry-After by @grace\n\n"
        f"**Full Changelog**: {REPO_URL}/compare/v1.2.0...v1.2.1\n"
    )


NEWEST_FIRST = f"""## [2.0.1] - 2026-02-02

### What's Changed
* fix(cli): exit 2 on a bad flag by @grace in {REPO_URL}/pull/44
* fix: close the pool on exit by @ada in {REPO_URL}/pull/41

**Full Changelog**: {REPO_URL}/compare/v2.0.0...v2.0.1
"""


def test_a_subsection_newest_first_and_a_single_entry(repo: Repo, cli) -> None:
    """``### What's Changed`` under a dated heading, items newest first, and
    a file with one entry: the compare link's other end is the previous one."""
    repo.commit(
        "chore: release v2.0.1",
        {"package.json": PACKAGE.replace("1.2.0", "2.0.1"), "CHANGELOG.md": NEWEST_FIRST},
    )
    repo.tag("v2.0.1", "Release v2.0.1")
    _merge(repo, "feat: add a --json flag (#47)", ADA)
    _merge(repo, "fix(cli): quote paths in errors (#48)", GRACE)
    _ship(repo, cli)
    entry = f"""## [2.1.0] - 2026-03-04

### What's Changed
* fix(cli): quote paths in errors by @grace in {REPO_URL}/pull/48
* feat: add a --json flag by @ada in {REPO_URL}/pull/47

**Full Changelog**: {REPO_URL}/compare/v2.0.1...v2.1.0

"""
    assert (repo.path / "CHANGELOG.md").read_text() == entry + NEWEST_FIRST


def test_changelog_command_and_json_use_the_one_list(repo: Repo, cli) -> None:
    _fetchy(repo)
    fix = _merge(repo, "fix: retry on 503 (#21)", ADA)
    chore = _merge(repo, "chore: bump the lockfile (#22)", GRACE)
    text = cli("-C", repo.path, "changelog")
    assert text.code == 0, text.err
    assert text.out.endswith(
        "## What's Changed\n"
        f"* fix: retry on 503 by @ada in {REPO_URL}/pull/21\n"
        f"* chore: bump the lockfile by @grace in {REPO_URL}/pull/22\n"
    )
    data = json.loads(cli("-C", repo.path, "changelog", "--format", "json").out)
    groups = data["releases"][0]["groups"]
    assert {title: [c["sha"] for c in items] for title, items in groups.items()} == {
        "What's Changed": [fix, chore]
    }


def test_a_breaking_change_keeps_its_migration_note(repo: Repo, cli) -> None:
    """RLSE-005 holds in one list: the breaking item carries its note."""
    _fetchy(repo)
    _merge(
        repo,
        "feat!: drop Node 18 (#30)",
        ADA,
        "BREAKING CHANGE: Node 20 or later is required.",
    )
    _merge(repo, "fix: retry on 503 (#31)", GRACE)
    _ship(repo, cli)
    text = (repo.path / "CHANGELOG.md").read_text()
    assert text.startswith(
        "# Changelog\n\n## v2.0.0\n\n## What's Changed\n"
        f"* feat!: drop Node 18 by @ada in {REPO_URL}/pull/30\n\n"
        "  Node 20 or later is required.\n"
        f"* fix: retry on 503 by @grace in {REPO_URL}/pull/31\n\n"
        f"**Full Changelog**: {REPO_URL}/compare/v1.2.0...v2.0.0\n\n## v1.2.0\n"
    )


# --- bad inputs -------------------------------------------------------------------------


def test_a_breaking_change_without_its_note_stops_before_anything_is_written(
    repo: Repo, cli
) -> None:
    _fetchy(repo)
    _merge(repo, "feat!: drop Node 18 (#30)", ADA)
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 54, (result.out, result.err)
    assert "gate 'migration notes' failed" in result.out + result.err
    assert "RLSE-005" in result.out + result.err
    assert "Traceback" not in result.out + result.err
    assert repo.snapshot() == before


@pytest.mark.parametrize(
    "changelog",
    [
        "# Changelog\n\n## v1.2.0\n\n## What's Changed\n\n**Full Changelog**: x\n",
        "# Changelog\n\n## v1.2.0\n\n### What's Changed\nNothing this time.\n",
    ],
    ids=["no-items", "prose"],
)
def test_a_whats_changed_title_without_items_is_not_a_template(
    repo: Repo, cli, changelog: str
) -> None:
    """No list to learn from: the entry is not written as GitHub's notes
    (no empty ``What's Changed``, no compare line made up)."""
    _fetchy(repo, changelog)
    _merge(repo, "fix: retry on 503 (#21)", ADA)
    result = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    assert result.code in (0, 54), result.out
    entry = result.summary["data"]["plan"]["changelog_entry"] or ""
    assert "What's Changed" not in entry and "Full Changelog" not in entry
    assert "Traceback" not in result.out + result.err

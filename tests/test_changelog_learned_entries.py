"""The changelog entry learned from the file's latest entry (issue 10,
part 3): the date as the heading writes it, the author as the bullets
credit it (``by @user``, ``(@user)``), the pull request and the issues a
commit closes in the file's own link pattern. Each test ships a release
from a repository whose changelog looks like its maintainers', with the
release day pinned, and compares the file byte for byte.
"""

# ruff: noqa: E501  (changelog lines are as long as their maintainers write them)
from __future__ import annotations

import pytest
from conftest import Repo

RELEASE_DAY = "1772582400"  # 2026-03-04T00:00:00Z
ADA = ("Ada Lovelace", "1201+ada@users.noreply.github.com")
GRACE = ("grace-h", "grace@navy.example")
LINUS = ("Linus Example", "linus@example.org")


@pytest.fixture(autouse=True)
def _release_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", RELEASE_DAY)


def _released(repo: Repo, changelog: str, version: str = "1.8.0") -> None:
    repo.commit(
        f"chore(release): {version}",
        {
            "package.json": f'{{\n  "name": "lanterns",\n  "version": "{version}"\n}}\n',
            "CHANGELOG.md": changelog,
        },
    )
    repo.tag(f"v{version}", f"Release v{version}")


def _commit_as(repo: Repo, who: tuple[str, str], message: str) -> str:
    repo.clock += 3600
    repo.write(f"src/change_{repo.clock}.txt", message)
    repo.git("add", "-A")
    name, email = who
    repo.git(
        "commit", "-q", "-m", message, env={"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    )
    return repo.git("rev-parse", "HEAD")


def _ship(repo: Repo, cli) -> str:
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, (result.out, result.err)
    return (repo.path / "CHANGELOG.md").read_text()


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("## v1.8.0 (2026-02-25)", "## v1.9.0 (2026-03-04)"),
        ("## 1.8.0 - 2026-02-25", "## 1.9.0 - 2026-03-04"),
        ("## 1.8.0 — February 25, 2026", "## 1.9.0 — March 4, 2026"),
        ("## 1.8.0 (25 Feb 2026)", "## 1.9.0 (4 Mar 2026)"),
        ("## 1.8.0 (05 Feb 2026)", "## 1.9.0 (04 Mar 2026)"),
        ("## 1.8.0 - 25 February 2026", "## 1.9.0 - 4 March 2026"),
        ("## 1.8.0 (Feb 25, 2026)", "## 1.9.0 (Mar 4, 2026)"),
        ("## 1.8.0 / 2026/02/25", "## 1.9.0 / 2026/03/04"),
        ("## [1.8.0] - 25.02.2026", "## [1.9.0] - 04.03.2026"),
        ("## 1.8.0 (25/02/2026)", "## 1.9.0 (04/03/2026)"),
        ("## 1.8.0 (02/25/2026)", "## 1.9.0 (03/04/2026)"),
        ("## 1.8.0 (02/03/2026)", "## 1.9.0 (2026-03-04)"),  # day or month first? ISO
        ("## 1.8.0 - 25. Februar 2026", "## 1.9.0 - 2026-03-04"),
        (  # the only entry: its compare link's other version is the previous one
            "## [1.8.0](https://github.com/acme/lanterns/compare/v1.7.2..v1.8.0) - 2026-02-25",
            "## [1.9.0](https://github.com/acme/lanterns/compare/v1.8.0..v1.9.0) - 2026-03-04",
        ),
    ],
)
def test_the_heading_date_is_written_as_the_file_writes_it(
    repo: Repo, cli, heading: str, expected: str
) -> None:
    body = "\n\n### Features\n\n- Paper lanterns\n"
    _released(repo, "# Changelog\n\n" + heading + body)
    repo.commit("feat: glass lanterns")
    assert _ship(repo, cli) == (
        "# Changelog\n\n" + expected + "\n\n### Features\n\n- Glass lanterns\n\n" + heading + body
    )


GITHUB_NOTES = """\
# Changelog

## v1.8.0 (2026-02-25)

### New Features 🎉

* Paper lanterns by @ada in https://github.com/acme/lanterns/pull/40

### Bug Fixes 🐛

* Keep the wick lit by @grace-h in https://github.com/acme/lanterns/pull/38
"""


def test_github_generated_notes_credit_the_author_and_the_pull_request(repo: Repo, cli) -> None:
    """GitHub's generated release notes: ``by @login in <pull URL>``. The
    login comes from a noreply address or a login-like name; an author
    known only by name is credited by name; no PR, no ``in``."""
    _released(repo, GITHUB_NOTES)
    _commit_as(repo, ADA, "feat: glass lanterns (#44)")
    _commit_as(repo, GRACE, "fix: trim the wick (#45)")
    _commit_as(repo, LINUS, "fix: dim the lanterns at dawn")
    assert _ship(repo, cli) == GITHUB_NOTES.replace(
        "# Changelog\n\n",
        """\
# Changelog

## v1.9.0 (2026-03-04)

### New Features 🎉

* Glass lanterns by @ada in https://github.com/acme/lanterns/pull/44

### Bug Fixes 🐛

* Dim the lanterns at dawn by Linus Example
* Trim the wick by @grace-h in https://github.com/acme/lanterns/pull/45

""",
    )


RELEASE_DRAFTER = """\
# Changelog

## 1.8.0 — 2026-02-25

### 🚀 Features

- Paper lanterns (#40) (@ada)

### 🐛 Bug Fixes

- Keep the wick lit (#38) (@grace-h)
"""


def test_release_drafter_pr_then_author_in_parentheses(repo: Repo, cli) -> None:
    _released(repo, RELEASE_DRAFTER)
    _commit_as(repo, ADA, "feat: glass lanterns (#44)")
    _commit_as(repo, LINUS, "fix: dim the lanterns at dawn")
    assert _ship(repo, cli) == RELEASE_DRAFTER.replace(
        "# Changelog\n\n",
        """\
# Changelog

## 1.9.0 — 2026-03-04

### 🚀 Features

- Glass lanterns (#44) (@ada)

### 🐛 Bug Fixes

- Dim the lanterns at dawn (Linus Example)

""",
    )


CONVENTIONAL = """\
# Changelog

## [1.8.0](https://github.com/acme/lanterns/compare/v1.7.0...v1.8.0) (2026-02-25)


### Bug Fixes

* **wick:** keep it lit ([1a2b3c4](https://github.com/acme/lanterns/commit/1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d)), closes [#31](https://github.com/acme/lanterns/issues/31) [#32](https://github.com/acme/lanterns/issues/32)
* **glass:** thicker panes ([5e6f708](https://github.com/acme/lanterns/commit/5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081))



## [1.7.0](https://github.com/acme/lanterns/compare/v1.6.0...v1.7.0) (2026-01-10)


### Features

* **glass:** coloured panes ([9a8b7c6](https://github.com/acme/lanterns/commit/9a8b7c6d5e4f30211a2b3c4d5e6f708192a3b4c5))
"""


def test_conventional_changelog_closes_the_issues_the_commit_names(repo: Repo, cli) -> None:
    """``, closes #N #M`` from the body's Closes/Fixes/Resolves lines, in the
    file's link pattern; a commit closing nothing has no ``closes``."""
    _released(repo, CONVENTIONAL)
    fix = _commit_as(
        repo,
        ADA,
        "fix(wick): trim it evenly\n\nThe old cut was crooked.\n\nCloses #50\nFixes: #51, #52",
    )
    other = _commit_as(repo, LINUS, "fix: dim at dawn")
    url = "https://github.com/acme/lanterns"
    assert _ship(repo, cli) == CONVENTIONAL.replace(
        "# Changelog\n\n",
        f"""\
# Changelog

## [1.8.1]({url}/compare/v1.8.0...v1.8.1) (2026-03-04)


### Bug Fixes

* dim at dawn ([{other[:7]}]({url}/commit/{other}))
* **wick:** trim it evenly ([{fix[:7]}]({url}/commit/{fix})), closes [#50]({url}/issues/50) [#51]({url}/issues/51) [#52]({url}/issues/52)



""",
    )


def test_a_utf16_changelog_with_crlf_stays_utf16_with_crlf(repo: Repo, cli) -> None:
    """A changelog saved by a Windows editor: UTF-16 LE with its BOM, CRLF
    line ends, read-only for others; the new entry is written the same way
    (its date in French is one shipline cannot spell: ISO, not the last
    release's date copied)."""
    text = "# Changelog\r\n\r\n## 1.8.0 — 25 février 2026\r\n\r\n### Features\r\n\r\n- Lanternes en papier\r\n"
    repo.commit(
        "chore(release): 1.8.0",
        {"package.json": '{\n  "name": "lanterns",\n  "version": "1.8.0"\n}\n'},
    )
    path = repo.path / "CHANGELOG.md"
    path.write_bytes(text.encode("utf-16"))  # the BOM, then little-endian on this machine
    path.chmod(0o604)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "docs: the changelog")
    repo.tag("v1.8.0", "Release v1.8.0")
    repo.commit("feat: glass lanterns")
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, (result.out, result.err)
    assert path.read_bytes() == (
        "# Changelog\r\n\r\n## 1.9.0 — 2026-03-04\r\n\r\n### Features\r\n\r\n- Glass lanterns\r\n\r\n"
        + text.split("# Changelog\r\n\r\n", 1)[1]
    ).encode("utf-16")
    assert path.stat().st_mode & 0o777 == 0o604

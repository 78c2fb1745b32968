"""Conventional Commit parsing, bump inference and next-version rules, on
real repositories where git is involved."""

from __future__ import annotations

import subprocess

import pytest
from conftest import Repo

from shipline.domain.errors import InvalidVersion
from shipline.domain.gitops import Git
from shipline.domain.release.commits import breaking_notes, changes, parse_message, walk
from shipline.domain.release.versioning import infer_bump, next_version, parse_version


def _msg(text: str, parents: tuple[str, ...] = ("p",)):
    return parse_message("a" * 40, parents, "A", "a@x", 0, text)


@pytest.mark.parametrize(
    ("text", "type_", "scope", "breaking", "desc"),
    [
        ("feat: add x", "feat", None, False, "add x"),
        ("feat(api): add x", "feat", "api", False, "add x"),
        ("fix(api)!: drop x", "fix", "api", True, "drop x"),
        ("FEAT(Core): shout", "feat", "Core", False, "shout"),
        ("refactor!: rename", "refactor", None, True, "rename"),
        ("feat(): empty scope", "feat", None, False, "empty scope"),
        ("Update README", None, None, False, "Update README"),
        ("feat:no space", None, None, False, "feat:no space"),
        ("WIP", None, None, False, "WIP"),
    ],
)
def test_headers(text, type_, scope, breaking, desc) -> None:
    c = _msg(text)
    assert (c.type, c.scope, c.breaking, c.description) == (type_, scope, breaking, desc)
    assert c.conventional is (type_ is not None)


def test_breaking_footers_both_spellings_and_multiline_migration() -> None:
    c = _msg(
        "feat(api): new auth\n\nFirst paragraph of the body.\n\nSecond paragraph.\n\n"
        "BREAKING CHANGE: tokens are now required.\nPass --token or set API_TOKEN.\n"
        "Refs: #12\nBREAKING-CHANGE: the v1 routes are gone"
    )
    assert c.breaking and c.type == "feat"
    assert c.breaking_notes == [
        "tokens are now required.\nPass --token or set API_TOKEN.",
        "the v1 routes are gone",
    ]
    assert "Second paragraph." in c.body


def test_breaking_footer_in_a_non_conventional_message_is_not_a_release_rule() -> None:
    c = _msg("Big rewrite\n\nBREAKING CHANGE: everything")
    assert c.type is None and not c.breaking


def test_breaking_notes_ignore_prose_mentions() -> None:
    assert breaking_notes("This is not a BREAKING CHANGE at all") == []


def test_merge_commits_are_not_changes() -> None:
    merge = _msg("Merge branch 'feature/x'", parents=("a", "b"))
    squash_like = _msg("feat: merged via PR (#3)", parents=("a", "b"))
    assert merge.type is None and merge.is_merge
    assert squash_like.type == "feat"  # a conventional merge subject still counts as a merge
    assert changes([merge]) == []


def test_revert_cancels_its_commit_in_the_same_range() -> None:
    feat = parse_message("b" * 40, ("p",), "A", "a@x", 0, "feat(export): CSV")
    revert = parse_message(
        "c" * 40,
        ("p",),
        "A",
        "a@x",
        0,
        f'Revert "feat(export): CSV"\n\nThis reverts commit {"b" * 40}.',
    )
    assert revert.type == "revert" and revert.reverts == "b" * 40
    assert changes([revert, feat]) == []
    assert changes([revert]) == [revert]  # the reverted commit shipped earlier: list the revert


def test_walk_reads_non_utf8_merges_and_bodies(repo: Repo) -> None:
    repo.commit("feat: base")
    repo.git("switch", "-q", "-c", "side")
    repo.commit("fix(io): side fix")
    repo.git("switch", "-q", "main")
    repo.commit("docs: main docs")
    repo.git("merge", "-q", "--no-ff", "side", "-m", "Merge branch 'side'")
    raw = b"fix: caf\xe9 latin-1 bytes\n\nbody \xff\n"
    tree = repo.git("write-tree")
    sha = (
        subprocess.run(
            ["git", "-C", str(repo.path), "commit-tree", tree, "-p", "HEAD"],
            input=raw,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    repo.git("update-ref", "refs/heads/main", sha)
    commits = walk(Git(repo.path), None)
    # git re-encodes legacy bytes where it can; anything else shows as U+FFFD
    assert commits[0].subject in ("fix: caf\u00e9 latin-1 bytes", "fix: caf\ufffd latin-1 bytes")
    assert commits[0].type == "fix" and commits[1].is_merge
    assert {c.subject for c in changes(commits)} == {
        commits[0].subject,
        "docs: main docs",
        "fix(io): side fix",
        "feat: base",
    }


# --- versions ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1.2", "1.2.3.4", "01.2.3", "v", "", "1.2.3-", "latest"])
def test_invalid_versions_are_53(text: str) -> None:
    with pytest.raises(InvalidVersion) as err:
        parse_version(text)
    assert err.value.code == 53 and repr(text)[1:-1] in err.value.message


@pytest.mark.parametrize("text", ["1.2.3", "v1.2.3", "1.2.3-rc.1+build.5", "V0.0.1"])
def test_valid_versions(text: str) -> None:
    assert str(parse_version(text)) == text.lstrip("vV")


def _commits(*subjects: str):
    return [_msg(s) for s in subjects]


@pytest.mark.parametrize(
    ("subjects", "base", "bump"),
    [
        (["fix: a"], "1.2.0", "patch"),
        (["perf: a", "docs: b"], "1.2.0", "patch"),
        (["feat: a", "fix: b"], "1.2.0", "minor"),
        (["feat!: a", "feat: b"], "1.2.0", "major"),
        (["feat!: a"], "0.4.0", "minor"),  # 0.x: breaking is minor
        (["feat: a"], "0.4.0", "minor"),
        (["chore: a", "docs: b", "Update"], "1.2.0", None),
    ],
)
def test_infer_bump(subjects, base, bump) -> None:
    decision = infer_bump(_commits(*subjects), parse_version(base))
    assert decision.bump == bump and decision.reasons


def _next(last_stable, last_tag, bump, pre=None, explicit=None, first=False):
    v = next_version(
        last_stable=parse_version(last_stable) if last_stable else None,
        last_tag=parse_version(last_tag) if last_tag else None,
        bump=bump,
        pre=pre,
        explicit=explicit,
        first_release=first,
    )
    return str(v.version) if v.version else None


def test_prerelease_series_and_promotion() -> None:
    assert _next("1.3.0", "1.3.0", "minor", pre="rc") == "1.4.0-rc.1"
    assert _next("1.3.0", "1.4.0-rc.1", "minor", pre="rc") == "1.4.0-rc.2"
    assert _next("1.3.0", "1.4.0-rc.2", "patch", pre="rc") == "1.4.0-rc.3"  # series wins
    assert _next("1.3.0", "1.4.0-rc.2", "minor", pre="beta") == "1.4.0-beta.1"
    assert _next("1.3.0", "1.4.0-rc.2", "minor") == "1.4.0"
    assert _next("1.3.0", "1.4.0-rc.2", "major", pre="rc") == "2.0.0-rc.1"
    assert _next("1.3.0", "1.4.0-rc.2", "prerelease") == "1.4.0-rc.3"
    assert _next("1.3.0", "1.3.0", "prerelease") == "1.3.1-rc.1"
    assert _next(None, None, "minor", first=True) == "0.1.0"
    assert _next("1.3.0", "1.3.0", None) is None


def test_explicit_version_must_be_newer_and_valid() -> None:
    assert _next("1.3.0", "1.3.0", None, explicit="v2.0.0") == "2.0.0"
    with pytest.raises(InvalidVersion, match=r"not greater than the last release 1.3.0"):
        _next("1.3.0", "1.3.0", None, explicit="1.2.9")
    with pytest.raises(InvalidVersion, match=r"'2.0' is not a valid"):
        _next("1.3.0", "1.3.0", None, explicit="2.0")
    with pytest.raises(InvalidVersion, match=r"--pre 'r c'"):
        _next("1.3.0", "1.3.0", "minor", pre="r c")

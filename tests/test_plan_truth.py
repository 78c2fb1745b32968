"""Plans that tell the truth (issue 10, part 5): a failed preflight check
makes ``release plan`` unreleasable with its exit code; a manifest ahead of
the last reachable tag is never downgraded; tags off the branch are
explained; ``release abort`` leaves nothing staged. Also the repository's
own bump rules and exclusions, and a history without Conventional Commits."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Repo
from test_resume_abort import _pipeline, _stop_after


def _plan(cli, repo: Repo, *args: str) -> tuple[int, dict]:
    result = cli("-C", repo.path, "--output", "json", "release", "plan", *args)
    summary = result.summary
    assert summary["exit_code"] == result.code
    return result.code, summary.get("data", {}).get("plan", {})


def _config(repo: Repo, release: dict) -> None:
    repo.write(".shipline/config.json", json.dumps({"release": release}))
    repo.git("add", ".shipline/config.json")
    repo.git("commit", "-q", "-m", "chore: shipline config")


def test_a_dirty_tree_makes_the_plan_unreleasable(py_repo: Repo, remote: Path, cli) -> None:
    py_repo.write("src/wip.py", "x = 1\n")
    before = py_repo.snapshot()
    code, plan = _plan(cli, py_repo)
    assert code == 54
    assert plan["releasable"] is False and plan["version"] == "1.3.0"
    assert plan["blocker"] == "clean worktree: uncommitted changes: src/wip.py"
    assert plan["blocker_code"] == 54 and "commit or stash" in plan["blocker_hint"]
    assert py_repo.snapshot() == before


def test_a_detached_head_is_not_releasable(py_repo: Repo, remote: Path, cli) -> None:
    py_repo.git("checkout", "-q", "--detach", "HEAD")
    code, plan = _plan(cli, py_repo)
    assert (code, plan["releasable"]) == (54, False)
    assert plan["blocker"] == "release branch: HEAD is detached"
    text = cli("-C", py_repo.path, "release", "plan")
    assert text.code == 54 and "would be released" not in text.out
    assert "check out the release branch" in text.out


def test_the_wrong_branch_is_not_releasable(py_repo: Repo, remote: Path, cli) -> None:
    py_repo.git("switch", "-q", "-c", "feature/x")
    code, plan = _plan(cli, py_repo)
    assert code == 54
    assert plan["blocker"].startswith("release branch: on branch 'feature/x'")


def test_no_remote_is_a_blocker_unless_no_push(py_repo: Repo, cli) -> None:
    code, plan = _plan(cli, py_repo)
    assert code == 54 and plan["blocker"] == "remote in sync: no remote named 'origin'"
    code, plan = _plan(cli, py_repo, "--no-push")
    assert (code, plan["releasable"], plan["tag"]) == (0, True, "v1.3.0")


def test_manifest_ahead_of_the_last_tag_is_released_as_it_says(repo: Repo, cli) -> None:
    repo.commit("feat: first", {"pyproject.toml": '[project]\nname = "x"\nversion = "1.4.0"\n'})
    repo.tag("v1.4.0", "Release v1.4.0")
    repo.commit(
        "feat!: new API\n\nBREAKING CHANGE: the old one is gone",
        {"pyproject.toml": '[project]\nname = "x"\nversion = "2.0.0"\n'},
    )
    code, plan = _plan(cli, repo, "--no-push")
    assert code == 0 and plan["version"] == "2.0.0" and plan["tag"] == "v2.0.0"
    assert plan["warnings"] == [
        "pyproject.toml says 2.0.0, ahead of the last tag on this branch v1.4.0"
    ]
    assert "releasing 2.0.0 as the manifest says" in plan["reasons"][0]
    assert plan["files"] == [
        {"path": "pyproject.toml", "old_version": "2.0.0", "changes": [], "why": None}
    ]


def test_a_tag_off_the_branch_is_explained_and_never_proposed(repo: Repo, cli) -> None:
    """1.9.0 was released from a branch that was squash-merged: main says
    1.9.0 but its last reachable tag is v1.8.0. A fix must give 1.9.1, not
    1.8.1 (a downgrade) nor 1.9.0 (a tag that exists)."""
    repo.commit("feat: base", {"pyproject.toml": '[project]\nname = "x"\nversion = "1.8.0"\n'})
    repo.tag("v1.8.0", "Release v1.8.0")
    repo.git("switch", "-q", "-c", "release/1.9")
    repo.commit(
        "chore(release): 1.9.0", {"pyproject.toml": '[project]\nname = "x"\nversion = "1.9.0"\n'}
    )
    repo.tag("v1.9.0", "Release v1.9.0")
    off = repo.git("rev-parse", "HEAD")
    repo.git("switch", "-q", "main")
    repo.commit(
        "chore: squash-merge release 1.9",
        {"pyproject.toml": '[project]\nname = "x"\nversion = "1.9.0"\n'},
    )
    repo.commit("fix: a crash")
    code, plan = _plan(cli, repo, "--no-push")
    assert code == 0 and plan["last_tag"] == "v1.8.0"
    assert plan["version"] == "1.9.1" and plan["tag"] == "v1.9.1"
    assert any("tag v1.9.0 already names off this branch" in r for r in plan["reasons"])
    assert (
        f"tag v1.9.0 is not on this branch (it tags {off[:7]}, which HEAD does not "
        "contain): not counted as the last release" in plan["warnings"]
    )


def test_abort_after_a_stop_between_add_and_commit_leaves_nothing_staged(
    py_repo: Repo, remote: Path
) -> None:
    before = py_repo.snapshot()
    _stop_after(py_repo, "gates")
    py_repo.git("add", "--", "pyproject.toml", "CHANGELOG.md")  # the commit step's first command
    assert py_repo.git("diff", "--cached", "--name-only")
    list(_pipeline(py_repo).abort())
    assert py_repo.git("diff", "--cached", "--name-only") == ""
    after = py_repo.snapshot()
    after["files"] = {k: v for k, v in after["files"].items() if not k.startswith(".shipline")}
    assert after == before


def test_bump_rules_decide_and_exclusions_leave_commits_out(py_repo: Repo, cli) -> None:
    py_repo.git("reset", "-q", "--hard", "v1.2.0")
    _config(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "bumpRules": [
                {"type": "refactor", "bump": "patch"},
                {"type": "feat", "scope": "docs", "bump": "none"},
            ],
            "excludeCommits": ["^Bump ", r"\[skip changelog\]"],
        },
    )
    py_repo.commit("feat(docs): a new guide")
    refactor = py_repo.commit("refactor: split the parser")
    py_repo.commit("Bump requests from 2.31.0 to 2.32.0")
    py_repo.commit("feat: hidden [skip changelog]")
    code, plan = _plan(cli, py_repo, "--no-push")
    assert code == 0 and plan["bump"] == "patch" and plan["version"] == "1.2.1"
    assert plan["reasons"][0] == (
        f"1 commit matching release.bumpRules[0] (type refactor) (e.g. {refactor[:7]} "
        "refactor: split the parser) → patch"
    )
    subjects = [c["subject"] for c in plan["commits"]]
    assert "Bump requests from 2.31.0 to 2.32.0" not in subjects
    assert "feat: hidden [skip changelog]" not in subjects
    assert "requests" not in plan["changelog_entry"]
    assert "hidden" not in plan["changelog_entry"]


def test_a_history_without_conventional_commits_says_so(py_repo: Repo, remote: Path, cli) -> None:
    py_repo.git("reset", "-q", "--hard", "v1.2.0")
    py_repo.git("push", "-q", "-f", "origin", "main")
    py_repo.commit("Add the export endpoint")
    py_repo.commit("Handle empty input")
    py_repo.commit("Update README")
    code, plan = _plan(cli, py_repo)
    assert code == 0 and plan["releasable"] is False
    assert plan["blocker"] == "3 commits, none Conventional; pass --bump or a version"
    code, plan = _plan(cli, py_repo, "--bump", "minor")
    assert (code, plan["version"]) == (0, "1.3.0")
    before = py_repo.snapshot()
    ship = cli("-C", py_repo.path, "release", "ship", "--yes")
    assert ship.code == 54
    assert "3 commits, none Conventional; pass --bump or a version" in ship.out + ship.err
    assert py_repo.snapshot() == before


def test_a_pattern_rule_releases_a_non_conventional_history(py_repo: Repo, cli) -> None:
    py_repo.git("reset", "-q", "--hard", "v1.2.0")
    _config(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "bumpRules": [
                {"pattern": "^Add ", "bump": "minor"},
                {"pattern": "^(Fix|Handle) ", "bump": "patch"},
            ],
        },
    )
    py_repo.commit("Handle empty input")
    py_repo.commit("Add the export endpoint")
    code, plan = _plan(cli, py_repo, "--no-push")
    assert (code, plan["version"], plan["bump"]) == (0, "1.3.0", "minor")


def test_invalid_bump_rules_are_90_with_their_path(py_repo: Repo, cli) -> None:
    cases = [
        (
            {"bumpRules": [{"bump": "patch"}]},
            "release.bumpRules[0]: Value error, a bump rule needs a type, a scope or a pattern",
        ),
        (
            {"bumpRules": [{"type": "refactor", "bump": "tiny"}]},
            "release.bumpRules[0].bump: Input should be 'major', 'minor', 'patch' or 'none'",
        ),
        (
            {"bumpRules": [{"pattern": "([", "bump": "patch"}]},
            "release.bumpRules[0].pattern: Value error, not a valid regular expression",
        ),
        (
            {"excludeCommits": ["ok", "(unclosed"]},
            "release.excludeCommits: Value error, [1] '(unclosed' is not a valid regular",
        ),
        (
            {"commitMessage": "release {version} from {current_version}"},
            "release.commitMessage: Value error, commitMessage: unknown placeholder "
            "{current_version}",
        ),
    ]
    for release, message in cases:
        py_repo.write(".shipline/config.json", json.dumps({"release": release}))
        before = py_repo.snapshot()
        result = cli("-C", py_repo.path, "release", "plan", "--no-push")
        assert result.code == 90, result.out
        assert message in result.out + result.err
        assert ".shipline/config.json" in result.out + result.err
        assert py_repo.snapshot() == before


def test_a_proposed_tag_that_exists_off_the_branch_is_refused_with_58(repo: Repo, cli) -> None:
    """v1.3.0 was tagged on a branch that was never merged, and main's files
    still say 1.2.0: the feature on main would make 1.3.0 again. The plan
    says so (58, the tag and where it is) instead of proposing it."""
    repo.commit("feat: base", {"pyproject.toml": '[project]\nname = "x"\nversion = "1.2.0"\n'})
    repo.tag("v1.2.0", "Release v1.2.0")
    repo.git("switch", "-q", "-c", "experiment")
    repo.commit("feat: an experiment")
    repo.tag("v1.3.0", "Release v1.3.0")
    repo.git("switch", "-q", "main")
    repo.commit("feat: the real feature")
    before = repo.snapshot()
    code, plan = _plan(cli, repo, "--no-push")
    assert code == 58 and plan["releasable"] is False and plan["version"] == "1.3.0"
    assert plan["blocker"] == "tag is new: tag v1.3.0 already exists locally"
    assert any(w.startswith("tag v1.3.0 is not on this branch") for w in plan["warnings"])
    code, plan = _plan(cli, repo, "--no-push", "1.4.0")
    assert (code, plan["releasable"], plan["tag"]) == (0, True, "v1.4.0")
    assert repo.snapshot() == before

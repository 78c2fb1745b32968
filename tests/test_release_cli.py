"""``shipline release plan|ship`` end to end on real repositories, including
every bad input of issue 2: exit code, one-line message, no traceback, and
the repository exactly as it was."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import Repo


def _config(repo: Repo, release: dict) -> None:
    repo.write(".shipline/config.json", json.dumps({"release": release}))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: configure shipline")


def _assert_refused(result, code: int, words: str) -> None:
    assert result.code == code, (result.out, result.err)
    assert words in result.err
    assert "Traceback" not in result.err + result.out


def test_plan_shows_everything_and_changes_nothing(py_repo: Repo, cli) -> None:
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "plan", "--no-push")
    assert result.code == 0, result.err
    assert 'version = "1.2.0"' in result.out and 'version = "1.3.0"' in result.out
    assert "pyproject.toml" in result.out
    assert "## [1.3.0]" in result.out and "add the export endpoint" in result.out
    assert "git tag -a v1.3.0" in result.out
    assert "git commit -m 'chore(release): 1.3.0' -- pyproject.toml CHANGELOG.md" in result.out
    assert py_repo.snapshot() == before


def test_plan_json_lines_end_with_summary(py_repo: Repo, remote: Path, cli) -> None:
    result = cli("-C", py_repo.path, "--output", "json", "release", "plan")
    lines = result.json_lines()
    assert lines[-1]["kind"] == "summary" and lines[-1]["exit_code"] == 0
    plan = lines[-1]["data"]["plan"]
    assert plan["version"] == "1.3.0" and plan["bump"] == "minor"
    assert plan["files"][0]["changes"][0] == {
        "line": 3,
        "before": 'version = "1.2.0"',
        "after": 'version = "1.3.0"',
    }
    assert any(line["kind"] == "git_command" for line in lines)


def test_ship_commits_exactly_the_bumped_files_and_tags(py_repo: Repo, cli) -> None:
    py_repo.write("untracked-notes.txt", "not part of the release")
    py_repo.git("add", "untracked-notes.txt")
    py_repo.git("commit", "-q", "-m", "docs: notes")
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    changed = py_repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == ["CHANGELOG.md", "pyproject.toml"]
    assert py_repo.git("log", "-1", "--format=%s") == "chore(release): 1.3.0"
    assert py_repo.git("cat-file", "-t", "v1.3.0") == "tag"  # annotated
    assert py_repo.git("rev-parse", "v1.3.0^{commit}") == py_repo.git("rev-parse", "HEAD")
    text = (py_repo.path / "CHANGELOG.md").read_text()
    assert text.index("## [1.3.0]") < text.index("## [1.2.0]")
    assert 'version = "1.3.0"\n# keep me' in (py_repo.path / "pyproject.toml").read_text()
    assert not (py_repo.path / ".shipline" / "journal.json").exists()
    # only the ledger (meant to be committed by the team) is new
    assert (
        py_repo.git("status", "--porcelain", "--untracked-files=all")
        == "?? .shipline/.gitignore\n?? .shipline/releases.json"
    )


def test_ship_pushes_commit_and_tag(py_repo: Repo, remote: Path, cli) -> None:
    result = cli("-C", py_repo.path, "release", "ship", "--yes")
    assert result.code == 0, result.err
    refs = subprocess.run(
        ["git", "ls-remote", str(remote)], capture_output=True, text=True, check=True
    ).stdout
    assert "refs/tags/v1.3.0" in refs
    assert py_repo.git("rev-parse", "HEAD") in refs


def test_dry_run_ship_changes_nothing(py_repo: Repo, remote: Path, cli) -> None:
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "--output", "json", "release", "ship", "--dry-run")
    assert result.code == 0, result.err
    planned = [e["argv"] for e in result.json_lines() if e["kind"] == "git_command"]
    assert planned[-1][:2] == ["push", "--atomic"]
    assert py_repo.snapshot() == before
    assert not (py_repo.path / ".shipline").exists()


def test_first_release_bumps_the_manifest_version(repo: Repo, cli) -> None:
    repo.commit(
        "feat: first feature", {"pyproject.toml": '[project]\nname = "x"\nversion = "0.1.0"\n'}
    )
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    assert repo.git("tag") == "v0.2.0"


def test_prerelease_series_then_promotion(py_repo: Repo, cli) -> None:
    assert cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push", "--pre", "rc").code == 0
    assert py_repo.git("describe", "--tags") == "v1.3.0-rc.1"
    py_repo.commit("fix: one more fix")
    assert cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push", "--pre", "rc").code == 0
    assert py_repo.git("describe", "--tags") == "v1.3.0-rc.2"
    py_repo.commit("fix: last fix")
    assert cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push").code == 0
    assert py_repo.git("describe", "--tags") == "v1.3.0"
    entry = (py_repo.path / "CHANGELOG.md").read_text().split("## [1.3.0-rc.2]")[0]
    assert "add the export endpoint" in entry and "last fix" in entry  # rc work rolled up


# --- bad inputs ----------------------------------------------------------------


def test_non_semver_version_is_53(py_repo: Repo, cli) -> None:
    before = py_repo.snapshot()
    _assert_refused(
        cli("-C", py_repo.path, "release", "ship", "1.3", "--yes", "--no-push"), 53, "1.3"
    )
    assert py_repo.snapshot() == before


def test_unknown_config_key_is_90(py_repo: Repo, cli) -> None:
    _config(py_repo, {"tagPrefix": "v", "versionBunp": ["pyproject.toml"]})
    before = py_repo.snapshot()
    _assert_refused(
        cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push"),
        90,
        "release.versionBunp: unknown key",
    )
    assert py_repo.snapshot() == before


def test_malformed_config_json_is_90(py_repo: Repo, cli) -> None:
    py_repo.write(".shipline/config.json", '{"release": {"tagPrefix": "v",}}')
    py_repo.git("add", "-A")
    py_repo.git("commit", "-q", "-m", "chore: broken config")
    result = cli("-C", py_repo.path, "release", "plan")
    _assert_refused(result, 90, "malformed JSON: line 1 column")


def test_dirty_worktree_is_54(py_repo: Repo, cli) -> None:
    py_repo.write("src/wip.py", "unfinished")
    before = py_repo.snapshot()
    _assert_refused(
        cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push"),
        54,
        "uncommitted changes: src/wip.py",
    )
    assert py_repo.snapshot() == before


def test_detached_head_is_54(py_repo: Repo, cli) -> None:
    py_repo.git("checkout", "-q", "--detach", "HEAD")
    before = py_repo.snapshot()
    _assert_refused(
        cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push"), 54, "HEAD is detached"
    )
    assert py_repo.snapshot() == before


def test_wrong_branch_is_54(py_repo: Repo, cli) -> None:
    py_repo.git("switch", "-q", "-c", "feature/x")
    before = py_repo.snapshot()
    _assert_refused(
        cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push"),
        54,
        "on branch 'feature/x'",
    )
    assert py_repo.snapshot() == before


def test_tag_that_exists_locally_is_58(py_repo: Repo, cli) -> None:
    py_repo.git("switch", "-q", "-c", "side", "v1.2.0")
    py_repo.commit("fix: on a side branch")
    py_repo.tag("v1.3.0", "not reachable from main")
    py_repo.git("switch", "-q", "main")
    before = py_repo.snapshot()
    _assert_refused(
        cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push"),
        58,
        "tag v1.3.0 already exists locally",
    )
    assert py_repo.snapshot() == before


def test_tag_that_exists_on_the_remote_is_58(py_repo: Repo, remote: Path, cli) -> None:
    py_repo.tag("v1.3.0", "pushed by someone else")
    py_repo.git("push", "-q", "origin", "v1.3.0")
    py_repo.git("tag", "-d", "v1.3.0")
    before = py_repo.snapshot()
    _assert_refused(
        cli("-C", py_repo.path, "release", "ship", "--yes"), 58, "already exists on origin"
    )
    assert py_repo.snapshot() == before


def test_branch_behind_remote_is_54(py_repo: Repo, remote: Path, tmp_path: Path, cli) -> None:
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
    (other / "x.txt").write_text("x")
    subprocess.run(["git", "-C", str(other), "add", "x.txt"], check=True)
    subprocess.run(["git", "-C", str(other), "commit", "-q", "-m", "fix: elsewhere"], check=True)
    subprocess.run(["git", "-C", str(other), "push", "-q", "origin", "main"], check=True)
    _assert_refused(
        cli("-C", py_repo.path, "release", "ship", "--yes"), 54, "main is behind origin/main"
    )


def test_unreachable_remote_is_54(py_repo: Repo, tmp_path: Path, cli) -> None:
    py_repo.git("remote", "add", "origin", str(tmp_path / "does-not-exist.git"))
    _assert_refused(cli("-C", py_repo.path, "release", "ship", "--yes"), 54, "unreachable")


def test_no_commits_since_last_tag_is_54(repo: Repo, cli) -> None:
    repo.commit("feat: x", {"pyproject.toml": '[project]\nname = "x"\nversion = "1.0.0"\n'})
    repo.tag("v1.0.0", "Release")
    before = repo.snapshot()
    _assert_refused(
        cli("-C", repo.path, "release", "ship", "--yes", "--no-push"), 54, "no commits since v1.0.0"
    )
    assert repo.snapshot() == before
    plan = cli("-C", repo.path, "release", "plan")
    assert plan.code == 0 and "nothing to release" in plan.out


def test_only_chores_need_an_explicit_bump(py_repo: Repo, cli) -> None:
    py_repo.git("reset", "-q", "--hard", "v1.2.0")
    py_repo.commit("chore: tidy")
    _assert_refused(
        cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push"),
        54,
        "no release-worthy commits",
    )
    assert (
        cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push", "--bump", "patch").code
        == 0
    )
    assert py_repo.git("describe", "--tags") == "v1.2.1"


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ({"versionBump": ["missing.toml"]}, "missing.toml"),
        ({"versionBump": ["VERSION"]}, "VERSION"),
    ],
)
def test_version_file_missing_or_without_version_is_55(py_repo: Repo, cli, files, words) -> None:
    py_repo.write("VERSION", "\n")
    _config(py_repo, files)
    before = py_repo.snapshot()
    _assert_refused(cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push"), 55, words)
    assert py_repo.snapshot() == before


def test_version_files_that_disagree_are_55(py_repo: Repo, cli) -> None:
    py_repo.write("VERSION", "1.1.0\n")
    _config(py_repo, {"versionBump": ["pyproject.toml", "VERSION"]})
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    _assert_refused(result, 55, "VERSION")
    assert py_repo.snapshot() == before


def test_failing_gate_is_54_and_restores_files(py_repo: Repo, cli) -> None:
    _config(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "gates": [{"name": "tests", "run": "echo 3 failed; exit 3"}],
        },
    )
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    _assert_refused(result, 54, "gate 'tests' failed: exited 3: 3 failed")
    assert py_repo.snapshot() == before
    assert not (py_repo.path / ".shipline" / "journal.json").exists()


def test_gate_that_hangs_times_out_with_54(py_repo: Repo, cli) -> None:
    _config(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "gates": [{"name": "hang", "run": "sleep 60", "timeoutSeconds": 1}],
        },
    )
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    _assert_refused(result, 54, "timed out after 1 s")
    assert py_repo.snapshot() == before


def test_gate_output_is_streamed_as_events(py_repo: Repo, cli) -> None:
    _config(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "gates": [{"name": "lint", "run": "echo checking $SHIPLINE_VERSION"}],
        },
    )
    result = cli("-C", py_repo.path, "--output", "json", "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    logs = [e for e in result.json_lines() if e["kind"] == "log" and e["source"] == "lint"]
    assert logs[0]["text"] == "checking 1.3.0"


def test_breaking_change_without_migration_note_is_54(py_repo: Repo, cli, tmp_path: Path) -> None:
    py_repo.commit("feat(api)!: drop the v1 endpoints")
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    _assert_refused(result, 54, "breaking change without a migration note")
    assert py_repo.snapshot() == before
    entry = tmp_path / "entry.md"
    entry.write_text("## [2.0.0] - 2026-01-01\n\n### ⚠ BREAKING CHANGES\n\n- drop v1: use /v2.\n")
    result = cli(
        "-C", py_repo.path, "release", "ship", "--yes", "--no-push", "--changelog-entry", entry
    )
    assert result.code == 0, result.err
    assert "use /v2." in (py_repo.path / "CHANGELOG.md").read_text()


def test_second_release_while_one_runs_is_52(py_repo: Repo, cli) -> None:
    from shipline.domain.pipeline.journal import ReleaseLock

    before = py_repo.snapshot()
    with ReleaseLock(py_repo.path / ".shipline"):
        result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    _assert_refused(result, 52, "another release is in progress")
    files = {k: v for k, v in py_repo.snapshot()["files"].items() if not k.startswith(".shipline")}
    assert files == before["files"]


def test_no_changelog_skips_the_file(py_repo: Repo, cli) -> None:
    before = (py_repo.path / "CHANGELOG.md").read_bytes()
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 0, result.err
    assert (py_repo.path / "CHANGELOG.md").read_bytes() == before
    assert py_repo.git("show", "--name-only", "--format=", "HEAD").split() == ["pyproject.toml"]


def test_not_a_repository_is_2(tmp_path: Path, cli) -> None:
    _assert_refused(cli("-C", tmp_path, "release", "plan"), 2, "not inside a git repository")


def test_duplicate_artifact_names_are_90(py_repo: Repo, cli) -> None:
    _config(
        py_repo,
        {
            "artifacts": [
                {"type": "tarball", "name": "src", "registry": "/tmp/x"},
                {"type": "tarball", "name": "src", "registry": "/tmp/y"},
            ]
        },
    )
    _assert_refused(cli("-C", py_repo.path, "release", "plan"), 90, "two artifacts are named 'src'")


def test_reviewed_entry_that_keeps_the_placeholder_is_still_54(
    py_repo: Repo, cli, tmp_path: Path
) -> None:
    from shipline.domain.release.changelog import MISSING_MIGRATION

    py_repo.commit("feat(api)!: drop the v1 endpoints")
    entry = tmp_path / "entry.md"
    entry.write_text(
        f"## [2.0.0] - 2026-01-01\n\n### ⚠ BREAKING CHANGES\n\n- drop v1\n\n  {MISSING_MIGRATION}\n"
    )
    before = py_repo.snapshot()
    result = cli(
        "-C", py_repo.path, "release", "ship", "--yes", "--no-push", "--changelog-entry", entry
    )
    _assert_refused(result, 54, "breaking change without a migration note")
    assert py_repo.snapshot() == before

"""Release trains: several packages of a workspace in one release commit, a
tag per package, dependents' requirements by policy, a changelog per
package, one ledger record per package, and resume/abort of a train."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import Repo, run_shipline
from monorepos import cargo_workspace, package_json, pnpm_monorepo, uv_workspace

EPOCH = "1767830400"  # 2026-01-08


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def _origin(repo: Repo) -> Path:
    bare = repo.path.parent / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "main", "--tags")
    return bare


def _show(repo: Repo, path: str, rev: str = "HEAD") -> str:
    return repo.git("show", f"{rev}:{path}")


def test_a_pnpm_train_is_one_commit_with_a_tag_per_package(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    bare = _origin(repo)
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    base = repo.git("rev-parse", "HEAD")
    result = cli("-C", repo.path, "release", "ship", "--yes")
    assert result.code == 0, result.err
    # the release commit a maintainer would make, byte for byte
    assert repo.git("rev-parse", "HEAD^") == base
    assert repo.git("log", "-1", "--format=%B") == (
        "chore(release): @acme/core@1.3.0, @acme/cli@3.0.2\n\n- @acme/core@1.3.0\n- @acme/cli@3.0.2"
    )
    assert repo.git("diff", "--name-only", "HEAD^", "HEAD").splitlines() == [
        "packages/cli/CHANGELOG.md",
        "packages/cli/package.json",
        "packages/core/CHANGELOG.md",
        "packages/core/package.json",
    ]
    assert _show(repo, "packages/core/package.json") == package_json("@acme/core", "1.3.0").rstrip(
        "\n"
    )
    assert _show(repo, "packages/cli/package.json") == package_json(
        "@acme/cli", "3.0.2", deps={"@acme/core": "workspace:^"}
    ).rstrip("\n")
    # @acme/write's "^1.0.0" still allows 1.3.0: left alone (the default policy)
    assert "packages/write/package.json" not in repo.git("diff", "--name-only", "HEAD^")
    assert _show(repo, "packages/core/CHANGELOG.md").endswith(
        "## [1.3.0] - 2026-01-08\n\n### Features\n\n"
        f"- **core:** add retries ({repo.git('rev-parse', '--short=7', 'HEAD^')})"
    )
    assert sorted(repo.git("tag", "--points-at", "HEAD").splitlines()) == [
        "@acme/cli@3.0.2",
        "@acme/core@1.3.0",
    ]
    remote_tags = subprocess.run(
        ["git", "-C", str(bare), "tag"], capture_output=True, text=True
    ).stdout.split()
    assert {"@acme/cli@3.0.2", "@acme/core@1.3.0"} <= set(remote_tags)
    records = json.loads((repo.path / ".shipline" / "releases.json").read_text())["records"]
    assert [(r["version"], r["gitTag"], r["metadata"]["links"]["package"]) for r in records] == [
        ("1.3.0", "@acme/core@1.3.0", "@acme/core"),
        ("3.0.2", "@acme/cli@3.0.2", "@acme/cli"),
    ]
    assert not (repo.path / ".shipline" / "journal.json").exists()


def test_a_requirement_the_new_version_breaks_is_raised(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit(
        "feat(core)!: drop the sync API\n\nBREAKING CHANGE: use the async one",
        {"packages/core/index.js": "a\n"},
    )
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    assert _show(repo, "packages/write/package.json") == package_json(
        "@acme/write", "1.0.0", deps={"@acme/core": "^2.0.0", "left-pad": "^1.3.0"}
    ).rstrip("\n")
    assert _show(repo, "packages/cli/package.json").count("workspace:^") == 1
    assert repo.git("tag", "--points-at", "HEAD") == "@acme/core@2.0.0"


def test_cargo_crates_of_one_workspace_version_release_together(repo: Repo, cli) -> None:
    cargo_workspace(repo)
    repo.commit("feat(core): parse faster", {"crates/core/src/lib.rs": "pub fn f() {}\n"})
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    assert _show(repo, "Cargo.toml") == (
        '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n\n'
        '[workspace.package]\nversion = "2.14.0"\nedition = "2021"'
    )
    assert _show(repo, "crates/cli/Cargo.toml").endswith(
        'tool-core = { path = "../core", version = "2.14.0" }'
    )
    assert sorted(repo.git("tag", "--points-at", "HEAD").splitlines()) == [
        "tool-cli-v2.14.0",
        "tool-core-v2.14.0",
    ]
    records = json.loads((repo.path / ".shipline" / "releases.json").read_text())["records"]
    assert sorted(r["metadata"]["links"]["package"] for r in records) == [
        "tool-cli",
        "tool-core",
    ]  # one version, two packages: two records, no 51


def test_uv_workspace_pins_follow_and_ranges_stay(repo: Repo, cli) -> None:
    uv_workspace(repo)
    repo.commit("fix(models): strip names", {"libs/models/m.py": "x\n"})
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    assert _show(repo, "libs/client/pyproject.toml").endswith(
        'dependencies = ["svc_models==0.2.1", "httpx>=0.27"]'
    )
    assert 'dependencies = ["svc-models>=0.2"]' in _show(repo, "pyproject.toml")


def test_a_failing_gate_undoes_every_package(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    repo.commit("fix(core): b", {"packages/core/index.js": "b\n"})
    (repo.path / ".shipline").mkdir()
    (repo.path / ".shipline" / "config.json").write_text(
        json.dumps({"release": {"workspace": {}, "gates": [{"name": "tests", "run": "exit 3"}]}})
    )
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: shipline config")
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 54
    assert repo.snapshot() == before


def test_a_version_already_recorded_for_that_package_is_51(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    assert cli("-C", repo.path, "release", "ship", "--yes", "--no-push").code == 0
    repo.git("tag", "-d", "@acme/cli@3.0.2")
    repo.git("reset", "-q", "--hard", "HEAD^")
    repo.commit("fix(cli): again", {"packages/cli/index.js": "b\n"})
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 51 and "@acme/cli@3.0.2 is already recorded" in result.err
    assert repo.snapshot() == before


KILL_GATE = (
    "if [ ! -e ../killed ]; then touch ../killed; "
    'case "$(ps -o args= -p $PPID)" in *shipline*) kill -9 $PPID;; esac; sleep 5; fi'
)
"""SIGKILLs the shipline that runs this gate (its parent), the first time only."""


def _killable(repo: Repo) -> Repo:
    """A three-package train whose gate SIGKILLs shipline the first time."""
    pnpm_monorepo(repo)
    _origin(repo)
    (repo.path / ".shipline").mkdir()
    (repo.path / ".shipline" / "config.json").write_text(
        json.dumps(
            {
                "release": {
                    "workspace": {},
                    "gates": [{"name": "crash", "run": ["sh", "-c", KILL_GATE]}],
                }
            }
        )
    )
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: shipline config")
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    repo.commit("feat(core): b", {"packages/core/index.js": "b\n"})
    repo.commit("fix(write): c", {"packages/write/index.js": "c\n"})
    return repo


def test_sigkill_mid_train_then_resume_completes_every_package(repo: Repo) -> None:
    _killable(repo)
    env = {"SOURCE_DATE_EPOCH": EPOCH}
    killed = run_shipline("-C", repo.path, "release", "ship", "--yes", env=env)
    assert killed.code == -9
    assert (repo.path / ".shipline" / "journal.json").is_file()
    resumed = run_shipline("-C", repo.path, "release", "resume", env=env)
    assert resumed.code == 0, resumed.err
    assert sorted(repo.git("tag", "--points-at", "HEAD").splitlines()) == [
        "@acme/cli@3.0.2",
        "@acme/core@1.3.0",
        "@acme/write@1.0.1",
    ]
    assert (
        repo.git("log", "-1", "--format=%s") == "chore(release): @acme/core@1.3.0, "
        "@acme/cli@3.0.2, @acme/write@1.0.1"
    )
    assert not (repo.path / ".shipline" / "journal.json").exists()
    assert all(
        line.startswith("?? .shipline/")  # the ledger, to commit after a release
        for line in repo.git("status", "--porcelain").splitlines()
    )


def test_sigkill_mid_train_then_abort_restores_everything(repo: Repo) -> None:
    _killable(repo)
    before = repo.snapshot()
    killed = run_shipline(
        "-C", repo.path, "release", "ship", "--yes", env={"SOURCE_DATE_EPOCH": EPOCH}
    )
    assert killed.code == -9
    aborted = run_shipline("-C", repo.path, "release", "abort")
    assert aborted.code == 0, aborted.err
    after = repo.snapshot()
    files = {k: v for k, v in after["files"].items() if not k.startswith(".shipline/")}
    assert files == {k: v for k, v in before["files"].items() if not k.startswith(".shipline/")}
    assert after["head"] == before["head"] and after["refs"] == before["refs"]


def test_sigkill_during_the_push_then_abort_refuses_with_59_naming_the_tags(repo: Repo) -> None:
    """The remote accepts the push while shipline is killed: the tags are live,
    the journal only has the intent. Abort must not call that undone."""
    pnpm_monorepo(repo)
    bare = _origin(repo)
    hook = bare / "hooks" / "post-receive"  # runs once the refs are updated
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(
        "#!/bin/sh\n"
        f"if [ ! -e '{repo.path.parent}/pushed' ]; then "
        f"touch '{repo.path.parent}/pushed'; "
        f"pkill -9 -f -- '-C {repo.path} release ship'; sleep 1; fi\nexit 0\n"
    )
    hook.chmod(0o755)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    repo.commit("fix(core): b", {"packages/core/index.js": "b\n"})
    env = {"SOURCE_DATE_EPOCH": EPOCH}
    killed = run_shipline("-C", repo.path, "release", "ship", "--yes", env=env)
    assert killed.code == -9
    live = subprocess.run(
        ["git", "-C", str(bare), "tag"], capture_output=True, text=True
    ).stdout.split()
    assert {"@acme/cli@3.0.2", "@acme/core@1.2.1"} <= set(live)
    aborted = run_shipline("-C", repo.path, "release", "abort")
    assert aborted.code == 59
    assert "@acme/cli@3.0.2" in aborted.err and "resume" in aborted.err
    assert repo.git("tag", "--points-at", "HEAD")  # nothing was deleted
    resumed = run_shipline("-C", repo.path, "release", "resume", env=env)
    assert resumed.code == 0, resumed.err
    records = json.loads((repo.path / ".shipline" / "releases.json").read_text())["records"]
    assert len(records) == 2


# --- a three-package train stopped at every step boundary -----------------------------


def _three(repo: Repo) -> Path:
    pnpm_monorepo(repo)
    bare = _origin(repo)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    repo.commit("feat(core): b", {"packages/core/index.js": "b\n"})
    repo.commit("fix(write): c", {"packages/write/index.js": "c\n"})
    return bare


def _train(repo: Repo):
    from shipline.domain.gitops import Git
    from shipline.domain.pipeline.train import Train
    from shipline.domain.release.imports import load_config

    git = Git.open(repo.path)
    return Train(git, load_config(git.root))


def _stop_after(repo: Repo, step: str) -> None:
    from shipline.domain.events import StepFinished

    events = _train(repo).ship({})
    for event in events:
        if isinstance(event, StepFinished) and event.step == step:
            events.close()  # nothing after this point runs: like a SIGKILL
            return
    raise AssertionError(f"step {step} never finished")


def _journal(repo: Repo):
    from shipline.domain.pipeline import journal

    loaded = journal.load(repo.path / ".shipline")
    assert loaded is not None
    return loaded


TRAIN_TAGS = ["@acme/cli@3.0.2", "@acme/core@1.3.0", "@acme/write@1.0.1"]


@pytest.mark.parametrize(
    "step",
    [
        "version",
        "changelog",
        "gates",
        "commit",
        "tag",
        "artifacts",
        "provenance",
        "publish",
        "push",
    ],
)
def test_resume_after_every_step_of_a_train_finishes_once(repo: Repo, step: str) -> None:
    bare = _three(repo)
    base = repo.git("rev-parse", "HEAD")
    _stop_after(repo, step)
    assert step in _journal(repo).completed
    list(_train(repo).resume(_journal(repo)))
    assert repo.git("rev-parse", "HEAD~1") == base  # exactly one release commit
    assert sorted(repo.git("tag", "--points-at", "HEAD").splitlines()) == TRAIN_TAGS
    for path, version in (
        ("packages/cli", "3.0.2"),
        ("packages/core", "1.3.0"),
        ("packages/write", "1.0.1"),
    ):
        assert (repo.path / path / "CHANGELOG.md").read_text().count(f"## [{version}]") == 1
    remote = subprocess.run(
        ["git", "-C", str(bare), "tag"], capture_output=True, text=True
    ).stdout.split()
    assert set(TRAIN_TAGS) <= set(remote)
    records = json.loads((repo.path / ".shipline" / "releases.json").read_text())["records"]
    assert len(records) == 3
    assert not (repo.path / ".shipline" / "journal.json").exists()


@pytest.mark.parametrize(
    "step", ["version", "changelog", "gates", "commit", "tag", "artifacts", "provenance", "publish"]
)
def test_abort_after_every_local_step_of_a_train_restores_everything(repo: Repo, step: str) -> None:
    _three(repo)
    before = repo.snapshot()
    _stop_after(repo, step)
    list(_train(repo).abort(_journal(repo)))
    after = repo.snapshot()
    after["files"] = {k: v for k, v in after["files"].items() if not k.startswith(".shipline")}
    assert after == before


def test_a_single_ship_while_a_train_is_half_done_is_52(repo: Repo, cli) -> None:
    _three(repo)
    _stop_after(repo, "commit")
    result = cli("-C", repo.path, "release", "ship", "--yes")
    assert result.code == 52 and "already in progress" in result.err


def test_verify_takes_name_at_version_and_checks_every_package(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    repo.commit("fix(core): b", {"packages/core/index.js": "b\n"})
    assert cli("-C", repo.path, "release", "ship", "--yes", "--no-push").code == 0
    one = cli("-C", repo.path, "--output", "json", "verify", "@acme/cli@3.0.2")
    assert one.code == 0, one.err
    assert one.summary["data"]["versions"] == ["3.0.2"]
    text = cli("-C", repo.path, "verify", "@acme/cli@3.0.2")
    assert " commit      @acme/cli@3.0.2: " in text.out  # each check names the package
    every = cli("-C", repo.path, "verify", "--all")
    assert every.code == 0, every.err
    assert " commit      @acme/core@1.2.1: " in every.out
    missing = cli("-C", repo.path, "verify", "@acme/cli@9.9.9")
    assert missing.code == 50 and "@acme/cli@9.9.9" in missing.err
    bare = cli("-C", repo.path, "verify", "3.0.2")  # a package release needs its name
    assert bare.code == 50
    # a moved package tag is caught like any release tag
    repo.git("tag", "-f", "-a", "@acme/core@1.2.1", "-m", "moved", "HEAD^")
    moved = cli("-C", repo.path, "verify", "@acme/core@1.2.1")
    assert moved.code != 0 and "at the commit link (@acme/core@1.2.1)" in moved.err


def test_a_breaking_change_without_migration_text_stops_the_train_before_any_write(
    repo: Repo, cli
) -> None:
    pnpm_monorepo(repo)
    repo.commit("feat(core)!: drop the sync API", {"packages/core/index.js": "a\n"})
    repo.commit("fix(cli): b", {"packages/cli/index.js": "b\n"})
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push", "--no-changelog")
    assert result.code == 54 and "@acme/core:" in result.err and "drop the sync API" in result.err
    assert repo.snapshot() == before


def test_a_root_changelog_of_the_train(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit(
        "chore: root changelog",
        {
            ".shipline/config.json": json.dumps(
                {"release": {"workspace": {"rootChangelog": "CHANGELOG.md"}}}
            ),
            "CHANGELOG.md": "# Changelog\n\nReleases of the acme packages.\n\n## 2025-12-01\n\n"
            "- @acme/core 1.2.0\n",
        },
    )
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    repo.commit("fix(core): b", {"packages/core/index.js": "b\n"})
    assert cli("-C", repo.path, "release", "ship", "--yes", "--no-push").code == 0
    assert (repo.path / "CHANGELOG.md").read_text() == (
        "# Changelog\n\nReleases of the acme packages.\n\n## 2026-01-08\n\n"
        "- @acme/core 1.2.1 ([changelog](packages/core/CHANGELOG.md))\n"
        "- @acme/cli 3.0.2 ([changelog](packages/cli/CHANGELOG.md))\n\n"
        "## 2025-12-01\n\n- @acme/core 1.2.0\n"
    )
    assert "CHANGELOG.md" in repo.git("show", "--name-only", "--format=", "HEAD").splitlines()


def test_the_requirement_policy_is_read_from_the_last_release(repo: Repo, cli) -> None:
    """The last release raised write's ^1.0.0 to ^1.2.0 for core 1.2.0 although
    ^1.0.0 allowed it: this project raises every requirement (always)."""
    pnpm_monorepo(repo)  # core 1.2.0 tagged; write requires core ^1.0.0
    repo.git("tag", "-d", "@acme/core@1.2.0")
    repo.commit(
        "chore(release): @acme/core@1.2.0",
        {
            "packages/write/package.json": package_json(
                "@acme/write", "1.0.0", deps={"@acme/core": "^1.2.0", "left-pad": "^1.3.0"}
            )
        },
    )
    repo.tag("@acme/core@1.2.0", "Release @acme/core@1.2.0")
    repo.commit("fix(core): retry", {"packages/core/index.js": "r\n"})
    plan = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    assert plan.summary["data"]["dependents"] == "always"
    assert cli("-C", repo.path, "release", "ship", "--yes", "--no-push").code == 0
    assert '"@acme/core": "^1.2.1"' in _show(repo, "packages/write/package.json")


def test_without_such_history_the_policy_is_satisfy(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(core): retry", {"packages/core/index.js": "r\n"})
    plan = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    assert plan.summary["data"]["dependents"] == "satisfy"

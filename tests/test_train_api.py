"""The release train as the TUI drives it, through ``shipline.domain.api``:
each package's entry proposed (what is previewed is what is written), an
operator's edit written instead, a per-package commit link for the Chain
screen, and resume/abort that find the train from its journal."""

from __future__ import annotations

import json
import threading

import pytest
from conftest import Repo
from monorepos import pnpm_monorepo
from tui_helpers import add_remote

from shipline.domain import api

EPOCH = "1767830400"  # 2026-01-08


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def _monorepo(repo: Repo) -> Repo:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    return repo


def _open(repo: Repo) -> tuple[api.Git, api.LoadedConfig]:
    git = api.Git.open(repo.path)
    return git, api.load_config(git.root)


def test_the_proposed_entry_is_what_the_train_writes(repo: Repo) -> None:
    git, loaded = _open(_monorepo(repo))
    plan = api.plan_workspace(git, loaded, picks={})
    core = next(p for p in plan.releasing if p.name == "@acme/core")
    proposed = api.propose_package_entry(git, loaded, core)
    assert proposed.path == "packages/core/CHANGELOG.md"
    assert proposed.entry.startswith("## [1.3.0] - 2026-01-08\n\n### Features\n")
    train = api.Train(git, loaded)
    list(train.ship({}, no_push=True))
    assert (repo.path / "packages/core/CHANGELOG.md").read_bytes() == proposed.data


def test_an_edited_entry_is_written_instead_and_others_stay_generated(repo: Repo) -> None:
    git, loaded = _open(_monorepo(repo))
    edited = "## [3.0.2] - 2026-01-08\n\n### Fixed\n\n- Paths with spaces work again.\n"
    train = api.Train(git, loaded)
    events = list(train.ship({}, no_push=True, entries={"@acme/cli": edited}))
    cli_log = (repo.path / "packages/cli/CHANGELOG.md").read_text()
    assert "- Paths with spaces work again." in cli_log and "quote paths" not in cli_log
    assert "add retries" in (repo.path / "packages/core/CHANGELOG.md").read_text()
    # the Chain screen's first link, one per package, told apart by a typed field
    commits = [e for e in events if e.kind == "chain_link" and e.link == "commit"]
    links = [(e.package, e.detail["tag"]) for e in commits]
    assert links == [("@acme/core", "@acme/core@1.3.0"), ("@acme/cli", "@acme/cli@3.0.2")]
    commit = repo.git("rev-parse", "HEAD")
    assert {e.name for e in commits} == {commit[:12]}


def test_an_edit_with_the_migration_note_lets_a_breaking_train_through(repo: Repo) -> None:
    pnpm_monorepo(repo)
    repo.commit("feat(core)!: drop the sync API", {"packages/core/index.js": "a\n"})
    git, loaded = _open(repo)
    plan = api.plan_workspace(git, loaded, picks={})
    core = plan.releasing[0]
    assert api.propose_package_entry(git, loaded, core).missing_migration == [core.commits[0].short]
    with pytest.raises(api.ShiplineError) as err:
        list(api.Train(git, loaded).ship({}, no_push=True))
    assert err.value.code == 54 and "migration note" in err.value.message
    edited = (
        "## [2.0.0] - 2026-01-08\n\n### ⚠ BREAKING CHANGES\n\n"
        "- **core:** drop the sync API: call `await core()` instead\n"
    )
    assert api.propose_package_entry(git, loaded, core, explicit=edited).missing_migration == []
    list(api.Train(git, loaded).ship({}, no_push=True, entries={"@acme/core": edited}))
    assert "call `await core()` instead" in (repo.path / "packages/core/CHANGELOG.md").read_text()


def test_resume_and_abort_find_the_train_from_its_journal(repo: Repo, tmp_path) -> None:
    _monorepo(repo)
    add_remote(repo, tmp_path)
    git, loaded = _open(repo)
    base = repo.git("rev-parse", "HEAD")
    cancel = threading.Event()
    train = api.Train(git, loaded, confirm=lambda _: False, cancel=cancel)
    with pytest.raises(api.ShiplineError) as err:
        list(train.ship({}))  # the push is declined: the train stops, half done
    assert err.value.code == 130
    run, events = api.resume_run(git, loaded, confirm=lambda _: False)
    assert isinstance(run, api.Train)
    with pytest.raises(api.ShiplineError):
        list(events)
    run, events = api.abort_run(git, loaded)
    assert isinstance(run, api.Train)
    list(events)
    assert repo.git("rev-parse", "HEAD") == base
    assert repo.git("tag", "--points-at", "HEAD") == ""


def test_every_artifact_event_of_a_train_names_its_package(repo: Repo, tmp_path) -> None:
    """Progress and chain links carry the package as a typed field: two
    packages may each have an artifact of one name (``dist`` here)."""
    store = tmp_path / "store"
    for folder in ("cli", "core"):
        (store / folder).mkdir(parents=True)
    _monorepo(repo)
    packages = [
        {
            "name": name,
            "path": f"packages/{folder}",
            "artifacts": [{"type": "tarball", "name": "dist", "registry": str(store / folder)}],
        }
        for name, folder in (("@acme/cli", "cli"), ("@acme/core", "core"))
    ]
    release = {
        "workspace": {"packages": packages},
        "security": {"provenance": {"level": "SLSA_BUILD_LEVEL_1", "signing": {"method": "none"}}},
    }
    repo.commit("chore: configure", {".shipline/config.json": json.dumps({"release": release})})
    git, loaded = _open(repo)
    events = list(api.Train(git, loaded).ship({}, no_push=True))
    progress = [e for e in events if e.kind == "step_progress" and e.artifact]
    assert {(e.package, e.artifact) for e in progress} == {
        ("@acme/cli", "dist"),
        ("@acme/core", "dist"),
    }
    registry = {e.package for e in events if e.kind == "chain_link" and e.link == "registry"}
    assert registry == {"@acme/cli", "@acme/core"}


def test_a_cancelled_train_before_anything_left_undoes_everything(repo: Repo) -> None:
    """The cancel token (the TUI's cancel, the CLI's Ctrl-C) set while the
    gates run: the train takes the single release's path, so every file,
    commit and tag is as it was and no journal is left."""
    _monorepo(repo)
    before = repo.snapshot()
    git, loaded = _open(repo)
    cancel = threading.Event()
    events = api.Train(git, loaded, cancel=cancel).ship({}, no_push=True)
    with pytest.raises(api.ShiplineError) as stopped:
        for event in events:
            if event.kind == "step_started" and event.step == "gates":
                cancel.set()
    assert int(stopped.value.code) == 130
    assert stopped.value.message == (
        "interrupted during gates; everything was undone and the repository is as it was"
    )
    assert repo.snapshot() == before
    assert not (repo.path / ".shipline" / "journal.json").exists()

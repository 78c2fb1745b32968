"""The Review screen for one package of a release train (``NAME@VERSION``),
through the domain's API only: opened on the package's release, its own
changelog entry shown, an approval signed with a real gpg key and recorded
against that package's record; History lists a train's packages by
``NAME@VERSION`` (one version for two crates is two rows) and hands the
highlighted one to Review; `shipline review NAME@VERSION` in a real terminal
(tmux) opens the screen, and refuses an unknown package before any app."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Repo
from monorepos import cargo_workspace
from test_tui_review import _terminal
from test_tui_tmux import Tmux, tmux  # noqa: F401
from test_workspace_review import WRITE, _package_release_with_provenance, _records, _train
from textual.widgets import Static
from tui_helpers import SIZE, at, until

from shipline.tui.app import ShiplineApp
from shipline.tui.screens.confirm import ConfirmScreen
from tests.gpgkeys import GpgHome, gpg_home  # noqa: F401


def _shown(app: ShiplineApp) -> str:
    return str(app.screen.query_one("#review-text", Static).render())


async def _evidence(pilot: Any) -> None:
    app = pilot.app
    await until(
        pilot,
        lambda: (
            app.current_name == "review"
            and (app.screen.evidence is not None or app.screen.error is not None)
            and app.screen.busy is None
        ),
        timeout=60,
        what="the evidence",
    )


async def test_a_package_release_is_reviewed_and_approved_on_the_review_screen(
    repo: Repo, cli: Any, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    _train(repo, cli)
    record = _package_release_with_provenance(
        repo, gpg_home.generate("Release Bot <release@example.com>")
    )
    ana = gpg_home.generate("Ana Reviewer <ana@example.com>")
    monkeypatch.setenv("GPG_KEY_ID", ana.fingerprint)
    app = ShiplineApp(repo.path, review_version=f"{WRITE}@1.0.1")
    async with app.run_test(size=SIZE) as pilot:
        await _evidence(pilot)
        screen = app.screen
        assert screen.error is None, screen.error
        assert screen.query_one("#review-box").border_title == f"Review {WRITE}@1.0.1"
        text = _shown(app)
        assert f"{WRITE}@1.0.1  tag {WRITE}@1.0.1" in text
        assert "Changelog   packages/write/CHANGELOG.md" in text
        assert "trim trailing spaces" in text and "since @acme/write@1.0.0" in text
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert f"approval of {WRITE}@1.0.1" in app.screen.question
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                any(r["recordType"] == "review" for r in _records(repo))
                and app.current_name == "review"
                and app.screen.busy is None
            ),
            timeout=90,
            what="the approval",
        )
        assert app.screen.error is None, app.screen.error
        assert "✔ Ana Reviewer <ana@example.com>" in _shown(app)
    review = next(r for r in _records(repo) if r["recordType"] == "review")
    assert review["releaseHash"] == record["hash"] and review["approved"]


async def test_history_lists_a_trains_packages_and_opens_one_in_review(
    repo: Repo, cli: Any
) -> None:
    cargo_workspace(repo)
    repo.commit("feat(core): parse faster", {"crates/core/src/lib.rs": "pub fn f() {}\n"})
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot,
            lambda: app.loaded is not None and not app.planning,
            what="the repository",
        )
        await pilot.pause()
        await pilot.press("h")
        await at(pilot, "history")
        table = app.screen.query_one("#hist-table")
        assert table.row_count == 2  # one version, two crates: two rows
        shown = sorted(str(table.get_row_at(i)[0]) for i in range(2))
        assert shown == ["tool-cli@2.14.0", "tool-core@2.14.0"]
        picked = app.screen.selected_version()
        assert picked in shown
        await pilot.press("R")
        await _evidence(pilot)
        assert app.screen.error is None, app.screen.error
        assert app.screen.query_one("#review-box").border_title == f"Review {picked}"
        name = picked.rsplit("@", 1)[0]
        assert f"since {name}-v2.13.0" in _shown(app)


def test_review_name_at_version_in_a_terminal(
    repo: Repo, cli: Any, tmux: Tmux, gpg_home: GpgHome
) -> None:
    """`shipline review @acme/cli@3.0.2` in a real terminal opens the Review
    screen on that package's release; a package the workspace does not have
    is refused in one line (50, the packages listed) before any app opens."""
    _train(repo, cli)
    before = repo.snapshot()
    _terminal(tmux, repo, "review", "@acme/nope@1.0.0")
    screen = tmux.wait_for("rc=50")
    assert "no package named '@acme/nope' in this workspace" in screen
    assert "@acme/cli, @acme/core" in screen and "Review" not in screen
    _terminal(tmux, repo, "review", "@acme/cli@3.0.2")
    tmux.wait_for("Review @acme/cli@3.0.2")
    screen = tmux.wait_for("since @acme/cli@3.0.1")  # the evidence is the package's
    assert "Changelog   packages/cli/CHANGELOG.md" in screen
    tmux.keys("C-q")
    screen = tmux.wait_for("rc=0")
    assert "closed the review of @acme/cli@3.0.2" in screen
    assert repo.snapshot() == before

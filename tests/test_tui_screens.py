"""Each screen's own flows with Pilot on real repositories: validation
errors in place, the migration-note rule, the chain and progress bars from
events, history with verify, the palette, themes."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Repo
from tui_helpers import SIZE, at, configure, planned, run_command, until

from shipline.domain.api import ChainLink, StepFinished, StepProgress, StepStarted
from shipline.tui.app import ShiplineApp
from shipline.tui.screens.confirm import ConfirmScreen
from shipline.tui.screens.publish import TransferRow
from shipline.tui.widgets.chain_view import LinkCard
from shipline.tui.widgets.error_panel import ErrorPanel
from tests.gpgkeys import gpg_home, gpg_key  # noqa: F401


async def test_custom_version_is_validated_in_place(py_repo: Repo) -> None:
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        await pilot.press("n")
        await at(pilot, "version")
        app.screen.query_one("#custom").focus()
        await pilot.press(*"1.0.0")
        await planned(pilot)
        panel = app.screen.query_one(ErrorPanel)
        assert panel.error is not None and panel.error.code == 53
        assert "not greater than the last release 1.2.0" in panel.error.message
        await pilot.press("escape")  # leave the input: n is a binding again
        app.screen.query_one("#bump").focus()
        await pilot.press("n")
        await pilot.pause()
        assert app.current_name == "version"  # refused to go on
        app.screen.query_one("#custom").focus()
        await pilot.press(*["backspace"] * 5, *"banana")
        await planned(pilot)
        assert app.plan_error.code == 53
        await pilot.press(*["backspace"] * 6, *"v2.0.0")
        await planned(pilot)
        assert app.plan_error is None and app.planned.plan.version == "2.0.0"
        assert not app.screen.query_one(ErrorPanel).display
        preview = str(app.screen.query_one("#files-preview").render())
        assert 'version = "1.2.0"' in preview and 'version = "2.0.0"' in preview
        app.screen.query_one("#bump").focus()
        await pilot.press("n")
        await at(pilot, "changelog")


async def test_radio_choices_replan(py_repo: Repo) -> None:
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        app.goto("version")
        await until(pilot, lambda: len(app.choices) == 4, what="the bump choices")
        await pilot.pause()
        labels = {b.id: str(b.label) for b in app.screen.query("RadioButton")}
        assert labels["bump-major"].split() == ["Major", "2.0.0"]
        assert labels["bump-prerelease"].split() == ["Prerelease", "1.2.1-rc.1"]
        assert labels["bump-auto"].split() == ["Inferred", "1.3.0"]
        await pilot.click("#bump-major")
        await planned(pilot)
        assert app.planned.plan.version == "2.0.0"
        await pilot.click("#bump-prerelease")
        await planned(pilot)
        assert app.planned.plan.version == "1.2.1-rc.1"
        await pilot.click("#bump-auto")
        await planned(pilot)
        assert app.planned.plan.version == "1.3.0"


async def test_breaking_change_demands_migration_text(py_repo: Repo) -> None:
    py_repo.commit("feat(api)!: drop the v1 endpoints")
    configure(py_repo, {"push": {"enabled": False}})
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        assert app.planned.plan.version == "2.0.0"
        app.goto("changelog")
        await pilot.pause()
        warning = app.screen.query_one("#cl-migration")
        assert warning.display and "drop the v1 endpoints" in str(warning.render())
        await pilot.press("n")
        await pilot.pause()
        assert app.current_name == "changelog"
        editor = app.screen.query_one("#cl-editor")
        editor.text = editor.text.replace(
            "_Migration note missing._", "Call the v2 endpoints instead."
        )
        preview = app.screen.query_one("#cl-preview")
        await until(
            pilot, lambda: "Call the v2 endpoints" in preview.source, what="the edit previewed"
        )
        assert "Call the v2 endpoints" in app.options.changelog_entry
        await pilot.press("n")
        await at(pilot, "gates")
        await pilot.press("r")
        await until(pilot, lambda: app.waiting_after == "gates" or app.state.finished, what="gates")
        assert app.state.gates["migration notes"].status == "passed", app.state.error
    assert "Call the v2 endpoints instead." in (py_repo.path / "CHANGELOG.md").read_text()


async def test_nothing_to_release_blocks_in_place(repo: Repo) -> None:
    repo.commit("feat: first", {"pyproject.toml": '[project]\nname="x"\nversion = "0.1.0"\n'})
    repo.tag("v0.1.0", "Release v0.1.0")
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        blocker = app.screen.query_one("#plan-blocker")
        assert blocker.display and "nothing to release" in str(blocker.render())
        await pilot.press("n")
        await pilot.pause()
        assert app.current_name == "plan"


async def test_invalid_config_is_exit_90_in_place(py_repo: Repo) -> None:
    py_repo.write(".shipline/config.json", json.dumps({"release": {"tagPrefx": "v"}}))
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        panel = app.screen.query_one(ErrorPanel)
        assert panel.display and panel.error.code == 90 and "tagPrefx" in panel.error.message
        assert panel.border_title.startswith("exit 90")


async def test_chain_fills_in_from_events(py_repo: Repo) -> None:
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        app.goto("chain")
        await pilot.pause()
        card = app.screen.query_one("#link-attestation", LinkCard)
        assert card.status == "skipped"  # source-only: no artifacts
        app.apply_event(
            ChainLink(link="commit", status="ok", detail={"sha": "1" * 40, "tag": "v1.3.0"})
        )
        app.apply_event(ChainLink(link="attestation", status="running", name="demo.whl"))
        await pilot.pause()
        assert app.screen.query_one("#link-commit", LinkCard).status == "ok"
        assert card.status == "running"
        app.apply_event(
            ChainLink(
                link="attestation",
                status="ok",
                name="demo.whl",
                detail={"sha256": "ab" * 32, "identity": "release@example.com"},
            )
        )
        await pilot.pause()
        text = str(card.render())
        assert card.status == "ok" and "release@example.com" in text and "abababababab…" in text


async def test_publish_progress_bars_follow_events(py_repo: Repo) -> None:
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        app.goto("publish")
        await pilot.pause()
        assert "Source-only release" in str(app.screen.query_one("#pub-artifacts").render())
        app.apply_event(StepStarted(step="publish", title="Publish"))
        app.apply_event(
            StepProgress(
                step="publish",
                detail="demo.whl: uploading",
                artifact="demo.whl",
                action="uploading",
                done=1024,
                total=4096,
            )
        )
        await pilot.pause()
        row = app.screen.query_one(TransferRow)
        await pilot.pause()
        bar = row.query_one("ProgressBar")
        assert (bar.progress, bar.total) == (1024, 4096)
        assert "1.0 KiB/4.0 KiB" in str(row.query_one(".rate").render())
        app.apply_event(
            StepProgress(
                step="publish",
                detail="demo.whl: uploading",
                artifact="demo.whl",
                action="uploading",
                done=4096,
                total=4096,
            )
        )
        app.apply_event(StepFinished(step="publish", status="ok"))
        await pilot.pause()
        assert bar.percentage == 1.0
        rate = str(row.query_one(".rate").render())
        assert rate.startswith("4.0 KiB ") and rate.endswith("/s")  # done: size and speed


async def test_history_lists_releases_and_verifies(py_repo: Repo, cli) -> None:
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        await pilot.press("h")
        await at(pilot, "history")
        table = app.screen.query_one("#hist-table")
        assert table.row_count == 1
        assert app.screen.selected_version() == "1.3.0"
        await pilot.press("v")
        await until(pilot, lambda: app.screen.report is not None or app.screen.error, what="verify")
        assert app.screen.report.ok, app.screen.report.failures
        assert "chain verified" in str(app.screen.query_one("#hist-verify").render())
        await pilot.press("R")
        await at(pilot, "review")
        await until(
            pilot, lambda: app.screen.evidence is not None or app.screen.error, what="the evidence"
        )
        assert app.screen.error is None, app.screen.error
        text = str(app.screen.query_one("#review-text").render())
        assert "1.3.0" in text and "since v1.2.0" in text and "chain verified" in text
        assert "Missing for L4" in text and "approvals from two distinct identities" in text
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        assert "append it to the ledger" in app.screen.question
        await pilot.press("n")  # declined: nothing is signed or recorded
        await at(pilot, "review")
        assert app.screen.busy is None
        await pilot.press("escape")
        await at(pilot, "history")


async def test_palette_theme_and_navigation(py_repo: Repo) -> None:
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        await run_command(pilot, "go to chain", "Go to Chain")
        await at(pilot, "chain")
        await pilot.press("b")
        await at(pilot, "publish")
        assert app.theme == "textual-dark"
        await pilot.press("f2")
        assert app.theme == "textual-light"
        await pilot.press("h")
        await at(pilot, "history")
        await pilot.press("escape")
        await at(pilot, "publish")


def test_tui_imports_only_the_domain_api() -> None:
    root = Path(__file__).resolve().parent.parent / "tui"
    for path in root.rglob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("from shipline.domain", "import shipline.domain")):
                assert stripped.startswith("from shipline.domain.api import"), f"{path}: {stripped}"


def test_importing_the_app_does_not_import_the_domain() -> None:
    """The first paint must not wait for the domain: it loads in the plan worker."""
    import subprocess
    import sys

    code = (
        "import sys, shipline.tui.app\n"
        "print(sorted(m for m in sys.modules"
        " if m.startswith(('shipline.domain', 'shipline.tui.screens.'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def test_review_approval_of_a_source_only_release_is_refused_in_place(
    py_repo: Repo, cli, gpg_key
) -> None:
    """A source-only release has no attestation to sign off: the domain says 94,
    the screen shows it where the reviewer pressed `a`, and nothing is recorded."""
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    ledger = py_repo.path / ".shipline" / "releases.json"
    before = ledger.read_bytes()
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        app.goto("review")
        await until(
            pilot, lambda: app.screen.evidence is not None or app.screen.error, what="the evidence"
        )
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        await pilot.press("y")
        await until(
            pilot,
            lambda: app.current_name == "review" and app.screen.busy is None,
            timeout=60,
            what="the verdict",
        )
        error = app.screen.error
        assert error is not None and error.code == 94 and "attestation" in error.message
        panel = app.screen.query_one(ErrorPanel)
        assert panel.display and panel.error == error
    assert ledger.read_bytes() == before


async def test_keyboard_only_out_of_fields(py_repo: Repo) -> None:
    """In an input or the editor single keys type; escape leaves the field and
    ctrl+n / ctrl+b move on from anywhere."""
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        app.goto("version")
        await pilot.pause()
        app.screen.query_one("#custom").focus()
        await pilot.press(*"2.0.0")
        await planned(pilot)
        assert app.screen.query_one("#custom").value == "2.0.0"
        await pilot.press("escape", "n")
        await at(pilot, "changelog")
        app.screen.query_one("#cl-editor").focus()
        await pilot.press("n")  # typed into the entry, not a navigation
        await pilot.pause()
        assert app.current_name == "changelog" and app.options.changelog_entry is not None
        await pilot.press("ctrl+b")
        await at(pilot, "version")
        await pilot.press("ctrl+n")
        await at(pilot, "changelog")
        await pilot.press("ctrl+n")
        await at(pilot, "gates")


async def test_hand_written_changelog_is_proposed_for_writing(repo: Repo) -> None:
    """A changelog of prose entries: the TUI offers the entry to write, never
    the commit subjects, and will not go on until it is written."""
    repo.commit(
        "chore: initial commit",
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "3.0.1"\n',
            "NEWS.md": "# Release notes\n\n## 3.0.1 — 2026-01-20\n\nThe cache survives a "
            "read-only directory.\n",
        },
    )
    repo.tag("v3.0.1", "Release v3.0.1")
    repo.commit("feat: cache the plugin index")
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        app.goto("changelog")
        await pilot.pause()
        editor = app.screen.query_one("#cl-editor")
        assert editor.text.startswith("## 3.1.0 — ") and "plugin index" not in editor.text
        assert "written by hand" in (app.screen.blocker() or "")
        await pilot.press("n")
        await pilot.pause()
        assert app.current_name == "changelog"  # refused to go on
        editor.text = editor.text.replace(
            "Describe this release here.", "Start-up is twice as fast."
        )
        await until(
            pilot, lambda: "twice as fast" in (app.options.changelog_entry or ""), what="the edit"
        )
        assert app.screen.blocker() is None
        assert "twice as fast" in app.options.changelog_entry

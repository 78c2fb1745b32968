"""A release train through the screens, with Pilot, on real generated
monorepos and a real (bare) remote: two of three packages chosen on Plan,
one given its own version on Version, one entry edited on Changelog, then
gates → tag → push (confirmed) → Chain grouped by package; a fixed group
given two versions refused in place (53); a declined push resumed or
aborted like the CLI does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import Repo
from monorepos import cargo_workspace, package_json, pnpm_monorepo
from tui_helpers import SIZE, add_remote, at, configure, decline_the_push, until

from shipline.tui.app import ShiplineApp
from shipline.tui.screens.confirm import ConfirmScreen
from shipline.tui.widgets.error_panel import ErrorPanel
from tests.gpgkeys import gpg_home, gpg_key  # noqa: F401

EPOCH = "1767830400"  # 2026-01-08
NOTE = "- Retries back off."


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def three_packages(repo: Repo) -> Repo:
    """@acme/cli, @acme/core and @acme/write each with a commit of their own."""
    pnpm_monorepo(repo)
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    repo.commit("fix(write): flush on close", {"packages/write/index.js": "w\n"})
    return repo


def remote_tags(bare: Path) -> list[str]:
    done = subprocess.run(["git", "-C", str(bare), "tag"], capture_output=True, text=True)
    return done.stdout.split()


async def trained(pilot) -> None:
    app = pilot.app
    await until(
        pilot,
        lambda: app.train is not None and not app.planning and app.plan_error is None,
        what="the train",
    )
    await pilot.pause()


def shown(app: ShiplineApp, selector: str) -> str:
    """What the widget at ``selector`` on the current screen shows ("" while
    the screen is still being mounted: a busy machine switches slowly)."""
    found = app.screen.query(selector)
    return str(found.first().render()) if found else ""


def releasing(app: ShiplineApp) -> dict[str, str]:
    return {p.name: str(p.version) for p in app.releasing}


async def choose_and_edit(pilot) -> None:
    """Plan: leave @acme/write out. Version: @acme/cli at 4.0.0. Changelog:
    a line added to @acme/core's entry."""
    app = pilot.app
    await trained(pilot)
    assert releasing(app) == {"@acme/cli": "3.0.2", "@acme/core": "1.3.0", "@acme/write": "1.0.1"}
    app.screen.query_one("#packages").focus()
    await pilot.press("down", "down", "down", "space")  # rows: cli, core, docs, write
    await until(
        pilot, lambda: not app.planning and "@acme/write" not in releasing(app), what="write out"
    )
    await pilot.press("n")
    await at(pilot, "version")
    table = app.screen.query_one("#tv-table")
    assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [
        "@acme/cli",
        "@acme/core",
    ]
    app.screen.query_one("#tv-version").focus()
    await pilot.press(*"4.0.0", "enter")
    await until(
        pilot,
        lambda: (
            not app.planning and releasing(app) == {"@acme/cli": "4.0.0", "@acme/core": "1.3.0"}
        ),
        what="cli at 4.0.0",
    )
    why = str(app.screen.query_one("#tv-why").render())
    assert "3.0.1 → 4.0.0" in why and "@acme/cli@4.0.0" in why
    await pilot.press("escape", "n")
    await at(pilot, "changelog")
    assert "into packages/cli/CHANGELOG.md" in str(app.screen.query_one("#tc-path").render())
    packages = app.screen.query_one("#tc-packages")
    packages.focus()
    await pilot.press("down")
    await until(pilot, lambda: app.screen.query_one("#train-changelog").current == "@acme/core")
    editor = app.screen.query_one("#tc-editor")
    assert editor.text.startswith("## [1.3.0] - 2026-01-08\n\n### Features\n")
    editor.focus()
    editor.move_cursor(editor.document.end)
    await pilot.press(*NOTE)
    await until(pilot, lambda: NOTE in app.train_entries.get("@acme/core", ""), what="the edit")
    assert "@acme/cli" not in app.train_entries
    await pilot.press("escape")


@pytest.mark.slow  # ships a real train to a remote: end to end
async def test_a_train_chosen_edited_and_shipped_from_the_tui(repo: Repo, tmp_path: Path) -> None:
    three_packages(repo)
    bare = add_remote(repo, tmp_path)
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_and_edit(pilot)
        await pilot.press("n")
        await at(pilot, "gates")
        await pilot.press("r")
        await until(pilot, lambda: app.waiting_after == "gates", what="gates to pass")
        await pilot.press("n")
        await at(pilot, "tag")
        preview = str(app.screen.query_one("#tag-preview").render())
        assert "chore(release): @acme/core@1.3.0, @acme/cli@4.0.0" in preview
        await pilot.press("t")
        await until(pilot, lambda: app.waiting_after == "tag", what="the tags")
        assert remote_tags(bare) == ["@acme/cli@3.0.1", "@acme/core@1.2.0", "@acme/write@1.0.0"]
        await pilot.press("n")
        await at(pilot, "publish")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        assert "Push main and 2 tags to origin" in app.screen.question
        await pilot.press("y")
        await until(pilot, lambda: app.state.finished, what="the train to finish")
        assert app.state.summary.ok, app.state.error
        await until(
            pilot,
            lambda: app.current_name == "summary" and "@acme/cli@4.0.0" in shown(app, "#sum-head"),
            what="the summary",
        )
        assert "@acme/core@1.3.0" in shown(app, "#sum-head")
        await pilot.press("c")
        await at(pilot, "chain")
        await pilot.pause()
        commit = repo.git("rev-parse", "HEAD")[:12]
        for name, tag in (("acme-core", "@acme/core@1.3.0"), ("acme-cli", "@acme/cli@4.0.0")):
            card = app.screen.query_one(f"#pkg--{name}")
            assert card.border_title.endswith(tag) and card.border_subtitle == "ok"
            lines = str(card.render()).splitlines()
            assert lines[0].split() == ["✔", "commit", commit]
            assert lines[1].split() == ["✔", "tag", tag]
    assert sorted(repo.git("tag", "--points-at", "HEAD").splitlines()) == [
        "@acme/cli@4.0.0",
        "@acme/core@1.3.0",
    ]
    assert {"@acme/cli@4.0.0", "@acme/core@1.3.0"} <= set(remote_tags(bare))
    core_log = repo.git("show", "HEAD:packages/core/CHANGELOG.md")
    assert NOTE in core_log and "add retries" in core_log
    assert "## [4.0.0] - 2026-01-08" in repo.git("show", "HEAD:packages/cli/CHANGELOG.md")
    assert repo.git("show", "HEAD:packages/write/package.json") == package_json(
        "@acme/write", "1.0.0", deps={"@acme/core": "^1.0.0", "left-pad": "^1.3.0"}
    ).rstrip("\n")
    assert not (repo.path / ".shipline" / "journal.json").exists()


async def test_a_fixed_group_given_two_versions_is_refused_in_place(repo: Repo) -> None:
    cargo_workspace(repo)
    repo.commit("fix(core): x", {"crates/core/src/lib.rs": "x\n"})
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        assert releasing(app) == {"tool-cli": "2.13.1", "tool-core": "2.13.1"}
        await pilot.press("n")
        await at(pilot, "version")
        field = app.screen.query_one("#tv-version")
        field.focus()
        await pilot.press(*"3.0.0", "enter")  # tool-cli: its group follows
        await until(
            pilot,
            lambda: (
                not app.planning and releasing(app) == {"tool-cli": "3.0.0", "tool-core": "3.0.0"}
            ),
            what="the group at 3.0.0",
        )
        table = app.screen.query_one("#tv-table")
        table.focus()
        await pilot.press("down")
        field.focus()
        await pilot.press("ctrl+u", *"3.1.0", "enter")  # tool-core: a second version
        await until(pilot, lambda: app.plan_error is not None, what="the refusal")
        assert app.plan_error.code == 53
        panel = str(app.screen.query_one(ErrorPanel).render())
        assert "fixed group workspace was given 2 versions: 3.0.0, 3.1.0" in panel
        assert "a fixed group shares one version" in panel
        assert "fix the version first" in (app.screen.blocker() or "")
        await pilot.press("escape", "n")
        await pilot.pause()
        assert app.current_name == "version"  # refused: the run cannot start from here


async def to_the_push_declined(pilot) -> None:
    """Gates, tags, then "not now" to the push: the train stops, half done."""
    app = pilot.app
    await trained(pilot)
    await decline_the_push(pilot)
    assert not app.state.summary.ok and app.state.summary.exit_code == 130


@pytest.mark.slow  # ships a real train to a remote: end to end
async def test_a_declined_push_is_resumed_in_a_new_session(repo: Repo, tmp_path: Path) -> None:
    pnpm_monorepo(repo)
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    bare = add_remote(repo, tmp_path)
    async with ShiplineApp(repo.path).run_test(size=SIZE) as pilot:
        await to_the_push_declined(pilot)
    assert (repo.path / ".shipline" / "journal.json").exists()
    assert "@acme/core@1.3.0" not in remote_tags(bare)
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        # the journal the CLI's `release resume` reads: the Plan screen says so
        assert (
            app.interrupted
            and "the train @acme/core@1.3.0 stopped after publish" in app.interrupted
        )
        assert "resume or abort" in (app.screen.blocker() or "")
        app.resume_release()
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert "Push main and 1 tags to origin" in app.screen.question
        await pilot.press("y")
        await until(pilot, lambda: app.state.finished, what="resumed")
        assert app.state.summary.ok, app.state.error
        await at(pilot, "summary")
        await pilot.pause()  # the summary mounted before the app is shut down
    assert "@acme/core@1.3.0" in remote_tags(bare)
    assert not (repo.path / ".shipline" / "journal.json").exists()


@pytest.mark.slow  # ships a real train to a remote: end to end
async def test_a_declined_push_is_aborted(repo: Repo, tmp_path: Path) -> None:
    pnpm_monorepo(repo)
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    add_remote(repo, tmp_path)
    base = repo.git("rev-parse", "HEAD")
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await to_the_push_declined(pilot)
        app.abort_release()
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm abort")
        await pilot.press("y")
        await until(
            pilot, lambda: not (repo.path / ".shipline/journal.json").exists(), what="abort"
        )
        await until(pilot, lambda: app.train is not None and not app.planning, what="replan")
        assert releasing(app) == {"@acme/core": "1.3.0"}  # ready to ship again
    assert repo.git("tag", "-l", "@acme/core@1.3.0") == ""
    assert repo.git("rev-parse", "HEAD") == base
    assert repo.git("status", "--porcelain") == ""


def test_train_version_and_changelog_snapshots(repo: Repo, snap_compare) -> None:
    """The Version screen with one package given its version, and the
    Changelog screen with another's entry edited (✎)."""
    three_packages(repo)

    async def to_version(pilot) -> None:
        await choose_and_edit(pilot)
        await pilot.press("b")
        await at(pilot, "version")

    async def to_changelog(pilot) -> None:
        await choose_and_edit(pilot)
        preview = pilot.app.screen.query_one("#tc-preview")
        await until(pilot, lambda: NOTE in preview.source, what="the edit in the preview")

    assert snap_compare(ShiplineApp(repo.path), terminal_size=SIZE, run_before=to_version)
    assert snap_compare(ShiplineApp(repo.path), terminal_size=SIZE, run_before=to_changelog)


@pytest.mark.slow  # ships a real train to a remote: end to end
async def test_each_package_artifacts_fill_its_own_chain(repo: Repo, tmp_path: Path) -> None:
    """Per-package tarballs (the artifact steps the train runs once per
    package): the Chain screen shows each package's build, artifact,
    attestation and registry under that package, from ``ChainLink.package``."""
    store = tmp_path / "store"
    store.mkdir()
    pnpm_monorepo(repo)
    packages = [
        {
            "name": name,
            "path": f"packages/{folder}",
            "artifacts": [{"type": "tarball", "name": folder, "registry": str(store)}],
        }
        for name, folder in (("@acme/cli", "cli"), ("@acme/core", "core"))
    ]
    configure(
        repo,
        {
            "workspace": {"packages": packages},
            "security": {
                "provenance": {"level": "SLSA_BUILD_LEVEL_1", "signing": {"method": "none"}}
            },
        },
    )
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    add_remote(repo, tmp_path)
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        app.goto("gates")
        await pilot.press("r")
        await until(pilot, lambda: app.waiting_after == "gates", what="gates")
        app.goto("tag")
        await pilot.press("t")
        await until(pilot, lambda: app.waiting_after == "tag", what="tags")
        app.goto("publish")
        await at(pilot, "publish")
        await pilot.pause()
        said = str(app.screen.query_one("#pub-artifacts").render())
        assert "@acme/cli@3.0.2  tarball cli →" in said and "@acme/core@1.3.0  tarball core" in said
        assert "publishes each package's artifacts" in str(
            app.screen.query_one("#pub-push").render()
        )
        await pilot.press("p")
        while not app.state.finished:  # every question (publish, push) answered yes
            await until(
                pilot,
                lambda: isinstance(app.screen, ConfirmScreen) or app.state.finished,
                what="a question or the end",
            )
            if isinstance(app.screen, ConfirmScreen):
                await pilot.press("y")
                await pilot.pause()
        assert app.state.summary.ok, app.state.error
        app.goto("chain")
        await at(pilot, "chain")
        await pilot.pause()
        for folder, tag in (("cli", "@acme/cli@3.0.2"), ("core", "@acme/core@1.3.0")):
            view = app.state.packages[tag.rsplit("@", 1)[0]]
            assert {link for link, v in view.links.items() if v.entries} >= {
                "commit",
                "artifact",
                "attestation",
                "registry",
            }
            card = app.screen.query_one(f"#pkg--acme-{folder}")
            assert card.border_subtitle == "ok"
            text = str(card.render())
            assert f"{folder} ✔" in text and "none: released source-only" not in text
            rows = [line.split()[1] for line in text.splitlines() if line.strip()]
            assert f"@acme/{folder} {folder}" in app.state.links["registry"].entries
            assert (f"@acme/{folder} {folder}", "publish") in app.state.transfers
            assert rows[:2] == ["commit", "tag"] and "attestation" in rows and "registry" in rows
    assert (store / "cli/3.0.2/cli-3.0.2.tar.gz").is_file()
    assert (store / "core/1.3.0/core-1.3.0.tar.gz").is_file()


@pytest.mark.slow  # ships a real train to a remote: end to end
@pytest.mark.usefixtures("gpg_key")
async def test_signed_tags_chosen_on_the_tag_screen_sign_every_package(repo: Repo) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        app.options = app.options.model_copy(update={"no_push": True})
        app.goto("gates")
        await pilot.press("r")
        await until(pilot, lambda: app.waiting_after == "gates", what="gates")
        app.goto("tag")
        await at(pilot, "tag")
        await pilot.click("#sign-yes")
        await pilot.pause()
        assert app.sign_tag is True
        assert "Tags (signed (gpg), one per package)" in shown(app, "#tag-preview")
        await pilot.press("t")
        await until(pilot, lambda: app.waiting_after == "tag" or app.state.finished, what="tags")
        assert app.state.error is None, app.state.error
    for tag in ("@acme/cli@3.0.2", "@acme/core@1.3.0"):
        assert "-----BEGIN PGP SIGNATURE-----" in repo.git("cat-file", "-p", tag)

"""The Plan screen in a workspace (monorepo): the packages table, the reasons
of the highlighted package, and toggling packages in and out of the train."""

from __future__ import annotations

from conftest import Repo
from monorepos import pnpm_monorepo
from tui_helpers import SIZE, until

from shipline.tui.app import ShiplineApp


def _monorepo(repo: Repo) -> Repo:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    return repo


async def _trained(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.train is not None and not app.planning, what="the train")
    await pilot.pause()


async def test_the_plan_screen_lists_every_package(repo: Repo) -> None:
    _monorepo(repo)
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await _trained(pilot)
        table = app.screen.query_one("#packages")
        assert table.display and table.row_count == 4
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0][1:] == ["@acme/cli", "@acme/cli@3.0.1", "1", "→ 3.0.2"]
        assert rows[1][1:] == ["@acme/core", "@acme/core@1.2.0", "1", "→ 1.3.0"]
        assert rows[2][1].startswith("@acme/docs private") and rows[2][4] == "—"
        assert "@acme/cli@3.0.2" in str(app.sub_title)
        facts = str(app.screen.query_one("#plan-facts").render())
        assert "pnpm" in facts and "@acme/core@1.3.0" in facts
        # the train goes on to the Version screen from here
        assert app.screen.blocker() is None


async def test_toggling_a_package_plans_the_train_again(repo: Repo) -> None:
    _monorepo(repo)
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await _trained(pilot)
        table = app.screen.query_one("#packages")
        table.focus()
        await pilot.press("space")  # @acme/cli out
        await until(
            pilot,
            lambda: (
                not app.planning
                and app.train is not None
                and [p.name for p in app.train.releasing] == ["@acme/core"]
            ),
            what="cli left out",
        )
        await pilot.press("down", "down", "down", "space")  # @acme/write in, with no commits
        await until(
            pilot,
            lambda: not app.planning and "@acme/write" in app.train_picks,
            what="write picked",
        )
        write = next(p for p in app.train.packages if p.name == "@acme/write")
        assert not write.selected
        assert write.reasons[-1] == "no commits of its own since its last release"


async def test_the_reasons_follow_the_cursor(repo: Repo) -> None:
    _monorepo(repo)
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await _trained(pilot)
        table = app.screen.query_one("#packages")
        table.focus()
        why = app.screen.query_one("#package-why")
        assert "1 fix" in str(why.render())
        await pilot.press("down")
        await pilot.pause()
        assert "1 feature" in str(why.render())


def test_packages_table_snapshot(repo: Repo, snap_compare) -> None:
    _monorepo(repo)

    async def run_before(pilot) -> None:
        await _trained(pilot)
        pilot.app.screen.query_one("#packages").focus()
        await pilot.pause()

    assert snap_compare(ShiplineApp(repo.path), terminal_size=SIZE, run_before=run_before)

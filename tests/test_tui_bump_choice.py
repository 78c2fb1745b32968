"""A history without Conventional Commits in the TUI: the plan says so (the
domain's words) and moves on to the version screen, whose bump choice
makes the release (issue 10, part 4)."""

from __future__ import annotations

import json

from conftest import Repo
from tui_helpers import SIZE, at, planned

from shipline.tui.app import ShiplineApp


async def test_no_conventional_commits_offers_the_bump_choice(py_repo: Repo) -> None:
    py_repo.git("reset", "-q", "--hard", "v1.2.0")
    py_repo.write(
        ".shipline/config.json",
        json.dumps(  # shipline's own dir: not committed
            {"release": {"versionBump": ["pyproject.toml"], "push": {"enabled": False}}}
        ),
    )
    py_repo.commit("Add the export endpoint")
    py_repo.commit("Handle empty input")
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        plan = app.planned.plan
        assert (plan.releasable, plan.needs_bump) == (False, True)
        assert plan.blocker == "2 commits, none Conventional; pass --bump or a version"
        blocker = app.screen.query_one("#plan-blocker")
        assert blocker.display and "none Conventional" in str(blocker.render())
        await pilot.press("n")
        await at(pilot, "version")
        result = str(app.screen.query_one("#version-result").render())
        assert "none Conventional" in result
        await pilot.press("n")  # no version yet: it stays
        await pilot.pause()
        assert app.current_name == "version"
        await pilot.click("#bump-minor")
        await planned(pilot)
        assert (app.planned.plan.releasable, app.planned.plan.version) == (True, "1.3.0")
        await pilot.press("n")
        await at(pilot, "changelog")


async def test_the_plan_screen_shows_the_plans_warnings(repo: Repo) -> None:
    repo.commit("feat: first", {"pyproject.toml": '[project]\nname = "x"\nversion = "1.4.0"\n'})
    repo.tag("v1.4.0", "Release v1.4.0")
    repo.commit("feat: next", {"pyproject.toml": '[project]\nname = "x"\nversion = "2.0.0"\n'})
    repo.write(
        ".shipline/config.json",
        json.dumps({"release": {"versionBump": ["pyproject.toml"], "push": {"enabled": False}}}),
    )
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        assert app.planned.plan.version == "2.0.0"
        text = str(app.screen.query_one("#plan-bump").render())
        assert "pyproject.toml says 2.0.0, ahead of the last tag on this branch v1.4.0" in text
        assert "releasing 2.0.0 as the manifest says" in text

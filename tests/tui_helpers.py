"""Helpers for the TUI tests: wait for the app to reach a state, and build
repositories with a remote and a config."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from conftest import Repo
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

SIZE = (80, 24)


async def until(
    pilot: Pilot, condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition"
) -> None:
    """Let the app run until ``condition()`` holds (fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)
        await asyncio.sleep(0.01)


async def at(pilot: Pilot, name: str) -> None:
    """Until screen ``name`` is current and mounted: a key pressed while it
    is still being mounted would reach no binding of it."""
    app = pilot.app
    await until(
        pilot,
        lambda: app.current_name == name and app.screen.is_mounted,
        what=f"the {name} screen",
    )


async def run_command(pilot: Pilot, typed: str, wanted: str) -> None:
    """Open the command palette, type ``typed``, wait until the highlighted
    command is ``wanted`` and run it (the palette searches as you type)."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await pilot.press(*typed)

    def offered() -> bool:
        found = app.screen.query(CommandList)
        index = found.first().highlighted if found else None
        return index is not None and wanted in str(found.first().get_option_at_index(index).prompt)

    await until(pilot, offered, what=f"the palette offering {wanted!r}")
    await pilot.press("enter")


async def planned(pilot: Pilot) -> None:
    app = pilot.app
    await until(
        pilot,
        lambda: not app.planning and (app.planned is not None or app.plan_error is not None),
        what="the plan",
    )
    await pilot.pause()


async def stop_before_the_push(pilot: Pilot) -> None:
    """Run the gates, tag, then decline the push: the release stops with 130."""
    await planned(pilot)
    await decline_the_push(pilot)


async def decline_the_push(pilot: Pilot) -> None:
    """From a plan (a release's or a train's): the gates, the tag(s), then
    "not now" to the push."""
    from shipline.tui.screens.confirm import ConfirmScreen

    app = pilot.app
    app.goto("gates")
    await pilot.press("r")
    await until(pilot, lambda: app.waiting_after == "gates", what="gates")
    app.goto("tag")
    await pilot.press("t")
    await until(pilot, lambda: app.waiting_after == "tag", what="tag")
    app.goto("publish")
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
    await pilot.press("n")
    await until(pilot, lambda: app.state.finished, what="the stop")


def add_remote(repo: Repo, tmp: Path) -> Path:
    bare = tmp / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "main", "--tags")
    return bare


def configure(repo: Repo, release: dict) -> None:
    repo.write(".shipline/config.json", json.dumps({"release": release}))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: configure shipline")

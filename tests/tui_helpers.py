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


async def planned(pilot: Pilot) -> None:
    app = pilot.app
    await until(
        pilot,
        lambda: not app.planning and (app.planned is not None or app.plan_error is not None),
        what="the plan",
    )
    await pilot.pause()


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

"""Smoke test: the real ``shipline`` console script in tmux at 80x24, read
back from the screen; and ``shipline tui`` without a terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo, run_shipline

EXE = Path(sys.executable).parent / "shipline"


class Tmux:
    """One private tmux server per test. Each ``start`` opens a fresh 80x24
    session before it closes the previous one: closing a server's last
    session makes the server exit, and a session started while it exits can
    be lost (an empty screen, a test that waits for nothing)."""

    def __init__(self) -> None:
        self.socket = f"shipline-test-{uuid.uuid4().hex[:8]}"
        self.session = ""
        self._opened = 0

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20
        )
        return done.stdout

    def start(self, command: str) -> None:
        self._opened += 1
        previous, self.session = self.session, f"ui{self._opened}"
        size = ("-x", "80", "-y", "24")
        done = subprocess.run(
            ["tmux", "-L", self.socket, "new-session", "-d", "-s", self.session, *size, command],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert done.returncode == 0, f"tmux new-session failed: {done.stderr}"
        if previous:
            self.run("kill-session", "-t", previous)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux is needed (apt-get install -y tmux)"
    t = Tmux()
    yield t
    t.run("kill-server")


def test_shipline_opens_the_tui_at_80x24(py_repo: Repo, tmux: Tmux) -> None:
    env = f"HOME={os.environ['HOME']} GIT_CONFIG_GLOBAL={os.environ['GIT_CONFIG_GLOBAL']}"
    tmux.start(f"cd {py_repo.path} && env {env} TERM=xterm-256color {EXE}; sleep 30")
    screen = tmux.wait_for("Inferred bump")
    lines = screen.splitlines()
    assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
    assert "1.2.0 → 1.3.0" in screen and "v1.2.0" in screen
    assert "Features (1)" in screen and "add the export endpoint" in screen
    assert "Quit" in lines[-1] and "Next" in lines[-1]
    tmux.keys("n")
    screen = tmux.wait_for("Version files")
    assert 'version = "1.3.0"' in screen
    tmux.keys("C-q")
    deadline = time.monotonic() + 10
    while "Version files" in tmux.screen() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Version files" not in tmux.screen()  # the app exited and gave the terminal back


def test_tui_without_a_terminal_is_a_usage_error(py_repo: Repo) -> None:
    result = run_shipline("tui", cwd=py_repo.path)
    assert result.code == 2
    assert "needs a terminal" in result.err and "Traceback" not in result.err


def test_bare_shipline_without_a_terminal_prints_help(py_repo: Repo) -> None:
    result = run_shipline(cwd=py_repo.path)
    assert result.code == 0 and "usage: shipline" in result.out and "tui" in result.out


def test_tui_outside_a_repository_exits_2(tmp_path: Path) -> None:
    result = run_shipline("tui", cwd=tmp_path)
    assert result.code == 2 and "not inside a git repository" in result.err
    assert "Traceback" not in result.err

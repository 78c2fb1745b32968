"""``shipline`` / ``shipline tui``: the terminal UI on the repository.

The one place ``domain`` reaches ``tui`` (:func:`run_app`, an import the
contracts in pyproject.toml declare), done when the command runs, so neither
``shipline --help`` nor any other domain module imports Textual. The CLI
calls :func:`open_tui` before building a session: the config, pydantic and
rich load inside the app's plan worker, after its first screen is on the
terminal (SPEC 9: first paint under 1 s)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from shipline.domain.errors import ShiplineError, UsageError


def _check_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "the terminal UI needs a terminal (stdin and stdout are not one)",
            hint="headless: `shipline release plan`, or `shipline release ship --yes`",
        )


def open_tui(args: argparse.Namespace) -> int:
    """Run the TUI for ``-C PATH`` (default: the current directory); the exit code."""
    from shipline.domain.gitops import Git

    try:
        repo = Git.open(getattr(args, "cwd", None) or Path.cwd()).root
        _check_terminal()
    except ShiplineError as exc:  # the same one line as every other command
        sys.stderr.write(f"error {int(exc.code)}: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"  fix: {exc.hint}\n")
        return int(exc.code)
    return run_app(
        repo, getattr(args, "state_dir", None), config_file=getattr(args, "config", None)
    )


def run_app(repo: Path, state_dir: Path | None, **options: Any) -> int:
    """Run the terminal UI on ``repo``; its exit code. The domain's one edge
    to ``shipline.tui``, declared in the import contracts (pyproject.toml):
    imported here, when a command opens the TUI, so neither ``--help`` nor
    any other domain module loads Textual."""
    from shipline.tui.app import ShiplineApp

    return int(ShiplineApp(repo, state_dir, **options).run() or 0)

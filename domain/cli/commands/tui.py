"""``shipline`` / ``shipline tui``: the terminal UI on the repository.

The one place ``domain`` reaches ``tui``: through importlib, when the
command runs, so neither ``shipline --help`` nor any domain module imports
Textual. The CLI calls :func:`open_tui` before building a session: the
config, pydantic and rich load inside the app's plan worker, after its
first screen is on the terminal (SPEC 9: first paint under 1 s)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from shipline.domain.errors import ShiplineError, UsageError


def _check_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("the terminal UI needs a terminal (stdin and stdout are not one)",
                         hint="headless: `shipline release plan`, or `shipline release ship "
                         "--yes`")


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
    app = importlib.import_module("shipline.tui.app").ShiplineApp(
        repo, getattr(args, "state_dir", None), config_file=getattr(args, "config", None))
    return int(app.run() or 0)


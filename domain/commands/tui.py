"""``shipline`` / ``shipline tui``: the terminal UI on the repository.

The one place ``domain`` reaches ``tui``: through importlib, when the
command runs, so neither ``shipline --help`` nor any domain module imports
Textual."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from ..errors import UsageError
from ..session import Session


def tui(session: Session, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    repo = session.repo  # exit 2 with a one-line message outside a repository
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("the terminal UI needs a terminal (stdin and stdout are not one)",
                         hint="headless: `shipline release plan`, or `shipline release ship "
                         "--yes`")
    app_module = importlib.import_module("tui.app")
    app = app_module.ShiplineApp(repo, session.state_dir_override)
    code = app.run()
    code = int(code or 0)
    return code, {"message": "closed the terminal UI" if code == 0 else
                  f"the terminal UI stopped (exit {code})"}

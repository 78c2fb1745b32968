"""The ``shipline`` command line.

Parsing is plain argparse and every command's implementation is imported
only when that command runs, so ``shipline --help`` stays fast and never
imports Textual, sigstore or rich. Errors become one line with their exit
code; a traceback shows only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any

from shipline.domain.cli.parsers import build_parser
from shipline.domain.errors import ExitCode, ShiplineError

# command → "module:function" under domain.commands, imported on use
COMMANDS: dict[tuple[str, str | None], str] = {
    ("release", "plan"): "release:plan",
    ("demo", None): "demo:demo",
    ("release", "ship"): "release:ship",
    ("release", "resume"): "release:resume",
    ("release", "abort"): "release:abort",
    ("changelog", None): "changelog:changelog_command",
    ("attest", None): "attest:attest",
    ("verify", None): "verify:verify",
    ("verify-artifact", None): "verify:verify_artifact",
    ("ledger", None): "ledger:ledger",
    ("trust", "rotate"): "trust:rotate",
    ("review", None): "review:review",
    ("check", "protocol"): "check_protocol:check_protocol",
    ("init", None): "init:init",
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    from shipline.domain.runner import set_own_environment

    # pydantic scans every installed distribution's entry points for plugins
    # when the first model is built (~25 ms at each start); shipline uses
    # none. A user who sets the variable keeps their value.
    set_own_environment("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if args.command is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            parser.print_help()
            return ExitCode.OK
        args.command = "tui"  # `shipline` alone in a terminal opens the TUI
    if args.command == "tui":  # before any session: the first screen paints at once
        from shipline.domain.cli.commands.tui import open_tui

        return open_tui(args)
    return run(args)


def run(args: argparse.Namespace) -> int:
    from shipline.domain.cli.session import Session
    from shipline.domain.events import ErrorEvent, Summary

    output = getattr(args, "output", "text")
    debug = getattr(args, "debug", False)
    if output == "json":
        from shipline.domain.cli.render import JsonRenderer

        renderer: Any = JsonRenderer()
    else:
        from shipline.domain.cli.render import TextRenderer

        renderer = TextRenderer()
    name = (
        args.command if getattr(args, "action", None) is None else f"{args.command} {args.action}"
    )
    session = Session(
        cwd=getattr(args, "cwd", None) or Path.cwd(),
        state_dir_override=getattr(args, "state_dir", None),
        config_override=getattr(args, "config", None),
        output=output,
        debug=debug,
        emit=renderer,
        text=renderer.text,
        interactive=sys.stdin.isatty() and output == "text" and not os.environ.get("CI"),
    )
    target = COMMANDS[(args.command, getattr(args, "action", None))]
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(f".commands.{module_name}", __package__)
        result = getattr(module, func_name)(session, args)
    except ShiplineError as exc:
        renderer(ErrorEvent(code=int(exc.code), message=exc.message, hint=exc.hint))
        renderer(Summary(command=name, ok=False, exit_code=int(exc.code)))
        return int(exc.code)
    except KeyboardInterrupt:
        renderer(ErrorEvent(code=ExitCode.INTERRUPTED, message="interrupted"))
        renderer(Summary(command=name, ok=False, exit_code=ExitCode.INTERRUPTED))
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        raise  # not a bug: the reader closed the pipe (see entry)
    except Exception as exc:  # a bug: one line, the traceback only with --debug
        if debug:
            import traceback

            traceback.print_exc()
        message = f"internal error: {type(exc).__name__}: {exc}"
        renderer(
            ErrorEvent(
                code=ExitCode.INTERNAL,
                message=message,
                hint="this is a bug in shipline; rerun with --debug and report it",
            )
        )
        renderer(Summary(command=name, ok=False, exit_code=ExitCode.INTERNAL))
        return ExitCode.INTERNAL
    code, data = result if isinstance(result, tuple) else (ExitCode.OK, result or {})
    renderer(Summary(command=name, ok=code == 0, exit_code=int(code), data=data))
    return int(code)


def entry() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`shipline changelog --all | head`): stop quietly,
        # as git does; point stdout at /dev/null so the exit flush cannot fail
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = ExitCode.OK
    raise SystemExit(code)

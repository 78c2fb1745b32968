"""What every shipline parser shares: usage errors as exit 2 with one line,
``--version`` read only when asked, and the ``true``/``false`` flag type."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from shipline.domain.errors import ExitCode

BOOLS = ("true", "false")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2 with one line
        self.print_usage(sys.stderr)
        sys.stderr.write(f"shipline: error: {message}\n")
        raise SystemExit(ExitCode.USAGE)


class VersionAction(argparse.Action):
    """``--version``: the installed distribution's version, read only when asked."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from shipline import __version__

        sys.stdout.write(f"shipline {__version__}\n")
        raise SystemExit(ExitCode.OK)


def bool_arg(text: str) -> bool:
    if text.lower() not in BOOLS:
        raise argparse.ArgumentTypeError("expected true or false")
    return text.lower() == "true"

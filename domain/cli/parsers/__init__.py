"""The ``shipline`` argument parser, built from one module per command group
(:mod:`.release` makes releases, :mod:`.provenance` is about what was
released). Plain argparse with nothing heavy imported, so ``shipline
--help`` stays fast."""

from __future__ import annotations

import argparse
from pathlib import Path

from shipline.domain.cli.parsers.base import Parser, VersionAction
from shipline.domain.cli.parsers.provenance import add_provenance_commands
from shipline.domain.cli.parsers.release import add_release_commands


def build_parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument(
        "-C",
        dest="cwd",
        metavar="PATH",
        type=Path,
        default=argparse.SUPPRESS,
        help="run in this repository (default: the current directory)",
    )
    common.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="state directory (default: .shipline/, or .cleo/ with a config)",
    )
    common.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="read this config instead of the state dir's config.json",
    )
    common.add_argument(
        "--output",
        choices=("text", "json"),
        default=argparse.SUPPRESS,
        help="text for people; json: one object per line, the last a summary",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks of internal errors",
    )

    parser = Parser(
        prog="shipline",
        description="Interactive release assistant: version, changelog, gates, tag, "
        "artifacts, provenance, publish.",
        parents=[common],
    )
    parser.add_argument("--version", action=VersionAction, help="print shipline's version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    add_release_commands(sub, common)
    add_provenance_commands(sub, common)
    return parser

"""The parsers of the commands that make a release: ``release plan | ship |
resume | abort``, ``changelog``, ``init``, ``demo`` and ``tui``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shipline.domain.cli.parsers.base import Parser


def add_release_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    release = sub.add_parser(
        "release", help="plan, ship, resume or abort a release", parents=[common]
    )
    rsub = release.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=Parser
    )
    plan = rsub.add_parser(
        "plan", parents=[common], help="what a release would do now; changes nothing"
    )
    add_version_choice(plan)
    add_scope(plan)
    ship = rsub.add_parser("ship", parents=[common], help="run the whole release pipeline")
    add_version_choice(ship)
    ship.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="do not ask; required for headless runs that publish",
    )
    ship.add_argument(
        "--dry-run",
        action="store_true",
        help="run every step without side effects and report what it would do",
    )
    add_scope(ship)
    ship.add_argument(
        "--handoff",
        action="store_true",
        help="CI mode: tag and push, leave building and publishing to the "
        "workflow the tag starts (exit 65); it records them with `attest`",
    )
    rsub.add_parser(
        "resume", parents=[common], help="continue an interrupted release from its journal"
    )
    rsub.add_parser(
        "abort", parents=[common], help="undo an interrupted release's local-only effects"
    )

    cl = sub.add_parser(
        "changelog", parents=[common], help="the changelog from Conventional Commits"
    )
    group = cl.add_mutually_exclusive_group()
    group.add_argument("--since", metavar="TAG", help="changes since this tag")
    group.add_argument("--all", action="store_true", help="every release in the history")
    cl.add_argument("--format", choices=("markdown", "json"), default="markdown")

    add_init(sub, common)

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="a sandbox repository, local PyPI index and ephemeral key: "
        "walk a whole release with provenance in a minute",
    )
    demo.add_argument(
        "--headless", action="store_true", help="ship the demo release without the terminal UI"
    )
    demo.add_argument(
        "--dir", type=Path, metavar="DIR", help="where the sandbox goes (default ./.shipline-demo)"
    )
    sub.add_parser(
        "tui",
        parents=[common],
        help="the terminal UI (also what `shipline` alone opens in a terminal)",
    )


def add_version_choice(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "version",
        nargs="*",
        metavar="VERSION",
        help="release exactly this version (a leading v is fine); in a "
        "workspace NAME@VERSION, repeatable",
    )
    p.add_argument(
        "--package",
        action="append",
        metavar="NAME",
        help="in a workspace: release this package (repeatable)",
    )
    p.add_argument(
        "--bump",
        choices=("major", "minor", "patch", "prerelease"),
        help="override the bump inferred from the commits",
    )
    p.add_argument("--pre", metavar="LABEL", help="make a prerelease, e.g. rc → 1.4.0-rc.1")


def add_scope(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-artifacts", action="store_true", help="source-only release")
    p.add_argument("--no-push", action="store_true", help="do not push commit and tag")
    p.add_argument(
        "--no-forge",
        action="store_true",
        help="do not create the GitHub/GitLab release of release.forge",
    )
    p.add_argument(
        "--no-changelog",
        action="store_true",
        help="do not write the changelog (RLSE-002 waived explicitly)",
    )
    p.add_argument(
        "--changelog-entry",
        type=Path,
        metavar="FILE",
        help="use this reviewed Markdown as the changelog entry",
    )


def add_init(sub: Any, common: argparse.ArgumentParser) -> None:
    init = sub.add_parser(
        "init",
        parents=[common],
        help="detect the repository's ecosystems and write .shipline/config.json",
    )
    init.add_argument(
        "--yes", "-y", action="store_true", help="accept every detected default without asking"
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing config")
    init.add_argument(
        "--version-file",
        action="append",
        metavar="PATH[:PATTERN]",
        help="a file to bump (repeatable; replaces the detected ones)",
    )
    init.add_argument("--changelog", metavar="PATH", help="changelog file, or none")
    init.add_argument(
        "--gate",
        action="append",
        metavar="NAME=CMD",
        help="add or change a command gate; NAME= drops it (repeatable)",
    )
    init.add_argument(
        "--artifact",
        action="append",
        metavar="TYPE[:NAME[@REGISTRY]]",
        help="an artifact to publish (repeatable; replaces the detected ones); "
        "none for a source-only release",
    )
    init.add_argument(
        "--credentials-env",
        action="append",
        metavar="[TYPE=]VAR",
        help="the NAME of the variable holding a registry token (never the token)",
    )
    init.add_argument("--signing", choices=("sigstore", "gpg", "none"))
    init.add_argument("--level", metavar="1-4", help="target SLSA build level")
    init.add_argument("--sbom", choices=("CycloneDX", "SPDX", "cyclonedx", "spdx"))
    init.add_argument("--remote", help="the remote to push to")
    init.add_argument("--branch", help="the release branch")
    init.add_argument("--tag-prefix", metavar="PREFIX", help="e.g. v; none for bare versions")
    init.add_argument(
        "--forge",
        metavar="TYPE[:REPOSITORY]",
        help="github or gitlab: the release made after the push (default: from "
        "the remote URL and the CI environment); none: no forge release",
    )

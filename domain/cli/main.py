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
from typing import Any, NoReturn

from shipline.domain.errors import ExitCode, ShiplineError

BOOLS = ("true", "false")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2 with one line
        self.print_usage(sys.stderr)
        sys.stderr.write(f"shipline: error: {message}\n")
        raise SystemExit(ExitCode.USAGE)


class _VersionAction(argparse.Action):
    """``--version``: the installed distribution's version, read only when asked."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from shipline import __version__

        sys.stdout.write(f"shipline {__version__}\n")
        raise SystemExit(ExitCode.OK)


def _bool(text: str) -> bool:
    if text.lower() not in BOOLS:
        raise argparse.ArgumentTypeError("expected true or false")
    return text.lower() == "true"


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
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

    parser = _Parser(
        prog="shipline",
        description="Interactive release assistant: version, changelog, gates, tag, "
        "artifacts, provenance, publish.",
        parents=[common],
    )
    parser.add_argument(
        "--version", action=_VersionAction, help="print shipline's version and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    release = sub.add_parser(
        "release", help="plan, ship, resume or abort a release", parents=[common]
    )
    rsub = release.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=_Parser
    )
    plan = rsub.add_parser(
        "plan", parents=[common], help="what a release would do now; changes nothing"
    )
    _add_version_choice(plan)
    _add_scope(plan)
    ship = rsub.add_parser("ship", parents=[common], help="run the whole release pipeline")
    _add_version_choice(ship)
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
    _add_scope(ship)
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

    attest = sub.add_parser(
        "attest",
        parents=[common],
        help="digests, SBOM, attestation, signature and ledger record for files CI built",
    )
    attest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    attest.add_argument("--version", required=True)
    attest.add_argument("--sign", choices=("sigstore", "gpg", "none"))
    attest.add_argument(
        "--sbom",
        choices=("CycloneDX", "SPDX", "cyclonedx", "spdx", "none"),
        help="SBOM format (default: the config's); none records no SBOM",
    )
    attest.add_argument(
        "--type", metavar="TYPE", help="artifact type for the ledger (default: from the file name)"
    )

    verify = sub.add_parser(
        "verify", parents=[common], help="verify the provenance chain of one release or all"
    )
    vgroup = verify.add_mutually_exclusive_group(required=True)
    vgroup.add_argument("version", nargs="?")
    vgroup.add_argument("--all", action="store_true")
    _add_trust(verify)
    verify.add_argument(
        "--trust-key",
        action="append",
        metavar="FPR",
        default=[],
        help="trust releases signed by this gpg fingerprint or DSSE key id (repeatable)",
    )
    verify.add_argument(
        "--trust-identity",
        metavar="ID",
        help="trust releases signed keyless by this sigstore identity ...",
    )
    verify.add_argument("--trust-issuer", metavar="URL", help="... from this OIDC issuer")

    va = sub.add_parser(
        "verify-artifact",
        parents=[common],
        help="check an artifact against a sigstore bundle or a gpg signature",
    )
    va.add_argument("file", type=Path, metavar="FILE")
    va.add_argument("--bundle", type=Path)
    ident = va.add_mutually_exclusive_group()
    ident.add_argument("--identity")
    ident.add_argument("--identity-regexp")
    va.add_argument("--issuer")
    va.add_argument("--signature", type=Path)
    va.add_argument("--key", type=Path)
    _add_trust(va)

    trust = sub.add_parser("trust", parents=[common], help="who signs the releases")
    tsub = trust.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=_Parser
    )
    rotate = tsub.add_parser(
        "rotate",
        parents=[common],
        help="hand signing over to a new key or identity, signed by the "
        "current signer (GPG_KEY_ID = the old key)",
    )
    target = rotate.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="FPR", help="the new gpg key's fingerprint")
    target.add_argument("--to-key", metavar="KEYID", help="the new DSSE key id")
    target.add_argument("--to-identity", metavar="ID", help="the new sigstore identity")
    rotate.add_argument("--to-issuer", metavar="URL", help="the new identity's OIDC issuer")
    rotate.add_argument("--reason", metavar="TEXT", help="why (kept in the ledger)")
    rotate.add_argument(
        "--sign",
        choices=("sigstore", "gpg"),
        help="how the old signer signs (default: the config's method)",
    )

    sub.add_parser("ledger", parents=[common], help="list recorded releases")

    _add_init(sub, common)

    review = sub.add_parser(
        "review",
        parents=[common],
        help="a release's evidence for the L4 two-party review; approve "
        "or reject it with a signed statement",
    )
    review.add_argument("version", metavar="VERSION")
    verdict = review.add_mutually_exclusive_group()
    verdict.add_argument("--approve", action="store_true", help="sign an approval")
    verdict.add_argument("--reject", action="store_true", help="sign a rejection")
    review.add_argument(
        "--sign",
        choices=("gpg", "sigstore"),
        default="gpg",
        help="how the review statement is signed (default gpg: GPG_KEY_ID)",
    )
    review.add_argument("--comment", metavar="TEXT", help="the reviewer's note")
    review.add_argument(
        "--no-rebuild",
        action="store_true",
        help="skip the reproducible rebuild (L4 cannot be recorded then)",
    )
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

    check = sub.add_parser("check", parents=[common], help="protocol checks")
    csub = check.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=_Parser
    )
    proto = csub.add_parser(
        "protocol", parents=[common], help="validate a recorded release against a protocol"
    )
    proto.add_argument(
        "--protocol-type",
        "--protocolType",
        dest="protocol_type",
        required=True,
        choices=("release", "provenance", "artifact-publish"),
    )
    proto.add_argument("--version", required=True)
    proto.add_argument("--has-changelog", "--hasChangelog", dest="has_changelog", type=_bool)
    proto.add_argument("--has-attestation", "--hasAttestation", dest="has_attestation", type=_bool)
    proto.add_argument("--has-sbom", "--hasSbom", dest="has_sbom", type=_bool)
    proto.add_argument("--artifact-type", "--artifactType", dest="artifact_type")
    proto.add_argument("--build-passed", "--buildPassed", dest="build_passed", type=_bool)
    proto.add_argument("--task-id", "--taskId", dest="task_id", help="accepted, unused")
    return parser


def _add_trust(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trust",
        type=Path,
        metavar="FILE",
        help="the trusted signers, from a file outside the repository (default: "
        "$SHIPLINE_TRUST, then $XDG_CONFIG_HOME/shipline/trust.json)",
    )


def _add_version_choice(p: argparse.ArgumentParser) -> None:
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


def _add_scope(p: argparse.ArgumentParser) -> None:
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


def _add_init(sub: Any, common: argparse.ArgumentParser) -> None:
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


# command → "module:function" under domain.commands, imported on use
COMMANDS: dict[tuple[str, str | None], str] = {
    ("release", "plan"): "release:plan",
    ("demo", None): "demo:demo",
    ("release", "ship"): "release:ship",
    ("release", "resume"): "release:resume",
    ("release", "abort"): "release:abort",
    ("changelog", None): "changelog:changelog_command",
    ("attest", None): "provenance:attest",
    ("verify", None): "provenance:verify",
    ("verify-artifact", None): "provenance:verify_artifact",
    ("ledger", None): "provenance:ledger",
    ("trust", "rotate"): "trust:rotate",
    ("review", None): "review:review",
    ("check", "protocol"): "provenance:check_protocol",
    ("init", None): "init:init",
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
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

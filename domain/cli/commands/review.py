"""``shipline review VERSION|NAME@VERSION [--approve|--reject] [--sign
gpg|sigstore] [--comment TEXT] [--no-rebuild]``: the reviewer's side of the
SLSA L4 two-party review (SPEC section 8); ``NAME@VERSION`` is one package's
release from a workspace's release train (its own commits, changelog entry,
tag, record and attestation).

Without ``--approve``/``--reject`` it opens the terminal UI on the Review
screen for VERSION when stdin and stdout are a terminal, the output is text
and ``CI`` is not set (``--sign`` and ``--comment`` apply to the verdict
signed there); otherwise (a pipe, CI, ``--output json``) it prints the evidence (text,
or one JSON summary) and changes nothing. With a verdict it signs
and records the review and, when every L4 requirement holds, the L4 level
record. Exit codes: 50 unknown version (or package: the hint lists the
workspace's packages), 53 invalid version, 91 no signing
key or identity, 92/93/94 approving a release whose chain does not verify
(its first failure's code), 0 otherwise (the L4 shortfall is listed).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from shipline.domain.cli.session import Session
from shipline.domain.errors import ExitCode


def _print_evidence(session: Session, ev: Any) -> None:
    say = session.text
    say(f"release {ev.label}  tag {ev.tag}  commit {ev.commit[:12]}  record {ev.release_hash[:12]}")
    say(f"level {ev.level} (release recorded {ev.release_level})")
    say(f"commits since {ev.previous_tag or 'the beginning'}: {len(ev.commits)}")
    for c in ev.commits:
        say(f"  {c['sha'][:12]} {c['subject']} ({c['email']})")
    if ev.changelog is not None:
        entry = ev.changelog["entry"]
        say(f"changelog {ev.changelog['path']}: " + ("" if entry else "no entry for this version"))
        for line in (entry or "").splitlines():
            say(f"  {line}")
    say(f"build configuration changed: {len(ev.config_changes)} file(s)")
    for change in ev.config_changes:
        say(f"  {change['status']} {change['path']}")
    if ev.config_diff:
        say(ev.config_diff.rstrip())
    say("artifacts:")
    for a in ev.artifacts:
        say(f"  {a['name']}  sha256:{a['sha256']}  ({a['type']})")
    att = ev.attestation
    say(
        f"attestation {att['path']} sha256:{att['sha256']} signed with {att['signature']} "
        f"by {att['signedBy']}"
    )
    if ev.sbom:
        say(
            "sbom: "
            + ", ".join(
                f"{k} {v}"
                for k, v in ev.sbom.items()
                if k in ("format", "components", "subject", "error")
            )
        )
    failed = [c for c in ev.verification if c["status"] == "failed"]
    say(f"verify: {len(ev.verification)} checks, {len(failed)} failed")
    for c in failed:
        say(f"  FAILED ({c['code']}) {c['link']} {c['name']}: {c['detail']}")
    say("checks:")
    for check in ev.checks:
        say(f"  {check.status:>7} {check.name}: {check.detail}")
        for item in check.items:
            say(f"          - {item}")
    say(f"reviews: {len(ev.reviews)}")
    for r in ev.reviews:
        verdict = "approve" if r.approved else "reject"
        state = "valid" if r.valid else f"INVALID ({r.code}): {r.problem}"
        say(
            f"  {verdict} by {r.reviewer} [{r.identity}"
            f"{', independent' if r.independent else ''}] {state}"
        )
    if ev.l4_missing:
        say("L4 still needs:")
        for line in ev.l4_missing:
            say(f"  - {line}")


def _open_review_screen(
    session: Session, version: str, args: argparse.Namespace
) -> tuple[int, dict[str, Any]]:
    """The TUI on the Review screen for ``version`` (through the CLI's one
    edge to the TUI, :func:`shipline.domain.cli.commands.tui.run_app`). An
    unknown version is refused here, in one line (50), rather than in an app
    opened for nothing."""
    from shipline.domain.provenance.ledger import load
    from shipline.domain.review.target import find_target, parse_target

    book = load(session.config.state_dir, verify_chain=False)
    find_target(book, parse_target(version), session.git, session.config)
    from shipline.domain.cli.commands.tui import run_app

    code = run_app(
        session.repo,
        session.state_dir_override,
        review_version=version,
        review_sign=args.sign,
        review_comment=args.comment,
        config_file=session.config_override,
    )
    return code, {
        "version": version,
        "message": f"closed the review of {version}"
        if code == 0
        else f"the terminal UI stopped (exit {code})",
    }


def review(session: Session, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    from shipline.domain.review.approve import submit_review
    from shipline.domain.review.decide import L4
    from shipline.domain.review.evidence import collect_evidence
    from shipline.domain.review.target import parse_target

    version = parse_target(args.version).label
    env = dict(os.environ)
    if not (args.approve or args.reject) and session.interactive and sys.stdout.isatty():
        return _open_review_screen(session, version, args)
    if not (args.approve or args.reject):
        ev = collect_evidence(
            session.git, session.config, version, rebuild=not args.no_rebuild, env=env
        )
        if session.output == "text":
            _print_evidence(session, ev)
        data = ev.to_json()
        data["message"] = f"{ev.label}: {ev.level}; L4 " + (
            "holds" if not ev.l4_missing else f"needs {len(ev.l4_missing)} more thing(s)"
        )
        return ExitCode.OK, data
    outcome = submit_review(
        session.git,
        session.config,
        version,
        approve=bool(args.approve),
        method=args.sign,
        comment=args.comment,
        env=env,
        rebuild=not args.no_rebuild,
    )
    ev = outcome.evidence
    for line in ev.l4_missing if session.output == "text" else ():
        session.text(f"L4 still needs: {line}")
    data = outcome.to_json()
    verdict = "approval" if args.approve else "rejection"
    data["message"] = (
        f"{ev.label}: {verdict} by {outcome.record['reviewer']} recorded as "
        f"{outcome.record['hash'][:12]}; "
        + (
            f"{L4} recorded as {outcome.level_record['hash'][:12]}"
            if outcome.level_record
            else f"level {ev.level}"
            + (f", L4 needs {len(ev.l4_missing)} more" if ev.l4_missing else "")
        )
    )
    return ExitCode.OK, data

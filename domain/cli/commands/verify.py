"""``shipline verify`` (the recorded provenance chain of one release or all)
and ``shipline verify-artifact`` (a consumer's check of one downloaded
file): thin drivers of the provenance core that turn its reports into output."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shipline.domain.cli.session import Session
from shipline.domain.errors import ExitCode
from shipline.domain.events import ErrorEvent

_SIGNER_HINT = (
    "a release signed by someone you do not trust is what a forgery looks like; "
    "if the key really changed, its old holder endorses the new one with "
    "`shipline trust rotate --to FPR`, or you pin the new signer (--trust-key)"
)


def _local(session: Session, path: Path | None) -> Path | None:
    return path if path is None or path.is_absolute() else session.cwd / path


def verify(session: Session, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    from shipline.domain.provenance.trust import load_trust
    from shipline.domain.provenance.verify import FAILED
    from shipline.domain.review.chain import verify_chain as verify_provenance_chain

    trust = load_trust(
        session.repo,
        trust_file=_local(session, args.trust),
        keys=tuple(args.trust_key),
        identity=args.trust_identity,
        issuer=args.trust_issuer,
    )
    report = verify_provenance_chain(
        session.state_dir, args.version, bool(args.all), repo=session.repo, trust=trust
    )
    session.text(trust.describe())
    for check in report.checks if session.output == "text" else ():
        mark = {"ok": "ok", "failed": "FAILED", "missing": "missing"}.get(
            check.status, check.status
        )
        code = f" ({check.code})" if check.status == FAILED else ""
        session.text(f"{mark:>8}{code} {check.link:<11} {check.name}: {check.detail}")
    data = report.to_json()
    if not report.ok:
        first = report.failures[0]
        more = len(report.failures) - 1
        session.emit(
            ErrorEvent(
                code=first.code,
                message=f"verify failed at the {first.link} link ({first.name}): {first.detail}"
                + (f" (+{more} more failure{'s' if more > 1 else ''})" if more else ""),
                hint=_SIGNER_HINT
                if first.link in ("signer", "rotation")
                else "the evidence no longer matches what was recorded; find out who changed it "
                "before trusting this release",
            )
        )
        return first.code, data
    what = "all releases" if args.all else report.versions[0]
    if not args.all and args.version:
        from shipline.domain.provenance.ledger import split_package_version

        package, _ = split_package_version(args.version)
        what = f"{package}@{what}" if package else what  # a package's release by its name
    unchecked = sum(1 for c in report.checks if c.status == "missing")
    unreached = [c for c in report.checks if c.link == "forge" and c.status == "skipped"]
    if unreached:
        data["forgeNotChecked"] = [c.to_json() for c in unreached]
    data["message"] = (
        f"{what}: provenance chain verified ({len(report.versions)} "
        f"release(s), {len(report.checks)} checks"
        + (f"; {unchecked} not checked: not on disk or not in this clone" if unchecked else "")
        + (
            f"; {len(unreached)} forge file(s) not checked: {unreached[0].detail}"
            if unreached
            else ""
        )
        + f"); {trust.describe()}"
    )
    return ExitCode.OK, data


def verify_artifact(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    """A consumer's check of one file: a sigstore bundle with an identity
    policy, or a gpg signature with a public key; offline either way. The
    signer comes from the flags, else from the caller's trust (``--trust``,
    ``$SHIPLINE_TRUST``, the user's trust.json), never from the repository."""
    from shipline.domain.errors import SignatureInvalid, UsageError
    from shipline.domain.provenance.trust import Signer, load_trust
    from shipline.domain.signing.gpg_artifact import verify_artifact_gpg
    from shipline.domain.signing.sigstore_verify import verify_artifact_bundle

    path = args.file if args.file.is_absolute() else session.cwd / args.file
    if not path.is_file():
        raise UsageError(
            f"{args.file}: no such artifact file", hint="give the path of the downloaded artifact"
        )

    def local(p: Path) -> Path:
        return p if p.is_absolute() else session.cwd / p

    try:
        root = session.repo
    except UsageError:  # checking a download outside any repository
        root = session.cwd
    trust = load_trust(root, trust_file=_local(session, args.trust))
    if args.bundle is not None:
        if args.signature is not None or args.key is not None:
            raise UsageError(
                "give --bundle or --signature/--key, not both",
                hint="a sigstore bundle, or a gpg signature with its key",
            )
        if (args.identity or args.identity_regexp) and args.issuer:
            policies = [(args.identity, args.identity_regexp, args.issuer)]
            used = "trust: given on the command line (--identity/--issuer)"
        else:
            policies = [
                (r.id, r.identity_regexp, r.issuer) for r in trust.rules if r.kind == "sigstore"
            ]
            used = trust.describe()
        if not policies:
            raise UsageError(
                "--bundle needs --identity (or --identity-regexp) and --issuer, or "
                "a trust file that names a sigstore identity",
                hint="name who must have signed it, as cosign verify-blob does",
            )
        facts: dict[str, Any] = {}
        for i, (identity, regexp, issuer) in enumerate(policies):
            try:
                facts = verify_artifact_bundle(
                    path,
                    local(args.bundle),
                    identity=identity,
                    identity_regexp=regexp,
                    issuer=issuer,
                )
                break
            except SignatureInvalid:
                if i == len(policies) - 1:
                    raise
        who = f"{facts.get('identity')} ({facts.get('issuer')})"
    elif args.signature is not None:
        if args.key is None:
            raise UsageError(
                "--signature needs --key PUB (the signer's public key)",
                hint="add --key with the signer's armored public key",
            )
        facts = verify_artifact_gpg(path, local(args.signature), local(args.key))
        signer = Signer("gpg", str(facts["fingerprint"]).upper())
        if trust.external and not trust.admits(signer):
            raise SignatureInvalid(
                f"{args.signature}: signed by {signer}, which the caller "
                f"does not trust ({trust.describe()})",
                hint="a key shipped beside the artifact proves nothing; "
                "check the fingerprint with the maintainer",
            )
        used = (
            trust.describe()
            if trust.external
            else f"trust: the key file given on the command line ({args.key})"
        )
        who = f"gpg key {facts['fingerprint']}"
    else:
        raise UsageError(
            "give --bundle B with --identity/--issuer, or --signature S --key PUB",
            hint="see `shipline verify-artifact --help`",
        )
    return {"message": f"{args.file}: verified, signed by {who}; {used}", **facts, "trust": used}

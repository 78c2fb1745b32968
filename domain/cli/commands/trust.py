"""``shipline trust rotate``: the current signer endorses the next one."""

from __future__ import annotations

import argparse
import os
from typing import Any

from shipline.domain.cli.session import Session
from shipline.domain.errors import UsageError

IDENTITY_PAIR_HINT = "give both --to-identity and --to-issuer"


def rotate(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    from shipline.domain.provenance.rotation import rotate as record_rotation
    from shipline.domain.provenance.trust import Signer, TrustRule, parse_key

    if args.to_identity is not None:
        if not args.to_issuer:
            raise UsageError(
                "--to-identity needs --to-issuer (the identity's OIDC issuer)",
                hint=IDENTITY_PAIR_HINT,
            )
        following = Signer("sigstore", args.to_identity, args.to_issuer)
    else:
        if args.to_issuer:
            raise UsageError("--to-issuer goes with --to-identity", hint=IDENTITY_PAIR_HINT)
        rule: TrustRule = parse_key(args.to or args.to_key, "--to" if args.to else "--to-key")
        following = Signer(rule.kind, rule.id or "")
    record = record_rotation(
        session.config,
        session.repo,
        following,
        reason=args.reason,
        method=args.sign,
        env=dict(os.environ),
    )
    previous = Signer.from_json(record["previousSigner"])
    return {
        "message": f"signing hands over from {previous} to {following} after release "
        f"{record['version']}, endorsed by {previous}; recorded as "
        f"{record['hash'][:12]} (commit {record['statement']} and the ledger)",
        "hash": record["hash"],
        "version": record["version"],
        "previousSigner": record["previousSigner"],
        "nextSigner": record["nextSigner"],
        "statement": record["statement"],
    }

"""``shipline attest FILE... --version V``: the provenance sub-protocol for
files CI built (digests, SBOM, attestation, signature, ledger record)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from shipline.domain.cli.session import Session


def attest(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    from shipline.domain.provenance.attest import ArtifactInput, AttestRequest
    from shipline.domain.provenance.attest import attest as run_attest

    files = [f if f.is_absolute() else (session.cwd / f) for f in args.files]
    request = AttestRequest(
        artifacts=[ArtifactInput(path=f, type=getattr(args, "type", None)) for f in files],
        version=args.version,
        sign=args.sign,
        sbom=args.sbom,
        env=dict(os.environ),
    )
    record = run_attest(session.git, session.config, request, session.emit)
    block = record["artifacts"][0]["signature"]
    return {
        "message": f"{record['version']}: {len(record['artifacts'])} artifact(s) attested, "
        f"{'signed with ' + block['method'] if block['signed'] else 'unsigned'}, "
        f"{record['slsaLevel']}, recorded as {record['hash'][:12]}",
        "version": record["version"],
        "hash": record["hash"],
        "attestation": record["artifacts"][0]["attestation"],
        "slsaLevel": record["slsaLevel"],
        "declaredLevel": record["metadata"]["declaredLevel"],
        "shortfall": record["metadata"]["shortfall"],
        "artifacts": [{"name": a["name"], "sha256": a["sha256"]} for a in record["artifacts"]],
    }

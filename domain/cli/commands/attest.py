"""``shipline attest FILE... --version V``: the provenance sub-protocol for
files CI built (digests, SBOM, attestation, signature, ledger record). In a
workspace ``--version NAME@VERSION`` attests one package's release (the
files a ``--handoff`` train left to CI), with the package's tag."""

from __future__ import annotations

import argparse
import os
from typing import Any

from shipline.domain.cli.commands.workspace import package_tag
from shipline.domain.cli.session import Session


def attest(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    from shipline.domain.provenance.attest import ArtifactInput, AttestRequest
    from shipline.domain.provenance.attest import attest as run_attest
    from shipline.domain.provenance.ledger import split_package_version

    files = [f if f.is_absolute() else (session.cwd / f) for f in args.files]
    package, version = split_package_version(args.version)  # NAME@VERSION in a workspace
    request = AttestRequest(
        artifacts=[ArtifactInput(path=f, type=getattr(args, "type", None)) for f in files],
        version=version,
        sign=args.sign,
        sbom=args.sbom,
        env=dict(os.environ),
        package=package,
        tag=package_tag(session, package, version) if package is not None else None,
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

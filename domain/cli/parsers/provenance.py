"""The parsers of the commands about what was released: ``attest``,
``verify``, ``verify-artifact``, ``trust rotate``, ``ledger``, ``review``
and ``check protocol``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shipline.domain.cli.parsers.base import Parser, bool_arg


def add_provenance_commands(sub: Any, common: argparse.ArgumentParser) -> None:
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
    add_trust(verify)
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
    add_trust(va)

    trust = sub.add_parser("trust", parents=[common], help="who signs the releases")
    tsub = trust.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
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

    review = sub.add_parser(
        "review",
        parents=[common],
        help="a release's evidence for the L4 two-party review; approve "
        "or reject it with a signed statement",
    )
    review.add_argument(
        "version",
        metavar="VERSION",
        help="the release to review; in a workspace NAME@VERSION (e.g. @acme/cli@3.0.2)",
    )
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
    check = sub.add_parser("check", parents=[common], help="protocol checks")
    csub = check.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
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
    proto.add_argument("--has-changelog", "--hasChangelog", dest="has_changelog", type=bool_arg)
    proto.add_argument(
        "--has-attestation", "--hasAttestation", dest="has_attestation", type=bool_arg
    )
    proto.add_argument("--has-sbom", "--hasSbom", dest="has_sbom", type=bool_arg)
    proto.add_argument("--artifact-type", "--artifactType", dest="artifact_type")
    proto.add_argument("--build-passed", "--buildPassed", dest="build_passed", type=bool_arg)
    proto.add_argument("--task-id", "--taskId", dest="task_id", help="accepted, unused")


def add_trust(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trust",
        type=Path,
        metavar="FILE",
        help="the trusted signers, from a file outside the repository (default: "
        "$SHIPLINE_TRUST, then $XDG_CONFIG_HOME/shipline/trust.json)",
    )

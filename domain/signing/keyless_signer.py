"""Keyless sigstore signing of the DSSE envelope (Fulcio certificate, Rekor
entry, through :mod:`shipline.domain.signing.sigstore_keyless`): the bundle is
kept as ``<name>-<version>.sigstore.json`` and verified against the recorded
identity and issuer (:mod:`shipline.domain.signing.sigstore_verify`)."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipline.domain.errors import SignatureInvalid
from shipline.domain.signing.signing_plan import Signed, empty_block

KEYLESS_HINT = (
    "the sigstore bundle and the attestation do not belong together: restore both from the release"
)


def sign_keyless(
    statement: dict[str, Any],
    payload: bytes,
    attestation: Path,
    relative: Callable[[Path], str],
    signed_at: str,
) -> Signed:
    import json

    from shipline.domain.signing import sigstore_keyless

    result = sigstore_keyless.sign_statement(statement, payload=payload)
    bundle = result["bundle"]
    envelope = copy.deepcopy(bundle["dsseEnvelope"])
    base = attestation.name.removesuffix(".intoto.jsonl")
    bundle_path = attestation.with_name(f"{base}.sigstore.json")
    files = {bundle_path: json.dumps(bundle, indent=2).encode() + b"\n"}
    block = empty_block("sigstore", keyless=True) | {
        "signed": True,
        "signedAt": signed_at,
        "bundle": relative(bundle_path),
        "transparencyLog": {"index": str(result["logIndex"]), "url": result["logUrl"]},
        "identity": result["identity"],
        "issuer": result["issuer"],
    }
    certificate = _bundle_certificate_pem(bundle)
    if certificate is not None:
        pem_path = attestation.with_name(f"{base}.pem")
        files[pem_path] = certificate
        block["certificate"] = relative(pem_path)
    return Signed(envelope, block, files)


def _bundle_certificate_pem(bundle: dict[str, Any]) -> bytes | None:
    material = bundle.get("verificationMaterial", {})
    raw = (material.get("certificate") or {}).get("rawBytes")
    if raw is None:
        chain = (material.get("x509CertificateChain") or {}).get("certificates") or [{}]
        raw = chain[0].get("rawBytes")
    if not raw:
        return None
    body = base64.encodebytes(base64.b64decode(raw)).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
    ).encode()


def verify_keyless(payload: bytes, block: dict[str, Any], resolve: Callable[[str], Path]) -> str:
    from shipline.domain.jsonio import StrictJSONError, read_strict
    from shipline.domain.signing import sigstore_verify

    path = resolve(block.get("bundle") or "")
    try:
        bundle = read_strict(path)
    except (OSError, StrictJSONError) as exc:
        raise SignatureInvalid(
            f"sigstore bundle {block.get('bundle')}: {exc}", hint=KEYLESS_HINT
        ) from None
    signed_payload = sigstore_verify.verify_statement_bundle(
        bundle,
        identity=block.get("identity") or "",
        identity_regexp=None,
        issuer=block.get("issuer") or "",
    )
    if signed_payload != payload:
        raise SignatureInvalid(
            f"{path}: the bundle signs a different statement than the attestation file holds",
            hint=KEYLESS_HINT,
        )
    return f"sigstore {block.get('identity')} ({block.get('issuer')})"

"""Offline verification of sigstore bundles: ``shipline verify``'s check of a
keyless attestation and ``shipline verify-artifact``'s ``cosign
verify-blob``.

The certificate must chain to the pinned trusted root
(:mod:`shipline.domain.signing.sigstore_trust`) and match the identity
policy (:mod:`shipline.domain.signing.sigstore_identity`). ``verify_dsse``
only proves that *someone with this identity* signed *this statement*;
that the statement names the artifact at hand (name and sha256 as a pair)
is checked here. sigstore is imported lazily.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipline.domain.digests import sha256_file
from shipline.domain.errors import (
    AttestationInvalid,
    DigestMismatch,
    SignatureInvalid,
    UsageError,
)
from shipline.domain.jsonio import StrictJSONError, loads_strict, read_strict
from shipline.domain.signing.sigstore_identity import bundle_facts, identity_policy, signer_hint
from shipline.domain.signing.sigstore_trust import TRUSTED_ROOT_ENV, resolve_trusted_root, verifier
from shipline.domain.textsafe import one_line

if TYPE_CHECKING:
    from sigstore.models import Bundle

BUNDLE_HINT = (
    "pass the sigstore bundle that was published with the artifact (a DSSE bundle of an in-"
    "toto statement)"
)
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


def verify_statement_bundle(
    bundle: dict[str, Any],
    *,
    identity: str | None,
    identity_regexp: str | None,
    issuer: str,
    trusted_root_path: str | Path | None = None,
) -> bytes:
    """Verify a DSSE sigstore bundle offline and return the signed payload.

    The certificate must chain to the pinned trusted root, carry a valid SCT,
    match ``identity`` (exact SAN) or ``identity_regexp`` (whole SAN) and
    ``issuer``; the log entry's inclusion proof, checkpoint and SET must
    verify; the envelope's signature must verify. Any failure is 92; a
    bundle that is not a DSSE sigstore bundle is 94.
    """
    parsed = _parse_bundle(bundle, "the sigstore bundle")
    if parsed._dsse_envelope is None:
        raise AttestationInvalid(
            "the sigstore bundle holds a message signature, not a DSSE "
            "envelope with an in-toto statement",
            hint=BUNDLE_HINT,
        )
    payload_type, payload = _verify_dsse(
        parsed, identity, identity_regexp, issuer, trusted_root_path
    )
    if payload_type != IN_TOTO_PAYLOAD_TYPE:
        raise AttestationInvalid(
            f"the DSSE payload type is {payload_type!r}, not {IN_TOTO_PAYLOAD_TYPE}",
            hint=BUNDLE_HINT,
        )
    return payload


def verify_artifact_bundle(
    artifact: Path,
    bundle_path: Path,
    *,
    identity: str | None,
    identity_regexp: str | None,
    issuer: str | None,
    trusted_root_path: str | Path | None = None,
) -> dict[str, Any]:
    """``cosign verify-blob`` for a sigstore bundle, offline.

    A message-signature bundle must sign the artifact's sha256 (an authentic
    bundle for other bytes is 93). A DSSE bundle must carry an in-toto
    statement with a subject naming the artifact *and* its sha256: a
    different digest under that name is 93, no subject of that name is 94.
    Returns the facts to show: identity, issuer, log index, integrated time.
    """
    digest = sha256_file(artifact)
    try:
        raw = read_strict(bundle_path)
    except FileNotFoundError:
        raise UsageError(
            f"{bundle_path}: no such bundle file",
            hint="pass the .sigstore.json bundle that came with the artifact",
        ) from None
    except (OSError, StrictJSONError, UnicodeDecodeError) as exc:
        raise AttestationInvalid(
            f"{bundle_path}: not a sigstore bundle: {one_line(exc)}", hint=BUNDLE_HINT
        ) from None
    parsed = _parse_bundle(raw, str(bundle_path))
    facts: dict[str, Any] = {
        "file": str(artifact),
        "sha256": digest.sha256,
        "bundle": str(bundle_path),
    }
    if parsed._dsse_envelope is None:
        facts |= _verify_message_signature(
            parsed,
            digest.sha256,
            artifact,
            identity,
            identity_regexp,
            issuer,
            trusted_root_path,
            str(bundle_path),
        )
    else:
        payload_type, payload = _verify_dsse(
            parsed, identity, identity_regexp, issuer, trusted_root_path, str(bundle_path)
        )
        if payload_type != IN_TOTO_PAYLOAD_TYPE:
            raise AttestationInvalid(
                f"{bundle_path}: DSSE payload type {payload_type!r} is not an in-toto statement",
                hint=BUNDLE_HINT,
            )
        facts |= _check_subject(payload, artifact.name, digest.sha256, bundle_path)
    facts |= bundle_facts(parsed)
    facts["trustedRoot"] = str(resolve_trusted_root(trusted_root_path))
    return facts


def _verify_message_signature(
    parsed: Bundle,
    sha256: str,
    artifact: Path,
    identity: str | None,
    identity_regexp: str | None,
    issuer: str | None,
    trusted_root_path: str | Path | None,
    where: str,
) -> dict[str, Any]:
    from sigstore.errors import VerificationError
    from sigstore.hashes import Hashed
    from sigstore_models.common.v1 import HashAlgorithm

    policy = identity_policy(identity, identity_regexp, issuer)
    checker = verifier(trusted_root_path)
    signature = parsed._inner.message_signature
    stated = signature.message_digest if signature is not None else None
    # Verify the bundle over the digest it states, so that an authentic
    # bundle for other bytes is told apart (93) from a forged one (92).
    digest = stated.digest if stated is not None else bytes.fromhex(sha256)
    try:
        checker.verify_artifact(
            Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest), parsed, policy
        )
    except VerificationError as exc:
        raise _invalid(exc, parsed, where, trusted_root_path) from None
    if digest.hex() != sha256:
        raise DigestMismatch(
            f"{artifact.name}: sha256 {sha256} but the bundle signs {digest.hex()}",
            hint="this bundle is for other bytes: "
            "the artifact was altered or the wrong file was given",
        )
    return {"kind": "message-signature"}


def _check_subject(payload: bytes, name: str, sha256: str, bundle_path: Path) -> dict[str, Any]:
    try:
        statement = loads_strict(payload)
    except (StrictJSONError, UnicodeDecodeError) as exc:
        raise AttestationInvalid(
            f"{bundle_path}: the signed payload is not JSON: {one_line(exc)}", hint=BUNDLE_HINT
        ) from None
    subjects = statement.get("subject") if isinstance(statement, dict) else None
    if not isinstance(subjects, list):
        raise AttestationInvalid(
            f"{bundle_path}: the statement has no subject list", hint=BUNDLE_HINT
        )
    named = [s for s in subjects if isinstance(s, dict) and s.get("name") == name]
    if not named:
        others = [
            s.get("name")
            for s in subjects
            if isinstance(s, dict) and (s.get("digest") or {}).get("sha256") == sha256
        ]
        hint = (
            f"a subject with this digest is named {others[0]!r}: the file was renamed"
            if others
            else "this attestation is for other artifacts"
        )
        raise AttestationInvalid(
            f"{bundle_path}: no subject named {name!r} in the statement", hint=hint
        )
    digests = [(s.get("digest") or {}).get("sha256") for s in named]
    if sha256 not in digests:
        raise DigestMismatch(
            f"{name}: sha256 {sha256} but the statement's subject {name!r} has {digests[0]}",
            hint="the artifact was altered after it was attested, or the wrong file was given",
        )
    return {"kind": "dsse", "subject": name, "predicateType": statement.get("predicateType")}


def _parse_bundle(raw: Any, where: str) -> Bundle:
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle

    if not isinstance(raw, dict):
        raise AttestationInvalid(f"{where}: a sigstore bundle is a JSON object", hint=BUNDLE_HINT)
    try:
        return Bundle.from_json(json.dumps(raw))
    except (SigstoreError, ValueError, KeyError, TypeError) as exc:
        raise AttestationInvalid(
            f"{where}: not a valid sigstore bundle: {one_line(exc)}", hint=BUNDLE_HINT
        ) from None


def _verify_dsse(
    parsed: Bundle,
    identity: str | None,
    identity_regexp: str | None,
    issuer: str | None,
    trusted_root_path: str | Path | None,
    where: str = "the sigstore bundle",
) -> tuple[str, bytes]:
    from sigstore.errors import VerificationError

    policy = identity_policy(identity, identity_regexp, issuer)
    checker = verifier(trusted_root_path)
    try:
        payload_type, payload = checker.verify_dsse(parsed, policy)
    except VerificationError as exc:
        raise _invalid(exc, parsed, where, trusted_root_path) from None
    return str(payload_type), bytes(payload)


def _invalid(
    exc: Exception, parsed: Bundle, where: str, trusted_root_path: str | Path | None
) -> SignatureInvalid:
    """Say which check failed; an untrusted chain names the pinned root."""
    from sigstore.errors import CertValidationError

    if isinstance(exc, CertValidationError):
        root = resolve_trusted_root(trusted_root_path)
        return SignatureInvalid(
            f"{where}: the signing certificate does not chain to the pinned trusted root "
            f"{root} ({one_line(exc)})",
            hint=f"{signer_hint(parsed)}; a bundle from another sigstore instance (e.g. "
            f"staging) verifies only with that instance's root in ${TRUSTED_ROOT_ENV}",
        )
    return SignatureInvalid(f"{where}: does not verify: {one_line(exc)}", hint=signer_hint(parsed))

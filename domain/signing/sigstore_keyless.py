"""Sigstore keyless signing and offline verification (sigstore-python 4.5).

Signing asks Fulcio for a short-lived certificate bound to the ambient OIDC
identity of the CI job and logs the DSSE envelope in Rekor; the result is a
sigstore bundle (certificate, envelope, log entry with inclusion proof and
signed entry timestamp) that anyone can check later without the network.

Verification never refreshes anything: it builds the :class:`Verifier` from a
pinned ``trusted_root.json``, by default the production one that ships
inside the sigstore wheel (``Verifier.production(offline=True)`` would trust
whatever sits in the user's TUF cache). ``SHIPLINE_TRUSTED_ROOT`` or an
explicit path replace it, e.g. for a private sigstore instance; signing
likewise takes a client trust config (trusted root + signing config, as
``sigstore --trust-config`` does) from ``SHIPLINE_SIGSTORE_TRUST_CONFIG``.

``verify_dsse`` only proves that *someone with this identity* signed *this
statement*; that the statement names the artifact at hand (name and sha256
as a pair) is checked here. Identity policies and certificate facts live in
:mod:`shipline.domain.signing.sigstore_identity`; the gpg flavour of ``shipline verify-artifact``
in :mod:`shipline.domain.signing.gpg_artifact` (``verify_artifact_gpg``, re-exported here).
sigstore is imported lazily: importing it takes about two seconds (its
pydantic models) and ``shipline --help`` must stay fast.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipline.domain import runner
from shipline.domain.digests import sha256_file
from shipline.domain.errors import (
    AttestationInvalid,
    DigestMismatch,
    SignatureInvalid,
    SigningKeyMissing,
    UsageError,
)
from shipline.domain.jsonio import StrictJSONError, loads_strict, read_strict
from shipline.domain.signing.gpg_artifact import verify_artifact_gpg
from shipline.domain.signing.sigstore_identity import bundle_facts, identity_policy, signer_hint

BUNDLE_HINT = (
    "pass the sigstore bundle that was published with the artifact (a DSSE bundle of an in-"
    "toto statement)"
)
TRUST_CONFIG_HINT = (
    "point the variable at a sigstore client trust config or trusted root (JSON), or unset "
    "it to use the public-good instance"
)

if TYPE_CHECKING:
    from sigstore.models import Bundle

TRUSTED_ROOT_ENV = "SHIPLINE_TRUSTED_ROOT"
TRUST_CONFIG_ENV = "SHIPLINE_SIGSTORE_TRUST_CONFIG"
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
_PRODUCTION_STORE = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
_NO_IDENTITY_HINT = (
    "keyless signing needs the CI job's OIDC identity: on GitHub Actions add "
    "`permissions: id-token: write` to the job; on GitLab CI declare "
    "`id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`; or choose gpg or keyed signing"
)


def _one_line(exc: object, limit: int = 400) -> str:
    """An exception's text on one line (pydantic and sigstore errors span many)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def production_trusted_root_path() -> Path:
    """The production ``trusted_root.json`` shipped inside the sigstore wheel."""
    path = Path(str(resources.files("sigstore._store") / _PRODUCTION_STORE / "trusted_root.json"))
    if not path.is_file():  # pragma: no cover - a broken sigstore install
        raise SignatureInvalid(
            f"sigstore's pinned trusted root is missing: {path}", hint="reinstall sigstore~=4.5"
        )
    return path


def resolve_trusted_root(explicit: str | Path | None = None) -> Path:
    """An explicit path, else ``$SHIPLINE_TRUSTED_ROOT``, else the production root."""
    chosen = explicit or os.environ.get(TRUSTED_ROOT_ENV)
    if not chosen:
        return production_trusted_root_path()
    path = Path(chosen)
    if not path.is_file():
        raise UsageError(
            f"trusted root {path}: no such file",
            hint=f"point {TRUSTED_ROOT_ENV} at a sigstore trusted_root.json",
        )
    return path


# --- signing ------------------------------------------------------------------


def sign_statement(
    statement: dict[str, Any],
    *,
    trust_config: Any = None,
    identity_token: str | None = None,
    payload: bytes | None = None,
) -> dict[str, Any]:
    """Sign an in-toto statement keylessly and return the bundle and its facts.

    ``trust_config`` is a ``sigstore.models.ClientTrustConfig`` (else the
    file named by ``$SHIPLINE_SIGSTORE_TRUST_CONFIG``, else production,
    refreshed over TUF); ``identity_token`` a raw OIDC token
    (the ambient one from ``detect_credential()`` when omitted); ``payload``
    the exact bytes to sign when the caller already encoded ``statement``
    (RFC 8785 canonical JSON otherwise). Returns ``{bundle, logIndex, logUrl,
    identity, issuer, integratedTime}``; a missing or refused identity and a
    signing service that cannot be reached are 91.
    """
    from sigstore.dsse import Statement
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import ClientTrustConfig
    from sigstore.sign import SigningContext

    token = _identity_token(identity_token)
    body = payload if payload is not None else _canonical(statement)
    try:
        signed_statement = Statement(body)
    except SigstoreError as exc:
        raise AttestationInvalid(
            f"the statement is not an in-toto Statement v1: {_one_line(exc)}", hint=BUNDLE_HINT
        ) from None
    config = trust_config if trust_config is not None else _trust_config_from_env()
    try:
        if config is None:
            config = ClientTrustConfig.production()
        context = SigningContext.from_trust_config(config)
        with context.signer(token, cache=True) as signer:
            bundle = signer.sign_dsse(signed_statement)
    except Exception as exc:  # network, Fulcio or Rekor refusing: all "could not sign"
        raise SigningKeyMissing(
            f"sigstore keyless signing failed: {type(exc).__name__}: {_one_line(exc)}",
            hint="check that the CI job's OIDC identity is valid and that Fulcio and Rekor "
            "are reachable",
        ) from None
    rekor_url = getattr(context._rekor, "url", "")
    facts = bundle_facts(bundle)
    return {
        "bundle": json.loads(bundle.to_json()),
        "logIndex": facts["logIndex"],
        "logUrl": rekor_url.removesuffix("/api/v1"),
        "identity": facts["identity"],
        "issuer": facts["issuer"],
        "integratedTime": facts["integratedTime"],
    }


def _trust_config_from_env() -> Any:
    from sigstore.models import ClientTrustConfig

    chosen = os.environ.get(TRUST_CONFIG_ENV)
    if not chosen:
        return None
    try:
        return ClientTrustConfig.from_json(Path(chosen).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(
            f"{TRUST_CONFIG_ENV}={chosen}: {_one_line(exc)}", hint=TRUST_CONFIG_HINT
        ) from None
    except Exception as exc:  # pydantic / sigstore parse errors
        raise UsageError(
            f"{TRUST_CONFIG_ENV}={chosen}: not a sigstore client trust config: {_one_line(exc)}",
            hint=TRUST_CONFIG_HINT,
        ) from None


def _canonical(statement: dict[str, Any]) -> bytes:
    import rfc8785

    return rfc8785.dumps(statement)


def _identity_token(raw: str | None) -> Any:
    from sigstore.oidc import IdentityError, IdentityToken, detect_credential

    if raw is None:
        try:
            raw = detect_credential()
        except IdentityError as exc:  # e.g. GitHub Actions without id-token: write
            raise SigningKeyMissing(
                f"no OIDC identity for keyless signing: {_one_line(exc)}", hint=_NO_IDENTITY_HINT
            ) from None
    if not raw:
        raise SigningKeyMissing(
            "no OIDC identity for keyless signing: no ambient "
            "credential was found in this environment",
            hint=_NO_IDENTITY_HINT,
        )
    runner.register_secret(raw)
    try:
        return IdentityToken(raw)
    except IdentityError as exc:
        raise SigningKeyMissing(
            f"the OIDC identity token is unusable: {_one_line(exc)}",
            hint="a token for audience 'sigstore' that has not expired is needed",
        ) from None


# --- verification -------------------------------------------------------------


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


def verify_bundle_dsse(
    bundle: dict[str, Any],
    identity: str | None,
    identity_regexp: str | None,
    issuer: str,
    trusted_root_path: str | Path | None = None,
) -> bytes:
    """Positional spelling of :func:`verify_statement_bundle` (domain.signing calls it)."""
    return verify_statement_bundle(
        bundle,
        identity=identity,
        identity_regexp=identity_regexp,
        issuer=issuer,
        trusted_root_path=trusted_root_path,
    )


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
            f"{bundle_path}: not a sigstore bundle: {_one_line(exc)}", hint=BUNDLE_HINT
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
    verifier = _verifier(trusted_root_path)
    signature = parsed._inner.message_signature
    stated = signature.message_digest if signature is not None else None
    # Verify the bundle over the digest it states, so that an authentic
    # bundle for other bytes is told apart (93) from a forged one (92).
    digest = stated.digest if stated is not None else bytes.fromhex(sha256)
    try:
        verifier.verify_artifact(
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
            f"{bundle_path}: the signed payload is not JSON: {_one_line(exc)}", hint=BUNDLE_HINT
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
            f"{where}: not a valid sigstore bundle: {_one_line(exc)}", hint=BUNDLE_HINT
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
    verifier = _verifier(trusted_root_path)
    try:
        payload_type, payload = verifier.verify_dsse(parsed, policy)
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
            f"{root} ({_one_line(exc)})",
            hint=f"{signer_hint(parsed)}; a bundle from another sigstore instance (e.g. "
            f"staging) verifies only with that instance's root in ${TRUSTED_ROOT_ENV}",
        )
    return SignatureInvalid(f"{where}: does not verify: {_one_line(exc)}", hint=signer_hint(parsed))


def _verifier(trusted_root_path: str | Path | None) -> Any:
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import TrustedRoot
    from sigstore.verify import Verifier

    path = resolve_trusted_root(trusted_root_path)
    try:
        return Verifier(trusted_root=TrustedRoot.from_file(str(path)))
    except (SigstoreError, ValueError) as exc:
        raise UsageError(
            f"trusted root {path}: unusable: {_one_line(exc)}", hint=TRUST_CONFIG_HINT
        ) from None


__all__ = [
    "TRUSTED_ROOT_ENV",
    "TRUST_CONFIG_ENV",
    "bundle_facts",
    "production_trusted_root_path",
    "resolve_trusted_root",
    "sign_statement",
    "verify_artifact_bundle",
    "verify_artifact_gpg",
    "verify_bundle_dsse",
    "verify_statement_bundle",
]

"""Sigstore keyless signing (sigstore-python 4.5).

Signing asks Fulcio for a short-lived certificate bound to the ambient OIDC
identity of the CI job and logs the DSSE envelope in Rekor; the result is a
sigstore bundle (certificate, envelope, log entry with inclusion proof and
signed entry timestamp) that anyone can check later without the network
(:mod:`shipline.domain.signing.sigstore_verify`). Which instance is trusted
is :mod:`shipline.domain.signing.sigstore_trust`'s. sigstore is imported
lazily: importing it takes about two seconds (its pydantic models) and
``shipline --help`` must stay fast.
"""

from __future__ import annotations

import json
from typing import Any

from shipline.domain import runner
from shipline.domain.errors import AttestationInvalid, SigningKeyMissing
from shipline.domain.signing.sigstore_identity import bundle_facts
from shipline.domain.signing.sigstore_trust import trust_config_from_env
from shipline.domain.textsafe import one_line

_NO_IDENTITY_HINT = (
    "keyless signing needs the CI job's OIDC identity: on GitHub Actions add "
    "`permissions: id-token: write` to the job; on GitLab CI declare "
    "`id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`; or choose gpg or keyed signing"
)


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
            f"the statement is not an in-toto Statement v1: {one_line(exc)}",
            hint="sign an in-toto Statement v1 (_type, subject, predicateType, predicate)",
        ) from None
    config = trust_config if trust_config is not None else trust_config_from_env()
    try:
        if config is None:
            config = ClientTrustConfig.production()
        context = SigningContext.from_trust_config(config)
        with context.signer(token, cache=True) as signer:
            bundle = signer.sign_dsse(signed_statement)
    except Exception as exc:  # network, Fulcio or Rekor refusing: all "could not sign"
        raise SigningKeyMissing(
            f"sigstore keyless signing failed: {type(exc).__name__}: {one_line(exc)}",
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
                f"no OIDC identity for keyless signing: {one_line(exc)}", hint=_NO_IDENTITY_HINT
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
            f"the OIDC identity token is unusable: {one_line(exc)}",
            hint="a token for audience 'sigstore' that has not expired is needed",
        ) from None

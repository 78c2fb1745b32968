"""Who signed a sigstore bundle: identity policies and certificate facts.

A Fulcio certificate names the signer in its SAN (a workflow URI, an
e-mail, or Sigstore's other-name) and the OIDC issuer in extension
1.3.6.1.4.1.57264.1.8 (DER UTF8String; older certificates carry only the
raw 1.1). The policies here are sigstore ``VerificationPolicy`` objects:
exact identity (sigstore's own ``Identity``) or a whole-SAN regular
expression, always together with the issuer, and say in their error which
identity or issuer the certificate really names.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shipline.domain.errors import UsageError
from shipline.domain.textsafe import one_line

REGEXP_HINT = (
    "fix the regular expression (Python syntax), e.g. --identity-regexp '^https://github.com/org/'"
)

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from sigstore.models import Bundle

_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"
_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"
_OTHERNAME = "1.3.6.1.4.1.57264.1.7"


class _IdentityPattern:
    """A policy: some SAN of the certificate matches ``pattern`` as a whole."""

    def __init__(self, pattern: str):
        try:
            self._pattern = re.compile(pattern)
        except re.error as exc:
            raise UsageError(
                f"--identity-regexp {pattern!r}: {one_line(exc)}", hint=REGEXP_HINT
            ) from None

    def verify(self, cert: Certificate) -> None:
        from sigstore.errors import VerificationError

        sans = certificate_identities(cert)
        if not any(self._pattern.fullmatch(san) for san in sans):
            raise VerificationError(
                f"no SAN of the certificate matches {self._pattern.pattern!r}; SANs: {sorted(sans)}"
            )


def identity_policy(identity: str | None, identity_regexp: str | None, issuer: str | None) -> Any:
    from sigstore.verify import policy

    if bool(identity) == bool(identity_regexp):
        raise UsageError(
            "give exactly one of --identity or --identity-regexp",
            hint="the signer's identity, e.g. the workflow URI or e-mail",
        )
    if not issuer:
        raise UsageError(
            "--issuer is required with a sigstore bundle",
            hint="e.g. https://token.actions.githubusercontent.com",
        )
    who: Any = (
        policy.Identity(identity=identity) if identity else _IdentityPattern(identity_regexp or "")
    )
    return policy.AllOf([_Issuer(issuer), who])


class _Issuer:
    """A policy: the certificate's OIDC issuer (v2 extension, else v1) is ``issuer``."""

    def __init__(self, issuer: str):
        self._issuer = issuer

    def verify(self, cert: Certificate) -> None:
        from sigstore.errors import VerificationError

        actual = certificate_issuer(cert)
        if actual != self._issuer:
            raise VerificationError(
                f"the certificate's OIDC issuer is {actual!r}, not {self._issuer!r}"
            )


# --- facts --------------------------------------------------------------------


def certificate_identities(cert: Certificate) -> list[str]:
    """Every identity SAN (URI, e-mail, Sigstore other-name) of a Fulcio certificate."""
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    found = [str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)]
    found += [str(v) for v in san.get_values_for_type(x509.RFC822Name)]
    found += [
        o.value.decode(errors="replace")
        for o in san.get_values_for_type(x509.OtherName)
        if o.type_id.dotted_string == _OTHERNAME
    ]
    return found


def certificate_issuer(cert: Certificate) -> str | None:
    """The OIDC issuer a Fulcio certificate records (v2 extension, else v1)."""
    from cryptography import x509

    for oid in (_ISSUER_V2, _ISSUER_V1):
        try:
            value = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value
        except x509.ExtensionNotFound:
            continue
        raw = getattr(value, "value", b"")
        if oid == _ISSUER_V2:
            from cryptography.hazmat import asn1

            try:
                return str(asn1.decode_der(str, raw))
            except Exception:  # a malformed v2 extension: fall back to v1
                continue
        return raw.decode(errors="replace")
    return None


def bundle_facts(bundle: Bundle) -> dict[str, Any]:
    """Who signed, by which issuer, and where the signature is logged."""
    cert = bundle.signing_certificate
    entry = bundle.log_entry._inner
    integrated = entry.integrated_time
    when = (
        datetime.fromtimestamp(int(integrated), tz=UTC).isoformat().replace("+00:00", "Z")
        if integrated
        else None
    )
    identities = certificate_identities(cert)
    return {
        "identity": identities[0] if identities else None,
        "issuer": certificate_issuer(cert),
        "logIndex": int(entry.log_index),
        "logId": bytes(entry.log_id.key_id).hex(),
        "integratedTime": when,
    }


def signer_hint(bundle: Bundle) -> str:
    facts = bundle_facts(bundle)
    return f"the bundle's certificate names {facts['identity']} from {facts['issuer']}"

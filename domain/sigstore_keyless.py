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
as a pair) is checked here. ``verify_artifact_gpg`` is the gpg flavour of
``shipline verify-artifact``. sigstore is imported lazily: it costs a
noticeable part of a second and ``shipline --help`` must stay fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import runner
from .digests import sha256_file
from .errors import (
    AttestationInvalid,
    DigestMismatch,
    SignatureInvalid,
    SigningKeyMissing,
    UsageError,
)
from .jsonio import StrictJSONError, loads_strict, read_strict

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from sigstore.models import Bundle

TRUSTED_ROOT_ENV = "SHIPLINE_TRUSTED_ROOT"
TRUST_CONFIG_ENV = "SHIPLINE_SIGSTORE_TRUST_CONFIG"
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
_PRODUCTION_STORE = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"
_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"
_OTHERNAME = "1.3.6.1.4.1.57264.1.7"
_NO_IDENTITY_HINT = (
    "keyless signing needs the CI job's OIDC identity: on GitHub Actions add "
    "`permissions: id-token: write` to the job; on GitLab CI declare "
    "`id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`; or choose gpg or keyed signing")


def _one_line(exc: object, limit: int = 400) -> str:
    """An exception's text on one line (pydantic and sigstore errors span many)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def production_trusted_root_path() -> Path:
    """The production ``trusted_root.json`` shipped inside the sigstore wheel."""
    path = Path(str(resources.files("sigstore._store") / _PRODUCTION_STORE / "trusted_root.json"))
    if not path.is_file():  # pragma: no cover - a broken sigstore install
        raise SignatureInvalid(f"sigstore's pinned trusted root is missing: {path}",
                               hint="reinstall sigstore~=4.5")
    return path


def resolve_trusted_root(explicit: str | Path | None = None) -> Path:
    """An explicit path, else ``$SHIPLINE_TRUSTED_ROOT``, else the production root."""
    chosen = explicit or os.environ.get(TRUSTED_ROOT_ENV)
    if not chosen:
        return production_trusted_root_path()
    path = Path(chosen)
    if not path.is_file():
        raise UsageError(f"trusted root {path}: no such file",
                         hint=f"point {TRUSTED_ROOT_ENV} at a sigstore trusted_root.json")
    return path


# --- signing ------------------------------------------------------------------


def sign_statement(statement: dict[str, Any], *, trust_config: Any = None,
                   identity_token: str | None = None,
                   payload: bytes | None = None) -> dict[str, Any]:
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
        raise AttestationInvalid("the statement is not an in-toto Statement v1: "
                                 f"{_one_line(exc)}") from None
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
            "are reachable") from None
    rekor_url = getattr(context._rekor, "url", "")
    facts = bundle_facts(bundle)
    return {"bundle": json.loads(bundle.to_json()), "logIndex": facts["logIndex"],
            "logUrl": rekor_url.removesuffix("/api/v1"), "identity": facts["identity"],
            "issuer": facts["issuer"], "integratedTime": facts["integratedTime"]}


def _trust_config_from_env() -> Any:
    from sigstore.models import ClientTrustConfig

    chosen = os.environ.get(TRUST_CONFIG_ENV)
    if not chosen:
        return None
    try:
        return ClientTrustConfig.from_json(Path(chosen).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{TRUST_CONFIG_ENV}={chosen}: {_one_line(exc)}") from None
    except Exception as exc:  # pydantic / sigstore parse errors
        raise UsageError(f"{TRUST_CONFIG_ENV}={chosen}: not a sigstore client trust config: "
                         f"{_one_line(exc)}") from None


def _canonical(statement: dict[str, Any]) -> bytes:
    import rfc8785

    return rfc8785.dumps(statement)


def _identity_token(raw: str | None) -> Any:
    from sigstore.oidc import IdentityError, IdentityToken, detect_credential

    if raw is None:
        try:
            raw = detect_credential()
        except IdentityError as exc:
            runner_hint = _NO_IDENTITY_HINT
            raise SigningKeyMissing(f"no OIDC identity for keyless signing: {_one_line(exc)}",
                                    hint=runner_hint) from None
    if not raw:
        raise SigningKeyMissing("no OIDC identity for keyless signing: no ambient "
                                "credential was found in this environment",
                                hint=_NO_IDENTITY_HINT)
    runner.register_secret(raw)
    try:
        return IdentityToken(raw)
    except IdentityError as exc:
        raise SigningKeyMissing(f"the OIDC identity token is unusable: {_one_line(exc)}",
                                hint="a token for audience 'sigstore' that has not expired "
                                "is needed") from None


# --- verification -------------------------------------------------------------


def verify_statement_bundle(bundle: dict[str, Any], *, identity: str | None,
                            identity_regexp: str | None, issuer: str,
                            trusted_root_path: str | Path | None = None) -> bytes:
    """Verify a DSSE sigstore bundle offline and return the signed payload.

    The certificate must chain to the pinned trusted root, carry a valid SCT,
    match ``identity`` (exact SAN) or ``identity_regexp`` (whole SAN) and
    ``issuer``; the log entry's inclusion proof, checkpoint and SET must
    verify; the envelope's signature must verify. Any failure is 92; a
    bundle that is not a DSSE sigstore bundle is 94.
    """
    parsed = _parse_bundle(bundle, "the sigstore bundle")
    if parsed._dsse_envelope is None:
        raise AttestationInvalid("the sigstore bundle holds a message signature, not a DSSE "
                                 "envelope with an in-toto statement")
    payload_type, payload = _verify_dsse(parsed, identity, identity_regexp, issuer,
                                         trusted_root_path)
    if payload_type != IN_TOTO_PAYLOAD_TYPE:
        raise AttestationInvalid(f"the DSSE payload type is {payload_type!r}, "
                                 f"not {IN_TOTO_PAYLOAD_TYPE}")
    return payload


def verify_bundle_dsse(bundle: dict[str, Any], identity: str | None,
                       identity_regexp: str | None, issuer: str,
                       trusted_root_path: str | Path | None = None) -> bytes:
    """Positional spelling of :func:`verify_statement_bundle` (domain.signing calls it)."""
    return verify_statement_bundle(bundle, identity=identity, identity_regexp=identity_regexp,
                                   issuer=issuer, trusted_root_path=trusted_root_path)


def verify_artifact_bundle(artifact: Path, bundle_path: Path, *, identity: str | None,
                           identity_regexp: str | None, issuer: str | None,
                           trusted_root_path: str | Path | None = None) -> dict[str, Any]:
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
        raise UsageError(f"{bundle_path}: no such bundle file",
                         hint="pass the .sigstore.json bundle that came with the artifact") \
            from None
    except (OSError, StrictJSONError, UnicodeDecodeError) as exc:
        raise AttestationInvalid(f"{bundle_path}: not a sigstore bundle: "
                                 f"{_one_line(exc)}") from None
    parsed = _parse_bundle(raw, str(bundle_path))
    facts: dict[str, Any] = {"file": str(artifact), "sha256": digest.sha256,
                             "bundle": str(bundle_path)}
    if parsed._dsse_envelope is None:
        facts |= _verify_message_signature(parsed, digest.sha256, artifact, identity,
                                           identity_regexp, issuer, trusted_root_path,
                                           str(bundle_path))
    else:
        payload_type, payload = _verify_dsse(parsed, identity, identity_regexp, issuer,
                                             trusted_root_path, str(bundle_path))
        if payload_type != IN_TOTO_PAYLOAD_TYPE:
            raise AttestationInvalid(f"{bundle_path}: DSSE payload type {payload_type!r} is not "
                                     "an in-toto statement")
        facts |= _check_subject(payload, artifact.name, digest.sha256, bundle_path)
    facts |= bundle_facts(parsed)
    facts["trustedRoot"] = str(resolve_trusted_root(trusted_root_path))
    return facts


def _verify_message_signature(parsed: Bundle, sha256: str, artifact: Path,
                              identity: str | None, identity_regexp: str | None,
                              issuer: str | None, trusted_root_path: str | Path | None,
                              where: str) -> dict[str, Any]:
    from sigstore.errors import VerificationError
    from sigstore.hashes import Hashed
    from sigstore_models.common.v1 import HashAlgorithm

    policy = _policy(identity, identity_regexp, issuer)
    verifier = _verifier(trusted_root_path)
    signature = parsed._inner.message_signature
    stated = signature.message_digest if signature is not None else None
    # Verify the bundle over the digest it states, so that an authentic
    # bundle for other bytes is told apart (93) from a forged one (92).
    digest = stated.digest if stated is not None else bytes.fromhex(sha256)
    try:
        verifier.verify_artifact(Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest),
                                 parsed, policy)
    except VerificationError as exc:
        raise _invalid(exc, parsed, where, trusted_root_path) from None
    if digest.hex() != sha256:
        raise DigestMismatch(f"{artifact.name}: sha256 {sha256} but the bundle signs "
                             f"{digest.hex()}", hint="this bundle is for other bytes: "
                             "the artifact was altered or the wrong file was given")
    return {"kind": "message-signature"}


def _check_subject(payload: bytes, name: str, sha256: str, bundle_path: Path) -> dict[str, Any]:
    try:
        statement = loads_strict(payload)
    except (StrictJSONError, UnicodeDecodeError) as exc:
        raise AttestationInvalid(f"{bundle_path}: the signed payload is not JSON: "
                                 f"{_one_line(exc)}") from None
    subjects = statement.get("subject") if isinstance(statement, dict) else None
    if not isinstance(subjects, list):
        raise AttestationInvalid(f"{bundle_path}: the statement has no subject list")
    named = [s for s in subjects if isinstance(s, dict) and s.get("name") == name]
    if not named:
        others = [s.get("name") for s in subjects if isinstance(s, dict)
                  and (s.get("digest") or {}).get("sha256") == sha256]
        hint = (f"a subject with this digest is named {others[0]!r}: the file was renamed"
                if others else "this attestation is for other artifacts")
        raise AttestationInvalid(f"{bundle_path}: no subject named {name!r} in the statement",
                                 hint=hint)
    digests = [(s.get("digest") or {}).get("sha256") for s in named]
    if sha256 not in digests:
        raise DigestMismatch(f"{name}: sha256 {sha256} but the statement's subject {name!r} has "
                             f"{digests[0]}", hint="the artifact was altered after it was "
                             "attested, or the wrong file was given")
    return {"kind": "dsse", "subject": name, "predicateType": statement.get("predicateType")}


def _parse_bundle(raw: Any, where: str) -> Bundle:
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle

    if not isinstance(raw, dict):
        raise AttestationInvalid(f"{where}: a sigstore bundle is a JSON object")
    try:
        return Bundle.from_json(json.dumps(raw))
    except (SigstoreError, ValueError, KeyError, TypeError) as exc:
        raise AttestationInvalid(f"{where}: not a valid sigstore bundle: "
                                 f"{_one_line(exc)}") from None


def _verify_dsse(parsed: Bundle, identity: str | None, identity_regexp: str | None,
                 issuer: str | None, trusted_root_path: str | Path | None,
                 where: str = "the sigstore bundle") -> tuple[str, bytes]:
    from sigstore.errors import VerificationError

    policy = _policy(identity, identity_regexp, issuer)
    verifier = _verifier(trusted_root_path)
    try:
        return verifier.verify_dsse(parsed, policy)
    except VerificationError as exc:
        raise _invalid(exc, parsed, where, trusted_root_path) from None


def _invalid(exc: Exception, parsed: Bundle, where: str,
             trusted_root_path: str | Path | None) -> SignatureInvalid:
    """Say which check failed; an untrusted chain names the pinned root."""
    from sigstore.errors import CertValidationError

    if isinstance(exc, CertValidationError):
        root = resolve_trusted_root(trusted_root_path)
        return SignatureInvalid(
            f"{where}: the signing certificate does not chain to the pinned trusted root "
            f"{root} ({_one_line(exc)})",
            hint=f"{_signer_hint(parsed)}; a bundle from another sigstore instance (e.g. "
            f"staging) verifies only with that instance's root in ${TRUSTED_ROOT_ENV}")
    return SignatureInvalid(f"{where}: does not verify: {_one_line(exc)}",
                            hint=_signer_hint(parsed))


def _verifier(trusted_root_path: str | Path | None) -> Any:
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import TrustedRoot
    from sigstore.verify import Verifier

    path = resolve_trusted_root(trusted_root_path)
    try:
        return Verifier(trusted_root=TrustedRoot.from_file(str(path)))
    except (SigstoreError, ValueError) as exc:
        raise UsageError(f"trusted root {path}: unusable: {_one_line(exc)}") from None


class _IdentityPattern:
    """A policy: some SAN of the certificate matches ``pattern`` as a whole."""

    def __init__(self, pattern: str):
        try:
            self._pattern = re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"--identity-regexp {pattern!r}: {_one_line(exc)}") from None

    def verify(self, cert: Certificate) -> None:
        from sigstore.errors import VerificationError

        sans = certificate_identities(cert)
        if not any(self._pattern.fullmatch(san) for san in sans):
            raise VerificationError(f"no SAN of the certificate matches "
                                    f"{self._pattern.pattern!r}; SANs: {sorted(sans)}")


def _policy(identity: str | None, identity_regexp: str | None, issuer: str | None) -> Any:
    from sigstore.verify import policy

    if bool(identity) == bool(identity_regexp):
        raise UsageError("give exactly one of --identity or --identity-regexp",
                         hint="the signer's identity, e.g. the workflow URI or e-mail")
    if not issuer:
        raise UsageError("--issuer is required with a sigstore bundle",
                         hint="e.g. https://token.actions.githubusercontent.com")
    who: Any = (policy.Identity(identity=identity) if identity
                else _IdentityPattern(identity_regexp or ""))
    return policy.AllOf([_Issuer(issuer), who])


class _Issuer:
    """A policy: the certificate's OIDC issuer (v2 extension, else v1) is ``issuer``."""

    def __init__(self, issuer: str):
        self._issuer = issuer

    def verify(self, cert: Certificate) -> None:
        from sigstore.errors import VerificationError

        actual = certificate_issuer(cert)
        if actual != self._issuer:
            raise VerificationError(f"the certificate's OIDC issuer is {actual!r}, "
                                    f"not {self._issuer!r}")


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
    found += [o.value.decode(errors="replace") for o in san.get_values_for_type(x509.OtherName)
              if o.type_id.dotted_string == _OTHERNAME]
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
    when = (datetime.fromtimestamp(int(integrated), tz=UTC).isoformat()
            .replace("+00:00", "Z") if integrated else None)
    identities = certificate_identities(cert)
    return {"identity": identities[0] if identities else None,
            "issuer": certificate_issuer(cert), "logIndex": int(entry.log_index),
            "logId": bytes(entry.log_id.key_id).hex(),
            "integratedTime": when}


def _signer_hint(bundle: Bundle) -> str:
    facts = bundle_facts(bundle)
    return f"the bundle's certificate names {facts['identity']} from {facts['issuer']}"


# --- gpg ----------------------------------------------------------------------


def verify_artifact_gpg(artifact: Path, signature: Path, public_key: Path) -> dict[str, Any]:
    """Check a detached gpg signature against one public key file, and nothing else.

    The key file (armored or binary) becomes a throw-away keyring for
    ``gpgv``; the signature passes only with ``VALIDSIG`` from a primary key
    of that file. A bad or foreign signature is 92.
    """
    digest = sha256_file(artifact)
    for path, what in ((signature, "signature"), (public_key, "public key")):
        if not path.is_file():
            raise UsageError(f"{path}: no such {what} file")
    with tempfile.TemporaryDirectory(prefix="shl-gpgv-", dir="/tmp") as tmp:
        home = Path(tmp)
        home.chmod(0o700)
        ring = home / "pinned.gpg"
        _dearmor(public_key, ring, home)
        fingerprints = _primary_fingerprints(ring, home)
        if not fingerprints:
            raise UsageError(f"{public_key}: holds no OpenPGP public key",
                             hint="export it with gpg --export --armor KEYID")
        try:
            done = runner.run(["gpgv", "--homedir", str(home), "--keyring", str(ring),
                               "--status-fd", "1", str(signature), str(artifact)], timeout=60)
        except runner.ToolNotFound:
            raise UsageError("gpgv is not installed", hint="install gnupg") from None
        finally:
            _kill_agent(home)
    status = [line.split() for line in done.stdout.splitlines() if line.startswith("[GNUPG:] ")]
    valid = [f for f in status if len(f) >= 3 and f[1] == "VALIDSIG"]
    signer = valid[0][-1] if valid else None
    if done.returncode != 0 or signer is None or signer not in fingerprints:
        reason = next((f[1] for f in status if len(f) > 1 and f[1] in
                       ("BADSIG", "ERRSIG", "NODATA", "EXPKEYSIG", "REVKEYSIG", "NO_PUBKEY")),
                      f"gpgv exit {done.returncode}")
        raise SignatureInvalid(f"{signature}: not a valid signature of {artifact.name} by "
                               f"{public_key} ({reason})",
                               hint="the file changed, or another key signed it")
    return {"file": str(artifact), "sha256": digest.sha256, "kind": "gpg",
            "signature": str(signature), "fingerprint": signer,
            "signatureKey": valid[0][2], "publicKey": str(public_key)}


def _dearmor(source: Path, target: Path, home: Path) -> None:
    data = source.read_bytes()
    if b"-----BEGIN PGP PUBLIC KEY BLOCK-----" not in data:
        shutil.copyfile(source, target)
        return
    done = runner.run(["gpg", "--homedir", str(home), "--batch", "--no-tty", "--yes",
                       "--output", str(target), "--dearmor", str(source)], timeout=60)
    if not done.ok:
        raise UsageError(f"{source}: not an OpenPGP public key: {done.output.splitlines()[-1:]}")


def _primary_fingerprints(ring: Path, home: Path) -> set[str]:
    done = runner.run(["gpg", "--homedir", str(home), "--batch", "--no-tty", "--with-colons",
                       "--import-options", "show-only", "--import", str(ring)], timeout=60)
    fingerprints: set[str] = set()
    expect_primary = False
    for line in done.stdout.splitlines():
        fields = line.split(":")
        if fields[0] == "pub":
            expect_primary = True
        elif fields[0] == "sub":
            expect_primary = False
        elif fields[0] == "fpr" and expect_primary and len(fields) > 9:
            fingerprints.add(fields[9])
            expect_primary = False
    return fingerprints


def _kill_agent(home: Path) -> None:
    """Stop any gpg-agent that the throw-away home started."""
    with contextlib.suppress(runner.ToolNotFound, runner.ToolTimeout):
        runner.run(["gpgconf", "--homedir", str(home), "--kill", "all"], timeout=20)

"""Signing and verifying the release's DSSE envelope, by
``release.security.provenance.signing`` (seed ``signing.md``).

- ``gpg``: the key named by ``GPG_KEY_ID`` (passphrase, if any, from
  ``GPG_PASSPHRASE``) signs the DSSE PAE, the pre-authentication encoding
  of the payload, not the envelope file, so the signature is a standard DSSE
  signature (``keyid`` = the key's fingerprint, ``sig`` = the binary
  OpenPGP signature) *and* the same signature, armored, is kept beside the
  attestation as ``<attestation>.asc``. The public key is exported to
  ``<state>/keys/<FINGERPRINT>.gpg`` and pinned: verification runs ``gpgv``
  with that keyring alone and requires ``VALIDSIG`` from the recorded
  fingerprint (a good signature from any other key is not a pass).
- ``sigstore`` keyless: :mod:`shipline.domain.signing.sigstore_keyless` (Fulcio certificate,
  Rekor entry); the bundle is kept as ``<name>-<version>.sigstore.json``.
  An ambient OIDC identity must be visible in the environment up front (91).
- ``sigstore`` keyed (``keyless: false``, ``keyRef``): ``cosign sign-blob
  --key`` over the PAE when cosign is on PATH, otherwise securesystemslib's
  ``CryptoSigner`` with the PEM private key at ``keyRef`` (password from
  ``COSIGN_PASSWORD``). Either way the public key is pinned as
  ``<state>/keys/<keyid>.pub.pem`` and verification is DSSE with that key.
  A private key inside the state dir is refused (90).
- ``none``: only with SLSA level 1 as the target (90 otherwise).

A missing key or identity is 91, never a silent downgrade; a signature that
does not verify is 92.

This module dispatches by method; each method lives in its own module
(:mod:`signing_plan`, :mod:`gpg_signer`, :mod:`keyed_signer`,
:mod:`keyless_signer`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shipline.domain.signing.dsse import make_envelope
from shipline.domain.signing.gpg_signer import (
    dearmor,
    gpg_fingerprint,
    gpgv_check,
    sign_gpg,
    verify_gpg,
)
from shipline.domain.signing.keyed_signer import sign_keyed, verify_keyed
from shipline.domain.signing.keyless_signer import sign_keyless, verify_keyless
from shipline.domain.signing.signing_plan import (
    GPG_KEY_ENV,
    GPG_PASSPHRASE_ENV,
    KEY_PASSWORD_ENV,
    LEVEL_ONE,
    OIDC_ENV,
    Signed,
    SigningPlan,
    empty_block,
    plan_signing,
)

__all__ = [
    "GPG_KEY_ENV",
    "GPG_PASSPHRASE_ENV",
    "KEY_PASSWORD_ENV",
    "LEVEL_ONE",
    "OIDC_ENV",
    "Signed",
    "SigningPlan",
    "dearmor",
    "empty_block",
    "gpg_fingerprint",
    "gpgv_check",
    "plan_signing",
    "sign",
    "verify",
]


def sign(
    plan: SigningPlan,
    statement: dict[str, Any],
    payload: bytes,
    *,
    attestation: Path,
    keys_dir: Path,
    env: Mapping[str, str],
    relative: Callable[[Path], str],
    signed_at: str,
) -> Signed:
    """Sign ``payload`` (the encoded ``statement``) by ``plan``."""
    if plan.method == "none":
        return Signed(make_envelope(payload, []), empty_block("none"))
    if plan.method == "gpg":
        return sign_gpg(plan, payload, attestation, keys_dir, env, relative, signed_at)
    if plan.keyless:
        return sign_keyless(statement, payload, attestation, relative, signed_at)
    return sign_keyed(plan, payload, keys_dir, env, relative, signed_at)


def verify(
    envelope: dict[str, Any], payload: bytes, block: dict[str, Any], resolve: Callable[[str], Path]
) -> str:
    """Check the envelope's signature for the recorded key or identity;
    return a short description of who signed. 92 when it does not verify."""
    method = block.get("method")
    if method == "none" or not block.get("signed"):
        return "unsigned"
    if method == "gpg":
        return verify_gpg(envelope, payload, block, resolve)
    if block.get("keyless"):
        return verify_keyless(payload, block, resolve)
    return verify_keyed(envelope, block, resolve, payload)

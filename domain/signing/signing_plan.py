"""Deciding what signs the release's DSSE envelope, before anything is built:
the method against the target SLSA level, and that its key or identity is
present (91 when missing, never a silent downgrade). Also the ledger's
signature block shape and the pinned public key every verifier reads."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipline.domain.errors import ConfigInvalid, SignatureInvalid, SigningKeyMissing

GPG_KEY_ENV = "GPG_KEY_ID"

GPG_PASSPHRASE_ENV = "GPG_PASSPHRASE"

KEY_PASSWORD_ENV = "COSIGN_PASSWORD"

LEVEL_ONE = "SLSA_BUILD_LEVEL_1"

OIDC_ENV = (
    "SIGSTORE_ID_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "CI_JOB_JWT_V2",
    "CIRCLE_OIDC_TOKEN_V2",
    "BUILDKITE_AGENT_ACCESS_TOKEN",
    "GOOGLE_SERVICE_ACCOUNT_NAME",
)
"""Variables through which an ambient OIDC identity reaches sigstore-python."""


@dataclass(frozen=True)
class SigningPlan:
    """What will sign, decided (and its prerequisites checked) up front."""

    method: str
    keyless: bool
    key_ref: str | None
    key_id: str | None = None
    """GPG_KEY_ID for gpg; the resolved private key path for keyed DSSE."""


@dataclass
class Signed:
    envelope: dict[str, Any]
    block: dict[str, Any]
    """The ledger's signature block (paths already relative)."""
    files: dict[Path, bytes] = field(default_factory=dict)
    """Files to write beside the attestation (signature, bundle, pinned key)."""


def empty_block(method: str, keyless: bool = False) -> dict[str, Any]:
    return {
        "method": method,
        "keyless": keyless,
        "signed": False,
        "signedAt": None,
        "signature": None,
        "certificate": None,
        "bundle": None,
        "transparencyLog": None,
        "keyId": None,
        "fingerprint": None,
        "publicKey": None,
        "identity": None,
        "issuer": None,
    }


def plan_signing(
    method: str,
    keyless: bool,
    key_ref: str | None,
    target_level: str,
    *,
    repo: Path,
    state_dir: Path,
    env: Mapping[str, str],
) -> SigningPlan:
    """Check the method against the target level and that its key or
    identity is present, before anything is built or written."""
    if method == "none":
        if target_level != LEVEL_ONE:
            raise ConfigInvalid(
                f"release.security.provenance.signing.method is none but the target level is "
                f"{target_level}: unsigned provenance is SLSA level 1 only",
                hint="configure gpg or sigstore signing, or declare level SLSA_BUILD_LEVEL_1",
            )
        return SigningPlan("none", False, None)
    if method == "gpg":
        key_id = (env.get(GPG_KEY_ENV) or "").strip()
        if not key_id:
            raise SigningKeyMissing(
                f"signing method gpg needs {GPG_KEY_ENV}, which is not set",
                hint=f"export {GPG_KEY_ENV}=<key id or fingerprint> of a secret key in the keyring",
            )
        return SigningPlan("gpg", False, None, key_id)
    if method != "sigstore":
        raise ConfigInvalid(
            f"release.security.provenance.signing.method: unknown {method!r}",
            hint="use sigstore, gpg or none",
        )
    if keyless:
        if not any(env.get(name) for name in OIDC_ENV):
            raise SigningKeyMissing(
                "signing is sigstore keyless but no OIDC identity is available (none of "
                f"{', '.join(OIDC_ENV)} is set)",
                hint="run in CI with an OIDC token (GitHub Actions: permissions: id-token: "
                "write), set SIGSTORE_ID_TOKEN, or configure gpg or keyed signing",
            )
        return SigningPlan("sigstore", True, None)
    if not key_ref:
        raise SigningKeyMissing(
            "signing is sigstore with keyless: false but signing.keyRef is not set",
            hint="set release.security.provenance.signing.keyRef to the private key's path "
            "(or a cosign key reference)",
        )
    if "://" in key_ref and cosign_path(env) is not None:
        return SigningPlan("sigstore", False, key_ref, key_ref)  # a KMS reference for cosign
    path = Path(key_ref) if Path(key_ref).is_absolute() else repo / key_ref
    if path.resolve().is_relative_to(state_dir.resolve()):
        raise ConfigInvalid(
            f"signing.keyRef {key_ref} is inside the state dir {state_dir}",
            hint="private keys never live in the state dir: move it to a keystore",
        )
    if not path.is_file():
        raise SigningKeyMissing(
            f"signing.keyRef {key_ref}: no such key file ({path})",
            hint="point keyRef at the PEM private key",
        )
    return SigningPlan("sigstore", False, key_ref, str(path))


def cosign_path(env: Mapping[str, str]) -> str | None:
    """cosign on the PATH of ``env``, if any: keyed signing prefers it."""
    return shutil.which("cosign", path=env.get("PATH"))


def pinned_public_key(block: dict[str, Any], resolve: Callable[[str], Path]) -> Path:
    """The public key pinned when the release was signed (92 if it is gone)."""
    path = resolve(block.get("publicKey") or "")
    if not block.get("publicKey") or not path.is_file():
        raise SignatureInvalid(
            f"the pinned public key {block.get('publicKey')} is missing: "
            "cannot check the signature",
            hint="restore it from backup; never re-pin a key silently",
        )
    return path

"""Keyed sigstore signing (``keyless: false``, ``keyRef``): ``cosign sign-blob
--key`` over the PAE when cosign is on PATH, otherwise securesystemslib's
``CryptoSigner`` with the PEM private key; verification is DSSE with the
pinned public key."""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shipline.domain import runner
from shipline.domain.errors import ConfigInvalid, SignatureInvalid, SigningKeyMissing
from shipline.domain.signing.dsse import PAYLOAD_TYPE, make_envelope, pae
from shipline.domain.signing.signing_plan import (
    KEY_PASSWORD_ENV,
    Signed,
    SigningPlan,
    cosign_path,
    empty_block,
    pinned_public_key,
)

KEYED_HINT = (
    "the signature or the pinned key changed after signing: restore them from the release, "
    "or pin the key the release was signed with"
)


def sign_keyed(
    plan: SigningPlan,
    payload: bytes,
    keys_dir: Path,
    env: Mapping[str, str],
    relative: Callable[[Path], str],
    signed_at: str,
) -> Signed:
    from cryptography.hazmat.primitives import serialization
    from securesystemslib.signer import CryptoSigner, SSlibKey

    assert plan.key_id is not None
    if cosign_path(env) is not None:
        sig, public_pem = _cosign_sign(plan, payload, env)
        public = serialization.load_pem_public_key(public_pem)
    else:
        private = _load_private_key(Path(plan.key_id), env)
        signer = CryptoSigner(private)
        sig = bytes.fromhex(signer.sign(pae(PAYLOAD_TYPE, payload)).signature)
        public = private.public_key()
        public_pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    key = SSlibKey.from_crypto(public)
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pinned = keys_dir / f"{key.keyid}.pub.pem"
    envelope = make_envelope(payload, [{"keyid": key.keyid, "sig": base64.b64encode(sig).decode()}])
    block = empty_block("sigstore") | {
        "signed": True,
        "signedAt": signed_at,
        "keyId": key.keyid,
        "fingerprint": hashlib.sha256(der).hexdigest(),
        "publicKey": relative(pinned),
    }
    return Signed(envelope, block, {pinned: public_pem})


def _load_private_key(path: Path, env: Mapping[str, str]) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    password = runner.secret_from_env(KEY_PASSWORD_ENV, env)
    try:
        return load_pem_private_key(path.read_bytes(), password.encode() if password else None)
    except TypeError:
        raise SigningKeyMissing(
            f"{path} is encrypted and {KEY_PASSWORD_ENV} is not set",
            hint=f"export {KEY_PASSWORD_ENV} with the key's password",
        ) from None
    except ValueError:
        raise ConfigInvalid(
            f"signing.keyRef {path} is not a PEM private key (or the password is wrong)",
            hint=f"check the file and {KEY_PASSWORD_ENV}",
        ) from None


def _cosign_sign(plan: SigningPlan, payload: bytes, env: Mapping[str, str]) -> tuple[bytes, bytes]:
    """cosign signs the PAE bytes as a blob: an ECDSA signature over their
    SHA-256, which DSSE verification with the public key accepts."""
    assert plan.key_id is not None
    with tempfile.TemporaryDirectory(prefix="shipline-cosign-") as tmp:
        blob, sig_file = Path(tmp) / "pae", Path(tmp) / "pae.sig"
        blob.write_bytes(pae(PAYLOAD_TYPE, payload))
        done = runner.run(
            [
                "cosign",
                "sign-blob",
                "--yes",
                "--tlog-upload=false",
                "--key",
                plan.key_id,
                "--output-signature",
                str(sig_file),
                str(blob),
            ],
            env=dict(env),
            timeout=300,
        )
        if not done.ok or not sig_file.is_file():
            raise SigningKeyMissing(
                f"cosign could not sign with {plan.key_ref}: {done.output}",
                hint=f"check the key reference and {KEY_PASSWORD_ENV}",
            )
        sig = base64.b64decode(sig_file.read_text().strip())
    public = runner.run(["cosign", "public-key", "--key", plan.key_id], env=dict(env))
    if not public.ok:
        raise SigningKeyMissing(
            f"cosign public-key --key {plan.key_ref}: {public.output}",
            hint="check signing.keyRef and COSIGN_PASSWORD",
        )
    return sig, public.stdout.encode()


@functools.lru_cache(maxsize=64)
def _pinned_key(pem: bytes) -> tuple[Any, Any]:
    """The securesystemslib key of a pinned PEM and its ``cryptography``
    public key (cached by content: every release signed with one key pins
    the same bytes)."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.signer import SSlibKey

    public = load_pem_public_key(pem)
    return SSlibKey.from_crypto(public), public


@functools.lru_cache(maxsize=64)
def _read_pinned(path: str, mtime_ns: int, size: int) -> bytes:
    """A pinned key file's bytes, read once per version of the file."""
    return Path(path).read_bytes()


def _verify_direct(key: Any, public: Any, data: bytes, sig: bytes) -> bool | None:
    """The signature check done by ``cryptography`` itself for the schemes
    shipline pins (ed25519, ECDSA P-256/P-384): what securesystemslib does,
    without its per-call envelope and key objects (half the time of
    ``verify --all`` over 10,000 records). ``None``: another scheme."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    try:
        if key.scheme == "ed25519" and isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(sig, data)
            return True
        digest = {"ecdsa-sha2-nistp256": hashes.SHA256, "ecdsa-sha2-nistp384": hashes.SHA384}.get(
            key.scheme
        )
        if digest is not None and isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(sig, data, ec.ECDSA(digest()))
            return True
    except InvalidSignature:
        return False
    return None


def verify_keyed(
    envelope: dict[str, Any],
    block: dict[str, Any],
    resolve: Callable[[str], Path],
    payload: bytes | None = None,
) -> str:
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError

    path = resolve(block.get("publicKey") or "")
    try:
        stat = os.stat(path)
        key, public = _pinned_key(_read_pinned(str(path), stat.st_mtime_ns, stat.st_size))
    except OSError:
        pinned_public_key(block, resolve)  # raises the "pinned key is missing" error
        raise
    except ValueError:
        raise SignatureInvalid(f"{path}: not a PEM public key", hint=KEYED_HINT) from None
    if key.keyid != block.get("keyId"):
        raise SignatureInvalid(
            f"{path}: key {key.keyid} is not the recorded key {block.get('keyId')}", hint=KEYED_HINT
        )
    if payload is not None and envelope.get("payloadType") == PAYLOAD_TYPE:
        data = pae(PAYLOAD_TYPE, payload)
        verdicts = [
            _verify_direct(key, public, data, base64.b64decode(s["sig"]))
            for s in envelope["signatures"]
            if s.get("keyid") == key.keyid
        ]
        if True in verdicts:
            return f"key {key.keyid}"
        if verdicts and None not in verdicts:
            raise SignatureInvalid(
                f"DSSE signature does not verify with key {key.keyid}", hint=KEYED_HINT
            )
    try:
        Envelope.from_dict(
            {
                "payload": envelope["payload"],
                "payloadType": envelope["payloadType"],
                "signatures": [dict(s) for s in envelope["signatures"]],
            }
        ).verify([key], 1)
    except (VerificationError, ValueError, KeyError) as exc:
        raise SignatureInvalid(
            f"DSSE signature does not verify with key {key.keyid}: {exc}", hint=KEYED_HINT
        ) from None
    return f"key {key.keyid}"

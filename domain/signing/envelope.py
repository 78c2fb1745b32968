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
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipline.domain import runner
from shipline.domain.errors import ConfigInvalid, SignatureInvalid, SigningKeyMissing
from shipline.domain.signing.dsse import PAYLOAD_TYPE, make_envelope, pae

GPG_KEY_ENV = "GPG_KEY_ID"
GPG_PASSPHRASE_ENV = "GPG_PASSPHRASE"
KEY_PASSWORD_ENV = "COSIGN_PASSWORD"
LEVEL_ONE = "SLSA_BUILD_LEVEL_1"
OIDC_ENV = ("SIGSTORE_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "CI_JOB_JWT_V2",
            "CIRCLE_OIDC_TOKEN_V2", "BUILDKITE_AGENT_ACCESS_TOKEN",
            "GOOGLE_SERVICE_ACCOUNT_NAME")
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
    return {"method": method, "keyless": keyless, "signed": False, "signedAt": None,
            "signature": None, "certificate": None, "bundle": None, "transparencyLog": None,
            "keyId": None, "fingerprint": None, "publicKey": None, "identity": None,
            "issuer": None}


def plan_signing(method: str, keyless: bool, key_ref: str | None, target_level: str, *,
                 repo: Path, state_dir: Path, env: Mapping[str, str]) -> SigningPlan:
    """Check the method against the target level and that its key or
    identity is present, before anything is built or written."""
    if method == "none":
        if target_level != LEVEL_ONE:
            raise ConfigInvalid(
                f"release.security.provenance.signing.method is none but the target level is "
                f"{target_level}: unsigned provenance is SLSA level 1 only",
                hint="configure gpg or sigstore signing, or declare level SLSA_BUILD_LEVEL_1")
        return SigningPlan("none", False, None)
    if method == "gpg":
        key_id = (env.get(GPG_KEY_ENV) or "").strip()
        if not key_id:
            raise SigningKeyMissing(
                f"signing method gpg needs {GPG_KEY_ENV}, which is not set",
                hint=f"export {GPG_KEY_ENV}=<key id or fingerprint> of a secret key in the "
                "keyring")
        return SigningPlan("gpg", False, None, key_id)
    if method != "sigstore":
        raise ConfigInvalid(f"release.security.provenance.signing.method: unknown {method!r}")
    if keyless:
        if not any(env.get(name) for name in OIDC_ENV):
            raise SigningKeyMissing(
                "signing is sigstore keyless but no OIDC identity is available (none of "
                f"{', '.join(OIDC_ENV)} is set)",
                hint="run in CI with an OIDC token (GitHub Actions: permissions: id-token: "
                "write), set SIGSTORE_ID_TOKEN, or configure gpg or keyed signing")
        return SigningPlan("sigstore", True, None)
    if not key_ref:
        raise SigningKeyMissing(
            "signing is sigstore with keyless: false but signing.keyRef is not set",
            hint="set release.security.provenance.signing.keyRef to the private key's path "
            "(or a cosign key reference)")
    if "://" in key_ref and _cosign(env) is not None:
        return SigningPlan("sigstore", False, key_ref, key_ref)  # a KMS reference for cosign
    path = Path(key_ref) if Path(key_ref).is_absolute() else repo / key_ref
    if path.resolve().is_relative_to(state_dir.resolve()):
        raise ConfigInvalid(
            f"signing.keyRef {key_ref} is inside the state dir {state_dir}",
            hint="private keys never live in the state dir: move it to a keystore")
    if not path.is_file():
        raise SigningKeyMissing(f"signing.keyRef {key_ref}: no such key file ({path})",
                                hint="point keyRef at the PEM private key")
    return SigningPlan("sigstore", False, key_ref, str(path))


def _cosign(env: Mapping[str, str]) -> str | None:
    return shutil.which("cosign", path=env.get("PATH"))


# --- signing ------------------------------------------------------------------


def sign(plan: SigningPlan, statement: dict[str, Any], payload: bytes, *, attestation: Path,
         keys_dir: Path, env: Mapping[str, str], relative: Callable[[Path], str],
         signed_at: str) -> Signed:
    """Sign ``payload`` (the encoded ``statement``) by ``plan``."""
    if plan.method == "none":
        return Signed(make_envelope(payload, []), empty_block("none"))
    if plan.method == "gpg":
        return _sign_gpg(plan, payload, attestation, keys_dir, env, relative, signed_at)
    if plan.keyless:
        return _sign_keyless(statement, payload, attestation, relative, signed_at)
    return _sign_keyed(plan, payload, keys_dir, env, relative, signed_at)


def _sign_gpg(plan: SigningPlan, payload: bytes, attestation: Path, keys_dir: Path,
              env: Mapping[str, str], relative: Callable[[Path], str],
              signed_at: str) -> Signed:
    assert plan.key_id is not None
    fingerprint = gpg_fingerprint(plan.key_id, env)
    passphrase = runner.secret_from_env(GPG_PASSPHRASE_ENV, env)
    with tempfile.TemporaryDirectory(prefix="shipline-sign-") as tmp:
        data = Path(tmp) / "pae"
        data.write_bytes(pae(PAYLOAD_TYPE, payload))
        out = Path(tmp) / "pae.asc"
        argv = ["gpg", "--batch", "--no-tty", "--yes", "--armor", "--detach-sign",
                "--local-user", fingerprint, "--output", str(out)]
        # no "!" after the fingerprint: that would force the primary key itself,
        # and a hardened primary only certifies while a subkey signs
        if passphrase:
            argv += ["--pinentry-mode", "loopback", "--passphrase-fd", "0"]
        done = runner.run([*argv, str(data)], env=dict(env), timeout=120,
                          input=f"{passphrase}\n" if passphrase else None)
        if not done.ok or not out.is_file():
            raise SigningKeyMissing(
                f"gpg could not sign with {plan.key_id}: {done.output or done.returncode}",
                hint=f"if the key has a passphrase, set {GPG_PASSPHRASE_ENV}")
        armored = out.read_bytes()
    exported = runner.run_bytes(["gpg", "--batch", "--no-tty", "--export", fingerprint],
                                env=dict(env))
    if exported[0] != 0 or not exported[1]:
        raise SigningKeyMissing(f"gpg could not export the public key {fingerprint}")
    pinned = keys_dir / f"{fingerprint}.gpg"
    asc = attestation.with_name(attestation.name + ".asc")
    envelope = make_envelope(payload, [{"keyid": fingerprint,
                                        "sig": base64.b64encode(dearmor(armored)).decode()}])
    block = empty_block("gpg") | {
        "signed": True, "signedAt": signed_at, "signature": relative(asc),
        "keyId": f"0x{fingerprint[-16:]}", "fingerprint": fingerprint,
        "publicKey": relative(pinned)}
    return Signed(envelope, block, {asc: armored, pinned: exported[1]})


def _sign_keyless(statement: dict[str, Any], payload: bytes, attestation: Path,
                  relative: Callable[[Path], str], signed_at: str) -> Signed:
    import json

    from shipline.domain.signing import sigstore_keyless

    result = sigstore_keyless.sign_statement(statement, payload=payload)
    bundle = result["bundle"]
    envelope = copy.deepcopy(bundle["dsseEnvelope"])
    base = attestation.name.removesuffix(".intoto.jsonl")
    bundle_path = attestation.with_name(f"{base}.sigstore.json")
    files = {bundle_path: json.dumps(bundle, indent=2).encode() + b"\n"}
    block = empty_block("sigstore", keyless=True) | {
        "signed": True, "signedAt": signed_at, "bundle": relative(bundle_path),
        "transparencyLog": {"index": str(result["logIndex"]), "url": result["logUrl"]},
        "identity": result["identity"], "issuer": result["issuer"]}
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
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines)
            + "\n-----END CERTIFICATE-----\n").encode()


def _sign_keyed(plan: SigningPlan, payload: bytes, keys_dir: Path, env: Mapping[str, str],
                relative: Callable[[Path], str], signed_at: str) -> Signed:
    from cryptography.hazmat.primitives import serialization
    from securesystemslib.signer import CryptoSigner, SSlibKey

    assert plan.key_id is not None
    if _cosign(env) is not None:
        sig, public_pem = _cosign_sign(plan, payload, env)
        public = serialization.load_pem_public_key(public_pem)
    else:
        private = _load_private_key(Path(plan.key_id), env)
        signer = CryptoSigner(private)
        sig = signer.sign(pae(PAYLOAD_TYPE, payload)).signature
        sig = bytes.fromhex(sig)
        public = private.public_key()
        public_pem = public.public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    key = SSlibKey.from_crypto(public)
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    pinned = keys_dir / f"{key.keyid}.pub.pem"
    envelope = make_envelope(payload, [{"keyid": key.keyid, "sig": base64.b64encode(sig).decode()}])
    block = empty_block("sigstore") | {
        "signed": True, "signedAt": signed_at, "keyId": key.keyid,
        "fingerprint": hashlib.sha256(der).hexdigest(), "publicKey": relative(pinned)}
    return Signed(envelope, block, {pinned: public_pem})


def _load_private_key(path: Path, env: Mapping[str, str]) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    password = runner.secret_from_env(KEY_PASSWORD_ENV, env)
    try:
        return load_pem_private_key(path.read_bytes(), password.encode() if password else None)
    except TypeError:
        raise SigningKeyMissing(f"{path} is encrypted and {KEY_PASSWORD_ENV} is not set",
                                hint=f"export {KEY_PASSWORD_ENV} with the key's password") \
            from None
    except ValueError:
        raise ConfigInvalid(f"signing.keyRef {path} is not a PEM private key (or the password "
                            "is wrong)", hint=f"check the file and {KEY_PASSWORD_ENV}") from None


def _cosign_sign(plan: SigningPlan, payload: bytes,
                 env: Mapping[str, str]) -> tuple[bytes, bytes]:
    """cosign signs the PAE bytes as a blob: an ECDSA signature over their
    SHA-256, which DSSE verification with the public key accepts."""
    assert plan.key_id is not None
    with tempfile.TemporaryDirectory(prefix="shipline-cosign-") as tmp:
        blob, sig_file = Path(tmp) / "pae", Path(tmp) / "pae.sig"
        blob.write_bytes(pae(PAYLOAD_TYPE, payload))
        done = runner.run(["cosign", "sign-blob", "--yes", "--tlog-upload=false", "--key",
                           plan.key_id, "--output-signature", str(sig_file), str(blob)],
                          env=dict(env), timeout=300)
        if not done.ok or not sig_file.is_file():
            raise SigningKeyMissing(f"cosign could not sign with {plan.key_ref}: {done.output}",
                                    hint=f"check the key reference and {KEY_PASSWORD_ENV}")
        sig = base64.b64decode(sig_file.read_text().strip())
    public = runner.run(["cosign", "public-key", "--key", plan.key_id], env=dict(env))
    if not public.ok:
        raise SigningKeyMissing(f"cosign public-key --key {plan.key_ref}: {public.output}")
    return sig, public.stdout.encode()


# --- gpg helpers -------------------------------------------------------------------


def gpg_fingerprint(key_id: str, env: Mapping[str, str]) -> str:
    """The primary fingerprint of the one signing-capable secret key that
    ``key_id`` names (91 when there is none or it is ambiguous)."""
    try:
        done = runner.run(["gpg", "--batch", "--no-tty", "--with-colons", "--fingerprint",
                           "--list-secret-keys", "--", key_id], env=dict(env), timeout=60)
    except runner.ToolNotFound:
        raise SigningKeyMissing("gpg is not installed", hint="install gnupg") from None
    keys: list[tuple[str, str]] = []  # (capabilities, fingerprint) of primary keys
    caps = None
    for line in done.stdout.splitlines():
        fields = line.split(":")
        if fields[0] == "sec":
            caps = fields[11] if len(fields) > 11 else ""
        elif fields[0] == "fpr" and caps is not None:
            keys.append((caps, fields[9]))
            caps = None
    signing = [fpr for caps, fpr in keys if "S" in caps]
    home = env.get("GNUPGHOME") or "~/.gnupg"
    if not done.ok or not signing:
        raise SigningKeyMissing(f"{GPG_KEY_ENV}={key_id}: no secret signing key in {home}",
                                hint="import the key or fix GPG_KEY_ID")
    if len(signing) > 1:
        raise SigningKeyMissing(f"{GPG_KEY_ENV}={key_id} matches {len(signing)} keys",
                                hint="set GPG_KEY_ID to the full fingerprint")
    return signing[0]


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def dearmor(armored: bytes) -> bytes:
    """The binary packets inside OpenPGP ASCII armor (RFC 4880 section 6),
    checksum verified. Raises ``ValueError`` on anything else."""
    lines = armored.decode("ascii", errors="strict").strip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("-----BEGIN PGP ")]
    ends = [i for i, line in enumerate(lines) if line.startswith("-----END PGP ")]
    if len(starts) != 1 or len(ends) != 1 or ends[0] <= starts[0]:
        raise ValueError("not one OpenPGP armored block")
    body = lines[starts[0] + 1:ends[0]]
    if "" in [line.strip() for line in body]:
        body = body[[line.strip() for line in body].index("") + 1:]
    checksum = None
    if body and body[-1].startswith("="):
        checksum = body.pop()[1:]
    data = base64.b64decode("".join(line.strip() for line in body), validate=True)
    if checksum is not None and base64.b64decode(checksum) != _crc24(data).to_bytes(3, "big"):
        raise ValueError("armor checksum does not match")
    return data


def keyring_option(keyring: Path, home: Path) -> list[str]:
    """``--keyring`` for ``gpgv``/``gpg`` with ``home`` as ``--homedir``.

    gpg reads a keyring argument as a resource URL and refuses any with a
    ``:`` (a repository at ``/srv/a:b`` made every signature fail with
    NO_PUBKEY, issue 13 item 9). A bare file name is looked up in the home
    directory, so the keyring is copied there and named without a path."""
    name = "pinned-keyring.gpg"
    if keyring.resolve() != (home / name).resolve():
        shutil.copyfile(keyring, home / name)
    return ["--keyring", name]


def gpgv_check(signature: Path, data: Path, keyring: Path,
               fingerprint: str | None) -> str:
    """Verify a detached signature with ``gpgv`` and only ``keyring``; return
    the signer's primary fingerprint. With ``fingerprint`` set, only that key
    passes. Raises :class:`SignatureInvalid` naming gpgv's verdict."""
    with tempfile.TemporaryDirectory(prefix="gv") as home:
        try:
            done = runner.run(["gpgv", "--homedir", home,
                               *keyring_option(keyring, Path(home)),
                               "--status-fd", "1", str(signature), str(data)], timeout=60)
        except runner.ToolNotFound:
            raise SignatureInvalid("gpgv is not installed: cannot verify",
                                   hint="install gpgv (gnupg)") from None
    valid = [line.split() for line in done.stdout.splitlines()
             if line.startswith("[GNUPG:] VALIDSIG ")]
    signers = {parts[-1] for parts in valid} | {parts[2] for parts in valid}
    if done.ok and valid and (fingerprint is None or fingerprint.upper() in signers):
        return valid[0][-1]
    verdicts = [line.split()[1] for line in done.stdout.splitlines()
                if line.startswith("[GNUPG:] ") and len(line.split()) > 1 and line.split()[1]
                in {"BADSIG", "NODATA", "ERRSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG",
                    "NO_PUBKEY"}]
    why = ", ".join(dict.fromkeys(verdicts)) or f"no valid signature (gpgv exit {done.returncode})"
    if valid and not verdicts:
        why = f"signed by {valid[0][-1]}, not the expected key {fingerprint}"
    raise SignatureInvalid(f"{signature}: {why}")


# --- verification ------------------------------------------------------------------


def verify(envelope: dict[str, Any], payload: bytes, block: dict[str, Any],
           resolve: Callable[[str], Path]) -> str:
    """Check the envelope's signature for the recorded key or identity;
    return a short description of who signed. 92 when it does not verify."""
    method = block.get("method")
    if method == "none" or not block.get("signed"):
        return "unsigned"
    if method == "gpg":
        return _verify_gpg(envelope, payload, block, resolve)
    if block.get("keyless"):
        return _verify_keyless(payload, block, resolve)
    return _verify_keyed(envelope, block, resolve)


def _pinned(block: dict[str, Any], resolve: Callable[[str], Path]) -> Path:
    path = resolve(block.get("publicKey") or "")
    if not block.get("publicKey") or not path.is_file():
        raise SignatureInvalid(f"the pinned public key {block.get('publicKey')} is missing: "
                               "cannot check the signature",
                               hint="restore it from backup; never re-pin a key silently")
    return path


def _verify_gpg(envelope: dict[str, Any], payload: bytes, block: dict[str, Any],
                resolve: Callable[[str], Path]) -> str:
    fingerprint = block.get("fingerprint") or ""
    sigs = [s for s in envelope["signatures"] if s.get("keyid") == fingerprint] \
        or envelope["signatures"]
    if not sigs:
        raise SignatureInvalid("the envelope carries no signature")
    keyring = _pinned(block, resolve)
    with tempfile.TemporaryDirectory(prefix="shipline-verify-") as tmp:
        data, sig = Path(tmp) / "pae", Path(tmp) / "pae.sig"
        data.write_bytes(pae(PAYLOAD_TYPE, payload))
        sig.write_bytes(base64.b64decode(sigs[0]["sig"]))
        gpgv_check(sig, data, keyring, fingerprint)
        asc = resolve(block["signature"]) if block.get("signature") else None
        if asc is not None and asc.is_file():
            try:
                same = dearmor(asc.read_bytes()) == sig.read_bytes()
            except ValueError:
                same = False
            if not same:
                raise SignatureInvalid(f"{asc}: differs from the envelope's signature")
    return f"gpg {fingerprint}"


@functools.lru_cache(maxsize=64)
def _pinned_key(pem: bytes) -> Any:
    """The securesystemslib key of a pinned PEM (cached by content: every
    release signed with one key pins the same bytes)."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.signer import SSlibKey

    return SSlibKey.from_crypto(load_pem_public_key(pem))


def _verify_keyed(envelope: dict[str, Any], block: dict[str, Any],
                  resolve: Callable[[str], Path]) -> str:
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError

    path = _pinned(block, resolve)
    try:
        key = _pinned_key(path.read_bytes())
    except ValueError:
        raise SignatureInvalid(f"{path}: not a PEM public key") from None
    if key.keyid != block.get("keyId"):
        raise SignatureInvalid(f"{path}: key {key.keyid} is not the recorded key "
                               f"{block.get('keyId')}")
    try:
        Envelope.from_dict({"payload": envelope["payload"], "payloadType": envelope["payloadType"],
                            "signatures": [dict(s) for s in envelope["signatures"]]}
                           ).verify([key], 1)
    except (VerificationError, ValueError, KeyError) as exc:
        raise SignatureInvalid(f"DSSE signature does not verify with key {key.keyid}: {exc}") \
            from None
    return f"key {key.keyid}"


def _verify_keyless(payload: bytes, block: dict[str, Any],
                    resolve: Callable[[str], Path]) -> str:
    from shipline.domain.jsonio import StrictJSONError, read_strict
    from shipline.domain.signing import sigstore_keyless

    path = resolve(block.get("bundle") or "")
    try:
        bundle = read_strict(path)
    except (OSError, StrictJSONError) as exc:
        raise SignatureInvalid(f"sigstore bundle {block.get('bundle')}: {exc}") from None
    signed_payload = sigstore_keyless.verify_statement_bundle(
        bundle, identity=block.get("identity") or "", identity_regexp=None,
        issuer=block.get("issuer") or "")
    if signed_payload != payload:
        raise SignatureInvalid(f"{path}: the bundle signs a different statement than the "
                               "attestation file holds")
    return f"sigstore {block.get('identity')} ({block.get('issuer')})"

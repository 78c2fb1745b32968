"""gpg signing of the DSSE envelope: the key named by ``GPG_KEY_ID`` signs
the PAE (not the envelope file), the armored signature is kept beside the
attestation, and verification runs ``gpgv`` against the pinned public key
alone, requiring the recorded fingerprint."""

from __future__ import annotations

import base64
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shipline.domain import runner
from shipline.domain.errors import SignatureInvalid, SigningKeyMissing
from shipline.domain.signing.dsse import PAYLOAD_TYPE, make_envelope, pae
from shipline.domain.signing.signing_plan import (
    GPG_KEY_ENV,
    GPG_PASSPHRASE_ENV,
    Signed,
    SigningPlan,
    empty_block,
    pinned_public_key,
)

GPG_ENVELOPE_HINT = (
    "the attestation or its signature changed after signing: restore them from the release"
)


def sign_gpg(
    plan: SigningPlan,
    payload: bytes,
    attestation: Path,
    keys_dir: Path,
    env: Mapping[str, str],
    relative: Callable[[Path], str],
    signed_at: str,
) -> Signed:
    assert plan.key_id is not None
    fingerprint = gpg_fingerprint(plan.key_id, env)
    passphrase = runner.secret_from_env(GPG_PASSPHRASE_ENV, env)
    with tempfile.TemporaryDirectory(prefix="shipline-sign-") as tmp:
        data = Path(tmp) / "pae"
        data.write_bytes(pae(PAYLOAD_TYPE, payload))
        out = Path(tmp) / "pae.asc"
        argv = [
            "gpg",
            "--batch",
            "--no-tty",
            "--yes",
            "--armor",
            "--detach-sign",
            "--local-user",
            fingerprint,
            "--output",
            str(out),
        ]
        # no "!" after the fingerprint: that would force the primary key itself,
        # and a hardened primary only certifies while a subkey signs
        if passphrase:
            argv += ["--pinentry-mode", "loopback", "--passphrase-fd", "0"]
        done = runner.run(
            [*argv, str(data)],
            env=dict(env),
            timeout=120,
            input=f"{passphrase}\n" if passphrase else None,
        )
        if not done.ok or not out.is_file():
            raise SigningKeyMissing(
                f"gpg could not sign with {plan.key_id}: {done.output or done.returncode}",
                hint=f"if the key has a passphrase, set {GPG_PASSPHRASE_ENV}",
            )
        armored = out.read_bytes()
    exported = runner.run_bytes(
        ["gpg", "--batch", "--no-tty", "--export", fingerprint], env=dict(env)
    )
    if exported[0] != 0 or not exported[1]:
        raise SigningKeyMissing(
            f"gpg could not export the public key {fingerprint}",
            hint="check the key with `gpg --list-keys` and GNUPGHOME",
        )
    pinned = keys_dir / f"{fingerprint}.gpg"
    asc = attestation.with_name(attestation.name + ".asc")
    envelope = make_envelope(
        payload, [{"keyid": fingerprint, "sig": base64.b64encode(dearmor(armored)).decode()}]
    )
    block = empty_block("gpg") | {
        "signed": True,
        "signedAt": signed_at,
        "signature": relative(asc),
        "keyId": f"0x{fingerprint[-16:]}",
        "fingerprint": fingerprint,
        "publicKey": relative(pinned),
    }
    return Signed(envelope, block, {asc: armored, pinned: exported[1]})


def verify_gpg(
    envelope: dict[str, Any], payload: bytes, block: dict[str, Any], resolve: Callable[[str], Path]
) -> str:
    fingerprint = block.get("fingerprint") or ""
    sigs = [s for s in envelope["signatures"] if s.get("keyid") == fingerprint] or envelope[
        "signatures"
    ]
    if not sigs:
        raise SignatureInvalid("the envelope carries no signature", hint=GPG_ENVELOPE_HINT)
    keyring = pinned_public_key(block, resolve)
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
                raise SignatureInvalid(
                    f"{asc}: differs from the envelope's signature", hint=GPG_ENVELOPE_HINT
                )
    return f"gpg {fingerprint}"


def gpg_fingerprint(key_id: str, env: Mapping[str, str]) -> str:
    """The primary fingerprint of the one signing-capable secret key that
    ``key_id`` names (91 when there is none or it is ambiguous)."""
    try:
        done = runner.run(
            [
                "gpg",
                "--batch",
                "--no-tty",
                "--with-colons",
                "--fingerprint",
                "--list-secret-keys",
                "--",
                key_id,
            ],
            env=dict(env),
            timeout=60,
        )
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
        raise SigningKeyMissing(
            f"{GPG_KEY_ENV}={key_id}: no secret signing key in {home}",
            hint="import the key or fix GPG_KEY_ID",
        )
    if len(signing) > 1:
        raise SigningKeyMissing(
            f"{GPG_KEY_ENV}={key_id} matches {len(signing)} keys",
            hint="set GPG_KEY_ID to the full fingerprint",
        )
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
    body = lines[starts[0] + 1 : ends[0]]
    if "" in [line.strip() for line in body]:
        body = body[[line.strip() for line in body].index("") + 1 :]
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


def gpgv_check(signature: Path, data: Path, keyring: Path, fingerprint: str | None) -> str:
    """Verify a detached signature with ``gpgv`` and only ``keyring``; return
    the signer's primary fingerprint. With ``fingerprint`` set, only that key
    passes. Raises :class:`SignatureInvalid` naming gpgv's verdict."""
    with tempfile.TemporaryDirectory(prefix="gv") as home:
        try:
            done = runner.run(
                [
                    "gpgv",
                    "--homedir",
                    home,
                    *keyring_option(keyring, Path(home)),
                    "--status-fd",
                    "1",
                    str(signature),
                    str(data),
                ],
                timeout=60,
            )
        except runner.ToolNotFound:
            raise SignatureInvalid(
                "gpgv is not installed: cannot verify", hint="install gpgv (gnupg)"
            ) from None
    valid = [
        line.split() for line in done.stdout.splitlines() if line.startswith("[GNUPG:] VALIDSIG ")
    ]
    signers = {parts[-1] for parts in valid} | {parts[2] for parts in valid}
    if done.ok and valid and (fingerprint is None or fingerprint.upper() in signers):
        return valid[0][-1]
    verdicts = [
        line.split()[1]
        for line in done.stdout.splitlines()
        if line.startswith("[GNUPG:] ")
        and len(line.split()) > 1
        and line.split()[1]
        in {"BADSIG", "NODATA", "ERRSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG", "NO_PUBKEY"}
    ]
    why = ", ".join(dict.fromkeys(verdicts)) or f"no valid signature (gpgv exit {done.returncode})"
    if valid and not verdicts:
        why = f"signed by {valid[0][-1]}, not the expected key {fingerprint}"
    raise SignatureInvalid(f"{signature}: {why}", hint=GPG_ENVELOPE_HINT)

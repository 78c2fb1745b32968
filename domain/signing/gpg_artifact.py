"""``verify-artifact --signature S --key PUB``: a detached gpg signature
checked against one public key file and nothing else.

The key file (armored or binary) becomes a throw-away keyring for ``gpgv``
in a private temp home, and the signature passes only with ``VALIDSIG``
whose primary fingerprint is a primary key of that file: a good signature
from any other key (even one in the signer's own keyring) is not a pass.
BADSIG (a changed byte), ERRSIG/NO_PUBKEY (another key) and NODATA (junk)
are all 92.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from shipline.domain import runner
from shipline.domain.digests import sha256_file
from shipline.domain.errors import SignatureInvalid, UsageError
from shipline.domain.signing.gpg_signer import keyring_option

GPG_INPUT_HINT = (
    "pass an existing file; a key as armored or binary OpenPGP (`gpg --export --armor KEYID`)"
)
GPG_ARTIFACT_HINT = (
    "the file or its signature changed, or another key signed it: get both from the publisher again"
)


def verify_artifact_gpg(artifact: Path, signature: Path, public_key: Path) -> dict[str, Any]:
    """Check a detached gpg signature against one public key file, and nothing else.

    The key file (armored or binary) becomes a throw-away keyring for
    ``gpgv``; the signature passes only with ``VALIDSIG`` from a primary key
    of that file. A bad or foreign signature is 92.
    """
    digest = sha256_file(artifact)
    for path, what in ((signature, "signature"), (public_key, "public key")):
        if not path.is_file():
            raise UsageError(f"{path}: no such {what} file", hint=GPG_INPUT_HINT)
    with tempfile.TemporaryDirectory(prefix="shl-gpgv-", dir="/tmp") as tmp:
        home = Path(tmp)
        home.chmod(0o700)
        ring = home / "pinned-keyring.gpg"
        try:
            _dearmor(public_key, ring, home)
            fingerprints = _primary_fingerprints(ring, home)
            if not fingerprints:
                raise UsageError(
                    f"{public_key}: holds no OpenPGP public key",
                    hint="export it with gpg --export --armor KEYID",
                )
            done = runner.run(
                [
                    "gpgv",
                    "--homedir",
                    str(home),
                    *keyring_option(ring, home),
                    "--status-fd",
                    "1",
                    str(signature),
                    str(artifact),
                ],
                timeout=120,
            )
        except runner.ToolNotFound as exc:
            raise UsageError(
                f"{exc.tool} is not installed", hint="install gnupg (gpg and gpgv)"
            ) from None
        except runner.ToolTimeout as exc:
            raise SignatureInvalid(f"{signature}: {exc}", hint=GPG_ARTIFACT_HINT) from None
        finally:
            _kill_agent(home)
    status = [line.split() for line in done.stdout.splitlines() if line.startswith("[GNUPG:] ")]
    valid = [f for f in status if len(f) >= 3 and f[1] == "VALIDSIG"]
    signer = valid[0][-1] if valid else None
    if done.returncode != 0 or signer is None or signer not in fingerprints:
        reason = next(
            (
                f[1]
                for f in status
                if len(f) > 1
                and f[1] in ("BADSIG", "ERRSIG", "NODATA", "EXPKEYSIG", "REVKEYSIG", "NO_PUBKEY")
            ),
            f"gpgv exit {done.returncode}",
        )
        raise SignatureInvalid(
            f"{signature}: not a valid signature of {artifact.name} by {public_key} ({reason})",
            hint="the file changed, or another key signed it",
        )
    return {
        "file": str(artifact),
        "sha256": digest.sha256,
        "kind": "gpg",
        "signature": str(signature),
        "fingerprint": signer,
        "signatureKey": valid[0][2],
        "publicKey": str(public_key),
    }


def _dearmor(source: Path, target: Path, home: Path) -> None:
    data = source.read_bytes()
    if b"-----BEGIN PGP PUBLIC KEY BLOCK-----" not in data:
        shutil.copyfile(source, target)
        return
    done = runner.run(
        [
            "gpg",
            "--homedir",
            str(home),
            "--batch",
            "--no-tty",
            "--yes",
            "--output",
            str(target),
            "--dearmor",
            str(source),
        ],
        timeout=60,
    )
    if not done.ok:
        last = (done.output.strip().splitlines() or ["gpg --dearmor failed"])[-1]
        raise UsageError(f"{source}: not an OpenPGP public key: {last}", hint=GPG_INPUT_HINT)


def _primary_fingerprints(ring: Path, home: Path) -> set[str]:
    done = runner.run(
        [
            "gpg",
            "--homedir",
            str(home),
            "--batch",
            "--no-tty",
            "--with-colons",
            "--import-options",
            "show-only",
            "--import",
            str(ring),
        ],
        timeout=60,
    )
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

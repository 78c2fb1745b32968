"""SHA-256 digests of artifacts (PROV-002), streamed in constant memory.

A release can ship multi-gigabyte images, so a file is never read whole:
one reusable 1 MiB buffer is filled with ``readinto`` and fed to OpenSSL's
SHA-256 through ``hashlib``, which keeps the throughput at that of
``openssl dgst -sha256`` (see ``bench/provenance_bench.py``) while the
memory stays flat whatever the file size.

The digest is computed *before* anything is attested; a caller that already
knows the digest it expects (a handler's build output, a registry's
download) passes it and a different file refuses to bind (exit 93).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DigestMismatch, UsageError

CHUNK = 1 << 20
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class FileDigest:
    """A file's SHA-256 (lowercase hex) and size, taken in one pass."""

    path: Path
    sha256: str
    size: int


def sha256_file(path: Path) -> FileDigest:
    """Stream ``path`` through SHA-256 with one reusable buffer.

    Raises :class:`UsageError` (exit 2) when the file cannot be read: a
    missing artifact is the caller's mistake, not a digest mismatch.
    """
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    size = 0
    try:
        with open(path, "rb", buffering=0) as handle:
            while True:
                count = handle.readinto(buffer)
                if not count:
                    break
                digest.update(view[:count])
                size += count
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not an artifact file",
                         hint="pass the built files themselves") from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file", hint="check the artifact path") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied", hint="make the file readable") from None
    return FileDigest(path=path, sha256=digest.hexdigest(), size=size)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalize_sha256(value: str) -> str:
    """Accept ``sha256:HEX`` or bare hex in either case; return bare lowercase
    hex, or raise :class:`UsageError` when it is not a SHA-256 digest."""
    text = value.strip()
    if text.lower().startswith("sha256:"):
        text = text[7:]
    text = text.lower()
    if not SHA256_RE.match(text):
        raise UsageError(f"{value!r} is not a SHA-256 digest (64 hex characters)")
    return text


def require_digest(path: Path, expected: str | None) -> FileDigest:
    """Digest ``path`` and, when ``expected`` is given, refuse a different
    file (exit 93) so an attestation never binds to the wrong bytes."""
    found = sha256_file(path)
    if expected is not None and normalize_sha256(expected) != found.sha256:
        raise DigestMismatch(
            f"{path}: SHA-256 is {found.sha256}, expected {normalize_sha256(expected)}; "
            "refusing to bind an attestation to it",
            hint="the file changed after it was built; rebuild it or pass the right file",
        )
    return found

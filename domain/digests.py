"""SHA-256 digests of artifacts (PROV-002), streamed in constant memory.

A release can ship multi-gigabyte images, so a file is never read whole.
A regular file is mapped 32 MiB at a time and each window is fed to
OpenSSL's SHA-256 through ``hashlib``: hashing straight from the page cache
skips the kernel-to-user copy of ``read``, which costs more CPU than the
hash itself on a machine with SHA extensions (``bench/digests.py``: 0.25 s
CPU for 256 MiB against 0.27 s for ``openssl dgst -sha256`` and 0.37 s with
a 1 MiB ``readinto`` buffer). Memory stays bounded by the window whatever
the file size. Anything that cannot be mapped (a pipe) and files of up to
256 KiB are read through one reusable buffer instead.

A file truncated by another process *while* it is mapped ends the process
with SIGBUS (the kernel's answer to reading past a mapping's end); the size
is re-checked before each window to keep that window narrow, and nothing is
written until every digest is known, so no half-written state results.

The digest is computed *before* anything is attested; a caller that already
knows the digest it expects (a handler's build output, a registry's
download) passes it and a different file refuses to bind (exit 93).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipline.domain.errors import DigestMismatch, UsageError

CHUNK = 256 << 10
WINDOW = 32 << 20
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class FileDigest:
    """A file's SHA-256 (lowercase hex) and size, taken in one pass."""

    path: Path
    sha256: str
    size: int


def sha256_file(path: Path) -> FileDigest:
    """Stream ``path`` through SHA-256 in bounded memory.

    Raises :class:`UsageError` (exit 2) when the file cannot be read: a
    missing artifact is the caller's mistake, not a digest mismatch.
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb", buffering=0) as handle:
            size = _hash_mapped(handle.fileno(), digest)
            if size is None:
                size = _hash_read(handle, digest)
    except IsADirectoryError:
        raise UsageError(
            f"{path}: is a directory, not an artifact file", hint="pass the built files themselves"
        ) from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file", hint="check the artifact path") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied", hint="make the file readable") from None
    return FileDigest(path=path, sha256=digest.hexdigest(), size=size)


def _hash_mapped(fd: int, digest: Any) -> int | None:
    """Hash a regular file window by window; ``None`` when it cannot be mapped."""
    import mmap
    import os
    import stat

    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size <= CHUNK:
        return None  # small files: one read is cheaper than setting up a mapping
    size, offset = info.st_size, 0
    while offset < size:
        if os.fstat(fd).st_size < size:
            raise DigestMismatch(
                "the file shrank while it was being digested",
                hint="something is rewriting the artifact; stop it and retry",
            )
        length = min(WINDOW, size - offset)
        with mmap.mmap(fd, length, offset=offset, access=mmap.ACCESS_READ) as window:
            if hasattr(mmap, "MADV_SEQUENTIAL"):
                window.madvise(mmap.MADV_SEQUENTIAL)
            digest.update(window)
        offset += length
    return size


def _hash_read(handle: Any, digest: Any) -> int:
    first = handle.read(CHUNK)  # a small file: one read, no zeroed 256 KiB buffer
    digest.update(first)
    if len(first) < CHUNK:
        return len(first)
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    size = len(first)
    while True:
        count = handle.readinto(buffer)
        if not count:
            return size
        digest.update(view[:count])
        size += count


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
        raise UsageError(
            f"{value!r} is not a SHA-256 digest (64 hex characters)",
            hint="pass the digest as 64 hex characters, with or without sha256:",
        )
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

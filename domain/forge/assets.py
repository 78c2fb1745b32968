"""Which files a forge release carries, read from the release's ledger
record (the prepared one before the publish, the sealed one after): every
artifact file, the attestation, its signature or sigstore bundle, the SBOM,
and a ``SHA256SUMS`` file over all of them.

The record is the source because it holds the digests the attestation
binds: a file whose bytes are no longer what was recorded is refused (93)
rather than attached. ``SHA256SUMS`` is written from the recorded digests,
sorted by name, so a resumed run writes the same bytes and the forge's
copy is recognized as the same file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shipline.domain.digests import sha256_bytes, sha256_file
from shipline.domain.errors import DigestMismatch, ShiplineError
from shipline.domain.forge.model import LocalAsset

CHECKSUMS = "SHA256SUMS"


def release_assets(record: Mapping[str, Any], repo: Path, out_dir: Path) -> list[LocalAsset]:
    """The files to attach for ``record``, with ``SHA256SUMS`` written into
    ``out_dir``. Empty for a source-only release (nothing was built)."""

    def resolve(rel: str) -> Path:
        path = Path(rel)
        return path if path.is_absolute() else repo / path

    found: dict[str, LocalAsset] = {}

    def add(name: str, rel: str | None, kind: str, sha256: str | None = None) -> None:
        if not rel:
            return
        path = resolve(rel)
        if not path.is_file():
            raise ShiplineError(
                f"{path}: the {kind} of this release is gone",
                hint="it was written by the provenance step; restore it from "
                "a backup or release a new version",
                code=DigestMismatch.code,
            )
        digest = sha256_file(path)
        if sha256 is not None and digest.sha256 != sha256:
            raise DigestMismatch(
                f"{path}: SHA-256 is {digest.sha256}, the ledger recorded "
                f"{sha256}: refusing to attach other bytes than were attested",
                hint="something changed the file after the build; release a new version",
            )
        upload_name = name if name not in found or found[name].path == path else f"{kind}-{name}"
        found.setdefault(
            upload_name, LocalAsset(upload_name, path, digest.sha256, digest.size, kind)
        )

    artifacts = list(record.get("artifacts") or [])
    for artifact in artifacts:
        add(artifact["name"], artifact.get("path"), "artifact", artifact["sha256"])
    for artifact in artifacts[:1]:  # one statement and one signature cover every subject
        attestation = artifact.get("attestation")
        if attestation:
            add(Path(attestation).name, attestation, "attestation")
        block = artifact.get("signature") or {}
        for key in ("bundle", "signature"):
            value = block.get(key)
            if isinstance(value, str) and value and not value.startswith("-----"):
                add(Path(value).name, value, "signature")
    sbom = record.get("sbom")
    if sbom:
        add(Path(sbom["path"]).name, sbom["path"], "sbom", sbom.get("sha256"))
    if not found:
        return []
    assets = sorted(found.values(), key=lambda a: a.name)
    lines = "".join(f"{a.sha256}  {a.name}\n" for a in assets).encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    sums = out_dir / CHECKSUMS
    if not sums.is_file() or sums.read_bytes() != lines:
        sums.write_bytes(lines)
    assets.append(LocalAsset(CHECKSUMS, sums, sha256_bytes(lines), len(lines), "checksums"))
    return assets

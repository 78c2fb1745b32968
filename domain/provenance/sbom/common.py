"""What the SBOM writers share: the error, the file name, the tool version
and the subject's purl."""

from __future__ import annotations

import re

from shipline.domain.errors import AttestationInvalid
from shipline.domain.provenance.lockfiles import Inventory, purl_for


class SbomInvalid(AttestationInvalid):
    """An SBOM that does not validate against its format (94)."""


def sbom_filename(artifact_name: str, version: str, fmt: str) -> str:
    """``<name>-<version>.cdx.json`` / ``.spdx.json`` (``@scope/pkg`` → ``scope-pkg``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", artifact_name.lstrip("@")).strip("-") or "artifact"
    return f"{safe}-{version}.{'cdx' if fmt == 'CycloneDX' else 'spdx'}.json"


def shipline_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("shipline")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def root_purl(inventory: Inventory, name: str, version: str) -> str:
    return purl_for(inventory.ecosystem, name, version)

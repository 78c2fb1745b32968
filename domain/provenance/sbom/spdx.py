"""SPDX 2.3 JSON with spdx-tools, and its validation (spdx-tools' model
checks; no JSON schema ships with it)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

from shipline.domain.provenance.lockfiles import Inventory, Package
from shipline.domain.provenance.sbom.common import (
    SbomInvalid,
    root_purl,
    sbom_filename,
    shipline_version,
)

_SPDX_ALGS = {
    "SHA-1": "SHA1",
    "SHA-256": "SHA256",
    "SHA-384": "SHA384",
    "SHA-512": "SHA512",
    "MD5": "MD5",
}


def _spdx_id(purl: str, used: set[str]) -> str:
    base = "SPDXRef-" + re.sub(r"[^A-Za-z0-9.-]+", "-", purl.removeprefix("pkg:")).strip("-")
    spdx_id, n = base, 1
    while spdx_id in used:
        n += 1
        spdx_id = f"{base}-{n}"
    used.add(spdx_id)
    return spdx_id


def build(
    inventory: Inventory,
    name: str,
    version: str,
    serial: uuid.UUID,
    created: datetime,
    *,
    validate: bool,
) -> bytes:
    import io

    from spdx_tools.spdx.model import (
        Actor,
        ActorType,
        Checksum,
        ChecksumAlgorithm,
        CreationInfo,
        Document,
        ExternalPackageRef,
        ExternalPackageRefCategory,
        Relationship,
        RelationshipType,
        SpdxNoAssertion,
    )
    from spdx_tools.spdx.model import Package as SpdxPackage
    from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

    used: set[str] = set()

    def package(pkg: Package) -> SpdxPackage:
        return SpdxPackage(
            spdx_id=_spdx_id(pkg.purl, used),
            name=pkg.name,
            version=pkg.version,
            download_location=SpdxNoAssertion(),
            files_analyzed=False,
            checksums=[Checksum(ChecksumAlgorithm[_SPDX_ALGS[a]], v) for a, v in pkg.hashes],
            external_references=[
                ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", pkg.purl)
            ],
        )

    subject = root_purl(inventory, name, version)
    root = package(Package(name, version, subject))
    packages = {p.purl: package(p) for p in inventory.packages}
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, root.spdx_id)]
    relationships += [
        Relationship(root.spdx_id, RelationshipType.DEPENDS_ON, packages[p].spdx_id)
        for p in inventory.direct
    ]
    relationships += [
        Relationship(packages[p.purl].spdx_id, RelationshipType.DEPENDS_ON, packages[r].spdx_id)
        for p in inventory.packages
        for r in p.requires
    ]
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=f"{name}-{version}",
        document_namespace=f"https://shipline.dev/spdx/{sbom_filename(name, version, 'SPDX')}"
        f"/{serial}",
        creators=[Actor(ActorType.TOOL, f"shipline-{shipline_version()}")],
        created=created,
        document_comment="dependencies from: " + ", ".join(inventory.sources),
    )
    document = Document(
        creation_info=info, packages=[root, *packages.values()], relationships=relationships
    )
    if validate:
        _raise_spdx_messages(document)
    stream = io.StringIO()
    write_document_to_stream(document, stream, validate=False)
    return stream.getvalue().encode("utf-8") + b"\n"


def _raise_spdx_messages(document: Any) -> None:
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    messages = validate_full_spdx_document(document)
    if messages:
        first = messages[0]
        raise SbomInvalid(
            f"SPDX 2.3 SBOM: {first.validation_message}"
            + (f" ({len(messages) - 1} more)" if len(messages) > 1 else ""),
            hint="the SBOM does not meet the SPDX 2.3 specification",
        )


def validate_spdx(data: bytes) -> None:
    """Raise :class:`SbomInvalid` unless ``data`` is a valid SPDX 2.3 JSON document."""
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser

    try:
        parsed = json.loads(data.decode("utf-8"))
        document = JsonLikeDictParser().parse(parsed)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SbomInvalid(f"SPDX SBOM is not JSON: {exc}") from None
    except SPDXParsingError as exc:
        first = exc.get_messages()[0] if exc.get_messages() else str(exc)
        raise SbomInvalid(
            f"SPDX 2.3 SBOM: {str(first).splitlines()[0][:200]}",
            hint="the SBOM does not meet the SPDX 2.3 specification",
        ) from None
    _raise_spdx_messages(document)

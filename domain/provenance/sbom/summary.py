"""Reading an SBOM back: its summary for reviewers and the TUI, and
validation of either format."""

from __future__ import annotations

import json
from typing import Any

from shipline.domain.provenance.sbom.common import SbomInvalid
from shipline.domain.provenance.sbom.cyclonedx import validate_cyclonedx
from shipline.domain.provenance.sbom.spdx import validate_spdx


def validate(data: bytes) -> None:
    """Validate an SBOM of either format (the format is read from the document)."""
    info = summarize(data)
    if info["format"] == "CycloneDX":
        validate_cyclonedx(data, info["specVersion"])
    else:
        validate_spdx(data)


def summarize(doc_bytes: bytes) -> dict[str, Any]:
    """What a reviewer sees first: format, version, subject, component count,
    top-level dependencies, serial and timestamp (94 for a non-SBOM)."""
    try:
        doc = json.loads(doc_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SbomInvalid(f"SBOM is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise SbomInvalid("SBOM is not a JSON object")
    if doc.get("bomFormat") == "CycloneDX":
        meta = doc.get("metadata") or {}
        subject = meta.get("component") or {}
        root_ref = subject.get("bom-ref")
        names = {
            c.get("bom-ref"): f"{c.get('name')}@{c.get('version')}"
            for c in doc.get("components") or []
        }
        top = next(
            (
                d.get("dependsOn") or []
                for d in doc.get("dependencies") or []
                if d.get("ref") == root_ref
            ),
            [],
        )
        return {
            "format": "CycloneDX",
            "specVersion": doc.get("specVersion"),
            "subject": f"{subject.get('name')}@{subject.get('version')}",
            "components": len(doc.get("components") or []),
            "topLevel": sorted(names.get(r, r) for r in top),
            "serial": doc.get("serialNumber"),
            "timestamp": meta.get("timestamp"),
            "sources": [
                p.get("value")
                for p in meta.get("properties") or []
                if p.get("name") == "shipline:dependencySource"
            ],
        }
    if str(doc.get("spdxVersion", "")).startswith("SPDX-"):
        packages = {
            p.get("SPDXID"): f"{p.get('name')}@{p.get('versionInfo')}"
            for p in doc.get("packages") or []
        }
        rels = doc.get("relationships") or []
        described = [
            r.get("relatedSpdxElement") for r in rels if r.get("relationshipType") == "DESCRIBES"
        ]
        subject = described[0] if described else None
        top = [
            r.get("relatedSpdxElement")
            for r in rels
            if r.get("spdxElementId") == subject and r.get("relationshipType") == "DEPENDS_ON"
        ]
        return {
            "format": "SPDX",
            "specVersion": doc["spdxVersion"].removeprefix("SPDX-"),
            "subject": packages.get(subject),
            "components": max(len(packages) - 1, 0),
            "topLevel": sorted(packages.get(r, str(r)) for r in top),
            "serial": doc.get("documentNamespace"),
            "timestamp": (doc.get("creationInfo") or {}).get("created"),
            "sources": str(doc.get("comment") or "").removeprefix("dependencies from: ").split(", ")
            if doc.get("comment")
            else [],
        }
    raise SbomInvalid(
        "not a CycloneDX or SPDX JSON document",
        hint="expected bomFormat CycloneDX or spdxVersion SPDX-2.3",
    )

"""CycloneDX 1.5/1.6 JSON with cyclonedx-python-lib, and its strict schema
validation."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from shipline.domain.provenance.lockfiles import Inventory
from shipline.domain.provenance.sbom.common import SbomInvalid, root_purl, shipline_version


def build(
    inventory: Inventory, name: str, version: str, spec: str, serial: uuid.UUID, created: datetime
) -> bytes:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion
    from packageurl import PackageURL

    subject = root_purl(inventory, name, version)
    root = Component(
        name=name,
        version=version,
        type=ComponentType.APPLICATION,
        bom_ref=subject,
        purl=PackageURL.from_string(subject),
    )
    metadata = BomMetaData(
        timestamp=created,
        component=root,
        properties=[Property(name="shipline:dependencySource", value=s) for s in inventory.sources],
    )
    metadata.tools.components.add(
        Component(name="shipline", version=shipline_version(), type=ComponentType.APPLICATION)
    )
    bom = Bom(serial_number=serial, metadata=metadata)
    components: dict[str, Component] = {}
    for pkg in inventory.packages:
        components[pkg.purl] = Component(
            name=pkg.name,
            version=pkg.version,
            type=ComponentType.LIBRARY,
            bom_ref=pkg.purl,
            purl=PackageURL.from_string(pkg.purl),
            hashes=[HashType(alg=HashAlgorithm(alg), content=value) for alg, value in pkg.hashes],
        )
    bom.components.update(components.values())
    bom.register_dependency(root, [components[p] for p in inventory.direct])
    for pkg in inventory.packages:
        bom.register_dependency(components[pkg.purl], [components[r] for r in pkg.requires])
    schema = SchemaVersion.V1_6 if spec == "1.6" else SchemaVersion.V1_5
    text = make_outputter(bom, OutputFormat.JSON, schema).output_as_string(indent=2)
    return text.encode("utf-8") + b"\n"


def _lazy_rfc3987_syntax() -> None:
    """Stand in for ``rfc3987_syntax`` before jsonschema imports it.

    jsonschema checks the ``iri-reference`` format with
    ``rfc3987_syntax.is_valid_syntax``, and importing that package compiles
    39 Earley parsers of the RFC 3987 grammar (1.5-10 s, 85% of an SBOM run
    here), of which jsonschema uses one. The stand-in offers the same
    ``is_valid_syntax`` over the same grammar file, start symbols and parser
    type, compiled on the first IRI actually checked; every other name, and
    the package's submodules, still load the real code on demand.
    """
    import importlib
    import importlib.util
    import sys
    import types

    if "rfc3987_syntax" in sys.modules or "jsonschema._format" in sys.modules:
        return
    spec = importlib.util.find_spec("rfc3987_syntax")
    if spec is None or not spec.submodule_search_locations:
        return
    folder = Path(next(iter(spec.submodule_search_locations)))
    grammar = folder / "syntax_rfc3987.lark"
    if not grammar.is_file():
        return
    module = types.ModuleType("rfc3987_syntax", "a lazy stand-in")
    module.__path__ = [str(folder)]
    module.__spec__ = spec
    module.__file__ = spec.origin
    parsers: list[Any] = []

    def is_valid_syntax(term: str, value: str) -> bool:
        from lark import Lark, exceptions

        if not parsers:
            parsers.append(
                Lark(
                    grammar.read_text(encoding="utf-8"),
                    parser="earley",
                    start=["iri", "iri_reference", "absolute_iri"],
                )
            )
        try:
            parsers[0].parse(value, start=term)
        except exceptions.LarkError:
            return False
        return True

    def real(name: str) -> Any:
        return getattr(importlib.import_module("rfc3987_syntax.syntax_helpers"), name)

    module.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    module.__getattr__ = real  # type: ignore[method-assign]
    sys.modules["rfc3987_syntax"] = module


def validate_cyclonedx(data: bytes, spec_version: str = "1.6") -> None:
    """Raise :class:`SbomInvalid` unless ``data`` is a valid CycloneDX
    ``spec_version`` JSON document (strict schema)."""
    _lazy_rfc3987_syntax()
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    schema = SchemaVersion.V1_6 if spec_version == "1.6" else SchemaVersion.V1_5
    try:
        text = data.decode("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SbomInvalid(f"CycloneDX SBOM is not JSON: {exc}") from None
    error = JsonStrictValidator(schema).validate_str(text)
    if error is not None:
        detail = error.data
        where = "/".join(str(p) for p in getattr(detail, "absolute_path", [])) or "(document)"
        message = getattr(detail, "message", str(detail)).splitlines()[0][:200]
        raise SbomInvalid(
            f"CycloneDX {spec_version} SBOM: {where}: {message}",
            hint="the SBOM does not match the CycloneDX schema",
        )

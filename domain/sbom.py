"""The artifact's SBOM: CycloneDX 1.5/1.6 JSON (cyclonedx-python-lib) or
SPDX 2.3 JSON (spdx-tools), from its real dependencies
(:mod:`domain.lockfiles`), validated before it is returned, and
reproducible: the same inputs give byte-identical documents.

Reproducibility: the timestamp is ``source_date_epoch`` when given, else the
commit time of ``HEAD`` in ``root`` (what SPEC section 5 uses for
``SOURCE_DATE_EPOCH``), else 0; the serial number (SPDX: the document
namespace) is a uuid5 of the format, spec version, artifact name and
version, timestamp and the inventory's fingerprint. Nothing else varies:
components are sorted by purl and the tool is shipline at its version.

Validation: CycloneDX with :class:`cyclonedx.validation.json.JsonStrictValidator`
(the JSON schema, no unknown properties, formats checked), imported only
here. Importing it costs about two seconds, nearly all of it
``rfc3987_syntax`` compiling parsers at import time; :func:`_lazy_rfc3987_syntax`
defers that to the first IRI checked, with the same grammar
(``bench/sbom.py`` measures the whole run against ``cyclonedx-py
environment``); SPDX with
spdx-tools' ``validate_full_spdx_document`` (no JSON schema ships with it).
A document that fails is :class:`SbomInvalid` (94, "attestation format
invalid": the SBOM is one of the release's attested byproducts).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import AttestationInvalid, ConfigInvalid
from .lockfiles import (
    Inventory,
    LockfileInvalid,
    Package,
    purl_for,
    read_environment,
    read_lockfiles,
    site_packages,
)

CYCLONEDX_VERSIONS = ("1.5", "1.6")
SPDX_VERSION = "2.3"
_NAMESPACE = uuid.UUID("6f9b3c1e-2a57-5d7e-9c4b-5e1d0a8f3b21")
_SPDX_ALGS = {"SHA-1": "SHA1", "SHA-256": "SHA256", "SHA-384": "SHA384", "SHA-512": "SHA512",
              "MD5": "MD5"}


class SbomInvalid(AttestationInvalid):
    """An SBOM that does not validate against its format (94)."""


def normalize_format(fmt: str, spec_version: str | None) -> tuple[str, str]:
    """``("CycloneDX", "1.6")`` or ``("SPDX", "2.3")``; 90 for anything else.

    SPDX has one version here; a CycloneDX version given with SPDX (the
    config's ``specVersion`` defaults to ``1.6`` whatever the format) means
    2.3.
    """
    name = {"cyclonedx": "CycloneDX", "cdx": "CycloneDX", "spdx": "SPDX"}.get(fmt.lower())
    if name is None:
        raise ConfigInvalid(f"release.security.provenance.sbom.format: unknown {fmt!r}",
                            hint="use CycloneDX or SPDX")
    if name == "SPDX":
        if spec_version in (None, SPDX_VERSION, "SPDX-2.3", *CYCLONEDX_VERSIONS):
            return name, SPDX_VERSION
        raise ConfigInvalid(f"release.security.provenance.sbom.specVersion: SPDX {spec_version} "
                            "is not supported", hint="use 2.3")
    version = spec_version or "1.6"
    if version not in CYCLONEDX_VERSIONS:
        raise ConfigInvalid(f"release.security.provenance.sbom.specVersion: CycloneDX {version} "
                            "is not supported", hint="use 1.5 or 1.6")
    return name, version


def sbom_filename(artifact_name: str, version: str, fmt: str) -> str:
    """``<name>-<version>.cdx.json`` / ``.spdx.json`` (``@scope/pkg`` → ``scope-pkg``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", artifact_name.lstrip("@")).strip("-") or "artifact"
    return f"{safe}-{version}.{'cdx' if fmt == 'CycloneDX' else 'spdx'}.json"


def default_epoch(root: Path) -> int:
    """The commit time of ``HEAD`` in ``root``, or 0 outside a repository."""
    from . import runner

    try:
        done = runner.run(["git", "-C", str(root), "log", "-1", "--format=%ct"], timeout=30)
    except (runner.ToolNotFound, runner.ToolTimeout):
        return 0
    text = done.stdout.strip() if done.ok else ""
    return int(text) if text.isdigit() else 0


def inventory_for(root: Path, artifact_name: str, environment: Path | None = None) -> Inventory:
    """The dependencies, from the first of:

    1. an explicit ``environment`` (a venv, its python or a site-packages
       folder);
    2. the lock files in ``root``;
    3. for a Python project without a lock file, ``root/.venv``, else the
       running interpreter's environment (in CI, the one the build installed);
    4. nothing: a project with no manifest has no dependencies to list (an
       SBOM with no components, its source ``none``).

    An npm or Cargo manifest that declares dependencies without its lock
    file is 86: the versions that would ship are unknown.
    """
    if environment is not None:
        return read_environment([str(p) for p in site_packages(environment)], artifact_name)
    found = read_lockfiles(root, artifact_name)
    if found is not None:
        return found
    _unlocked_manifest(root)
    if any((root / n).is_file() for n in ("pyproject.toml", "setup.py", "setup.cfg")):
        if (root / ".venv").is_dir():
            return read_environment([str(p) for p in site_packages(root / ".venv")],
                                    artifact_name)
        return read_environment(None, artifact_name)
    return Inventory(("none",), "generic", (), ())


def _unlocked_manifest(root: Path) -> None:
    import tomllib

    from .jsonio import StrictJSONError, read_strict

    package_json = root / "package.json"
    if package_json.is_file():
        try:
            manifest = read_strict(package_json)
        except (OSError, StrictJSONError) as exc:
            raise LockfileInvalid(f"package.json: {exc}", hint="fix package.json") from None
        if isinstance(manifest, dict) and manifest.get("dependencies"):
            raise LockfileInvalid("package.json declares dependencies but there is no "
                                  "package-lock.json", hint="run `npm install` and commit "
                                  "package-lock.json")
    cargo_toml = root / "Cargo.toml"
    if cargo_toml.is_file():
        try:
            manifest = tomllib.loads(cargo_toml.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise LockfileInvalid(f"Cargo.toml: {exc}", hint="fix Cargo.toml") from None
        if manifest.get("dependencies"):
            raise LockfileInvalid("Cargo.toml declares dependencies but there is no Cargo.lock",
                                  hint="run `cargo generate-lockfile` and commit Cargo.lock")


def generate(root: Path, artifact_name: str, version: str, fmt: str = "CycloneDX",
             spec_version: str = "1.6", *, source_date_epoch: int | None = None,
             environment: Path | None = None, validate: bool = True) -> tuple[bytes, str]:
    """The SBOM document and its file name, validated (94 when it is not)."""
    fmt, spec = normalize_format(fmt, spec_version)
    inventory = inventory_for(root, artifact_name, environment)
    epoch = source_date_epoch if source_date_epoch is not None else default_epoch(root)
    serial = uuid.uuid5(_NAMESPACE, "|".join(
        (fmt, spec, artifact_name, version, str(epoch), inventory.fingerprint())))
    created = datetime.fromtimestamp(epoch, UTC)
    if fmt == "CycloneDX":
        data = _cyclonedx(inventory, artifact_name, version, spec, serial, created)
        if validate:
            validate_cyclonedx(data, spec)
    else:
        data = _spdx(inventory, artifact_name, version, serial, created, validate=validate)
    return data, sbom_filename(artifact_name, version, fmt)


def store(state_dir: Path, data: bytes, filename: str) -> Path:
    """Write the SBOM to ``<state>/sbom/<filename>`` atomically (whole or
    absent); returns the path."""
    from .jsonio import write_atomic

    if "/" in filename or "\\" in filename or filename.startswith("."):
        raise SbomInvalid(f"SBOM file name {filename!r} is not a plain file name")
    path = state_dir / "sbom" / filename
    write_atomic(path, data)
    return path


def _shipline_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("shipline")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _root_purl(inventory: Inventory, name: str, version: str) -> str:
    return purl_for(inventory.ecosystem, name, version)


def _cyclonedx(inventory: Inventory, name: str, version: str, spec: str, serial: uuid.UUID,
               created: datetime) -> bytes:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion
    from packageurl import PackageURL

    root_purl = _root_purl(inventory, name, version)
    root = Component(name=name, version=version, type=ComponentType.APPLICATION,
                     bom_ref=root_purl, purl=PackageURL.from_string(root_purl))
    metadata = BomMetaData(timestamp=created, component=root, properties=[
        Property(name="shipline:dependencySource", value=s) for s in inventory.sources])
    metadata.tools.components.add(Component(name="shipline", version=_shipline_version(),
                                            type=ComponentType.APPLICATION))
    bom = Bom(serial_number=serial, metadata=metadata)
    components: dict[str, Component] = {}
    for pkg in inventory.packages:
        components[pkg.purl] = Component(
            name=pkg.name, version=pkg.version, type=ComponentType.LIBRARY, bom_ref=pkg.purl,
            purl=PackageURL.from_string(pkg.purl),
            hashes=[HashType(alg=HashAlgorithm(alg), content=value) for alg, value in pkg.hashes])
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
    module = types.ModuleType("rfc3987_syntax", "shipline's lazy stand-in (domain.sbom)")
    module.__path__ = [str(folder)]
    module.__spec__ = spec
    module.__file__ = spec.origin
    parsers: list[Any] = []

    def is_valid_syntax(term: str, value: str) -> bool:
        from lark import Lark, exceptions

        if not parsers:
            parsers.append(Lark(grammar.read_text(encoding="utf-8"), parser="earley",
                                start=["iri", "iri_reference", "absolute_iri"]))
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
        raise SbomInvalid(f"CycloneDX {spec_version} SBOM: {where}: {message}",
                          hint="the SBOM does not match the CycloneDX schema")


def _spdx_id(purl: str, used: set[str]) -> str:
    base = "SPDXRef-" + re.sub(r"[^A-Za-z0-9.-]+", "-", purl.removeprefix("pkg:")).strip("-")
    spdx_id, n = base, 1
    while spdx_id in used:
        n += 1
        spdx_id = f"{base}-{n}"
    used.add(spdx_id)
    return spdx_id


def _spdx(inventory: Inventory, name: str, version: str, serial: uuid.UUID, created: datetime,
          *, validate: bool) -> bytes:
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
            spdx_id=_spdx_id(pkg.purl, used), name=pkg.name, version=pkg.version,
            download_location=SpdxNoAssertion(), files_analyzed=False,
            checksums=[Checksum(ChecksumAlgorithm[_SPDX_ALGS[a]], v) for a, v in pkg.hashes],
            external_references=[ExternalPackageRef(
                ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", pkg.purl)])

    root_purl = _root_purl(inventory, name, version)
    root = package(Package(name, version, root_purl))
    packages = {p.purl: package(p) for p in inventory.packages}
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, root.spdx_id)]
    relationships += [Relationship(root.spdx_id, RelationshipType.DEPENDS_ON,
                                   packages[p].spdx_id) for p in inventory.direct]
    relationships += [Relationship(packages[p.purl].spdx_id, RelationshipType.DEPENDS_ON,
                                   packages[r].spdx_id)
                      for p in inventory.packages for r in p.requires]
    info = CreationInfo(
        spdx_version="SPDX-2.3", spdx_id="SPDXRef-DOCUMENT", name=f"{name}-{version}",
        document_namespace=f"https://shipline.dev/spdx/{sbom_filename(name, version, 'SPDX')}"
                           f"/{serial}",
        creators=[Actor(ActorType.TOOL, f"shipline-{_shipline_version()}")], created=created,
        document_comment="dependencies from: " + ", ".join(inventory.sources))
    document = Document(creation_info=info, packages=[root, *packages.values()],
                        relationships=relationships)
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
        raise SbomInvalid(f"SPDX 2.3 SBOM: {first.validation_message}"
                          + (f" ({len(messages) - 1} more)" if len(messages) > 1 else ""),
                          hint="the SBOM does not meet the SPDX 2.3 specification")


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
        raise SbomInvalid(f"SPDX 2.3 SBOM: {str(first).splitlines()[0][:200]}",
                          hint="the SBOM does not meet the SPDX 2.3 specification") from None
    _raise_spdx_messages(document)


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
        names = {c.get("bom-ref"): f"{c.get('name')}@{c.get('version')}"
                 for c in doc.get("components") or []}
        top = next((d.get("dependsOn") or [] for d in doc.get("dependencies") or []
                    if d.get("ref") == root_ref), [])
        return {"format": "CycloneDX", "specVersion": doc.get("specVersion"),
                "subject": f"{subject.get('name')}@{subject.get('version')}",
                "components": len(doc.get("components") or []),
                "topLevel": sorted(names.get(r, r) for r in top),
                "serial": doc.get("serialNumber"), "timestamp": meta.get("timestamp"),
                "sources": [p.get("value") for p in meta.get("properties") or []
                            if p.get("name") == "shipline:dependencySource"]}
    if str(doc.get("spdxVersion", "")).startswith("SPDX-"):
        packages = {p.get("SPDXID"): f"{p.get('name')}@{p.get('versionInfo')}"
                    for p in doc.get("packages") or []}
        rels = doc.get("relationships") or []
        described = [r.get("relatedSpdxElement") for r in rels
                     if r.get("relationshipType") == "DESCRIBES"]
        subject = described[0] if described else None
        top = [r.get("relatedSpdxElement") for r in rels if r.get("spdxElementId") == subject
               and r.get("relationshipType") == "DEPENDS_ON"]
        return {"format": "SPDX", "specVersion": doc["spdxVersion"].removeprefix("SPDX-"),
                "subject": packages.get(subject), "components": max(len(packages) - 1, 0),
                "topLevel": sorted(packages.get(r, str(r)) for r in top),
                "serial": doc.get("documentNamespace"),
                "timestamp": (doc.get("creationInfo") or {}).get("created"),
                "sources": str(doc.get("comment") or "").removeprefix(
                    "dependencies from: ").split(", ") if doc.get("comment") else []}
    raise SbomInvalid("not a CycloneDX or SPDX JSON document",
                      hint="expected bomFormat CycloneDX or spdxVersion SPDX-2.3")

"""The artifact's SBOM: CycloneDX 1.5/1.6 JSON (cyclonedx-python-lib) or
SPDX 2.3 JSON (spdx-tools), from its real dependencies
(:mod:`shipline.domain.provenance.lockfiles`), validated before it is returned, and
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
``rfc3987_syntax`` compiling parsers at import time;
:func:`shipline.domain.provenance.sbom.cyclonedx._lazy_rfc3987_syntax`
defers that to the first IRI checked, with the same grammar
(``bench/sbom.py`` measures the whole run against ``cyclonedx-py
environment``); SPDX with
spdx-tools' ``validate_full_spdx_document`` (no JSON schema ships with it).
A document that fails is :class:`SbomInvalid` (94, "attestation format
invalid": the SBOM is one of the release's attested byproducts).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from shipline.domain.errors import ConfigInvalid
from shipline.domain.provenance.lockfiles import (
    Inventory,
    LockfileInvalid,
    read_environment,
    read_lockfiles,
    site_packages,
)
from shipline.domain.provenance.sbom import cyclonedx, spdx
from shipline.domain.provenance.sbom.common import SbomInvalid, sbom_filename
from shipline.domain.provenance.sbom.cyclonedx import validate_cyclonedx
from shipline.domain.provenance.sbom.spdx import validate_spdx
from shipline.domain.provenance.sbom.summary import summarize, validate

__all__ = [
    "CYCLONEDX_VERSIONS",
    "SPDX_VERSION",
    "SbomInvalid",
    "default_epoch",
    "generate",
    "inventory_for",
    "normalize_format",
    "sbom_filename",
    "store",
    "summarize",
    "validate",
    "validate_cyclonedx",
    "validate_spdx",
]

CYCLONEDX_VERSIONS = ("1.5", "1.6")
SPDX_VERSION = "2.3"
_NAMESPACE = uuid.UUID("6f9b3c1e-2a57-5d7e-9c4b-5e1d0a8f3b21")


def normalize_format(fmt: str, spec_version: str | None) -> tuple[str, str]:
    """``("CycloneDX", "1.6")`` or ``("SPDX", "2.3")``; 90 for anything else.

    SPDX has one version here; a CycloneDX version given with SPDX (the
    config's ``specVersion`` defaults to ``1.6`` whatever the format) means
    2.3.
    """
    name = {"cyclonedx": "CycloneDX", "cdx": "CycloneDX", "spdx": "SPDX"}.get(fmt.lower())
    if name is None:
        raise ConfigInvalid(
            f"release.security.provenance.sbom.format: unknown {fmt!r}",
            hint="use CycloneDX or SPDX",
        )
    if name == "SPDX":
        if spec_version in (None, SPDX_VERSION, "SPDX-2.3", *CYCLONEDX_VERSIONS):
            return name, SPDX_VERSION
        raise ConfigInvalid(
            f"release.security.provenance.sbom.specVersion: SPDX {spec_version} is not supported",
            hint="use 2.3",
        )
    version = spec_version or "1.6"
    if version not in CYCLONEDX_VERSIONS:
        raise ConfigInvalid(
            f"release.security.provenance.sbom.specVersion: CycloneDX {version} is not supported",
            hint="use 1.5 or 1.6",
        )
    return name, version


def default_epoch(root: Path) -> int:
    """The commit time of ``HEAD`` in ``root``, or 0 outside a repository."""
    from shipline.domain import runner

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
            return read_environment([str(p) for p in site_packages(root / ".venv")], artifact_name)
        return read_environment(None, artifact_name)
    return Inventory(("none",), "generic", (), ())


def _unlocked_manifest(root: Path) -> None:
    import tomllib

    from shipline.domain.jsonio import StrictJSONError, read_strict

    package_json = root / "package.json"
    if package_json.is_file():
        try:
            manifest = read_strict(package_json)
        except (OSError, StrictJSONError) as exc:
            raise LockfileInvalid(f"package.json: {exc}", hint="fix package.json") from None
        if isinstance(manifest, dict) and manifest.get("dependencies"):
            raise LockfileInvalid(
                "package.json declares dependencies but there is no package-lock.json",
                hint="run `npm install` and commit package-lock.json",
            )
    cargo_toml = root / "Cargo.toml"
    if cargo_toml.is_file():
        try:
            manifest = tomllib.loads(cargo_toml.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise LockfileInvalid(f"Cargo.toml: {exc}", hint="fix Cargo.toml") from None
        if manifest.get("dependencies"):
            raise LockfileInvalid(
                "Cargo.toml declares dependencies but there is no Cargo.lock",
                hint="run `cargo generate-lockfile` and commit Cargo.lock",
            )


def generate(
    root: Path,
    artifact_name: str,
    version: str,
    fmt: str = "CycloneDX",
    spec_version: str = "1.6",
    *,
    source_date_epoch: int | None = None,
    environment: Path | None = None,
    validate: bool = True,
) -> tuple[bytes, str]:
    """The SBOM document and its file name, validated (94 when it is not)."""
    fmt, spec = normalize_format(fmt, spec_version)
    inventory = inventory_for(root, artifact_name, environment)
    epoch = source_date_epoch if source_date_epoch is not None else default_epoch(root)
    serial = uuid.uuid5(
        _NAMESPACE,
        "|".join((fmt, spec, artifact_name, version, str(epoch), inventory.fingerprint())),
    )
    created = datetime.fromtimestamp(epoch, UTC)
    if fmt == "CycloneDX":
        data = cyclonedx.build(inventory, artifact_name, version, spec, serial, created)
        if validate:
            validate_cyclonedx(data, spec)
    else:
        data = spdx.build(inventory, artifact_name, version, serial, created, validate=validate)
    return data, sbom_filename(artifact_name, version, fmt)


def store(state_dir: Path, data: bytes, filename: str) -> Path:
    """Write the SBOM to ``<state>/sbom/<filename>`` atomically (whole or
    absent); returns the path."""
    from shipline.domain.jsonio import write_atomic

    if "/" in filename or "\\" in filename or filename.startswith("."):
        raise SbomInvalid(f"SBOM file name {filename!r} is not a plain file name")
    path = state_dir / "sbom" / filename
    write_atomic(path, data)
    return path

"""The ledger record of an attested release and what goes into it: the
SBOM (written under the state dir), the achieved SLSA level with its
shortfall, and the files a run wrote (removed again if it fails)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shipline.domain.config import ProvenanceConfig
from shipline.domain.digests import FileDigest, sha256_bytes
from shipline.domain.events import LogLine
from shipline.domain.provenance import ledger
from shipline.domain.provenance.attest_request import ArtifactInput, Builder, artifact_type

STEP = "provenance"
_SBOM_MEDIA = {"CycloneDX": "application/vnd.cyclonedx+json", "SPDX": "application/spdx+json"}


def _optional(name: str) -> Any:
    """A sibling module that another part of shipline provides, or ``None``
    while it is not installed (its absence is reported, never hidden)."""
    import importlib
    import importlib.util

    if importlib.util.find_spec(f"{__package__}.{name}") is None:
        return None
    return importlib.import_module(f".{name}", __package__)


class Writes:
    """Files written by this run, removed again if the run fails."""

    def __init__(self) -> None:
        self.created: list[Path] = []

    def write(self, path: Path, data: bytes) -> None:
        from shipline.domain.jsonio import write_atomic

        if not path.exists():
            self.created.append(path)
        write_atomic(path, data)

    def undo(self) -> None:
        for path in reversed(self.created):
            path.unlink(missing_ok=True)


def record_level(
    prov: ProvenanceConfig, env: Mapping[str, str], method: str, record: dict[str, Any]
) -> Any:
    """The level the finished record achieves (slsa.md's decision tree, in
    :mod:`shipline.domain.provenance.levels`), written into it with the flagged shortfall."""
    from shipline.domain.provenance.levels import assess

    signed = bool(record["artifacts"][0]["signature"]["signed"])
    decision = assess(prov, env, signed=signed, method=method, fields=record)
    record["slsaLevel"] = decision.achieved
    meta = record["metadata"]
    meta["declaredLevel"] = decision.declared
    meta["shortfall"] = "; ".join(decision.shortfall) or None
    meta["missing"] += [f for f in decision.missing_fields if f not in meta["missing"]]
    return decision


def write_sbom(
    repo: Path,
    state: Path,
    name: str,
    version: str,
    requested: str | None,
    prov: ProvenanceConfig,
    writes: Writes,
    relative: Callable[[Path], str],
    emit: Callable[[Any], None],
) -> tuple[dict[str, Any] | None, tuple[str, str, str] | None]:
    fmt = requested or prov.sbom.format
    if fmt.lower() == "none":
        return None, None
    fmt = {"cyclonedx": "CycloneDX", "spdx": "SPDX"}.get(fmt.lower(), fmt)
    spec = (
        prov.sbom.spec_version if fmt == prov.sbom.format else ("2.3" if fmt == "SPDX" else "1.6")
    )
    sbom = _optional("sbom")
    if sbom is None:
        emit(
            LogLine(
                step=STEP,
                text="SBOM generation is not available in this build: recorded as missing",
            )
        )
        return None, None
    data, filename = sbom.generate(repo, name, version, fmt, spec)
    path = state / "sbom" / filename
    writes.write(path, data)
    digest = sha256_bytes(data)
    return (
        {"format": fmt, "specVersion": spec, "path": relative(path), "sha256": digest},
        (filename, digest, _SBOM_MEDIA[fmt]),
    )


def build_record(
    version: str,
    commit: str,
    tag: str | None,
    builder: Builder,
    digests: list[tuple[ArtifactInput, FileDigest]],
    attestation_rel: str,
    block: dict[str, Any],
    sbom_entry: dict[str, Any] | None,
    head: ledger.LedgerHead,
    relative: Callable[[Path], str],
    *,
    package: str | None = None,
) -> dict[str, Any]:
    """The release record (``metadata.links.package`` names the workspace
    package of a release train's record)."""
    artifacts = [
        {
            "type": item.type or artifact_type(item.path),
            "name": item.name or item.path.name,
            "path": relative(item.path),
            "sha256": found.sha256,
            "size": found.size,
            "registry": None,
            "publishedAt": None,
            "attestation": attestation_rel,
            "signature": block,
        }
        for item, found in digests
    ]
    missing = ["registry"]  # attested, not published: publish records follow
    if tag is None:
        missing.append("tag")
    if sbom_entry is None:
        missing.append("sbom")
    if not block["signed"]:
        missing.append("signature")
    return release_record(
        version=version,
        commit=commit,
        tag=tag,
        artifacts=artifacts,
        head=head,
        missing=missing,
        links={
            "commit": commit,
            **({"tag": tag} if tag else {}),
            "build": builder.invocation_id,
            "attestation": attestation_rel,
            **({"package": package} if package is not None else {}),
        },
        invocation_id=builder.invocation_id,
        builder_id=builder.id,
        sbom=sbom_entry,
    )


def release_record(
    *,
    version: str,
    commit: str | None,
    tag: str | None,
    artifacts: list[dict[str, Any]],
    head: ledger.LedgerHead,
    missing: list[str],
    links: dict[str, Any],
    invocation_id: str | None = None,
    builder_id: str | None = None,
    sbom: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``release`` record as the ledger's schema has it, before it is
    sealed: its level is set afterwards from the finished record, and
    ``missing`` names what it lacks (complete when empty)."""
    return {
        "recordType": "release",
        "version": version,
        "commitSha": commit,
        "gitTag": tag,
        "buildInvocationId": invocation_id,
        "builder": {"id": builder_id} if builder_id else None,
        "artifacts": artifacts,
        "sbom": sbom,
        "slsaLevel": None,
        "chainVerified": True,
        "ledgerHead": head.to_json(),
        "metadata": {
            "completeness": "incomplete" if missing else "complete",
            "declaredLevel": None,
            "shortfall": None,
            "missing": missing,
            "links": links,
        },
        "recordedAt": ledger.now_rfc3339(),
    }

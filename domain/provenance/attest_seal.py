"""A prepared release's provenance and its sealing into the ledger.

The release pipeline attests before it publishes and records after: the
attestation, signature and SBOM are written first (:class:`Prepared`, kept
in the journal), the ledger record is appended once the registries answered
(:func:`seal`), with each artifact's registry reference and publish time.
One record per release (per package in a release train)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import DigestMismatch
from shipline.domain.provenance import ledger


@dataclass
class Prepared:
    """Everything of a release's provenance except its ledger record:
    the attestation, signature and SBOM are written; the record is not yet
    sealed. The release pipeline keeps this in its journal, publishes, then
    seals the record with the registry references (one record per version,
    written once the chain is complete)."""

    record: dict[str, Any]
    head: ledger.LedgerHead
    written: list[str]
    level: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "head": self.head.to_json(),
            "written": self.written,
            "level": self.level,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Prepared:
        return cls(
            dict(data["record"]),
            ledger.LedgerHead.from_json(data["head"]),
            list(data["written"]),
            data.get("level"),
        )

    def undo(self) -> None:
        """Remove the files this preparation wrote (abort before sealing)."""
        for name in reversed(self.written):
            Path(name).unlink(missing_ok=True)


def seal(
    loaded: LoadedConfig,
    prepared: Prepared,
    published: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Append the prepared record to the ledger, with each artifact's
    registry reference and publish time from ``published`` (by artifact
    name), under the ledger lock; 93 when the ledger no longer has the
    prefix the statement anchored."""
    record = copy.deepcopy(prepared.record)
    if published:
        for artifact in record["artifacts"]:
            found = published.get(artifact["name"])
            if found:
                artifact["registry"] = found["reference"]
                artifact["publishedAt"] = found["publishedAt"]
        meta = record["metadata"]
        if all(a["registry"] for a in record["artifacts"]):
            meta["missing"] = [m for m in meta["missing"] if m != "registry"]
        meta["completeness"] = "incomplete" if meta["missing"] else "complete"
    record["recordedAt"] = ledger.now_rfc3339()
    head = prepared.head

    def anchor_still_holds(current: ledger.Ledger) -> None:
        problem = ledger.prefix_problem(current.records, head)
        if problem:
            raise DigestMismatch(
                f"{current.path}: {problem}", hint="restore the ledger before attesting"
            )

    return ledger.append(loaded.state_dir, record, check=anchor_still_holds)

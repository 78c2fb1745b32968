"""Step 10 for a release with artifacts: its ledger record.

The record prepared by the provenance step is sealed with each artifact's
registry reference once everything is published (one record per release,
per package in a release train, ``metadata.links.package`` naming it).
When a rollback could not undo everything, the record was sealed early as
incomplete; publishes that went live since are appended as ``publish``
records that reference it. With provenance disabled the published files
are still recorded, the missing attestation said."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shipline.domain.provenance import ledger

if TYPE_CHECKING:
    from shipline.domain.config import LoadedConfig
    from shipline.domain.gitops import Git
    from shipline.domain.pipeline.journal import Journal
    from shipline.domain.pipeline.release_unit import ReleaseUnit


class ArtifactRecord:
    """The record step of :class:`~shipline.domain.pipeline.artifact_steps.ReleaseArtifacts`."""

    git: Git
    loaded: LoadedConfig
    j: Journal
    unit: ReleaseUnit
    save: Callable[[], None]

    @property
    def data(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def enabled(self) -> bool:
        raise NotImplementedError

    def handlers(self) -> list[Any]:
        raise NotImplementedError

    def built_files(self, name: str) -> list[Any]:
        raise NotImplementedError

    def step_record(self) -> str | None:
        """Seal the prepared record with the publishes; when it was sealed
        earlier (incomplete, after a rollback that could not undo
        everything), append one publish record per artifact that went live
        since. None when this release has no artifacts (source-only)."""
        if "prepared" not in self.data:
            return self._record_unattested()
        label = self.unit.label()
        if "sealed" not in self.data:
            sealed = self.seal_record()
            return (
                f"{label} recorded (record hash {sealed['hash'][:12]}, "
                f"{sealed['slsaLevel']}, {sealed['metadata']['completeness']})"
            )
        sealed_hash = self.data["sealed"]["hash"]
        already = set(self.data["sealed"]["published"])
        appended = 0
        for h in self.handlers():
            result = self.data.get("published", {}).get(h.name)
            if result is None or h.name in already:
                continue
            for f in self.built_files(h.name):
                digest = (result.get("digests") or {}).get(f.path.name) or ""
                ledger.append(
                    self.loaded.state_dir,
                    {
                        "recordType": "publish",
                        "version": self.unit.version,
                        "releaseHash": sealed_hash,
                        "artifact": f.path.name,
                        "sha256": f.sha256,
                        "registry": h.cfg.registry or h.type_name,
                        "reference": result.get("reference"),
                        "registryDigest": digest.removeprefix("sha256:") or None,
                        "publishedAt": result["publishedAt"],
                        "recordedAt": ledger.now_rfc3339(),
                    },
                )
                appended += 1
        return (
            f"{label}: {appended} publish record(s) appended to the incomplete "
            f"release record {sealed_hash[:12]}"
        )

    def _record_unattested(self) -> str | None:
        """Provenance disabled: the published artifacts still go into the
        ledger (never a source-only record for a release with artifacts)."""
        published = self.data.get("published") or {}
        if not self.enabled or not published:
            return None
        from shipline.domain.pipeline.release_record import (
            artifact_entry,
            record_unattested_release,
        )

        entries = [
            artifact_entry(
                h.type_name, f.path, f.sha256, f.size, self.git.root, published.get(h.name)
            )
            for h in self.handlers()
            for f in self.built_files(h.name)
        ]
        return record_unattested_release(self.git, self.loaded, self.j, entries, self.unit)

    def seal_record(self) -> dict[str, Any]:
        from shipline.domain.provenance import attest as provenance

        prepared = provenance.Prepared.from_json(self.data["prepared"])
        published: dict[str, Any] = {}
        for name, result in self.data.get("published", {}).items():
            for f in self.built_files(name):
                published[f.path.name] = result
        sealed = provenance.seal(self.loaded, prepared, published)
        self.data["sealed"] = {
            "hash": sealed["hash"],
            "published": sorted(self.data.get("published", {})),
        }
        self.save()
        return sealed

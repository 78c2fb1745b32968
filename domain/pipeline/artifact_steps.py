"""Steps 6-8 and 10 of the release pipeline for releases with artifacts:
pre-validate, dry-run and build every artifact; provenance; publish (the
point of no return) with verify-after-publish and rollback; the ledger
record. The pipeline calls these between its tag and push steps.

Order and guarantees (SPEC section 4, seed ct-artifact-publisher):

* every artifact is pre-validated (86) before any is dry-run, and dry-run
  (ARTP-002, never skipped) before any is built (87);
* builds use ``SOURCE_DATE_EPOCH`` = the release commit's time;
* provenance binds the digests taken right after the build (93 on change);
* one confirmation (or ``--yes``) names every irreversible publish;
* publish in config order; each result goes into the journal at once, so a
  resumed run never publishes twice (handlers adopt an identical upload);
* each published file is downloaded back and compared (93 stops the
  release before the tag push);
* when artifact *i* fails, artifacts 0..i-1 are rolled back: 88, or 89
  naming what stayed published.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import Interrupted, ShiplineError
from shipline.domain.events import ChainLink, Confirmation, LogLine, StepProgress
from shipline.domain.gitops import Git
from shipline.domain.pipeline.effects import Effect, EffectLog, Liveness, Observation
from shipline.domain.pipeline.journal import Journal

Events = Generator[Any, None, Any]
"""A step's events; its return value is the step's (status, detail)."""
StepResult = tuple[str, str]


class ReleaseArtifacts:
    def __init__(
        self,
        git: Git,
        loaded: LoadedConfig,
        journal: Journal,
        state_dir: Path,
        save: Callable[[], None],
        confirm: Callable[[Confirmation], bool] | None,
        env: Mapping[str, str] | None = None,
    ):
        self.git = git
        self.loaded = loaded
        self.j = journal
        self.state_dir = state_dir
        self.save = save
        self.confirm = confirm
        self.env = dict(env if env is not None else os.environ)
        self._buffer: list[Any] = []
        self._handlers: list[Any] | None = None

    # --- shared --------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return (
            bool(self.loaded.release.enabled_artifacts)
            and not self.j.options.get("no_artifacts")
            and not self.j.options.get("handoff")
        )

    @property
    def work_dir(self) -> Path:
        return self.state_dir / "work" / self.j.release_id

    def _drain(self) -> Events:
        while self._buffer:
            yield self._buffer.pop(0)

    def handlers(self) -> list[Any]:
        if self._handlers is None:
            from shipline.domain.artifacts import ArtifactContext, load_handler

            commit = self.j.release_commit or self.git.out("rev-parse", "HEAD")
            epoch = int(self.git.out("log", "-1", "--format=%ct", commit))
            ctx = ArtifactContext(
                repo_root=self.git.root,
                version=self.j.version,
                release_commit=commit,
                source_date_epoch=epoch,
                out_dir=self.work_dir,
                tag=self.j.tag,
                env=self.env,
                emit=self._buffer.append,
            )
            self._handlers = [
                load_handler(cfg, ctx) for cfg in self.loaded.release.enabled_artifacts
            ]
        return self._handlers

    def _built(self, name: str) -> list[Any]:
        from shipline.domain.artifacts import BuiltFile

        return [BuiltFile.from_dict(d) for d in self.j.data.get("built", {}).get(name, [])]

    # --- step 6: artifacts ------------------------------------------------------

    def step_artifacts(self) -> Events:
        if not self.enabled:
            return "skipped", (
                "--no-artifacts"
                if self.j.options.get("no_artifacts")
                else "handed off to CI"
                if self.j.options.get("handoff")
                else "source-only release"
            )
        handlers = self.handlers()
        for h in handlers:  # ARTP-001: all pre-validated before anything is built
            h.validate()
            yield from self._drain()
            yield LogLine(step="artifacts", text=f"pre-validated {h.label}")
        for h in handlers:  # ARTP-002: every dry run, never skipped
            report = h.dry_run()
            yield from self._drain()
            for argv in report.commands:
                yield LogLine(
                    step="artifacts",
                    source=h.type_name,
                    text=f"dry run: would run {' '.join(argv)}",
                )
            for line in report.details:
                yield LogLine(step="artifacts", source=h.type_name, text=f"dry run: {line}")
        built = self.j.data.setdefault("built", {})
        count = 0
        for h in handlers:
            files = self._built(h.name)
            if not (files and all(_same_file(f) for f in files)):
                yield ChainLink(
                    link="build", status="running", name=h.name, detail={"type": h.type_name}
                )
                if h.ctx.out_dir.exists():
                    shutil.rmtree(h.ctx.out_dir)
                yield StepProgress(
                    step="artifacts",
                    detail=f"{h.name}: building",
                    done=0,
                    artifact=h.name,
                    action="building",
                    total=None,
                )
                files = h.build()
                yield from self._drain()
                built[h.name] = [f.to_dict() for f in files]
                self.save()
                size = sum(f.size for f in files)
                yield StepProgress(
                    step="artifacts",
                    detail=f"{h.name}: built",
                    done=size,
                    artifact=h.name,
                    action="built",
                    total=size,
                )
            yield ChainLink(
                link="build",
                status="ok",
                name=h.name,
                detail={
                    "type": h.type_name,
                    "invocation": self.j.release_id,
                    "sourceDateEpoch": h.ctx.source_date_epoch,
                },
            )
            for f in files:
                count += 1
                yield ChainLink(
                    link="artifact",
                    status="ok",
                    name=f.path.name,
                    detail={"sha256": f.sha256, "size": f.size, "kind": f.kind},
                )
        return "ok", f"{count} file(s) built for {len(handlers)} artifact(s)"

    # --- step 7: provenance -----------------------------------------------------

    def step_provenance(self) -> Events:
        if not self.enabled:
            return "skipped", "source-only release"
        prov = self.loaded.release.security.provenance
        if not prov.enabled:
            return "skipped", "release.security.provenance.enabled is false"
        if "prepared" in self.j.data:
            return "ok", "already attested"
        from shipline.domain.provenance import attest as provenance
        from shipline.domain.provenance.attest import ArtifactInput, AttestRequest

        inputs = [
            ArtifactInput(path=f.path, name=f.path.name, type=h.type_name, expected_sha256=f.sha256)
            for h in self.handlers()
            for f in self._built(h.name)
        ]
        request = AttestRequest(
            artifacts=inputs,
            version=self.j.version,
            commit=self.j.release_commit,
            tag=self.j.tag,
            env=self.env,
        )
        try:
            prepared = provenance.prepare(self.git, self.loaded, request, emit=self._buffer.append)
        finally:  # the SLSA preflight lines are shown even when signing then fails
            yield from self._drain()
        self.j.data["prepared"] = prepared.to_json()
        self.save()
        return "ok", f"{len(inputs)} subject(s) attested, level {prepared.level}"

    # --- step 8: publish ----------------------------------------------------------

    def _publish_effect(self, h: Any) -> Effect:
        return Effect(
            "publish",
            h.name,
            {
                "where": h.cfg.registry or h.type_name,
                "type": h.type_name,
                "version": self.j.version,
            },
        )

    def step_publish(self) -> Events:
        if not self.enabled:
            return "skipped", "source-only release"
        from shipline.domain.artifacts import PublishResult, rollback_published

        handlers = self.handlers()
        effects = EffectLog(self.j, self.save)
        published: dict[str, Any] = self.j.data.setdefault("published", {})
        verified: list[str] = self.j.data.setdefault("verified", [])
        pending = [h for h in handlers if h.name not in published]
        if pending and self.confirm is not None:
            where = "; ".join(
                f"{h.label} {self.j.version} to {h.cfg.registry or 'its registry'}" for h in pending
            )
            if not self.confirm(
                Confirmation(
                    step="publish",
                    yes="Publish",
                    question=f"Publish {where}? Published versions cannot be taken back "
                    "everywhere (PyPI never deletes).",
                )
            ):
                raise Interrupted(
                    "stopped before publishing; nothing left this machine",
                    hint="`shipline release resume` publishes, `shipline release "
                    "abort` undoes the commit, tag and build",
                )
        done: list[tuple[Any, Any]] = [
            (h, PublishResult.from_dict(published[h.name])) for h in handlers if h.name in published
        ]
        for h in handlers:
            files = self._built(h.name)
            effect = self._publish_effect(h)
            if h.name in published:  # published by an earlier run: verified only if it passed
                if h.name in verified:
                    continue
                result = PublishResult.from_dict(published[h.name])
                yield from self._verify(h, files, result)
                yield self._live_link(h, result)
                continue
            try:
                result = yield from self._publish_one(h, files, effect, effects)
                published[h.name] = result.to_dict()
                effects.done(effect)
                done.append((h, result))
                yield from self._verify(h, files, result)
            except ShiplineError as exc:
                yield from self._drain()
                yield ChainLink(
                    link="registry", status="failed", name=h.name, detail={"error": exc.message}
                )
                if exc.code == 93:  # the registry serves other bytes: stop, keep the record
                    raise
                earlier = [(dh, dr) for dh, dr in done if dh is not h]
                try:
                    rollback_published(earlier, exc)
                except ShiplineError as final:
                    if final.code == 88:  # every earlier publish was undone
                        for dh, _ in earlier:
                            published.pop(dh.name, None)
                            if dh.name in verified:
                                verified.remove(dh.name)
                            effects.undone(self._publish_effect(dh))
                        if h.name not in published:
                            effects.undone(effect)  # the failed one left nothing behind
                    elif "prepared" in self.j.data and "sealed" not in self.j.data:
                        # 89: what stayed published is a fact: record it, incomplete
                        sealed = self._seal()
                        yield LogLine(
                            step="publish",
                            text="recorded as incomplete in the "
                            f"ledger (record {sealed['hash'][:12]})",
                        )
                    self.save()
                    raise
            yield self._live_link(h, result)
        return "ok", f"{len(handlers)} artifact(s) published and verified"

    def _verify(self, h: Any, files: list[Any], result: Any) -> Events:
        """PROV-002: download every file back and compare; an artifact counts
        as verified only once this passed (``verify_failed`` keeps why not),
        so a resumed release checks again instead of pushing."""
        verified: list[str] = self.j.data.setdefault("verified", [])
        try:
            for f in files:
                h.verify_published(f, result)
                yield from self._drain()
        except ShiplineError as exc:
            if exc.code == 93:
                self.j.data["verify_failed"] = exc.message
                self.save()
            raise
        verified.append(h.name)
        self.j.data.pop("verify_failed", None)
        self.save()

    @staticmethod
    def _live_link(h: Any, result: Any) -> ChainLink:
        return ChainLink(
            link="registry",
            status="ok",
            name=h.name,
            detail={
                "reference": result.reference,
                "digest": result.registry_digest,
                "publishedAt": result.published_at,
            },
        )

    def _publish_one(
        self, h: Any, files: list[Any], effect: Effect, effects: EffectLog
    ) -> Generator[Any, None, Any]:
        """Publish one artifact with its intent journaled first. When an
        earlier, interrupted run intended it, what the registry holds is
        adopted if its digest matches and refused with 93 if not."""
        from shipline.domain.errors import DigestMismatch, RegistryHoldsOther

        resumed = effects.was_intended(effect)
        effects.intend(effect)
        yield ChainLink(
            link="registry", status="running", name=h.name, detail={"registry": h.cfg.registry}
        )
        size = sum(f.size for f in files)
        yield StepProgress(
            step="publish",
            detail=f"{h.name}: uploading",
            done=0,
            total=size,
            artifact=h.name,
            action="uploading",
        )
        try:
            result = h.publish(files)
        except RegistryHoldsOther as exc:
            if not resumed:
                raise
            raise DigestMismatch(
                f"{exc.message} (this release's interrupted publish was resumed: the bytes "
                "there are not the ones built and attested)",
                hint="do not push the tag: find out who published what; `shipline release "
                "abort` then reports it as live",
            ) from None
        yield from self._drain()
        yield StepProgress(
            step="publish",
            detail=f"{h.name}: uploaded",
            done=size,
            total=size,
            artifact=h.name,
            action="uploaded",
        )
        return result

    def probe(self, effect: Effect) -> Observation:
        """What the registry holds for a ``publish:NAME`` effect."""
        handler = next((h for h in self.handlers() if h.name == effect.name), None)
        if handler is None:
            return Observation(
                effect, Liveness.UNKNOWN, f"no artifact named {effect.name} in release.artifacts"
            )
        if handler.is_published():
            where = effect.detail.get("where")
            return Observation(
                effect, Liveness.LIVE, f"{handler.label} {self.j.version} is on {where}"
            )
        return Observation(
            effect, Liveness.ABSENT, f"{handler.label} {self.j.version} is not on the registry"
        )

    # --- step 10: record ------------------------------------------------------------

    def step_record(self) -> str | None:
        """Seal the prepared record with the publishes; when it was sealed
        earlier (incomplete, after a rollback that could not undo
        everything), append one publish record per artifact that went live
        since. None when this release has no provenance (source-only)."""
        if "prepared" not in self.j.data:
            return self._record_unattested()
        if "sealed" not in self.j.data:
            sealed = self._seal()
            return (
                f"{self.j.version} recorded (record hash {sealed['hash'][:12]}, "
                f"{sealed['slsaLevel']}, {sealed['metadata']['completeness']})"
            )
        from shipline.domain.provenance import ledger

        sealed_hash = self.j.data["sealed"]["hash"]
        already = set(self.j.data["sealed"]["published"])
        appended = 0
        for h in self.handlers():
            result = self.j.data.get("published", {}).get(h.name)
            if result is None or h.name in already:
                continue
            for f in self._built(h.name):
                digest = (result.get("digests") or {}).get(f.path.name) or ""
                ledger.append(
                    self.loaded.state_dir,
                    {
                        "recordType": "publish",
                        "version": self.j.version,
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
            f"{self.j.version}: {appended} publish record(s) appended to the incomplete "
            f"release record {sealed_hash[:12]}"
        )

    def _record_unattested(self) -> str | None:
        """Provenance disabled: the published artifacts still go into the
        ledger (never a source-only record for a release with artifacts)."""
        published = self.j.data.get("published") or {}
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
            for f in self._built(h.name)
        ]
        return record_unattested_release(self.git, self.loaded, self.j, entries)

    def _seal(self) -> dict[str, Any]:
        from shipline.domain.provenance import attest as provenance

        prepared = provenance.Prepared.from_json(self.j.data["prepared"])
        published: dict[str, Any] = {}
        for name, result in self.j.data.get("published", {}).items():
            for f in self._built(name):
                published[f.path.name] = result
        sealed = provenance.seal(self.loaded, prepared, published)
        self.j.data["sealed"] = {
            "hash": sealed["hash"],
            "published": sorted(self.j.data.get("published", {})),
        }
        self.save()
        return sealed

    # --- undo (abort before anything was published) -----------------------------------

    def undo(self) -> Events:
        if "prepared" in self.j.data:
            from shipline.domain.provenance.attest import Prepared

            Prepared.from_json(self.j.data["prepared"]).undo()
            yield LogLine(step="abort", text="removed the unsealed attestation and signature")
        if self.work_dir.exists():
            shutil.rmtree(self.work_dir)
            yield LogLine(step="abort", text=f"removed build outputs in {self.work_dir}")


def _same_file(f: Any) -> bool:
    """A file built before a crash is reused only when its bytes are
    still what the journal recorded."""
    from shipline.domain.digests import sha256_file

    try:
        return bool(f.path.is_file() and sha256_file(f.path).sha256 == f.sha256)
    except OSError:
        return False

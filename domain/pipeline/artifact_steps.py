"""Steps 6-7 of the release pipeline for releases with artifacts:
pre-validate, dry-run and build every artifact, then provenance. Publishing
(step 8) is :mod:`publish_steps`, the ledger record (step 10)
:mod:`artifact_record`. The pipeline calls them between its tag and push
steps; a release train calls them once per package (:class:`ReleaseUnit`).

Order and guarantees (SPEC section 4, seed ct-artifact-publisher):

* every artifact is pre-validated (86) before any is dry-run, and dry-run
  (ARTP-002, never skipped) before any is built (87);
* builds use ``SOURCE_DATE_EPOCH`` = the release commit's time;
* provenance binds the digests taken right after the build (93 on change);
* a file built before a crash is reused only when its bytes are still the
  ones the journal recorded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.events import ChainLink, Confirmation, LogLine, StepProgress
from shipline.domain.gitops import Git
from shipline.domain.pipeline.artifact_record import ArtifactRecord
from shipline.domain.pipeline.effects import Effect, Liveness, Observation
from shipline.domain.pipeline.journal import Journal
from shipline.domain.pipeline.release_unit import ReleaseUnit, single_unit

Events = Generator[Any, None, Any]
"""A step's events; its return value is the step's (status, detail)."""
StepResult = tuple[str, str]


class ReleaseArtifacts(ArtifactRecord):
    """The artifacts of one :class:`ReleaseUnit` (the repository's release,
    or one package of a train) through build, provenance, publish, record
    and undo."""

    def __init__(
        self,
        git: Git,
        loaded: LoadedConfig,
        journal: Journal,
        state_dir: Path,
        save: Callable[[], None],
        confirm: Callable[[Confirmation], bool] | None,
        env: Mapping[str, str] | None = None,
        unit: ReleaseUnit | None = None,
    ):
        self.git = git
        self.loaded = loaded
        self.j = journal
        self.unit = unit if unit is not None else single_unit(loaded, journal)
        self.state_dir = state_dir
        self.save = save
        self.confirm = confirm
        self.env = dict(env if env is not None else os.environ)
        self._buffer: list[Any] = []
        self._handlers: list[Any] | None = None

    # --- shared --------------------------------------------------------------

    @property
    def data(self) -> dict[str, Any]:
        """This unit's part of the journal."""
        return self.unit.data

    @property
    def enabled(self) -> bool:
        return (
            bool(self.unit.artifacts)
            and not self.j.options.get("no_artifacts")
            and not self.j.options.get("handoff")
        )

    @property
    def work_dir(self) -> Path:
        base = self.state_dir / "work" / self.j.release_id
        return base / self.unit.folder if self.unit.folder else base

    def drain(self) -> Events:
        """The handlers' and the provenance step's events; in a train their
        chain links and progress are stamped with the package they belong to."""
        while self._buffer:
            event = self._buffer.pop(0)
            if (
                self.unit.package
                and isinstance(event, ChainLink | StepProgress)
                and not event.package
            ):
                event = event.model_copy(update={"package": self.unit.package})
            yield event

    def link(
        self, link: Any, status: Any, name: str, detail: dict[str, Any] | None = None
    ) -> ChainLink:
        """A chain link event; a train's links name their package."""
        return ChainLink(
            link=link,
            status=status,
            name=name,
            detail=detail or {},
            package=self.unit.package or "",
        )

    def who(self, h: Any) -> str:
        """How progress names an artifact: ``@acme/core npm`` in a train."""
        return h.name if self.unit.package is None else f"{self.unit.package} {h.name}"

    def handlers(self) -> list[Any]:
        if self._handlers is None:
            from shipline.domain.artifacts import ArtifactContext, load_handler

            commit = self.j.release_commit or self.git.out("rev-parse", "HEAD")
            epoch = int(self.git.out("log", "-1", "--format=%ct", commit))
            ctx = ArtifactContext(
                repo_root=self.git.root,
                version=self.unit.version,
                release_commit=commit,
                source_date_epoch=epoch,
                out_dir=self.work_dir,
                tag=self.unit.tag,
                env=self.env,
                emit=self._buffer.append,
                package=self.unit.package or "",
            )
            self._handlers = [load_handler(cfg, ctx) for cfg in self.unit.artifacts]
        return self._handlers

    def built_files(self, name: str) -> list[Any]:
        from shipline.domain.artifacts import BuiltFile

        return [BuiltFile.from_dict(d) for d in self.data.get("built", {}).get(name, [])]

    def skipped(self) -> str:
        """Why this unit builds nothing."""
        if self.j.options.get("no_artifacts"):
            return "--no-artifacts"
        if self.j.options.get("handoff"):
            return "handed off to CI"
        return "source-only release"

    # --- step 6: artifacts ------------------------------------------------------

    def step_artifacts(self) -> Events:
        if not self.enabled:
            return "skipped", self.skipped()
        yield from self.validate_all()
        yield from self.dry_run_all()
        return (yield from self.build_all())

    def validate_all(self) -> Events:
        """ARTP-001: every artifact pre-validated before anything is built."""
        for h in self.handlers():
            h.validate()
            yield from self.drain()
            yield LogLine(step="artifacts", text=f"pre-validated {h.label}")

    def dry_run_all(self) -> Events:
        """ARTP-002: every dry run, never skipped."""
        for h in self.handlers():
            report = h.dry_run()
            yield from self.drain()
            yield from report.log_lines(h.type_name)

    def build_all(self) -> Events:
        """Build each artifact (a file built before a crash and unchanged
        since is reused); its digests go into the journal at once."""
        handlers = self.handlers()
        built = self.data.setdefault("built", {})
        count = 0
        for h in handlers:
            files = self.built_files(h.name)
            if not (files and all(_same_file(f) for f in files)):
                yield self.link("build", "running", h.name, {"type": h.type_name})
                if h.ctx.out_dir.exists():
                    shutil.rmtree(h.ctx.out_dir)
                yield StepProgress(
                    step="artifacts",
                    detail=f"{self.who(h)}: building",
                    done=0,
                    artifact=h.name,
                    package=self.unit.package or "",
                    action="building",
                    total=None,
                )
                files = h.build()
                yield from self.drain()
                built[h.name] = [f.to_dict() for f in files]
                self.save()
                size = sum(f.size for f in files)
                yield StepProgress(
                    step="artifacts",
                    detail=f"{self.who(h)}: built",
                    done=size,
                    artifact=h.name,
                    package=self.unit.package or "",
                    action="built",
                    total=size,
                )
            yield self.link(
                "build",
                "ok",
                h.name,
                {
                    "type": h.type_name,
                    "invocation": self.j.release_id,
                    "sourceDateEpoch": h.ctx.source_date_epoch,
                },
            )
            for f in files:
                count += 1
                yield self.link(
                    "artifact",
                    "ok",
                    f.path.name,
                    {"sha256": f.sha256, "size": f.size, "kind": f.kind},
                )
        return "ok", f"{count} file(s) built for {len(handlers)} artifact(s)"

    # --- step 7: provenance -----------------------------------------------------

    def step_provenance(self) -> Events:
        if not self.enabled:
            return "skipped", self.skipped()
        prov = self.loaded.release.security.provenance
        if not prov.enabled:
            return "skipped", "release.security.provenance.enabled is false"
        if "prepared" in self.data:
            return "ok", "already attested"
        from shipline.domain.provenance import attest as provenance
        from shipline.domain.provenance.attest import ArtifactInput, AttestRequest

        inputs = [
            ArtifactInput(path=f.path, name=f.path.name, type=h.type_name, expected_sha256=f.sha256)
            for h in self.handlers()
            for f in self.built_files(h.name)
        ]
        request = AttestRequest(
            artifacts=inputs,
            version=self.unit.version,
            commit=self.j.release_commit,
            tag=self.unit.tag,
            env=self.env,
            package=self.unit.package,
        )
        try:
            prepared = provenance.prepare(self.git, self.loaded, request, emit=self._buffer.append)
        finally:  # the SLSA preflight lines are shown even when signing then fails
            yield from self.drain()
        self.data["prepared"] = prepared.to_json()
        self.save()
        return "ok", f"{len(inputs)} subject(s) attested, level {prepared.level}"

    # --- step 8: publish (the train publishes all its packages in one call) ---------

    def step_publish(self) -> Events:
        from shipline.domain.pipeline.publish_steps import publish_units

        return (yield from publish_units([self], self.j, self.save, self.confirm))

    # --- what abort asks the registries -----------------------------------------------

    def publish_effect(self, h: Any) -> Effect:
        detail = {
            "where": h.cfg.registry or h.type_name,
            "type": h.type_name,
            "version": self.unit.version,
        }
        if self.unit.package is not None:
            detail["package"] = self.unit.package
        return Effect("publish", self.unit.effect_name(h.name), detail)

    def probe(self, effect: Effect) -> Observation:
        """What the registry holds for a ``publish:NAME`` effect."""
        handler = next(
            (h for h in self.handlers() if self.unit.effect_name(h.name) == effect.name), None
        )
        if handler is None:
            return Observation(
                effect, Liveness.UNKNOWN, f"no artifact named {effect.name} in release.artifacts"
            )
        what = f"{handler.label} {self.unit.version}"
        if handler.is_published():
            where = effect.detail.get("where")
            return Observation(effect, Liveness.LIVE, f"{what} is on {where}")
        return Observation(effect, Liveness.ABSENT, f"{what} is not on the registry")

    # --- undo (abort before anything was published) -----------------------------------

    def undo(self) -> Events:
        if "prepared" in self.data:
            from shipline.domain.provenance.attest import Prepared

            Prepared.from_json(self.data["prepared"]).undo()
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

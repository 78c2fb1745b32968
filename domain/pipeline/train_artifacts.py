"""A release train's artifacts: each package's build, provenance, publish
and record, with the single release's code (:mod:`artifact_steps`,
:mod:`publish_steps`, :mod:`artifact_record`) run once per package.

Every package keeps its own part of the journal (its member's ``unit``),
so a resumed train picks up at the package and step where it stopped: a
file built and unchanged is not built again, a package attested is not
attested again, an artifact published is verified, never published twice.
Across the train the order holds: every artifact of every package is
pre-validated, then dry-run, then built; publishes go dependencies first
(the members' order); one confirmation names them all; a failed publish
rolls back everything the train published before it."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

from shipline.domain.config import ArtifactConfig, LoadedConfig
from shipline.domain.errors import ArtifactValidationFailed, HandoffRequired
from shipline.domain.events import LogLine
from shipline.domain.pipeline.artifact_readiness import artifacts_ready
from shipline.domain.pipeline.artifact_steps import ReleaseArtifacts
from shipline.domain.pipeline.effects import Effect, Liveness, Observation, Probe, refuse_if_live
from shipline.domain.pipeline.release_unit import ReleaseUnit
from shipline.domain.pipeline.train_state import TrainState

if TYPE_CHECKING:
    from shipline.domain.gitops import Git
    from shipline.domain.workspace.plan import PackagePlan

Events = Generator[Any, None, Any]


def package_artifacts(loaded: LoadedConfig, name: str) -> list[ArtifactConfig]:
    """The enabled artifacts ``release.workspace.packages`` gives ``name``."""
    workspace = loaded.release.workspace
    for package in workspace.packages if workspace else []:
        if package.name == name:
            return package.enabled_artifacts
    return []


def check_artifacts(git: Git, loaded: LoadedConfig, releasing: list[PackagePlan]) -> Iterator[Any]:
    """Before the train writes anything: every package's artifact types
    have a handler (85), no crate waits for a sibling the same train
    releases but does not publish to its registry (86), every artifact is
    ready to build and publish (86, :mod:`artifact_readiness`), and when any
    package is attested, the signing method, level and key or identity
    hold (the preflight lines, 90/91)."""
    configs = [a for p in releasing for a in package_artifacts(loaded, p.name)]
    if not configs:
        return
    from shipline.domain.artifacts import check_types

    check_types(configs)
    _crates_packaged_alone(loaded, releasing)
    for p in releasing:
        yield from artifacts_ready(
            git, package_artifacts(loaded, p.name), str(p.version), p.tag or "", package=p.name
        )
    if not loaded.release.security.provenance.enabled:
        return
    from shipline.domain.errors import ShiplineError
    from shipline.domain.provenance.attest_signing import check_signing

    lines: list[Any] = []
    try:
        check_signing(git, loaded, dict(os.environ), lines.append)
    except ShiplineError:
        yield from lines
        raise
    yield from lines


def _crates_packaged_alone(loaded: LoadedConfig, releasing: list[PackagePlan]) -> None:
    """``cargo package`` resolves a crate's dependencies from the registry;
    the train packages its crates of one registry together, so a crate may
    require a sibling the train releases only when that sibling's crate goes
    to the same registry (by the same name, verified alike). Otherwise its
    new version is nowhere cargo can find it when the train builds (before
    it publishes anything): said before the release commit, not after."""
    from shipline.domain.artifacts.cargo_together import TYPE, set_key

    versions = {p.name: p.version for p in releasing}
    keys = {
        p.name: {set_key(a) for a in package_artifacts(loaded, p.name) if a.type == TYPE}
        for p in releasing
    }
    for p in releasing:
        for key in sorted(keys[p.name]):
            waiting = sorted(
                {r.name for r in p.package.requires if r.name in keys and key not in keys[r.name]}
            )
            if waiting:
                said = ", ".join(f"{name} {versions[name]}" for name in waiting)
                raise ArtifactValidationFailed(
                    f"{p.name}: its cargo-crate cannot be packaged before {said} is on the "
                    f"registry, and this train releases it without a cargo-crate to {key[0]} "
                    f"(registryName {key[1]!r}, verify {str(key[2]).lower()}) to package with",
                    hint="give the dependency a cargo-crate artifact with the same registry, "
                    "registryName and verify option, release with --handoff and publish the "
                    "crates in CI (cargo publish --workspace), or release the dependency in a "
                    "train of its own first",
                )


def _crates_together(units: list[ReleaseArtifacts]) -> None:
    """The train's crates of one registry and workspace are dry-run and
    packaged by one cargo call each (a crate may require a sibling at the
    version this train releases); the shared target folder lives in the
    first unit's work folder, so its undo removes it."""
    handlers = [h for u in units for h in u.handlers()]
    if sum(h.type_name == "cargo-crate" for h in handlers) < 2:
        return
    from shipline.domain.artifacts.cargo_together import package_together

    first = next(h for h in handlers if h.type_name == "cargo-crate")
    package_together(handlers, first.ctx.out_dir.parent)


class TrainArtifacts(TrainState):
    """artifacts → provenance → publish, the record, and the abort's
    questions to the registries; :class:`Train` runs them."""

    _units: list[ReleaseArtifacts] | None = None

    def _probe_push(self, effect: Effect) -> Observation:
        raise NotImplementedError

    def units(self) -> list[ReleaseArtifacts]:
        """One per package, in the train's (dependency) order."""
        if self._units is None:
            self._units = [
                ReleaseArtifacts(
                    self.git,
                    self.loaded,
                    self.run,
                    self.state_dir,
                    save=self._save,
                    confirm=None,  # the train asks once for every package
                    env=os.environ,
                    unit=ReleaseUnit(
                        version=m["version"],
                        tag=m["tag"],
                        tag_message=m["tagMessage"],
                        artifacts=package_artifacts(self.loaded, m["name"]),
                        data=m.setdefault("unit", {}),
                        package=m["name"],
                    ),
                )
                for m in self.members
            ]
        return self._units

    def _building(self) -> list[ReleaseArtifacts]:
        return [u for u in self.units() if u.enabled]

    def _nothing_built(self) -> str:
        if self.run.options.get("no_artifacts"):
            return "--no-artifacts"
        return "no package of the train has artifacts (release.workspace.packages[].artifacts)"

    def _step_artifacts(self) -> Events:
        units = self._building()
        if not units:
            return "skipped", self._nothing_built()
        _crates_together(units)
        for u in units:  # ARTP-001 across the train: nothing is built before all validate
            yield from u.validate_all()
        for u in units:
            yield from u.dry_run_all()
        done = []
        for u in units:
            _, detail = yield from u.build_all()
            yield LogLine(step="artifacts", text=f"{u.unit.label()}: {detail}")
            done.append(u.unit.label())
        return "ok", f"built {', '.join(done)}"

    def _step_provenance(self) -> Events:
        units = self._building()
        if not units:
            return "skipped", self._nothing_built()
        done = []
        said: set[str] = set()
        for u in units:
            events = u.step_provenance()
            try:  # the SLSA preflight is the same for every package: said once
                while True:
                    event = next(events)
                    if isinstance(event, LogLine) and event.text in said:
                        continue
                    if isinstance(event, LogLine):
                        said.add(event.text)
                    yield event
            except StopIteration as finished:
                status, detail = finished.value
            if status == "skipped":
                return status, detail
            yield LogLine(step="provenance", text=f"{u.unit.label()}: {detail}")
            done.append(u.unit.label())
        return "ok", f"attested {', '.join(done)}"

    def _step_publish(self) -> Events:
        from shipline.domain.pipeline.publish_steps import publish_units

        units = self._building()
        if not units:
            return "skipped", self._nothing_built()
        return (yield from publish_units(units, self.run, self._save, self.confirm))

    def _record_package(self, index: int) -> str:
        """One package's ledger record: sealed with its artifacts, or the
        commit → tag link of a package released source-only."""
        from shipline.domain.pipeline.release_record import record_source_release

        u = self.units()[index]
        return u.step_record() or record_source_release(self.git, self.loaded, self.run, u.unit)

    # --- handoff (CI builds, attests and records) --------------------------------

    def _handed_off(self) -> list[str]:
        """The packages whose artifacts a ``--handoff`` train leaves to CI."""
        if not self.run.options.get("handoff") or self.run.options.get("no_artifacts"):
            return []
        return [u.unit.package or "" for u in self.units() if u.unit.artifacts]

    def _handoff(self, names: list[str]) -> HandoffRequired:
        tags = ", ".join(m["tag"] for m in self.members if m["name"] in names)
        pushed = " and pushed" if "push" in self.run.external else ""
        first = next(m for m in self.members if m["name"] in names)
        return HandoffRequired(
            f"{tags} tagged{pushed}; their artifacts are CI's to build and publish "
            "(handoff, not a failure)",
            hint="in the workflow each tag starts, after publishing: `shipline attest "
            f"FILE... --version {first['name']}@{first['version']}` (NAME@VERSION of "
            "that package) records them in the ledger",
        )

    # --- abort ------------------------------------------------------------------

    def _refuse_if_live(self) -> Iterator[Any]:
        probes: dict[str, Probe] = {"push": self._probe_push, "publish": self._probe_publish}
        yield from refuse_if_live(self.run, self._save, probes, "the train")

    def _probe_publish(self, effect: Effect) -> Observation:
        package = effect.detail.get("package")
        for u in self.units():
            if u.unit.package == package:
                return u.probe(effect)
        return Observation(effect, Liveness.UNKNOWN, f"no package {package} in the train")

    def _undo_artifacts(self) -> Iterator[Any]:
        for u in self.units():
            yield from u.undo()
        work = self.state_dir / "work" / self.run.release_id
        if work.is_dir() and not any(work.iterdir()):
            work.rmdir()

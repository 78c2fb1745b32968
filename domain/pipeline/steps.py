"""The release pipeline: steps that emit events, journaled after each one.

Order (SPEC section 4): version → changelog → gates → commit → tag →
[artifacts → provenance → publish] → push → record → forge. Everything before the
publish/push is local and undoable; ``release abort`` undoes it, and
Ctrl-C before any external effect undoes it at once. A crash leaves the
journal, and ``release resume`` continues without repeating any step that
had an external effect.

The steps themselves live beside this module, one concept each:
:mod:`local_steps` (files and gates), :mod:`git_steps` (commit, tag,
push), :mod:`artifact_steps` (build, provenance, publish), :mod:`forge_step`
(the GitHub/GitLab release) and
:mod:`dry_run`; this module runs them in order and undoes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Iterator
from typing import Any

from shipline.domain.errors import (
    GateFailed,
    HandoffRequired,
    ReleaseInProgress,
    ReleaseNotFound,
)
from shipline.domain.events import LogLine, StepFinished, StepStarted
from shipline.domain.pipeline import journal
from shipline.domain.pipeline.artifact_readiness import artifacts_ready
from shipline.domain.pipeline.dry_run import dry_run
from shipline.domain.pipeline.effects import Probe, refuse_if_live
from shipline.domain.pipeline.forge_step import ForgeStep
from shipline.domain.pipeline.git_steps import GitSteps, undo_local
from shipline.domain.pipeline.local_steps import LocalSteps
from shipline.domain.pipeline.order import (
    EXTERNAL_STEPS,
    STEPS,
    TITLES,
    Confirm,
    ShipOptions,
)
from shipline.domain.pipeline.prechecks import attests_here, checks_before_write
from shipline.domain.pipeline.run_state import raise_for
from shipline.domain.pipeline.step_loop import run_steps
from shipline.domain.release.gates import RepoFacts, check_repository, first_failure
from shipline.domain.release.plan import make_plan
from shipline.domain.release.plan_model import PlannedRelease

__all__ = ["EXTERNAL_STEPS", "STEPS", "TITLES", "Confirm", "Pipeline", "ShipOptions"]


class Pipeline(LocalSteps, GitSteps, ForgeStep):
    """One release run. Iterate :meth:`ship` (or :meth:`resume`) for events;
    it raises a :class:`ShiplineError` subclass on failure."""

    # --- entry points ------------------------------------------------------

    def ship(self, options: ShipOptions) -> Iterator[Any]:
        if options.dry_run:
            planned = yield from self._preflight(options)
            self.result = yield from dry_run(
                planned,
                self.git,
                self.loaded,
                options,
                self.cancel,
                self._forge_plan(options.model_dump()),
            )
            return
        # the lock first: a second ship waits for nothing and learns nothing
        # from a half-made release; it gets 52 before it reads any state
        with journal.ReleaseLock(self.state_dir):
            planned = yield from self._preflight(options)
            plan = planned.plan
            assert plan.tag and plan.version
            self.journal = journal.Journal(
                release_id=str(uuid.uuid4()),
                version=plan.version,
                tag=plan.tag,
                branch=plan.branch or "",
                base_head=plan.head,
                started_at=journal.now_iso(),
                options=options.model_dump(),
                changelog_entry=plan.changelog_entry,
                commit_message=plan.commit_message or "",
                tag_message=plan.tag_message or "",
                bumped_files=[b.path for b in planned.bumps],
            )
            journal.save(self.state_dir, self.journal)
            yield from self._run_steps()

    def _preflight(self, options: ShipOptions) -> Generator[Any, None, PlannedRelease]:
        """Every check that needs no write, before the first write."""
        existing = journal.load(self.state_dir)
        if existing is not None:
            raise ReleaseInProgress(
                f"release {existing.tag} is already in progress (stopped after "
                f"{existing.completed[-1] if existing.completed else 'its start'})",
                hint="`shipline release resume` to finish it or `shipline release abort` "
                "to undo it",
            )
        yield StepStarted(step="preflight", title=TITLES["preflight"])
        planned = make_plan(self.git, self.loaded, options)
        self.planned = planned
        plan = planned.plan
        if not plan.releasable:
            raise GateFailed(
                plan.blocker or "nothing to release",
                hint="commit Conventional Commits (feat:, fix:) or pass --bump",
            )
        assert plan.tag and plan.version
        from shipline.domain.pipeline.release_record import refuse_recorded

        refuse_recorded(self.loaded, plan.version)
        if not options.no_artifacts and self.loaded.release.enabled_artifacts:
            from shipline.domain.artifacts import check_types

            check_types(self.loaded.release.enabled_artifacts)  # 85 before anything changes
        facts = RepoFacts(self.git, self.loaded.release, plan.tag, self.state_dir, plan.push)
        outcomes = check_repository(facts)
        for outcome in outcomes:
            yield outcome.event()
        raise_for(first_failure(outcomes))
        yield from checks_before_write(self.git, self.loaded, plan, options)
        if attests_here(self.loaded, options):
            yield from artifacts_ready(
                self.git, self.loaded.release.enabled_artifacts, plan.version, plan.tag
            )
        yield from self._forge_preflight(planned, options.model_dump())
        yield StepFinished(step="preflight", status="ok", detail=f"{plan.tag} from {plan.branch}")
        return planned

    def resume(self) -> Iterator[Any]:
        with journal.ReleaseLock(self.state_dir):
            loaded = journal.load(self.state_dir)
            if loaded is None:
                raise ReleaseNotFound(
                    f"no interrupted release to resume (no journal in {self.state_dir})",
                    hint="start one with `shipline release ship`",
                )
            self.journal = loaded
            yield LogLine(
                step="resume",
                text=f"resuming {loaded.tag} after "
                f"{loaded.completed[-1] if loaded.completed else 'its start'}",
            )
            yield from self._run_steps()

    def abort(self) -> Iterator[Any]:
        with journal.ReleaseLock(self.state_dir):
            loaded = journal.load(self.state_dir)
            if loaded is None:
                raise ReleaseNotFound(
                    f"no interrupted release to abort (no journal in {self.state_dir})",
                    hint="nothing to undo; `shipline ledger` lists what was released",
                )
            self.journal = loaded
            yield from self._refuse_if_live()
            yield from self._undo()
            journal.remove(self.state_dir)

    # --- the run -----------------------------------------------------------

    def _run_steps(self) -> Iterator[Any]:
        yield from run_steps(self, TITLES, "release")
        j = self.run
        self.result = {
            "version": j.version,
            "tag": j.tag,
            "commit": j.release_commit,
            "pushed": "push" in j.external,
            "message": f"released {j.tag}",
        }
        forge_url = j.data.get("forge", {}).get("release", {}).get("url")
        if forge_url:
            self.result["forgeRelease"] = forge_url
        journal.remove(self.state_dir)

    def _artifacts(self) -> Any:
        from shipline.domain.pipeline.artifact_steps import ReleaseArtifacts

        j = self.run
        if self._release_artifacts is None:
            self._release_artifacts = ReleaseArtifacts(
                self.git,
                self.loaded,
                j,
                self.state_dir,
                save=lambda: journal.save(self.state_dir, j),
                confirm=self.confirm,
            )
        return self._release_artifacts

    def _step_artifacts(self) -> Generator[Any, None, Any]:
        return (yield from self._artifacts().step_artifacts())

    def _step_provenance(self) -> Generator[Any, None, Any]:
        return (yield from self._artifacts().step_provenance())

    def _step_publish(self) -> Generator[Any, None, Any]:
        return (yield from self._artifacts().step_publish())

    def _step_record(self) -> Generator[Any, None, Any]:
        from shipline.domain.pipeline import release_record

        yield from ()  # a step is a generator; this one only returns its result
        j = self.run

        if (
            j.options.get("handoff")
            and self.loaded.release.enabled_artifacts
            and not j.options.get("no_artifacts")
        ):
            self.result = {
                "version": j.version,
                "tag": j.tag,
                "commit": j.release_commit,
                "pushed": "push" in j.external,
                "handoff": True,
            }
            raise HandoffRequired(
                f"{j.tag} is tagged{' and pushed' if 'push' in j.external else ''}; its "
                "artifacts are CI's to build and publish (handoff, not a failure)",
                hint=f"in the workflow the tag starts, after publishing: `shipline attest "
                f"FILE... --version {j.version}` records them in the ledger",
            )
        detail = self._artifacts().step_record() or release_record.record_source_release(
            self.git, self.loaded, j
        )
        return "ok", detail  # said once, as the step's result

    # --- undo --------------------------------------------------------------

    def _probes(self) -> dict[str, Probe]:
        """One "what is live" probe per effect kind."""
        return {
            "push": self._probe_push,
            "publish": lambda e: self._artifacts().probe(e),
            "forge": self._probe_forge,
        }

    def _refuse_if_live(self) -> Iterator[Any]:
        yield from refuse_if_live(self.run, self._save, self._probes(), self.run.tag)

    def _undo(self) -> Iterator[Any]:
        """Undo local-only effects. Anything external is left as it is and said."""
        j = self.run
        artifacts = (lambda: self._artifacts().undo()) if j.data else None
        yield from undo_local(self.git, j, [j.tag], before_files=artifacts)

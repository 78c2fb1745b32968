"""The forge step: the GitHub or GitLab release of ``release.forge``.

Two moments (SPEC section 4 order, issue 14):

* in the preflight, before anything changes (so before the point of no
  return): the token variable is set, it can write releases of the
  repository, and no release for the tag exists yet (the tag is not on the
  remote, so one that does was made by someone else): 86 with the fix;
* after the push and the ledger record (the tag exists on the forge):
  the release is made and its files attached, written ahead in the journal
  as the ``forge`` effect, resumably (:mod:`shipline.domain.forge.publish`).
  A failure here undoes nothing: the step stays in the journal for
  ``release resume``. The release URL and every file's URL go into the
  ledger as a ``forge`` record that names the release record.

The rules live in :mod:`.forge_release`, shared with the release train.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from shipline.domain.events import ChainLink
from shipline.domain.pipeline import forge_release
from shipline.domain.pipeline.effects import Effect, Liveness, Observation
from shipline.domain.pipeline.run_state import RunState
from shipline.domain.release.plan_model import PlannedRelease


class ForgeStep(RunState):
    def _forge_skip_reason(self, options: dict[str, Any]) -> str | None:
        return forge_release.skip_reason(self.loaded, options)

    def _forge_plan(self, options: dict[str, Any]) -> str | None:
        """What the forge step of a real run would do, for a dry run."""
        forge = self.loaded.release.forge
        if forge is None or self._forge_skip_reason(options) is not None:
            return None
        return (
            f"would create the {forge.type} release of {forge.repository} for the tag "
            "with the changelog entry as notes, and attach every artifact, the attestation, "
            "the SBOM and SHA256SUMS"
        )

    def _forge_client(self, **transport: Any) -> Any:
        return forge_release.make_client(self.loaded, **transport)

    def _forge_preflight(
        self, planned: PlannedRelease, options: dict[str, Any]
    ) -> Generator[Any, None, None]:
        """86 unless the forge release can be made (see the module)."""
        plan = planned.plan
        assert plan.tag and plan.version
        yield from forge_release.preflight(self.loaded, [(plan.tag, plan.version)], options)

    def _step_forge(self) -> Generator[Any, None, tuple[str, str]]:
        j = self.run
        reason = self._forge_skip_reason(j.options)
        if reason is not None:
            yield ChainLink(link="forge", status="skipped", name="release", detail={"": reason})
            return "skipped", reason
        from shipline.domain.provenance import ledger

        found = ledger.load(self.state_dir).find_release(j.version)
        assert found is not None, "the record step wrote the release record"
        wanted = forge_release.ReleaseToMake(
            record=found[1],
            tag=j.tag,
            version=j.version,
            title=(j.tag_message.splitlines() or [j.tag])[0],
            notes=j.changelog_entry or "",
            work_dir=self.state_dir / "work" / j.release_id / "forge",
        )
        progress = j.data.setdefault("forge", {})
        url, attached = yield from forge_release.make_release(
            self.loaded, self.git.root, j, self._save, self._forge_client(), wanted, progress
        )
        return "ok", f"{url} with {len(attached)} file(s)"

    def _probe_forge(self, effect: Effect) -> Observation:
        """Whether the forge has a release for the tag."""
        client = self._forge_client(attempts=2, max_wait=5.0)
        found = client.find_release(str(effect.detail.get("tag") or self.run.tag))
        if found is None:
            return Observation(effect, Liveness.ABSENT, "no release for the tag")
        return Observation(effect, Liveness.LIVE, f"release {found.url}")

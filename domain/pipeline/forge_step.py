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
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

from shipline.domain.errors import ArtifactValidationFailed
from shipline.domain.events import ChainLink, GateResult, LogLine
from shipline.domain.pipeline.effects import Effect, EffectLog, Liveness, Observation
from shipline.domain.pipeline.run_state import RunState
from shipline.domain.release.plan import PlannedRelease


class ForgeStep(RunState):
    def _forge_skip_reason(self, options: dict[str, Any]) -> str | None:
        forge = self.loaded.release.forge
        if forge is None:
            return "no release.forge in the config"
        if options.get("no_forge"):
            return "--no-forge"
        if options.get("no_push") or not self.loaded.release.push.enabled:
            return "the tag is not pushed (--no-push), so the forge has nothing to release"
        if options.get("handoff"):
            return "handed off to CI"
        return None

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
        from shipline.domain.forge.publish import make_client

        forge = self.loaded.release.forge
        assert forge is not None
        return make_client(forge, os.environ, **transport)

    def _forge_preflight(
        self, planned: PlannedRelease, options: dict[str, Any]
    ) -> Generator[Any, None, None]:
        """86 unless the forge release can be made (see the module)."""
        if self._forge_skip_reason(options) is not None:
            return
        from shipline.domain.forge.publish import ForgeRequest, prevalidate

        plan = planned.plan
        assert plan.tag and plan.version
        name = "forge release"
        yield GateResult(name=name, status="running")
        request = ForgeRequest(
            tag=plan.tag, version=plan.version, title="", notes="", prerelease=False, assets=[]
        )
        try:
            client = self._forge_client()
            for event in prevalidate(client, request, before_push=True):
                yield event.model_copy(update={"step": "preflight"})
        except ArtifactValidationFailed as exc:
            yield GateResult(name=name, status="failed", detail=exc.message)
            raise
        yield GateResult(
            name=name,
            status="passed",
            detail=f"{client.name} {client.repository}: the token can make the "
            f"release of {plan.tag}",
        )

    def _forge_effect(self) -> Effect:
        forge = self.loaded.release.forge
        assert forge is not None
        return Effect(
            "forge", "", {"where": f"{forge.type} {forge.repository}", "tag": self.run.tag}
        )

    def _step_forge(self) -> Generator[Any, None, tuple[str, str]]:
        j = self.run
        reason = self._forge_skip_reason(j.options)
        if reason is not None:
            yield ChainLink(link="forge", status="skipped", name="release", detail={"": reason})
            return "skipped", reason
        from shipline.domain.forge.assets import release_assets
        from shipline.domain.forge.publish import ForgeRequest, publish
        from shipline.domain.provenance import ledger
        from shipline.domain.release import versioning

        book = ledger.load(self.state_dir)
        found = book.find_release(j.version)
        assert found is not None, "the record step wrote the release record"
        release = found[1]
        assets = release_assets(
            release, self.git.root, self.state_dir / "work" / j.release_id / "forge"
        )
        version = versioning.parse_version(j.version)
        request = ForgeRequest(
            tag=j.tag,
            version=j.version,
            title=(j.tag_message.splitlines() or [j.tag])[0],
            notes=j.changelog_entry or "",
            prerelease=bool(version.prerelease),
            assets=assets,
        )
        client = self._forge_client()
        effect = self._forge_effect()
        effects = EffectLog(j, self._save)
        effects.intend(effect)  # write-ahead: a crash mid-call is live, never "local"
        progress = j.data.setdefault("forge", {})
        url, attached = yield from publish(client, request, progress, self._save)
        effects.done(effect)
        sealed = self._record_forge(book, release, url, attached)
        yield LogLine(
            step="forge", text=f"{client.name} release {url} recorded (record {sealed[:12]})"
        )
        return "ok", f"{url} with {len(attached)} file(s)"

    def _record_forge(
        self, book: Any, release: dict[str, Any], url: str, attached: dict[str, Any]
    ) -> str:
        """Append the ``forge`` record once (a resumed run finds it)."""
        from shipline.domain.provenance import ledger

        j = self.run
        forge = self.loaded.release.forge
        assert forge is not None
        for record in reversed(ledger.load(self.state_dir).records):
            if (
                record.get("recordType") == "forge"
                and record.get("releaseHash") == release["hash"]
                and record.get("releaseUrl") == url
            ):
                return str(record["hash"])
        sealed = ledger.append(
            self.state_dir,
            {
                "recordType": "forge",
                "version": j.version,
                "releaseHash": release["hash"],
                "forge": forge.type,
                "repository": forge.repository,
                "apiUrl": forge.api,
                "tokenEnv": forge.token_variable,
                "tag": j.tag,
                "releaseUrl": url,
                "assets": [
                    {"name": name, "url": a["url"], "sha256": a["sha256"], "size": a["size"]}
                    for name, a in sorted(attached.items())
                ],
                "publishedAt": ledger.now_rfc3339(),
                "recordedAt": ledger.now_rfc3339(),
            },
        )
        return str(sealed["hash"])

    def _probe_forge(self, effect: Effect) -> Observation:
        """Whether the forge has a release for the tag."""
        client = self._forge_client(attempts=2, max_wait=5.0)
        found = client.find_release(str(effect.detail.get("tag") or self.run.tag))
        if found is None:
            return Observation(effect, Liveness.ABSENT, "no release for the tag")
        return Observation(effect, Liveness.LIVE, f"release {found.url}")

"""A release train's forge releases: one GitHub or GitLab release per
package tag, after the push and the ledger records (each release names its
package's record).

Each release's title is its tag's (``Release @acme/cli@3.0.2``), its notes
the package's changelog entry as the release commit has it, its files the
package's own (its artifacts, attestation, signature, SBOM and a
``SHA256SUMS`` over them, from the package's record; none for a
source-only package), kept apart from the other packages' even when they
share a version (GitLab's generic package version is ``acme-cli-3.0.2``).
The preflight checks every tag before anything changes (86). Every release
is written ahead in the journal as its own ``forge:NAME`` effect and its
progress kept per package, so ``release resume`` after a failure or a kill
finds the releases already made and the files already attached, and makes
neither twice.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

from shipline.domain.events import ChainLink
from shipline.domain.pipeline import forge_release
from shipline.domain.pipeline.release_unit import folder_name
from shipline.domain.pipeline.train_state import TrainState

if TYPE_CHECKING:
    from shipline.domain.workspace.plan import PackagePlan


class TrainForge(TrainState):
    """The train's forge preflight and ``forge`` step; :class:`Train` runs them."""

    def _forge_preflight(
        self,
        releasing: Sequence[PackagePlan],
        *,
        no_push: bool,
        no_forge: bool,
        handoff: bool = False,
    ) -> Generator[Any, None, None]:
        """86 unless a release can be made for every package tag (nothing is
        asked of the forge when the step will skip: see ``skip_reason``)."""
        tags = [(p.tag or "", str(p.version)) for p in releasing]
        options = {"no_push": no_push, "no_forge": no_forge, "handoff": handoff}
        yield from forge_release.preflight(self.loaded, tags, options)

    def _forge_urls(self) -> dict[str, str]:
        """``{package: release URL}`` of the releases made so far."""
        return {
            name: done["release"]["url"]
            for name, done in self.run.data.get("forge", {}).items()
            if isinstance(done, dict) and done.get("release")
        }

    def _notes(self, member: dict[str, Any]) -> str:
        """The package's changelog entry at the release commit ("" without one)."""
        from shipline.domain.gitops import GitError
        from shipline.domain.release.changelog import entry_text

        rel = member.get("changelog")
        if not rel or self.run.options.get("no_changelog"):
            return ""
        try:
            data = self.git.raw(["show", f"{self.run.release_commit}:{rel}"])
        except GitError:
            return ""
        return entry_text(data, rel, member["version"]) or ""

    def _step_forge(self) -> Generator[Any, None, tuple[str, str]]:
        j = self.run
        reason = forge_release.skip_reason(self.loaded, j.options)
        if reason is not None:
            yield ChainLink(link="forge", status="skipped", name="release", detail={"": reason})
            return "skipped", reason
        from shipline.domain.provenance import ledger

        book = ledger.load(self.state_dir)
        client = forge_release.make_client(self.loaded)
        progress = j.data.setdefault("forge", {})
        urls: list[str] = []
        files = 0
        for m in self.members:
            found = book.find_release(m["version"], m["name"])
            assert found is not None, "the record step wrote every package's record"
            wanted = forge_release.ReleaseToMake(
                record=found[1],
                tag=m["tag"],
                version=m["version"],
                title=(str(m.get("tagMessage") or "").splitlines() or [m["tag"]])[0],
                notes=self._notes(m),
                work_dir=self.state_dir / "work" / j.release_id / "forge" / folder_name(m["name"]),
                package=m["name"],
                files_version=f"{folder_name(m['name'])}-{m['version']}",
            )
            url, attached = yield from forge_release.make_release(
                self.loaded,
                self.git.root,
                j,
                self._save,
                client,
                wanted,
                progress.setdefault(m["name"], {}),
            )
            urls.append(url)
            files += len(attached)
        return "ok", f"{len(urls)} {client.name} release(s), {files} file(s): " + ", ".join(urls)

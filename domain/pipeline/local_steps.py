"""The local, undoable steps: bump the version files, write the changelog,
run the release gates. Each records the files' original bytes in the
journal before it writes, so ``release abort`` can put them back."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from shipline.domain.errors import ChangelogFailed, VersionBumpFailed
from shipline.domain.events import FileChange, GateResult, LogLine
from shipline.domain.jsonio import write_atomic
from shipline.domain.pipeline.prechecks import migration_outcome
from shipline.domain.pipeline.run_state import (
    RunState,
    file_mode,
    raise_for,
    restore_originals,
)
from shipline.domain.release import changelog, versioning
from shipline.domain.release import version_files as bumpfiles
from shipline.domain.release.gates import (
    CHANGELOG_ENTRY,
    VERSION_CONSISTENT,
    Outcome,
    first_failure,
    run_command_gate,
)
from shipline.domain.release.plan import make_plan
from shipline.domain.release.plan_model import PlannedRelease, PlanOptions


class LocalSteps(RunState):
    """version → changelog → gates, and putting the files back."""

    def _replan(self) -> PlannedRelease:
        """The plan for the journal's version, from the files as they were."""
        j = self.run
        if self.planned is not None and self.planned.plan.version == j.version:
            return self.planned
        self._restore_files()
        options = PlanOptions.model_validate(
            {k: v for k, v in j.options.items() if k in PlanOptions.model_fields}
        )
        options.version = j.version
        options.changelog_entry = j.changelog_entry
        self.planned = make_plan(self.git, self.loaded, options)
        # put back what completed steps wrote (a resumed run starts here)
        if "version" in j.completed:
            bumpfiles.apply_bumps(self.git.root, self.planned.bumps)
        if "changelog" in j.completed and self.planned.changelog_text is not None:
            path = self.git.root / self._changelog_rel()
            write_atomic(path, self.planned.changelog_text, mode=file_mode(path))
        return self.planned

    def _step_version(self) -> Generator[Any, None, Any]:
        j = self.run
        planned = self._replan()
        for bump in planned.bumps:
            path = self.git.root / bump.path
            j.remember_original(bump.path, path.read_bytes())
        self._save()
        self._restore_files()
        bumpfiles.apply_bumps(self.git.root, planned.bumps)
        for bump in planned.bumps:
            for change in bump.changes:
                yield FileChange(
                    path=bump.path, line=change.line, before=change.before, after=change.after
                )
        bumpfiles.check_consistent(self.git.root, planned.version_files, j.version)
        names = ", ".join(b.path for b in planned.bumps) or "no version files"
        return "ok", f"{j.version} in {names}"

    def _step_changelog(self) -> Generator[Any, None, Any]:
        j = self.run
        planned = self._replan()
        if planned.changelog_text is None:
            return "skipped", "--no-changelog" if j.options.get("no_changelog") else "disabled"
        if planned.plan.changelog_todo and not j.options.get("changelog_entry"):
            raise ChangelogFailed(
                f"{planned.plan.changelog_todo} (nothing was changed)",
                hint="write the notes under an Unreleased heading, pass the entry with "
                "--changelog-entry FILE, or write it in the TUI",
            )
        rel = self._changelog_rel()
        path = self.git.root / rel
        j.remember_original(rel, planned.changelog_original)
        self._save()
        try:
            write_atomic(path, planned.changelog_text, mode=file_mode(path))
        except OSError as exc:
            raise ChangelogFailed(
                f"{rel}: cannot write: {exc.strerror}", hint="check the file's permissions"
            ) from None
        yield LogLine(step="changelog", text=planned.plan.changelog_entry or "")
        return "ok", f"entry for {j.version} in {rel}"

    def _step_gates(self) -> Generator[Any, None, Any]:
        j = self.run
        planned = self._replan()
        outcomes: list[Outcome] = []
        try:
            bumpfiles.check_consistent(self.git.root, planned.version_files, j.version)
            if planned.old_version is not None:
                bumpfiles.refuse_left_behind(
                    self.git.root, planned.evidence, versioning.parse_version(planned.old_version)
                )
            outcomes.append(Outcome(VERSION_CONSISTENT, True, f"{j.version} everywhere"))
        except VersionBumpFailed as exc:
            yield GateResult(name=VERSION_CONSISTENT, status="failed", detail=exc.message)
            raise
        if planned.changelog_text is not None:
            outcomes.append(self._changelog_gate())
        outcomes.append(migration_outcome(planned.plan))  # RLSE-005, changelog or not
        for outcome in outcomes:
            yield outcome.event()
        raise_for(first_failure(outcomes))
        for gate in self.loaded.release.gates:
            yield GateResult(name=gate.name, status="running")
            for item in run_command_gate(gate, self.git.root, j.version, self.cancel):
                if isinstance(item, Outcome):
                    yield item.event()
                    raise_for(item if not item.passed else None)
                else:
                    yield item
        count = len(outcomes) + len(self.loaded.release.gates)
        return "ok", f"{count} gates passed"

    def _changelog_gate(self) -> Outcome:
        j = self.run
        rel = self._changelog_rel()
        found = changelog.has_entry((self.git.root / rel).read_bytes(), rel, j.version)
        return Outcome(
            CHANGELOG_ENTRY,
            found,
            f"{j.version} in {rel}" if found else f"no entry for {j.version} in {rel}",
            hint="the changelog must describe the release before it is tagged (RLSE-002)",
        )

    def _restore_files(self) -> None:
        restore_originals(self.git.root, self.run)

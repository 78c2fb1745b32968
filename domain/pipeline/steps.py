"""The release pipeline: steps that emit events, journaled after each one.

Order (SPEC section 4): version → changelog → gates → commit → tag →
[artifacts → provenance → publish] → push → record. Everything before the
publish/push is local and undoable; ``release abort`` undoes it, and
Ctrl-C before any external effect undoes it at once. A crash leaves the
journal, and ``release resume`` continues without repeating any step that
had an external effect.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import (
    ChangelogFailed,
    GateFailed,
    HandoffRequired,
    Interrupted,
    ReleaseInProgress,
    ShiplineError,
    SigningKeyMissing,
    TagExists,
    TagFailed,
    UsageError,
    VersionBumpFailed,
)
from shipline.domain.events import (
    FileChange,
    GateResult,
    GitCommand,
    LogLine,
    StepFinished,
    StepStarted,
)
from shipline.domain.gitops import Git, GitError
from shipline.domain.jsonio import write_atomic
from shipline.domain.pipeline import journal
from shipline.domain.release import changelog
from shipline.domain.release import version_files as bumpfiles
from shipline.domain.release.gates import (
    Outcome,
    RepoFacts,
    check_repository,
    first_failure,
    run_command_gate,
)
from shipline.domain.release.plan import PlannedRelease, PlanOptions, make_plan, tag_command

STEPS = ("version", "changelog", "gates", "commit", "tag", "artifacts", "provenance", "publish",
         "push", "record")
TITLES = {
    "preflight": "Preflight: repository gates",
    "version": "Bump the version",
    "changelog": "Write the changelog",
    "gates": "Run the release gates",
    "commit": "Release commit",
    "tag": "Tag the release",
    "artifacts": "Pre-validate, dry-run and build artifacts",
    "provenance": "Provenance: digests, SBOM, attestation, signature",
    "publish": "Publish artifacts (point of no return)",
    "push": "Push commit and tag",
    "record": "Record the release",
}
EXTERNAL_STEPS = frozenset({"publish", "push"})

Confirm = Callable[[str], bool]


class ShipOptions(PlanOptions):
    dry_run: bool = False
    yes: bool = False
    handoff: bool = False
    """CI mode: push the tag so the publishing workflow runs, skip the
    artifact steps here, and exit 65 (handoff required); the workflow
    records what it built with ``shipline attest``."""


class Pipeline:
    """One release run. Iterate :meth:`ship` (or :meth:`resume`) for events;
    it raises a :class:`ShiplineError` subclass on failure."""

    def __init__(self, git: Git, loaded: LoadedConfig, *, confirm: Confirm | None = None,
                 cancel: threading.Event | None = None):
        self.git = git
        self.loaded = loaded
        self.state_dir = loaded.state_dir
        self.confirm = confirm
        self.cancel = cancel or threading.Event()
        self.journal: journal.Journal | None = None
        self.planned: PlannedRelease | None = None
        self.result: dict[str, Any] = {}
        self._release_artifacts: Any = None

    # --- entry points ------------------------------------------------------

    def ship(self, options: ShipOptions) -> Iterator[Any]:
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
            raise GateFailed(plan.blocker or "nothing to release",
                             hint="commit Conventional Commits (feat:, fix:) or pass --bump")
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
        _raise_for(first_failure(outcomes))
        yield StepFinished(step="preflight", status="ok", detail=f"{plan.tag} from {plan.branch}")
        if options.dry_run:
            yield from self._dry_run(options)
            return
        with journal.ReleaseLock(self.state_dir):
            self.journal = journal.Journal(
                release_id=str(uuid.uuid4()), version=plan.version, tag=plan.tag,
                branch=plan.branch or "", base_head=plan.head, started_at=journal.now_iso(),
                options=options.model_dump(), changelog_entry=plan.changelog_entry,
                commit_message=plan.commit_message or "", tag_message=plan.tag_message or "",
                bumped_files=[b.path for b in planned.bumps],
            )
            journal.save(self.state_dir, self.journal)
            yield from self._run_steps()

    def resume(self) -> Iterator[Any]:
        with journal.ReleaseLock(self.state_dir):
            loaded = journal.load(self.state_dir)
            if loaded is None:
                from shipline.domain.errors import ReleaseNotFound

                raise ReleaseNotFound("no interrupted release to resume (no journal in "
                                      f"{self.state_dir})", hint="start one with "
                                      "`shipline release ship`")
            self.journal = loaded
            yield LogLine(step="resume", text=f"resuming {loaded.tag} after "
                          f"{loaded.completed[-1] if loaded.completed else 'its start'}")
            yield from self._run_steps()

    def abort(self) -> Iterator[Any]:
        with journal.ReleaseLock(self.state_dir):
            loaded = journal.load(self.state_dir)
            if loaded is None:
                from shipline.domain.errors import ReleaseNotFound

                raise ReleaseNotFound(f"no interrupted release to abort (no journal in "
                                      f"{self.state_dir})")
            self.journal = loaded
            yield from self._undo()
            journal.remove(self.state_dir)

    # --- the run -----------------------------------------------------------

    def _run_steps(self) -> Iterator[Any]:
        j = self.journal
        assert j is not None
        for step in STEPS:
            if step in j.completed:
                continue
            j.current = step
            journal.save(self.state_dir, j)
            yield StepStarted(step=step, title=TITLES[step])
            try:
                detail = yield from getattr(self, f"_step_{step}")()
            except KeyboardInterrupt:
                yield from self._interrupted(step)
                raise AssertionError("unreachable") from None
            except HandoffRequired as exc:
                yield StepFinished(step=step, status="skipped", detail=exc.message)
                journal.remove(self.state_dir)
                raise
            except ShiplineError as exc:
                yield StepFinished(step=step, status="failed", detail=exc.message)
                if not j.external and step in ("version", "changelog", "gates"):
                    yield from self._undo()
                    journal.remove(self.state_dir)
                else:
                    j.current = None
                    journal.save(self.state_dir, j)
                raise
            j.completed.append(step)
            j.current = None
            journal.save(self.state_dir, j)
            yield StepFinished(step=step, status=detail[0], detail=detail[1])
        self.result = {"version": j.version, "tag": j.tag, "commit": j.release_commit,
                       "pushed": "push" in j.external, "message": f"released {j.tag}"}
        journal.remove(self.state_dir)

    def _interrupted(self, step: str) -> Iterator[Any]:
        j = self.journal
        assert j is not None
        if not j.external:
            yield from self._undo()
            journal.remove(self.state_dir)
            raise Interrupted(f"interrupted during {step}; everything was undone and the "
                              "repository is as it was")
        j.current = None
        journal.save(self.state_dir, j)
        raise Interrupted(f"interrupted during {step}; the release is half done",
                          hint="`shipline release resume` to finish it")

    def _artifacts(self) -> Any:
        from shipline.domain.pipeline.artifact_steps import ReleaseArtifacts

        j = self.journal
        assert j is not None
        if self._release_artifacts is None:
            self._release_artifacts = ReleaseArtifacts(
                self.git, self.loaded, j, self.state_dir,
                save=lambda: journal.save(self.state_dir, j), confirm=self.confirm)
        return self._release_artifacts

    def _step_artifacts(self) -> Iterator[Any]:
        return (yield from self._artifacts().step_artifacts())

    def _step_provenance(self) -> Iterator[Any]:
        return (yield from self._artifacts().step_provenance())

    def _step_publish(self) -> Iterator[Any]:
        return (yield from self._artifacts().step_publish())

    # --- steps -------------------------------------------------------------

    def _replan(self) -> PlannedRelease:
        """The plan for the journal's version, from the files as they were."""
        j = self.journal
        assert j is not None
        if self.planned is not None and self.planned.plan.version == j.version:
            return self.planned
        self._restore_files()
        options = PlanOptions.model_validate(
            {k: v for k, v in j.options.items() if k in PlanOptions.model_fields})
        options.version = j.version
        options.changelog_entry = j.changelog_entry
        self.planned = make_plan(self.git, self.loaded, options)
        # put back what completed steps wrote (a resumed run starts here)
        if "version" in j.completed:
            bumpfiles.apply_bumps(self.git.root, self.planned.bumps)
        if "changelog" in j.completed and self.planned.changelog_text is not None:
            path = self.git.root / self.loaded.release.changelog.path
            write_atomic(path, self.planned.changelog_text, mode=_mode(path))
        return self.planned

    def _step_version(self) -> Iterator[Any]:
        j = self.journal
        assert j is not None
        planned = self._replan()
        for bump in planned.bumps:
            path = self.git.root / bump.path
            j.remember_original(bump.path, path.read_bytes())
        journal.save(self.state_dir, j)
        self._restore_files()
        bumpfiles.apply_bumps(self.git.root, planned.bumps)
        for bump in planned.bumps:
            for change in bump.changes:
                yield FileChange(path=bump.path, line=change.line, before=change.before,
                                 after=change.after)
        bumpfiles.check_consistent(self.git.root, self.loaded.release.version_files, j.version)
        names = ", ".join(b.path for b in planned.bumps) or "no version files"
        return "ok", f"{j.version} in {names}"

    def _step_changelog(self) -> Iterator[Any]:
        j = self.journal
        assert j is not None
        planned = self._replan()
        if planned.changelog_text is None:
            return "skipped", "--no-changelog" if j.options.get("no_changelog") else "disabled"
        rel = self.loaded.release.changelog.path
        path = self.git.root / rel
        j.remember_original(rel, planned.changelog_original)
        journal.save(self.state_dir, j)
        try:
            write_atomic(path, planned.changelog_text)
        except OSError as exc:
            raise ChangelogFailed(f"{rel}: cannot write: {exc.strerror}",
                                  hint="check the file's permissions") from None
        yield LogLine(step="changelog", text=planned.plan.changelog_entry or "")
        return "ok", f"entry for {j.version} in {rel}"

    def _step_gates(self) -> Iterator[Any]:
        j = self.journal
        assert j is not None
        planned = self._replan()
        outcomes: list[Outcome] = []
        try:
            bumpfiles.check_consistent(self.git.root, self.loaded.release.version_files,
                                       j.version)
            outcomes.append(Outcome("version consistent", True, f"{j.version} everywhere"))
        except VersionBumpFailed as exc:
            yield GateResult(name="version consistent", status="failed", detail=exc.message)
            raise
        if planned.changelog_text is not None:
            outcomes.extend(self._changelog_gates(planned))
        for outcome in outcomes:
            yield outcome.event()
        _raise_for(first_failure(outcomes))
        for gate in self.loaded.release.gates:
            yield GateResult(name=gate.name, status="running")
            for item in run_command_gate(gate, self.git.root, j.version, self.cancel):
                if isinstance(item, Outcome):
                    yield item.event()
                    _raise_for(item if not item.passed else None)
                else:
                    yield item
        count = len(outcomes) + len(self.loaded.release.gates)
        return "ok", f"{count} gates passed"

    def _changelog_gates(self, planned: PlannedRelease) -> list[Outcome]:
        j = self.journal
        assert j is not None
        rel = self.loaded.release.changelog.path
        text = (self.git.root / rel).read_text(encoding="utf-8")
        heading = f"## [{j.version}]"
        entry = Outcome("changelog entry", heading in text,
                        f"{heading} in {rel}" if heading in text else f"no {heading} in {rel}",
                        hint="the changelog must describe the release before it is tagged "
                        "(RLSE-002)")
        missing = planned.plan.missing_migration
        written = planned.plan.changelog_entry
        reviewed = written is not None and j.options.get("changelog_entry") and \
            not changelog.migration_unwritten(written)
        notes = Outcome(
            "migration notes", not missing or bool(reviewed),
            "every breaking change has a migration note" if not missing else
            f"breaking change without a migration note: {'; '.join(missing)}",
            hint="add a `BREAKING CHANGE: <how to migrate>` footer, or review the entry and "
            "pass it with --changelog-entry FILE (RLSE-005)",
        )
        return [entry, notes]

    def _step_commit(self) -> Iterator[Any]:
        j = self.journal
        assert j is not None
        head = self.git.head()
        if head and head != j.base_head and self._is_release_commit(head):
            j.release_commit = head  # made before a crash: adopt it
            return "ok", f"{head[:7]} (already made)"
        if head != j.base_head:
            raise TagFailed(f"HEAD moved since the release began ({(j.base_head or '')[:7]} → "
                            f"{(head or '')[:7]})", hint="`shipline release abort` and start "
                            "again")
        paths = list(j.bumped_files)
        if j.changelog_entry is not None and "changelog" in j.completed and \
                self.loaded.release.changelog.path not in paths:
            paths.append(self.loaded.release.changelog.path)
        cmds = [["add", "--", *paths], ["commit", "-q", "-m", j.commit_message, "--", *paths]] \
            if paths else [["commit", "-q", "--allow-empty", "-m", j.commit_message]]
        for argv in cmds:
            yield GitCommand(argv=argv)
            try:
                self.git.run(argv)
            except GitError as exc:
                raise TagFailed(f"release commit failed: {exc.message}",
                                hint="fix the git problem, then `shipline release resume`") \
                    from None
        j.release_commit = self.git.head()
        return "ok", f"{(j.release_commit or '')[:7]} {j.commit_message}"

    def _is_release_commit(self, sha: str) -> bool:
        j = self.journal
        assert j is not None
        parents = self.git.out("show", "-s", "--format=%P", sha).split()
        subject = self.git.out("show", "-s", "--format=%s", sha)
        return parents == [j.base_head] and subject == j.commit_message.splitlines()[0]

    def _step_tag(self) -> Iterator[Any]:
        j = self.journal
        assert j is not None and j.release_commit
        if self.git.tag_exists(j.tag):
            target = self.git.out("rev-parse", f"{j.tag}^{{commit}}")
            if target == j.release_commit:
                return "ok", f"{j.tag} (already made)"
            raise TagExists(f"tag {j.tag} already exists and points at {target[:7]}",
                            hint="`shipline release abort`, then choose another version")
        key = None
        if self.loaded.release.tag.sign:
            key = os.environ.get("GPG_KEY_ID") or self.git.config_get("user.signingkey")
            if not key:
                raise SigningKeyMissing("release.tag.sign is set but no signing key is known",
                                        hint="set GPG_KEY_ID or git's user.signingkey")
            _require_secret_key(key)
        argv = [*tag_command(self.loaded, j.tag, j.tag_message, key), j.release_commit]
        yield GitCommand(argv=argv)
        try:
            self.git.run(argv)
        except GitError as exc:
            code = SigningKeyMissing if "secret key" in exc.message else TagFailed
            detail = exc.message.rsplit(" failed: ", 1)[-1].strip().replace("\n", "; ")
            raise code(f"creating tag {j.tag} failed: {detail}",
                       hint="fix the problem, then `shipline release resume`") from None
        kind = "signed" if key else "annotated"
        return "ok", f"{kind} tag {j.tag}"

    def _step_push(self) -> Iterator[Any]:
        j = self.journal
        assert j is not None
        options = j.options
        push = self.loaded.release.push
        if options.get("no_push") or not push.enabled:
            return "skipped", "--no-push" if options.get("no_push") else "push disabled"
        argv = ["push", "--atomic", push.remote, f"refs/heads/{j.branch}",
                f"refs/tags/{j.tag}"]
        refs = self.git.ls_remote(push.remote, f"refs/tags/{j.tag}")
        if refs and refs.get(f"refs/tags/{j.tag}") == self.git.out("rev-parse", j.tag):
            j.external.append("push")
            return "ok", f"{j.tag} already on {push.remote}"
        if self.confirm is not None and not self.confirm(
                f"Push {j.branch} and tag {j.tag} to {push.remote}? This cannot be undone."):
            raise Interrupted("stopped before the push; nothing left this machine",
                              hint="`shipline release resume` pushes, `shipline release abort` "
                              "undoes the commit and tag")
        yield GitCommand(argv=argv)
        try:
            self.git.run(argv, timeout=300)
        except GitError as exc:
            raise TagFailed(f"push failed: {exc.message}",
                            hint="fix access to the remote, then `shipline release resume`") \
                from None
        j.external.append("push")
        return "ok", f"pushed {j.branch} and {j.tag} to {push.remote}"

    def _step_record(self) -> Iterator[Any]:
        j = self.journal
        assert j is not None
        from shipline.domain.pipeline import release_record

        if j.options.get("handoff") and self.loaded.release.enabled_artifacts and \
                not j.options.get("no_artifacts"):
            self.result = {"version": j.version, "tag": j.tag, "commit": j.release_commit,
                           "pushed": "push" in j.external, "handoff": True}
            raise HandoffRequired(
                f"{j.tag} is tagged{' and pushed' if 'push' in j.external else ''}; its "
                "artifacts are CI's to build and publish (handoff, not a failure)",
                hint=f"in the workflow the tag starts, after publishing: `shipline attest "
                f"FILE... --version {j.version}` records them in the ledger")
        detail = self._artifacts().step_record() or \
            release_record.record_source_release(self.git, self.loaded, j)
        yield LogLine(step="record", text=detail)
        return "ok", detail

    # --- undo --------------------------------------------------------------

    def _restore_files(self) -> None:
        j = self.journal
        assert j is not None
        for rel in j.originals:
            original = j.original_bytes(rel)
            path = self.git.root / rel
            if original is None:
                path.unlink(missing_ok=True)
            elif not path.exists() or path.read_bytes() != original:
                write_atomic(path, original, mode=_mode(path))

    def _undo(self) -> Iterator[Any]:
        """Undo local-only effects. Anything external is left as it is and said."""
        j = self.journal
        assert j is not None
        if j.external:
            raise ShiplineError(
                f"{j.tag} already left this machine ({', '.join(j.external)}); abort would "
                "only hide that", hint="`shipline release resume` to finish the release",
                code=UsageError.code)
        if self.git.tag_exists(j.tag) and j.release_commit and \
                self.git.out("rev-parse", f"{j.tag}^{{commit}}") == j.release_commit:
            self.git.run(["tag", "-d", j.tag])
            yield GitCommand(argv=["tag", "-d", j.tag])
        head = self.git.head()
        if j.release_commit and head == j.release_commit and j.base_head:
            argv = ["reset", "-q", "--keep", j.base_head]
            self.git.run(argv)
            yield GitCommand(argv=argv)
        elif j.release_commit and head != j.base_head:
            raise ShiplineError(
                f"HEAD ({(head or '')[:7]}) is no longer the release commit "
                f"{j.release_commit[:7]}", hint="undo by hand: nothing was changed",
                code=UsageError.code)
        if j.data:
            yield from self._artifacts().undo()
        self._restore_files()
        if j.originals:
            yield LogLine(step="abort", text="restored " + ", ".join(sorted(j.originals)))

    # --- dry run -----------------------------------------------------------

    def _dry_run(self, options: ShipOptions) -> Iterator[Any]:
        planned = self.planned
        assert planned is not None
        plan = planned.plan
        yield StepStarted(step="version", title=TITLES["version"])
        for file in plan.files:
            for change in file.changes:
                yield FileChange(path=file.path, line=change.line, before=change.before,
                                 after=change.after)
        yield StepFinished(step="version", status="planned", detail=str(plan.version))
        yield StepStarted(step="changelog", title=TITLES["changelog"])
        if plan.changelog_entry:
            yield LogLine(step="changelog", text=plan.changelog_entry)
        yield StepFinished(step="changelog", status="planned" if plan.changelog_entry else
                           "skipped", detail=plan.changelog_path or "")
        yield StepStarted(step="gates", title=TITLES["gates"])
        for gate in plan.gates:
            if gate.kind != "repository":
                detail = gate.command or ""
                if gate.name == "migration notes" and plan.missing_migration:
                    detail = "would fail: " + "; ".join(plan.missing_migration)
                yield GateResult(name=gate.name, status="planned", detail=detail)
        yield StepFinished(step="gates", status="planned")
        yield StepStarted(step="commit", title="Git commands a real run executes")
        for argv in plan.git_commands:
            yield GitCommand(argv=argv, planned=True)
        yield StepFinished(step="commit", status="planned")
        yield StepStarted(step="artifacts", title=TITLES["artifacts"])
        for a in plan.artifacts:
            yield LogLine(step="artifacts", text=f"would pre-validate, dry-run, build and publish "
                          f"{a.type} '{a.name or a.type}' to {a.registry or 'its registry'}")
        yield StepFinished(step="artifacts", status="planned" if plan.artifacts else "skipped",
                           detail=f"{len(plan.artifacts)} artifact(s)")
        self.result = {"version": plan.version, "tag": plan.tag, "dry_run": True,
                       "message": f"dry run: {plan.tag} would be released; nothing changed"}


def _raise_for(outcome: Outcome | None) -> None:
    if outcome is None:
        return
    cls = {58: TagExists, 55: VersionBumpFailed}.get(int(outcome.code), GateFailed)
    raise cls(f"gate '{outcome.name}' failed: {outcome.detail}", hint=outcome.hint)


def _require_secret_key(key: str) -> None:
    """91 unless gpg holds the secret half of ``key`` (checked before git
    tries, so the message says what is missing instead of "gpg failed")."""
    from shipline.domain import runner

    try:
        done = runner.run(["gpg", "--batch", "--no-tty", "--list-secret-keys", key], timeout=30)
    except runner.ToolNotFound:
        raise SigningKeyMissing("release.tag.sign is set but gpg is not installed",
                                hint="install gnupg") from None
    if not done.ok:
        raise SigningKeyMissing(f"signing key {key} is not in the gpg keyring "
                                f"({os.environ.get('GNUPGHOME', '~/.gnupg')})",
                                hint="import the key, or set GPG_KEY_ID to a key you have")


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o644

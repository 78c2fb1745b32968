"""A release train: several packages of a workspace released together.

One release commit (its message lists the packages), one tag per package
on it, pushed atomically; before that each package's manifest gets its new
version, the dependents' requirements follow the workspace's policy, and
each package's changelog gets its entry in its own format. The train runs
through the same journal, lock and write-ahead effect log as a single
release, so ``release resume`` and ``release abort`` work on it too; each
package gets its own ledger record (``metadata.links.package``).

Steps: version → changelog → gates → commit → tag → artifacts →
provenance → publish → push → record → forge. Each package with artifacts
(``release.workspace.packages[].artifacts``) gets them built, attested
(its own statement, SBOM and signature) and published, dependencies
first (:mod:`.train_artifacts`); a package without is released
source-only. Then one GitHub/GitLab release per package tag
(:mod:`.train_forge`).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Generator, Iterator, Mapping
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import (
    ExitCode,
    GateFailed,
    ReleaseExists,
    ReleaseInProgress,
    ReleaseNotFound,
)
from shipline.domain.events import (
    GateResult,
    LogLine,
    StepFinished,
)
from shipline.domain.events import StepStarted as Started
from shipline.domain.gitops import Git
from shipline.domain.pipeline import journal
from shipline.domain.pipeline.git_steps import release_commit, undo_local
from shipline.domain.pipeline.order import STEPS as ORDER
from shipline.domain.pipeline.prechecks import tag_signing_key
from shipline.domain.pipeline.run_state import (
    raise_for,
    restore_originals,
)
from shipline.domain.pipeline.step_loop import run_steps
from shipline.domain.pipeline.train_artifacts import TrainArtifacts, check_artifacts
from shipline.domain.pipeline.train_files import TrainFiles
from shipline.domain.pipeline.train_forge import TrainForge
from shipline.domain.pipeline.train_git import TrainGit, commit_message, train_subject
from shipline.domain.pipeline.train_order import dependency_order, planned_commit_message
from shipline.domain.provenance import ledger
from shipline.domain.release import changelog
from shipline.domain.release.gates import (
    MIGRATION_NOTES,
    TAG_IS_NEW,
    Outcome,
    RepoFacts,
    check_repository,
    first_failure,
    run_command_gate,
)
from shipline.domain.workspace.changelogs import changelog_of
from shipline.domain.workspace.plan import PackagePlan, WorkspacePlan, plan_workspace

STEPS = ORDER
"""The single release's steps, each done per package."""
TITLES = {
    "preflight": "Preflight: repository gates",
    "version": "Bump each package's version and its dependents' requirements",
    "changelog": "Write each package's changelog",
    "gates": "Run the release gates",
    "commit": "Release commit",
    "tag": "Tag each package",
    "artifacts": "Pre-validate, dry-run and build each package's artifacts",
    "provenance": "Provenance per package: digests, SBOM, attestation, signature",
    "publish": "Publish each package, dependencies first (point of no return)",
    "push": "Push the commit and tags",
    "record": "Record each package's release",
    "forge": "Create each package's forge release",
}


class Train(TrainGit, TrainFiles, TrainArtifacts, TrainForge):
    """One train run. Iterate :meth:`ship`, :meth:`resume` or :meth:`abort`
    for events; a :class:`ShiplineError` subclass is raised on failure."""

    def __init__(
        self,
        git: Git,
        loaded: LoadedConfig,
        *,
        confirm: Any = None,
        cancel: threading.Event | None = None,
    ):
        self.git = git
        self.loaded = loaded
        self.state_dir = loaded.state_dir
        self.confirm = confirm
        self.cancel = cancel or threading.Event()
        self.journal: journal.Journal | None = None
        self.result: dict[str, Any] = {}
        self.sign_tag: bool | None = None

    @property
    def run(self) -> journal.Journal:
        assert self.journal is not None
        return self.journal

    @property
    def members(self) -> list[dict[str, Any]]:
        return list(self.run.data["train"])

    def _save(self) -> None:
        journal.save(self.state_dir, self.run)

    # --- entry points ------------------------------------------------------

    def ship(
        self,
        picks: Mapping[str, str | None],
        *,
        bump: str | None = None,
        pre: str | None = None,
        no_push: bool = False,
        no_changelog: bool = False,
        no_artifacts: bool = False,
        handoff: bool = False,
        entries: Mapping[str, str] | None = None,
        no_forge: bool = False,
    ) -> Iterator[Any]:
        """``entries``: a package's changelog entry as the operator edited it
        (``{name: text}``), written instead of the generated one."""
        entries = {} if no_changelog else dict(entries or {})
        with journal.ReleaseLock(self.state_dir):
            existing = journal.load(self.state_dir)
            if existing is not None:
                raise ReleaseInProgress(
                    f"release {existing.tag} is already in progress",
                    hint="`shipline release resume` to finish it or `shipline release abort` "
                    "to undo it",
                )
            yield Started(step="preflight", title=TITLES["preflight"])
            plan = plan_workspace(self.git, self.loaded, picks=picks, bump=bump, pre=pre)
            releasing = plan.releasing
            if not releasing:
                raise GateFailed(
                    "no package of the workspace has changes to release",
                    hint="pass NAME@VERSION or --package NAME with --bump",
                )
            yield from self._preflight(plan, push=not no_push, entries=entries)
            yield from self._forge_preflight(
                releasing, no_push=no_push, no_forge=no_forge, handoff=handoff
            )
            if not (no_artifacts or handoff):
                yield from check_artifacts(self.git, self.loaded, releasing)
            head = self.git.head()
            members = [self._member(p) for p in dependency_order(plan)]
            for m in members:
                if m["name"] in entries:
                    m["entry"] = entries[m["name"]]
            branch = self.git.current_branch() or ""
            anchor = ledger.ledger_anchor(self.state_dir)
            for m in members:
                m["tagMessage"] = f"Release {m['tag']}\n\n{anchor}"
            self.journal = journal.Journal(
                release_id=str(uuid.uuid4()),
                version=", ".join(f"{m['name']}@{m['version']}" for m in members),
                tag=members[0]["tag"],
                branch=branch,
                base_head=head,
                started_at=journal.now_iso(),
                options={
                    "no_push": no_push,
                    "no_changelog": no_changelog,
                    "no_forge": no_forge,
                    "no_artifacts": no_artifacts,
                    "handoff": handoff,
                    "bump": bump,
                    "pre": pre,
                },
                commit_message=commit_message(members),
                tag_message="",
                data={"train": members},
            )
            self._save()
            yield StepFinished(
                step="preflight", status="ok", detail=", ".join(m["tag"] for m in members)
            )
            yield from self._run_steps(plan)

    def resume(self, loaded_journal: journal.Journal) -> Iterator[Any]:
        with journal.ReleaseLock(self.state_dir):
            self.journal = loaded_journal
            yield LogLine(step="resume", text=f"resuming the train {self.run.version}")
            yield from self._run_steps(None)

    def abort(self, loaded_journal: journal.Journal) -> Iterator[Any]:
        with journal.ReleaseLock(self.state_dir):
            self.journal = loaded_journal
            yield from self._refuse_if_live()
            yield from self._undo()
            journal.remove(self.state_dir)

    # --- the run -----------------------------------------------------------

    def _run_steps(self, plan: WorkspacePlan | None) -> Iterator[Any]:
        j = self.run
        self._plan = plan
        yield from run_steps(self, TITLES, "train")
        self.result = {
            "packages": [
                {"name": m["name"], "version": m["version"], "tag": m["tag"]} for m in self.members
            ],
            "commit": j.release_commit,
            "pushed": "push" in j.external,
            "forgeReleases": self._forge_urls(),
            "message": "released " + ", ".join(m["tag"] for m in self.members),
        }
        journal.remove(self.state_dir)

    # --- preflight ---------------------------------------------------------

    def _preflight(
        self, plan: WorkspacePlan, *, push: bool, entries: Mapping[str, str]
    ) -> Iterator[Any]:
        releasing = plan.releasing
        book = ledger.load(self.state_dir)
        for p in releasing:
            if book.find_release(str(p.version), p.name) is not None:
                raise ReleaseExists(
                    f"{p.name}@{p.version} is already recorded",
                    hint="a version is released once; ship a new one",
                )
        tags = [p.tag or "" for p in releasing]
        facts = RepoFacts(
            self.git,
            self.loaded.release,
            tags[0],
            self.state_dir,
            push and self.loaded.release.push.enabled,
        )
        outcomes = check_repository(facts)
        missing = [
            f"{p.name}: {c.short} {c.subject}"
            for p in releasing
            for c in changelog.migration_problems(p.commits, entries.get(p.name))
        ]
        outcomes.append(
            Outcome(
                MIGRATION_NOTES,
                not missing,
                "every breaking change has a migration note"
                if not missing
                else f"breaking change without a migration note: {'; '.join(missing)}",
                hint="land a commit whose `BREAKING CHANGE: <how to migrate>` footer says it "
                "(RLSE-005)",
            )
        )
        if self.loaded.release.tag.sign:
            tag_signing_key(self.git)  # 91 before anything is written
        for tag in tags[1:]:
            if self.git.tag_exists(tag):
                outcomes.append(
                    Outcome(
                        TAG_IS_NEW,
                        False,
                        f"tag {tag} already exists",
                        code=ExitCode.TAG_EXISTS,
                        hint="choose another version for that package",
                    )
                )
        for outcome in outcomes:
            yield outcome.event()
        raise_for(first_failure(outcomes))

    def _member(self, p: PackagePlan) -> dict[str, Any]:
        # a crate that inherits [workspace.package].version is bumped in the root manifest
        manifest = "Cargo.toml" if p.package.version_from_workspace else p.package.manifest
        return {
            "name": p.name,
            "path": p.package.path,
            "manifest": manifest,
            "ecosystem": p.package.ecosystem,
            "version": str(p.version),
            "tag": p.tag,
            "previous": str(p.last_version) if p.last_version else None,
            "group": p.group,
            "changelog": changelog_of(self.loaded, p),
        }

    def _replan(self) -> WorkspacePlan:
        """The plan for the journal's versions (a resumed run starts here)."""
        if self._plan is None:
            picks = {m["name"]: m["version"] for m in self.members}
            self._plan = plan_workspace(self.git, self.loaded, picks=picks)
        return self._plan

    def _step_gates(self) -> Generator[Any, None, Any]:
        gates = self.loaded.release.gates
        for gate in gates:
            yield GateResult(name=gate.name, status="running")
            for item in run_command_gate(
                gate, self.git.root, self.members[0]["version"], self.cancel
            ):
                if isinstance(item, Outcome):
                    yield item.event()
                    raise_for(item if not item.passed else None)
                else:
                    yield item
        return "ok", f"{len(gates)} gates passed"

    # --- git ---------------------------------------------------------------

    def _step_commit(self) -> Generator[Any, None, Any]:
        return (yield from release_commit(self.git, self.run, sorted(self.run.originals)))

    # --- undo --------------------------------------------------------------

    def _undo(self) -> Iterator[Any]:
        yield from undo_local(
            self.git, self.run, [m["tag"] for m in self.members], before_files=self._undo_artifacts
        )

    def _restore_files(self) -> None:
        restore_originals(self.git.root, self.run)


def is_train(j: journal.Journal) -> bool:
    return "train" in j.data


__all__ = [
    "STEPS",
    "TITLES",
    "ReleaseNotFound",
    "Train",
    "is_train",
    "planned_commit_message",
    "train_subject",
]

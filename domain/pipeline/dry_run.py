"""``release ship --dry-run``: every step a real run takes, without its
effects. Nothing is written, committed, tagged or pushed in the repository.

What can be tried without an effect is tried, not described: the release
is rehearsed in a scratch checkout of HEAD (a ``git clone --shared`` in a
temporary directory, with the version files bumped and the changelog
written there), where the release gates run and every artifact is
pre-validated and dry-run, exactly as the real run will. Signing was
checked by the preflight. The scratch checkout is removed afterwards.

The scratch checkout holds the committed files only: ignored files such as
a virtualenv or ``node_modules`` are not there, so a gate that needs them
should install or name them itself.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import GateFailed
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
from shipline.domain.pipeline.order import TITLES, ShipOptions
from shipline.domain.pipeline.prechecks import attests_here
from shipline.domain.pipeline.run_state import raise_for
from shipline.domain.release import version_files as bumpfiles
from shipline.domain.release.gates import Outcome, run_command_gate
from shipline.domain.release.plan_model import PlannedRelease


def dry_run(
    planned: PlannedRelease,
    git: Git,
    loaded: LoadedConfig,
    options: ShipOptions,
    cancel: threading.Event | None = None,
    forge: str | None = None,
) -> Generator[Any, None, dict[str, Any]]:
    """Yield the rehearsed steps' events; return the run's result. ``forge``
    says what the forge step would do (None: it is skipped)."""
    plan = planned.plan
    yield StepStarted(step="version", title=TITLES["version"])
    for file in plan.files:
        for change in file.changes:
            yield FileChange(
                path=file.path, line=change.line, before=change.before, after=change.after
            )
    yield StepFinished(step="version", status="planned", detail=str(plan.version))
    yield StepStarted(step="changelog", title=TITLES["changelog"])
    if plan.changelog_entry:
        yield LogLine(step="changelog", text=plan.changelog_entry)
    yield StepFinished(
        step="changelog",
        status="planned" if plan.changelog_entry else "skipped",
        detail=plan.changelog_path or "",
    )
    scratch = Path(tempfile.mkdtemp(prefix="shipline-dry-run-"))
    try:
        root = _scratch_checkout(git, planned, scratch / "repo")
        yield from _gates(planned, loaded, root, cancel)
        yield StepStarted(step="commit", title="Git commands a real run executes")
        for argv in plan.git_commands:
            yield GitCommand(argv=argv, planned=True)
        yield StepFinished(step="commit", status="planned")
        yield from _artifacts(planned, loaded, options, root, scratch / "out")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    yield StepStarted(step="forge", title=TITLES["forge"])
    if forge:
        yield LogLine(step="forge", text=forge)
    yield StepFinished(step="forge", status="planned" if forge else "skipped")
    return {
        "version": plan.version,
        "tag": plan.tag,
        "dry_run": True,
        "message": f"dry run: {plan.tag} would be released; gates and artifact dry runs "
        "passed; nothing changed",
    }


def _scratch_checkout(git: Git, planned: PlannedRelease, target: Path) -> Path:
    """HEAD in ``target`` with the release's files written as a real run
    writes them; the repository itself is only read."""
    head = planned.plan.head or "HEAD"
    try:
        git.run(
            ["clone", "-q", "--shared", "--no-checkout", str(git.root), str(target)], timeout=300
        )
        Git.open(target).run(["checkout", "-q", "--detach", head], timeout=300)
    except GitError as exc:
        raise GateFailed(
            f"dry run: cannot make a scratch checkout of {head[:12]}: {exc.message}",
            hint="check the repository with `git fsck`",
        ) from None
    bumpfiles.apply_bumps(target, planned.bumps)
    if planned.changelog_text is not None and planned.plan.changelog_path:
        write_atomic(target / planned.plan.changelog_path, planned.changelog_text)
    return target


def _gates(
    planned: PlannedRelease, loaded: LoadedConfig, root: Path, cancel: threading.Event | None
) -> Iterator[Any]:
    plan = planned.plan
    assert plan.version
    yield StepStarted(step="gates", title=TITLES["gates"] + " (in a scratch checkout)")
    bumpfiles.check_consistent(root, planned.version_files, plan.version)
    yield GateResult(
        name="version consistent", status="passed", detail=f"{plan.version} everywhere"
    )
    for gate in loaded.release.gates:
        yield GateResult(name=gate.name, status="running")
        for item in run_command_gate(gate, root, plan.version, cancel):
            if isinstance(item, Outcome):
                yield item.event()
                raise_for(item if not item.passed else None)
            else:
                yield item
    yield StepFinished(
        step="gates",
        status="ok",
        detail=f"{len(loaded.release.gates) + 1} gates passed in the rehearsal",
    )


def _artifacts(
    planned: PlannedRelease, loaded: LoadedConfig, options: ShipOptions, root: Path, out: Path
) -> Iterator[Any]:
    """Pre-validate every artifact (86), then dry-run every one (ARTP-002),
    against the scratch checkout; nothing is built for real or published."""
    yield StepStarted(step="artifacts", title=TITLES["artifacts"] + " (dry run)")
    if not attests_here(loaded, options):
        yield StepFinished(step="artifacts", status="skipped", detail="no artifacts built here")
        return
    from shipline.domain.artifacts import ArtifactContext, load_handler

    scratch = Git.open(root)
    commit = scratch.out("rev-parse", "HEAD")
    events: list[Any] = []
    ctx = ArtifactContext(
        repo_root=root,
        version=str(planned.plan.version),
        release_commit=commit,
        source_date_epoch=scratch.commit_time(commit),
        out_dir=out,
        tag=str(planned.plan.tag),
        emit=events.append,
    )
    handlers = [load_handler(cfg, ctx) for cfg in loaded.release.enabled_artifacts]
    for h in handlers:
        try:
            h.validate()
        finally:
            yield from _drain(events)
        yield LogLine(step="artifacts", text=f"pre-validated {h.label}")
    for h in handlers:
        try:
            report = h.dry_run()
        finally:
            yield from _drain(events)
        yield from report.log_lines(h.type_name)
        yield LogLine(
            step="artifacts", text=f"would publish {h.label} to {h.cfg.registry or 'its registry'}"
        )
    yield StepFinished(
        step="artifacts",
        status="ok",
        detail=f"{len(handlers)} artifact(s) pre-validated and dry-run",
    )


def _drain(events: list[Any]) -> Iterator[Any]:
    while events:
        yield events.pop(0)

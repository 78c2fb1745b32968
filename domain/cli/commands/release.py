"""``shipline release plan|ship|resume|abort``: thin drivers of the
pipeline that turn its events into output."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from shipline.domain.cli.session import Session
from shipline.domain.errors import ExitCode
from shipline.domain.events import (
    Confirmation,
    FileChange,
    GateResult,
    GitCommand,
    LogLine,
    StepFinished,
    StepStarted,
)
from shipline.domain.pipeline.order import ShipOptions
from shipline.domain.pipeline.prechecks import checks_before_write
from shipline.domain.release.plan import make_plan
from shipline.domain.release.plan_model import PlanOptions
from shipline.domain.release.plan_truth import preflight

if TYPE_CHECKING:
    from shipline.domain.pipeline.steps import Pipeline
    from shipline.domain.pipeline.train import Train


def _options(args: argparse.Namespace, cls: type[PlanOptions]) -> Any:
    entry = None
    if getattr(args, "changelog_entry", None):
        from shipline.domain.errors import UsageError

        try:
            entry = args.changelog_entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"--changelog-entry {args.changelog_entry}: cannot read: {exc}",
                hint="pass a readable UTF-8 file with the reviewed entry",
            ) from None
    versions = args.version if isinstance(args.version, list) else [args.version]
    versions = [v for v in versions if v is not None]
    if len(versions) > 1 or getattr(args, "package", None):
        from shipline.domain.errors import UsageError

        raise UsageError(
            "several versions or --package are for workspaces (monorepos)",
            hint="give one VERSION, or add a release.workspace section (`shipline init`)",
        )
    fields: dict[str, Any] = {
        "version": versions[0] if versions else None,
        "bump": args.bump,
        "pre": args.pre,
        "changelog_entry": entry,
    }
    for name in (
        "no_changelog",
        "no_artifacts",
        "no_push",
        "no_forge",
        "dry_run",
        "yes",
        "handoff",
    ):
        if hasattr(args, name) and name in cls.model_fields:
            fields[name] = getattr(args, name)
    return cls(**fields)


def plan(session: Session, args: argparse.Namespace) -> Any:
    from shipline.domain.cli.commands.workspace import plan_train, workspace_of

    workspace = workspace_of(session)
    if workspace is not None:
        return plan_train(session, args, workspace)
    options = _options(args, PlanOptions)
    with session.git.reading():
        planned = make_plan(session.git, session.config, options)
        p = planned.plan
        outcomes = preflight(session.git, session.config, p)
    emit = session.emit
    last = p.last_tag or "none (first release)"
    emit(StepStarted(step="plan", title=f"Release plan for {session.repo.name}"))
    imported = session.config.imported_from
    if imported:
        emit(
            LogLine(
                step="plan",
                text="no shipline config: using the release settings in "
                + ", ".join(imported)
                + " (`shipline init` writes them down)",
            )
        )
    emit(LogLine(step="plan", text=f"last release: {last}; {len(p.commits)} commit(s) since"))
    for warning in p.warnings:
        emit(LogLine(step="plan", text=f"warning: {warning}", stream="stderr"))
    for c in p.commits:
        mark = "!" if c.breaking else " "
        emit(LogLine(step="plan", text=f"  {c.short} {mark} {c.subject}"))
    if not p.releasable:
        for outcome in outcomes:
            emit(outcome.event())
        if p.blocker_code:
            emit(
                StepFinished(
                    step="plan",
                    status="failed",
                    detail="not releasable: " + (p.blocker_hint or p.blocker or ""),
                )
            )
        else:
            emit(StepFinished(step="plan", status="skipped", detail=p.blocker or ""))
        data = {"plan": p.model_dump(mode="json"), "message": p.blocker}
        if p.blocker_code:
            data["hint"] = p.blocker_hint
            return ExitCode(p.blocker_code), data
        return data
    emit(LogLine(step="plan", text=f"bump: {p.bump or 'explicit'} → {p.version} (tag {p.tag})"))
    for reason in p.reasons:
        emit(LogLine(step="plan", text=f"  because {reason}"))
    for f in p.files:
        if f.why:
            emit(LogLine(step="plan", text=f"{f.path}: {f.why}"))
        for change in f.changes:
            emit(
                FileChange(path=f.path, line=change.line, before=change.before, after=change.after)
            )
    if p.changelog_entry:
        emit(LogLine(step="plan", text=f"changelog entry for {p.changelog_path}:"))
        session.text(p.changelog_entry)
    if p.missing_migration:
        emit(
            LogLine(
                step="plan",
                text="breaking changes without a migration note (the "
                "migration-notes gate will fail): " + "; ".join(p.missing_migration),
            )
        )
    repo_gates = {o.name: o for o in outcomes}
    for gate in p.gates:
        if gate.name in repo_gates:
            emit(repo_gates[gate.name].event())
        else:
            emit(GateResult(name=gate.name, status="planned", detail=gate.command or ""))
    for argv in p.git_commands:
        emit(GitCommand(argv=argv, planned=True))
    if p.artifacts:
        names = ", ".join(f"{a.type}:{a.name or '-'}" for a in p.artifacts)
        emit(LogLine(step="plan", text=f"artifacts: {names}"))
    else:
        emit(LogLine(step="plan", text="source-only release: no artifacts"))
    forge = session.config.release.forge
    if forge is not None and not options.no_forge and not options.no_push:
        emit(
            LogLine(
                step="plan",
                text=f"forge: a {forge.type} release of {forge.repository} "
                f"for {p.tag} after the push (token from {forge.token_variable})",
            )
        )
    for event in checks_before_write(session.git, session.config, p, options):
        emit(event)  # 54 / 90 / 91 now, not after the bump, commit and tag
    emit(StepFinished(step="plan", status="planned", detail=f"{p.tag}; nothing was changed"))
    return {
        "plan": p.model_dump(mode="json"),
        "message": f"{p.tag} would be released; nothing was changed",
    }


def _confirm(session: Session, options: ShipOptions) -> Any:
    if options.yes or not session.interactive:
        return None

    def ask(request: Confirmation) -> bool:
        import questionary

        return bool(questionary.confirm(request.question, default=False).ask())

    return ask


def _drive(session: Session, pipeline: Pipeline | Train, events: Any) -> dict[str, Any]:
    """Show every event. A Ctrl-C that lands while an event is being shown
    sets the run's cancel token, the same one the TUI's cancel sets: the
    pipeline stops the step in progress and undoes what is local (a Ctrl-C
    inside a step reaches the pipeline as a KeyboardInterrupt, the same path)."""
    for event in events:
        try:
            if (
                isinstance(event, LogLine)
                and event.step == "changelog"
                and session.output == "text"
            ):
                session.text(event.text)
            else:
                session.emit(event)
        except KeyboardInterrupt:
            pipeline.cancel.set()
    return pipeline.result


def ship(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    from shipline.domain.cli.commands.workspace import ship_train, workspace_of

    workspace = workspace_of(session)
    if workspace is not None:
        train = ship_train(
            session, args, workspace, _confirm(session, ShipOptions(yes=bool(args.yes)))
        )
        return train if isinstance(train, dict) else _drive(session, *train)
    options = _options(args, ShipOptions)
    from shipline.domain.pipeline.steps import Pipeline

    pipeline = Pipeline(session.git, session.config, confirm=_confirm(session, options))
    return _drive(session, pipeline, pipeline.ship(options))


def resume(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    from shipline.domain.pipeline.runs import resume_run

    run, events = resume_run(
        session.git, session.config, confirm=_confirm(session, ShipOptions(yes=False))
    )
    return _drive(session, run, events)


def abort(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    from shipline.domain.pipeline.runs import abort_run
    from shipline.domain.pipeline.train import Train

    run, events = abort_run(session.git, session.config)
    _drive(session, run, events)
    if isinstance(run, Train):
        return {"message": "aborted: the train's local effects undone"}
    return {"message": "aborted: local effects undone"}

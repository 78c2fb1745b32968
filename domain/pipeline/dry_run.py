"""``release ship --dry-run``: the events a real run would produce, from the
plan alone. Nothing is written, committed, tagged or pushed."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from shipline.domain.events import (
    FileChange,
    GateResult,
    GitCommand,
    LogLine,
    StepFinished,
    StepStarted,
)
from shipline.domain.pipeline.order import TITLES
from shipline.domain.release.gates import MIGRATION_NOTES
from shipline.domain.release.plan import PlannedRelease


def dry_run(planned: PlannedRelease,
            forge: str | None = None) -> Generator[Any, None, dict[str, Any]]:
    """Yield the planned steps' events; return the run's result. ``forge``
    says what the forge step would do (None: it is skipped)."""
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
            if gate.name == MIGRATION_NOTES and plan.missing_migration:
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
    yield StepStarted(step="forge", title=TITLES["forge"])
    if forge:
        yield LogLine(step="forge", text=forge)
    yield StepFinished(step="forge", status="planned" if forge else "skipped")
    return {"version": plan.version, "tag": plan.tag, "dry_run": True,
            "message": f"dry run: {plan.tag} would be released; nothing changed"}

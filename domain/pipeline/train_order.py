"""A release train's order: its packages dependencies first (the order they
are tagged, listed in the commit message and published in), and the commit
message that order makes."""

from __future__ import annotations

from shipline.domain.pipeline.train_git import commit_message
from shipline.domain.workspace.plan import PackagePlan, WorkspacePlan


def dependency_order(plan: WorkspacePlan) -> list[PackagePlan]:
    """The released packages, dependencies before their dependents (publish
    order), then by path."""
    chosen = {p.name: p for p in plan.releasing}
    done: list[PackagePlan] = []
    seen: set[str] = set()

    def visit(p: PackagePlan, path: tuple[str, ...]) -> None:
        if p.name in seen or p.name in path:
            return
        for req in p.package.requires:
            if req.name in chosen:
                visit(chosen[req.name], (*path, p.name))
        seen.add(p.name)
        done.append(p)

    for p in sorted(plan.releasing, key=lambda x: x.package.path):
        visit(p, ())
    return done


def planned_commit_message(plan: WorkspacePlan) -> str:
    """The release commit's message the train would make for ``plan``."""
    return commit_message(
        [{"name": p.name, "version": str(p.version)} for p in dependency_order(plan)]
    )

"""``shipline release plan`` in a workspace (monorepo): every package with
changes since its own last tag, its commits, next version and why.

Whether a repository is released package by package is decided by
:mod:`shipline.domain.workspace.released`. Packages are chosen by
``NAME@VERSION`` arguments, ``--package NAME``, or by running in a
package's folder (``-C packages/cli``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from shipline.domain.cli.session import Session
from shipline.domain.ecosystems.workspaces import Workspace, WorkspacePackage
from shipline.domain.errors import ExitCode, UsageError
from shipline.domain.events import LogLine, PackagePlanned, StepFinished, StepStarted
from shipline.domain.gitops import Git

if TYPE_CHECKING:
    from shipline.domain.workspace.plan import PackagePlan


def workspace_of(session: Session) -> Workspace | None:
    """The workspace this invocation releases, or ``None`` for one package."""
    config = session.config
    if config.release.workspace is None and config.path is not None:
        return None  # a config without a workspace section: one release (no import needed)
    from shipline.domain.workspace.released import released_workspace

    return released_workspace(session.git, session.config)


def packages_section(git: Git, workspace: Workspace) -> dict[str, Any]:
    """``release.workspace`` as ``init`` writes it: every package with its
    path, manifest, tag pattern (the one its tags use), changelog and
    whether it is private."""
    from shipline.domain.release import tag_patterns

    tags = git.out("tag", "--merged", "HEAD").splitlines() if git.head() else []
    pattern = tag_patterns.detect_pattern([p.name for p in workspace.packages], tags)
    section: dict[str, Any] = {}
    if pattern:
        section["tagPattern"] = pattern
    section["packages"] = [
        {
            "name": p.name,
            "path": p.path,
            "manifest": p.manifest,
            "tagPattern": pattern or tag_patterns.default_pattern(p.ecosystem),
            "changelog": p.default_changelog,
            "private": p.private,
            "artifacts": package_artifacts(p),
        }
        for p in workspace.packages
    ]
    return section


def package_artifacts(package: WorkspacePackage) -> list[dict[str, Any]]:
    """What a release train publishes for ``package``, as ``init`` writes it:
    its ecosystem's artifact (npm-package, python-package, cargo-crate) to
    the public registry, the token named by its conventional variable. A
    private package publishes nothing (``[]``); add an entry to publish it."""
    from shipline.domain.ecosystems.detect import (
        ARTIFACT_FOR,
        CREDENTIALS_FOR,
        DEFAULT_REGISTRY,
        ArtifactCandidate,
        options_for,
    )

    kind = ARTIFACT_FOR.get(package.ecosystem)
    if package.private or kind is None:
        return []
    registry = DEFAULT_REGISTRY.get(kind)
    candidate = ArtifactCandidate(
        type=kind,
        name=None,
        registry=registry,
        credentials_env=CREDENTIALS_FOR.get(kind),
        options=options_for(kind, registry),
    )
    return [candidate.entry()]


def split_target(text: str) -> tuple[str, str | None]:
    """``@scope/cli@3.0.1`` → (``@scope/cli``, ``3.0.1``); ``cli`` → (``cli``, None)."""
    from shipline.domain.provenance.ledger import split_package_version

    name, version = split_package_version(text)
    return (name, version) if name is not None else (text, None)


def picks_from(
    session: Session, args: argparse.Namespace, workspace: Workspace
) -> dict[str, str | None]:
    picks: dict[str, str | None] = {}
    for target in _targets(args):
        name, version = split_target(target)
        if version is None and workspace.package(name) is None:
            raise UsageError(
                f"'{target}' is neither NAME@VERSION nor a package name",
                hint="e.g. release ship @scope/cli@3.0.1 or --package @scope/cli",
            )
        picks[name] = version
    for name in getattr(args, "package", None) or []:
        picks.setdefault(name, None)
    if not picks:
        here = session.cwd.resolve()
        if here != session.repo:
            folder = here.relative_to(session.repo).as_posix()
            pkg = workspace.package_at(folder)
            if pkg is not None:
                picks[pkg.name] = None
    return picks


def _targets(args: argparse.Namespace) -> list[str]:
    value = getattr(args, "version", None)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def plan_train(session: Session, args: argparse.Namespace, workspace: Workspace) -> Any:
    from shipline.domain.workspace.plan import plan_workspace

    picks = picks_from(session, args, workspace)
    plan = plan_workspace(
        session.git, session.config, picks=picks, bump=args.bump, pre=args.pre, workspace=workspace
    )
    emit = session.emit
    emit(
        StepStarted(
            step="plan",
            title=f"Release plan for the {workspace.kind} workspace "
            f"{session.repo.name} ({len(plan.packages)} packages)",
        )
    )
    for p in plan.packages:
        emit(
            PackagePlanned(
                name=p.name,
                path=p.package.path,
                last_tag=p.last_tag,
                commits=len(p.commits),
                version=str(p.version) if p.version else None,
                tag=p.tag,
                bump=p.bump,
                release=p.selected,
                private=p.package.private,
                group=p.group,
                reasons=p.reasons,
            )
        )
    source = (
        "release.workspace.dependents"
        if (session.config.release.workspace and session.config.release.workspace.dependents)
        else "the last release"
    )
    emit(LogLine(step="plan", text=f"dependents' requirements: {plan.dependents} (from {source})"))
    releasing = plan.releasing
    if not releasing:
        emit(
            StepFinished(step="plan", status="skipped", detail="no package has changes to release")
        )
        return {
            "packages": [p.to_json() for p in plan.packages],
            "releasable": False,
            "message": "no package has changes to release; nothing was changed",
        }
    unwritten = (
        [] if getattr(args, "no_changelog", False) else _unwritten_entries(session, releasing)
    )
    if unwritten:
        blocker = "changelog entry: " + "; ".join(unwritten)
        hint = (
            "write each package's release notes under an Unreleased heading in its "
            "changelog (the TUI lets you write them), or pass --no-changelog"
        )
        emit(StepFinished(step="plan", status="failed", detail=f"not releasable: {hint}"))
        return ExitCode.GATE_FAILED, {
            "packages": [p.to_json() for p in plan.packages],
            "releasable": False,
            "blocker": blocker,
            "blocker_code": int(ExitCode.GATE_FAILED),
            "message": blocker,
            "hint": hint,
        }
    artifacts = _artifacts_planned(session, args, [p.name for p in releasing])
    tags = ", ".join(p.tag or "" for p in releasing)
    forge = _forge_planned(session, args, tags)
    emit(StepFinished(step="plan", status="planned", detail=f"{tags}; nothing was changed"))
    return {
        "packages": [p.to_json() for p in plan.packages],
        "releasable": True,
        "dependents": plan.dependents,
        "artifacts": artifacts,
        "forge": forge,
        "message": f"{len(releasing)} package(s) would be released: {tags}",
    }


def _forge_planned(session: Session, args: argparse.Namespace, tags: str) -> str | None:
    """The train's forge releases, one per package tag, by the rule the
    train's forge step follows (``None``: it would make none)."""
    forge = session.config.release.forge
    if forge is None:
        return None
    from shipline.domain.pipeline.forge_release import skip_reason

    options = {
        "no_forge": getattr(args, "no_forge", False),
        "no_push": getattr(args, "no_push", False),
    }
    if skip_reason(session.config, options) is not None:
        return None
    text = f"a {forge.type} release of {forge.repository} for each of {tags} after the push"
    session.emit(LogLine(step="plan", text=f"forge: {text}"))
    return text


def _unwritten_entries(session: Session, releasing: list[PackagePlan]) -> list[str]:
    """Packages whose changelog is written by hand with no notes for this
    release: the train would stop at its changelog step (57), so the plan
    says so first (54), as ``release plan`` does for one package."""
    if not session.config.release.changelog.enabled:
        return []
    from shipline.domain.workspace.changelogs import propose_entry

    out = []
    for p in releasing:
        proposed = propose_entry(session.git, session.config, p)
        if proposed.todo:
            out.append(f"{p.name}: {proposed.path}: {proposed.todo}")
    return out


def ship_train(
    session: Session, args: argparse.Namespace, workspace: Workspace, confirm: Any
) -> Any:
    """``release ship`` in a workspace: a dry run prints the plan; otherwise
    (the train, its events) for the caller to drive."""
    if getattr(args, "dry_run", False):
        result = plan_train(session, args, workspace)
        data = result[1] if isinstance(result, tuple) else result
        data["message"] = "dry run: " + str(data["message"])
        return result
    from shipline.domain.pipeline.train import Train

    picks = picks_from(session, args, workspace)
    train = Train(session.git, session.config, confirm=confirm)
    return train, train.ship(
        picks,
        bump=args.bump,
        pre=args.pre,
        no_push=bool(getattr(args, "no_push", False)),
        no_changelog=bool(getattr(args, "no_changelog", False)),
        no_forge=bool(getattr(args, "no_forge", False)),
        no_artifacts=bool(getattr(args, "no_artifacts", False)),
        handoff=bool(getattr(args, "handoff", False)),
    )


def _artifacts_planned(
    session: Session, args: argparse.Namespace, names: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """What the train would build, attest and publish for each package
    (one line each; ``{}`` with ``--no-artifacts``)."""
    if getattr(args, "no_artifacts", False):
        return {}
    workspace = session.config.release.workspace
    configs = {p.name: p.enabled_artifacts for p in workspace.packages} if workspace else {}
    prov = session.config.release.security.provenance
    attested = f", attested and signed with {prov.signing.method}" if prov.enabled else ""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        found = configs.get(name) or []
        if not found:
            session.emit(LogLine(step="plan", text=f"{name}: source-only (no artifacts)"))
            continue
        out[name] = [a.model_dump(by_alias=True, exclude_none=True) for a in found]
        where = "; ".join(
            f"{a.type} from {a.path} to {a.registry or 'its registry'}" for a in found
        )
        session.emit(LogLine(step="plan", text=f"{name}: publishes {where}{attested}"))
    return out


def package_tag(session: Session, name: str, version: str) -> str:
    """The tag of ``NAME@VERSION`` by the package's tag pattern; 50 when
    the repository is not released package by package or has no such
    package."""
    from shipline.domain.errors import ReleaseNotFound
    from shipline.domain.release import tag_patterns
    from shipline.domain.workspace.plan import plan_workspace

    workspace = workspace_of(session)
    if workspace is None:
        raise ReleaseNotFound(
            f"{name}@{version}: this repository is not released package by package",
            hint=f"give the bare version: --version {version}",
        )
    plan = plan_workspace(session.git, session.config, picks={}, workspace=workspace)
    found = next((p for p in plan.packages if p.name == name), None)
    if found is None:
        raise ReleaseNotFound(
            f"{name}@{version}: no package {name} in the workspace",
            hint="one of: " + ", ".join(p.name for p in plan.packages),
        )
    return tag_patterns.render(found.tag_pattern, name, version.removeprefix("v"))

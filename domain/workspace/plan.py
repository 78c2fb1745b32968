"""What a release of a workspace (monorepo) would do now: for every package,
its last tag, its own commits since, the bump they ask for and why, and
the next version; computed without changing anything.

Packages are versioned independently, except fixed groups, which always
share one version (``release.workspace.fixed``, and the Cargo crates that
inherit ``[workspace.package].version``): a group's bump is the largest its
members ask for, and every member is released with it. Private packages
are listed but never released unless ``includePrivate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.config_workspace import WorkspaceConfig
from shipline.domain.ecosystems.workspace_detection import detect_workspace
from shipline.domain.ecosystems.workspaces import Workspace, WorkspacePackage
from shipline.domain.errors import InvalidVersion, ReleaseNotFound
from shipline.domain.gitops import Git
from shipline.domain.release import tag_patterns
from shipline.domain.release.commits import Commit
from shipline.domain.release.versioning import (
    Version,
    infer_bump,
    next_version,
    parse_version,
    tag_targets,
    try_parse,
)

BUMP_ORDER = (None, "patch", "minor", "major")


@dataclass
class PackagePlan:
    """One package's part of a release train."""

    package: WorkspacePackage
    tag_pattern: str
    last_tag: str | None = None
    last_version: Version | None = None
    """The newest release of any kind (a prerelease included)."""
    last_stable: Version | None = None
    commits: list[Commit] = field(default_factory=list)
    bump: str | None = None
    version: Version | None = None
    reasons: list[str] = field(default_factory=list)
    group: str | None = None
    selected: bool = False
    """Released by this train."""

    @property
    def name(self) -> str:
        return self.package.name

    @property
    def tag(self) -> str | None:
        return (
            tag_patterns.render(self.tag_pattern, self.name, str(self.version))
            if self.version is not None
            else None
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.package.path,
            "ecosystem": self.package.ecosystem,
            "private": self.package.private,
            "lastTag": self.last_tag,
            "lastVersion": str(self.last_version) if self.last_version else None,
            "commits": len(self.commits),
            "bump": self.bump,
            "version": str(self.version) if self.version else None,
            "tag": self.tag,
            "group": self.group,
            "release": self.selected,
            "reasons": self.reasons,
        }


@dataclass
class WorkspacePlan:
    workspace: Workspace
    packages: list[PackagePlan]
    dependents: str = "satisfy"
    """The requirement policy this train follows (config, or the last release's)."""

    @property
    def releasing(self) -> list[PackagePlan]:
        return [p for p in self.packages if p.selected]


# --- the workspace as configured --------------------------------------------------------


def resolve_workspace(repo: Path, settings: WorkspaceConfig | None) -> Workspace | None:
    """The workspace detected at ``repo``, narrowed and corrected by the
    config's ``packages`` section when it has one."""
    found = detect_workspace(repo)
    if settings is None or not settings.packages:
        return found
    by_path = {p.path: p for p in found.packages} if found else {}
    chosen = []
    for entry in settings.packages:
        folder = entry.path.strip("/") or "."
        detected = by_path.get(folder)
        if detected is None:
            raise ReleaseNotFound(
                f"release.workspace.packages: no package manifest in "
                f"'{entry.path}' for {entry.name}",
                hint="fix the path, or run `shipline init --force`",
            )
        private = detected.private if entry.private is None else entry.private
        chosen.append(
            WorkspacePackage(
                entry.name,
                folder,
                entry.manifest or detected.manifest,
                detected.ecosystem,
                detected.version,
                private,
                detected.requires,
                detected.version_from_workspace,
            )
        )
    kind = found.kind if found else "plain"
    return Workspace(
        kind,
        found.manifest if found else chosen[0].manifest,
        tuple(chosen),
        found.shared_version if found else None,
    )


def matching(workspace: Workspace, pattern: str) -> list[str]:
    """The packages a name or glob (``@acme/*``, as changesets writes) names."""
    if workspace.package(pattern) is not None:
        return [pattern]
    return [p.name for p in workspace.packages if fnmatchcase(p.name, pattern)]


def fixed_groups(workspace: Workspace, settings: WorkspaceConfig) -> dict[str, str]:
    """``{package: group name}`` for the packages that share a version."""
    groups: dict[str, str] = {}
    for members in settings.fixed:
        label = "+".join(members)
        for pattern in members:
            names = matching(workspace, pattern)
            if not names:
                raise ReleaseNotFound(
                    f"release.workspace.fixed: '{pattern}' is not a package of this workspace",
                    hint="name packages as their manifests do",
                )
            for name in names:
                groups[name] = label
    inherited = [p.name for p in workspace.packages if p.version_from_workspace]
    if len(inherited) > 1:
        for name in inherited:
            groups.setdefault(name, "workspace")
    return groups


# --- the plan --------------------------------------------------------------------------


def _merged_tags(git: Git) -> list[str]:
    if git.head() is None:
        return []
    return git.out("tag", "--merged", "HEAD").splitlines()


def _max_bump(bumps: Sequence[str | None]) -> str | None:
    return max(bumps, key=BUMP_ORDER.index, default=None)


def plan_workspace(
    git: Git,
    loaded: LoadedConfig,
    *,
    picks: Mapping[str, str | None],
    bump: str | None = None,
    pre: str | None = None,
    workspace: Workspace | None = None,
) -> WorkspacePlan:
    """Plan a train. ``picks`` names the packages asked for (``{name:
    version or None}``); empty means every package with changes."""
    settings = loaded.release.workspace or WorkspaceConfig()
    workspace = workspace or resolve_workspace(git.root, settings)
    if workspace is None:
        raise ReleaseNotFound(
            f"{git.root} is not a workspace: no package manifests found",
            hint="release a single package with `shipline release plan`",
        )
    for name in picks:
        if workspace.package(name) is None:
            known = ", ".join(p.name for p in workspace.packages)
            raise ReleaseNotFound(
                f"no package named '{name}' in this workspace", hint=f"the packages are: {known}"
            )
    tags = _merged_tags(git)
    pattern = settings.tag_pattern or tag_patterns.detect_pattern(
        [p.name for p in workspace.packages], tags
    )
    targets = tag_targets(git, "") if tags else {}
    plans: list[PackagePlan] = []
    for pkg in workspace.packages:
        own_pattern = next(
            (c.tag_pattern for c in settings.packages if c.name == pkg.name and c.tag_pattern), None
        )
        plans.append(
            PackagePlan(pkg, own_pattern or pattern or tag_patterns.default_pattern(pkg.ecosystem))
        )
    indexes: dict[str, dict[str, list[tuple[str, Version]]]] = {}
    for plan in plans:
        if plan.tag_pattern not in indexes:
            indexes[plan.tag_pattern] = tag_patterns.index_tags(
                plan.tag_pattern, [p.name for p in plans if p.tag_pattern == plan.tag_pattern], tags
            )
        found = indexes[plan.tag_pattern].get(plan.name)
        if found:
            plan.last_tag, plan.last_version = found[-1]
            plan.last_stable = next((v for _, v in reversed(found) if not v.prerelease), None)
    from shipline.domain.workspace.commits import commits_by_package

    released = {p.name: targets[p.last_tag][0] if p.last_tag in targets else None for p in plans}
    commits = commits_by_package(
        git,
        workspace.packages,
        released,
        shared_paths=settings.shared_paths,
        scopes=settings.scopes,
    )
    groups = fixed_groups(workspace, settings)
    for plan in plans:
        plan.commits = commits.get(plan.name, [])
        plan.group = groups.get(plan.name)
        base = plan.last_version or try_parse(plan.package.version or "") or Version(0, 0, 0)
        decision = infer_bump(plan.commits, base.finalize_version())
        plan.bump = bump if bump is not None else decision.bump
        plan.reasons = [
            f"{len(plan.commits)} commit(s) since {plan.last_tag or 'the beginning'}",
            *decision.reasons,
        ]
    ignored = {name for pattern in settings.ignore for name in matching(workspace, pattern)}
    _apply_groups(plans, picks)
    for plan in plans:
        if plan.name in ignored and plan.name not in picks:
            plan.reasons.append("ignored (release.workspace.ignore)")
            continue
        asked, explicit = _explicit(plan, plans, picks)
        _choose_version(plan, asked, explicit, pre, settings.include_private)
    if settings.release_dependents:
        _release_dependents(plans, pre, settings.include_private)
    _check_group_versions(plans)
    dependents: str
    if settings.dependents is not None:
        dependents = settings.dependents
    else:
        from shipline.domain.workspace.policy import policy_from_history

        released_at = {
            p.name: (targets[p.last_tag][0], str(p.last_version))
            for p in plans
            if p.last_tag in targets and p.last_version is not None
        }
        dependents = policy_from_history(git, workspace, released_at)
    return WorkspacePlan(workspace, plans, dependents)


def _apply_groups(plans: list[PackagePlan], picks: Mapping[str, str | None]) -> None:
    """A fixed group releases together: the largest bump any member asks
    for, from the group's highest version, and the version one member is
    given goes to all."""
    by_group: dict[str, list[PackagePlan]] = {}
    for plan in plans:
        if plan.group:
            by_group.setdefault(plan.group, []).append(plan)
    for label, members in by_group.items():
        group_bump = _max_bump([m.bump for m in members])
        top = max((m.last_version for m in members if m.last_version), default=None)
        stable = max((m.last_stable for m in members if m.last_stable), default=None)
        for member in members:
            if member.bump != group_bump or member.last_version != top:
                member.reasons.append(f"fixed group {label}: released with its members")
            member.bump = group_bump
            member.last_version, member.last_stable = top, stable


def _explicit(
    plan: PackagePlan, plans: list[PackagePlan], picks: Mapping[str, str | None]
) -> tuple[bool, str | None]:
    """(asked for, explicit version) for ``plan``: named itself, or a member
    of a fixed group one of whose members is named. A member named without
    a version takes the version another member of its group was given: the
    group shares it (two members given two versions are refused later)."""
    if picks.get(plan.name) is not None:
        return True, picks[plan.name]
    if plan.group:
        for other in plans:
            if other.group == plan.group and picks.get(other.name) is not None:
                return True, picks[other.name]
        if any(other.group == plan.group and other.name in picks for other in plans):
            return True, None
    return plan.name in picks or not picks, None


def _choose_version(
    plan: PackagePlan, asked: bool, explicit: str | None, pre: str | None, include_private: bool
) -> None:
    if not asked:
        return
    if plan.package.private and not include_private and explicit is None:
        plan.reasons.append("private: never released unless includePrivate is set")
        return
    first = plan.last_version is None
    if plan.bump is None and explicit is None:
        plan.reasons.append(
            "nothing to release: pass --bump or NAME@VERSION"
            if plan.commits
            else "no commits of its own since its last release"
        )
        return
    manifest = try_parse(plan.package.version or "")
    if (
        explicit is not None
        and plan.last_version is not None
        and parse_version(explicit) <= plan.last_version
    ):
        raise InvalidVersion(
            f"{plan.name}@{explicit} is not above its last release {plan.last_version}",
            hint=f"choose a version above {plan.last_version}",
        )
    target = next_version(
        last_stable=plan.last_stable or (manifest if first else None),
        last_tag=plan.last_version,
        bump=plan.bump,
        pre=pre,
        explicit=explicit,
        first_release=first,
    )
    plan.version = target.version
    plan.reasons.extend(target.reasons)
    plan.selected = plan.version is not None


def _release_dependents(plans: list[PackagePlan], pre: str | None, include_private: bool) -> None:
    """``releaseDependents``: a package that requires a released one is
    released too, with a patch bump (repeated until nothing changes)."""
    by_name = {p.name: p for p in plans}
    changed = True
    while changed:
        changed = False
        for plan in plans:
            if plan.selected or (plan.package.private and not include_private):
                continue
            cause = next(
                (
                    r.name
                    for r in plan.package.requires
                    if r.name in by_name and by_name[r.name].selected
                ),
                None,
            )
            if cause is None:
                continue
            plan.bump = "patch"
            plan.reasons.append(f"depends on {cause}, which is released")
            _choose_version(plan, True, None, pre, include_private)
            changed = changed or plan.selected


def _check_group_versions(plans: list[PackagePlan]) -> None:
    versions: dict[str, set[str]] = {}
    for plan in plans:
        if plan.group and plan.version is not None:
            versions.setdefault(plan.group, set()).add(str(plan.version))
    for label, found in versions.items():
        if len(found) > 1:
            raise InvalidVersion(
                f"fixed group {label} was given {len(found)} versions: {', '.join(sorted(found))}",
                hint="a fixed group shares one version: name one",
            )

"""Each package's changelog entry in a release train, in its own file's format.

One function proposes the entry the train writes: the TUI shows it (and lets
the operator edit it) and the train's changelog step writes it, so what is
previewed is what is written. An edited entry replaces the generated one as
``explicit`` text, as for a single release.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shipline.domain.config import LoadedConfig
from shipline.domain.ecosystems.workspaces import WorkspacePackage
from shipline.domain.errors import ChangelogFailed
from shipline.domain.gitops import Git
from shipline.domain.release import changelog
from shipline.domain.release.plan import release_date
from shipline.domain.textsafe import visible
from shipline.domain.workspace.plan import PackagePlan


@dataclass
class PackageChangelog:
    """What the train would write into one package's changelog."""

    name: str
    path: str
    """The changelog file, relative to the repository root."""
    entry: str
    """The entry, in the file's own format (Markdown or reStructuredText)."""
    data: bytes
    """The whole file with the entry in place."""
    todo: str | None = None
    """Why the entry still needs writing by hand (a hand-written changelog)."""
    missing_migration: list[str] = field(default_factory=list)
    """Short shas of breaking commits the entry gives no migration note for (RLSE-005)."""


def changelog_of(loaded: LoadedConfig, plan: PackagePlan) -> str:
    return package_changelog(loaded, plan.package)


def package_changelog(loaded: LoadedConfig, package: WorkspacePackage) -> str:
    """The package's changelog: its ``release.workspace.packages`` entry, else
    the default beside its manifest (a review reads it too)."""
    settings = loaded.release.workspace
    for entry in settings.packages if settings else []:
        if entry.name == package.name and entry.changelog:
            return entry.changelog
    return package.default_changelog


def propose_entry(
    git: Git,
    loaded: LoadedConfig,
    plan: PackagePlan,
    *,
    version: str | None = None,
    explicit: str | None = None,
) -> PackageChangelog:
    """The entry of ``plan``'s release (``version``, default the planned one),
    ``explicit`` text (an operator's edit) replacing the generated one."""
    rel = changelog_of(loaded, plan)
    path = git.root / rel
    try:
        data = path.read_bytes() if path.exists() else None
        proposal = changelog.propose(
            data,
            rel,
            version=version or str(plan.version),
            date=release_date(),
            previous=str(plan.last_version) if plan.last_version else None,
            commits=plan.commits,
            explicit=visible(explicit) if explicit is not None else None,
            settings=loaded.release.changelog,
        )
    except (OSError, UnicodeDecodeError) as exc:
        raise ChangelogFailed(
            f"{rel}: cannot read: {exc}", hint="make the changelog a readable text file"
        ) from None
    missing = changelog.migration_problems(plan.commits, explicit)
    return PackageChangelog(
        plan.name, rel, proposal.entry, proposal.data, proposal.todo, [c.short for c in missing]
    )

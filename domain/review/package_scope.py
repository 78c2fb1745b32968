"""What a reviewer of one package of a release train looks at: the
package's previous tag (by the package's own tag pattern, reachable from the
release commit), only the package's own commits since it (the workspace's
rule: files under its folder, shared paths, mapped scopes), its changelog,
and which changed files are its own (its folder, or the root's files that
no package holds). The train's other packages are someone else's review.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.config_workspace import WorkspaceConfig
from shipline.domain.ecosystems.workspaces import Workspace, WorkspacePackage
from shipline.domain.errors import ShiplineError
from shipline.domain.gitops import Git
from shipline.domain.provenance import ledger as ldg
from shipline.domain.release import tag_patterns
from shipline.domain.release.versioning import try_parse
from shipline.domain.review.model import BUILD_CONFIG

MANIFESTS = ("package.json", "Cargo.toml", "pyproject.toml", "setup.py", "setup.cfg")


@dataclass
class PackageScope:
    name: str
    previous_tag: str | None
    commits: list[dict[str, str]]
    changelog: str | None
    """The package's changelog file (``None``: the package is no longer in the workspace)."""
    owns: Callable[[str], bool]
    """Whether a changed file is the package's to review."""
    config_paths: tuple[str, ...] = BUILD_CONFIG
    """The build configuration to diff: the repository's, and the package's
    own manifests in its folder."""


def commits_between(git: Git, previous: str | None, commit: str) -> list[dict[str, str]]:
    """Every commit in ``previous..commit`` (all of ``commit``'s history
    without a previous tag), newest first, as the evidence lists them."""
    span = f"{previous}..{commit}" if previous else commit
    raw = git.try_out("log", "--format=%H%x1f%an%x1f%ae%x1f%s%x1e", span) or ""
    rows = [line.strip("\n").split("\x1f") for line in raw.split("\x1e") if line.strip()]
    return [
        {"sha": r[0], "author": r[1], "email": r[2], "subject": r[3]} for r in rows if len(r) == 4
    ]


def commit_rows(commits: Any) -> list[dict[str, str]]:
    return [
        {"sha": c.sha, "author": c.author, "email": c.email, "subject": c.subject} for c in commits
    ]


def _workspace(git: Git, loaded: LoadedConfig) -> Workspace | None:
    from shipline.domain.workspace.released import released_workspace

    try:
        return released_workspace(git, loaded)
    except ShiplineError:
        return None


def previous_package_tag(
    git: Git, settings: WorkspaceConfig, record: Mapping[str, Any], name: str
) -> str | None:
    """The package's newest release tag before this one, among the tags the
    release commit contains; its pattern is the one that renders this
    release's own tag (the config's first, then the known spellings)."""
    commit, version, tag = record["commitSha"], str(record["version"]), record.get("gitTag")
    tags = git.out("tag", "--merged", commit).splitlines()
    own = next((p.tag_pattern for p in settings.packages if p.name == name and p.tag_pattern), None)
    candidates = [c for c in (own, settings.tag_pattern, *tag_patterns.CANDIDATES) if c]
    pattern = next(
        (c for c in candidates if tag_patterns.render(c, name, version) == tag),
        tag_patterns.detect_pattern([name], tags),
    )
    current = try_parse(version)
    if pattern is None or current is None:
        return None
    earlier = [t for t, v in tag_patterns.package_versions(pattern, name, tags) if v < current]
    return earlier[-1] if earlier else None


def package_scope(git: Git, loaded: LoadedConfig, record: Mapping[str, Any]) -> PackageScope:
    """The package side of ``record``'s review (see the module)."""
    from shipline.domain.workspace.changelogs import package_changelog
    from shipline.domain.workspace.commits import commits_by_package, owner_of

    name = ldg.record_package(dict(record))
    assert name is not None, "a package's release record"
    settings = loaded.release.workspace or WorkspaceConfig()
    commit = record["commitSha"]
    previous = previous_package_tag(git, settings, record, name)
    since = (
        git.try_out("rev-parse", "--verify", "-q", f"{previous}^{{commit}}") if previous else None
    )
    workspace = _workspace(git, loaded)
    package = workspace.package(name) if workspace is not None else None
    if workspace is None or package is None:
        # no longer in the workspace: every commit of the range, nothing hidden
        return PackageScope(
            name, previous, commits_between(git, previous, commit), None, lambda _path: True
        )
    packages = workspace.packages
    own = commits_by_package(
        git,
        packages,
        {p.name: since for p in packages},
        shared_paths=settings.shared_paths,
        scopes=settings.scopes,
        tip=commit,
    )[name]

    def owns(path: str, pkg: WorkspacePackage = package) -> bool:
        holder = owner_of(path, packages)
        return holder is None or holder.name == pkg.name or holder.path == "."

    folder = "" if package.path == "." else f"{package.path}/"
    manifests = {f":(literal){folder}{m}" for m in MANIFESTS} | {f":(literal){package.manifest}"}
    return PackageScope(
        name,
        previous,
        commit_rows(own),
        package_changelog(loaded, package),
        owns,
        (*BUILD_CONFIG, *sorted(manifests)),
    )

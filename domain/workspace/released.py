"""Whether a repository is released package by package (a workspace) or as
one version.

A config with a ``release.workspace`` section says so. Without a config
file, the manifests' workspace is released per package unless the
repository releases its packages as one version: it has ``tagPrefix``
release tags, or no package tags and one version in every publishable
manifest (lockstep). A config file without a workspace section is one
release, as it always was.
"""

from __future__ import annotations

from shipline.domain.config import LoadedConfig
from shipline.domain.ecosystems.workspaces import Workspace
from shipline.domain.gitops import Git
from shipline.domain.release.tag_patterns import detect_pattern, short_name
from shipline.domain.release.versioning import release_tags
from shipline.domain.workspace.plan import resolve_workspace


def released_workspace(git: Git, loaded: LoadedConfig) -> Workspace | None:
    """The workspace ``loaded`` releases, or ``None`` for one package."""
    settings = loaded.release.workspace
    if settings is not None:
        return resolve_workspace(git.root, settings)
    if loaded.path is not None:
        return None
    return released_per_package(git, loaded.release.tag_prefix)


def released_per_package(git: Git, tag_prefix: str) -> Workspace | None:
    """The workspace the manifests declare, unless its packages are released
    as one version (see the module's docstring)."""
    workspace = resolve_workspace(git.root, None)
    if workspace is None:
        return None
    names = {n for p in workspace.packages for n in (p.name, short_name(p.name))}
    if any(name in tag_prefix for name in names):
        return workspace  # a package's own tags (`@scope/cli@`), not one version's
    if release_tags(git, tag_prefix):
        return None  # released as one version until now
    tags = git.out("tag", "--merged", "HEAD").splitlines() if git.head() else []
    if detect_pattern([p.name for p in workspace.packages], tags):
        return workspace
    versions = {p.version for p in workspace.packages if not p.private}
    return None if len(versions) <= 1 else workspace  # one version for all: lockstep

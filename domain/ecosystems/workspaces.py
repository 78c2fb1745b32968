"""Workspaces (monorepos): the packages one repository releases.

A workspace is declared by its ecosystem's own manifest: ``workspaces`` in a
root package.json (npm, yarn), ``pnpm-workspace.yaml``, ``[workspace]
members`` in a root Cargo.toml, or ``[tool.uv.workspace] members`` in a root
pyproject.toml. A repository with no such declaration but several manifests
in sub-folders is a plain workspace. Each package is read from its own
manifest: name, version, whether it is private (never published or tagged
unless asked), and its requirements on the other packages of the workspace,
as written (``workspace:^``, ``^1.2.3``, ``version = "…"``, ``name>=…``).

This module holds what a workspace is; finding one is
:mod:`shipline.domain.ecosystems.workspace_detection`, reading each member's
manifest :mod:`shipline.domain.ecosystems.workspace_members`. Pure
functions of the repository's files: nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Requirement:
    """One package's requirement on another package of the same workspace."""

    name: str
    """The package required."""
    spec: str
    """As written in the manifest: ``workspace:^``, ``^1.2.3``, ``2.13.0``, ``>=1.2``."""
    section: str
    """Where: ``dependencies``, ``optionalDependencies``, ``dev-dependencies``…"""


@dataclass(frozen=True)
class WorkspacePackage:
    name: str
    path: str
    """Repository-relative folder, POSIX separators; ``.`` for the root."""
    manifest: str
    """Repository-relative path of the manifest that names the package."""
    ecosystem: str
    """``npm``, ``cargo`` or ``python``."""
    version: str | None
    private: bool
    """Never published or tagged unless the config asks."""
    requires: tuple[Requirement, ...] = ()
    version_from_workspace: bool = False
    """Cargo ``version.workspace = true``: the version lives in the root manifest."""

    @property
    def default_changelog(self) -> str:
        """``PATH/CHANGELOG.md`` (``CHANGELOG.md`` for the root package)."""
        return in_folder(self.path, "CHANGELOG.md")

    def owns(self, file: str) -> bool:
        """Whether a repository-relative file lies under this package's folder."""
        return self.path == "." or file == self.path or file.startswith(self.path + "/")


@dataclass(frozen=True)
class Workspace:
    kind: str
    """``npm``, ``pnpm``, ``yarn``, ``cargo``, ``uv`` or ``plain``."""
    manifest: str
    """The file that declares the workspace (the first manifest for ``plain``)."""
    packages: tuple[WorkspacePackage, ...]
    shared_version: str | None = None
    """Cargo ``[workspace.package].version``: packages that inherit it form a fixed group."""
    notes: tuple[str, ...] = field(default=())

    def package(self, name: str) -> WorkspacePackage | None:
        return next((p for p in self.packages if p.name == name), None)

    def package_at(self, folder: str) -> WorkspacePackage | None:
        """The package whose folder is ``folder`` or contains it (deepest wins)."""
        best = None
        for pkg in self.packages:
            if (
                pkg.path != "."
                and pkg.owns(folder)
                and (best is None or len(pkg.path) > len(best.path))
            ):
                best = pkg
        return best


def in_folder(folder: str, name: str) -> str:
    """``name`` inside a repository-relative ``folder`` (``.`` is the root)."""
    return name if folder == "." else f"{folder}/{name}"

"""The ``release.workspace`` section of the config: how the packages of a
monorepo are released, each with its own tag (the tag pattern's
placeholders are checked here, at load, so a wrong pattern is exit 90
before anything is written)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from shipline.domain.config_artifacts import ArtifactConfig, unique_artifact_names
from shipline.domain.config_checks import StrictModel

TAG_PATTERN_FIELDS = frozenset({"name", "short", "version"})
"""Placeholders of a package's tag pattern: full name, name without npm scope, version."""


def check_tag_pattern(pattern: str) -> str | None:
    """Why ``pattern`` cannot name a package's release tags, or ``None``."""
    fields = set(re.findall(r"\{([^{}]*)\}", pattern))
    unknown = fields - TAG_PATTERN_FIELDS
    if unknown:
        return f"unknown placeholder {{{sorted(unknown)[0]}}} (allowed: name, short, version)"
    if "version" not in fields:
        return "a tag pattern must contain {version}"
    if not fields & {"name", "short"}:
        return "a package's tag pattern must contain {name} or {short}"
    return None


class PackageConfig(StrictModel):
    """One package of a workspace (monorepo), as ``init`` writes it."""

    name: str = Field(min_length=1)
    path: str = Field(min_length=1)
    """Repository-relative folder of the package."""
    manifest: str | None = None
    """The manifest that carries its version (default: detected in ``path``)."""
    tag_pattern: str | None = Field(default=None, alias="tagPattern")
    changelog: str | None = None
    """Its changelog (default ``PATH/CHANGELOG.md``)."""
    private: bool | None = None
    """Never published or tagged unless ``includePrivate`` (default: from the manifest)."""
    artifacts: list[ArtifactConfig] = Field(default_factory=list)
    """What a release train builds, attests and publishes for this package,
    in the shape of ``release.artifacts``; each ``path`` is relative to the
    package's folder. Empty: the package is released source-only."""

    @field_validator("artifacts")
    @classmethod
    def _unique_artifact_names(cls, value: list[ArtifactConfig]) -> list[ArtifactConfig]:
        return unique_artifact_names(value)

    @property
    def enabled_artifacts(self) -> list[ArtifactConfig]:
        return [a for a in self.artifacts if a.enabled]


class WorkspaceConfig(StrictModel):
    """How the packages of a workspace are released (``release.workspace``)."""

    tag_pattern: str | None = Field(default=None, alias="tagPattern")
    """``{name}@{version}``, ``{short}-v{version}``… (default: read from the tags)."""
    shared_paths: list[str] = Field(default_factory=list, alias="sharedPaths")
    """Paths whose changes count for every package."""
    scopes: dict[str, str] = Field(default_factory=dict)
    """Conventional-Commit scope → the package it is about."""
    fixed: list[list[str]] = Field(default_factory=list)
    """Groups of packages that always share one version (names or globs,
    ``@acme/*``)."""
    ignore: list[str] = Field(default_factory=list)
    """Packages never released (names or globs)."""
    dependents: Literal["satisfy", "always"] | None = None
    """Raise a dependent's requirement only when the new version no longer
    satisfies it (``satisfy``), or with every release (``always``); unset:
    as the project's last release did (``satisfy`` without history)."""
    release_dependents: bool = Field(default=False, alias="releaseDependents")
    """Release the dependents of a released package too, with a patch bump."""
    include_private: bool = Field(default=False, alias="includePrivate")
    root_changelog: str | None = Field(default=None, alias="rootChangelog")
    """A changelog of the whole release train, besides each package's own."""
    packages: list[PackageConfig] = Field(default_factory=list)

    @field_validator("tag_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        problem = check_tag_pattern(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

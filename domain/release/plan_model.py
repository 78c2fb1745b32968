"""The release plan as data: what ``make_plan`` answers
(:mod:`shipline.domain.release.plan`) and every face shows, the JSON of
``release plan --output json`` and the TUI's first screens, plus the new
file contents the pipeline writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from shipline.domain.config import VersionFile
from shipline.domain.release import commits
from shipline.domain.release import version_files as bumpfiles
from shipline.domain.release.version_files.evidence import Evidence


class PlanOptions(BaseModel):
    version: str | None = None
    bump: str | None = None
    pre: str | None = None
    no_changelog: bool = False
    no_artifacts: bool = False
    no_push: bool = False
    no_forge: bool = False
    """Skip the forge release of ``release.forge`` (GitHub/GitLab)."""
    changelog_entry: str | None = None
    """A reviewed entry that replaces the generated one."""


class LineView(BaseModel):
    line: int
    before: str
    after: str


class FileView(BaseModel):
    path: str
    old_version: str
    changes: list[LineView]
    why: str | None = None
    """Why a file that is not configured is bumped."""


class CommitView(BaseModel):
    sha: str
    short: str
    subject: str
    type: str | None
    scope: str | None
    breaking: bool
    conventional: bool


class GateView(BaseModel):
    name: str
    kind: str
    """repository, release or command."""
    command: str | None = None


class ArtifactView(BaseModel):
    type: str
    name: str | None
    registry: str | None


class ReleasePlan(BaseModel):
    repo: str
    branch: str | None
    head: str | None
    last_tag: str | None
    last_version: str | None
    first_release: bool
    commits: list[CommitView]
    bump: str | None
    reasons: list[str]
    version: str | None
    tag: str | None
    releasable: bool
    blocker: str | None = None
    blocker_code: int | None = None
    """The exit code the blocker carries when it is a failed check (54, 58)."""
    blocker_hint: str | None = None
    needs_bump: bool = False
    """The commits ask for no release, but choosing a bump or a version
    gives one (the TUI then offers the choice instead of stopping)."""
    files: list[FileView] = Field(default_factory=list)
    changelog_path: str | None = None
    changelog_entry: str | None = None
    missing_migration: list[str] = Field(default_factory=list)
    """``SHORT subject`` of each breaking commit without a migration note."""
    missing_migration_shas: list[str] = Field(default_factory=list)
    """The short shas of those commits (for screens that name them)."""
    changelog_todo: str | None = None
    """Why the entry must still be written by hand (a hand-written changelog
    without Unreleased notes), or None."""
    gates: list[GateView] = Field(default_factory=list)
    git_commands: list[list[str]] = Field(default_factory=list)
    artifacts: list[ArtifactView] = Field(default_factory=list)
    commit_message: str | None = None
    tag_message: str | None = None
    push: bool = True
    warnings: list[str] = Field(default_factory=list)
    """Things a reviewer must know: the manifest and the last tag disagree,
    newer tags are not on this branch."""


@dataclass
class PlannedRelease:
    """The plan plus what the pipeline writes: new file contents."""

    plan: ReleasePlan
    bumps: list[bumpfiles.FileBump] = field(default_factory=list)
    version_files: list[VersionFile] = field(default_factory=list)
    """What the release bumps: the configured files (with no config, also
    what the last release commit bumped)."""
    evidence: list[Evidence] = field(default_factory=list)
    old_version: str | None = None
    changelog_text: bytes | None = None
    changelog_original: bytes | None = None
    commits: list[commits.Commit] = field(default_factory=list)

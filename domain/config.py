"""The release configuration (SPEC section 3): pydantic models of the
``release.*`` keys. Unknown keys and wrong types are rejected with their
path (exit 90); :mod:`shipline.domain.config_loading` reads the file (or
detects defaults from the repository's manifests when there is none).
The ``forge``, ``workspace`` and ``artifacts`` sections have their own modules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from shipline.domain import config_checks as rules
from shipline.domain.config_artifacts import ArtifactConfig as ArtifactConfig  # re-exported
from shipline.domain.config_artifacts import unique_artifact_names
from shipline.domain.config_checks import StrictModel
from shipline.domain.config_forge import ForgeConfig
from shipline.domain.config_workspace import WorkspaceConfig

SlsaLevel = Literal[
    "SLSA_BUILD_LEVEL_1", "SLSA_BUILD_LEVEL_2", "SLSA_BUILD_LEVEL_3", "SLSA_BUILD_LEVEL_4"
]


class VersionFile(StrictModel):
    """A file whose version is bumped. ``pattern`` (with ``{version}``) is
    for files no built-in writer knows; ``scheme`` overrides how the version
    is spelled there (PEP 440 for Python files, SemVer elsewhere, by name)."""

    path: str
    pattern: str | None = None
    scheme: Literal["semver", "pep440"] | None = None

    @field_validator("pattern")
    @classmethod
    def _has_placeholder(cls, value: str | None) -> str | None:
        if value is not None and "{version}" not in value:
            raise ValueError("pattern must contain {version}")
        return value


class ChangelogSection(StrictModel):
    """One of ``release.changelog.sections``: the commits of ``types``
    (Conventional Commit types, ``breaking`` for breaking changes, ``other``
    for commits of no known type) listed under ``title``."""

    title: str = Field(min_length=1)
    types: list[str] = Field(min_length=1)


class ChangelogConfig(StrictModel):
    path: str = "CHANGELOG.md"
    enabled: bool = True
    sections: list[ChangelogSection] = Field(default_factory=list)
    """The changelog's sections, in order (imported from git-cliff's
    ``commit_parsers`` groups or release-please's ``changelog-sections``).
    Empty: the titles are learned from the file's own entries."""
    unlisted_types: Literal["keep", "omit"] = Field(default="keep", alias="unlistedTypes")
    """Commits of a type no section lists: ``keep`` them under the file's
    (or shipline's) title for them, or ``omit`` them (release-please, and
    git-cliff with ``filter_commits``)."""
    prereleases: Literal["rollup", "since-last", "merge"] = "rollup"
    """A final release after prereleases: its entry lists the whole series
    and the prerelease entries stay (``rollup``), lists what came after the
    last prerelease (``since-last``: commitizen's default), or lists the
    whole series in place of the prerelease entries (``merge``: commitizen's
    ``changelog_merge_prerelease``)."""

    @field_validator("sections")
    @classmethod
    def _each_type_once(cls, value: list[ChangelogSection]) -> list[ChangelogSection]:
        seen: dict[str, str] = {}
        for section in value:
            for kind in section.types:
                if kind in seen:
                    raise ValueError(
                        f"type {kind!r} is in two sections ({seen[kind]!r} and {section.title!r})"
                    )
                seen[kind] = section.title
        return value


class CommandGate(StrictModel):
    name: str = Field(min_length=1)
    run: str | list[str]
    timeout_seconds: float = Field(default=900, gt=0, alias="timeoutSeconds")
    cwd: str | None = None

    @field_validator("run")
    @classmethod
    def _runs_something(cls, value: str | list[str]) -> str | list[str]:
        if (
            value.strip() if isinstance(value, str) else value and value[0].strip()
        ) == "" or value == []:
            raise ValueError("a gate's run must name a command")
        return value


class SigningConfig(StrictModel):
    method: Literal["sigstore", "gpg", "none"] = "sigstore"
    keyless: bool = True
    key_ref: str | None = Field(default=None, alias="keyRef")


class SbomConfig(StrictModel):
    format: Literal["CycloneDX", "SPDX"] = "CycloneDX"
    spec_version: str = Field(default="1.6", alias="specVersion")


class ProvenanceConfig(StrictModel):
    enabled: bool = True
    framework: Literal["slsa"] = "slsa"
    level: SlsaLevel = "SLSA_BUILD_LEVEL_3"
    signing: SigningConfig = Field(default_factory=SigningConfig)
    sbom: SbomConfig = Field(default_factory=SbomConfig)
    builder_image: str | None = Field(default=None, alias="builderImage")


class SecurityConfig(StrictModel):
    provenance: ProvenanceConfig = Field(default_factory=ProvenanceConfig)


class PushConfig(StrictModel):
    remote: str = "origin"
    enabled: bool = True


class HistoryConfig(StrictModel):
    deepen: bool = False
    """Let ``release plan``/``ship`` fetch the missing history and tags
    from the push remote when the clone is shallow or has no release tags
    (off: they refuse with the fix instead)."""


class TagConfig(StrictModel):
    sign: bool = False
    """gpg-sign the annotated tag (``git tag -s``) with GPG_KEY_ID or git's
    configured ``user.signingkey``."""


COMMIT_MESSAGE_FIELDS = ("version", "tag", "previous_version")
BumpLevel = Literal["major", "minor", "patch", "none"]


class BumpRule(StrictModel):
    """One of ``release.bumpRules``: commits matching every given criterion
    (Conventional type, scope, a regular expression searched in the
    subject) bump ``bump``. Rules are tried in order before the built-in
    ones (breaking → major, feat → minor, fix/perf/revert → patch); a
    breaking change stays major unless a rule says none."""

    type: str | None = None
    scope: str | None = None
    pattern: str | None = None
    bump: BumpLevel

    @field_validator("pattern")
    @classmethod
    def _pattern_is_regex(cls, value: str | None) -> str | None:
        problem = rules.regex_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _says_what_it_matches(self) -> BumpRule:
        if self.type is None and self.scope is None and self.pattern is None:
            raise ValueError("a bump rule needs a type, a scope or a pattern")
        return self


class ReleaseConfig(StrictModel):
    tag_prefix: str = Field(default="v", alias="tagPrefix")
    branch: str | None = None
    """The release branch; ``None`` accepts ``main`` or ``master``."""
    version_bump: list[str | VersionFile] = Field(default_factory=list, alias="versionBump")
    changelog: ChangelogConfig = Field(default_factory=ChangelogConfig)
    gates: list[CommandGate] = Field(default_factory=list)
    artifacts: list[ArtifactConfig] = Field(default_factory=list)
    security: SecurityConfig = Field(default_factory=SecurityConfig)
    push: PushConfig = Field(default_factory=PushConfig)
    tag: TagConfig = Field(default_factory=TagConfig)
    history: HistoryConfig = Field(default_factory=HistoryConfig)
    workspace: WorkspaceConfig | None = None
    """Set for a monorepo: its packages are released each with its own tag."""
    forge: ForgeConfig | None = None
    commit_message: str = Field(default="chore(release): {version}", alias="commitMessage")
    """Placeholders: ``{version}``, ``{tag}`` and ``{previous_version}``."""
    bump_rules: list[BumpRule] = Field(default_factory=list, alias="bumpRules")
    version_scheme: Literal["pep440", "semver", "semver-compact"] | None = Field(
        default=None, alias="versionScheme"
    )
    """One spelling for the tag, the commit message and every version file
    (``1.5.0rc0``, ``1.5.0-rc.0``, ``1.5.0-rc0``), as commitizen writes its
    ``version_scheme``. Unset: PEP 440 in Python files, SemVer elsewhere."""
    prerelease_start: Literal[0, 1] = Field(default=1, alias="prereleaseStart")
    """The number of a series' first prerelease: ``rc.1`` by default, ``rc0``
    for a project whose tool (commitizen) numbers from 0."""
    exclude_commits: list[str] = Field(default_factory=list, alias="excludeCommits")
    """Regular expressions searched in each commit's subject: a match leaves
    the commit out of the bump and the changelog (another tool's release
    commits, dependency bots...)."""

    @field_validator("exclude_commits")
    @classmethod
    def _exclusions_are_regexes(cls, value: list[str]) -> list[str]:
        for i, pattern in enumerate(value):
            problem = rules.regex_problem(pattern)
            if problem:
                raise ValueError(f"[{i}] {pattern!r} is {problem}")
        return value

    @field_validator("commit_message")
    @classmethod
    def _message_names_version(cls, value: str) -> str:
        problem = rules.template_problem(value, set(COMMIT_MESSAGE_FIELDS), required="version")
        if problem:
            raise ValueError(f"commitMessage: {problem}")
        return value

    @field_validator("tag_prefix")
    @classmethod
    def _tag_prefix_git_accepts(cls, value: str) -> str:
        problem = rules.tag_prefix_problem(value)
        if problem:
            raise ValueError(f"tagPrefix {value!r} {problem}")
        return value

    @field_validator("branch")
    @classmethod
    def _branch_git_accepts(cls, value: str | None) -> str | None:
        problem = rules.ref_problem(f"refs/heads/{value}") if value is not None else None
        if problem or (value or "").startswith("-"):
            raise ValueError(f"branch {value!r} is not a branch name git accepts")
        return value

    @field_validator("artifacts")
    @classmethod
    def _unique_artifact_names(cls, value: list[ArtifactConfig]) -> list[ArtifactConfig]:
        return unique_artifact_names(value)

    @property
    def version_files(self) -> list[VersionFile]:
        return [VersionFile(path=f) if isinstance(f, str) else f for f in self.version_bump]

    @property
    def enabled_artifacts(self) -> list[ArtifactConfig]:
        return [a for a in self.artifacts if a.enabled]


class Config(StrictModel):
    schema_: str | None = Field(default=None, alias="$schema")
    release: ReleaseConfig = Field(default_factory=ReleaseConfig)


@dataclass(frozen=True)
class LoadedConfig:
    """A config with where it came from. A plain dataclass: its ``config`` is
    validated when read, and a pydantic model here would build the whole
    config schema a second time at import (~10 ms of every start)."""

    config: Config
    path: Path | None
    """The file it was read from; ``None`` when detected from manifests."""
    state_dir: Path
    imported_from: tuple[str, ...] = ()
    """With no config file: the release-tool files whose settings it took."""

    @property
    def release(self) -> ReleaseConfig:
        return self.config.release

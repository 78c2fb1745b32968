"""The release configuration (SPEC section 3): pydantic models of the
``release.*`` keys, loaded from ``.shipline/config.json`` (or the seed's
``.cleo/config.json``). Unknown keys and wrong types are rejected with
their path (exit 90). With no config file, sensible defaults are detected
from the repository's manifests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from shipline.domain import config_checks as rules
from shipline.domain.errors import ConfigInvalid, UsageError
from shipline.domain.jsonio import StrictJSONError, read_strict

SLSA_LEVELS = (
    "SLSA_BUILD_LEVEL_1",
    "SLSA_BUILD_LEVEL_2",
    "SLSA_BUILD_LEVEL_3",
    "SLSA_BUILD_LEVEL_4",
)
SlsaLevel = Literal[
    "SLSA_BUILD_LEVEL_1", "SLSA_BUILD_LEVEL_2", "SLSA_BUILD_LEVEL_3", "SLSA_BUILD_LEVEL_4"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)


class VersionFile(_Strict):
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


class ChangelogConfig(_Strict):
    path: str = "CHANGELOG.md"
    enabled: bool = True


class CommandGate(_Strict):
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


class ArtifactConfig(_Strict):
    """One entry of ``release.artifacts``. ``type`` stays a string here so an
    unknown type is reported by the handler registry (exit 85)."""

    type: str
    name: str | None = None
    path: str = "."
    registry: str | None = None
    credentials_env: str | None = Field(default=None, alias="credentialsEnv")
    enabled: bool = True
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("registry")
    @classmethod
    def _no_secret_in_registry(cls, value: str | None) -> str | None:
        problem = rules.url_secret_problem(value) if value else None
        if problem:
            raise ValueError(problem + "; name the variable that holds it in credentialsEnv")
        return value

    @field_validator("options")
    @classmethod
    def _no_secret_in_options(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, item in value.items():
            if isinstance(item, str) and "://" in item and rules.url_secret_problem(item):
                raise ValueError(f"options.{key}: {rules.url_secret_problem(item)}")
        return value


class SigningConfig(_Strict):
    method: Literal["sigstore", "gpg", "none"] = "sigstore"
    keyless: bool = True
    key_ref: str | None = Field(default=None, alias="keyRef")


class SbomConfig(_Strict):
    format: Literal["CycloneDX", "SPDX"] = "CycloneDX"
    spec_version: str = Field(default="1.6", alias="specVersion")


class ProvenanceConfig(_Strict):
    enabled: bool = True
    framework: Literal["slsa"] = "slsa"
    level: SlsaLevel = "SLSA_BUILD_LEVEL_3"
    signing: SigningConfig = Field(default_factory=SigningConfig)
    sbom: SbomConfig = Field(default_factory=SbomConfig)
    builder_image: str | None = Field(default=None, alias="builderImage")


class SecurityConfig(_Strict):
    provenance: ProvenanceConfig = Field(default_factory=ProvenanceConfig)


class PushConfig(_Strict):
    remote: str = "origin"
    enabled: bool = True


class HistoryConfig(_Strict):
    deepen: bool = False
    """Let ``release plan``/``ship`` fetch the missing history and tags
    from the push remote when the clone is shallow or has no release tags
    (off: they refuse with the fix instead)."""


class TagConfig(_Strict):
    sign: bool = False
    """gpg-sign the annotated tag (``git tag -s``) with GPG_KEY_ID or git's
    configured ``user.signingkey``."""


TAG_PATTERN_FIELDS = frozenset({"name", "short", "version"})
"""Placeholders of a package's tag pattern: full name, name without npm scope, version."""


def check_tag_pattern(pattern: str) -> str | None:
    """Why ``pattern`` cannot name a package's release tags, or ``None``."""
    import re

    fields = set(re.findall(r"\{([^{}]*)\}", pattern))
    unknown = fields - TAG_PATTERN_FIELDS
    if unknown:
        return f"unknown placeholder {{{sorted(unknown)[0]}}} (allowed: name, short, version)"
    if "version" not in fields:
        return "a tag pattern must contain {version}"
    if not fields & {"name", "short"}:
        return "a package's tag pattern must contain {name} or {short}"
    return None


class PackageConfig(_Strict):
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


class WorkspaceConfig(_Strict):
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


COMMIT_MESSAGE_FIELDS = ("version", "tag", "previous_version")
BumpLevel = Literal["major", "minor", "patch", "none"]


def _check_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class BumpRule(_Strict):
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
        return _check_regex(value)

    @model_validator(mode="after")
    def _says_what_it_matches(self) -> BumpRule:
        if self.type is None and self.scope is None and self.pattern is None:
            raise ValueError("a bump rule needs a type, a scope or a pattern")
        return self


FORGE_API_DEFAULTS = {"github": "https://api.github.com", "gitlab": "https://gitlab.com/api/v4"}
FORGE_TOKEN_DEFAULTS = {"github": "GITHUB_TOKEN", "gitlab": "GITLAB_TOKEN"}


class ForgeConfig(_Strict):
    """``release.forge``: where the release is published after the push (a
    GitHub or GitLab release with the changelog entry and the files). Only
    the *name* of the token variable is here, never a token."""

    type: Literal["github", "gitlab"]
    repository: str = Field(min_length=1)
    """GitHub ``owner/name``; GitLab the project path (``group/sub/name``) or
    its numeric id."""
    api_url: str | None = Field(default=None, alias="apiUrl")
    """Defaults to the public service; set it for GitHub Enterprise or a
    self-managed GitLab."""
    upload_url: str | None = Field(default=None, alias="uploadUrl")
    """GitHub only: where assets go; defaults to the ``upload_url`` the
    release create call returns."""
    token_env: str | None = Field(default=None, alias="tokenEnv")
    """Defaults to ``GITHUB_TOKEN`` / ``GITLAB_TOKEN``; ``CI_JOB_TOKEN`` is sent
    as GitLab's ``JOB-TOKEN`` header."""

    @field_validator("repository")
    @classmethod
    def _repository_shape(cls, value: str) -> str:
        if (
            value != value.strip()
            or "://" in value
            or value.startswith("/")
            or value.endswith("/")
            or "//" in value
        ):
            raise ValueError(
                "repository is 'owner/name' (GitLab: the project path or id), not a URL"
            )
        return value

    @field_validator("api_url", "upload_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials: name the variable in tokenEnv")
        return value.rstrip("/")

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        import re

        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(
                "tokenEnv is the NAME of an environment variable (e.g. GITHUB_TOKEN), not a token"
            )
        return value

    @model_validator(mode="after")
    def _github_only_upload(self) -> ForgeConfig:
        if self.upload_url is not None and self.type != "github":
            raise ValueError("uploadUrl is for GitHub only (GitLab uploads through apiUrl)")
        if (
            self.type == "github"
            and not self.repository.isdigit()
            and self.repository.count("/") != 1
        ):
            raise ValueError("a GitHub repository is 'owner/name'")
        return self

    @property
    def api(self) -> str:
        return self.api_url or FORGE_API_DEFAULTS[self.type]

    @property
    def token_variable(self) -> str:
        return self.token_env or FORGE_TOKEN_DEFAULTS[self.type]


class ReleaseConfig(_Strict):
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
    exclude_commits: list[str] = Field(default_factory=list, alias="excludeCommits")
    """Regular expressions searched in each commit's subject: a match leaves
    the commit out of the bump and the changelog (another tool's release
    commits, dependency bots...)."""

    @field_validator("exclude_commits")
    @classmethod
    def _exclusions_are_regexes(cls, value: list[str]) -> list[str]:
        for i, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"[{i}] {pattern!r} is not a valid regular expression: {exc}"
                ) from None
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
        seen: set[str] = set()
        for artifact in value:
            name = artifact.name or artifact.type
            if name in seen:
                raise ValueError(f"two artifacts are named '{name}': give each a unique name")
            seen.add(name)
        return value

    @property
    def version_files(self) -> list[VersionFile]:
        return [VersionFile(path=f) if isinstance(f, str) else f for f in self.version_bump]

    @property
    def enabled_artifacts(self) -> list[ArtifactConfig]:
        return [a for a in self.artifacts if a.enabled]


class Config(_Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    release: ReleaseConfig = Field(default_factory=ReleaseConfig)


class LoadedConfig(BaseModel):
    """A config with where it came from."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    config: Config
    path: Path | None
    """The file it was read from; ``None`` when detected from manifests."""
    state_dir: Path
    imported_from: tuple[str, ...] = ()
    """With no config file: the release-tool files whose settings it took."""

    @property
    def release(self) -> ReleaseConfig:
        return self.config.release


def state_dir_for(repo: Path, override: Path | None = None) -> Path:
    """``--state-dir`` if given; ``.cleo/`` when the repository already has
    ``.cleo/config.json`` (drop-in for the seed's layout); else ``.shipline/``."""
    if override is not None:
        return override if override.is_absolute() else (repo / override)
    if (repo / ".cleo" / "config.json").is_file():
        return repo / ".cleo"
    return repo / ".shipline"


_UNION_TAGS = {"str", "VersionFile", "list[str]"}


def _error_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif isinstance(item, str) and item not in _UNION_TAGS:
            parts.append(("." if parts else "") + item)
    return "".join(parts)


def parse_config(data: Any, source: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        # In a union (``str | VersionFile``) the deepest location is the
        # branch the user meant; report that one.
        first = max(exc.errors(), key=lambda err: len(err["loc"]))
        where = _error_path(first["loc"]) or "(top level)"
        kind = first["type"]
        what = "unknown key" if kind == "extra_forbidden" else first["msg"]
        more = ""
        raise ConfigInvalid(
            f"{source}: {where}: {what}{more}",
            hint="fix the key in the config file; `shipline init` writes a valid one",
        ) from None


def load_config(
    repo: Path, state_dir: Path | None = None, config_file: Path | None = None
) -> LoadedConfig:
    """Load and validate the config, or detect defaults when there is none;
    every path it names is confined to the repository (:func:`confined`).

    ``config_file`` (``--config FILE``) is read instead of the state dir's
    ``config.json``, e.g. a rehearsal against a test index with everything
    else the same; the state (ledger, journal) stays where it is."""
    state = state_dir_for(repo, state_dir)
    if state_dir is not None and state.exists() and not state.is_dir():
        raise UsageError(
            f"--state-dir {state_dir}: not a directory",
            hint="name a directory (it is created when missing)",
        )
    if state_dir is not None and not state.parent.is_dir():
        raise UsageError(
            f"--state-dir {state_dir}: {state.parent} does not exist",
            hint="create the parent directory, or name another state dir",
        )
    rules.confine(repo, str(state), "the state dir")
    path = state / "config.json"
    if config_file is not None:
        path = config_file.resolve()
        if not path.is_file():
            raise ConfigInvalid(
                f"{path}: no such config file",
                hint="pass --config with the path of a shipline config.json",
            )
    elif not path.is_file():
        return LoadedConfig(
            config=confined(repo, detect_defaults(repo), "(detected)"), path=None, state_dir=state
        )
    try:
        data = read_strict(path, max_bytes=CONFIG_MAX_BYTES, max_depth=CONFIG_MAX_DEPTH)
    except StrictJSONError as exc:
        raise ConfigInvalid(
            f"{path}: malformed JSON: {exc}", hint="fix the JSON syntax at that position"
        ) from None
    except OSError as exc:
        raise ConfigInvalid(
            f"{path}: cannot read: {exc.strerror}",
            hint="make the config a readable file (or pass --config FILE)",
        ) from None
    config = confined(repo, parse_config(data, str(path)), str(path))
    return LoadedConfig(config=config, path=path, state_dir=state)


CONFIG_MAX_BYTES = 1024 * 1024
CONFIG_MAX_DEPTH = 16


def confined(repo: Path, config: Config, source: str) -> Config:
    """``config`` with every path the release writes or runs in (version
    files, changelog, artifact and gate folders) resolved inside ``repo``:
    relative, symlinks followed (the file a symlink points to is written and
    committed; the symlink stays), 90 when one leads outside."""
    release = config.release
    files = [
        (
            rules.confine(repo, f, f"{source}: release.versionBump[{i}]")
            if isinstance(f, str)
            else f.model_copy(
                update={
                    "path": rules.confine(repo, f.path, f"{source}: release.versionBump[{i}].path")
                }
            )
        )
        for i, f in enumerate(release.version_bump)
    ]
    changelog = release.changelog
    if "path" in changelog.model_fields_set:  # unset: the repository's own is found later
        changelog = changelog.model_copy(
            update={
                "path": rules.confine(repo, changelog.path, f"{source}: release.changelog.path")
            }
        )
    artifacts = [
        a.model_copy(
            update={"path": rules.confine(repo, a.path, f"{source}: release.artifacts[{i}].path")}
        )
        for i, a in enumerate(release.artifacts)
    ]
    gates = [
        g.model_copy(
            update={
                "cwd": rules.confine(repo, g.cwd, f"{source}: release.gates[{i}].cwd")
                if g.cwd is not None
                else None
            }
        )
        for i, g in enumerate(release.gates)
    ]
    update = {"version_bump": files, "changelog": changelog, "artifacts": artifacts, "gates": gates}
    return config.model_copy(update={"release": release.model_copy(update=update)})


def detect_defaults(repo: Path) -> Config:
    """A config for a repository without one: bump whichever of
    pyproject.toml, package.json and Cargo.toml carry a version. (The
    settings of a release tool the repository already uses are layered on
    top by :func:`shipline.domain.release.imports.load_config`.)"""
    return Config(release=ReleaseConfig(versionBump=default_version_files(repo)))


def default_version_files(repo: Path) -> list[str | VersionFile]:
    files: list[str | VersionFile] = []
    for name in ("pyproject.toml", "package.json", "Cargo.toml"):
        if (repo / name).is_file():
            files.append(name)
    if (repo / "package-lock.json").is_file() and "package.json" in files:
        files.append("package-lock.json")
    return files

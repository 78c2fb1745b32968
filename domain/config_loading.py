"""Loading the release configuration: where the state dir is, reading
``config.json`` (or ``--config FILE``) strictly, reporting the first
invalid key with its path (exit 90), confining every path the release
writes to the repository, and detecting defaults when there is no config
file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shipline.domain import config_checks as rules
from shipline.domain.config import Config, LoadedConfig, ReleaseConfig, VersionFile
from shipline.domain.config_workspace import WorkspaceConfig
from shipline.domain.errors import ConfigInvalid, UsageError
from shipline.domain.jsonio import StrictJSONError, read_strict

CONFIG_MAX_BYTES = 1024 * 1024
CONFIG_MAX_DEPTH = 16


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
    update: dict[str, Any] = {
        "version_bump": files,
        "changelog": changelog,
        "artifacts": artifacts,
        "gates": gates,
    }
    if release.workspace is not None:
        update["workspace"] = _confined_packages(repo, release.workspace, source)
    return config.model_copy(update={"release": release.model_copy(update=update)})


def _confined_packages(repo: Path, workspace: WorkspaceConfig, source: str) -> WorkspaceConfig:
    """Each package's artifact paths, given relative to the package's folder,
    made repository-relative and confined like ``release.artifacts``."""
    packages = []
    for i, package in enumerate(workspace.packages):
        artifacts = [
            a.model_copy(
                update={
                    "path": rules.confine(
                        repo,
                        (Path(package.path) / a.path).as_posix(),
                        f"{source}: release.workspace.packages[{i}].artifacts[{j}].path",
                    )
                }
            )
            for j, a in enumerate(package.artifacts)
        ]
        packages.append(package.model_copy(update={"artifacts": artifacts}))
    return workspace.model_copy(update={"packages": packages})


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

"""The artifact handler interface (SPEC section 5, seed ct-artifact-publisher).

Every artifact type is one :class:`Handler` subclass in its own module. The
pipeline drives each handler through the same phases, in this order, and each
phase fails with its own exit code:

``validate`` (86) -> ``dry_run`` (86, never skipped: ARTP-002) -> ``build``
(87) -> [provenance] -> ``is_published`` / ``publish`` (88) ->
``verify_published`` (93); on a later failure ``rollback`` (89 when the
registry cannot delete).

A handler is built with the artifact's config entry and an
:class:`ArtifactContext` (repository, version, release commit,
``SOURCE_DATE_EPOCH``, output directory, environment, event callback). It
never prints: it returns values, raises :class:`~shipline.domain.errors.ShiplineError`
subclasses, and reports progress through ``ctx.emit``. Credentials are read
only from the environment variable named by ``credentialsEnv``, registered
with the runner's redaction, and never put on a command line.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

from shipline.domain import runner
from shipline.domain.config import ArtifactConfig
from shipline.domain.digests import sha256_file
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    ConfigInvalid,
    DigestMismatch,
    ShiplineError,
)
from shipline.domain.events import LogLine

STEP = "artifacts"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _no_emit(event: Any) -> None:
    return None


@dataclass(frozen=True)
class ArtifactContext:
    """Everything a handler needs to know about the release it serves.

    ``version`` is the bare version (no tag prefix); ``out_dir`` is where
    ``build`` writes (one sub-directory per artifact is made by
    :func:`shipline.domain.artifacts.load_handler`); ``env`` is the environment the
    tools run with (credentials are looked up in it by name); ``emit``
    receives :mod:`shipline.domain.events` events; ``timeout`` bounds every external
    tool and HTTP call unless the artifact's ``options.timeoutSeconds`` says
    otherwise.
    """

    repo_root: Path
    version: str
    release_commit: str
    source_date_epoch: int
    out_dir: Path
    tag: str = ""
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    emit: Callable[[Any], None] = _no_emit
    timeout: float = 600.0
    step: str = STEP
    package: str = ""
    """The workspace package these artifacts are of, in a release train
    ("" for a repository's one release): every message names it."""


# The brief's names for the same context: build and publish read the same facts.
BuildContext = ArtifactContext
PublishContext = ArtifactContext


@dataclass(frozen=True)
class BuiltFile:
    """One file ``build`` produced, with its SHA-256 taken right after the
    build (ARTP-004). ``kind`` says what it is: wheel, sdist, tarball,
    checksums, crate, npm-tarball, oci-layout..."""

    path: Path
    sha256: str
    size: int
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "sha256": self.sha256, "size": self.size, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BuiltFile:
        return cls(Path(data["path"]), str(data["sha256"]), int(data["size"]), str(data["kind"]))

    @classmethod
    def of(cls, path: Path, kind: str) -> BuiltFile:
        digest = sha256_file(path)
        return cls(path=path, sha256=digest.sha256, size=digest.size, kind=kind)


@dataclass(frozen=True)
class DryRunReport:
    """What a real build and publish would do: the commands (credentials
    never appear: they travel in the environment) and the content listing
    or checks the dry run made."""

    artifact: str
    commands: list[list[str]]
    details: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def log_lines(self, source: str) -> list[LogLine]:
        """How the artifacts step shows it: each command, then each detail."""
        said = [f"would run {' '.join(argv)}" for argv in self.commands] + self.details
        return [LogLine(step=STEP, source=source, text=f"dry run: {text}") for text in said]


@dataclass(frozen=True)
class PublishResult:
    """Where the artifact went: ``reference`` (registry URL or name@version),
    the registry's own digest where it reports one (``sha256:...``), the
    time, one download URL per published file name (for verify and
    rollback) and, per file name, the digest the registry reports for it.
    Stored in the journal and the ledger, so it holds no secret."""

    reference: str
    registry_digest: str | None
    published_at: str
    urls: dict[str, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "registryDigest": self.registry_digest,
            "publishedAt": self.published_at,
            "urls": dict(self.urls),
            "digests": dict(self.digests),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublishResult:
        return cls(
            str(data["reference"]),
            data.get("registryDigest"),
            str(data["publishedAt"]),
            dict(data.get("urls") or {}),
            dict(data.get("digests") or {}),
        )


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(ABC):
    """One artifact of a release. Subclasses set ``type_name`` and
    ``tools`` and implement the six phases."""

    type_name: ClassVar[str] = ""
    tools: ClassVar[tuple[str, ...]] = ()
    can_rollback: ClassVar[bool] = True

    def __init__(self, cfg: ArtifactConfig, ctx: ArtifactContext):
        self.cfg = cfg
        self.ctx = ctx
        self.options: dict[str, Any] = dict(cfg.options)
        limit = self.options.get("timeoutSeconds", ctx.timeout)
        if isinstance(limit, bool) or not isinstance(limit, int | float) or limit <= 0:
            raise ConfigInvalid(
                f"release.artifacts[{cfg.type} {cfg.name or ''}].options.timeoutSeconds: "
                f"{limit!r} is not a positive number of seconds",
                hint="e.g. 600",
            )
        self.timeout = float(limit)

    # -- identity ---------------------------------------------------------
    @property
    def name(self) -> str:
        return self.cfg.name or self.type_name

    @property
    def label(self) -> str:
        """How messages name this artifact: ``type 'name'`` (``of PACKAGE``
        in a release train)."""
        label = f"{self.type_name} '{self.name}'"
        return f"{label} of {self.ctx.package}" if self.ctx.package else label

    @property
    def source_dir(self) -> Path:
        return (self.ctx.repo_root / self.cfg.path).resolve()

    def read_manifest(
        self,
        path: Path,
        missing_hint: str,
        error: type[ShiplineError] = ArtifactValidationFailed,
    ) -> dict[str, Any]:
        """A manifest (``.toml`` or JSON by its name) as a table; ``error``
        (86 by default) naming the file when it is absent or unreadable."""
        toml = path.suffix == ".toml"
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if toml else json.loads(text)
        except FileNotFoundError:
            raise error(f"{self.label}: {path} does not exist", hint=missing_hint) from None
        except (OSError, ValueError) as exc:  # TOMLDecodeError and JSONDecodeError are both
            raise error(
                f"{self.label}: {path} is not valid {'TOML' if toml else 'JSON'}: {exc}",
                hint=f"fix {path.name}",
            ) from None
        if not isinstance(data, dict):
            raise error(f"{self.label}: {path} is not a table of keys", hint=f"fix {path.name}")
        return data

    # -- the six phases ----------------------------------------------------
    def validate(self) -> None:
        """Pre-validation (ARTP-001) of the bumped tree: :meth:`ready`, then
        the manifest's version equal to ``ctx.version``. Raises
        ArtifactValidationFailed (86)."""
        self.ready()
        self.check_version()

    @abstractmethod
    def ready(self) -> None:
        """What pre-validation knows before the release writes anything
        (``release ship`` asks it in its preflight too): tools present,
        credential variable set, registry reachable, ``ctx.version`` not
        published yet. Raises ArtifactValidationFailed (86)."""

    def check_version(self) -> None:  # noqa: B027 - optional: not every artifact has a manifest
        """The manifest says ``ctx.version``: true only once the bump has
        rewritten it. Handlers without a manifest have nothing to check."""

    @abstractmethod
    def dry_run(self) -> DryRunReport:
        """Mandatory dry run (ARTP-002); changes nothing remote. 86 on failure."""

    @abstractmethod
    def build(self) -> list[BuiltFile]:
        """Build into ``ctx.out_dir`` with ``SOURCE_DATE_EPOCH``; 87 on failure."""

    @abstractmethod
    def is_published(self) -> bool:
        """Whether the registry already has ``ctx.version`` of this artifact."""

    @abstractmethod
    def publish(self, files: Sequence[BuiltFile]) -> PublishResult:
        """Upload the built files; 88 on failure (nothing else rolled back here)."""

    @abstractmethod
    def rollback(self, result: PublishResult) -> str:
        """Undo a publish with the registry's own means and say what was done;
        raise RollbackFailed (89) naming what stayed when that is impossible."""

    @abstractmethod
    def fetch_published(self, built: BuiltFile, result: PublishResult) -> bytes:
        """Download one published file back from the registry."""

    def verify_published(self, built: BuiltFile, result: PublishResult) -> str:
        """Download ``built`` back from the registry and compare SHA-256;
        returns the digest, raises DigestMismatch (93) when it differs."""
        import hashlib

        data = self.fetch_published(built, result)
        got = hashlib.sha256(data).hexdigest()
        if got != built.sha256:
            raise DigestMismatch(
                f"{self.label}: {built.path.name} downloaded from {result.reference} has sha256 "
                f"{got}, the built file has {built.sha256}",
                hint="the registry serves different bytes: do not push the tag; investigate "
                "the registry before retrying",
            )
        self.log(f"verified {built.path.name} from the registry: sha256 {got}")
        return got

    # -- helpers for subclasses -------------------------------------------
    def log(self, text: str, stream: Literal["stdout", "stderr", "info"] = "info") -> None:
        self.ctx.emit(
            LogLine(
                step=self.ctx.step, text=runner.redact(text), source=self.type_name, stream=stream
            )
        )

    def credential(self, *, required: bool = True) -> str | None:
        """The secret named by ``credentialsEnv`` (registered for redaction)."""
        name = self.cfg.credentials_env
        if not name:
            return None
        value = runner.secret_from_env(name, self.ctx.env)
        if value is None and required:
            raise ArtifactValidationFailed(
                f"{self.label}: credential environment variable {name} is not set "
                f"(release.artifacts credentialsEnv)",
                hint=f"export {name} with the registry token before releasing",
            )
        return value

    def require_tools(self) -> None:
        path = self.ctx.env.get("PATH")
        import shutil

        for tool in self.tools:
            if os.sep not in tool and shutil.which(tool, path=path) is None:
                raise ArtifactValidationFailed(
                    f"{self.label}: required tool '{tool}' is not installed or not on PATH",
                    hint=f"install {tool} or remove the artifact from release.artifacts",
                )

    def tool_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(self.ctx.env)
        env["SOURCE_DATE_EPOCH"] = str(self.ctx.source_date_epoch)
        if extra:
            env.update(extra)
        return env

    def run_tool(
        self,
        argv: Sequence[str],
        error: type[ShiplineError],
        what: str,
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> runner.Completed:
        """Run through :mod:`shipline.domain.runner`; a missing tool, a timeout or a
        non-zero exit becomes ``error`` with a one-line message (the last
        lines of the tool's output, redacted)."""
        limit = self.timeout if timeout is None else timeout
        try:
            done = runner.run(
                argv, cwd=cwd or self.source_dir, env=env or self.tool_env(), timeout=limit
            )
        except runner.ToolNotFound as exc:
            raise error(
                f"{self.label}: {what}: {exc}", hint=f"install {exc.tool} and retry"
            ) from None
        except OSError as exc:  # an absolute path that is missing or not executable
            raise error(
                f"{self.label}: {what}: cannot run {argv[0]} ({exc.strerror})",
                hint=f"install {argv[0]} or fix the artifact's options",
            ) from None
        except runner.ToolTimeout:
            raise error(
                f"{self.label}: {what}: {argv[0]} did not finish within {limit:g} s",
                hint="the registry or tool hangs; check it, or raise options.timeoutSeconds",
            ) from None
        for line in done.output.splitlines():
            self.log(line, "stdout")
        if not done.ok:
            raise error(
                f"{self.label}: {what} failed (exit {done.returncode}): {last_line(done.output)}",
                hint=self.hint_for(error),
            )
        return done

    def hint_for(self, error: type[ShiplineError]) -> str:
        if error is ArtifactBuildFailed:
            return "fix the build and run `shipline release resume`"
        if error is ArtifactPublishFailed:
            return "check the registry and credentials, then `shipline release resume`"
        return "fix the artifact configuration or registry and retry"


def last_line(text: str, limit: int = 300) -> str:
    """The most telling line of a tool's output, for one-line messages."""
    text = _ANSI.sub("", text)
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    for words in (("error",), ("forbidden", "denied", "unauthorized")):
        for line in reversed(lines):
            if any(word in line.lower() for word in words):
                return line[:limit]
    return (lines[-1] if lines else "no output")[:limit]

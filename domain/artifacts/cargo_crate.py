"""``cargo-crate``: ``cargo package``, ``cargo publish --dry-run``,
``cargo publish --registry NAME``, and ``cargo yank`` as rollback.

Config: ``registry`` is the registry's index URL (``sparse+https://.../``;
a plain http(s) URL is taken as a sparse index); ``options.registryName``
(default ``shipline``) is the name cargo knows it by, passed as
``CARGO_REGISTRIES_<NAME>_INDEX``. ``credentialsEnv`` names the variable
holding the token, handed to cargo as ``CARGO_REGISTRIES_<NAME>_TOKEN`` in
its environment, never argv. ``options.verify: false`` skips cargo's
verification build. Cargo's target directory lives beside the output
directory, so the worktree stays clean.

In a release train, crates that require one another are packaged by one
cargo call (:mod:`cargo_together`), then published one at a time.

A registry cannot delete a crate: rollback yanks it (new dependents cannot
select it; existing lockfiles still download it), which SPEC section 4
counts as the registry's own means.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from shipline.domain.artifacts import httpio
from shipline.domain.artifacts.base import BuiltFile, DryRunReport, Handler, PublishResult, utc_now
from shipline.domain.artifacts.cargo_together import CrateSet
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    RegistryHoldsOther,
    RollbackFailed,
    ShiplineError,
)
from shipline.domain.textsafe import public_url


def index_path(name: str) -> str:
    """The index file path of a crate (cargo's layout by name length)."""
    name = name.lower()
    if len(name) <= 2:
        return f"{len(name)}/{name}"
    if len(name) == 3:
        return f"3/{name[0]}/{name}"
    return f"{name[:2]}/{name[2:4]}/{name}"


class CargoCrateHandler(Handler):
    type_name = "cargo-crate"
    tools = ("cargo",)
    together: CrateSet | None = None
    """Set by a release train when cargo packages this crate with its
    siblings (:mod:`cargo_together`)."""

    # -- configuration -------------------------------------------------------
    @property
    def registry_name(self) -> str:
        name = str(self.options.get("registryName") or "shipline")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
            raise ArtifactValidationFailed(
                f"{self.label}: options.registryName {name!r} is not a valid registry name",
                hint="use letters, digits, '-' and '_'",
            )
        return name

    @property
    def env_prefix(self) -> str:
        return "CARGO_REGISTRIES_" + self.registry_name.upper().replace("-", "_")

    @property
    def index_url(self) -> str:
        if not self.cfg.registry:
            raise ArtifactValidationFailed(
                f"{self.label}: release.artifacts[].registry is not set",
                hint="set registry to the sparse index URL, e.g. sparse+https://host/index/",
            )
        url = self.cfg.registry
        url = url if url.startswith("sparse+") else f"sparse+{url}"
        return url.rstrip("/") + "/"

    @property
    def index_http(self) -> str:
        return self.index_url[len("sparse+") :]

    def manifest(self) -> tuple[str, str]:
        """(crate name, version) from Cargo.toml (workspace-inherited too)."""
        path = self.source_dir / "Cargo.toml"
        data = self._toml(path)
        package = data.get("package")
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            raise ArtifactValidationFailed(
                f"{self.label}: {path} has no [package] name",
                hint="point the artifact's path at the crate",
            )
        version = package.get("version")
        if isinstance(version, dict) and version.get("workspace"):
            root = self._toml(self.ctx.repo_root / "Cargo.toml")
            version = root.get("workspace", {}).get("package", {}).get("version")
        return package["name"], str(version)

    def _toml(self, path: Path) -> dict[str, Any]:
        return self.read_manifest(path, "point the artifact's path at the crate")

    @property
    def crate(self) -> str:
        return self.manifest()[0]

    @property
    def crate_file(self) -> str:
        return f"{self.crate}-{self.ctx.version}.crate"

    @property
    def target_dir(self) -> Path:
        if self.together is not None:
            return self.together.target_dir
        return self.ctx.out_dir.parent / f"{self.ctx.out_dir.name}.cargo-target"

    def _together_args(self, *command: str) -> list[str]:
        """``command`` with ``-p`` for every crate packaged together with
        this one, the registry, and the verify flag."""
        crates = self.together.selection() if self.together is not None else []
        return [*command, *crates, "--registry", self.registry_name, *self._verify_flag()]

    def cargo_env(self, with_token: bool) -> dict[str, str]:
        extra = {
            f"{self.env_prefix}_INDEX": self.index_url,
            "CARGO_TARGET_DIR": str(self.target_dir),
            "CARGO_TERM_COLOR": "never",
        }
        if with_token:
            token = self.credential()
            if token:
                extra[f"{self.env_prefix}_TOKEN"] = token
        return self.tool_env(extra)

    def _cargo(
        self, args: Sequence[str], error: type[ShiplineError], what: str, *, token: bool = False
    ) -> None:
        self.run_tool(["cargo", *args], error, what, env=self.cargo_env(token))

    # -- registry ------------------------------------------------------------
    def registry_config(self, error: type[ShiplineError]) -> dict[str, Any]:
        resp = httpio.request(
            "GET",
            f"{self.index_http}config.json",
            error=error,
            what=f"{self.label}: registry config",
            timeout=self.timeout,
        )
        try:
            data = json.loads(resp.body)
            return data if isinstance(data, dict) else {}
        except ValueError:
            raise error(
                f"{self.label}: {self.index_http}config.json is not JSON",
                hint="check the registry URL",
            ) from None

    def index_entry(self, error: type[ShiplineError]) -> dict[str, Any] | None:
        resp = httpio.request(
            "GET",
            f"{self.index_http}{index_path(self.crate)}",
            error=error,
            what=f"{self.label}: index lookup",
            timeout=self.timeout,
            allow=(404, 410, 451),
        )
        if resp.status != 200:
            return None
        for line in resp.body.decode(errors="replace").splitlines():
            if line.strip():
                entry = json.loads(line)
                if entry.get("vers") == self.ctx.version:
                    return dict(entry)
        return None

    def download_url(self, error: type[ShiplineError]) -> str:
        dl = str(self.registry_config(error).get("dl", "")).rstrip("/")
        name, version = self.crate, self.ctx.version
        markers = {
            "{crate}": name,
            "{version}": version,
            "{prefix}": index_path(name).rsplit("/", 1)[0],
            "{lowerprefix}": index_path(name).rsplit("/", 1)[0],
        }
        if any(marker in dl for marker in markers):
            for marker, value in markers.items():
                dl = dl.replace(marker, value)
            return dl
        return f"{dl}/{name}/{version}/download"

    # -- phases --------------------------------------------------------------
    def check_version(self) -> None:
        version = self.manifest()[1]
        if version != self.ctx.version:
            raise ArtifactValidationFailed(
                f"{self.label}: {self.source_dir / 'Cargo.toml'} version is {version!r}, the "
                f"release is {self.ctx.version}",
                hint="add Cargo.toml to release.versionBump so the bump rewrites it",
            )

    def ready(self) -> None:
        self.require_tools()
        name = self.manifest()[0]
        self._packageable()
        if not self.cfg.credentials_env:
            raise ArtifactValidationFailed(
                f"{self.label}: release.artifacts[].credentialsEnv is not set; cargo publish "
                "needs a registry token",
                hint="name the variable that holds the token",
            )
        self.credential()
        self.registry_config(ArtifactValidationFailed)
        if self.is_published():
            raise ArtifactValidationFailed(
                f"{self.label}: {name} {self.ctx.version} is already published in "
                f"{public_url(self.index_http)}",
                hint="a cargo registry never accepts the same version twice: release a new version",
            )

    def _packageable(self) -> None:
        """``cargo package`` refuses a dependency it could not find in a
        registry: a ``path`` or ``git`` one without a ``version`` (its own or
        the workspace's). Dev-dependencies are dropped from the package."""
        path = self.source_dir / "Cargo.toml"
        for dep, spec in self._packaged_dependencies(self._toml(path)):
            where = "path" if "path" in spec else "git" if "git" in spec else None
            if where and "version" not in spec:
                raise ArtifactValidationFailed(
                    f"{self.label}: {dep} in {path} is a {where} dependency without a "
                    "version; cargo package refuses it",
                    hint=f"give {dep} a version and publish it first, or make it a dev-dependency",
                )

    def _packaged_dependencies(self, data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(name, table) of every dependency the package keeps, target-specific
        ones too, ``workspace = true`` read from the root's
        ``[workspace.dependencies]`` (the root is read once, when needed)."""
        shared: dict[str, Any] | None = None
        tables = [data, *(t for t in data.get("target", {}).values() if isinstance(t, dict))]
        for table in tables:
            for kind in ("dependencies", "build-dependencies"):
                for dep, spec in (table.get(kind) or {}).items():
                    if isinstance(spec, dict) and spec.get("workspace") is True:
                        if shared is None:
                            root = self._toml(self.ctx.repo_root / "Cargo.toml")
                            shared = root.get("workspace", {}).get("dependencies", {})
                        spec = shared.get(dep, {})
                    if isinstance(spec, dict):
                        yield dep, spec

    def _verify_flag(self) -> list[str]:
        return [] if self.options.get("verify", True) else ["--no-verify"]

    def dry_run(self) -> DryRunReport:
        together = self.together
        if together is None or not together.dry_run:  # a set's crates: one dry run for all
            self._cargo(
                self._together_args("publish", "--dry-run"),
                ArtifactValidationFailed,
                "cargo publish --dry-run",
                token=True,
            )
            if together is not None:
                together.dry_run = True
        listing = self.run_tool(
            ["cargo", "package", "--list", "--registry", self.registry_name],
            ArtifactValidationFailed,
            "cargo package --list",
            env=self.cargo_env(False),
        )
        files = [line for line in listing.stdout.splitlines() if line.strip()]
        return DryRunReport(
            self.name,
            [
                ["cargo", *self._together_args("package")],
                ["cargo", "publish", "--registry", self.registry_name, *self._verify_flag()],
            ],
            [
                f"{len(files)} files in {self.crate_file}",
                *files,
                f"would publish {self.crate} {self.ctx.version} to {public_url(self.index_http)}",
            ],
        )

    def build(self) -> list[BuiltFile]:
        together = self.together
        if together is None or not together.packaged:  # a set's crates: one cargo package
            self._cargo(
                self._together_args("package"),
                ArtifactBuildFailed,
                "cargo package",
            )
            if together is not None:
                together.packaged = True
        built = self.target_dir / "package" / self.crate_file
        if not built.is_file():
            raise ArtifactBuildFailed(
                f"{self.label}: cargo package did not produce {built}",
                hint="check the crate's name and version",
            )
        out = self.ctx.out_dir
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        shutil.copyfile(built, out / self.crate_file)
        result = BuiltFile.of(out / self.crate_file, "crate")
        self.log(f"built {self.crate_file} sha256 {result.sha256}")
        return [result]

    def is_published(self) -> bool:
        return self.index_entry(ArtifactValidationFailed) is not None

    def publish(self, files: Sequence[BuiltFile]) -> PublishResult:
        entry = self.index_entry(ArtifactPublishFailed)
        if entry is not None:
            if entry.get("cksum") == files[0].sha256:
                self.log(
                    f"{self.crate} {self.ctx.version} is already in the registry with the "
                    "same checksum: not publishing again"
                )
                return self._result(files, entry)
            raise RegistryHoldsOther(
                f"{self.label}: {self.crate} {self.ctx.version} is already published in "
                f"{public_url(self.index_http)} with a different checksum",
                hint="a cargo registry never accepts the same version twice: release a new version",
            )
        self._cargo(
            ["publish", "--registry", self.registry_name, *self._verify_flag()],
            ArtifactPublishFailed,
            f"cargo publish --registry {self.registry_name}",
            token=True,
        )
        entry = self.index_entry(ArtifactPublishFailed)
        if entry is None:
            raise ArtifactPublishFailed(
                f"{self.label}: cargo publish succeeded but {self.crate} {self.ctx.version} is "
                "not in the index",
                hint="check the registry",
            )
        result = self._result(files, entry)
        self.log(f"published {result.reference} ({result.registry_digest})")
        return result

    def _result(self, files: Sequence[BuiltFile], entry: dict[str, Any]) -> PublishResult:
        digest = f"sha256:{entry['cksum']}" if entry.get("cksum") else None
        name = files[0].path.name if files else self.crate_file
        return PublishResult(
            reference=f"{self.crate}@{self.ctx.version} ({public_url(self.index_url)})",
            registry_digest=digest,
            published_at=utc_now(),
            urls={name: self.download_url(ArtifactPublishFailed)},
            digests={name: digest} if digest else {},
        )

    def rollback(self, result: PublishResult) -> str:
        self._cargo(
            ["yank", "--version", self.ctx.version, "--registry", self.registry_name, self.crate],
            RollbackFailed,
            f"cargo yank {self.crate}@{self.ctx.version}",
            token=True,
        )
        return (
            f"{self.label}: yanked {self.crate}@{self.ctx.version} (a yanked crate stays "
            "downloadable for existing lockfiles)"
        )

    def fetch_published(self, built: BuiltFile, result: PublishResult) -> bytes:
        url = result.urls.get(built.path.name) or self.download_url(ArtifactPublishFailed)
        return httpio.request(
            "GET",
            url,
            error=ArtifactPublishFailed,
            what=f"{self.label}: download for verification",
            timeout=self.timeout,
        ).body

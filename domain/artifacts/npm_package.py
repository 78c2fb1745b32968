"""``npm-package``: ``npm pack``, ``npm publish --dry-run``, ``npm publish
--registry`` (SPEC section 5), rollback with ``npm unpublish``.

The token named by ``credentialsEnv`` reaches npm only through a throw-away
user config: a ``.npmrc`` with mode 0600 in a private temp folder, named by
``NPM_CONFIG_USERCONFIG`` and deleted as soon as npm exits. It is never on
a command line, in a log line or in a result.

The registry's packument (``GET REGISTRY/NAME``) answers both "is it
reachable" and "is this version already there". npm registries report a
tarball's ``integrity`` (SHA-512, SRI form) and ``shasum`` (SHA-1), never a
SHA-256: the publish result records the integrity as the registry digest,
and the verification after publish downloads the tarball back, compares its
SHA-256 with the built file and checks the registry's integrity too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shipline.domain import runner
from shipline.domain.artifacts import httpio
from shipline.domain.artifacts.base import BuiltFile, DryRunReport, Handler, PublishResult, utc_now
from shipline.domain.artifacts.npm_answers import json_tail, npm_error, npm_hint
from shipline.domain.artifacts.npm_workspace import packable_folder
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    DigestMismatch,
    RegistryHoldsOther,
    RollbackFailed,
    ShiplineError,
)
from shipline.domain.textsafe import public_url

DEFAULT_REGISTRY = "https://registry.npmjs.org/"
KIND = "npm-tarball"


class NpmPackageHandler(Handler):
    type_name = "npm-package"
    tools = ("npm",)

    # -- configuration ---------------------------------------------------
    @property
    def registry(self) -> str:
        url = self.cfg.registry or DEFAULT_REGISTRY
        return url if url.endswith("/") else url + "/"

    @property
    def http_timeout(self) -> float:
        return min(self.timeout, 60.0)

    def manifest(self, error: type[ShiplineError] = ArtifactValidationFailed) -> dict[str, Any]:
        path = self.source_dir / "package.json"
        data = self.read_manifest(
            path, "set the artifact's path to the folder with package.json", error
        )
        if not isinstance(data.get("name"), str):
            raise error(f'{self.label}: {path} has no "name"', hint="add a package name")
        return data

    @property
    def package(self) -> str:
        return str(self.manifest()["name"])

    def packument_url(self, package: str | None = None) -> str:
        # Scoped names keep their '@' and escape the '/': @scope%2fname.
        return self.registry + urllib.parse.quote(package or self.package, safe="@")

    def dist_tag(self) -> str:
        tag = self.options.get("distTag")
        if tag:
            return str(tag)
        return "next" if "-" in self.ctx.version.split("+")[0] else "latest"

    def publish_flags(self) -> list[str]:
        flags = ["--registry", self.registry, "--tag", self.dist_tag()]
        if self.options.get("access"):
            flags += ["--access", str(self.options["access"])]
        return flags

    # -- the token travels in a 0600 user config, never in argv ----------
    @contextmanager
    def npm_env(self) -> Iterator[dict[str, str]]:
        token = self.credential(required=bool(self.cfg.credentials_env))
        folder = Path(tempfile.mkdtemp(prefix="shipline-npm-"))
        try:
            os.chmod(folder, 0o700)
            npmrc = folder / ".npmrc"
            fd = os.open(npmrc, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(f"registry={self.registry}\n")
                if token:
                    scope = "//" + self.registry.split("://", 1)[-1]
                    out.write(f"{scope}:_authToken={token}\n")
            env = self.tool_env(
                {
                    "NPM_CONFIG_USERCONFIG": str(npmrc),
                    "NPM_CONFIG_CACHE": str(folder / "cache"),
                    "NPM_CONFIG_LOGS_MAX": "0",
                    "NPM_CONFIG_UPDATE_NOTIFIER": "false",
                    "NPM_CONFIG_FUND": "false",
                    "NPM_CONFIG_AUDIT": "false",
                }
            )
            # A token from the caller's environment must not override ours.
            for var in (
                "NPM_TOKEN",
                "NODE_AUTH_TOKEN",
                "NPM_CONFIG__AUTH",
                "NPM_CONFIG__AUTHTOKEN",
                "NPM_CONFIG_REGISTRY",
            ):
                if var != self.cfg.credentials_env:
                    env.pop(var, None)
            yield env
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def npm(
        self, args: Sequence[str], error: type[ShiplineError], what: str, cwd: Path | None = None
    ) -> Any:
        """Run ``npm ARGS --json`` and return its JSON answer (an object, or
        a list for ``npm pack``); a failure becomes ``error`` with npm's own
        summary (E401, E403, EPUBLISHCONFLICT...)."""
        argv = ["npm", *args, "--json"]
        with self.npm_env() as env:
            try:
                done = runner.run(argv, cwd=cwd or self.source_dir, env=env, timeout=self.timeout)
            except runner.ToolNotFound as exc:
                raise error(f"{self.label}: {what}: {exc}", hint="install node and npm") from None
            except OSError as exc:
                raise error(
                    f"{self.label}: {what}: cannot run npm ({exc.strerror})",
                    hint="install node and npm",
                ) from None
            except runner.ToolTimeout:
                raise error(
                    f"{self.label}: {what}: npm did not finish within {self.timeout:g} s",
                    hint="the registry hangs; check it or raise options.timeoutSeconds",
                ) from None
        for line in done.stderr.splitlines():
            if line.strip() and "complete log of this run" not in line:
                self.log(line, "stderr")
        answer = json_tail(done.stdout)
        if not done.ok:
            raise error(
                f"{self.label}: {what} failed: {npm_error(answer, done.stderr)}",
                hint=npm_hint(answer, self.hint_for(error)),
            )
        return answer

    # -- the phases --------------------------------------------------------
    def ready(self) -> None:
        self.require_tools()
        data = self.manifest()
        if data.get("private") is True:
            raise ArtifactValidationFailed(
                f'{self.label}: package.json says "private": true; npm refuses to publish it',
                hint='remove "private" or disable the artifact',
            )
        self.credential(required=bool(self.cfg.credentials_env))
        if self._published_versions(ArtifactValidationFailed).get(self.ctx.version):
            raise ArtifactValidationFailed(
                f"{self.label}: {data['name']}@{self.ctx.version} is already published on "
                f"{public_url(self.registry)}",
                hint="npm never accepts the same version twice: release a new version",
            )

    def check_version(self) -> None:
        found = self.manifest().get("version")
        if found != self.ctx.version:
            raise ArtifactValidationFailed(
                f"{self.label}: {self.source_dir / 'package.json'} has version {found!r}, "
                f"the release is {self.ctx.version}",
                hint="add package.json to release.versionBump",
            )

    def dry_run(self) -> DryRunReport:
        with packable_folder(
            self.source_dir, self.ctx.repo_root, self.label, ArtifactValidationFailed
        ) as folder:
            answer = self.npm(
                ["publish", "--dry-run", *self.publish_flags()],
                ArtifactValidationFailed,
                "npm publish --dry-run",
                cwd=folder,
            )
        info = answer.get(self.package, answer) if isinstance(answer, dict) else {}
        files = [f"{f.get('path')} ({f.get('size')} bytes)" for f in info.get("files", [])]
        return DryRunReport(
            artifact=self.label,
            commands=[
                ["npm", "pack", "--pack-destination", str(self.ctx.out_dir)],
                ["npm", "publish", "TARBALL", *self.publish_flags()],
            ],
            details=[f"{info.get('id', self.package)}: {len(files)} files", *files],
        )

    def build(self) -> list[BuiltFile]:
        self.manifest(ArtifactBuildFailed)
        self.ctx.out_dir.mkdir(parents=True, exist_ok=True)
        pack = ["pack", "--pack-destination", str(self.ctx.out_dir.resolve())]
        with packable_folder(
            self.source_dir, self.ctx.repo_root, self.label, ArtifactBuildFailed
        ) as folder:
            answer = self.npm(pack, ArtifactBuildFailed, "npm pack", cwd=folder)
        entries = answer if isinstance(answer, list) else []
        if not entries or not entries[0].get("filename"):
            raise ArtifactBuildFailed(
                f"{self.label}: npm pack reported no tarball", hint='check package.json "files"'
            )
        path = self.ctx.out_dir / Path(str(entries[0]["filename"])).name
        if not path.is_file() or path.stat().st_size == 0:
            raise ArtifactBuildFailed(
                f"{self.label}: npm pack did not write {path}",
                hint="check package.json and the pack scripts",
            )
        built = BuiltFile.of(path, KIND)
        self.log(f"built {path.name}: sha256 {built.sha256}, {entries[0].get('integrity')}")
        return [built]

    def _published_versions(self, error: type[ShiplineError]) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        token = self.credential(required=False)
        if token:  # private registries need it to read too
            headers["Authorization"] = f"Bearer {token}"
        resp = httpio.request(
            "GET",
            self.packument_url(),
            error=error,
            what=f"{self.label}: registry lookup",
            timeout=self.http_timeout,
            allow=(404,),
            headers=headers,
        )
        if resp.status == 404:
            return {}
        try:
            versions = json.loads(resp.body).get("versions") or {}
        except (ValueError, AttributeError):
            raise error(
                f"{self.label}: {public_url(self.packument_url())} did not "
                "answer with an npm packument",
                hint="check the registry URL",
            ) from None
        return dict(versions)

    def is_published(self) -> bool:
        return self.ctx.version in self._published_versions(ArtifactPublishFailed)

    def publish(self, files: Sequence[BuiltFile]) -> PublishResult:
        tarball = _the_tarball(files, self.label)
        ours = sri512(tarball.path)
        there = self._published_versions(ArtifactPublishFailed).get(self.ctx.version)
        if isinstance(there, dict):
            # Resume after a crash: the same bytes are already live; never publish twice.
            theirs = (there.get("dist") or {}).get("integrity")
            if theirs != ours:
                raise RegistryHoldsOther(
                    f"{self.label}: {self.package}@{self.ctx.version} is already published "
                    f"with integrity {theirs}, the built tarball is {ours}",
                    hint="npm never replaces a version: release a new version",
                )
            self.log(
                f"{self.package}@{self.ctx.version} is already published with the same "
                "integrity: not publishing again"
            )
        else:
            self.npm(
                ["publish", str(tarball.path.resolve()), *self.publish_flags()],
                ArtifactPublishFailed,
                f"npm publish to {public_url(self.registry)}",
            )
        dist = self._dist(ArtifactPublishFailed)
        self.log(f"published {self.package}@{self.ctx.version}: {dist.get('integrity')}")
        return PublishResult(
            reference=f"{public_url(self.packument_url())}/{self.ctx.version}",
            registry_digest=dist.get("integrity") or None,
            published_at=utc_now(),
            urls={tarball.path.name: str(dist.get("tarball", ""))},
            digests={tarball.path.name: str(dist.get("integrity", ""))},
        )

    def _dist(self, error: type[ShiplineError]) -> dict[str, Any]:
        entry = self._published_versions(error).get(self.ctx.version)
        if not isinstance(entry, dict) or not isinstance(entry.get("dist"), dict):
            raise error(
                f"{self.label}: the registry does not list {self.package}@"
                f"{self.ctx.version} after publishing it",
                hint="check the registry; then `shipline release resume`",
            )
        return dict(entry["dist"])

    def rollback(self, result: PublishResult) -> str:
        spec = f"{self.package}@{self.ctx.version}"
        # --force: npm otherwise refuses to remove a package's only version.
        self.npm(
            ["unpublish", spec, "--force", "--registry", self.registry],
            RollbackFailed,
            f"npm unpublish {spec}",
        )
        if self._published_versions(RollbackFailed).get(self.ctx.version):
            raise RollbackFailed(
                f"{self.label}: {spec} is still listed after npm unpublish",
                hint="remove it by hand on the registry",
            )
        return f"{spec} unpublished from {public_url(self.registry)}"

    def fetch_published(self, built: BuiltFile, result: PublishResult) -> bytes:
        url = result.urls.get(built.path.name) or str(self._dist(DigestMismatch).get("tarball"))
        return httpio.request(
            "GET",
            url,
            error=DigestMismatch,
            what=f"{self.label}: download back",
            timeout=self.http_timeout,
        ).body

    def verify_published(self, built: BuiltFile, result: PublishResult) -> str:
        """SHA-256 of the downloaded tarball against the built file (base
        class), and the registry's own SHA-512 integrity against the file."""
        digest = super().verify_published(built, result)
        sri = sri512(built.path)
        reported = result.registry_digest or self._dist(DigestMismatch).get("integrity")
        if reported and reported != sri:
            raise DigestMismatch(
                f"{self.label}: the registry reports integrity {reported} for "
                f"{built.path.name}, the built file is {sri}",
                hint="the registry holds different bytes: do not push the tag",
            )
        return digest


def sri512(path: Path) -> str:
    """npm's ``integrity`` of a file: ``sha512-`` + base64 of its SHA-512."""
    digest = hashlib.sha512()
    with path.open("rb") as src:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            digest.update(chunk)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def _the_tarball(files: Sequence[BuiltFile], label: str) -> BuiltFile:
    for f in files:
        if f.kind == KIND:
            return f
    raise ArtifactPublishFailed(
        f"{label}: no npm tarball among the built files",
        hint="build the artifact before publishing it",
    )

"""``tarball``: a reproducible source archive of the release commit plus
``checksums.txt``, published to a directory or an HTTP endpoint.

The archive is ``git archive`` of the release commit (or of ``path`` inside
it), re-packed with every entry sorted by name, mtime set to
``SOURCE_DATE_EPOCH``, owner root/0 and modes normalized to 0644/0755, then
gzip'd with mtime 0 and no file name: the same commit gives the same bytes.

Config: ``registry`` is ``file:///dir``, a plain path (relative to the
repository) or an ``http(s)://`` base URL; files go to
``<registry>/<name>/<version>/``. Over HTTP, files are uploaded with PUT and
rolled back with DELETE; ``credentialsEnv`` names a token sent as
``Authorization: Bearer`` (``options.authScheme`` to change the scheme).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import re
import shutil
import tarfile
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from shipline.domain import runner
from shipline.domain.artifacts import httpio
from shipline.domain.artifacts.base import BuiltFile, DryRunReport, Handler, PublishResult, utc_now
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    RegistryHoldsOther,
    RollbackFailed,
    ShiplineError,
)
from shipline.domain.textsafe import public_url

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def repack(tar_bytes: bytes, mtime: int) -> bytes:
    """Normalize a tar stream: sorted entries, fixed mtime, owner and modes."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as src,
        tarfile.open(fileobj=out, mode="w:", format=tarfile.PAX_FORMAT) as dst,
    ):
        for member in sorted(src.getmembers(), key=lambda m: m.name):
            info = tarfile.TarInfo(member.name)
            info.type = member.type
            info.linkname = member.linkname
            info.size = member.size if member.isfile() else 0
            info.mode = 0o755 if member.isdir() or member.mode & 0o111 else 0o644
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            data = src.extractfile(member) if member.isfile() else None
            dst.addfile(info, data)
    return out.getvalue()


def gzip_fixed(data: bytes) -> bytes:
    """gzip with mtime 0 and no file name in the header."""
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return out.getvalue()


class TarballHandler(Handler):
    type_name = "tarball"
    tools = ("git",)

    @property
    def name(self) -> str:
        """Part of file names and destination paths: a plain word only."""
        name = self.cfg.name or self.ctx.repo_root.resolve().name
        if not _SAFE_NAME.fullmatch(name):
            raise ArtifactValidationFailed(
                f"tarball {name!r}: release.artifacts[].name must be letters, digits, '.', '_' "
                "or '-' (it becomes a path on the destination)",
                hint="rename the artifact",
            )
        return name

    @property
    def archive_name(self) -> str:
        return f"{self.name}-{self.ctx.version}.tar.gz"

    @property
    def treeish(self) -> str:
        commit = self.ctx.release_commit or "HEAD"
        sub = self.cfg.path.strip("/")
        return commit if sub in ("", ".") else f"{commit}:{sub}"

    @property
    def tree_spec(self) -> str:
        """What names the tree to archive, and only a tree: ``COMMIT^{tree}``,
        or ``COMMIT:path/`` (``COMMIT:path^{tree}`` would read ``^{tree}`` as
        part of the path; the slash refuses a file)."""
        return f"{self.treeish}^{{tree}}" if ":" not in self.treeish else f"{self.treeish}/"

    # -- destination ---------------------------------------------------------
    @property
    def is_http(self) -> bool:
        return (self.cfg.registry or "").startswith(("http://", "https://"))

    def _registry(self) -> str:
        if not self.cfg.registry:
            raise ArtifactValidationFailed(
                f"{self.label}: release.artifacts[].registry is not set",
                hint="set registry to a directory (file:///srv/releases) or an http(s) URL",
            )
        return self.cfg.registry

    def registry_dir(self) -> Path:
        reg = self._registry()
        path = (
            Path(urllib.parse.unquote(urllib.parse.urlsplit(reg).path))
            if reg.startswith("file://")
            else Path(reg)
        )
        return path if path.is_absolute() else self.ctx.repo_root / path

    def dest_dir(self) -> Path:
        return self.registry_dir() / self.name / self.ctx.version

    def dest_url(self, filename: str) -> str:
        base = self._registry().rstrip("/")
        return (
            f"{base}/{urllib.parse.quote(self.name)}/{urllib.parse.quote(self.ctx.version)}/"
            f"{urllib.parse.quote(filename)}"
        )

    def location(self, filename: str) -> str:
        return self.dest_url(filename) if self.is_http else str(self.dest_dir() / filename)

    def _headers(self, required: bool) -> dict[str, str]:
        secret = self.credential(required=required) if self.cfg.credentials_env else None
        if not secret:
            return {}
        return {"Authorization": f"{self.options.get('authScheme', 'Bearer')} {secret}"}

    def _http(
        self,
        method: str,
        filename: str,
        error: type[ShiplineError],
        what: str,
        *,
        data: bytes | None = None,
        allow: tuple[int, ...] = (),
    ) -> httpio.Response:
        return httpio.request(
            method,
            self.dest_url(filename),
            error=error,
            what=f"{self.label}: {what}",
            timeout=self.timeout,
            data=data,
            headers=self._headers(required=method in ("PUT", "DELETE")),
            allow=allow,
        )

    # -- phases --------------------------------------------------------------
    def ready(self) -> None:
        self.require_tools()
        self.run_tool(
            ["git", "rev-parse", "--verify", "--quiet", self.tree_spec],
            ArtifactValidationFailed,
            f"resolve {self.treeish}",
            cwd=self.ctx.repo_root,
            timeout=60,
        )
        if self.cfg.credentials_env:
            self.credential()
        if self.is_http:
            base = self._registry().rstrip("/") + "/"
            httpio.request(
                "GET",
                base,
                error=ArtifactValidationFailed,
                what=f"{self.label}: pre-validation",
                timeout=self.timeout,
                allow=(401, 403, 404, 405),
            )
        else:
            root = self.registry_dir()
            if not root.is_dir() or not os.access(root, os.W_OK):
                raise ArtifactValidationFailed(
                    f"{self.label}: destination directory {root} does not exist or is not writable",
                    hint="create it or fix release.artifacts[].registry",
                )
        if self.is_published():
            raise ArtifactValidationFailed(
                f"{self.label}: {self.archive_name} is already published at "
                f"{public_url(self.location(self.archive_name))}",
                hint="published files are never overwritten: release a new version",
            )

    def dry_run(self) -> DryRunReport:
        done = self.run_tool(
            ["git", "ls-tree", "-r", "--name-only", self.treeish],
            ArtifactValidationFailed,
            "content listing (dry run)",
            cwd=self.ctx.repo_root,
            timeout=120,
        )
        names = sorted(done.stdout.splitlines())
        details = [f"{len(names)} files in {self.archive_name}", *names[:50]]
        if len(names) > 50:
            details.append(f"... and {len(names) - 50} more")
        details += [
            f"would publish {f} to {public_url(self.location(f))}"
            for f in (self.archive_name, "checksums.txt")
        ]
        return DryRunReport(self.name, [self._archive_argv()], details)

    def _archive_argv(self) -> list[str]:
        return [
            "git",
            "archive",
            "--format=tar",
            f"--prefix={self.name}-{self.ctx.version}/",
            self.treeish,
        ]

    def build(self) -> list[BuiltFile]:
        try:
            code, raw, err = runner.run_bytes(
                self._archive_argv(),
                cwd=self.ctx.repo_root,
                env=self.tool_env(),
                timeout=self.timeout,
            )
        except (runner.ToolNotFound, runner.ToolTimeout) as exc:
            raise ArtifactBuildFailed(
                f"{self.label}: git archive: {exc}", hint="check git and the repository"
            ) from None
        if code != 0:
            raise ArtifactBuildFailed(
                f"{self.label}: git archive {self.treeish} failed: "
                f"{err.strip().splitlines()[-1] if err.strip() else code}",
                hint="check that the release commit exists",
            )
        data = gzip_fixed(repack(raw, self.ctx.source_date_epoch))
        out = self.ctx.out_dir
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        archive = out / self.archive_name
        archive.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        (out / "checksums.txt").write_text(f"{digest}  {self.archive_name}\n")
        self.log(f"built {self.archive_name} sha256 {digest}")
        return [BuiltFile.of(archive, "tarball"), BuiltFile.of(out / "checksums.txt", "checksums")]

    def _remote_digest(self, filename: str, error: type[ShiplineError]) -> str | None:
        """sha256 of the published file, or None when it is not there."""
        if self.is_http:
            resp = self._http("GET", filename, error, "lookup", allow=(404,))
            return None if resp.status == 404 else hashlib.sha256(resp.body).hexdigest()
        path = self.dest_dir() / filename
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None

    def is_published(self) -> bool:
        return self._remote_digest(self.archive_name, ArtifactValidationFailed) is not None

    def publish(self, files: Sequence[BuiltFile]) -> PublishResult:
        existing = {
            f.path.name: self._remote_digest(f.path.name, ArtifactPublishFailed) for f in files
        }
        if all(existing[f.path.name] == f.sha256 for f in files):
            self.log(f"{self.archive_name} is already published with the same digest")
            return self._result(files, existing)
        clash = [f.path.name for f in files if existing[f.path.name] not in (None, f.sha256)]
        if clash:
            raise RegistryHoldsOther(
                f"{self.label}: {', '.join(clash)} already exist at "
                f"{public_url(self.location(clash[0]))} with other content",
                hint="published files are never overwritten: release a new version",
            )
        written: list[str] = []
        # a file already there with the same SHA-256 was uploaded by this
        # release before it was interrupted (between the two copies): adopt it
        reported: dict[str, str | None] = {n: d for n, d in existing.items() if d is not None}
        if reported:
            self.log(
                f"adopting {', '.join(sorted(reported))}: already published with the same digest"
            )
        try:
            for f in files:
                if f.path.name in reported:
                    continue
                reported[f.path.name] = self._put(f)
                written.append(f.path.name)
        except ShiplineError as exc:
            stayed = self._delete_quietly(written)
            if stayed:
                raise RollbackFailed(
                    f"{exc.message}; the partial upload {', '.join(stayed)} could not be "
                    f"removed and stays at {public_url(self.location(stayed[0]))}",
                    hint="delete it by hand",
                ) from None
            raise
        return self._result(files, reported)

    def _put(self, built: BuiltFile) -> str | None:
        data = built.path.read_bytes()
        if self.is_http:
            resp = self._http("PUT", built.path.name, ArtifactPublishFailed, "upload", data=data)
            return resp.headers.get("x-checksum-sha256")
        target = self.dest_dir() / built.path.name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError as exc:
            raise ArtifactPublishFailed(
                f"{self.label}: cannot write {target}: {exc.strerror}",
                hint="check the destination directory",
            ) from None
        return hashlib.sha256(target.read_bytes()).hexdigest()

    def _delete_quietly(self, names: Sequence[str]) -> list[str]:
        """Remove a partial upload; returns the names that stayed."""
        stayed: list[str] = []
        for name in names:
            try:
                self._delete(name)
            except ShiplineError as exc:
                self.log(f"could not remove partial upload {name}: {exc.message}", "stderr")
                stayed.append(name)
        return stayed

    def _delete(self, filename: str) -> None:
        if self.is_http:
            self._http("DELETE", filename, RollbackFailed, f"delete {filename}", allow=(404,))
            return
        path = self.dest_dir() / filename
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise RollbackFailed(
                f"{self.label}: cannot delete {path}: {exc.strerror}", hint="delete it by hand"
            ) from None

    def _result(self, files: Sequence[BuiltFile], digests: dict[str, str | None]) -> PublishResult:
        urls = {f.path.name: self.location(f.path.name) for f in files}
        reported = {n: f"sha256:{d}" for n, d in digests.items() if d}
        return PublishResult(
            reference=public_url(self.location(self.archive_name)),
            registry_digest=reported.get(self.archive_name),
            published_at=utc_now(),
            urls=urls,
            digests=reported,
        )

    def rollback(self, result: PublishResult) -> str:
        stayed: list[str] = []
        for name in sorted(result.urls, key=lambda n: n != "checksums.txt"):
            try:
                self._delete(name)
            except ShiplineError as exc:
                stayed.append(f"{name} ({exc.message})")
        if stayed:
            raise RollbackFailed(
                f"{self.label}: could not delete " + "; ".join(stayed),
                hint="delete these files by hand",
            )
        if not self.is_http:
            with contextlib.suppress(OSError):  # other files may share the folder
                self.dest_dir().rmdir()
        return f"{self.label}: deleted {', '.join(sorted(result.urls))}"

    def fetch_published(self, built: BuiltFile, result: PublishResult) -> bytes:
        if self.is_http:
            return self._http(
                "GET", built.path.name, ArtifactPublishFailed, "download for verification"
            ).body
        try:
            return (self.dest_dir() / built.path.name).read_bytes()
        except OSError as exc:
            raise ArtifactPublishFailed(
                f"{self.label}: cannot read back {self.dest_dir() / built.path.name} "
                f"({exc.strerror})",
                hint="the published file is gone; investigate",
            ) from None

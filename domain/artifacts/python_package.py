"""``python-package``: wheel and sdist with ``python -m build``, checked by
``twine check``, uploaded by ``twine upload`` to the configured repository.

Config: ``registry`` is the repository base URL (pypiserver:
``http://host:port``); ``options.uploadUrl`` and ``options.indexUrl``
override the upload endpoint (default: the registry URL) and the PEP 503
simple index (default: ``<registry>/simple/``). ``credentialsEnv`` names the
variable holding the password or API token; ``options.username`` defaults
to ``__token__``. The credential reaches twine only through its
environment (``TWINE_USERNAME``/``TWINE_PASSWORD``), never argv.
``options.python`` picks the interpreter that runs build and twine
(default: shipline's own); ``options.isolation: false`` builds without an
isolated environment (the backend must be installed there).

Python package indexes cannot delete a release: ``rollback`` always raises
89 naming what stayed published.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from shipline.domain.artifacts import httpio
from shipline.domain.artifacts.base import BuiltFile, DryRunReport, Handler, PublishResult, utc_now
from shipline.domain.artifacts.python_index import dist_version, listed_files, same_version
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    RegistryHoldsOther,
    RollbackFailed,
    ShiplineError,
)
from shipline.domain.python_names import normalize_python_name
from shipline.domain.textsafe import public_url


class PythonPackageHandler(Handler):
    type_name = "python-package"
    can_rollback = False

    # -- configuration -----------------------------------------------------
    @property
    def python(self) -> str:
        return str(self.options.get("python") or sys.executable)

    @property
    def registry(self) -> str:
        if not self.cfg.registry:
            raise ArtifactValidationFailed(
                f"{self.label}: release.artifacts[].registry is not set",
                hint="set registry to the package index URL, e.g. http://127.0.0.1:8081",
            )
        return self.cfg.registry

    @property
    def upload_url(self) -> str:
        return str(self.options.get("uploadUrl") or self.registry)

    @property
    def index_url(self) -> str:
        default = self.registry.rstrip("/") + "/simple/"
        return str(self.options.get("indexUrl") or default).rstrip("/") + "/"

    def project(self) -> dict[str, object]:
        manifest = self.source_dir / "pyproject.toml"
        data = self.read_manifest(manifest, "point the artifact's path at the package")
        project = data.get("project")
        if not isinstance(project, dict) or not isinstance(project.get("name"), str):
            raise ArtifactValidationFailed(
                f"{self.label}: {manifest} has no [project] name",
                hint="add [project] name and version",
            )
        return project

    @property
    def dist_name(self) -> str:
        return normalize_python_name(str(self.project()["name"]))

    @property
    def page(self) -> str:
        """The project's page on the simple index."""
        return f"{self.index_url}{self.dist_name}/"

    @property
    def shown_page(self) -> str:
        """:attr:`page` as messages and records show it (no credentials)."""
        return public_url(self.page)

    def _auth_headers(self) -> dict[str, str]:
        secret = self.credential(required=False)
        if not secret:
            return {}
        return {"Authorization": httpio.basic_auth(self.username, secret)}

    @property
    def username(self) -> str:
        return str(self.options.get("username") or "__token__")

    # -- phases ------------------------------------------------------------
    def ready(self) -> None:
        for module in ("build", "twine"):
            try:
                self.run_tool(
                    [self.python, "-m", module, "--version"],
                    ArtifactValidationFailed,
                    f"checking for the required tool 'python -m {module}'",
                    timeout=60,
                )
            except ArtifactValidationFailed as exc:
                raise ArtifactValidationFailed(
                    exc.message,
                    hint=f"`{self.python} -m pip install build twine`, or point "
                    "options.python at an interpreter that has them",
                ) from None
        self.project()
        if self.cfg.credentials_env:
            self.credential()
        httpio.request(
            "GET",
            self.index_url,
            error=ArtifactValidationFailed,
            what=f"{self.label}: pre-validation",
            timeout=self.timeout,
            headers=self._auth_headers(),
        )
        if self.is_published():
            raise ArtifactValidationFailed(
                f"{self.label}: {self.dist_name} {self.ctx.version} is already published at "
                f"{self.shown_page}",
                hint="a package index never accepts the same version twice: release a new version",
            )

    def check_version(self) -> None:
        project = self.project()
        manifest_version = project.get("version")
        dynamic = project.get("dynamic")
        if isinstance(dynamic, list) and "version" in dynamic:
            self.log("pyproject.toml has a dynamic version: checked on the built files")
        elif not isinstance(manifest_version, str) or not same_version(
            manifest_version, self.ctx.version
        ):
            raise ArtifactValidationFailed(
                f"{self.label}: {self.source_dir / 'pyproject.toml'} [project] version is "
                f"{manifest_version!r}, the release is {self.ctx.version}",
                hint="add pyproject.toml to release.versionBump so the bump rewrites it",
            )

    def _build_argv(self, out: Path) -> list[str]:
        argv = [self.python, "-m", "build", "--sdist", "--wheel", "--outdir", str(out)]
        if self.options.get("isolation", True) is False:
            argv.append("--no-isolation")
        return [*argv, str(self.source_dir)]

    def _upload_argv(self, files: Sequence[str]) -> list[str]:
        return [
            self.python,
            "-m",
            "twine",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            public_url(self.upload_url),
            *files,
        ]

    def _build_into(self, out: Path, error: type[ShiplineError]) -> list[BuiltFile]:
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        self.run_tool(self._build_argv(out), error, "python -m build")
        wheels = sorted(out.glob("*.whl"))
        sdists = sorted(out.glob("*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            raise error(
                f"{self.label}: python -m build produced {len(wheels)} wheel(s) and "
                f"{len(sdists)} sdist(s) in {out}, expected one of each",
                hint="check the build backend configuration",
            )
        for path in (*wheels, *sdists):
            parsed = dist_version(path.name)
            if parsed is None or not same_version(parsed[1], self.ctx.version):
                raise error(
                    f"{self.label}: built {path.name}, which is not version {self.ctx.version}",
                    hint="the build backend takes its version from somewhere the bump "
                    "did not rewrite; add it to release.versionBump",
                )
        return [BuiltFile.of(wheels[0], "wheel"), BuiltFile.of(sdists[0], "sdist")]

    def dry_run(self) -> DryRunReport:
        scratch = self.ctx.out_dir.parent / f"{self.ctx.out_dir.name}.dry-run"
        try:
            files = self._build_into(scratch, ArtifactValidationFailed)
            check = [
                self.python,
                "-m",
                "twine",
                "--no-color",
                "check",
                *(str(f.path) for f in files),
            ]
            # one plain line per file: no colour codes, no wrapping at 80 columns
            done = self.run_tool(
                check,
                ArtifactValidationFailed,
                "twine check (dry run)",
                env={**self.tool_env(), "COLUMNS": "1000"},
            )
            details = [line for line in done.output.splitlines() if line.strip()]
            details += [
                f"would upload {f.path.name} ({f.size} bytes) to {public_url(self.upload_url)}"
                for f in files
            ]
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        names = [f.path.name for f in files]
        return DryRunReport(
            self.name, [self._build_argv(self.ctx.out_dir), self._upload_argv(names)], details
        )

    def build(self) -> list[BuiltFile]:
        files = self._build_into(self.ctx.out_dir, ArtifactBuildFailed)
        for f in files:
            self.log(f"built {f.path.name} sha256 {f.sha256}")
        return files

    def index_files(
        self, error: type[ShiplineError] = ArtifactValidationFailed
    ) -> dict[str, tuple[str, str | None]]:
        """Every file of this project on the simple index (see
        :func:`~shipline.domain.artifacts.python_index.listed_files`)."""
        return listed_files(
            self.page,
            error=error,
            what=f"{self.label}: index lookup",
            timeout=self.timeout,
            headers=self._auth_headers(),
        )

    def _published_files(self, error: type[ShiplineError]) -> dict[str, tuple[str, str | None]]:
        return {
            name: entry
            for name, entry in self.index_files(error).items()
            if (parsed := dist_version(name))
            and parsed[0] == self.dist_name
            and same_version(parsed[1], self.ctx.version)
        }

    def is_published(self) -> bool:
        return bool(self._published_files(ArtifactValidationFailed))

    def _result(
        self, files: Sequence[BuiltFile], listed: dict[str, tuple[str, str | None]]
    ) -> PublishResult:
        urls = {f.path.name: listed[f.path.name][0] for f in files if f.path.name in listed}
        digests = {
            name: f"sha256:{entry[1]}"
            for name, entry in listed.items()
            if name in urls and entry[1]
        }
        first = files[0].path.name if files else ""
        return PublishResult(
            reference=self.shown_page,
            registry_digest=digests.get(first),
            published_at=utc_now(),
            urls=urls,
            digests=digests,
        )

    def publish(self, files: Sequence[BuiltFile]) -> PublishResult:
        """Upload what the index does not have yet. Files already there with
        the same SHA-256 (a run that crashed after uploading) are adopted,
        not uploaded again; any other file for this version is a conflict
        (88). An upload that fails after the index kept some of the files
        is 89: the index cannot delete them."""
        already = self._published_files(ArtifactPublishFailed)
        ours = {f.path.name: f for f in files}
        clash = sorted(
            n for n, (_, digest) in already.items() if n not in ours or digest != ours[n].sha256
        )
        if clash:
            raise RegistryHoldsOther(
                f"{self.label}: {self.dist_name} {self.ctx.version} is already published at "
                f"{self.shown_page} with different files "
                f"({', '.join(clash)})",
                hint="a package index never accepts the same version twice: release a new version",
            )
        todo = [f for f in files if f.path.name not in already]
        if not todo:
            self.log(
                f"{self.dist_name} {self.ctx.version} is already on the index with the "
                "same digests: not uploading again"
            )
            return self._result(files, already)
        try:
            self._upload(todo)
        except ArtifactPublishFailed as exc:
            self._raise_if_partial(exc, files)
            raise
        listed = self._published_files(ArtifactPublishFailed)
        missing = [f.path.name for f in files if f.path.name not in listed]
        if missing:
            raise ArtifactPublishFailed(
                f"{self.label}: twine reported success but the index does not list "
                f"{', '.join(missing)}",
                hint="check the index's upload configuration",
            )
        result = self._result(files, listed)
        self.log(f"published {', '.join(result.urls)} to {result.reference}")
        return result

    def _upload(self, files: Sequence[BuiltFile]) -> None:
        # An index without upload auth still needs a (blank) login for twine.
        extra = {
            "TWINE_NON_INTERACTIVE": "1",
            "NO_COLOR": "1",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "TWINE_USERNAME": str(self.options.get("username") or "anonymous"),
            "TWINE_PASSWORD": "",
        }
        secret = self.credential() if self.cfg.credentials_env else None
        if secret:
            extra.update(TWINE_USERNAME=self.username, TWINE_PASSWORD=secret)
        # Only credentialsEnv counts: inherited TWINE_* settings never reach twine.
        env = {k: v for k, v in self.tool_env().items() if not k.startswith("TWINE_")}
        env.update(extra)
        self.run_tool(
            self._upload_argv([str(f.path) for f in files]),
            ArtifactPublishFailed,
            f"twine upload to {public_url(self.upload_url)}",
            env=env,
        )

    def _raise_if_partial(self, failure: ShiplineError, files: Sequence[BuiltFile]) -> None:
        try:
            kept = self._published_files(ArtifactPublishFailed)
        except ShiplineError:
            return  # cannot tell; the upload failure stands (resume checks again)
        stayed = [f.path.name for f in files if f.path.name in kept]
        if stayed:
            raise RollbackFailed(
                f"{failure.message}; {', '.join(stayed)} stayed published at "
                f"{self.shown_page} (a package index "
                "cannot delete)",
                hint="`shipline release resume` uploads the rest once the index works; or "
                "yank the release on the index",
            )

    def rollback(self, result: PublishResult) -> str:
        raise RollbackFailed(
            f"{self.label}: {self.dist_name} {self.ctx.version} stays published at "
            f"{result.reference} ({', '.join(result.urls) or 'all files'}): a Python package "
            "index cannot delete a release",
            hint="yank the release on the index if it must not be installed",
        )

    def fetch_published(self, built: BuiltFile, result: PublishResult) -> bytes:
        from shipline.domain.errors import DigestMismatch

        url = result.urls.get(built.path.name)
        if url is None:
            raise DigestMismatch(
                f"{self.label}: {built.path.name} is not listed at {result.reference}",
                hint="check the index",
            )
        return httpio.request(
            "GET",
            url,
            error=ArtifactPublishFailed,
            what=f"{self.label}: download for verification",
            timeout=self.timeout,
            headers=self._auth_headers(),
        ).body

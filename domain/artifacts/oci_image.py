"""``oci-image``: an OCI image layout built from the project, pushed with
skopeo to an OCI distribution registry (SPEC section 5).

Config (``release.artifacts[]``)::

    {"type": "oci-image", "name": "demo", "registry": "http://127.0.0.1:5000",
     "credentialsEnv": "OCI_CREDENTIALS",
     "options": {"repository": "team/demo", "builder": "auto",
                 "cmd": ["/bin/sh"], "workdir": "/app", "env": ["K=V"]}}

- build: with ``docker`` (when its daemon answers) or ``buildah`` and a
  ``Dockerfile``; otherwise umoci from a base-less root filesystem holding
  the committed files of ``path`` under ``workdir``, reproducible with
  ``SOURCE_DATE_EPOCH`` (:mod:`.oci_layout`). The built file handed to
  provenance is the manifest blob: its SHA-256 is the image digest.
- dry run: the image is built into a scratch layout and the layout checked
  (every descriptor's blob, size and digest), nothing leaves the machine.
- publish: ``skopeo copy --preserve-digests oci:LAYOUT:TAG
  docker://HOST/REPO:TAG``; the registry's ``Docker-Content-Digest`` must be
  the layout's manifest digest.
- is_published: ``HEAD /v2/REPO/manifests/TAG``; rollback: ``DELETE
  /v2/REPO/manifests/DIGEST`` (the registry must allow deletes; otherwise
  89); verify: ``GET`` the manifest back by digest.

The tag is the release version (a ``+build`` suffix becomes ``_build``:
``+`` is not allowed in OCI tags). Credentials (``USER:PASSWORD`` in the
variable named by ``credentialsEnv``) reach skopeo through an auth file
with mode 0600 in a private temp folder, and the HTTP calls through an
``Authorization`` header (basic, or the bearer token a token service
issues for them).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from shipline.domain import runner
from shipline.domain.artifacts import oci_layout
from shipline.domain.artifacts.base import BuiltFile, DryRunReport, PublishResult, utc_now
from shipline.domain.artifacts.oci_registry import REPO_RE, OciRegistryClient
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    DigestMismatch,
    RegistryHoldsOther,
    RollbackFailed,
    ShiplineError,
)

KIND = "oci-manifest"


class OciImageHandler(OciRegistryClient):
    type_name = "oci-image"
    tools = ("skopeo",)

    # -- configuration -----------------------------------------------------
    @property
    def layout(self) -> Path:
        return self.ctx.out_dir / "oci-layout"

    @property
    def manifest_name(self) -> str:
        return f"{self.endpoint[2].rsplit('/', 1)[-1]}-{self.tag}.oci-manifest.json"

    def builder(self) -> str:
        """umoci, docker or buildah: decided once per handler (asking the
        docker daemon can take seconds)."""
        if getattr(self, "_builder", None) is None:
            self._builder = self._pick_builder()
        return self._builder

    def _pick_builder(self) -> str:
        wanted = str(self.options.get("builder", "auto"))
        if wanted not in ("auto", "umoci", "docker", "buildah"):
            raise ArtifactValidationFailed(
                f"{self.label}: options.builder {wanted!r} is not auto, umoci, docker or buildah",
                hint="fix release.artifacts options.builder",
            )
        if wanted != "auto":
            return wanted
        if not (self.source_dir / self.dockerfile).is_file():
            return "umoci"
        # A Dockerfile: a real image builder when one is there, else umoci
        # from the committed files (the Dockerfile is then not used).
        if self._docker_daemon():
            return "docker"
        return "buildah" if shutil.which("buildah", path=self.ctx.env.get("PATH")) else "umoci"

    @property
    def dockerfile(self) -> str:
        return str(self.options.get("dockerfile", "Dockerfile"))

    def _docker_daemon(self) -> bool:
        try:
            return runner.run(
                ["docker", "version", "--format", "{{.Server.Version}}"],
                env=dict(self.ctx.env),
                timeout=15,
            ).ok
        except (runner.ToolNotFound, runner.ToolTimeout):
            return False

    # -- the phases ------------------------------------------------------------
    def require_tools(self) -> None:
        super().require_tools()
        builder = self.builder()
        path = self.ctx.env.get("PATH")
        for tool in (builder, "git") if builder == "umoci" else (builder, "skopeo"):
            if shutil.which(tool, path=path) is None:
                raise ArtifactValidationFailed(
                    f"{self.label}: required tool '{tool}' is not installed or not on PATH",
                    hint=f"install {tool} (Debian: apt-get install {tool})",
                )
        if builder == "docker" and not self._docker_daemon():
            raise ArtifactValidationFailed(
                f"{self.label}: options.builder is docker, but the docker daemon does not answer",
                hint="start docker, or use builder buildah or umoci",
            )

    def ready(self) -> None:
        self.require_tools()
        _, host, repo = self.endpoint
        if not REPO_RE.match(repo):
            raise ArtifactValidationFailed(
                f"{self.label}: image repository {repo!r} is not a valid OCI name "
                "(lowercase letters, digits, separators . _ -, path parts with /)",
                hint="set the artifact's name or options.repository",
            )
        self.user_password()
        self.api("GET", "", ArtifactValidationFailed, "registry check")
        if self.manifest_digest(ArtifactValidationFailed) is not None:
            raise ArtifactValidationFailed(
                f"{self.label}: {host}/{repo}:{self.tag} is already published",
                hint="an image tag is never overwritten by shipline: release a new version",
            )

    def _build_into(self, layout: Path, error: type[ShiplineError]) -> oci_layout.LayoutInfo:
        builder = self.builder()
        if builder == "umoci":
            files = oci_layout.git_tree_tar(
                self.ctx.repo_root, self.ctx.release_commit, self.cfg.path, error, self.timeout
            )
            labels = {
                "org.opencontainers.image.version": self.ctx.version,
                **(
                    {"org.opencontainers.image.revision": self.ctx.release_commit}
                    if self.ctx.release_commit
                    else {}
                ),
                **dict(self.options.get("labels") or {}),
            }
            config = {
                "cmd": self.options.get("cmd"),
                "entrypoint": self.options.get("entrypoint"),
                "env": self.options.get("env"),
                "labels": labels,
            }
            return oci_layout.build_umoci(
                layout,
                self.tag,
                files,
                epoch=self.ctx.source_date_epoch,
                workdir=str(self.options.get("workdir", "/app")),
                config=config,
                error=error,
                timeout=self.timeout,
                env=self.tool_env(),
            )
        shutil.rmtree(layout, ignore_errors=True)
        layout.parent.mkdir(parents=True, exist_ok=True)
        try:
            if builder == "buildah":
                self._buildah(layout, error)
            else:
                image = f"localhost/shipline-build/{self.endpoint[2]}:{self.tag}"
                self.run_tool(
                    ["docker", "build", "-f", self.dockerfile, "-t", image, "."],
                    error,
                    "docker build",
                )
                self.run_tool(
                    ["skopeo", "copy", f"docker-daemon:{image}", f"oci:{layout}:{self.tag}"],
                    error,
                    "export to an OCI layout",
                )
            return oci_layout.check_layout(layout, self.tag, error)
        except BaseException:
            shutil.rmtree(layout, ignore_errors=True)  # never leave half an image behind
            raise

    def _buildah(self, layout: Path, error: type[ShiplineError]) -> None:
        """``buildah build`` in a private image store (vfs: works unprivileged
        and in containers), removed afterwards; ``--timestamp`` makes the
        image reproducible."""
        image = f"localhost/shipline-build/{self.endpoint[2]}:{self.tag}"
        store = Path(tempfile.mkdtemp(prefix="shipline-buildah-"))
        buildah = [
            "buildah",
            "--storage-driver",
            "vfs",
            "--root",
            str(store / "root"),
            "--runroot",
            str(store / "run"),
        ]
        env = self.tool_env({"BUILDAH_ISOLATION": self.ctx.env.get("BUILDAH_ISOLATION", "chroot")})
        try:
            self.run_tool(
                [
                    *buildah,
                    "build",
                    "--timestamp",
                    str(self.ctx.source_date_epoch),
                    "-f",
                    self.dockerfile,
                    "-t",
                    image,
                    ".",
                ],
                error,
                "buildah build",
                env=env,
            )
            self.run_tool(
                [*buildah, "push", image, f"oci:{layout}:{self.tag}"],
                error,
                "buildah push to an OCI layout",
                env=env,
            )
        finally:
            shutil.rmtree(store, ignore_errors=True)

    def dry_run(self) -> DryRunReport:
        scratch = self.ctx.out_dir / "dry-run-layout"
        try:
            info = self._build_into(scratch, ArtifactValidationFailed)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        _, host, repo = self.endpoint
        return DryRunReport(
            artifact=self.label,
            commands=[
                [self.builder(), "build", "->", f"oci:{self.layout}:{self.tag}"],
                self._copy_argv(
                    ["--dest-authfile", "AUTHFILE"]
                    if self.cfg.credentials_env
                    else ["--dest-no-creds"]
                ),
            ],
            details=[f"would push {host}/{repo}:{self.tag}", *info.details],
        )

    def build(self) -> list[BuiltFile]:
        info = self._build_into(self.layout, ArtifactBuildFailed)
        # The manifest under a readable name (attestation subject, ledger):
        # its SHA-256 is the image digest; the layout stays beside it.
        target = self.ctx.out_dir / self.manifest_name
        shutil.copyfile(info.manifest_path, target)
        built = BuiltFile.of(target, KIND)
        self.log(f"built OCI image {self.tag}: manifest {info.digest}")
        return [built]

    def is_published(self) -> bool:
        return self.manifest_digest(ArtifactPublishFailed) is not None

    def publish(self, files: Sequence[BuiltFile]) -> PublishResult:
        manifest = next((f for f in files if f.kind == KIND), None)
        if manifest is None:
            raise ArtifactPublishFailed(
                f"{self.label}: no OCI manifest among the built files",
                hint="build the artifact before publishing it",
            )
        info = oci_layout.check_layout(self.layout, self.tag, ArtifactPublishFailed)
        if info.digest != f"sha256:{manifest.sha256}":
            raise ArtifactPublishFailed(
                f"{self.label}: the layout {self.layout} holds manifest {info.digest}, the "
                f"built {manifest.path.name} is sha256:{manifest.sha256}",
                hint="the build output changed since it was attested: rebuild",
            )
        base, host, repo = self.endpoint
        remote = self.manifest_digest(ArtifactPublishFailed)
        if remote is not None and remote != info.digest:
            raise RegistryHoldsOther(
                f"{self.label}: {host}/{repo}:{self.tag} already holds {remote}, the built "
                f"image is {info.digest}",
                hint="never overwrite a release tag: release a new version",
            )
        if remote == info.digest:
            # Resume after a crash: the same image is already live; never push twice.
            self.log(f"{host}/{repo}:{self.tag} already holds {info.digest}: not pushing again")
        else:
            with self.skopeo_auth() as auth, tempfile.TemporaryDirectory() as tmp:
                argv = self._copy_argv(auth, Path(tmp) / "digest")
                argv[-2] = f"oci:{info.layout}:{self.tag}"
                self._skopeo(argv, f"skopeo copy to {host}/{repo}:{self.tag}")
                pushed = (Path(tmp) / "digest").read_text().strip()
            remote = self.manifest_digest(ArtifactPublishFailed)
            if pushed != info.digest:
                remote = pushed
        if remote != info.digest:
            raise DigestMismatch(
                f"{self.label}: the registry holds {host}/{repo}:{self.tag} as {remote}, the "
                f"built layout's manifest is {info.digest}",
                hint="the registry rewrote the image: do not push the tag",
            )
        self.log(f"pushed {host}/{repo}:{self.tag}@{info.digest}")
        return PublishResult(
            reference=f"{host}/{repo}:{self.tag}@{info.digest}",
            registry_digest=info.digest,
            published_at=utc_now(),
            urls={manifest.path.name: f"{base}/v2/{repo}/manifests/{info.digest}"},
            digests={manifest.path.name: info.digest},
        )

    def rollback(self, result: PublishResult) -> str:
        digest = result.registry_digest or self.manifest_digest(RollbackFailed)
        _, host, repo = self.endpoint
        if not digest:
            return f"{host}/{repo}:{self.tag} was not on the registry"
        resp = self.api(
            "DELETE", f"manifests/{digest}", RollbackFailed, "manifest delete", allow=(404, 405)
        )
        if resp.status == 405:
            raise RollbackFailed(
                f"{self.label}: the registry refuses to delete {host}/{repo}@{digest} "
                "(HTTP 405: deletes are disabled)",
                hint="delete the image by hand, or enable storage.delete on the registry",
            )
        if self.manifest_digest(RollbackFailed) is not None:
            raise RollbackFailed(
                f"{self.label}: {host}/{repo}:{self.tag} is still there after the manifest delete",
                hint="delete the tag by hand",
            )
        return f"{host}/{repo}@{digest} deleted"

    def fetch_published(self, built: BuiltFile, result: PublishResult) -> bytes:
        digest = result.registry_digest or "sha256:" + built.sha256
        return self.api("GET", f"manifests/{digest}", DigestMismatch, "manifest download").body

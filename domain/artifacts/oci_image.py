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

import base64
import json
import os
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from shipline.domain import runner
from shipline.domain.artifacts import httpio, oci_layout
from shipline.domain.artifacts.base import BuiltFile, DryRunReport, Handler, PublishResult, utc_now
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
ACCEPT = ", ".join(oci_layout.MANIFEST_TYPES)
REPO_RE = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")


class OciImageHandler(Handler):
    type_name = "oci-image"
    tools = ("skopeo",)

    # -- configuration -----------------------------------------------------
    @property
    def endpoint(self) -> tuple[str, str, str]:
        """(base URL, host[:port], repository) from ``registry`` and options."""
        raw = self.cfg.registry or ""
        if not raw:
            raise ArtifactValidationFailed(
                f"{self.label}: release.artifacts registry is not set",
                hint='set "registry", e.g. "http://127.0.0.1:5000" or "https://ghcr.io/OWNER"')
        parts = urllib.parse.urlsplit(raw if "://" in raw else f"https://{raw}")
        host = parts.netloc
        prefix = parts.path.strip("/")
        name = str(self.options.get("repository") or self.cfg.name or "")
        repo = f"{prefix}/{name}" if prefix else name
        return f"{parts.scheme}://{host}", host, repo

    @property
    def insecure(self) -> bool:
        return self.endpoint[0].startswith("http://")

    @property
    def tag(self) -> str:
        return self.ctx.version.replace("+", "_")

    @property
    def http_timeout(self) -> float:
        return min(self.timeout, 60.0)

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
                hint="fix release.artifacts options.builder")
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
            return runner.run(["docker", "version", "--format", "{{.Server.Version}}"],
                              env=dict(self.ctx.env), timeout=15).ok
        except (runner.ToolNotFound, runner.ToolTimeout):
            return False

    # -- credentials ---------------------------------------------------------
    def user_password(self) -> tuple[str, str] | None:
        value = self.credential(required=bool(self.cfg.credentials_env))
        if value is None:
            return None
        user, sep, password = value.partition(":")
        if not sep or not user or not password:
            raise ArtifactValidationFailed(
                f"{self.label}: {self.cfg.credentials_env} must hold USER:PASSWORD (or "
                "USER:TOKEN)", hint=f"export {self.cfg.credentials_env}=user:token")
        runner.register_secret(password)
        return user, password

    @contextmanager
    def skopeo_auth(self) -> Iterator[list[str]]:
        """Flags that give skopeo the credentials from a 0600 auth file."""
        creds = self.user_password()
        if creds is None:
            yield ["--dest-no-creds"]
            return
        folder = Path(tempfile.mkdtemp(prefix="shipline-oci-"))
        try:
            os.chmod(folder, 0o700)
            path = folder / "auth.json"
            token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
            runner.register_secret(token)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"auths": {self.endpoint[1]: {"auth": token}}}, out)
            yield ["--dest-authfile", str(path)]
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # -- the distribution API ----------------------------------------------------
    def api(self, method: str, path: str, error: type[ShiplineError], what: str,
            allow: tuple[int, ...] = (), accept: str = ACCEPT) -> httpio.Response:
        base, _, repo = self.endpoint
        url = f"{base}/v2/{repo}/{path}" if path else f"{base}/v2/"
        headers = {"Accept": accept}
        creds = self.user_password()
        if creds:
            headers["Authorization"] = httpio.basic_auth(*creds)
        resp = httpio.request(method, url, error=error, what=f"{self.label}: {what}",
                              timeout=self.http_timeout, headers=headers, allow=(401, *allow))
        challenge = resp.headers.get("www-authenticate", "")
        if resp.status == 401 and challenge.lower().startswith("bearer") and path:
            headers["Authorization"] = "Bearer " + self._bearer(challenge, creds, error)
            resp = httpio.request(method, url, error=error, what=f"{self.label}: {what}",
                                  timeout=self.http_timeout, headers=headers,
                                  allow=(401, *allow))
        if resp.status == 401 and path:
            raise error(f"{self.label}: {what}: {method} {httpio.public_url(url)} answered "
                        "HTTP 401 unauthorized",
                        hint="the registry rejected the credentials: check the value of "
                             f"{self.cfg.credentials_env or 'credentialsEnv (not set)'}")
        return resp

    def _bearer(self, challenge: str, creds: tuple[str, str] | None,
                error: type[ShiplineError]) -> str:
        fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        query = urllib.parse.urlencode({k: v for k, v in fields.items() if k != "realm"})
        headers = {"Authorization": httpio.basic_auth(*creds)} if creds else {}
        resp = httpio.request("GET", f"{fields.get('realm', '')}?{query}", error=error,
                              what=f"{self.label}: registry token", timeout=self.http_timeout,
                              headers=headers)
        body = json.loads(resp.body or b"{}")
        token = str(body.get("token") or body.get("access_token") or "")
        runner.register_secret(token)
        return token

    def manifest_digest(self, error: type[ShiplineError]) -> str | None:
        """The registry's digest of ``REPO:TAG``, or None when it has none."""
        resp = self.api("HEAD", f"manifests/{self.tag}", error, "manifest lookup", allow=(404,))
        if resp.status == 404:
            return None
        return resp.headers.get("docker-content-digest") or "unknown"

    # -- the phases ------------------------------------------------------------
    def require_tools(self) -> None:
        super().require_tools()
        builder = self.builder()
        path = self.ctx.env.get("PATH")
        for tool in (builder, "git") if builder == "umoci" else (builder, "skopeo"):
            if shutil.which(tool, path=path) is None:
                raise ArtifactValidationFailed(
                    f"{self.label}: required tool '{tool}' is not installed or not on PATH",
                    hint=f"install {tool} (Debian: apt-get install {tool})")
        if builder == "docker" and not self._docker_daemon():
            raise ArtifactValidationFailed(
                f"{self.label}: options.builder is docker, but the docker daemon does not answer",
                hint="start docker, or use builder buildah or umoci")

    def validate(self) -> None:
        self.require_tools()
        _, host, repo = self.endpoint
        if not REPO_RE.match(repo):
            raise ArtifactValidationFailed(
                f"{self.label}: image repository {repo!r} is not a valid OCI name "
                "(lowercase letters, digits, separators . _ -, path parts with /)",
                hint="set the artifact's name or options.repository")
        self.user_password()
        self.api("GET", "", ArtifactValidationFailed, "registry check")
        if self.manifest_digest(ArtifactValidationFailed) is not None:
            raise ArtifactValidationFailed(
                f"{self.label}: {host}/{repo}:{self.tag} is already published",
                hint="an image tag is never overwritten by shipline: release a new version")

    def _build_into(self, layout: Path, error: type[ShiplineError]) -> oci_layout.LayoutInfo:
        builder = self.builder()
        if builder == "umoci":
            files = oci_layout.git_tree_tar(self.ctx.repo_root, self.ctx.release_commit,
                                            self.cfg.path, error, self.timeout)
            labels = {"org.opencontainers.image.version": self.ctx.version,
                      **({"org.opencontainers.image.revision": self.ctx.release_commit}
                         if self.ctx.release_commit else {}),
                      **dict(self.options.get("labels") or {})}
            config = {"cmd": self.options.get("cmd"), "entrypoint": self.options.get("entrypoint"),
                      "env": self.options.get("env"), "labels": labels}
            return oci_layout.build_umoci(
                layout, self.tag, files, epoch=self.ctx.source_date_epoch,
                workdir=str(self.options.get("workdir", "/app")), config=config, error=error,
                timeout=self.timeout, env=self.tool_env())
        shutil.rmtree(layout, ignore_errors=True)
        layout.parent.mkdir(parents=True, exist_ok=True)
        try:
            if builder == "buildah":
                self._buildah(layout, error)
            else:
                image = f"localhost/shipline-build/{self.endpoint[2]}:{self.tag}"
                self.run_tool(["docker", "build", "-f", self.dockerfile, "-t", image, "."],
                              error, "docker build")
                self.run_tool(["skopeo", "copy", f"docker-daemon:{image}",
                               f"oci:{layout}:{self.tag}"], error, "export to an OCI layout")
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
        buildah = ["buildah", "--storage-driver", "vfs", "--root", str(store / "root"),
                   "--runroot", str(store / "run")]
        env = self.tool_env({"BUILDAH_ISOLATION": self.ctx.env.get("BUILDAH_ISOLATION", "chroot")})
        try:
            self.run_tool([*buildah, "build", "--timestamp", str(self.ctx.source_date_epoch),
                           "-f", self.dockerfile, "-t", image, "."], error, "buildah build",
                          env=env)
            self.run_tool([*buildah, "push", image, f"oci:{layout}:{self.tag}"], error,
                          "buildah push to an OCI layout", env=env)
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
            commands=[[self.builder(), "build", "->", f"oci:{self.layout}:{self.tag}"],
                      self._copy_argv(["--dest-authfile", "AUTHFILE"] if self.cfg.credentials_env
                                      else ["--dest-no-creds"])],
            details=[f"would push {host}/{repo}:{self.tag}", *info.details])

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

    def _copy_argv(self, auth: list[str], digestfile: Path | None = None) -> list[str]:
        _, host, repo = self.endpoint
        argv = ["skopeo", "copy", "--quiet", "--preserve-digests", "--retry-times", "0", *auth]
        if self.insecure:
            argv.append("--dest-tls-verify=false")
        if digestfile is not None:
            argv += ["--digestfile", str(digestfile)]
        return [*argv, f"oci:{self.layout}:{self.tag}", f"docker://{host}/{repo}:{self.tag}"]

    def _skopeo(self, argv: list[str], what: str) -> None:
        """Run skopeo; its fatal message becomes one line with a hint."""
        try:
            done = runner.run(argv, env=self.tool_env(), timeout=self.timeout)
        except runner.ToolNotFound as exc:
            raise ArtifactPublishFailed(f"{self.label}: {what}: {exc}",
                                        hint="apt-get install skopeo") from None
        except runner.ToolTimeout:
            raise ArtifactPublishFailed(
                f"{self.label}: {what}: skopeo did not finish within {self.timeout:g} s",
                hint="the registry hangs; check it or raise options.timeoutSeconds") from None
        if done.ok:
            return
        reason, hint = skopeo_reason(done.output)
        raise ArtifactPublishFailed(f"{self.label}: {what} failed: {reason}",
                                    hint=hint or self.hint_for(ArtifactPublishFailed))

    def publish(self, files: Sequence[BuiltFile]) -> PublishResult:
        manifest = next((f for f in files if f.kind == KIND), None)
        if manifest is None:
            raise ArtifactPublishFailed(f"{self.label}: no OCI manifest among the built files",
                                        hint="build the artifact before publishing it")
        info = oci_layout.check_layout(self.layout, self.tag, ArtifactPublishFailed)
        if info.digest != f"sha256:{manifest.sha256}":
            raise ArtifactPublishFailed(
                f"{self.label}: the layout {self.layout} holds manifest {info.digest}, the "
                f"built {manifest.path.name} is sha256:{manifest.sha256}",
                hint="the build output changed since it was attested: rebuild")
        base, host, repo = self.endpoint
        remote = self.manifest_digest(ArtifactPublishFailed)
        if remote is not None and remote != info.digest:
            raise RegistryHoldsOther(
                f"{self.label}: {host}/{repo}:{self.tag} already holds {remote}, the built "
                f"image is {info.digest}", hint="never overwrite a release tag: release a new "
                                                 "version")
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
                hint="the registry rewrote the image: do not push the tag")
        self.log(f"pushed {host}/{repo}:{self.tag}@{info.digest}")
        return PublishResult(
            reference=f"{host}/{repo}:{self.tag}@{info.digest}",
            registry_digest=info.digest,
            published_at=utc_now(),
            urls={manifest.path.name: f"{base}/v2/{repo}/manifests/{info.digest}"},
            digests={manifest.path.name: info.digest})

    def rollback(self, result: PublishResult) -> str:
        digest = result.registry_digest or self.manifest_digest(RollbackFailed)
        _, host, repo = self.endpoint
        if not digest:
            return f"{host}/{repo}:{self.tag} was not on the registry"
        resp = self.api("DELETE", f"manifests/{digest}", RollbackFailed, "manifest delete",
                        allow=(404, 405))
        if resp.status == 405:
            raise RollbackFailed(
                f"{self.label}: the registry refuses to delete {host}/{repo}@{digest} "
                "(HTTP 405: deletes are disabled)",
                hint="delete the image by hand, or enable storage.delete on the registry")
        if self.manifest_digest(RollbackFailed) is not None:
            raise RollbackFailed(f"{self.label}: {host}/{repo}:{self.tag} is still there after "
                                 "the manifest delete", hint="delete the tag by hand")
        return f"{host}/{repo}@{digest} deleted"

    def fetch_published(self, built: BuiltFile, result: PublishResult) -> bytes:
        digest = result.registry_digest or "sha256:" + built.sha256
        return self.api("GET", f"manifests/{digest}", DigestMismatch, "manifest download").body


def skopeo_reason(output: str) -> tuple[str, str | None]:
    """The telling part of skopeo's ``level=fatal msg="..."`` line and a hint."""
    found = re.findall(r'level=fatal msg="((?:[^"\\]|\\.)*)"', output)
    msg = found[-1].replace('\\"', '"') if found else (output.strip().splitlines() or [""])[-1]
    low = msg.lower()
    tail = ": ".join(msg.split(": ")[-2:])[:300]
    if "unauthorized" in low or "authentication required" in low or "denied" in low:
        return (f"the registry rejected the credentials ({tail})",
                "check the USER:PASSWORD value of credentialsEnv")
    if "connection refused" in low or "no such host" in low or "i/o timeout" in low:
        return (f"registry unreachable ({msg.rsplit(': ', 1)[-1]})",
                "start the registry or fix the artifact's registry URL")
    return tail, None

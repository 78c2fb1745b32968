"""An OCI distribution registry as the ``oci-image`` handler talks to it: the
endpoint and tag from the artifact's config, the credentials (a 0600 auth
file for skopeo, an ``Authorization`` header for the HTTP calls, with the
bearer token a token service issues), the manifest API and ``skopeo copy``
with its fatal message turned into one line and a hint."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shipline.domain import runner
from shipline.domain.artifacts import httpio, oci_layout
from shipline.domain.artifacts.base import Handler
from shipline.domain.errors import ArtifactPublishFailed, ArtifactValidationFailed, ShiplineError
from shipline.domain.textsafe import public_url

ACCEPT = ", ".join(oci_layout.MANIFEST_TYPES)
REPO_RE = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")


class OciRegistryClient(Handler):
    """The registry side of an ``oci-image`` artifact (a mixin of the handler)."""

    @property
    def layout(self) -> Path:
        """The OCI layout the handler builds the image into."""
        raise NotImplementedError

    @property
    def endpoint(self) -> tuple[str, str, str]:
        """(base URL, host[:port], repository) from ``registry`` and options."""
        raw = self.cfg.registry or ""
        if not raw:
            raise ArtifactValidationFailed(
                f"{self.label}: release.artifacts registry is not set",
                hint='set "registry", e.g. "http://127.0.0.1:5000" or "https://ghcr.io/OWNER"',
            )
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

    def user_password(self) -> tuple[str, str] | None:
        value = self.credential(required=bool(self.cfg.credentials_env))
        if value is None:
            return None
        user, sep, password = value.partition(":")
        if not sep or not user or not password:
            raise ArtifactValidationFailed(
                f"{self.label}: {self.cfg.credentials_env} must hold USER:PASSWORD (or USER:TOKEN)",
                hint=f"export {self.cfg.credentials_env}=user:token",
            )
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

    def api(
        self,
        method: str,
        path: str,
        error: type[ShiplineError],
        what: str,
        allow: tuple[int, ...] = (),
        accept: str = ACCEPT,
    ) -> httpio.Response:
        base, _, repo = self.endpoint
        url = f"{base}/v2/{repo}/{path}" if path else f"{base}/v2/"
        headers = {"Accept": accept}
        creds = self.user_password()
        if creds:
            headers["Authorization"] = httpio.basic_auth(*creds)
        resp = httpio.request(
            method,
            url,
            error=error,
            what=f"{self.label}: {what}",
            timeout=self.http_timeout,
            headers=headers,
            allow=(401, *allow),
        )
        challenge = resp.headers.get("www-authenticate", "")
        if resp.status == 401 and challenge.lower().startswith("bearer") and path:
            headers["Authorization"] = "Bearer " + self._bearer(challenge, creds, error)
            resp = httpio.request(
                method,
                url,
                error=error,
                what=f"{self.label}: {what}",
                timeout=self.http_timeout,
                headers=headers,
                allow=(401, *allow),
            )
        if resp.status == 401 and path:
            raise error(
                f"{self.label}: {what}: {method} {public_url(url)} answered HTTP 401 unauthorized",
                hint="the registry rejected the credentials: check the value of "
                f"{self.cfg.credentials_env or 'credentialsEnv (not set)'}",
            )
        return resp

    def _bearer(
        self, challenge: str, creds: tuple[str, str] | None, error: type[ShiplineError]
    ) -> str:
        fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        query = urllib.parse.urlencode({k: v for k, v in fields.items() if k != "realm"})
        headers = {"Authorization": httpio.basic_auth(*creds)} if creds else {}
        resp = httpio.request(
            "GET",
            f"{fields.get('realm', '')}?{query}",
            error=error,
            what=f"{self.label}: registry token",
            timeout=self.http_timeout,
            headers=headers,
        )
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
            raise ArtifactPublishFailed(
                f"{self.label}: {what}: {exc}", hint="apt-get install skopeo"
            ) from None
        except runner.ToolTimeout:
            raise ArtifactPublishFailed(
                f"{self.label}: {what}: skopeo did not finish within {self.timeout:g} s",
                hint="the registry hangs; check it or raise options.timeoutSeconds",
            ) from None
        if done.ok:
            return
        reason, hint = skopeo_reason(done.output)
        raise ArtifactPublishFailed(
            f"{self.label}: {what} failed: {reason}",
            hint=hint or self.hint_for(ArtifactPublishFailed),
        )


def skopeo_reason(output: str) -> tuple[str, str | None]:
    """The telling part of skopeo's ``level=fatal msg="..."`` line and a hint."""
    found = re.findall(r'level=fatal msg="((?:[^"\\]|\\.)*)"', output)
    msg = found[-1].replace('\\"', '"') if found else (output.strip().splitlines() or [""])[-1]
    low = msg.lower()
    tail = ": ".join(msg.split(": ")[-2:])[:300]
    if "unauthorized" in low or "authentication required" in low or "denied" in low:
        return (
            f"the registry rejected the credentials ({tail})",
            "check the USER:PASSWORD value of credentialsEnv",
        )
    if "connection refused" in low or "no such host" in low or "i/o timeout" in low:
        return (
            f"registry unreachable ({msg.rsplit(': ', 1)[-1]})",
            "start the registry or fix the artifact's registry URL",
        )
    return tail, None

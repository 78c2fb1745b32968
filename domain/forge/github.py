"""GitHub releases through the REST API (``api.github.com`` or a GitHub
Enterprise ``apiUrl``), as described by GitHub's OpenAPI description:

* ``GET /repos/{owner}/{repo}``: the token's ``permissions.push``;
* ``GET /repos/{owner}/{repo}/releases/tags/{tag}``: an existing release;
* ``POST /repos/{owner}/{repo}/releases``: create (``tag_name``, ``name``,
  ``body``, ``prerelease``);
* ``GET .../releases/{id}/assets``: the files, with their ``digest``;
* ``POST {upload_url}/repos/{owner}/{repo}/releases/{id}/assets?name=``:
  upload (uploads.github.com by default);
* ``DELETE .../releases/assets/{id}``: an upload left in state ``starter``;
* ``GET .../releases/assets/{id}`` with ``Accept: application/octet-stream``:
  the bytes (a redirect to storage, followed without the token).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from shipline.domain.forge.failures import ForgeError
from shipline.domain.forge.http import Transport
from shipline.domain.forge.model import LocalAsset, RemoteAsset, RemoteRelease
from shipline.domain.forge.releases_api import ReleasesAPI
from shipline.domain.forge.releases_api import quote as _q
from shipline.domain.forge.reply import Reply

API_VERSION = "2022-11-28"
PUBLIC_API = "https://api.github.com"
PUBLIC_UPLOADS = "https://uploads.github.com"
ACCEPT = "application/vnd.github+json, application/json"
"""GitHub's recommended media type, and plain JSON, which is what its OpenAPI
description declares for every answer (a strict server, like Prism, would
otherwise refuse to negotiate)."""


class GitHubClient(ReleasesAPI):
    name = "GitHub"
    release_exists = 422  # already_exists

    def __init__(
        self,
        repository: str,
        api_url: str,
        token: str,
        token_env: str,
        upload_url: str | None = None,
        **transport: Any,
    ):
        self.repository = repository
        self.token_env = token_env
        self.api = api_url.rstrip("/")
        self.upload_base = upload_url.rstrip("/") if upload_url else None
        self.http = Transport(
            forge=self.name,
            repository=repository,
            token_env=token_env,
            auth={"Authorization": f"Bearer {token}"},
            accept=ACCEPT,
            extra_headers={"X-GitHub-Api-Version": API_VERSION},
            **transport,
        )
        owner, _, repo = repository.partition("/")
        self._base = f"{self.api}/repos/{_q(owner)}/{_q(repo)}"

    # --- access ------------------------------------------------------------------

    def check_access(self) -> str:
        data = self.http.call("GET", self._base, what=f"read {self.repository}").json() or {}
        perms = data.get("permissions")
        if isinstance(perms, dict):
            if not (perms.get("push") or perms.get("maintain") or perms.get("admin")):
                raise ForgeError(
                    f"the token in {self.token_env} can read {self.repository} but not write "
                    "its releases (permissions.push is false)",
                    hint=f"give {self.token_env} Contents: write (a workflow: `permissions: "
                    "contents: write`)",
                    code=self.http.code,
                    status=200,
                )
            return f"{self.token_env} can write releases of {self.repository}"
        return (
            f"{self.token_env} reaches {self.repository}; GitHub does not tell an "
            "installation token's write access ahead, the first write will"
        )

    # --- releases ----------------------------------------------------------------

    def _release_url(self, tag: str) -> str:
        return f"{self._base}/releases/tags/{_q(tag)}"

    def _release_payload(
        self, tag: str, title: str, notes: str, prerelease: bool
    ) -> dict[str, Any]:
        return {
            "tag_name": tag,
            "name": title,
            "body": notes,
            "draft": False,
            "prerelease": prerelease,
        }

    def _release(self, data: Any) -> RemoteRelease:
        if not isinstance(data, dict) or "id" not in data:
            raise ForgeError(
                f"GitHub answered a release without an id: {str(data)[:200]}", code=self.http.code
            )
        return RemoteRelease(
            tag=data.get("tag_name", ""),
            url=data.get("html_url", ""),
            handle=data["id"],
            name=data.get("name") or "",
            notes=data.get("body") or "",
            prerelease=bool(data.get("prerelease")),
            upload_url=data.get("upload_url"),
        )

    # --- assets ------------------------------------------------------------------

    def list_assets(self, release: RemoteRelease) -> list[RemoteAsset]:
        url = f"{self._base}/releases/{release.handle}/assets"
        return [_asset(item) for item in self._pages(url, "list the release's assets")]

    def upload(self, release: RemoteRelease, asset: LocalAsset) -> RemoteAsset:
        url = (
            f"{self._upload_base(release)}/repos/{self._repo_path()}/releases/"
            f"{release.handle}/assets?name={_q(asset.name)}"
        )

        def landed() -> Reply | None:
            for remote in self.list_assets(release):
                if remote.name == asset.name:
                    if not remote.complete:
                        self.remove(release, remote)
                        return None
                    return Reply(200, b"", {"x-asset": str(remote.handle)})
            return None

        reply = self.http.call(
            "POST",
            url,
            what=f"upload {asset.name}",
            upload=asset.path,
            ok=(201,),
            before_retry=landed,
        )
        if reply.headers.get("x-asset"):
            return next(r for r in self.list_assets(release) if r.name == asset.name)
        return _asset(reply.json())

    def _upload_base(self, release: RemoteRelease) -> str:
        if self.upload_base:
            return self.upload_base
        if (
            release.upload_url
        ):  # "https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}"
            parts = urllib.parse.urlsplit(release.upload_url)
            return f"{parts.scheme}://{parts.netloc}" + parts.path.split("/repos/", 1)[0].rstrip(
                "/"
            )
        if self.api == PUBLIC_API:
            return PUBLIC_UPLOADS
        return self.api.removesuffix("/v3") + "/uploads"  # GitHub Enterprise: /api/uploads

    def _repo_path(self) -> str:
        owner, _, repo = self.repository.partition("/")
        return f"{_q(owner)}/{_q(repo)}"

    def remove(self, release: RemoteRelease, remote: RemoteAsset) -> None:
        self.http.call(
            "DELETE",
            f"{self._base}/releases/assets/{remote.handle}",
            what=f"remove the unfinished upload {remote.name}",
            ok=(204,),
            allow=(404,),
        )

    def attach(self, release: RemoteRelease, remotes: list[RemoteAsset]) -> list[str]:
        return []  # GitHub assets belong to their release from the upload on

    def download_sha256(self, remote: RemoteAsset) -> str:
        sha, _ = self.http.download_sha256(
            f"{self._base}/releases/assets/{remote.handle}",
            what=f"download {remote.name}",
            accept="application/octet-stream",
        )
        return sha


def _asset(item: Any) -> RemoteAsset:
    digest = item.get("digest") or ""
    return RemoteAsset(
        name=item["name"],
        url=item.get("browser_download_url") or item["url"],
        handle=item["id"],
        size=item.get("size"),
        sha256=digest.removeprefix("sha256:") if digest.startswith("sha256:") else None,
        complete=item.get("state", "uploaded") == "uploaded",
    )

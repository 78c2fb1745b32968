"""GitLab releases through the REST API v4 (gitlab.com or a self-managed
``apiUrl``), as GitLab's Releases, Release links and generic-packages API
documentation describe them:

* ``GET /projects/:id``: the token's access level (Developer, 30, or more
  creates releases);
* ``GET /projects/:id/releases/:tag_name``; ``POST /projects/:id/releases``
  (``tag_name``, ``name``, ``description``);
* files go to the generic package registry, one package per release:
  ``PUT /projects/:id/packages/generic/:name/:version/:file?select=package_file``;
  what is there: ``GET /projects/:id/packages?package_type=generic`` and
  ``GET /projects/:id/packages/:package_id/package_files`` (``file_sha256``);
* the release points at them: ``POST /projects/:id/releases/:tag/assets/links``
  (``name``, ``url``, ``direct_asset_path``, ``link_type``).

``CI_JOB_TOKEN`` is sent as ``JOB-TOKEN``, any other token as
``PRIVATE-TOKEN``. GitLab has no prerelease flag on releases: the title
carries the prerelease version, which is all GitLab can show.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from shipline.domain.forge.failures import ForgeError
from shipline.domain.forge.http import Transport
from shipline.domain.forge.model import LocalAsset, RemoteAsset, RemoteRelease
from shipline.domain.forge.releases_api import ReleasesAPI
from shipline.domain.forge.releases_api import quote as _q
from shipline.domain.forge.reply import Reply

DEVELOPER = 30
JOB_TOKEN_ENV = "CI_JOB_TOKEN"


def package_name(repository: str) -> str:
    """The generic package that holds a release's files: the project's
    name, in the characters GitLab allows."""
    last = repository.rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", last).strip(".-")
    return name if name and not name.isdigit() else "release"


class GitLabClient(ReleasesAPI):
    name = "GitLab"
    release_exists = 409  # Release already exists

    def __init__(self, repository: str, api_url: str, token: str, token_env: str, **transport: Any):
        self.repository = repository
        self.token_env = token_env
        self.api = api_url.rstrip("/")
        header = "JOB-TOKEN" if token_env == JOB_TOKEN_ENV else "PRIVATE-TOKEN"
        self.http = Transport(
            forge=self.name,
            repository=repository,
            token_env=token_env,
            auth={header: token},
            **transport,
        )
        self._base = f"{self.api}/projects/{_q(repository)}"
        self.package = package_name(repository)
        self._package_ids: dict[str, int] = {}
        """The generic package of each files version seen (one client serves
        every package release of a train, each under its own version)."""

    # --- access ------------------------------------------------------------------

    def check_access(self) -> str:
        if self.token_env == JOB_TOKEN_ENV:  # its scope: the releases API, not the project
            self.http.call(
                "GET",
                f"{self._base}/releases?per_page=1",
                what=f"read the releases of {self.repository}",
            )
            return (
                f"{self.token_env} reaches the releases of {self.repository}; a job "
                "token's write access shows at the first write"
            )
        data = self.http.call("GET", self._base, what=f"read {self.repository}").json() or {}
        perms = data.get("permissions")
        if isinstance(perms, dict):
            levels = [
                (perms.get(k) or {}).get("access_level") or 0
                for k in ("project_access", "group_access")
            ]
            if max(levels) < DEVELOPER:
                raise ForgeError(
                    f"the token in {self.token_env} can read {self.repository} but not create "
                    f"releases (access level {max(levels)}, Developer is {DEVELOPER})",
                    hint=f"give {self.token_env} at least the Developer role and the api scope",
                    code=self.http.code,
                    status=200,
                )
            return f"{self.token_env} can create releases in {self.repository}"
        return (
            f"{self.token_env} reaches {self.repository}; GitLab does not tell this "
            "token's role ahead, the first write will"
        )

    # --- releases ----------------------------------------------------------------

    def _release_url(self, tag: str) -> str:
        return f"{self._base}/releases/{_q(tag)}"

    def _release_payload(
        self, tag: str, title: str, notes: str, prerelease: bool
    ) -> dict[str, Any]:
        return {"tag_name": tag, "name": title, "description": notes}

    def _release(self, data: Any) -> RemoteRelease:
        if not isinstance(data, dict) or "tag_name" not in data:
            raise ForgeError(
                f"GitLab answered a release without a tag: {str(data)[:200]}", code=self.http.code
            )
        links = data.get("_links") or {}
        url = (
            links.get("self")
            or f"{self.api}/projects/{_q(self.repository)}/releases/{_q(data['tag_name'])}"
        )
        return RemoteRelease(
            tag=data["tag_name"],
            url=url,
            handle=data["tag_name"],
            name=data.get("name") or "",
            notes=data.get("description") or "",
            prerelease=bool(data.get("upcoming_release")),
        )

    # --- files (generic packages) ----------------------------------------------------

    def _find_package(self, version: str) -> int | None:
        if version in self._package_ids:
            return self._package_ids[version]
        query = urllib.parse.urlencode(
            {"package_type": "generic", "package_name": self.package, "per_page": 100}
        )
        reply = self.http.call(
            "GET", f"{self._base}/packages?{query}", what="look up the release's generic package"
        )
        for item in reply.json() or []:
            if item.get("name") == self.package and item.get("version") == version:
                self._package_ids[version] = int(item["id"])
        return self._package_ids.get(version)

    def list_assets(self, release: RemoteRelease) -> list[RemoteAsset]:
        version = _version_of(release)
        package_id = self._find_package(version)
        if package_id is None:
            return []
        latest: dict[str, RemoteAsset] = {}
        url = f"{self._base}/packages/{package_id}/package_files"
        for item in self._pages(url, "list the package's files"):
            # several uploads of one name: the newest is what is served
            latest[item["file_name"]] = RemoteAsset(
                name=item["file_name"],
                url=self._file_url(version, item["file_name"]),
                handle=(package_id, item["id"]),
                size=item.get("size"),
                sha256=item.get("file_sha256"),
            )
        return list(latest.values())

    def _file_url(self, version: str, name: str) -> str:
        return f"{self._base}/packages/generic/{_q(self.package)}/{_q(version)}/{_q(name)}"

    def upload(self, release: RemoteRelease, asset: LocalAsset) -> RemoteAsset:
        version = _version_of(release)
        url = self._file_url(version, asset.name) + "?select=package_file"

        def landed() -> Reply | None:
            self._package_ids.pop(version, None)
            for remote in self.list_assets(release):
                if remote.name == asset.name and remote.sha256 == asset.sha256:
                    return Reply(200, b"", {"x-asset": "1"})
            return None

        reply = self.http.call(
            "PUT",
            url,
            what=f"upload {asset.name}",
            upload=asset.path,
            ok=(200, 201),
            before_retry=landed,
        )
        data = reply.json() if not reply.headers.get("x-asset") else None
        if isinstance(data, dict) and "id" in data:
            if data.get("package_id"):
                self._package_ids[version] = int(data["package_id"])
            return RemoteAsset(
                name=asset.name,
                url=self._file_url(version, asset.name),
                handle=(data.get("package_id"), data["id"]),
                size=data.get("size"),
                sha256=data.get("file_sha256"),
            )
        self._package_ids.pop(version, None)
        return next(r for r in self.list_assets(release) if r.name == asset.name)

    def remove(self, release: RemoteRelease, remote: RemoteAsset) -> None:
        package_id, file_id = remote.handle
        self.http.call(
            "DELETE",
            f"{self._base}/packages/{package_id}/package_files/{file_id}",
            what=f"remove {remote.name}",
            ok=(204,),
            allow=(404,),
        )

    def attach(self, release: RemoteRelease, remotes: list[RemoteAsset]) -> list[str]:
        links_url = f"{self._base}/releases/{_q(release.tag)}/assets/links"
        existing = {
            item.get("name"): item
            for item in self.http.call(
                "GET", links_url + "?per_page=100", what="list the release's links"
            ).json()
            or []
        }
        added = []
        for remote in remotes:
            if remote.name in existing:
                continue
            payload = {
                "name": remote.name,
                "url": remote.url,
                "direct_asset_path": f"/{remote.name}",
                "link_type": "package"
                if remote.name.endswith((".whl", ".tar.gz", ".tgz", ".crate", ".tar", ".zip"))
                else "other",
            }

            def landed(name: str = remote.name) -> Reply | None:
                now = (
                    self.http.call(
                        "GET", links_url + "?per_page=100", what="list the release's links"
                    ).json()
                    or []
                )
                return Reply(200, b"", {}) if any(i.get("name") == name for i in now) else None

            self.http.call(
                "POST",
                links_url,
                what=f"link {remote.name} from the release",
                payload=payload,
                ok=(201,),
                before_retry=landed,
            )
            added.append(remote.name)
        return added

    def download_sha256(self, remote: RemoteAsset) -> str:
        sha, _ = self.http.download_sha256(remote.url, what=f"download {remote.name}")
        return sha


def _version_of(release: RemoteRelease) -> str:
    """The package version of a release: its tag without the prefix
    (``v1.2.0`` → ``1.2.0``), set by the publisher in ``extra``."""
    return str(release.extra.get("version") or release.tag.lstrip("v"))

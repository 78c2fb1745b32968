"""A loopback GitLab (API v4) that keeps state and checks each request
against GitLab's documentation of the APIs shipline uses, answering 400
like GitLab does for anything the documentation does not allow:

* Releases API (doc/api/releases/index.md): ``POST /projects/:id/releases``
  requires ``tag_name``; the documented attributes are ``tag_name``,
  ``tag_message``, ``name``, ``description``, ``ref``, ``milestones``,
  ``assets:links``, ``released_at``; ``GET /projects/:id/releases/:tag_name``.
* Release links API (doc/api/releases/links.md): ``POST
  /projects/:id/releases/:tag_name/assets/links`` requires ``name`` and
  ``url``; ``link_type`` is ``other``, ``runbook``, ``image`` or
  ``package``; ``direct_asset_path`` starts with ``/``.
* Generic packages (doc/user/packages/generic_packages/index.md): ``PUT
  /projects/:id/packages/generic/:package_name/:package_version/:file_name``
  with the name ``[A-Za-z0-9._-]+``, a version matching
  ``\\A(\\.?[\\w\\+-]+\\.?)+\\z``, ``select=package_file`` answering the file;
  GitLab keeps every upload of a name (the newest is served), which is why a
  second upload of the same file is a duplicate the tests must not see.
* Packages API: ``GET /projects/:id/packages`` and
  ``/packages/:package_id/package_files`` (``file_sha256``).
* ``:id`` is the numeric id or the URL-encoded path (``group%2Fname``).
* Authentication: exactly one of ``PRIVATE-TOKEN`` or ``JOB-TOKEN``.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from hashlib import md5, sha256
from http.server import BaseHTTPRequestHandler
from typing import Any

from forge_standin import Fault, FaultyHandler
from registries import QuietServer

RELEASE_ATTRS = {
    "tag_name",
    "tag_message",
    "name",
    "description",
    "ref",
    "milestones",
    "assets",
    "released_at",
}
LINK_TYPES = {"other", "runbook", "image", "package"}
PACKAGE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
PACKAGE_VERSION = re.compile(r"^(\.?[\w+-]+\.?)+$")
FILE_NAME = re.compile(r"^[A-Za-z0-9._~+-]+$")


@dataclass
class GitLabStandIn:
    url: str
    project: str = "acme/tools/widget"
    project_id: int = 42
    token: str = "glpat-standin-0123456789"
    job_token: str = "glcbt-standin-job-0123456789"
    access_level: int | None = 40
    releases: dict[str, dict[str, Any]] = field(default_factory=dict)
    packages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    files: dict[int, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    auth_headers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 500

    @property
    def api(self) -> str:
        return f"{self.url}/api/v4"

    def fail(self, method: str, path_re: str, status: int = 0, **kwargs: Any) -> None:
        self.faults.append(Fault(method, path_re, status, **kwargs))

    def calls(self, method: str, part: str) -> int:
        return sum(1 for m, p, _ in self.log if m == method and part in p)

    def files_named(self, name: str) -> list[dict[str, Any]]:
        return [f for f in self.files.values() if f["file_name"] == name]

    def release_json(self, release: dict[str, Any]) -> dict[str, Any]:
        tag = release["tag_name"]
        return {
            "tag_name": tag,
            "name": release["name"],
            "description": release["description"],
            "created_at": "2026-01-01T00:00:00.000Z",
            "released_at": "2026-01-01T00:00:00.000Z",
            "upcoming_release": False,
            "assets": {
                "count": len(release["links"]),
                "sources": [],
                "links": list(release["links"]),
            },
            "_links": {"self": f"{self.url}/{self.project}/-/releases/{tag}"},
        }


def make_handler(state: GitLabStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(FaultyHandler):
        def _route(
            self, method: str, raw_path: str, query: dict[str, list[str]], body: bytes
        ) -> int:
            private = self.headers.get("PRIVATE-TOKEN")
            job = self.headers.get("JOB-TOKEN")
            if (private is None) == (job is None):
                state.problems.append("exactly one of PRIVATE-TOKEN and JOB-TOKEN is required")
                return self._send(401, {"message": "401 Unauthorized"})
            if (private is not None and private != state.token) or (
                job is not None and job != state.job_token
            ):
                return self._send(401, {"message": "401 Unauthorized"})
            state.auth_headers.append("PRIVATE-TOKEN" if private else "JOB-TOKEN")
            if self.headers.get("Authorization"):
                state.problems.append("Authorization header sent to GitLab")
            found = re.fullmatch(r"/api/v4/projects/([^/]+)(/.*)?", raw_path)
            if not found:
                return self._send(404, {"error": "404 Not Found"})
            pid, rest = found.group(1), found.group(2) or ""
            if pid not in (str(state.project_id), urllib.parse.quote(state.project, safe="")):
                if "/" in urllib.parse.unquote(pid) and "%2F" not in pid:
                    state.problems.append(f"project path not URL-encoded: {pid}")
                return self._send(404, {"message": "404 Project Not Found"})
            return self._dispatch(method, rest, query, body)

        def _bad(self, why: str) -> int:
            state.problems.append(why)
            return self._send(400, {"error": why})

        def _dispatch(
            self, method: str, rest: str, query: dict[str, list[str]], body: bytes
        ) -> int:
            if method == "GET" and rest == "" and self.headers.get("JOB-TOKEN") is not None:
                state.problems.append("GET /projects/:id with a job token (not in its scope)")
            if method == "GET" and rest == "":
                data: dict[str, Any] = {
                    "id": state.project_id,
                    "path_with_namespace": state.project,
                }
                if state.access_level is not None:
                    data["permissions"] = {
                        "project_access": {"access_level": state.access_level},
                        "group_access": None,
                    }
                return self._send(200, data)
            if rest == "/releases" and method == "GET":
                return self._send(200, [state.release_json(r) for r in state.releases.values()])
            if rest == "/releases" and method == "POST":
                try:
                    data = json.loads(body)
                except ValueError:
                    return self._bad("release body is not JSON")
                if not data.get("tag_name"):
                    return self._bad("tag_name is missing")
                unknown = set(data) - RELEASE_ATTRS
                if unknown:
                    return self._bad(f"undocumented release attributes {sorted(unknown)}")
                with state.lock:
                    if data["tag_name"] in state.releases:
                        return self._send(409, {"message": "Release already exists"})
                    release = {
                        "tag_name": data["tag_name"],
                        "name": data.get("name"),
                        "description": data.get("description"),
                        "links": [],
                    }
                    state.releases[data["tag_name"]] = release
                return self._send(201, state.release_json(release))
            found = re.fullmatch(r"/releases/([^/]+)(/assets/links)?", rest)
            if found:
                tag = urllib.parse.unquote(found.group(1))
                release = state.releases.get(tag)
                if release is None:
                    return self._send(404, {"message": "404 Not found"})
                if not found.group(2) and method == "GET":
                    return self._send(200, state.release_json(release))
                if found.group(2) and method == "GET":
                    return self._send(200, release["links"])
                if found.group(2) and method == "POST":
                    data = json.loads(body)
                    for required in ("name", "url"):
                        if not data.get(required):
                            return self._bad(f"link {required} is missing")
                    if data.get("link_type", "other") not in LINK_TYPES:
                        return self._bad(f"link_type {data['link_type']} is not documented")
                    path = data.get("direct_asset_path")
                    if path is not None and not path.startswith("/"):
                        return self._bad("direct_asset_path must start with /")
                    if any(lk["name"] == data["name"] for lk in release["links"]):
                        return self._send(400, {"message": {"name": ["has already been taken"]}})
                    state.next_id += 1
                    link = {
                        "id": state.next_id,
                        "name": data["name"],
                        "url": data["url"],
                        "direct_asset_url": f"{state.url}/{state.project}/-/releases/{tag}"
                        f"/downloads{path}"
                        if path
                        else data["url"],
                        "link_type": data.get("link_type", "other"),
                    }
                    release["links"].append(link)
                    return self._send(201, link)
            found = re.fullmatch(r"/packages/generic/([^/]+)/([^/]+)/([^/]+)", rest)
            if found:
                name, version, file_name = (urllib.parse.unquote(g) for g in found.groups())
                if (
                    not PACKAGE_NAME.match(name)
                    or not PACKAGE_VERSION.match(version)
                    or not FILE_NAME.match(file_name)
                ):
                    return self._bad(f"invalid generic package path {name}/{version}/{file_name}")
                if method == "PUT":
                    unknown = set(query) - {"status", "select"}
                    if unknown or query.get("select", ["package_file"])[0] != "package_file":
                        return self._bad(f"undocumented upload parameters {sorted(query)}")
                    with state.lock:
                        package = state.packages.setdefault(
                            (name, version),
                            {
                                "id": state.next_id + 1,
                                "name": name,
                                "version": version,
                                "package_type": "generic",
                            },
                        )
                        state.next_id = max(state.next_id, package["id"]) + 1
                        entry = {
                            "id": state.next_id,
                            "package_id": package["id"],
                            "file_name": file_name,
                            "size": len(body),
                            "file_md5": md5(body).hexdigest(),
                            "file_sha256": sha256(body).hexdigest(),
                            "body": body,
                        }
                        state.files[state.next_id] = entry
                    if "select" in query:
                        shown = {k: v for k, v in entry.items() if k != "body"}
                        return self._send(201, shown)
                    return self._send(201, {"message": "201 Created"})
                if method == "GET":
                    package = state.packages.get((name, version))
                    matches = [
                        f
                        for f in state.files.values()
                        if package
                        and f["package_id"] == package["id"]
                        and f["file_name"] == file_name
                    ]
                    if not matches:
                        return self._send(404, {"message": "404 Package Not Found"})
                    return self._send(
                        200,
                        raw=matches[-1]["body"],
                        headers={"Content-Type": "application/octet-stream"},
                    )
            if rest == "/packages" and method == "GET":
                wanted = query.get("package_name", [""])[0]
                kind = query.get("package_type", [""])[0]
                items = [
                    p
                    for p in state.packages.values()
                    if wanted in p["name"] and (not kind or p["package_type"] == kind)
                ]
                return self._send(200, items)
            found = re.fullmatch(r"/packages/(\d+)/package_files(?:/(\d+))?", rest)
            if found:
                package_id = int(found.group(1))
                if method == "GET" and not found.group(2):
                    items = [
                        {k: v for k, v in f.items() if k != "body"}
                        for f in state.files.values()
                        if f["package_id"] == package_id
                    ]
                    return self._send(200, items)
                if method == "DELETE" and found.group(2):
                    state.files.pop(int(found.group(2)), None)
                    return self._send(204)
            return self._send(404, {"error": "404 Not Found"})

    Handler.state = state
    return Handler


def start_gitlab() -> tuple[QuietServer, GitLabStandIn]:
    state = GitLabStandIn(url="")
    server = QuietServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state

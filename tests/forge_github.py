"""A loopback GitHub that keeps state (Prism's mocks cannot: every answer
there is an example), and checks every request the way Prism does: against
GitHub's own OpenAPI description (``@octokit/openapi``,
``generated/api.github.com.json``), answering 422 to anything that breaks
it: unknown path or method, a missing required parameter, a body that does
not match the operation's schema. Plus what the description cannot say:
the bearer token, the API version header, the upload's Content-Length.

Faults are queued per request (``fail``): an HTTP status with headers, a
connection dropped halfway through an upload, a request that lands and
whose answer never comes, or a callback (SIGKILL the client) after the
request landed.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from functools import cache
from hashlib import sha256
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from forge_standin import Fault, FaultyHandler
from registries import QuietServer

ROOT = Path(__file__).resolve().parent
OPENAPI = (
    ROOT / ".npm" / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
)


@cache
def openapi() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text())


@cache
def _routes() -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    out = []
    for template, item in openapi()["paths"].items():
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        out.append((re.compile(pattern), template, item))
    return out


def _operation(method: str, path: str) -> tuple[str, dict[str, Any], dict[str, str]] | None:
    """The description's operation for ``method path``: (template, op, path params)."""
    for pattern, template, item in _routes():
        op = item.get(method.lower())
        found = pattern.match(path) if op is not None else None
        if found and op is not None:
            return template, op, {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
    return None


def _inline(node: Any, depth: int = 0) -> Any:
    """``node`` with every ``$ref`` into the description replaced by its
    target (validating against the 13 MB document as a root would make
    jsonschema crawl all of it)."""
    if depth > 30:
        return {}
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(_resolve(node), depth + 1)
        return {k: _inline(v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, depth + 1) for v in node]
    return node


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = openapi()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def request_problems(
    method: str, path: str, query: dict[str, list[str]], body: bytes, content_type: str
) -> list[str]:
    """What is wrong with a request according to GitHub's description."""
    from jsonschema import Draft202012Validator

    found = _operation(method, path)
    if found is None:
        return [f"{method} {path} is not in GitHub's API description"]
    template, op, _ = found
    problems = []
    for raw in op.get("parameters", []):
        param = _resolve(raw)
        if param["in"] == "query":
            values = query.get(param["name"])
            if param.get("required") and not values:
                problems.append(f"query parameter {param['name']} is required")
            schema = param.get("schema", {})
            if values and schema.get("type") == "integer" and not values[0].isdigit():
                problems.append(f"query parameter {param['name']} must be an integer")
    known = {_resolve(p)["name"] for p in op.get("parameters", []) if _resolve(p)["in"] == "query"}
    problems += [f"unknown query parameter {name}" for name in query if name not in known]
    spec_body = op.get("requestBody")
    if spec_body is not None:
        media = spec_body["content"]
        kind = content_type.split(";")[0].strip()
        if body and kind not in media and "*/*" not in media:
            problems.append(f"content type {kind} is not one of {sorted(media)}")
        if kind == "application/json" and "application/json" in media:
            try:
                data = json.loads(body or b"null")
            except ValueError:
                return [*problems, "body is not JSON"]
            if spec_body.get("required") and data is None:
                problems.append("a JSON body is required")
            else:
                schema = _inline(media["application/json"]["schema"])
                for error in Draft202012Validator(schema).iter_errors(data):
                    problems.append(f"body: {error.message}")
    elif body:
        problems.append(f"{method} {template} takes no body")
    return problems


@dataclass
class GitHubStandIn:
    url: str
    owner: str = "acme"
    repo: str = "widget"
    token: str = "ghs_standin_token_0123456789"
    permissions: dict[str, bool] | None = field(
        default_factory=lambda: {"push": True, "pull": True}
    )
    releases: dict[int, dict[str, Any]] = field(default_factory=dict)
    assets: dict[int, dict[str, Any]] = field(default_factory=dict)
    blobs: dict[int, bytes] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    report_digest: bool = True
    """GitHub reports ``digest`` on assets since 2025; False: like before."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 1000

    @property
    def storage_host(self) -> str:
        """Downloads redirect here: another host name, so the token must not follow."""
        return self.url.replace("127.0.0.1", "localhost")

    def fail(self, method: str, path_re: str, status: int = 0, **kwargs: Any) -> None:
        self.faults.append(Fault(method, path_re, status, **kwargs))

    def calls(self, method: str, part: str) -> int:
        return sum(1 for m, p, _ in self.log if m == method and part in p)

    def release_by_tag(self, tag: str) -> dict[str, Any] | None:
        return next((r for r in self.releases.values() if r["tag_name"] == tag), None)

    def assets_of(self, release_id: int) -> list[dict[str, Any]]:
        return [a for a in self.assets.values() if a["release_id"] == release_id]

    # --- shapes (every field the description requires) ------------------------------------

    def _user(self) -> dict[str, Any]:
        return {
            "login": "shipline-bot",
            "id": 1,
            "node_id": "U_1",
            "avatar_url": "",
            "gravatar_id": None,
            "url": "",
            "html_url": "",
            "followers_url": "",
            "following_url": "",
            "gists_url": "",
            "starred_url": "",
            "subscriptions_url": "",
            "organizations_url": "",
            "repos_url": "",
            "events_url": "",
            "received_events_url": "",
            "type": "Bot",
            "site_admin": False,
        }

    def asset_json(self, asset: dict[str, Any]) -> dict[str, Any]:
        base = f"{self.url}/repos/{self.owner}/{self.repo}/releases/assets/{asset['id']}"
        release = self.releases[asset["release_id"]]
        return {
            "url": base,
            "id": asset["id"],
            "node_id": f"RA_{asset['id']}",
            "name": asset["name"],
            "label": None,
            "uploader": self._user(),
            "content_type": asset["content_type"],
            "state": asset["state"],
            "size": asset["size"],
            "download_count": 0,
            "digest": f"sha256:{asset['sha256']}"
            if self.report_digest and asset["state"] == "uploaded"
            else None,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "browser_download_url": f"{self.url}/{self.owner}/{self.repo}/releases/download/"
            f"{release['tag_name']}/{asset['name']}",
        }

    def release_json(self, release: dict[str, Any]) -> dict[str, Any]:
        rid = release["id"]
        api = f"{self.url}/repos/{self.owner}/{self.repo}/releases/{rid}"
        return {
            "url": api,
            "html_url": f"{self.url}/{self.owner}/{self.repo}/releases/tag/{release['tag_name']}",
            "assets_url": f"{api}/assets",
            "upload_url": f"{self.url}/uploads/repos/{self.owner}/{self.repo}/releases/"
            f"{rid}/assets{{?name,label}}",
            "tarball_url": None,
            "zipball_url": None,
            "id": rid,
            "node_id": f"RE_{rid}",
            "tag_name": release["tag_name"],
            "target_commitish": "main",
            "name": release["name"],
            "body": release["body"],
            "draft": False,
            "prerelease": release["prerelease"],
            "created_at": "2026-01-01T00:00:00Z",
            "published_at": "2026-01-01T00:00:00Z",
            "author": self._user(),
            "assets": [self.asset_json(a) for a in self.assets_of(rid)],
        }


def make_handler(state: GitHubStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(FaultyHandler):
        def _partial_upload(self, path: str, query: dict[str, list[str]]) -> None:
            if not path.startswith("/uploads/"):
                return
            rid = int(path.split("/releases/")[1].split("/")[0])
            with state.lock:
                state.next_id += 1
                state.assets[state.next_id] = {
                    "id": state.next_id,
                    "release_id": rid,
                    "name": query["name"][0],
                    "state": "starter",
                    "size": 0,
                    "sha256": "",
                    "content_type": "application/octet-stream",
                }

        def _route(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> int:
            if path.startswith("/storage/"):
                if self.headers.get("Authorization"):
                    self._send(400, {"message": "the token followed the redirect to storage"})
                    state.problems.append("Authorization sent to the storage host")
                    return 400
                aid = int(path.rsplit("/", 1)[1])
                self._send(
                    200, raw=state.blobs[aid], headers={"Content-Type": "application/octet-stream"}
                )
                return 200
            download = re.fullmatch(
                rf"/{state.owner}/{state.repo}/releases/download/"
                r"(.+)/([^/]+)",  # a workspace tag keeps its slash: @acme/core@1.3.0
                path,
            )
            if download and method == "GET":  # github.com's public download URL
                tag, name = (urllib.parse.unquote(g) for g in download.groups())
                release = state.release_by_tag(tag)
                found = (
                    [a for a in state.assets_of(release["id"]) if a["name"] == name]
                    if release
                    else []
                )
                if not found:
                    return self._send(404, raw=b"Not Found")
                return self._send(
                    302, headers={"Location": f"{state.storage_host}/storage/{found[0]['id']}"}
                )
            api_path = path.removeprefix("/uploads")
            problems = request_problems(
                method, api_path, query, body, self.headers.get("Content-Type", "")
            )
            auth = self.headers.get("Authorization", "")
            if auth != f"Bearer {state.token}":
                self._send(
                    401,
                    {
                        "message": "Bad credentials",
                        "documentation_url": "https://docs.github.com/rest",
                    },
                )
                return 401
            if self.headers.get("X-GitHub-Api-Version") != "2022-11-28":
                problems.append("X-GitHub-Api-Version 2022-11-28 is missing")
            if problems:
                state.problems.extend(problems)
                self._send(422, {"message": "Validation Failed", "errors": problems})
                return 422
            prefix = f"/repos/{state.owner}/{state.repo}"
            if not api_path.startswith(prefix):
                self._send(404, {"message": "Not Found"})
                return 404
            return self._dispatch(method, path, api_path[len(prefix) :], query, body)

        def _dispatch(
            self, method: str, path: str, rest: str, query: dict[str, list[str]], body: bytes
        ) -> int:
            if method == "GET" and rest == "":
                data: dict[str, Any] = {
                    "id": 1,
                    "name": state.repo,
                    "full_name": f"{state.owner}/{state.repo}",
                }
                if state.permissions is not None:
                    data["permissions"] = state.permissions
                self._send(200, data)
                return 200
            if method == "GET" and rest.startswith("/releases/tags/"):
                tag = urllib.parse.unquote(rest.removeprefix("/releases/tags/"))
                release = state.release_by_tag(tag)
                if release is None:
                    self._send(404, {"message": "Not Found"})
                    return 404
                self._send(200, state.release_json(release))
                return 200
            if method == "POST" and rest == "/releases":
                data = json.loads(body)
                with state.lock:
                    if state.release_by_tag(data["tag_name"]) is not None:
                        self._send(
                            422,
                            {
                                "message": "Validation Failed",
                                "errors": [
                                    {
                                        "resource": "Release",
                                        "code": "already_exists",
                                        "field": "tag_name",
                                    }
                                ],
                            },
                        )
                        return 422
                    state.next_id += 1
                    release = {
                        "id": state.next_id,
                        "tag_name": data["tag_name"],
                        "name": data.get("name"),
                        "body": data.get("body"),
                        "prerelease": bool(data.get("prerelease")),
                    }
                    state.releases[state.next_id] = release
                self._send(201, state.release_json(release))
                return 201
            found = re.fullmatch(r"/releases/(\d+)/assets", rest)
            if found and method == "GET":
                rid = int(found.group(1))
                items = [state.asset_json(a) for a in state.assets_of(rid)]
                self._send(200, items)
                return 200
            if found and method == "POST" and path.startswith("/uploads/"):
                rid = int(found.group(1))
                name = query["name"][0]
                with state.lock:
                    if any(a["name"] == name for a in state.assets_of(rid)):
                        self._send(
                            422,
                            {
                                "message": "Validation Failed",
                                "errors": [
                                    {
                                        "resource": "ReleaseAsset",
                                        "code": "already_exists",
                                        "field": "name",
                                    }
                                ],
                            },
                        )
                        return 422
                    state.next_id += 1
                    asset = {
                        "id": state.next_id,
                        "release_id": rid,
                        "name": name,
                        "state": "uploaded",
                        "size": len(body),
                        "sha256": sha256(body).hexdigest(),
                        "content_type": self.headers.get("Content-Type"),
                    }
                    state.assets[state.next_id] = asset
                    state.blobs[state.next_id] = body
                self._send(201, state.asset_json(asset))
                return 201
            found = re.fullmatch(r"/releases/assets/(\d+)", rest)
            if found:
                aid = int(found.group(1))
                if aid not in state.assets:
                    self._send(404, {"message": "Not Found"})
                    return 404
                if method == "DELETE":
                    state.assets.pop(aid)
                    state.blobs.pop(aid, None)
                    self._send(204)
                    return 204
                if self.headers.get("Accept") == "application/octet-stream":
                    self._send(302, headers={"Location": f"{state.storage_host}/storage/{aid}"})
                    return 302
                self._send(200, state.asset_json(state.assets[aid]))
                return 200
            self._send(404, {"message": "Not Found"})
            return 404

    Handler.state = state
    return Handler


def start_github() -> tuple[QuietServer, GitHubStandIn]:
    state = GitHubStandIn(url="")
    server = QuietServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state

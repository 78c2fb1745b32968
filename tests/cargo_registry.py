"""A small sparse-index cargo registry for tests (no packaged one exists).

It serves what ``cargo publish --registry``, ``cargo yank`` and downloads
need: ``/index/config.json`` and the index files (sparse layout),
``PUT /api/v1/crates/new`` (token checked, version already there refused),
``GET /api/v1/crates/NAME/VERSION/download`` and
``DELETE /api/v1/crates/NAME/VERSION/yank``. Crates and index files live in
``root``. Runs in a thread of the test process on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def index_path(name: str) -> str:
    """The sparse index path of a crate (cargo's layout by name length)."""
    name = name.lower()
    if len(name) <= 2:
        return f"{len(name)}/{name}"
    if len(name) == 3:
        return f"3/{name[0]}/{name}"
    return f"{name[:2]}/{name[2:4]}/{name}"


def _index_dep(dep: dict[str, Any]) -> dict[str, Any]:
    entry = {
        "name": dep.get("explicit_name_in_toml") or dep["name"],
        "req": dep["version_req"],
        "features": dep.get("features", []),
        "optional": dep.get("optional", False),
        "default_features": dep.get("default_features", True),
        "target": dep.get("target"),
        "kind": dep.get("kind", "normal"),
        "registry": dep.get("registry"),
    }
    if dep.get("explicit_name_in_toml"):
        entry["package"] = dep["name"]
    return entry


class CargoRegistry:
    """``url`` is the API base; ``index`` the ``sparse+`` index URL for cargo."""

    def __init__(self, root: Path, token: str):
        self.root = root
        self.token = token
        self.fail_status: int | None = None
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.url = ""
        (root / "index").mkdir(parents=True, exist_ok=True)
        (root / "crates").mkdir(exist_ok=True)

    @property
    def index(self) -> str:
        return f"sparse+{self.url}/index/"

    def start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        server.block_on_close = False  # type: ignore[misc]
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        (self.root / "index" / "config.json").write_text(
            json.dumps({"dl": f"{self.url}/api/v1/crates", "api": self.url, "auth-required": False})
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # -- state -------------------------------------------------------------
    def entries(self, name: str) -> list[dict[str, Any]]:
        path = self.root / "index" / index_path(name)
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def _write_entries(self, name: str, entries: list[dict[str, Any]]) -> None:
        path = self.root / "index" / index_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries))

    def crate_file(self, name: str, version: str) -> Path:
        return self.root / "crates" / f"{name.lower()}-{version}.crate"

    def publish(self, body: bytes) -> tuple[int, dict[str, Any]]:
        (meta_len,) = struct.unpack("<I", body[:4])
        meta = json.loads(body[4 : 4 + meta_len])
        (crate_len,) = struct.unpack("<I", body[4 + meta_len : 8 + meta_len])
        crate = body[8 + meta_len : 8 + meta_len + crate_len]
        name, version = meta["name"], meta["vers"]
        with self.lock:
            entries = self.entries(name)
            if any(e["vers"] == version for e in entries):
                return 400, {
                    "errors": [{"detail": f"crate version `{name}@{version}` is already uploaded"}]
                }
            self.crate_file(name, version).write_bytes(crate)
            entries.append(
                {
                    "name": name,
                    "vers": version,
                    "deps": [_index_dep(d) for d in meta.get("deps", [])],
                    "cksum": hashlib.sha256(crate).hexdigest(),
                    "features": meta.get("features", {}),
                    "yanked": False,
                    "links": meta.get("links"),
                }
            )
            self._write_entries(name, entries)
        return 200, {"warnings": {"invalid_categories": [], "invalid_badges": [], "other": []}}

    def set_yanked(self, name: str, version: str, yanked: bool) -> bool:
        with self.lock:
            entries = self.entries(name)
            hit = [e for e in entries if e["vers"] == version]
            for entry in hit:
                entry["yanked"] = yanked
            self._write_entries(name, entries)
        return bool(hit)


def _handler(reg: CargoRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

        def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, code: int, data: dict[str, Any]) -> None:
            self._send(code, json.dumps(data).encode())

        def _fault(self) -> bool:
            if reg.fail_status:
                self._json(reg.fail_status, {"errors": [{"detail": "injected fault"}]})
                return True
            return False

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") == reg.token:
                return True
            self._json(403, {"errors": [{"detail": "invalid or missing API token"}]})
            return False

        def do_GET(self) -> None:
            if self._fault():
                return
            path = self.path.split("?", 1)[0]
            if path.startswith("/index/"):
                target = (reg.root / "index" / path[len("/index/") :]).resolve()
                if (reg.root / "index").resolve() in target.parents and target.is_file():
                    return self._send(200, target.read_bytes(), "text/plain")
                return self._send(404, b"not found\n", "text/plain")
            parts = path.strip("/").split("/")
            if len(parts) == 6 and parts[:3] == ["api", "v1", "crates"] and parts[5] == "download":
                crate = reg.crate_file(parts[3], parts[4])
                if crate.is_file():
                    return self._send(200, crate.read_bytes(), "application/gzip")
            return self._send(404, b"not found\n", "text/plain")

        do_HEAD = do_GET

        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self._fault() or not self._authorized():
                return
            if self.path.startswith("/api/v1/crates/new"):
                return self._json(*reg.publish(body))
            parts = self.path.strip("/").split("/")
            if len(parts) == 6 and parts[5] == "unyank":
                ok = reg.set_yanked(parts[3], parts[4], False)
                return self._json(200 if ok else 404, {"ok": ok})
            return self._json(404, {"errors": [{"detail": "no such endpoint"}]})

        def do_DELETE(self) -> None:
            if self._fault() or not self._authorized():
                return
            parts = self.path.strip("/").split("/")
            if len(parts) == 6 and parts[5] == "yank":
                if reg.set_yanked(parts[3], parts[4], True):
                    return self._json(200, {"ok": True})
                return self._json(404, {"errors": [{"detail": "no such crate version"}]})
            return self._json(404, {"errors": [{"detail": "no such endpoint"}]})

    return Handler

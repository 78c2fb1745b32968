"""Real registries on 127.0.0.1 for the artifact handler tests (a pytest
plugin, registered from tests/conftest.py).

- ``pypiserver`` / ``pypiserver_auth``: pypiserver 2.4 in a subprocess
  (absolute venv interpreter), without and with htpasswd upload auth.
- ``file_server``: an HTTP PUT/GET/HEAD/DELETE store for tarballs, with an
  optional bearer token; PUT of an existing path is 409.
- ``cargo_registry``: the sparse-index cargo registry of
  ``tests/cargo_registry.py``.
- ``fault_proxy``: a tiny reverse proxy put in front of any of them that can
  answer 5xx or hang for chosen methods, or serve altered bytes, to inject
  registry faults.
- ``dead_url``: a URL on a free port where nothing listens.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cargo_registry import CargoRegistry

PYTHON = sys.executable  # the venv's absolute interpreter: `python3` may be a shim


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 20) -> None:
    """Poll ``url`` until any HTTP answer; fail early if ``proc`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} not ready within {timeout} s")


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


def serve(handler: type[BaseHTTPRequestHandler]) -> tuple[QuietServer, str]:
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


# -- pypiserver ----------------------------------------------------------------
@dataclass
class PyPIServer:
    url: str
    packages: Path
    username: str | None = None
    password: str | None = None

    @property
    def simple(self) -> str:
        return f"{self.url}/simple/"


def _start_pypiserver(root: Path, auth: tuple[str, str] | None) -> Iterator[PyPIServer]:
    packages = root / "packages"
    packages.mkdir()
    port = free_port()
    argv = [PYTHON, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port)]
    if auth:
        from passlib.apache import HtpasswdFile

        htpasswd = HtpasswdFile(str(root / "htpasswd"), new=True, default_scheme="apr_md5_crypt")
        htpasswd.set_password(*auth)
        htpasswd.save()
        argv += ["-P", str(root / "htpasswd"), "-a", "update"]
    else:
        argv += ["-P", ".", "-a", "."]
    log = (root / "server.log").open("wb")
    proc = subprocess.Popen(
        [*argv, str(packages)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/simple/", proc)
        yield PyPIServer(url, packages, *(auth or (None, None)))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PyPIServer]:
    """pypiserver accepting anonymous uploads."""
    yield from _start_pypiserver(tmp_path_factory.mktemp("pypi"), None)


@pytest.fixture
def pypiserver_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PyPIServer]:
    """pypiserver whose uploads need user ``uploader`` with a random password."""
    yield from _start_pypiserver(
        tmp_path_factory.mktemp("pypi-auth"), ("uploader", "pw-" + os.urandom(8).hex())
    )


# -- HTTP file store -----------------------------------------------------------
@dataclass
class FileServer:
    url: str
    root: Path
    token: str | None
    server: QuietServer
    requests: list[tuple[str, str]] = field(default_factory=list)


def _file_handler(store: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

        def _target(self) -> Path | None:
            rel = self.path.split("?", 1)[0].lstrip("/")
            target = (store.root / rel).resolve()
            root = store.root.resolve()
            return target if target == root or root in target.parents else None

        def _authorized(self) -> bool:
            if store.token is None or self.command in ("GET", "HEAD"):
                return True
            return self.headers.get("Authorization") == f"Bearer {store.token}"

        def _answer(
            self, code: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(code)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _handle(self) -> None:
            store.requests.append((self.command, self.path))
            target = self._target()
            if not self._authorized():
                return self._answer(401, b"bad or missing token\n")
            if target is None:
                return self._answer(400, b"bad path\n")
            if self.command in ("GET", "HEAD"):
                if target.is_file():
                    return self._answer(200, target.read_bytes())
                if target.is_dir():
                    return self._answer(200, b"")
                return self._answer(404, b"not found\n")
            if self.command == "PUT":
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if target.exists():
                    return self._answer(409, b"already exists\n")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                import hashlib

                return self._answer(
                    201, b"created\n", {"X-Checksum-Sha256": hashlib.sha256(data).hexdigest()}
                )
            if self.command == "DELETE":
                if not target.is_file():
                    return self._answer(404, b"not found\n")
                target.unlink()
                return self._answer(204)
            return self._answer(405)

        do_GET = do_HEAD = do_PUT = do_DELETE = _handle

    return Handler


def _start_file_server(root: Path, token: str | None) -> Iterator[FileServer]:
    store = FileServer("", root, token, None)  # type: ignore[arg-type]
    server, url = serve(_file_handler(store))
    store.url, store.server = url, server
    try:
        yield store
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def file_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileServer]:
    """An HTTP file store whose writes need ``Bearer <token>``."""
    yield from _start_file_server(tmp_path_factory.mktemp("files"), "tok-" + os.urandom(8).hex())


# -- cargo registry ------------------------------------------------------------
@pytest.fixture
def cargo_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CargoRegistry]:
    registry = CargoRegistry(tmp_path_factory.mktemp("crates"), "crt-" + os.urandom(8).hex())
    registry.start()
    try:
        yield registry
    finally:
        registry.stop()


# -- fault injection -----------------------------------------------------------
@dataclass
class FaultProxy:
    """Forwards to ``upstream`` unless told to fail: ``status`` answers that
    HTTP status, ``hang`` never answers (until teardown); both only for
    ``methods`` (all methods when empty)."""

    upstream: str
    url: str = ""
    status: int | None = None
    hang: bool = False
    methods: set[str] = field(default_factory=set)
    passes: int = 0
    corrupt: str | None = None
    """While set, a successful GET of a path ending with it is answered
    with one byte flipped (a registry serving other bytes than uploaded)."""
    downloads: list[str] = field(default_factory=list)
    """The paths of every successful GET passed through, in order."""
    release: threading.Event = field(default_factory=threading.Event)
    server: QuietServer | None = None

    def fail(
        self,
        status: int | None = 503,
        *,
        hang: bool = False,
        methods: set[str] | None = None,
        after: int = 0,
    ) -> None:
        """Fail matching requests, letting the first ``after`` of them through."""
        self.status, self.hang, self.methods = status, hang, set(methods or ())
        self.passes = after

    def heal(self) -> None:
        self.status, self.hang = None, False


def _proxy_handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return None

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            hit = not proxy.methods or self.command in proxy.methods
            if hit and proxy.passes > 0:
                proxy.passes -= 1
                hit = False
            if hit and proxy.hang:
                proxy.release.wait(120)
                return
            if hit and proxy.status:
                data = f"injected fault {proxy.status}\n".encode()
                self.send_response(proxy.status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            host = proxy.upstream.split("://", 1)[1]
            conn = http.client.HTTPConnection(host, timeout=60)
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")
            }
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if self.command == "GET" and resp.status == 200:
                proxy.downloads.append(self.path)
                if proxy.corrupt is not None and self.path.endswith(proxy.corrupt) and data:
                    data = data[:-1] + bytes([data[-1] ^ 0xFF])
            self.send_response(resp.status)
            for key, value in resp.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _handle

    return Handler


@pytest.fixture
def fault_proxy() -> Iterator[object]:
    """``fault_proxy(upstream_url) -> FaultProxy``; torn down after the test."""
    made: list[FaultProxy] = []

    def make(upstream: str) -> FaultProxy:
        proxy = FaultProxy(upstream.rstrip("/"))
        proxy.server, proxy.url = serve(_proxy_handler(proxy))
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.release.set()
        assert proxy.server is not None
        proxy.server.shutdown()
        proxy.server.server_close()


@pytest.fixture
def dead_url() -> str:
    """An http URL where nothing listens (a registry that is down)."""
    return f"http://127.0.0.1:{free_port()}"


# -- handler context -----------------------------------------------------------
def artifact_context(
    root: Path,
    version: str,
    out_dir: Path,
    *,
    events: list[object] | None = None,
    env: dict[str, str] | None = None,
    commit: str = "",
    epoch: int = 1_767_225_600,
    timeout: float = 120.0,
) -> Any:
    """An ArtifactContext for ``root`` whose events land in ``events``."""
    from shipline.domain.artifacts import ArtifactContext

    sink = events if events is not None else []
    return ArtifactContext(
        repo_root=root,
        version=version,
        release_commit=commit,
        source_date_epoch=epoch,
        out_dir=out_dir,
        tag=f"v{version}",
        env=dict(os.environ if env is None else env),
        emit=sink.append,
        timeout=timeout,
    )

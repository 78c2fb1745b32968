"""Real npm and OCI registries on 127.0.0.1 for the artifact tests.

Registered as a pytest plugin from ``tests/conftest.py``. Both servers are
installed by ``scripts/install-test-deps.sh`` (verdaccio 6.8.0 into
``tests/.npm``; Debian's ``docker-registry``, distribution 2.8) and started
here on free ports, one of each per test session (per xdist worker); tests
keep apart by using package and image names of their own.

- ``verdaccio``: a :class:`Verdaccio` with ``uplinks: {}`` (never proxies
  to the public registry) and ``publish: $authenticated``;
  ``verdaccio.add_user()`` makes a user and returns its token (one
  ``PUT /-/user/org.couchdb.user:NAME``).
- ``npm_token``: a fresh user's token for one test.
- ``oci_registry``: a :class:`OciRegistry` (distribution with its own config
  file, ``storage.delete.enabled: true``, no auth).
- ``oci_registry_auth``: the same with htpasswd basic auth and one user
  (``.credentials`` is ``USER:PASSWORD``).
- ``oci_registry_nodelete``: deletes disabled (a rollback there is 89).
- ``oci_registry_token``: behind a bearer-token service (:class:`TokenService`,
  the ghcr.io / Docker Hub scheme) with one user.
- ``dead_url``: an ``http://127.0.0.1:PORT`` where nothing listens;
  ``failing_url``: every request answered 503; ``hanging_url``: connections
  accepted and never answered (for timeouts).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERDACCIO_JS = ROOT / "tests" / ".npm" / "node_modules" / "verdaccio" / "bin" / "verdaccio"
NODE_BIN = ROOT / "tests" / ".node" / "bin"
if NODE_BIN.is_dir():  # Node 22 that install-test-deps.sh brought (no Node 20+ on the machine)
    os.environ["PATH"] = f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
_names = itertools.count(1)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unique_name(prefix: str) -> str:
    """A name no other test of this session (or worker) uses."""
    return f"{prefix}-{os.getpid()}-{next(_names)}"


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{url}: not ready within {timeout} s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _need(path: Path | str | None, what: str) -> str:
    if path is None or not Path(path).exists():
        raise RuntimeError(f"{what} is not installed: run `bash scripts/install-test-deps.sh`")
    return str(path)


@dataclass
class Verdaccio:
    """A running verdaccio; ``url`` ends with ``/``."""

    url: str
    port: int
    home: Path
    proc: subprocess.Popen[bytes]
    version: str = ""

    def add_user(self, name: str | None = None, password: str = "pw-secret-123") -> str:
        """Create a user and return its npm token."""
        name = name or unique_name("user")
        body = json.dumps({"name": name, "password": password}).encode()
        req = urllib.request.Request(
            f"{self.url}-/user/org.couchdb.user:{name}",
            data=body,
            method="PUT",
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return str(json.load(resp)["token"])

    def packument(self, name: str) -> dict[str, object] | None:
        try:
            with urllib.request.urlopen(f"{self.url}{name}", timeout=10) as resp:
                return dict(json.load(resp))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise


@pytest.fixture(scope="session")
def verdaccio() -> Iterator[Verdaccio]:
    node = _need(shutil.which("node"), "node")
    script = _need(VERDACCIO_JS, "verdaccio")
    home = Path(tempfile.mkdtemp(prefix="verdaccio-", dir="/tmp"))
    port = free_port()
    (home / "config.yaml").write_text(
        f"storage: {home / 'storage'}\n"
        "auth:\n"
        "  htpasswd:\n"
        f"    file: {home / 'htpasswd'}\n"
        "    max_users: 1000\n"
        "uplinks: {}\n"
        "packages:\n"
        "  '**':\n"
        "    access: $all\n"
        "    publish: $authenticated\n"
        "    unpublish: $authenticated\n"
        "server:\n"
        "  keepAliveTimeout: 5\n"
        "log: {type: stdout, format: pretty, level: warn}\n"
    )
    log = home / "verdaccio.log"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["HOME"] = str(home)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [node, script, "--config", str(home / "config.yaml"), "--listen", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=home,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_http(f"{url}-/ping", proc, log)
        version = json.loads((VERDACCIO_JS.parent.parent / "package.json").read_text())["version"]
        yield Verdaccio(url, port, home, proc, version)
    finally:
        _stop(proc)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def npm_token(verdaccio: Verdaccio) -> str:
    return verdaccio.add_user()


@dataclass
class OciRegistry:
    """A running distribution registry; ``url`` is ``http://127.0.0.1:PORT``."""

    url: str
    port: int
    home: Path
    proc: subprocess.Popen[bytes]
    credentials: str | None = None
    """``user:password`` when the registry requires basic auth."""
    version: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, accept: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One raw distribution-API call (as the registry's admin)."""
        headers = {}
        if accept:
            headers["Accept"] = accept
        if self.credentials:
            token = base64.b64encode(self.credentials.encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        req = urllib.request.Request(f"{self.url}{path}", method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()


def _registry_version(exe: str) -> str:
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
    return done.stdout.strip().split()[-1] if done.stdout.strip() else "unknown"


def _start_registry(
    htpasswd: str | None, delete: bool = True, token_auth: str = ""
) -> tuple[OciRegistry, Path]:
    exe = _need(shutil.which("docker-registry"), "docker-registry")
    home = Path(tempfile.mkdtemp(prefix="oci-registry-", dir="/tmp"))
    port = free_port()
    auth = ""
    if htpasswd is not None:
        (home / "htpasswd").write_text(htpasswd)
        auth = f"auth:\n  htpasswd:\n    realm: shipline-tests\n    path: {home / 'htpasswd'}\n"
    (home / "config.yml").write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {home / 'data'}\n"
        f"  delete:\n    enabled: {'true' if delete else 'false'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n  secret: shipline-tests-only\n" + auth + token_auth
    )
    log = home / "registry.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [exe, "serve", str(home / "config.yml")],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=home,
        )
    url = f"http://127.0.0.1:{port}"
    _wait_http(f"{url}/v2/", proc, log)
    return OciRegistry(url, port, home, proc, version=_registry_version(exe)), home


@pytest.fixture(scope="session")
def oci_registry() -> Iterator[OciRegistry]:
    registry, home = _start_registry(None)
    try:
        yield registry
    finally:
        _stop(registry.proc)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def oci_registry_auth() -> Iterator[OciRegistry]:
    import bcrypt

    user, password = "releaser", "oci-secret-pw"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    registry, home = _start_registry(f"{user}:{hashed}\n")
    registry.credentials = f"{user}:{password}"
    try:
        yield registry
    finally:
        _stop(registry.proc)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def oci_registry_nodelete() -> Iterator[OciRegistry]:
    """A registry with deletes disabled (distribution's default), like many
    hosted registries: a rollback there cannot succeed."""
    registry, home = _start_registry(None, delete=False)
    try:
        yield registry
    finally:
        _stop(registry.proc)
        shutil.rmtree(home, ignore_errors=True)


class TokenService:
    """A Docker-style token service (what ghcr.io or Docker Hub run): the
    registry answers 401 with ``WWW-Authenticate: Bearer realm=...``; the
    client fetches a JWT for the scope with basic credentials, signed here
    by a self-signed RSA certificate the registry trusts (``x5c`` header)."""

    def __init__(self, home: Path, user: str, password: str):
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self.user, self.password = user, password
        self.service, self.issuer = "shipline-tests", "shipline-token-issuer"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "token signer")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(self.key, hashes.SHA256())
        )
        self.cert_path = home / "token-signer.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        self.issued: list[str] = []
        self.server, self.url = self._serve()

    def _jwt(self, scope: str) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        access = []
        for item in filter(None, scope.split(" ")):
            kind, _, rest = item.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {
            "iss": self.issuer,
            "sub": self.user,
            "aud": self.service,
            "iat": now,
            "nbf": now - 60,
            "exp": now + 300,
            "jti": unique_name("jti"),
            "access": access,
        }
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64(sig)}"

    def _serve(self) -> tuple[Any, str]:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        service = self
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                query = parse_qs(urlsplit(self.path).query)
                scope = " ".join(query.get("scope", []))
                service.issued.append(scope)
                body = json.dumps({"token": service._jwt(scope)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}/token"

    def config(self) -> str:
        return (
            "auth:\n  token:\n"
            f"    realm: {self.url}\n    service: {self.service}\n"
            f"    issuer: {self.issuer}\n    rootcertbundle: {self.cert_path}\n"
        )


@pytest.fixture(scope="session")
def oci_registry_token() -> Iterator[OciRegistry]:
    """A registry behind a bearer-token service, like ghcr.io or Docker Hub;
    ``.extra["realm"]`` is the token endpoint."""
    home = Path(tempfile.mkdtemp(prefix="oci-token-", dir="/tmp"))
    tokens = TokenService(home, "releaser", "token-secret-pw")
    registry, reg_home = _start_registry(None, token_auth=tokens.config())
    registry.credentials = "releaser:token-secret-pw"
    registry.extra["realm"] = tokens.url
    try:
        yield registry
    finally:
        _stop(registry.proc)
        tokens.server.shutdown()
        tokens.server.server_close()
        shutil.rmtree(reg_home, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def dead_url() -> str:
    """A loopback URL with nothing listening on it."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def failing_url() -> Iterator[str]:
    """A server that answers every request with HTTP 503."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Failing(BaseHTTPRequestHandler):
        def _fail(self) -> None:
            body = b'{"error": "service unavailable"}'
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _fail

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        sock.close()

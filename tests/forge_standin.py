"""What the loopback GitHub and GitLab stand-ins share: a JSON answer, the
HTTP verbs, and the fault queue (``Fault``), applied before a request
reaches the forge's own routes."""

from __future__ import annotations

import contextlib
import io
import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any


@dataclass
class Fault:
    method: str
    path_re: str
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    action: str = "status"
    """status | drop-mid-upload | no-answer (the request lands, the answer
    never comes) | after (the request lands, ``then`` runs, e.g. SIGKILL
    of the client, then the answer is sent)"""
    then: Callable[[], None] | None = None


class FaultyHandler(BaseHTTPRequestHandler):
    """Subclasses set ``state`` (with ``faults`` and ``log``) and define
    ``_route(method, path, query, body) -> status``."""

    protocol_version = "HTTP/1.1"
    state: Any

    def log_message(self, *args: Any) -> None:
        pass

    def _send(
        self,
        status: int,
        data: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        body = raw if raw is not None else (b"" if data is None else json.dumps(data).encode())
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if raw is None and data is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return status

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> int:
        raise NotImplementedError

    def _partial_upload(self, path: str, query: dict[str, list[str]]) -> None:
        """What the forge keeps of an upload cut off halfway (nothing by default)."""

    def _handle(self, method: str) -> None:
        state = self.state
        parts = urllib.parse.urlsplit(self.path)
        path, query = parts.path, urllib.parse.parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        fault = next(
            (f for f in state.faults if f.method == method and re.search(f.path_re, path)), None
        )
        if fault is not None:
            state.faults.remove(fault)
            if fault.action == "drop-mid-upload":
                self.rfile.read(max(1, length // 2))
                self._partial_upload(path, query)
                state.log.append((method, path, 0))
                self._hang_up()
                return
            if fault.action == "status":
                self.rfile.read(length)
                state.log.append((method, path, fault.status))
                self._send(
                    fault.status,
                    raw=fault.body or b'{"message": "fault injected"}',
                    headers=fault.headers,
                )
                return
        body = self.rfile.read(length) if length else b""
        entry = [method, path, -1]  # logged before the answer goes out: no race with the client
        state.log.append(entry)
        if fault is None:
            entry[2] = self._route(method, path, query, body)
            return
        real, self.wfile = self.wfile, io.BytesIO()  # no-answer / after
        entry[2] = self._route(method, path, query, body)
        if fault.then is not None:
            fault.then()
        if fault.action == "after":
            with contextlib.suppress(OSError):
                real.write(self.wfile.getvalue())
        self._hang_up()

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(2)

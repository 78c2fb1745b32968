"""The stand-in's HTTP face on 127.0.0.1, served from a thread of the test process.

Routes are the ones sigstore-python's real clients call:
- ``POST /api/v2/signingCert`` (Fulcio): checks the bearer OIDC token's
  signature against the stand-in issuer's key, audience and expiry, checks
  the CSR's proof of possession, issues a leaf with an embedded SCT;
- ``POST /api/v1/log/entries`` (Rekor v1): integrates the entry, 201;
- ``GET /github/token?audience=...`` (GitHub Actions' token endpoint, which
  ``id.detect_credential`` calls when ``ACTIONS_ID_TOKEN_REQUEST_URL`` is
  set): a signed token for the configured workflow identity.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .ca import FulcioCA
from .rekor import MerkleLog, RejectedEntry

GITHUB_REQUEST_TOKEN = "standin-actions-request-token"


class OIDCIssuer:
    """Mints ES256 identity tokens; Fulcio here trusts only this key."""

    def __init__(self, url: str = "https://oidc.standin.local"):
        self.url = url
        self.key = ec.generate_private_key(ec.SECP256R1())

    def token(
        self,
        *,
        subject: str = "release-bot",
        email: str | None = None,
        lifetime: int = 300,
        audience: str = "sigstore",
        issuer: str | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": issuer or self.url,
            "aud": audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            **claims,
        }
        if email is not None:
            body |= {"email": email, "email_verified": True}
        return jwt.encode(body, self.key, algorithm="ES256")

    def check(self, raw: str) -> dict[str, Any]:
        return jwt.decode(raw, self.key.public_key(), algorithms=["ES256"], audience="sigstore")


def certificate_identity(claims: dict[str, Any]) -> str:
    """The SAN Fulcio derives: e-mail, a GitHub workflow URI, else the subject."""
    if claims.get("email"):
        return str(claims["email"])
    if claims.get("job_workflow_ref"):
        return f"https://github.com/{claims['job_workflow_ref']}"
    return str(claims["sub"])


class StandinServer:
    """Fulcio, Rekor and a GitHub token endpoint behind one local port."""

    def __init__(self, ca: FulcioCA, log: MerkleLog, oidc: OIDCIssuer):
        self.ca, self.log, self.oidc = ca, log, oidc
        self.github_claims: dict[str, Any] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, daemon=True, name="sigstore-standin"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> StandinServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _json(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append(f"GET {parts.path}")
                if parts.path != "/github/token":
                    return self._send(404, {"message": "not found"})
                if self.headers.get("Authorization") != f"bearer {GITHUB_REQUEST_TOKEN}":
                    return self._send(401, {"message": "bad request token"})
                audience = parse_qs(parts.query).get("audience", ["sigstore"])[0]
                token = server.oidc.token(audience=audience, **server.github_claims)
                self._send(200, {"value": token})

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                server.requests.append(f"POST {path}")
                try:
                    if path == "/api/v2/signingCert":
                        return self._send(
                            *server.signing_cert(
                                self.headers.get("Authorization", ""), self._json()
                            )
                        )
                    if path == "/api/v1/log/entries":
                        with server._lock:
                            return self._send(201, server.log.integrate(self._json()))
                except RejectedEntry as exc:
                    return self._send(400, {"code": 400, "message": str(exc)})
                self._send(404, {"message": "not found"})

        return Handler

    def signing_cert(self, authorization: str, body: dict[str, Any]) -> tuple[int, dict]:
        try:
            claims = self.oidc.check(authorization.removeprefix("Bearer ").strip())
        except jwt.PyJWTError as exc:
            return 401, {"code": 401, "message": f"invalid identity token: {exc}"}
        csr = x509.load_pem_x509_csr(base64.b64decode(body["certificateSigningRequest"]))
        if not csr.is_signature_valid:
            return 400, {"code": 400, "message": "CSR signature does not verify"}
        public = csr.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            return 400, {"code": 400, "message": "only ECDSA keys"}
        leaf = self.ca.issue(public, san=certificate_identity(claims), issuer=claims["iss"])
        pems = [c.public_bytes(serialization.Encoding.PEM).decode() for c in (leaf, self.ca.root)]
        return 201, {"signedCertificateEmbeddedSct": {"chain": {"certificates": pems}}}

"""An in-process Fulcio/Rekor stand-in so that sigstore-python's real
``Signer`` and ``Verifier`` run end to end without the network.

``Standin.start()`` serves Fulcio (local CA + CT log), Rekor v1 (RFC 6962
Merkle log) and a GitHub Actions token endpoint on 127.0.0.1, and writes a
trusted root naming the CA, the CT log key and the Rekor key. Its
``trust_config()`` is a real ``ClientTrustConfig`` whose signing config
points at the stand-in, so production code signs through
``SigningContext.from_trust_config`` and sigstore's own HTTP clients, and
verifies with ``Verifier(trusted_root=TrustedRoot.from_file(...))``.

Import ``standin_fixture`` (the ``standin`` fixture) into a test module to get a running one.
Leans on sigstore-python 4.5's wire formats (pinned ``sigstore~=4.5``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from .ca import CTLog, FulcioCA, spki_der
from .rekor import MerkleLog
from .server import GITHUB_REQUEST_TOKEN, OIDCIssuer, StandinServer

__all__ = ["GITHUB_REQUEST_TOKEN", "Standin", "in_toto_statement", "standin_fixture"]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Standin:
    """One private sigstore instance: CA, CT log, Rekor log, OIDC issuer."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.oidc = OIDCIssuer()
        self.ct_log = CTLog()
        self.ca = FulcioCA(ct_log=self.ct_log)
        self.log = MerkleLog()
        self.server = StandinServer(self.ca, self.log, self.oidc)
        self.trusted_root_path = workdir / "standin_trusted_root.json"

    def start(self) -> Standin:
        self.server.start()
        self.trusted_root_path.write_text(json.dumps(self.trusted_root(), indent=2))
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def _public_key(self, key: Any, start: datetime) -> dict[str, Any]:
        return {
            "rawBytes": _b64(spki_der(key.public_key())),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": {"start": start.isoformat().replace("+00:00", "Z")},
        }

    def trusted_root(self) -> dict[str, Any]:
        start = datetime.now(UTC) - timedelta(days=1)
        root_der = self.ca.root.public_bytes(serialization.Encoding.DER)
        return {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [
                {
                    "baseUrl": self.url,
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": self._public_key(self.log.key, start),
                    "logId": {"keyId": _b64(self.log.log_id)},
                }
            ],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "shipline-standin", "commonName": "standin"},
                    "uri": self.url,
                    "certChain": {"certificates": [{"rawBytes": _b64(root_der)}]},
                    "validFor": {"start": start.isoformat().replace("+00:00", "Z")},
                }
            ],
            "ctlogs": [
                {
                    "baseUrl": self.url + "/ct",
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": self._public_key(self.ct_log.key, start),
                    "logId": {"keyId": _b64(self.ct_log.log_id)},
                }
            ],
            "timestampAuthorities": [],
        }

    def signing_config(self) -> dict[str, Any]:
        start = (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+00:00", "Z")
        service = {
            "majorApiVersion": 1,
            "validFor": {"start": start},
            "operator": "shipline-standin",
        }
        return {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [{"url": self.url} | service],
            "oidcUrls": [{"url": self.oidc.url} | service],
            "rekorTlogUrls": [{"url": self.url} | service],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        }

    def trust_config_json(self) -> dict[str, Any]:
        return {
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot": self.trusted_root(),
            "signingConfig": self.signing_config(),
        }

    def trust_config(self) -> Any:
        from sigstore.models import ClientTrustConfig

        return ClientTrustConfig.from_json(json.dumps(self.trust_config_json()))

    def write_trust_config(self, path: Path) -> Path:
        """For ``$SHIPLINE_SIGSTORE_TRUST_CONFIG`` (what ``sigstore --trust-config`` reads)."""
        path.write_text(json.dumps(self.trust_config_json(), indent=2))
        return path


def in_toto_statement(subjects: dict[str, str], **predicate: Any) -> dict[str, Any]:
    """An in-toto Statement v1 with SLSA provenance naming ``{name: sha256}``."""
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": n, "digest": {"sha256": d}} for n, d in subjects.items()],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://shipline.dev/test",
                "externalParameters": predicate,
            },
            "runDetails": {"builder": {"id": "https://shipline.dev/standin"}},
        },
    }


@pytest.fixture(name="standin")
def standin_fixture(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Standin]:
    """A running stand-in; requests to it never go through a proxy."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    instance = Standin(tmp_path_factory.mktemp("standin")).start()
    try:
        yield instance
    finally:
        instance.stop()

"""The Rekor v1 side of the stand-in: an RFC 6962 Merkle log.

``integrate`` takes a proposed ``hashedrekord`` or ``dsse`` entry as the
real client posts it, checks its signature against the certificate (as
Rekor does), stores the canonicalized body Rekor would store, appends its
leaf, and answers with the v1 API's entry: inclusion proof (RFC 6962 audit
path) with a signed checkpoint (a signed note), and a signed entry
timestamp over the canonical ``{body, integratedTime, logID, logIndex}``.
The log starts with a few unrelated leaves so that proofs are not trivial.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from .ca import key_id


class RejectedEntry(ValueError):
    """Rekor would answer 400: the proposed entry does not verify."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (RFC 6962 section 2.1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def tree_hash(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(tree_hash(leaves[:k]), tree_hash(leaves[k:]))


def audit_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 section 2.1.1, from the leaf upwards."""
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*audit_path(index, leaves[:k]), tree_hash(leaves[k:])]
    return [*audit_path(index - k, leaves[k:]), tree_hash(leaves[:k])]


def _sig_b64(key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()


@dataclass
class MerkleLog:
    """An append-only log whose tree head is signed by ``key``."""

    origin: str = "rekor.standin.local - 1193050959916656506"
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    leaves: list[bytes] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        for _ in range(5):
            self.leaves.append(leaf_hash(os.urandom(32)))
            self.bodies.append(b"")

    @property
    def log_id(self) -> bytes:
        return key_id(self.key.public_key())

    def checkpoint(self) -> str:
        root = tree_hash(self.leaves)
        note = f"{self.origin}\n{len(self.leaves)}\n{base64.b64encode(root).decode()}\n"
        raw = self.key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        name = self.origin.split(" ")[0]
        return f"{note}\n\u2014 {name} {base64.b64encode(self.log_id[:4] + raw).decode()}\n"

    def integrate(self, proposed: dict[str, Any]) -> dict[str, Any]:
        body = rfc8785.dumps(canonical_body(proposed))
        index = len(self.leaves)
        self.leaves.append(leaf_hash(body))
        self.bodies.append(body)
        integrated = int(time.time())
        body_b64 = base64.b64encode(body).decode()
        log_id = self.log_id.hex()
        promise = rfc8785.dumps(
            {"body": body_b64, "integratedTime": integrated, "logID": log_id, "logIndex": index}
        )
        proof = {
            "logIndex": index,
            "treeSize": len(self.leaves),
            "rootHash": tree_hash(self.leaves).hex(),
            "hashes": [h.hex() for h in audit_path(index, self.leaves)],
            "checkpoint": self.checkpoint(),
        }
        entry = {
            "body": body_b64,
            "integratedTime": integrated,
            "logID": log_id,
            "logIndex": index,
            "verification": {
                "inclusionProof": proof,
                "signedEntryTimestamp": _sig_b64(self.key, promise),
            },
        }
        return {self.leaves[index].hex(): entry}


def _certificate(b64_pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(base64.b64decode(b64_pem))
    except ValueError as exc:
        raise RejectedEntry(f"verifier is not a PEM certificate: {exc}") from None


def _public_key(b64_pem: str) -> ec.EllipticCurvePublicKey:
    key = _certificate(b64_pem).public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise RejectedEntry("only ECDSA certificates are accepted")
    return key


def canonical_body(proposed: dict[str, Any]) -> dict[str, Any]:
    """What Rekor stores for a proposed entry, after checking its signature."""
    kind, spec = proposed.get("kind"), proposed.get("spec") or {}
    if kind == "hashedrekord":
        digest = bytes.fromhex(spec["data"]["hash"]["value"])
        signature = base64.b64decode(spec["signature"]["content"])
        try:
            _public_key(spec["signature"]["publicKey"]["content"]).verify(
                signature, digest, ec.ECDSA(Prehashed(hashes.SHA256()))
            )
        except InvalidSignature:
            raise RejectedEntry("hashedrekord signature does not verify") from None
        return {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": spec}
    if kind == "dsse":
        content = spec["proposedContent"]
        envelope_json: str = content["envelope"]
        envelope = json.loads(envelope_json)
        payload = base64.b64decode(envelope["payload"])
        payload_type = envelope["payloadType"]
        pae = f"DSSEv1 {len(payload_type)} {payload_type} {len(payload)} ".encode() + payload
        verifier = content["verifiers"][0]
        signatures = []
        for item in envelope["signatures"]:
            try:
                _public_key(verifier).verify(
                    base64.b64decode(item["sig"]), pae, ec.ECDSA(hashes.SHA256())
                )
            except InvalidSignature:
                raise RejectedEntry("DSSE signature does not verify") from None
            signatures.append({"signature": item["sig"], "verifier": verifier})
        return {
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "envelopeHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(envelope_json.encode()).hexdigest(),
                },
                "payloadHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(payload).hexdigest(),
                },
                "signatures": signatures,
            },
        }
    raise RejectedEntry(f"unsupported entry kind {kind!r}")

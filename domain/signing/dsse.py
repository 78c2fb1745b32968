"""DSSE envelopes (the signing layer's wire format): the pre-authentication
encoding that every signature covers, and the envelope around a payload."""

from __future__ import annotations

import base64
from typing import Any

PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding:
    ``"DSSEv1" SP len(type) SP type SP len(body) SP body`` (byte lengths)."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def make_envelope(payload: bytes, signatures: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "payload": base64.b64encode(payload).decode("ascii"),
        "payloadType": PAYLOAD_TYPE,
        "signatures": signatures,
    }

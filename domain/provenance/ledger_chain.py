"""The ledger's hash chain, defined once: canonical JSON (RFC 8785 for the
values a record holds), each record's hash, and the head, the (count, hash)
that a release tag's message anchors so that a dropped or rewritten ledger
is caught. :mod:`shipline.domain.provenance.ledger` reads and writes the file."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ANCHOR_KEY = "Shipline-Ledger-Head"
_MAX_SAFE_INT = 2**53 - 1


# --- canonical JSON and hashing ---------------------------------------------


def _plain(value: Any) -> bool:
    """True when ``json.dumps(sort_keys=True)`` is byte-identical to RFC 8785
    for ``value``: no floats (ES6 number formatting differs), integers in the
    I-JSON range, and ASCII keys (so code-point order equals the UTF-16
    order RFC 8785 sorts by). String escaping is the same in both."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_MAX_SAFE_INT <= value <= _MAX_SAFE_INT)
    if kind is dict:
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return False


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON.

    The ``rfc8785`` package is the reference; it costs about 0.25 ms per
    record, too slow for ``verify --all`` over 10,000 records, so values of
    the plain subset (every ledger record) take the C ``json`` encoder, which
    produces the same bytes for them (``tests/test_ledger.py`` checks the
    two agree on adversarial input). Anything else goes to ``rfc8785``.
    """
    if _plain(value):
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    import rfc8785

    return rfc8785.dumps(value)


def record_hash(record: dict[str, Any], *, schema_checked: bool = False) -> str:
    """SHA-256 (hex) of the canonical JSON of ``record`` without ``hash``.

    ``schema_checked``: the record passed :func:`validate_record`, whose
    models admit only the plain subset (no floats, bounded integers, ASCII
    keys), so the walk in :func:`canonical_json` can be skipped.
    """
    body = {k: v for k, v in record.items() if k != "hash"}
    if schema_checked:
        try:
            data = _CANONICAL.encode(body).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the file)
            raise ValueError("a string holds a lone UTF-16 surrogate") from None
    else:
        data = canonical_json(body)
    return hashlib.sha256(data).hexdigest()


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
"""One encoder for every record: ``json.dumps`` with options builds a new one per call."""


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the head and its anchor -------------------------------------------------


@dataclass(frozen=True)
class LedgerHead:
    """How many records the ledger had and the hash of the last one."""

    count: int
    hash: str | None

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "hash": self.hash}

    @classmethod
    def from_json(cls, data: Any) -> LedgerHead:
        if (
            not isinstance(data, dict)
            or set(data) != {"count", "hash"}
            or type(data["count"]) is not int
            or data["count"] < 0
            or not (data["hash"] is None or isinstance(data["hash"], str))
            or (data["count"] == 0) != (data["hash"] is None)
        ):
            raise ValueError(f"not a ledger head: {data!r}")
        return cls(data["count"], data["hash"])


def anchor_trailer(head: LedgerHead) -> str:
    """The line that goes into a release's annotated tag message."""
    return f"{ANCHOR_KEY}: {head.count} {head.hash or 'none'}"


_ANCHOR_RE = re.compile(rf"^{ANCHOR_KEY}: (\d+) ([0-9a-f]{{64}}|none)\s*$", re.MULTILINE)


def parse_anchor(message: str) -> LedgerHead | None:
    """The anchor in a tag message, or ``None`` when it has none."""
    found = _ANCHOR_RE.findall(message or "")
    if not found:
        return None
    count, value = found[-1]
    return LedgerHead(int(count), None if value == "none" else value)


def prefix_problem(
    records: list[dict[str, Any]], head: LedgerHead, limit: int | None = None
) -> str | None:
    """Why ``head`` does not describe a prefix of ``records`` (of at most
    ``limit`` records), or ``None`` when it does."""
    available = len(records) if limit is None else min(limit, len(records))
    if head.count > available:
        return (
            f"anchor says the ledger had {head.count} records but only {available} "
            "precede it: records were dropped"
        )
    if head.count == 0:
        return None if head.hash is None else "anchor of an empty ledger carries a hash"
    actual = records[head.count - 1].get("hash")
    if actual != head.hash:
        return (
            f"anchor says record {head.count} hashed {head.hash} but the ledger has "
            f"{actual}: the ledger was rewritten"
        )
    return None

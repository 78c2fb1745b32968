"""The release ledger ``<state>/releases.json``: append-only and hash-chained.

File shape: ``{"format": "shipline-ledger/1", "records": [...]}``. Every
record carries ``recordType`` (the models in :mod:`shipline.domain.provenance.ledger_schema`),
``prevHash`` (the previous record's ``hash``; ``null`` for the first) and
``hash``: SHA-256 over the RFC 8785 canonical JSON of the record without its
``hash`` key. A release record is never edited: later facts (publish,
review, level) are new records that name the release record's hash.

Why each guard exists:

- Appends take an exclusive ``fcntl`` lock on ``releases.json.lock`` (a side
  file, so the atomic rename of the ledger never swaps the locked inode),
  re-read and re-verify the whole chain under the lock, then write a temp
  file, fsync, rename and fsync the folder (:func:`shipline.domain.jsonio.write_atomic`).
  Six processes appending concurrently keep one intact chain.
- Parsing is strict (UTF-8, no duplicate keys, no NaN, a size cap) because a
  lenient parser would let two readers see two different ledgers.
- A chain cannot show a dropped tail or a wholly rewritten file, so the head
  (count and hash) is *anchored* outside it: in each release's signed
  statement and annotated tag message (:func:`anchor_trailer`). ``verify``
  checks every anchor against the ledger's prefix.

Errors: a ledger that does not parse or has a malformed record is exit 94
(format invalid); a record whose hash or ``prevHash`` does not match is
exit 93 (digest mismatch); a version already recorded is exit 51.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipline.domain.errors import (
    AttestationInvalid,
    DigestMismatch,
    ReleaseExists,
    ReleaseInProgress,
)
from shipline.domain.jsonio import StrictJSONError, loads_strict, write_atomic
from shipline.domain.provenance.ledger_chain import (
    ANCHOR_KEY,
    LedgerHead,
    anchor_trailer,
    canonical_json,
    now_rfc3339,
    parse_anchor,
    prefix_problem,
    record_hash,
)

APPEND_HINT = (
    "releases.json changed during the run or the record is malformed: restore releases.json"
    " from a backup, then report this"
)

__all__ = [
    "ANCHOR_KEY",
    "FORMAT",
    "LEDGER_FILE",
    "LOCK_FILE",
    "LOCK_TIMEOUT",
    "MAX_BYTES",
    "ChainIssue",
    "Ledger",
    "LedgerHead",
    "anchor_trailer",
    "append",
    "canonical_json",
    "chain_issues",
    "ledger_anchor",
    "ledger_path",
    "load",
    "locked",
    "now_rfc3339",
    "parse_anchor",
    "parse_ledger",
    "prefix_problem",
    "record_hash",
    "record_package",
    "seal",
    "serialize",
    "split_package_version",
    "validate_record",
]

LEDGER_FILE = "releases.json"
LOCK_FILE = "releases.json.lock"
FORMAT = "shipline-ledger/1"
MAX_BYTES = 512 * 1024 * 1024
LOCK_TIMEOUT = 60.0
_RESTORE_HINT = "restore releases.json from a backup or version control; never edit it by hand"


# --- reading ------------------------------------------------------------------


@dataclass(frozen=True)
class ChainIssue:
    """One broken link of the hash chain (``index`` is 0-based)."""

    index: int
    message: str
    code: int


@dataclass
class Ledger:
    path: Path
    records: list[dict[str, Any]]

    def head(self) -> LedgerHead:
        return LedgerHead(len(self.records), self.records[-1]["hash"] if self.records else None)

    def releases(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("recordType") == "release"]

    def find_release(
        self, version: str, package: str | None = None
    ) -> tuple[int, dict[str, Any]] | None:
        """The index and record of ``version``'s release record; in a
        workspace, of ``package``'s (``metadata.links.package``)."""
        for index, record in enumerate(self.records):
            if (
                record.get("recordType") == "release"
                and record.get("version") == version
                and record_package(record) == package
            ):
                return index, record
        return None


def record_package(record: dict[str, Any]) -> str | None:
    """The workspace package a release record is about (``None``: the
    repository's one package)."""
    links = (record.get("metadata") or {}).get("links") or {}
    package = links.get("package") if isinstance(links, dict) else None
    return package if isinstance(package, str) else None


def record_label(record: dict[str, Any]) -> str:
    """How messages name a release record: ``@acme/cli@3.0.2`` for a
    workspace package's, the bare version for the repository's one."""
    package = record_package(record)
    return f"{package}@{record['version']}" if package else str(record["version"])


def split_package_version(text: str) -> tuple[str | None, str]:
    """``@acme/cli@3.0.2`` → (``@acme/cli``, ``3.0.2``); ``v1.2.0`` → (None, ``v1.2.0``)."""
    head, at, tail = text.rpartition("@")
    if at and head and head != "@" and not head.endswith("/"):
        return head, tail
    return None, text


def ledger_path(state_dir: Path) -> Path:
    return state_dir / LEDGER_FILE


def parse_ledger(data: bytes, source: str) -> list[dict[str, Any]]:
    """Strictly parse and schema-check a ledger file's bytes (exit 94)."""
    with _gc_paused():
        return _parse(data, source)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Bulk-loading 10,000 records allocates ~1M objects that all stay alive;
    the cyclic collector would rescan them over and over (twice the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(data: bytes, source: str) -> list[dict[str, Any]]:
    if len(data) > MAX_BYTES:
        raise AttestationInvalid(
            f"{source}: {len(data)} bytes exceeds the {MAX_BYTES}-byte cap", hint=_RESTORE_HINT
        )
    try:
        doc = loads_strict(data)
    except StrictJSONError as exc:
        raise AttestationInvalid(
            f"{source}: not a valid ledger: {exc}", hint=_RESTORE_HINT
        ) from None
    if (
        not isinstance(doc, dict)
        or set(doc) != {"format", "records"}
        or doc["format"] != FORMAT
        or not isinstance(doc["records"], list)
    ):
        raise AttestationInvalid(
            f"{source}: not a {FORMAT} ledger (expected an object with exactly "
            '"format" and "records")',
            hint=_RESTORE_HINT,
        )
    for index, record in enumerate(doc["records"]):
        problem = validate_record(record)
        if problem:
            raise AttestationInvalid(f"{source}: record {index + 1}: {problem}", hint=_RESTORE_HINT)
    return doc["records"]


def chain_issues(records: list[dict[str, Any]]) -> list[ChainIssue]:
    """Every broken hash or ``prevHash`` link (93) and every later record
    that names a release record which is not before it (94). ``records``
    must be schema-checked (as :func:`parse_ledger` returns them)."""
    issues: list[ChainIssue] = []
    previous: str | None = None
    releases: dict[str, str] = {}
    by_version: dict[str, set[str]] = {}
    for index, record in enumerate(records):
        stored = record.get("hash")
        if record.get("prevHash") != previous:
            issues.append(
                ChainIssue(
                    index,
                    f"record {index + 1} prevHash "
                    f"{record.get('prevHash')} != previous hash {previous}: "
                    "a record was edited, reordered, inserted or deleted",
                    93,
                )
            )
        try:
            actual = record_hash(record, schema_checked=True)
        except ValueError as exc:
            issues.append(ChainIssue(index, f"record {index + 1} cannot be hashed: {exc}", 94))
            previous = stored
            continue
        if stored != actual:
            issues.append(
                ChainIssue(
                    index,
                    f"record {index + 1} "
                    f"({record.get('recordType')} {record.get('version')}) "
                    f"hash {stored} != recomputed {actual}: it was edited",
                    93,
                )
            )
        previous = stored
        if record.get("recordType") == "release":
            package = record_package(record)
            identity = (
                f"{package}@{record.get('version')}"
                if package
                else f"version {record.get('version')}"
            )
            if identity in releases:
                issues.append(
                    ChainIssue(index, f"record {index + 1}: {identity} recorded twice", 94)
                )
            releases[identity] = stored or ""
            by_version.setdefault(str(record.get("version")), set()).add(stored or "")
        elif record.get("releaseHash") not in by_version.get(str(record.get("version", "")), set()):
            issues.append(
                ChainIssue(
                    index,
                    f"record {index + 1} ({record.get('recordType')}) "
                    f"refers to release {record.get('version')} with hash "
                    f"{record.get('releaseHash')}, which is not an earlier "
                    "release record",
                    94,
                )
            )
    return issues


def load(state_dir: Path, *, verify_chain: bool = True) -> Ledger:
    """Read the ledger (an absent file is an empty ledger). With
    ``verify_chain`` a broken chain raises its first issue's error."""
    path = ledger_path(state_dir)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return Ledger(path, [])
    records = parse_ledger(data, str(path))
    if verify_chain:
        issues = chain_issues(records)
        if issues:
            first = issues[0]
            error = DigestMismatch if first.code == 93 else AttestationInvalid
            raise error(f"{path}: {first.message}", hint=_RESTORE_HINT)
    return Ledger(path, records)


# --- writing ------------------------------------------------------------------


@contextmanager
def locked(state_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the ledger's exclusive lock (a side file, never renamed)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ReleaseInProgress(
                        f"{state_dir / LOCK_FILE}: another shipline process has held the "
                        f"ledger lock for {timeout:g} s",
                        hint="wait for it to finish, or find the stuck process",
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def serialize(records: list[dict[str, Any]]) -> bytes:
    """One compact record per line: greppable, diffable, and a third
    smaller (and faster to parse) than indented JSON."""
    lines = ",\n".join(
        json.dumps(r, ensure_ascii=False, allow_nan=False, separators=(",", ":")) for r in records
    )
    body = f"\n{lines}\n" if records else ""
    return f'{{"format":"{FORMAT}","records":[{body}]}}\n'.encode()


def seal(record: dict[str, Any], prev_hash: str | None) -> dict[str, Any]:
    """``record`` with ``prevHash`` and ``hash`` set (keys in stored order)."""
    body = {k: v for k, v in record.items() if k not in ("prevHash", "hash")}
    body["prevHash"] = prev_hash
    body["hash"] = record_hash(body)
    return body


def append(
    state_dir: Path, record: dict[str, Any], check: Callable[[Ledger], None] | None = None
) -> dict[str, Any]:
    """Append ``record`` (without ``prevHash``/``hash``) and return it sealed.

    Under the lock: the chain is re-verified, a second release record for a
    version is refused (51), ``check`` runs against the current ledger (the
    caller's last word, e.g. that its anchor still describes a prefix), and
    the new record is schema-checked before anything is written.
    """
    with locked(state_dir):
        ledger = load(state_dir)
        package = record_package(record)
        if (
            record.get("recordType") == "release"
            and ledger.find_release(record.get("version", ""), package) is not None
        ):
            what = (
                f"{package}@{record.get('version')}"
                if package
                else f"version {record.get('version')}"
            )
            raise ReleaseExists(
                f"{ledger.path}: {what} is already recorded",
                hint="a release is recorded once; ship a new version",
            )
        if check is not None:
            check(ledger)
        sealed = seal(record, ledger.head().hash)
        problem = validate_record(sealed)
        if problem:
            raise AttestationInvalid(
                f"refusing to append an invalid record: {problem}", hint=APPEND_HINT
            )
        issues = chain_issues([*ledger.records, sealed])
        if issues:
            raise AttestationInvalid(f"refusing to append: {issues[-1].message}", hint=APPEND_HINT)
        write_atomic(ledger.path, serialize([*ledger.records, sealed]))
    return sealed


def validate_record(record: Any) -> str | None:
    """What is wrong with ``record`` (key path and reason), or ``None``.
    The record models live in :mod:`shipline.domain.provenance.ledger_schema`, imported on the
    first validation (building them costs more than reading a ledger)."""
    from shipline.domain.provenance.ledger_schema import validate_record as validate

    return validate(record)


def ledger_anchor(state_dir: Path) -> str:
    """The trailer that anchors the current ledger head in a tag message."""
    return anchor_trailer(load(state_dir).head())

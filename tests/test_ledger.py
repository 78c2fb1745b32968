"""The ledger file itself: canonical JSON identical to RFC 8785, the hash
chain, strict parsing, the lock, atomic appends from several processes at
once, and the anchor that exposes a dropped tail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shipline.domain.errors import (
    AttestationInvalid,
    DigestMismatch,
    ReleaseExists,
    ReleaseInProgress,
)
from shipline.domain.provenance import ledger

COMMIT = "a" * 40


def release_record(version: str) -> dict[str, Any]:
    """A minimal valid release record (every field present, unknowns null)."""
    return {
        "recordType": "release",
        "version": version,
        "commitSha": COMMIT,
        "gitTag": None,
        "buildInvocationId": None,
        "builder": None,
        "artifacts": [],
        "sbom": None,
        "slsaLevel": None,
        "chainVerified": True,
        "ledgerHead": {"count": 0, "hash": None},
        "metadata": {
            "completeness": "complete",
            "declaredLevel": None,
            "shortfall": None,
            "missing": [],
            "links": {},
        },
        "recordedAt": "2026-01-01T00:00:00Z",
    }


# --- canonical JSON -------------------------------------------------------------------

ADVERSARIAL = [
    {"b": 1, "a": [True, False, None], "c": {"z": "", "y": "\u0000\u001f\u007f"}},
    {"quote": '"\\/\b\f\n\r\t', "unicode": "é漢字🚀\u2028\u2029", "emoji-key": "x"},
    {"big": 2**53 - 1, "neg": -(2**53 - 1), "zero": 0, "list": [[], {}, [{}]]},
    {"lone": "\ud800"[:0] + "a\u00a0b", "ctl": "".join(chr(i) for i in range(32))},
    ["top", "level", {"k": "v"}],
]


@pytest.mark.parametrize("value", ADVERSARIAL)
def test_canonical_json_is_rfc8785(value: Any) -> None:
    import rfc8785

    assert ledger.canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("value", [{"f": 1.5}, {"é": 1}, {"e": 1e21}, {"n": -0.0}])
def test_values_outside_the_plain_subset_use_rfc8785(value: Any) -> None:
    import rfc8785

    assert ledger.canonical_json(value) == rfc8785.dumps(value)


def test_integers_beyond_i_json_are_refused() -> None:
    import rfc8785

    with pytest.raises(rfc8785.IntegerDomainError):
        ledger.canonical_json({"big": 2**60})


def test_fast_hash_of_a_schema_checked_record_matches_the_reference() -> None:
    sealed = ledger.seal(release_record("1.0.0") | {"version": "1.0.0-ünïcode"}, None)
    assert ledger.record_hash(sealed, schema_checked=True) == ledger.record_hash(sealed)
    import hashlib

    import rfc8785

    body = {k: v for k, v in sealed.items() if k != "hash"}
    assert sealed["hash"] == hashlib.sha256(rfc8785.dumps(body)).hexdigest()


# --- appending -----------------------------------------------------------------------------


def test_appends_chain_records_and_survive_a_reload(tmp_path: Path) -> None:
    first = ledger.append(tmp_path, release_record("1.0.0"))
    second = ledger.append(tmp_path, release_record("1.1.0"))
    assert first["prevHash"] is None and second["prevHash"] == first["hash"]
    book = ledger.load(tmp_path)
    assert [r["version"] for r in book.records] == ["1.0.0", "1.1.0"]
    assert book.head() == ledger.LedgerHead(2, second["hash"])
    raw = (tmp_path / "releases.json").read_text()
    assert raw.startswith('{"format":"shipline-ledger/1","records":[\n')
    assert len(raw.splitlines()) == 4  # one record per line
    assert not list(tmp_path.glob(".releases.json.*"))  # no temp file left behind


def test_second_release_of_a_version_is_51_and_changes_nothing(tmp_path: Path) -> None:
    ledger.append(tmp_path, release_record("1.0.0"))
    before = (tmp_path / "releases.json").read_bytes()
    with pytest.raises(ReleaseExists, match=r"1\.0\.0 is already recorded"):
        ledger.append(tmp_path, release_record("1.0.0"))
    assert (tmp_path / "releases.json").read_bytes() == before


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"commitSha": "xyz"}, "commitSha"),
        ({"slsaLevel": "SLSA_BUILD_LEVEL_0"}, "slsaLevel"),
        ({"unknown": 1}, "unknown"),
        ({"gitTag": 5}, "gitTag"),
    ],
)
def test_invalid_record_is_refused_before_writing(
    tmp_path: Path, change: dict[str, Any], where: str
) -> None:
    ledger.append(tmp_path, release_record("1.0.0"))
    before = (tmp_path / "releases.json").read_bytes()
    with pytest.raises(AttestationInvalid, match=where):
        ledger.append(tmp_path, release_record("2.0.0") | change)
    assert (tmp_path / "releases.json").read_bytes() == before


def test_missing_field_is_refused(tmp_path: Path) -> None:
    record = release_record("1.0.0")
    del record["sbom"]
    with pytest.raises(AttestationInvalid, match="sbom"):
        ledger.append(tmp_path, record)
    assert not (tmp_path / "releases.json").exists()


def test_a_failing_check_under_the_lock_writes_nothing(tmp_path: Path) -> None:
    ledger.append(tmp_path, release_record("1.0.0"))
    before = (tmp_path / "releases.json").read_bytes()

    def anchor_moved(book: ledger.Ledger) -> None:
        raise DigestMismatch("the anchor no longer holds")

    with pytest.raises(DigestMismatch):
        ledger.append(tmp_path, release_record("2.0.0"), check=anchor_moved)
    assert (tmp_path / "releases.json").read_bytes() == before


def test_append_to_a_tampered_ledger_is_refused(tmp_path: Path) -> None:
    ledger.append(tmp_path, release_record("1.0.0"))
    path = tmp_path / "releases.json"
    path.write_bytes(path.read_bytes().replace(b'"chainVerified":true', b'"chainVerified":false'))
    tampered = path.read_bytes()
    with pytest.raises(DigestMismatch, match="edited"):
        ledger.append(tmp_path, release_record("2.0.0"))
    assert path.read_bytes() == tampered


def test_lock_held_elsewhere_is_52(tmp_path: Path) -> None:
    with (
        ledger.locked(tmp_path),
        pytest.raises(ReleaseInProgress, match="ledger lock"),
        ledger.locked(tmp_path, timeout=0.2),
    ):
        pass


_APPENDER = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_ledger import release_record
from shipline.domain.provenance import ledger
state, worker = Path(sys.argv[1]), sys.argv[2]
for i in range(20):
    ledger.append(state, release_record(f"{{worker}}.{{i}}.0"))
"""


def test_six_processes_appending_at_once_keep_one_intact_chain(tmp_path: Path) -> None:
    script = _APPENDER.format(tests=str(Path(__file__).parent))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path), str(worker)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(1, 7)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    book = ledger.load(tmp_path)  # raises on any broken link
    assert len(book.records) == 120
    assert ledger.chain_issues(book.records) == []
    assert {r["version"] for r in book.records} == {
        f"{w}.{i}.0" for w in range(1, 7) for i in range(20)
    }


# --- strict parsing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'{"format":"shipline-ledger/1","records":[', "not a valid ledger"),
        (b'{"format":"shipline-ledger/1","records":[]}\xff', "not UTF-8"),
        (b'{"format":"shipline-ledger/1","format":"x","records":[]}', "duplicate key"),
        (b'{"format":"shipline-ledger/2","records":[]}', "not a shipline-ledger/1 ledger"),
        (b'{"format":"shipline-ledger/1","records":[{"recordType":"release"}]}', "record 1"),
        (b"[]", "not a shipline-ledger/1 ledger"),
    ],
)
def test_strict_parsing_refuses_with_94(tmp_path: Path, data: bytes, words: str) -> None:
    (tmp_path / "releases.json").write_bytes(data)
    with pytest.raises(AttestationInvalid, match=words) as info:
        ledger.load(tmp_path)
    assert info.value.code == 94


def test_absent_ledger_is_empty(tmp_path: Path) -> None:
    book = ledger.load(tmp_path)
    assert book.records == [] and book.head() == ledger.LedgerHead(0, None)


# --- the anchor ----------------------------------------------------------------------------


def test_anchor_trailer_round_trips_and_checks_prefixes(tmp_path: Path) -> None:
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        ledger.append(tmp_path, release_record(version))
    records = ledger.load(tmp_path).records
    head = ledger.LedgerHead(2, records[1]["hash"])
    message = f"Release v1.2.0\n\n{ledger.anchor_trailer(head)}\n"
    assert ledger.parse_anchor(message) == head
    assert ledger.parse_anchor("Release v1.2.0") is None
    assert ledger.parse_anchor(
        ledger.anchor_trailer(ledger.LedgerHead(0, None))
    ) == ledger.LedgerHead(0, None)
    assert ledger.prefix_problem(records, head) is None
    assert "dropped" in ledger.prefix_problem(records[:1], head)
    assert "rewritten" in ledger.prefix_problem(
        [ledger.seal(records[0] | {"version": "0.9.0"}, None), *records[1:]],
        ledger.LedgerHead(1, records[0]["hash"]),
    )


def test_statement_ledger_head_rejects_inconsistent_values() -> None:
    for bad in (
        {"count": 0, "hash": "a" * 64},
        {"count": 2, "hash": None},
        {"count": -1, "hash": None},
        {"count": 1},
        "1 abc",
    ):
        with pytest.raises(ValueError):
            ledger.LedgerHead.from_json(bad)


def test_verify_all_of_a_large_ledger_reads_it_once(tmp_path: Path) -> None:
    """A ledger of 2,000 source-only releases: one chain walk, no quadratic
    scan (the 10,000-record figure comes from bench/verify_ledger.py)."""
    import time

    from shipline.domain.provenance.verify import verify_provenance_chain

    records, previous = [], None
    for i in range(2000):
        sealed = ledger.seal(release_record(f"1.{i}.0"), previous)
        records.append(sealed)
        previous = sealed["hash"]
    (tmp_path / "releases.json").write_bytes(ledger.serialize(records))
    started = time.perf_counter()
    report = verify_provenance_chain(tmp_path, all=True, repo=tmp_path)
    took = time.perf_counter() - started
    assert report.ok and len(report.versions) == 2000
    assert took < 2.0, took
    data = json.loads((tmp_path / "releases.json").read_text())
    assert len(data["records"]) == 2000


def test_lone_surrogate_in_a_record_is_94_not_a_crash(tmp_path: Path) -> None:
    from shipline.domain.provenance.verify import verify_provenance_chain

    ledger.append(tmp_path, release_record("1.0.0"))
    path = tmp_path / "releases.json"
    path.write_bytes(path.read_bytes().replace(b'"1.0.0"', b'"1.0.0\\ud800"'))
    with pytest.raises(AttestationInvalid, match="surrogate"):
        ledger.load(tmp_path)
    report = verify_provenance_chain(tmp_path, all=True, repo=tmp_path)
    assert report.code == 94 and "surrogate" in report.failures[0].detail

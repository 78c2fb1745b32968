"""Every attack of SPEC section 9 / toolchain.md against two real gpg-signed
releases, each caught by ``shipline verify`` with its exit code and a
message naming the failing link; verify itself changes nothing."""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from test_attest_verify import artifact, attest_ok, configure, ledger_records, state_files

from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401

VERSIONS = ("1.0.0", "1.1.0")


@pytest.fixture
def released(cli, repo: Repo, gpg_key: GpgKey) -> Repo:
    """Two tagged, attested, gpg-signed releases; each tag anchors the ledger
    head as it stood before its release."""
    configure(repo)
    for version in VERSIONS:
        repo.commit(f"feat: work for {version}")
        records = ledger_records(repo) if (repo.path / ".shipline/releases.json").exists() else []
        anchor = f"{len(records)} {records[-1]['hash']}" if records else "0 none"
        repo.tag(f"v{version}", f"Release v{version}\n\nShipline-Ledger-Head: {anchor}\n")
        attest_ok(
            cli,
            repo,
            version,
            artifact(repo, f"demo-{version}.tar.gz", f"release {version}\n".encode()),
        )
    return repo


def release(repo: Repo, version: str) -> dict[str, Any]:
    return next(r for r in ledger_records(repo) if r["version"] == version)


def envelope_path(repo: Repo, version: str) -> Path:
    return repo.path / release(repo, version)["artifacts"][0]["attestation"]


def asc_path(repo: Repo, version: str) -> Path:
    return repo.path / release(repo, version)["artifacts"][0]["signature"]["signature"]


def rewrite_ledger(
    repo: Repo, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
) -> None:
    from shipline.domain.provenance.ledger import serialize

    path = repo.path / ".shipline" / "releases.json"
    path.write_bytes(serialize(change(ledger_records(repo))))


def resign(
    repo: Repo,
    version: str,
    mutate: Callable[[dict[str, Any]], None],
    key_env: dict[str, str] | None = None,
) -> None:
    """Re-sign ``version``'s statement after ``mutate``, with a real key (the
    release key unless ``key_env`` names another): a valid signature over a
    statement that says something else."""
    from shipline.domain.provenance import attestation as att
    from shipline.domain.signing import envelope as signing

    path = envelope_path(repo, version)
    statement = att.decode_envelope(json.loads(path.read_text()))
    mutate(statement)
    payload = att.encode_payload(statement)
    env = dict(os.environ) | (key_env or {})
    plan = signing.plan_signing(
        "gpg",
        False,
        None,
        "SLSA_BUILD_LEVEL_2",
        repo=repo.path,
        state_dir=repo.path / ".shipline",
        env=env,
    )
    signed = signing.sign(
        plan,
        statement,
        payload,
        attestation=path,
        keys_dir=repo.path / ".shipline" / "keys",
        env=env,
        relative=lambda p: str(p),
        signed_at="2026-01-01T00:00:00Z",
    )
    path.write_text(json.dumps(signed.envelope) + "\n")
    for extra, data in signed.files.items():
        if extra.suffix == ".asc":
            extra.write_bytes(data)


def caught(cli, repo: Repo, target: str, code: int, *words: str) -> None:
    before = state_files(repo)
    result = cli(
        "-C",
        repo.path,
        "--output",
        "json",
        "verify",
        *(["--all"] if target == "--all" else [target]),
    )
    assert result.code == code, (result.out, result.err)
    error = next(e for e in result.json_lines() if e["kind"] == "error")
    assert error["code"] == code
    for word in words:
        assert word in error["message"], error["message"]
    assert result.summary["data"]["failures"][0]["code"] == code
    assert "Traceback" not in result.out + result.err
    assert state_files(repo) == before  # verify never writes
    text = cli("-C", repo.path, "verify", *(["--all"] if target == "--all" else [target]))
    assert text.code == code and f"error {code}" in text.err and "verify failed at" in text.err


def test_untouched_releases_verify(cli, released: Repo) -> None:
    result = cli("-C", released.path, "--output", "json", "verify", "--all")
    assert result.code == 0, result.err
    assert result.summary["data"]["versions"] == list(VERSIONS)


# --- artifacts and statements ------------------------------------------------------


def test_flipped_artifact_byte_is_93(cli, released: Repo) -> None:
    path = released.path / "dist" / "demo-1.1.0.tar.gz"
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    caught(cli, released, "1.1.0", 93, "artifact link", "demo-1.1.0.tar.gz", "SHA-256")


def test_renamed_subject_is_94(cli, released: Repo) -> None:
    def rename(statement: dict[str, Any]) -> None:
        statement["subject"][0]["name"] = "evil-1.1.0.tar.gz"

    resign(released, "1.1.0", rename)
    caught(cli, released, "1.1.0", 94, "no subject named", "demo-1.1.0.tar.gz")


def test_subject_with_another_digest_is_93(cli, released: Repo) -> None:
    def redigest(statement: dict[str, Any]) -> None:
        statement["subject"][0]["digest"]["sha256"] = "0" * 64

    resign(released, "1.1.0", redigest)
    caught(cli, released, "1.1.0", 93, "binds demo-1.1.0.tar.gz to 000")


def test_replayed_statement_of_another_version_is_94(cli, released: Repo) -> None:
    shutil.copyfile(envelope_path(released, "1.0.0"), envelope_path(released, "1.1.0"))
    shutil.copyfile(asc_path(released, "1.0.0"), asc_path(released, "1.1.0"))
    caught(cli, released, "1.1.0", 94, "version 1.0.0, not 1.1.0", "replayed")


def test_signature_by_another_key_is_92(
    cli, released: Repo, gpg_home: GpgHome, gpg_key: GpgKey
) -> None:
    """The attacker re-signs with their own key and even swaps the pinned
    public key file: the recorded fingerprint still decides."""
    mallory = gpg_home.generate("Mallory <m@example.com>")
    resign(released, "1.1.0", lambda s: None, {"GPG_KEY_ID": mallory.fingerprint})
    pinned = released.path / release(released, "1.1.0")["artifacts"][0]["signature"]["publicKey"]
    mallory.export_public(pinned, armor=False)
    caught(
        cli,
        released,
        "1.1.0",
        92,
        "signature link",
        mallory.fingerprint,
        f"not the expected key {gpg_key.fingerprint}",
    )


def test_edited_payload_is_92(cli, released: Repo) -> None:
    path = envelope_path(released, "1.1.0")
    envelope = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["runDetails"]["builder"]["id"] = "https://evil.example/builder"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    path.write_text(json.dumps(envelope) + "\n")
    caught(cli, released, "1.1.0", 92, "signature link", "BADSIG")


def test_junk_signature_is_92(cli, released: Repo) -> None:
    path = envelope_path(released, "1.1.0")
    envelope = json.loads(path.read_text())
    envelope["signatures"][0]["sig"] = base64.b64encode(os.urandom(96)).decode()
    path.write_text(json.dumps(envelope) + "\n")
    caught(cli, released, "1.1.0", 92, "signature link")


def test_deleted_pinned_key_is_92(cli, released: Repo) -> None:
    pinned = released.path / release(released, "1.0.0")["artifacts"][0]["signature"]["publicKey"]
    pinned.unlink()
    caught(cli, released, "1.0.0", 92, "pinned public key", "missing")


def test_deleted_attestation_is_94(cli, released: Repo) -> None:
    envelope_path(released, "1.0.0").unlink()
    caught(cli, released, "1.0.0", 94, "attestation link", "missing")


def test_attestation_that_is_not_in_toto_is_94(cli, released: Repo) -> None:
    path = envelope_path(released, "1.1.0")
    envelope = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["_type"] = "https://in-toto.io/Statement/v0.1"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    path.write_text(json.dumps(envelope) + "\n")
    caught(cli, released, "1.1.0", 94, "_type")


# --- the ledger -------------------------------------------------------------------------


def test_edited_ledger_record_is_93(cli, released: Repo) -> None:
    def edit(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        records[0]["slsaLevel"] = "SLSA_BUILD_LEVEL_3"
        return records

    rewrite_ledger(released, edit)
    caught(cli, released, "--all", 93, "ledger link", "record 1", "edited")


def test_edited_and_resealed_record_breaks_the_next_link_93(cli, released: Repo) -> None:
    from shipline.domain.provenance.ledger import seal

    def edit(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        records[0]["slsaLevel"] = "SLSA_BUILD_LEVEL_3"
        records[0] = seal(records[0], None)
        return records

    rewrite_ledger(released, edit)
    caught(cli, released, "--all", 93, "record 2 prevHash")


def test_reordered_ledger_records_are_93(cli, released: Repo) -> None:
    rewrite_ledger(released, lambda records: list(reversed(records)))
    caught(cli, released, "--all", 93, "ledger link", "reordered")


def test_deleted_ledger_record_is_93(cli, released: Repo) -> None:
    rewrite_ledger(released, lambda records: records[1:])
    caught(cli, released, "--all", 93, "record 1 prevHash")


def test_dropped_ledger_tail_is_caught_by_the_tag_anchor_93(cli, released: Repo) -> None:
    """The thorough attacker drops the last record *and* its attestation
    files: the chain is intact, but tag v1.1.0 anchors a release that the
    ledger no longer has."""
    envelope_path(released, "1.1.0").unlink()
    asc_path(released, "1.1.0").unlink()
    rewrite_ledger(released, lambda records: records[:1])
    caught(cli, released, "--all", 93, "anchor link", "v1.1.0", "tail was dropped")


def test_dropped_ledger_tail_with_its_attestation_left_is_93(cli, released: Repo) -> None:
    released.git("tag", "-d", "v1.1.0")
    rewrite_ledger(released, lambda records: records[:1])
    caught(cli, released, "--all", 93, "anchor link", "version 1.1.0 has no release record")


def test_rewritten_ledger_is_caught_by_the_signed_anchor_93(cli, released: Repo) -> None:
    """A wholly rewritten, internally consistent ledger (release 1.0.0
    removed, 1.1.0 resealed as the first record): 1.1.0's signed statement
    says one record preceded it."""
    from shipline.domain.provenance.ledger import seal

    released.git("tag", "-d", "v1.0.0")
    envelope_path(released, "1.0.0").unlink()
    rewrite_ledger(released, lambda records: [seal(records[1], None)])
    caught(cli, released, "--all", 93, "anchor link", "records were dropped")


@pytest.mark.parametrize(
    ("name", "corrupt", "words"),
    [
        ("truncated", lambda data: data[: len(data) // 2], "not a valid ledger"),
        ("non-utf8", lambda data: data.replace(b"demo-1.0.0", b"demo-\xff.0.0"), "not UTF-8"),
        (
            "duplicate key",
            lambda data: data.replace(
                b'"recordType":"release",', b'"recordType":"release","recordType":"release",', 1
            ),
            "duplicate key",
        ),
        ("NaN", lambda data: data.replace(b'"size":', b'"size":NaN,"x":', 1), "NaN"),
        (
            "unknown field",
            lambda data: data.replace(
                b'"recordType":"release",', b'"recordType":"release","extra":1,', 1
            ),
            "extra",
        ),
    ],
)
def test_malformed_ledger_is_94(cli, released: Repo, name: str, corrupt: Any, words: str) -> None:
    path = released.path / ".shipline" / "releases.json"
    path.write_bytes(corrupt(path.read_bytes()))
    caught(cli, released, "--all", 94, "ledger link", words)
    listed = cli("-C", released.path, "ledger")
    assert listed.code == 94 and words in listed.err


def test_ledger_command_reports_a_broken_chain(cli, released: Repo) -> None:
    rewrite_ledger(released, lambda records: list(reversed(records)))
    listed = cli("-C", released.path, "ledger")
    assert listed.code == 93 and "reordered" in listed.err
    assert "1.0.0" in listed.out and "1.1.0" in listed.out  # still shown, flagged


def test_record_downgraded_to_unsigned_and_resealed_is_94(cli, released: Repo) -> None:
    """The attacker rewrites the last record to say "unsigned, level 1" (so
    no signature would be checked) and reseals it: the chain holds, but the
    statement itself says it was signed with gpg."""
    from shipline.domain.provenance.ledger import seal
    from shipline.domain.signing.envelope import empty_block

    def downgrade(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        last = records[-1]
        for art in last["artifacts"]:
            art["signature"] = empty_block("none")
        last["slsaLevel"] = "SLSA_BUILD_LEVEL_1"
        records[-1] = seal(last, records[-2]["hash"])
        return records

    rewrite_ledger(released, downgrade)
    caught(cli, released, "1.1.0", 94, "signed with gpg", "downgraded")

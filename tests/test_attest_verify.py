"""``shipline attest`` then ``shipline verify`` / ``ledger`` end to end on
real repositories: gpg with real keys, keyed DSSE with a local key, unsigned
L1; and every refusal (90, 91, 51, 53, 2, 50) with its one-line message and
nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Repo

from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401

L1, L2, L3 = "SLSA_BUILD_LEVEL_1", "SLSA_BUILD_LEVEL_2", "SLSA_BUILD_LEVEL_3"
RECORD_KEYS = {
    "recordType",
    "version",
    "commitSha",
    "gitTag",
    "buildInvocationId",
    "builder",
    "artifacts",
    "sbom",
    "slsaLevel",
    "chainVerified",
    "ledgerHead",
    "metadata",
    "recordedAt",
    "prevHash",
    "hash",
}
ARTIFACT_KEYS = {
    "type",
    "name",
    "path",
    "sha256",
    "size",
    "registry",
    "publishedAt",
    "attestation",
    "signature",
}
SIGNATURE_KEYS = {
    "method",
    "keyless",
    "signed",
    "signedAt",
    "signature",
    "certificate",
    "bundle",
    "transparencyLog",
    "keyId",
    "fingerprint",
    "publicKey",
    "identity",
    "issuer",
}


def configure(repo: Repo, level: str = L2, method: str = "gpg", **signing: object) -> None:
    """Write the provenance config (uncommitted: attest does not need a clean tree)."""
    repo.write(
        ".shipline/config.json",
        json.dumps(
            {
                "release": {
                    "security": {
                        "provenance": {"level": level, "signing": {"method": method, **signing}}
                    }
                }
            }
        ),
    )


def artifact(repo: Repo, name: str = "demo-1.0.0.tar.gz", data: bytes = b"payload\n") -> Path:
    path = repo.path / "dist" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def state_files(repo: Repo) -> dict[str, bytes]:
    """Every file shipline keeps in the state dir except its config and lock."""
    state = repo.path / ".shipline"
    return {
        str(p.relative_to(state)): p.read_bytes()
        for p in sorted(state.rglob("*"))
        if p.is_file() and p.name not in ("config.json", "releases.json.lock")
    }


def ledger_records(repo: Repo) -> list[dict]:
    return json.loads((repo.path / ".shipline" / "releases.json").read_text())["records"]


def attest_ok(cli, repo: Repo, version: str, *files: Path, extra: tuple[str, ...] = ()) -> dict:
    sbom = () if "--sbom" in extra else ("--sbom", "none")
    result = cli(
        "-C", repo.path, "--output", "json", "attest", *files, "--version", version, *sbom, *extra
    )
    assert result.code == 0, (result.out, result.err)
    return result.summary["data"]


def refused(result, code: int, words: str) -> None:
    assert result.code == code, (result.out, result.err)
    assert words in result.err, result.err
    assert "Traceback" not in result.out + result.err


@pytest.fixture
def project(repo: Repo) -> Repo:
    repo.commit("feat: first", {"src/app.py": "print('hi')\n"})
    return repo


# --- gpg ---------------------------------------------------------------------------


def test_gpg_attest_records_every_field_and_verifies(cli, project: Repo, gpg_key: GpgKey) -> None:
    configure(project)
    wheel = artifact(project, "demo-1.0.0-py3-none-any.whl", b"wheel bytes")
    sdist = artifact(project, "demo-1.0.0.tar.gz", b"sdist bytes")
    data = attest_ok(cli, project, "v1.0.0", wheel, sdist)
    assert data["version"] == "1.0.0"
    assert data["slsaLevel"] == L1 and data["declaredLevel"] == L2
    assert "local" in data["shortfall"]  # declared L2, a local build reaches L1: flagged

    [record] = ledger_records(project)
    assert set(record) == RECORD_KEYS
    assert record["commitSha"] == project.git("rev-parse", "HEAD")
    assert record["gitTag"] is None and record["prevHash"] is None
    assert record["ledgerHead"] == {"count": 0, "hash": None}
    assert record["builder"]["id"].startswith("https://shipline.dev/local/")
    assert record["chainVerified"] is True
    assert record["metadata"]["missing"] == ["registry", "tag", "sbom"]
    for art in record["artifacts"]:
        assert set(art) == ARTIFACT_KEYS and set(art["signature"]) == SIGNATURE_KEYS
    import hashlib

    assert [(a["name"], a["sha256"], a["type"]) for a in record["artifacts"]] == [
        (
            "demo-1.0.0-py3-none-any.whl",
            hashlib.sha256(b"wheel bytes").hexdigest(),
            "python-package",
        ),
        ("demo-1.0.0.tar.gz", hashlib.sha256(b"sdist bytes").hexdigest(), "tarball"),
    ]
    sig = record["artifacts"][0]["signature"]
    assert sig["method"] == "gpg" and sig["signed"] and sig["fingerprint"] == gpg_key.fingerprint
    assert sig["keyId"] == "0x" + gpg_key.fingerprint[-16:]
    asc = project.path / sig["signature"]
    assert asc.read_text().startswith("-----BEGIN PGP SIGNATURE-----")
    assert (project.path / sig["publicKey"]).is_file()

    envelope = json.loads((project.path / record["artifacts"][0]["attestation"]).read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    assert envelope["signatures"][0]["keyid"] == gpg_key.fingerprint
    import base64

    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert {s["name"] for s in statement["subject"]} == {
        "demo-1.0.0-py3-none-any.whl",
        "demo-1.0.0.tar.gz",
    }
    build = statement["predicate"]["buildDefinition"]
    assert build["resolvedDependencies"][0]["digest"]["gitCommit"] == record["commitSha"]
    assert (
        statement["predicate"]["runDetails"]["metadata"]["invocationId"]
        == record["buildInvocationId"]
    )

    verified = cli("-C", project.path, "--output", "json", "verify", "1.0.0")
    assert verified.code == 0, verified.err
    data = verified.summary["data"]
    assert data["ok"] and data["versions"] == ["1.0.0"] and "failed" not in data["counts"]
    text = cli("-C", project.path, "verify", "--all")
    assert text.code == 0 and f"gpg {gpg_key.fingerprint}" in text.out


def test_gpg_signature_verifies_with_plain_gpgv(
    cli, project: Repo, gpg_key: GpgKey, tmp_path: Path
) -> None:
    """The .asc is a standard detached signature over the DSSE PAE: a
    consumer can check it with gpgv and nothing from shipline."""
    import base64
    import subprocess

    configure(project)
    attest_ok(cli, project, "1.0.0", artifact(project))
    record = ledger_records(project)[0]
    art = record["artifacts"][0]
    envelope = json.loads((project.path / art["attestation"]).read_text())
    payload = base64.b64decode(envelope["payload"])
    kind = b"application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)
    (tmp_path / "pae").write_bytes(pae)
    done = subprocess.run(
        [
            "gpgv",
            "--keyring",
            str(project.path / art["signature"]["publicKey"]),
            "--status-fd",
            "1",
            str(project.path / art["signature"]["signature"]),
            str(tmp_path / "pae"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and f"VALIDSIG {gpg_key.fingerprint}" in done.stdout


def test_gpg_passphrase_never_lands_anywhere(
    cli, project: Repo, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = gpg_home.generate("Protected <p@example.com>", passphrase="hunter2-very-secret")
    for name, value in key.env.items():
        monkeypatch.setenv(name, value)
    configure(project)
    result = cli(
        "-C",
        project.path,
        "--output",
        "json",
        "attest",
        artifact(project),
        "--version",
        "1.0.0",
        "--sbom",
        "none",
    )
    assert result.code == 0, result.err
    assert "hunter2-very-secret" not in result.out + result.err
    for data in state_files(project).values():
        assert b"hunter2-very-secret" not in data


def test_gpg_without_key_id_is_91_and_writes_nothing(cli, project: Repo, gpg_home: GpgHome) -> None:
    configure(project)
    result = cli("-C", project.path, "attest", artifact(project), "--version", "1.0.0")
    refused(result, 91, "GPG_KEY_ID")
    assert state_files(project) == {}


def test_gpg_key_id_not_in_keyring_is_91(
    cli, project: Repo, gpg_key: GpgKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GPG_KEY_ID", "0000000000000000DEADBEEF00000000DEADBEEF")
    configure(project)
    result = cli("-C", project.path, "attest", artifact(project), "--version", "1.0.0")
    refused(result, 91, "no secret signing key")
    assert state_files(project) == {}


# --- keyed DSSE and unsigned --------------------------------------------------------


def _ec_key(path: Path, password: bytes | None = None) -> Path:
    from cryptography.hazmat.primitives import serialization as s
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    enc = s.BestAvailableEncryption(password) if password else s.NoEncryption()
    path.write_bytes(key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, enc))
    return path


def test_keyed_dsse_with_a_local_key(
    cli, project: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no cosign: the securesystemslib path
    monkeypatch.setenv("COSIGN_PASSWORD", "keyed-pass-phrase")
    key = _ec_key(tmp_path / "cosign.key", b"keyed-pass-phrase")
    configure(project, method="sigstore", keyless=False, keyRef=str(key))
    result = cli(
        "-C",
        project.path,
        "--output",
        "json",
        "attest",
        artifact(project),
        "--version",
        "2.0.0",
        "--sbom",
        "none",
    )
    assert result.code == 0, result.err
    assert "keyed-pass-phrase" not in result.out
    sig = ledger_records(project)[0]["artifacts"][0]["signature"]
    assert sig["method"] == "sigstore" and not sig["keyless"] and sig["signed"]
    assert (project.path / sig["publicKey"]).read_text().startswith("-----BEGIN PUBLIC KEY")
    assert b"PRIVATE" not in b"".join(state_files(project).values())

    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    envelope = json.loads(
        (project.path / ".shipline/attestations/demo-1.0.0.tar.gz-2.0.0.intoto.jsonl").read_text()
    )
    public = SSlibKey.from_crypto(
        load_pem_public_key((project.path / sig["publicKey"]).read_bytes())
    )
    Envelope.from_dict(envelope).verify([public], 1)  # a standard DSSE signature
    verified = cli("-C", project.path, "verify", "2.0.0")
    assert verified.code == 0 and f"key {sig['keyId']}" in verified.out


def test_keyed_without_key_file_is_91(cli, project: Repo, tmp_path: Path) -> None:
    configure(project, method="sigstore", keyless=False, keyRef=str(tmp_path / "absent.key"))
    refused(
        cli("-C", project.path, "attest", artifact(project), "--version", "1.0.0"),
        91,
        "no such key file",
    )
    assert state_files(project) == {}


def test_keyed_without_key_ref_is_91(cli, project: Repo) -> None:
    configure(project, method="sigstore", keyless=False)
    refused(
        cli("-C", project.path, "attest", artifact(project), "--version", "1.0.0"),
        91,
        "keyRef is not set",
    )


def test_keyless_without_oidc_identity_is_91(cli, project: Repo) -> None:
    configure(project, level=L3, method="sigstore")
    refused(
        cli("-C", project.path, "attest", artifact(project), "--version", "1.0.0"),
        91,
        "no OIDC identity",
    )
    assert state_files(project) == {}


def test_none_above_level_one_is_90(cli, project: Repo) -> None:
    configure(project, level=L2, method="gpg")
    result = cli(
        "-C", project.path, "attest", artifact(project), "--version", "1.0.0", "--sign", "none"
    )
    refused(result, 90, "SLSA level 1 only")
    assert state_files(project) == {}


def test_none_at_level_one_records_an_unsigned_l1(cli, project: Repo) -> None:
    configure(project, level=L1, method="none")
    data = attest_ok(cli, project, "0.1.0", artifact(project))
    assert data["slsaLevel"] == L1 and data["shortfall"] is None
    record = ledger_records(project)[0]
    assert record["artifacts"][0]["signature"]["signed"] is False
    assert "signature" in record["metadata"]["missing"]
    verified = cli("-C", project.path, "verify", "0.1.0")
    assert verified.code == 0 and "unsigned" in verified.out


# --- refusals -------------------------------------------------------------------------


def test_second_attest_of_a_version_is_51(cli, project: Repo, gpg_key: GpgKey) -> None:
    configure(project)
    attest_ok(cli, project, "1.0.0", artifact(project))
    before = state_files(project)
    other = artifact(project, "other.tar.gz", b"other")
    refused(cli("-C", project.path, "attest", other, "--version", "v1.0.0"), 51, "already recorded")
    assert state_files(project) == before


@pytest.mark.parametrize("version", ["1.0", "latest", "v1.0.0.0", "01.2.3"])
def test_invalid_version_is_53(cli, project: Repo, gpg_key: GpgKey, version: str) -> None:
    configure(project)
    refused(
        cli("-C", project.path, "attest", artifact(project), "--version", version),
        53,
        "not a valid semantic version",
    )
    assert state_files(project) == {}


def test_missing_artifact_file_is_2(cli, project: Repo, gpg_key: GpgKey) -> None:
    configure(project)
    refused(
        cli("-C", project.path, "attest", project.path / "dist/nope.whl", "--version", "1.0.0"),
        2,
        "no such file",
    )
    assert state_files(project) == {}


def test_two_artifacts_with_one_name_is_94(cli, project: Repo, gpg_key: GpgKey) -> None:
    configure(project)
    one = artifact(project, "a.tar.gz", b"1")
    other = project.path / "build" / "a.tar.gz"
    other.parent.mkdir()
    other.write_bytes(b"2")
    refused(
        cli("-C", project.path, "attest", one, other, "--version", "1.0.0"), 94, "distinct names"
    )
    assert state_files(project) == {}


def test_verify_unknown_version_is_50(cli, project: Repo, gpg_key: GpgKey) -> None:
    configure(project)
    attest_ok(cli, project, "1.0.0", artifact(project))
    refused(cli("-C", project.path, "verify", "9.9.9"), 50, "no release 9.9.9")


def test_verify_needs_a_version_or_all(cli, project: Repo) -> None:
    result = cli("-C", project.path, "verify")
    assert result.code == 2 and "Traceback" not in result.err


# --- ledger listing and the tag anchor ------------------------------------------------


def test_ledger_lists_releases_as_text_and_json(cli, project: Repo, gpg_key: GpgKey) -> None:
    configure(project)
    empty = cli("-C", project.path, "ledger")
    assert empty.code == 0 and "no releases recorded" in empty.out
    attest_ok(cli, project, "1.0.0", artifact(project))
    project.commit("fix: second")
    attest_ok(cli, project, "1.0.1", artifact(project, "demo-1.0.1.tar.gz"))
    text = cli("-C", project.path, "ledger")
    assert text.code == 0
    lines = text.out.splitlines()
    assert lines[0].split()[:3] == ["VERSION", "TAG", "COMMIT"]
    assert [line.split()[0] for line in lines[1:]] == ["1.0.0", "1.0.1"]
    assert "gpg" in lines[1] and "L1" in lines[1]
    as_json = cli("-C", project.path, "ledger", "--output", "json")
    data = as_json.summary["data"]
    assert as_json.code == 0 and data["records"] == 2 and data["chainIntact"]
    records = ledger_records(project)
    assert data["head"] == {"count": 2, "hash": records[-1]["hash"]}
    assert records[1]["prevHash"] == records[0]["hash"]
    assert [r["version"] for r in data["releases"]] == ["1.0.0", "1.0.1"]


def test_attest_of_a_tagged_release_binds_the_tag_and_its_anchor(
    cli, project: Repo, gpg_key: GpgKey
) -> None:
    configure(project)
    attest_ok(cli, project, "1.0.0", artifact(project))
    head = ledger_records(project)[-1]["hash"]
    project.commit("feat: more")
    project.tag("v1.1.0", f"Release v1.1.0\n\nShipline-Ledger-Head: 1 {head}\n")
    project.commit("chore: after the tag")  # HEAD moved on: the tag's commit is attested
    attest_ok(cli, project, "1.1.0", artifact(project, "demo-1.1.0.tar.gz"))
    record = ledger_records(project)[-1]
    assert record["gitTag"] == "v1.1.0"
    assert record["commitSha"] == project.git("rev-parse", "v1.1.0^{commit}")
    assert record["ledgerHead"] == {"count": 1, "hash": head}
    assert cli("-C", project.path, "verify", "--all").code == 0


def test_subprocess_cli_attest_and_verify(project: Repo, gpg_key: GpgKey) -> None:
    """The real console script, as CI runs it."""
    from conftest import run_shipline

    configure(project)
    path = artifact(project)
    done = run_shipline("attest", path, "--version", "3.0.0", "--sbom", "none", cwd=project.path)
    assert done.code == 0, done.err
    checked = run_shipline("--output", "json", "verify", "--all", cwd=project.path)
    assert checked.code == 0 and checked.summary["data"]["versions"] == ["3.0.0"]


# --- SBOM ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "fmt", "spec", "suffix"),
    [
        ((), "CycloneDX", "1.6", ".cdx.json"),
        (("--sbom", "spdx"), "SPDX", "2.3", ".spdx.json"),
    ],
)
def test_sbom_is_recorded_bound_in_the_statement_and_verified(
    cli, project: Repo, gpg_key: GpgKey, flag: tuple[str, ...], fmt: str, spec: str, suffix: str
) -> None:
    import base64
    import hashlib

    project.write(
        "requirements.txt",
        "idna==3.7 \\\n    --hash=sha256:"
        "82fee1fc78add43492d3a1898bfa6d8a904cc97d8427f683ed8e798d07761aa0\n",
    )
    configure(project)
    done = cli("-C", project.path, "attest", artifact(project), "--version", "1.0.0", *flag)
    assert done.code == 0, done.err  # without --sbom: the config's format (CycloneDX 1.6)
    record = ledger_records(project)[0]
    sbom = record["sbom"]
    assert sbom["format"] == fmt and sbom["specVersion"] == spec
    path = project.path / sbom["path"]
    assert path.parent == project.path / ".shipline" / "sbom" and path.name.endswith(suffix)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sbom["sha256"]
    assert "idna" in path.read_text()
    assert "sbom" not in record["metadata"]["missing"]
    envelope = json.loads((project.path / record["artifacts"][0]["attestation"]).read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    [byproduct] = statement["predicate"]["runDetails"]["byproducts"]
    assert byproduct["digest"]["sha256"] == sbom["sha256"]

    assert cli("-C", project.path, "verify", "1.0.0").code == 0
    path.write_bytes(path.read_bytes().replace(b"idna", b"idnb"))
    tampered = cli("-C", project.path, "verify", "1.0.0")
    refused(tampered, 93, "sbom link")


# --- digests -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 256 << 10, (32 << 20) + 12345])
def test_streamed_digest_equals_hashlib_at_window_edges(tmp_path: Path, size: int) -> None:
    """Empty files are read, regular files mapped window by window (32 MiB):
    the digest is the same as hashing the whole content."""
    import hashlib

    from shipline.domain.digests import sha256_file

    data = (bytes(range(256)) * (size // 256 + 1))[:size]
    path = tmp_path / "blob"
    path.write_bytes(data)
    found = sha256_file(path)
    assert (found.sha256, found.size) == (hashlib.sha256(data).hexdigest(), size)


def test_digest_of_a_fifo_reads_it(tmp_path: Path) -> None:
    import hashlib
    import os
    import threading

    from shipline.domain.digests import sha256_file

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(b"streamed" * 1000))
    writer.start()
    found = sha256_file(fifo)
    writer.join()
    assert found.sha256 == hashlib.sha256(b"streamed" * 1000).hexdigest()


def test_attesting_a_directory_is_2(cli, project: Repo, gpg_key: GpgKey) -> None:
    configure(project)
    (project.path / "dist").mkdir()
    refused(
        cli(
            "-C",
            project.path,
            "attest",
            project.path / "dist",
            "--version",
            "1.0.0",
            "--sbom",
            "none",
        ),
        2,
        "is a directory",
    )
    assert state_files(project) == {}


# --- CI builders and the level they reach ---------------------------------------------


def test_gpg_on_a_github_hosted_runner_records_level_two(
    cli, project: Repo, gpg_key: GpgKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "RUNNER_ENVIRONMENT": "github-hosted",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "o/demo",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_ATTEMPT": "2",
    }.items():
        monkeypatch.setenv(name, value)
    configure(project, level=L3)
    data = attest_ok(cli, project, "1.0.0", artifact(project))
    assert data["slsaLevel"] == L2 and "transparency log" in data["shortfall"]
    record = ledger_records(project)[0]
    assert record["builder"] == {"id": "https://github.com/actions/runner/github-hosted"}
    assert record["buildInvocationId"] == "https://github.com/o/demo/actions/runs/4242/attempts/2"
    assert "signature.transparencyLog" in record["metadata"]["missing"]
    assert cli("-C", project.path, "verify", "1.0.0").code == 0


def test_gpg_key_with_passphrase_but_none_given_is_91(
    cli, project: Repo, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = gpg_home.generate("Locked <l@example.com>", passphrase="correct horse")
    monkeypatch.setenv("GPG_KEY_ID", key.fingerprint)
    configure(project)
    refused(
        cli(
            "-C", project.path, "attest", artifact(project), "--version", "1.0.0", "--sbom", "none"
        ),
        91,
        "GPG_PASSPHRASE",
    )
    assert state_files(project) == {}


# --- verify-artifact with gpg ---------------------------------------------------------------


def test_verify_artifact_with_a_gpg_signature(cli, tmp_path: Path, gpg_home: GpgHome) -> None:
    alice = gpg_home.generate("Alice <a@example.com>")
    mallory = gpg_home.generate("Mallory <m@example.com>")
    file = tmp_path / "tool-1.0.tar.gz"
    file.write_bytes(b"the release")
    asc = alice.detach_sign(file, tmp_path / "tool-1.0.tar.gz.asc")
    pub = alice.export_public(tmp_path / "alice.asc")
    ok = cli("--output", "json", "verify-artifact", file, "--signature", asc, "--key", pub)
    assert ok.code == 0, ok.err
    assert ok.summary["data"]["fingerprint"] == alice.fingerprint

    other = mallory.export_public(tmp_path / "mallory.asc")
    refused(
        cli("verify-artifact", file, "--signature", asc, "--key", other),
        92,
        "not a valid signature",
    )
    file.write_bytes(b"the release, changed")
    refused(cli("verify-artifact", file, "--signature", asc, "--key", pub), 92, "BADSIG")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--signature", "x.asc"), "--signature needs --key"),
        (("--bundle", "b.json", "--issuer", "https://issuer"), "--identity"),
        ((), "give --bundle"),
    ],
)
def test_verify_artifact_usage_errors_are_2(
    cli, tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    file = tmp_path / "a.bin"
    file.write_bytes(b"x")
    refused(cli("verify-artifact", file, *args), 2, words)


def test_verify_artifact_of_a_missing_file_is_2(cli, tmp_path: Path) -> None:
    refused(
        cli("verify-artifact", tmp_path / "absent.bin", "--signature", "s", "--key", "k"),
        2,
        "no such artifact file",
    )


# --- refusing to bind ---------------------------------------------------------------------


def test_a_file_that_is_not_what_its_builder_reported_is_93(project: Repo, gpg_key: GpgKey) -> None:
    """The pipeline passes the digest its handler saw; other bytes never bind."""
    import os

    from shipline.domain.config_loading import load_config
    from shipline.domain.errors import DigestMismatch
    from shipline.domain.gitops import Git
    from shipline.domain.provenance.attest import ArtifactInput, AttestRequest, attest

    configure(project)
    path = artifact(project)
    request = AttestRequest(
        artifacts=[ArtifactInput(path, expected_sha256="ab" * 32)],
        version="1.0.0",
        sbom="none",
        env=dict(os.environ),
    )
    with pytest.raises(DigestMismatch, match="refusing to bind"):
        attest(Git(project.path), load_config(project.path), request)
    assert state_files(project) == {}


def test_attest_onto_a_tampered_ledger_is_93_and_writes_nothing(
    cli, project: Repo, gpg_key: GpgKey
) -> None:
    configure(project)
    attest_ok(cli, project, "1.0.0", artifact(project))
    ledger_file = project.path / ".shipline" / "releases.json"
    ledger_file.write_bytes(ledger_file.read_bytes().replace(b'"size":8', b'"size":9'))
    before = state_files(project)
    refused(
        cli(
            "-C",
            project.path,
            "attest",
            artifact(project, "b.tar.gz"),
            "--version",
            "1.1.0",
            "--sbom",
            "none",
        ),
        93,
        "edited",
    )
    assert state_files(project) == before


def test_tag_anchoring_records_the_ledger_lacks_is_93(cli, project: Repo, gpg_key: GpgKey) -> None:
    configure(project)
    project.tag("v1.0.0", f"Release v1.0.0\n\nShipline-Ledger-Head: 3 {'c' * 64}\n")
    refused(
        cli(
            "-C", project.path, "attest", artifact(project), "--version", "1.0.0", "--sbom", "none"
        ),
        93,
        "records were dropped",
    )
    assert state_files(project) == {}


def test_gpg_key_that_signs_with_a_subkey(
    cli, project: Repo, gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A certify-only primary key with a signing subkey: GPG_KEY_ID names the
    primary, the subkey signs, verification pins the primary fingerprint."""
    key = gpg_home.generate("Hardened <h@example.com>", signing_subkey=True)
    monkeypatch.setenv("GPG_KEY_ID", key.fingerprint)
    configure(project)
    attest_ok(cli, project, "1.0.0", artifact(project))
    sig = ledger_records(project)[0]["artifacts"][0]["signature"]
    assert sig["fingerprint"] == key.fingerprint
    verified = cli("-C", project.path, "verify", "1.0.0")
    assert verified.code == 0 and key.fingerprint in verified.out


def test_verify_says_what_it_could_not_check(cli, project: Repo, gpg_key: GpgKey) -> None:
    configure(project)
    path = artifact(project)
    attest_ok(cli, project, "1.0.0", path)
    path.unlink()  # uploaded, then cleaned away: nothing to re-digest, not a failure
    result = cli("-C", project.path, "verify", "1.0.0")
    assert result.code == 0
    assert "missing artifact" in result.out and "1 not checked" in result.out

"""Keyless signing and offline verification, end to end, through the real
sigstore-python ``Signer`` and ``Verifier`` against the in-process
Fulcio/Rekor stand-in (tests/sigstore_standin), then the attacks."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shipline.domain import runner
from shipline.domain.errors import ExitCode, ShiplineError
from shipline.domain.signing import sigstore_keyless as keyless
from shipline.domain.signing import sigstore_trust, sigstore_verify
from tests.sigstore_standin import (  # noqa: F401 (standin_fixture is the fixture)
    GITHUB_REQUEST_TOKEN,
    Standin,
    in_toto_statement,
    standin_fixture,
)

EMAIL = "release@example.com"


def _sign(standin: Standin, statement: dict[str, Any], **claims: Any) -> dict[str, Any]:
    claims.setdefault("email", EMAIL)
    return keyless.sign_statement(
        statement, trust_config=standin.trust_config(), identity_token=standin.oidc.token(**claims)
    )


def _verify(
    standin: Standin,
    bundle: dict[str, Any],
    *,
    identity: str | None = EMAIL,
    identity_regexp: str | None = None,
    issuer: str | None = None,
) -> bytes:
    return sigstore_verify.verify_statement_bundle(
        bundle,
        identity=identity,
        identity_regexp=identity_regexp,
        issuer=issuer or standin.oidc.url,
        trusted_root_path=standin.trusted_root_path,
    )


def _fails(code: ExitCode, call: Any, *args: Any, **kwargs: Any) -> ShiplineError:
    with pytest.raises(ShiplineError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value
    assert "\n" not in str(info.value), "the message must be one line"
    return info.value


def _artifact(
    tmp_path: Path, name: str = "demo-1.0.0.tar.gz", data: bytes = b"release bytes\n" * 100
) -> tuple[Path, str]:
    path = tmp_path / name
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def _signed_artifact(standin: Standin, tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    path, digest = _artifact(tmp_path)
    result = _sign(standin, in_toto_statement({path.name: digest, "other.whl": "ab" * 32}))
    bundle_path = tmp_path / f"{path.name}.sigstore.json"
    bundle_path.write_text(json.dumps(result["bundle"]))
    return path, bundle_path, result


# --- the happy path -----------------------------------------------------------


def test_sign_then_verify_round_trip(standin: Standin) -> None:
    statement = in_toto_statement({"demo-1.0.0.tar.gz": "12" * 32}, version="1.0.0")
    result = _sign(standin, statement)

    assert result["identity"] == EMAIL
    assert result["issuer"] == standin.oidc.url
    assert result["logUrl"] == standin.url
    assert result["logIndex"] == len(standin.log.leaves) - 1
    bundle = result["bundle"]
    assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    entry = bundle["verificationMaterial"]["tlogEntries"][0]
    assert entry["kindVersion"] == {"kind": "dsse", "version": "0.0.1"}
    assert int(entry["logIndex"]) == result["logIndex"]
    assert standin.server.requests == ["POST /api/v2/signingCert", "POST /api/v1/log/entries"]

    payload = _verify(standin, json.loads(json.dumps(bundle)))
    assert json.loads(payload) == statement
    assert base64.b64decode(bundle["dsseEnvelope"]["payload"]) == payload


def test_exact_payload_bytes_are_signed_when_given(standin: Standin) -> None:
    statement = in_toto_statement({"a.tgz": "34" * 32})
    payload = json.dumps(statement, indent=1).encode()
    result = keyless.sign_statement(
        statement,
        trust_config=standin.trust_config(),
        identity_token=standin.oidc.token(email=EMAIL),
        payload=payload,
    )
    assert _verify(standin, result["bundle"]) == payload


def test_every_bundle_of_a_growing_log_keeps_verifying(standin: Standin) -> None:
    bundles = [
        _sign(standin, in_toto_statement({f"a{i}.tgz": f"{i:02d}" * 32}))["bundle"]
        for i in range(4)
    ]
    indexes = [int(b["verificationMaterial"]["tlogEntries"][0]["logIndex"]) for b in bundles]
    assert indexes == list(range(indexes[0], indexes[0] + 4))
    for i, bundle in enumerate(bundles):
        assert json.loads(_verify(standin, bundle))["subject"][0]["name"] == f"a{i}.tgz"


def test_standin_audit_paths_match_sigstores_inclusion_check() -> None:
    """The stand-in's RFC 6962 proofs, checked with sigstore's own chaining
    for every leaf of every tree size up to 33 (odd sizes, powers of two)."""
    from sigstore._internal import merkle

    from tests.sigstore_standin.rekor import audit_path, leaf_hash, tree_hash

    for size in range(1, 34):
        leaves = [leaf_hash(f"entry {i}".encode()) for i in range(size)]
        root = tree_hash(leaves)
        for index in range(size):
            proof = audit_path(index, leaves)
            inner, border = merkle._decomp_inclusion_proof(index, size)
            assert len(proof) == inner + border
            seed = merkle._chain_inner(leaves[index], proof[:inner], index)
            assert merkle._chain_border_right(seed, proof[inner:]) == root, (size, index)


def test_identity_regexp_matches_the_whole_san(standin: Standin) -> None:
    bundle = _sign(standin, in_toto_statement({"a.tgz": "56" * 32}))["bundle"]
    assert _verify(standin, bundle, identity=None, identity_regexp=r"[a-z]+@example\.com")
    error = _fails(
        ExitCode.SIGNATURE_INVALID,
        _verify,
        standin,
        bundle,
        identity=None,
        identity_regexp=r"release@",
    )
    assert "release@example.com" in str(error)


def test_github_actions_identity_through_the_ambient_token(
    standin: Standin, monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow = "octo/demo/.github/workflows/release.yml@refs/tags/v1.0.0"
    standin.server.github_claims = {
        "subject": "repo:octo/demo:ref:refs/tags/v1.0.0",
        "job_workflow_ref": workflow,
    }
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GITHUB_REQUEST_TOKEN)
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", f"{standin.url}/github/token?v=1")

    result = keyless.sign_statement(
        in_toto_statement({"a.tgz": "78" * 32}), trust_config=standin.trust_config()
    )
    assert "GET /github/token" in standin.server.requests
    assert result["identity"] == f"https://github.com/{workflow}"
    assert _verify(standin, result["bundle"], identity=result["identity"])


def test_gitlab_ambient_token_and_it_never_leaks(
    standin: Standin, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = standin.oidc.token(subject="project_path:grp/demo:ref_type:tag:ref:v1.0.0")
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", token)
    result = keyless.sign_statement(
        in_toto_statement({"a.tgz": "9a" * 32}), trust_config=standin.trust_config()
    )
    assert result["identity"] == "project_path:grp/demo:ref_type:tag:ref:v1.0.0"
    assert token not in json.dumps(result)
    assert runner.redact(f"token={token}") == f"token={runner.REDACTED}"


# --- attacks and refusals -----------------------------------------------------


def test_wrong_identity_is_92(standin: Standin) -> None:
    bundle = _sign(standin, in_toto_statement({"a.tgz": "bc" * 32}))["bundle"]
    error = _fails(
        ExitCode.SIGNATURE_INVALID, _verify, standin, bundle, identity="mallory@example.com"
    )
    assert "mallory@example.com" in str(error) and EMAIL in str(error)


def test_wrong_issuer_is_92(standin: Standin) -> None:
    bundle = _sign(standin, in_toto_statement({"a.tgz": "bc" * 32}))["bundle"]
    error = _fails(
        ExitCode.SIGNATURE_INVALID, _verify, standin, bundle, issuer="https://accounts.google.com"
    )
    assert standin.oidc.url in str(error)


def test_edited_payload_is_92(standin: Standin) -> None:
    bundle = _sign(standin, in_toto_statement({"a.tgz": "de" * 32}))["bundle"]
    forged = copy.deepcopy(bundle)
    statement = json.loads(base64.b64decode(forged["dsseEnvelope"]["payload"]))
    statement["subject"][0]["digest"]["sha256"] = "ff" * 32
    forged["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    _fails(ExitCode.SIGNATURE_INVALID, _verify, standin, forged)


def test_junk_signature_is_92(standin: Standin) -> None:
    bundle = _sign(standin, in_toto_statement({"a.tgz": "de" * 32}))["bundle"]
    forged = copy.deepcopy(bundle)
    forged["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(os.urandom(71)).decode()
    _fails(ExitCode.SIGNATURE_INVALID, _verify, standin, forged)


@pytest.mark.parametrize("edit", ["inclusion-hash", "root-hash", "set", "checkpoint", "index"])
def test_edited_log_entry_is_92(standin: Standin, edit: str) -> None:
    bundle = _sign(standin, in_toto_statement({"a.tgz": "01" * 32}))["bundle"]
    entry = bundle["verificationMaterial"]["tlogEntries"][0]
    proof = entry["inclusionProof"]
    if edit == "inclusion-hash":
        proof["hashes"][0] = base64.b64encode(os.urandom(32)).decode()
    elif edit == "root-hash":
        proof["rootHash"] = base64.b64encode(os.urandom(32)).decode()
    elif edit == "set":
        entry["inclusionPromise"]["signedEntryTimestamp"] = base64.b64encode(
            os.urandom(70)
        ).decode()
    elif edit == "checkpoint":
        proof["checkpoint"]["envelope"] = proof["checkpoint"]["envelope"].replace(
            f"\n{proof['treeSize']}\n", f"\n{int(proof['treeSize']) + 1}\n"
        )
    else:
        entry["logIndex"] = str(int(entry["logIndex"]) + 1)
    _fails(ExitCode.SIGNATURE_INVALID, _verify, standin, bundle)


def test_another_instances_bundle_is_not_trusted(standin: Standin, tmp_path: Path) -> None:
    other = Standin(tmp_path).start()
    try:
        foreign = _sign(other, in_toto_statement({"a.tgz": "23" * 32}))["bundle"]
    finally:
        other.stop()
    _fails(ExitCode.SIGNATURE_INVALID, _verify, standin, foreign)
    # and the production root that ships with sigstore does not trust the stand-in
    _fails(
        ExitCode.SIGNATURE_INVALID,
        sigstore_verify.verify_statement_bundle,
        foreign,
        identity=EMAIL,
        identity_regexp=None,
        issuer=other.oidc.url,
    )


@pytest.mark.parametrize("part", ["ctlogs", "tlogs"])
def test_root_with_another_ct_or_rekor_key_is_92(
    standin: Standin, tmp_path: Path, part: str
) -> None:
    """The SCT and the log entry are checked against the pinned root's keys."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from tests.sigstore_standin.ca import spki_der

    bundle = _sign(standin, in_toto_statement({"a.tgz": "aa" * 32}))["bundle"]
    root = json.loads(standin.trusted_root_path.read_text())
    stranger = spki_der(ec.generate_private_key(ec.SECP256R1()).public_key())
    root[part][0]["publicKey"]["rawBytes"] = base64.b64encode(stranger).decode()
    other_root = tmp_path / "other_root.json"
    other_root.write_text(json.dumps(root))
    error = _fails(
        ExitCode.SIGNATURE_INVALID,
        sigstore_verify.verify_statement_bundle,
        bundle,
        identity=EMAIL,
        identity_regexp=None,
        issuer=standin.oidc.url,
        trusted_root_path=other_root,
    )
    assert ("SCT" if part == "ctlogs" else "log entry") in error.message


def test_swapped_certificate_is_92(standin: Standin) -> None:
    mine = _sign(standin, in_toto_statement({"a.tgz": "45" * 32}))["bundle"]
    theirs = _sign(standin, in_toto_statement({"a.tgz": "45" * 32}), email="mallory@example.com")[
        "bundle"
    ]
    mine["verificationMaterial"]["certificate"] = theirs["verificationMaterial"]["certificate"]
    _fails(ExitCode.SIGNATURE_INVALID, _verify, standin, mine, identity="mallory@example.com")


@pytest.mark.parametrize(
    "bundle",
    [
        {},
        [],
        {"mediaType": "application/json"},
        {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verificationMaterial": {}},
    ],
)
def test_malformed_bundle_is_94(standin: Standin, bundle: Any) -> None:
    _fails(ExitCode.ATTESTATION_INVALID, _verify, standin, bundle)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"identity": EMAIL, "identity_regexp": ".*"},
        {"identity": None, "identity_regexp": None},
        {"identity": None, "identity_regexp": "(unclosed"},
    ],
)
def test_policy_usage_errors_are_2(standin: Standin, kwargs: dict[str, Any]) -> None:
    bundle = _sign(standin, in_toto_statement({"a.tgz": "67" * 32}))["bundle"]
    _fails(
        ExitCode.USAGE,
        sigstore_verify.verify_statement_bundle,
        bundle,
        issuer=standin.oidc.url,
        trusted_root_path=standin.trusted_root_path,
        **kwargs,
    )
    _fails(
        ExitCode.USAGE,
        sigstore_verify.verify_statement_bundle,
        bundle,
        identity=EMAIL,
        identity_regexp=None,
        issuer="",
        trusted_root_path=standin.trusted_root_path,
    )


# --- identity problems are 91 ---------------------------------------------------


def test_no_ambient_identity_is_91(standin: Standin) -> None:
    error = _fails(
        ExitCode.SIGNING_KEY_MISSING,
        keyless.sign_statement,
        in_toto_statement({"a.tgz": "89" * 32}),
        trust_config=standin.trust_config(),
    )
    assert "id-token: write" in (error.hint or "")
    assert standin.server.requests == []


def test_identity_is_checked_before_any_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production trust config, no identity: 91 at once, nothing fetched."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.delenv(sigstore_trust.TRUST_CONFIG_ENV, raising=False)
    _fails(
        ExitCode.SIGNING_KEY_MISSING,
        keyless.sign_statement,
        in_toto_statement({"a.tgz": "89" * 32}),
    )
    assert attempts == []


def test_bad_trust_config_file_is_2(
    standin: Standin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = standin.oidc.token(email=EMAIL)
    bad = tmp_path / "trust_config.json"
    bad.write_text('{"mediaType": "nope"}')
    monkeypatch.setenv(sigstore_trust.TRUST_CONFIG_ENV, str(bad))
    _fails(
        ExitCode.USAGE,
        keyless.sign_statement,
        in_toto_statement({"a.tgz": "89" * 32}),
        identity_token=token,
    )
    monkeypatch.setenv(sigstore_trust.TRUST_CONFIG_ENV, str(tmp_path / "absent.json"))
    _fails(
        ExitCode.USAGE,
        keyless.sign_statement,
        in_toto_statement({"a.tgz": "89" * 32}),
        identity_token=token,
    )
    assert standin.server.requests == []


def test_github_actions_without_id_token_permission_is_91(
    standin: Standin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", raising=False)
    monkeypatch.delenv("ACTIONS_ID_TOKEN_REQUEST_URL", raising=False)
    error = _fails(
        ExitCode.SIGNING_KEY_MISSING,
        keyless.sign_statement,
        in_toto_statement({"a.tgz": "89" * 32}),
        trust_config=standin.trust_config(),
    )
    assert "ACTIONS_ID_TOKEN_REQUEST" in error.message
    assert "permissions: id-token: write" in (error.hint or "")


def test_expired_token_is_91(standin: Standin) -> None:
    token = standin.oidc.token(email=EMAIL, lifetime=-60)
    _fails(
        ExitCode.SIGNING_KEY_MISSING,
        keyless.sign_statement,
        in_toto_statement({"a.tgz": "89" * 32}),
        trust_config=standin.trust_config(),
        identity_token=token,
    )


def test_token_from_an_untrusted_issuer_is_refused_by_fulcio(
    standin: Standin, tmp_path: Path
) -> None:
    stranger = Standin(tmp_path)  # never started: only its OIDC key is used
    token = stranger.oidc.token(email=EMAIL)
    error = _fails(
        ExitCode.SIGNING_KEY_MISSING,
        keyless.sign_statement,
        in_toto_statement({"a.tgz": "89" * 32}),
        trust_config=standin.trust_config(),
        identity_token=token,
    )
    assert "Fulcio" in error.message or "identity" in error.message
    assert token not in str(error)
    assert standin.server.requests == ["POST /api/v2/signingCert"]


def test_unreachable_services_are_91(standin: Standin) -> None:
    config = standin.trust_config()
    token = standin.oidc.token(email=EMAIL)
    standin.stop()
    _fails(
        ExitCode.SIGNING_KEY_MISSING,
        keyless.sign_statement,
        in_toto_statement({"a.tgz": "89" * 32}),
        trust_config=config,
        identity_token=token,
    )


def test_not_a_statement_is_94(standin: Standin) -> None:
    _fails(
        ExitCode.ATTESTATION_INVALID,
        keyless.sign_statement,
        {"subject": []},
        trust_config=standin.trust_config(),
        identity_token=standin.oidc.token(email=EMAIL),
    )
    assert standin.server.requests == []


# --- verify_artifact_bundle with stand-in bundles -------------------------------


def test_artifact_against_its_dsse_bundle(standin: Standin, tmp_path: Path) -> None:
    path, bundle_path, result = _signed_artifact(standin, tmp_path)
    facts = sigstore_verify.verify_artifact_bundle(
        path,
        bundle_path,
        identity=EMAIL,
        identity_regexp=None,
        issuer=standin.oidc.url,
        trusted_root_path=standin.trusted_root_path,
    )
    assert facts["kind"] == "dsse" and facts["subject"] == path.name
    assert facts["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (facts["identity"], facts["issuer"]) == (EMAIL, standin.oidc.url)
    assert facts["logIndex"] == result["logIndex"]
    assert facts["integratedTime"] == result["integratedTime"]


def _verify_file(standin: Standin, path: Path, bundle_path: Path) -> dict[str, Any]:
    return sigstore_verify.verify_artifact_bundle(
        path,
        bundle_path,
        identity=EMAIL,
        identity_regexp=None,
        issuer=standin.oidc.url,
        trusted_root_path=standin.trusted_root_path,
    )


def test_flipped_artifact_byte_is_93(standin: Standin, tmp_path: Path) -> None:
    path, bundle_path, _ = _signed_artifact(standin, tmp_path)
    data = bytearray(path.read_bytes())
    data[7] ^= 0x01
    path.write_bytes(bytes(data))
    _fails(ExitCode.DIGEST_MISMATCH, _verify_file, standin, path, bundle_path)


def test_bundle_for_another_artifact_is_94(standin: Standin, tmp_path: Path) -> None:
    _, bundle_path, _ = _signed_artifact(standin, tmp_path)
    other, _ = _artifact(tmp_path, "unrelated-2.0.0.tar.gz", b"other bytes")
    error = _fails(ExitCode.ATTESTATION_INVALID, _verify_file, standin, other, bundle_path)
    assert "unrelated-2.0.0.tar.gz" in error.message


def test_renamed_artifact_is_94_and_says_so(standin: Standin, tmp_path: Path) -> None:
    path, bundle_path, _ = _signed_artifact(standin, tmp_path)
    renamed = path.rename(tmp_path / "demo-9.9.9.tar.gz")
    error = _fails(ExitCode.ATTESTATION_INVALID, _verify_file, standin, renamed, bundle_path)
    assert "renamed" in (error.hint or "")


def _sign_blob(standin: Standin, data: bytes) -> dict[str, Any]:
    """A message-signature (hashedrekord) bundle from the real Signer."""
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    context = SigningContext.from_trust_config(standin.trust_config())
    with context.signer(IdentityToken(standin.oidc.token(email=EMAIL))) as signer:
        return json.loads(signer.sign_artifact(data).to_json())


def test_message_signature_bundle(standin: Standin, tmp_path: Path) -> None:
    path, digest = _artifact(tmp_path)
    bundle_path = tmp_path / "blob.sigstore.json"
    bundle_path.write_text(json.dumps(_sign_blob(standin, path.read_bytes())))
    facts = _verify_file(standin, path, bundle_path)
    assert facts["kind"] == "message-signature" and facts["sha256"] == digest

    tampered = tmp_path / "copy" / path.name
    tampered.parent.mkdir()
    tampered.write_bytes(path.read_bytes() + b"!")
    _fails(ExitCode.DIGEST_MISMATCH, _verify_file, standin, tampered, bundle_path)

    bundle = json.loads(bundle_path.read_text())
    signature = bytearray(base64.b64decode(bundle["messageSignature"]["signature"]))
    signature[10] ^= 0x01
    bundle["messageSignature"]["signature"] = base64.b64encode(bytes(signature)).decode()
    forged = tmp_path / "forged.sigstore.json"
    forged.write_text(json.dumps(bundle))
    _fails(ExitCode.SIGNATURE_INVALID, _verify_file, standin, path, forged)


def test_dsse_bundle_is_refused_where_a_statement_is_expected_from_a_blob(
    standin: Standin, tmp_path: Path
) -> None:
    path, _ = _artifact(tmp_path)
    bundle = _sign_blob(standin, path.read_bytes())
    _fails(ExitCode.ATTESTATION_INVALID, _verify, standin, bundle)


def test_module_import_does_not_load_sigstore() -> None:
    code = (
        "import sys, shipline.domain.signing.sigstore_keyless, "
        "shipline.domain.signing.sigstore_verify; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sigstore', 'cryptography', 'rfc8785')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        check=True,
    )
    assert done.stdout.strip() == "[]"


# --- the whole attest -> verify -> verify-artifact path, keyless ----------------


def test_attest_keyless_then_verify_from_the_cli(
    cli: Any, repo: Any, standin: Standin, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo.commit("feat: first", {"src/app.py": "print('hi')\n"})
    repo.write(
        ".shipline/config.json",
        json.dumps(
            {
                "release": {
                    "security": {
                        "provenance": {
                            "level": "SLSA_BUILD_LEVEL_2",
                            "signing": {"method": "sigstore"},
                        }
                    }
                }
            }
        ),
    )
    artifact = repo.path / "dist" / "demo-1.0.0.tar.gz"
    artifact.parent.mkdir()
    artifact.write_bytes(b"demo release\n" * 50)
    monkeypatch.setenv(
        sigstore_trust.TRUST_CONFIG_ENV,
        str(standin.write_trust_config(tmp_path / "trust_config.json")),
    )
    monkeypatch.setenv(sigstore_trust.TRUSTED_ROOT_ENV, str(standin.trusted_root_path))
    token = standin.oidc.token(email="ci@example.com")
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", token)

    attested = cli(
        "-C",
        repo.path,
        "--output",
        "json",
        "attest",
        artifact,
        "--version",
        "1.0.0",
        "--sbom",
        "none",
    )
    assert attested.code == 0, (attested.out, attested.err)
    state = repo.path / ".shipline"
    for path in state.rglob("*"):
        if path.is_file():
            assert token not in path.read_text(errors="replace"), path
    assert token not in attested.out + attested.err
    record = json.loads((state / "releases.json").read_text())["records"][-1]
    signature = record["artifacts"][0]["signature"]
    assert (signature["identity"], signature["issuer"]) == ("ci@example.com", standin.oidc.url)
    assert int(signature["transparencyLog"]["index"]) == len(standin.log.leaves) - 1

    verified = cli("-C", repo.path, "verify", "1.0.0")
    assert verified.code == 0, (verified.out, verified.err)
    bundle = repo.path / signature["bundle"]
    checked = cli(
        "verify-artifact",
        artifact,
        "--bundle",
        bundle,
        "--identity",
        "ci@example.com",
        "--issuer",
        standin.oidc.url,
    )
    assert checked.code == 0, checked.err

    forged = json.loads(bundle.read_text())
    forged["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(os.urandom(70)).decode()
    bundle.write_text(json.dumps(forged))
    assert cli("-C", repo.path, "verify", "1.0.0").code == 92

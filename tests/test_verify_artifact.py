"""``shipline verify-artifact``: real public-good sigstore bundles verified
offline with the production trusted root that ships with sigstore, their
tampered copies, stand-in bundles, and gpg signatures from a temp GNUPGHOME.
Every refusal: its exit code, one error line, no traceback, nothing written."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import socket
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from shipline.domain.signing import sigstore_keyless as keyless
from shipline.domain.signing import sigstore_trust
from tests.gpgkeys import GpgHome, GpgKey
from tests.public_bundles import (  # noqa: F401 (public_assets_fixture is the fixture)
    GH_ARTIFACT,
    GH_BUNDLE,
    GH_IDENTITY,
    GH_ISSUER,
    GH_LOG_INDEX,
    GH_SHA256,
    STAGING_ARTIFACT,
    STAGING_BUNDLE,
    STAGING_IDENTITY,
    STAGING_ISSUER,
    public_assets_fixture,
)
from tests.sigstore_standin import (  # noqa: F401 (standin_fixture is the fixture)
    Standin,
    in_toto_statement,
    standin_fixture,
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def work(tmp_path: Path, public_assets: Path) -> Path:
    """Copies of the real artifact and bundles, free to tamper with."""
    for name in (GH_ARTIFACT, GH_BUNDLE, STAGING_ARTIFACT, STAGING_BUNDLE):
        shutil.copyfile(public_assets / name, tmp_path / name)
    return tmp_path


def _refused(cli: Any, code: int, *args: Any, folder: Path | None = None) -> str:
    """Run verify-artifact expecting ``code``; returns the error line."""
    before = _snapshot(folder) if folder else None
    result = cli("verify-artifact", *args)
    assert result.code == code, (result.out, result.err)
    assert "Traceback" not in result.err + result.out
    first = result.err.splitlines()[0]
    assert first.startswith(f"error {code}: "), result.err
    if folder is not None:
        assert _snapshot(folder) == before, "verify-artifact must not write anything"
    return first


def _gh(work: Path, *extra: str, artifact: str = GH_ARTIFACT, bundle: str = GH_BUNDLE) -> list[Any]:
    return [work / artifact, "--bundle", work / bundle, *extra]


# --- real public-good bundles ---------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any connection attempt fails (and is recorded): verification is offline."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_public_bundle_verifies_offline_with_the_shipped_root(
    cli: Any, work: Path, no_network: list[object]
) -> None:
    result = cli(
        "--output",
        "json",
        "verify-artifact",
        *_gh(work, "--identity", GH_IDENTITY, "--issuer", GH_ISSUER),
    )
    assert result.code == 0, result.err
    data = result.summary["data"]
    assert (
        data["sha256"] == GH_SHA256 == hashlib.sha256((work / GH_ARTIFACT).read_bytes()).hexdigest()
    )
    assert (data["identity"], data["issuer"]) == (GH_IDENTITY, GH_ISSUER)
    assert data["logIndex"] == GH_LOG_INDEX
    assert data["integratedTime"].startswith("2024-06-10T")
    assert data["subject"] == GH_ARTIFACT
    assert Path(data["trustedRoot"]) == sigstore_trust.production_trusted_root_path()
    assert "tuf-repo-cdn.sigstore.dev" in data["trustedRoot"]
    assert no_network == []


def test_public_bundle_with_an_identity_regexp(cli: Any, work: Path) -> None:
    result = cli(
        "verify-artifact",
        *_gh(
            work,
            "--identity-regexp",
            r"https://github\.com/trailofbits/.+@refs/tags/v.+",
            "--issuer",
            GH_ISSUER,
        ),
    )
    assert result.code == 0, result.err
    assert GH_IDENTITY in result.out
    _refused(
        cli,
        92,
        *_gh(work, "--identity-regexp", r"https://github\.com/evil/.+", "--issuer", GH_ISSUER),
        folder=work,
    )


def test_flipped_artifact_byte_is_93(cli: Any, work: Path) -> None:
    artifact = work / GH_ARTIFACT
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0x20
    artifact.write_bytes(bytes(data))
    line = _refused(
        cli, 93, *_gh(work, "--identity", GH_IDENTITY, "--issuer", GH_ISSUER), folder=work
    )
    assert GH_SHA256 in line


def test_edited_bundle_signature_is_92(cli: Any, work: Path) -> None:
    bundle = json.loads((work / GH_BUNDLE).read_text())
    signature = bytearray(base64.b64decode(bundle["dsseEnvelope"]["signatures"][0]["sig"]))
    signature[20] ^= 0x01
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(signature)).decode()
    (work / GH_BUNDLE).write_text(json.dumps(bundle))
    _refused(cli, 92, *_gh(work, "--identity", GH_IDENTITY, "--issuer", GH_ISSUER), folder=work)


def test_edited_bundle_payload_is_92(cli: Any, work: Path) -> None:
    """Pointing the signed statement at other bytes breaks the signature."""
    bundle = json.loads((work / GH_BUNDLE).read_text())
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["subject"][0]["digest"]["sha256"] = "0" * 64
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    (work / GH_BUNDLE).write_text(json.dumps(bundle))
    _refused(cli, 92, *_gh(work, "--identity", GH_IDENTITY, "--issuer", GH_ISSUER), folder=work)


def test_wrong_identity_is_92(cli: Any, work: Path) -> None:
    other = GH_IDENTITY.replace("trailofbits", "mallory")
    line = _refused(cli, 92, *_gh(work, "--identity", other, "--issuer", GH_ISSUER), folder=work)
    assert other in line


def test_wrong_issuer_is_92(cli: Any, work: Path) -> None:
    line = _refused(
        cli,
        92,
        *_gh(work, "--identity", GH_IDENTITY, "--issuer", "https://accounts.google.com"),
        folder=work,
    )
    assert GH_ISSUER in line


def test_renamed_artifact_is_94(cli: Any, work: Path) -> None:
    renamed = work / "pypi_attestation_models-9.9.9.tar.gz"
    shutil.copyfile(work / GH_ARTIFACT, renamed)
    result = cli(
        "verify-artifact",
        renamed,
        "--bundle",
        work / GH_BUNDLE,
        "--identity",
        GH_IDENTITY,
        "--issuer",
        GH_ISSUER,
    )
    assert result.code == 94
    assert "renamed" in result.err and GH_ARTIFACT in result.err


def test_bundle_of_another_artifact_is_94(cli: Any, work: Path) -> None:
    _refused(
        cli,
        94,
        *_gh(work, "--identity", GH_IDENTITY, "--issuer", GH_ISSUER, artifact=STAGING_ARTIFACT),
        folder=work,
    )


def test_staging_bundle_is_not_trusted_by_the_production_root(
    cli: Any, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = _gh(
        work,
        "--identity",
        STAGING_IDENTITY,
        "--issuer",
        STAGING_ISSUER,
        artifact=STAGING_ARTIFACT,
        bundle=STAGING_BUNDLE,
    )
    line = _refused(cli, 92, *args, folder=work)
    assert "does not chain to the pinned trusted root" in line
    # the same bundle verifies once the staging root (also shipped in the wheel) is pinned
    staging_root = Path(
        str(
            resources.files("sigstore._store")
            / "https%3A%2F%2Ftuf-repo-cdn.sigstage.dev"
            / "trusted_root.json"
        )
    )
    monkeypatch.setenv(sigstore_trust.TRUSTED_ROOT_ENV, str(staging_root))
    result = cli("verify-artifact", *args)
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    "content", [b"", b"not json", b"[1, 2]", b'{"mediaType": "x"}', b'{"a": 1, "a": 2}']
)
def test_malformed_bundle_file_is_94(cli: Any, work: Path, content: bytes) -> None:
    (work / GH_BUNDLE).write_bytes(content)
    _refused(cli, 94, *_gh(work, "--identity", GH_IDENTITY, "--issuer", GH_ISSUER), folder=work)


@pytest.mark.parametrize(
    "args",
    [
        ["--identity", GH_IDENTITY],  # no issuer
        ["--issuer", GH_ISSUER],  # no identity
        ["--identity-regexp", "(", "--issuer", GH_ISSUER],  # bad regexp
    ],
)
def test_usage_errors_are_2(cli: Any, work: Path, args: list[str]) -> None:
    _refused(cli, 2, *_gh(work, *args), folder=work)


def test_missing_files_are_2(cli: Any, work: Path) -> None:
    _refused(
        cli,
        2,
        work / "absent.tar.gz",
        "--bundle",
        work / GH_BUNDLE,
        "--identity",
        GH_IDENTITY,
        "--issuer",
        GH_ISSUER,
        folder=work,
    )
    _refused(
        cli,
        2,
        work / GH_ARTIFACT,
        "--bundle",
        work / "absent.sigstore",
        "--identity",
        GH_IDENTITY,
        "--issuer",
        GH_ISSUER,
        folder=work,
    )


# --- stand-in bundles through the CLI -------------------------------------------


def test_standin_bundle_needs_its_trusted_root(
    cli: Any, standin: Standin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    artifact = tmp_path / "app-2.0.0.tar.gz"
    artifact.write_bytes(b"app bytes")
    statement = in_toto_statement({artifact.name: hashlib.sha256(b"app bytes").hexdigest()})
    result = keyless.sign_statement(
        statement,
        trust_config=standin.trust_config(),
        identity_token=standin.oidc.token(email="ci@example.com"),
    )
    bundle = tmp_path / "app.sigstore.json"
    bundle.write_text(json.dumps(result["bundle"]))
    args = [
        artifact,
        "--bundle",
        bundle,
        "--identity",
        "ci@example.com",
        "--issuer",
        standin.oidc.url,
    ]
    _refused(cli, 92, *args, folder=tmp_path)  # the production root does not know it

    monkeypatch.setenv(sigstore_trust.TRUSTED_ROOT_ENV, str(standin.trusted_root_path))
    ok = cli("--output", "json", "verify-artifact", *args)
    assert ok.code == 0, ok.err
    assert ok.summary["data"]["logIndex"] == result["logIndex"]


# --- gpg ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gpg_pair() -> Iterator[tuple[GpgKey, GpgKey]]:
    """Two signing keys in the same GNUPGHOME: the release key and another."""
    with GpgHome() as home:
        yield (
            home.generate("Release Key <release@example.com>"),
            home.generate("Other Key <other@example.com>"),
        )


@pytest.fixture
def signed(tmp_path: Path, gpg_pair: tuple[GpgKey, GpgKey]) -> tuple[Path, Path, Path]:
    release, _ = gpg_pair
    artifact = tmp_path / "tool-1.0.0.tar.gz"
    artifact.write_bytes(b"tool bytes\n" * 1000)
    signature = release.detach_sign(artifact, tmp_path / "tool-1.0.0.tar.gz.asc")
    key = release.export_public(tmp_path / "release.pub.asc")
    return artifact, signature, key


def test_gpg_good_signature(
    cli: Any, signed: tuple[Path, Path, Path], gpg_pair: tuple[GpgKey, GpgKey]
) -> None:
    artifact, signature, key = signed
    result = cli(
        "--output", "json", "verify-artifact", artifact, "--signature", signature, "--key", key
    )
    assert result.code == 0, result.err
    data = result.summary["data"]
    assert data["fingerprint"] == gpg_pair[0].fingerprint
    assert data["sha256"] == hashlib.sha256(artifact.read_bytes()).hexdigest()


def test_gpg_binary_public_key(
    cli: Any, signed: tuple[Path, Path, Path], gpg_pair: tuple[GpgKey, GpgKey], tmp_path: Path
) -> None:
    artifact, signature, _ = signed
    binary = gpg_pair[0].export_public(tmp_path / "release.pub.gpg", armor=False)
    assert cli("verify-artifact", artifact, "--signature", signature, "--key", binary).code == 0


def test_gpg_flipped_byte_is_92(cli: Any, signed: tuple[Path, Path, Path]) -> None:
    artifact, signature, key = signed
    data = bytearray(artifact.read_bytes())
    data[100] ^= 0x01
    artifact.write_bytes(bytes(data))
    line = _refused(
        cli, 92, artifact, "--signature", signature, "--key", key, folder=artifact.parent
    )
    assert "BADSIG" in line


def test_gpg_signature_by_another_key_of_the_same_ring_is_92(
    cli: Any, signed: tuple[Path, Path, Path], gpg_pair: tuple[GpgKey, GpgKey]
) -> None:
    artifact, signature, key = signed
    gpg_pair[1].detach_sign(artifact, signature)  # the other key, same GNUPGHOME
    _refused(cli, 92, artifact, "--signature", signature, "--key", key, folder=artifact.parent)


def test_gpg_key_file_holding_both_keys_names_the_real_signer(
    cli: Any, signed: tuple[Path, Path, Path], gpg_pair: tuple[GpgKey, GpgKey], tmp_path: Path
) -> None:
    artifact, signature, _ = signed
    release, other = gpg_pair
    both = tmp_path / "both.pub.asc"
    both.write_bytes(
        release.export_public(tmp_path / "r.asc").read_bytes()
        + other.export_public(tmp_path / "o.asc").read_bytes()
    )
    other.detach_sign(artifact, signature)
    result = cli(
        "--output", "json", "verify-artifact", artifact, "--signature", signature, "--key", both
    )
    assert result.code == 0, result.err
    assert result.summary["data"]["fingerprint"] == other.fingerprint


def test_gpg_junk_signature_is_92(cli: Any, signed: tuple[Path, Path, Path]) -> None:
    artifact, signature, key = signed
    signature.write_text(
        "-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n-----END PGP SIGNATURE-----\n"
    )
    _refused(cli, 92, artifact, "--signature", signature, "--key", key, folder=artifact.parent)


def test_gpg_usage_errors_are_2(cli: Any, signed: tuple[Path, Path, Path], tmp_path: Path) -> None:
    artifact, signature, key = signed
    empty = tmp_path / "empty.asc"
    empty.write_text("")
    _refused(cli, 2, artifact, "--signature", signature, "--key", empty, folder=tmp_path)
    _refused(
        cli, 2, artifact, "--signature", tmp_path / "absent.asc", "--key", key, folder=tmp_path
    )
    _refused(cli, 2, artifact, "--signature", signature, folder=tmp_path)


def test_gpgv_missing_is_2_not_a_traceback(
    signed: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipline.domain.errors import ExitCode, ShiplineError
    from shipline.domain.signing.gpg_artifact import verify_artifact_gpg

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gpg = shutil.which("gpg")
    assert gpg is not None
    (bin_dir / "gpg").symlink_to(gpg)  # gpg but no gpgv on PATH
    monkeypatch.setenv("PATH", str(bin_dir))
    artifact, signature, key = signed
    with pytest.raises(ShiplineError) as info:
        verify_artifact_gpg(artifact, signature, key)
    assert info.value.code == ExitCode.USAGE
    assert "gpgv is not installed" in info.value.message

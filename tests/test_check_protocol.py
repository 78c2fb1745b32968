"""``shipline check protocol`` (SPEC section 2) on real attested releases:
both flag spellings, and each protocol's own exit code for an invalid
record."""

from __future__ import annotations

import json

import pytest
from conftest import Repo
from test_attest_verify import artifact, attest_ok, ledger_records, refused

from tests.gpgkeys import GpgKey, gpg_home, gpg_key  # noqa: F401


def write_config(repo: Repo) -> None:
    repo.write(
        ".shipline/config.json",
        json.dumps(
            {
                "release": {
                    "versionBump": ["pyproject.toml"],
                    "changelog": {"path": "CHANGELOG.md"},
                    "security": {
                        "provenance": {"level": "SLSA_BUILD_LEVEL_2", "signing": {"method": "gpg"}}
                    },
                }
            }
        ),
    )


def tagged_release(
    cli,
    repo: Repo,
    version: str = "1.0.0",
    *,
    file_version: str | None = None,
    changelog: bool = True,
) -> None:
    entry = f"## [{version}] - 2026-01-01\n\n- things\n" if changelog else ""
    repo.commit(
        f"chore(release): {version}",
        {
            "pyproject.toml": f'[project]\nname = "demo"\nversion = "{file_version or version}"\n',
            "CHANGELOG.md": f"# Changelog\n\n{entry}",
        },
    )
    repo.tag(f"v{version}", f"Release v{version}")
    attest_ok(cli, repo, version, artifact(repo, f"demo-{version}.tar.gz", version.encode()))


@pytest.fixture
def shipped(cli, repo: Repo, gpg_key: GpgKey) -> Repo:
    write_config(repo)
    tagged_release(cli, repo)
    return repo


def check(cli, repo: Repo, *args: str):
    return cli("-C", repo.path, "check", "protocol", *args)


# --- release -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags",
    [
        ("--protocol-type", "release", "--version", "1.0.0", "--has-changelog", "true"),
        (
            "--protocolType",
            "release",
            "--version",
            "v1.0.0",
            "--hasChangelog",
            "true",
            "--taskId",
            "T4900",
        ),
    ],
)
def test_release_protocol_passes_with_both_spellings(cli, shipped: Repo, flags) -> None:
    result = cli("-C", shipped.path, "--output", "json", "check", "protocol", *flags)
    assert result.code == 0, result.err
    data = result.summary["data"]
    assert data["protocol"] == "release" and data["version"] == "1.0.0"
    assert any("RLSE-004" in c for c in data["checks"])
    assert any("RLSE-002" in c for c in data["checks"])


def test_release_without_changelog_entry_is_57(cli, repo: Repo, gpg_key: GpgKey) -> None:
    write_config(repo)
    tagged_release(cli, repo, changelog=False)
    refused(
        check(
            cli, repo, "--protocol-type", "release", "--version", "1.0.0", "--has-changelog", "true"
        ),
        57,
        "no entry for 1.0.0",
    )


def test_release_declared_without_changelog_is_57(cli, shipped: Repo) -> None:
    refused(
        check(
            cli,
            shipped,
            "--protocolType",
            "release",
            "--version",
            "1.0.0",
            "--hasChangelog",
            "false",
        ),
        57,
        "RLSE-002",
    )


def test_release_with_inconsistent_version_file_is_55(cli, repo: Repo, gpg_key: GpgKey) -> None:
    write_config(repo)
    tagged_release(cli, repo, file_version="0.9.0")
    refused(
        check(cli, repo, "--protocol-type", "release", "--version", "1.0.0"),
        55,
        "pyproject.toml at v1.0.0 does not carry version 1.0.0",
    )


def test_release_whose_version_file_only_mentions_the_version_is_55(
    cli, repo: Repo, gpg_key: GpgKey
) -> None:
    """The version is read where the version-file writer writes it: 1.0.0 in a
    dependency pin or a comment does not make a 0.9.0 file carry 1.0.0."""
    write_config(repo)
    repo.commit(
        "chore(release): 1.0.0",
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "0.9.0"  # was 1.0.0?\n'
            'dependencies = ["demo-core==1.0.0"]\n',
            "CHANGELOG.md": "# Changelog\n\n## [1.0.0] - 2026-01-01\n\n- things\n",
        },
    )
    repo.tag("v1.0.0", "Release v1.0.0")
    attest_ok(cli, repo, "1.0.0", artifact(repo, "demo-1.0.0.tar.gz", b"1.0.0"))
    refused(
        check(cli, repo, "--protocol-type", "release", "--version", "1.0.0"),
        55,
        "pyproject.toml at v1.0.0 does not carry version 1.0.0 (it carries 0.9.0)",
    )


def test_release_whose_tag_is_gone_is_56(cli, shipped: Repo) -> None:
    shipped.git("tag", "-d", "v1.0.0")
    refused(
        check(cli, shipped, "--protocol-type", "release", "--version", "1.0.0"),
        56,
        "tag v1.0.0 does not exist",
    )


def test_release_whose_tag_moved_is_56(cli, shipped: Repo) -> None:
    shipped.commit("fix: later")
    shipped.git("tag", "-f", "-a", "v1.0.0", "-m", "moved")
    refused(
        check(cli, shipped, "--protocol-type", "release", "--version", "1.0.0"),
        56,
        "the ledger records",
    )


def test_untagged_attestation_fails_the_release_protocol_56(
    cli, repo: Repo, gpg_key: GpgKey
) -> None:
    write_config(repo)
    repo.commit("feat: x")
    attest_ok(cli, repo, "2.0.0", artifact(repo))
    refused(
        check(cli, repo, "--protocol-type", "release", "--version", "2.0.0"),
        56,
        "no tag (RLSE-004)",
    )


def test_unknown_release_is_50(cli, shipped: Repo) -> None:
    refused(
        check(cli, shipped, "--protocol-type", "release", "--version", "3.0.0"),
        50,
        "no release 3.0.0",
    )


def test_invalid_version_is_53(cli, shipped: Repo) -> None:
    refused(
        check(cli, shipped, "--protocol-type", "release", "--version", "three"),
        53,
        "not a valid semantic version",
    )


def test_unknown_protocol_type_is_2(cli, shipped: Repo) -> None:
    result = check(cli, shipped, "--protocol-type", "deploy", "--version", "1.0.0")
    assert result.code == 2 and "invalid choice" in result.err


def test_broken_ledger_is_93(cli, shipped: Repo) -> None:
    path = shipped.path / ".shipline" / "releases.json"
    path.write_bytes(path.read_bytes().replace(b'"chainVerified":true', b'"chainVerified":false'))
    refused(check(cli, shipped, "--protocol-type", "release", "--version", "1.0.0"), 93, "edited")


# --- provenance --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags",
    [
        ("--protocol-type", "provenance", "--version", "1.0.0", "--has-attestation", "true"),
        (
            "--protocolType",
            "provenance",
            "--version",
            "1.0.0",
            "--hasAttestation",
            "true",
            "--hasSbom",
            "false",
        ),
    ],
)
def test_provenance_protocol_passes(cli, shipped: Repo, flags) -> None:
    result = cli("-C", shipped.path, "--output", "json", "check", "protocol", *flags)
    assert result.code == 0, result.err
    checks = result.summary["data"]["checks"]
    assert any("PROV-004" in c and "shortfall flagged" in c for c in checks)
    assert any("verified offline" in c for c in checks)


def test_provenance_without_required_sbom_is_94(cli, shipped: Repo) -> None:
    refused(
        check(
            cli, shipped, "--protocolType", "provenance", "--version", "1.0.0", "--hasSbom", "true"
        ),
        94,
        "no SBOM",
    )


def test_provenance_of_a_tampered_artifact_is_93(cli, shipped: Repo) -> None:
    (shipped.path / "dist" / "demo-1.0.0.tar.gz").write_bytes(b"something else")
    refused(
        check(cli, shipped, "--protocol-type", "provenance", "--version", "1.0.0"), 93, "SHA-256"
    )


def test_provenance_of_a_source_only_release_is_94(cli, repo: Repo) -> None:
    from test_ledger import release_record

    from shipline.domain.provenance import ledger

    repo.commit("docs: only docs")
    ledger.append(
        repo.path / ".shipline",
        release_record("0.1.0") | {"commitSha": repo.git("rev-parse", "HEAD")},
    )
    refused(
        check(cli, repo, "--protocol-type", "provenance", "--version", "0.1.0"), 94, "source-only"
    )


# --- artifact-publish -------------------------------------------------------------------


def _publish(repo: Repo, version: str, sha256: str | None = None) -> None:
    from shipline.domain.provenance import ledger

    record = next(r for r in ledger_records(repo) if r["version"] == version)
    art = record["artifacts"][0]
    ledger.append(
        repo.path / ".shipline",
        {
            "recordType": "publish",
            "version": version,
            "releaseHash": record["hash"],
            "artifact": art["name"],
            "sha256": sha256 or art["sha256"],
            "registry": "http://127.0.0.1:8081",
            "reference": f"demo=={version}",
            "registryDigest": sha256 or art["sha256"],
            "publishedAt": "2026-01-01T00:00:00Z",
            "recordedAt": "2026-01-01T00:00:00Z",
        },
    )


def test_artifact_publish_passes_once_published(cli, shipped: Repo) -> None:
    _publish(shipped, "1.0.0")
    result = check(
        cli,
        shipped,
        "--protocolType",
        "artifact-publish",
        "--version",
        "1.0.0",
        "--artifactType",
        "tarball",
        "--buildPassed",
        "true",
    )
    assert result.code == 0, result.err
    assert "published to http://127.0.0.1:8081" in result.out


def test_artifact_attested_but_never_published_is_88(cli, shipped: Repo) -> None:
    refused(
        check(cli, shipped, "--protocol-type", "artifact-publish", "--version", "1.0.0"),
        88,
        "never published",
    )


def test_artifact_of_another_type_is_85(cli, shipped: Repo) -> None:
    _publish(shipped, "1.0.0")
    refused(
        check(
            cli,
            shipped,
            "--protocol-type",
            "artifact-publish",
            "--version",
            "1.0.0",
            "--artifact-type",
            "npm-package",
        ),
        85,
        "no artifact of type npm-package",
    )


def test_failed_build_is_87(cli, shipped: Repo) -> None:
    _publish(shipped, "1.0.0")
    refused(
        check(
            cli,
            shipped,
            "--protocol-type",
            "artifact-publish",
            "--version",
            "1.0.0",
            "--build-passed",
            "false",
        ),
        87,
        "build failed",
    )


def test_published_digest_that_differs_is_93(cli, shipped: Repo) -> None:
    _publish(shipped, "1.0.0", sha256="f" * 64)
    refused(
        check(cli, shipped, "--protocol-type", "artifact-publish", "--version", "1.0.0"),
        93,
        "is not the built",
    )
    verified = cli("-C", shipped.path, "verify", "1.0.0")
    assert verified.code == 93 and "registry link" in verified.err


def test_provenance_reports_the_missing_links(cli, shipped: Repo) -> None:
    result = check(cli, shipped, "--protocol-type", "provenance", "--version", "1.0.0")
    assert result.code == 0
    assert "incomplete (missing: registry, sbom) (PROV-001)" in result.out

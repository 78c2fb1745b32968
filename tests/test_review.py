"""The L4 two-party review (SPEC section 8), end to end with real parts:
releases shipped by the real pipeline (gpg, or sigstore keyless through the
in-process Fulcio/Rekor stand-in in a hosted-GitLab-like environment),
rebuilt in a clean git worktree, approved and rejected with real gpg keys of
two and three identities, then forged, replayed and tampered with."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from registries import PyPIServer

from shipline.domain.config_loading import load_config
from shipline.domain.gitops import Git
from shipline.domain.provenance import attestation as att
from shipline.domain.provenance import ledger as ldg
from shipline.domain.review import decide as rv
from shipline.domain.review.approve import review_statement
from shipline.domain.review.checks import dependency_check
from shipline.domain.review.evidence import collect_evidence
from shipline.domain.review.rebuild import first_difference
from shipline.domain.signing import envelope as signing
from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401
from tests.sigstore_standin import Standin, standin_fixture  # noqa: F401

PIN = "registry.example.com/builder@sha256:" + "ab" * 32
L1, L3, L4 = "SLSA_BUILD_LEVEL_1", "SLSA_BUILD_LEVEL_3", "SLSA_BUILD_LEVEL_4"

STAMP_BACKEND = '''"""flit_core plus a build-time stamp: every build records when it ran.
A common pattern (a __build_date__ for support tickets) and exactly what makes
two builds of one commit differ: nothing here reads SOURCE_DATE_EPOCH."""
import time
from pathlib import Path

from flit_core import buildapi
from flit_core.buildapi import get_requires_for_build_sdist, get_requires_for_build_wheel  # noqa


def _stamp():
    Path("src/shipdemo/_build_info.py").write_text(f"BUILT_AT_NS = {time.time_ns()}\\n")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _stamp()
    return buildapi.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    _stamp()
    return buildapi.build_sdist(sdist_directory, config_settings)
'''


def _config(
    artifacts: list[dict[str, Any]],
    *,
    method: str = "gpg",
    level: str = "SLSA_BUILD_LEVEL_2",
    builder_image: str | None = None,
) -> str:
    prov: dict[str, Any] = {
        "enabled": True,
        "level": level,
        "signing": {"method": method, "keyless": method == "sigstore"},
        "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
    }
    if builder_image:
        prov["builderImage"] = builder_image
    return json.dumps(
        {
            "release": {
                "versionBump": ["VERSION"],
                "artifacts": artifacts,
                "security": {"provenance": prov},
            }
        },
        indent=2,
    )


def _tarball_project(repo: Repo, tmp_path: Path, **kw: Any) -> None:
    store = tmp_path / "store"
    store.mkdir(exist_ok=True)
    repo.commit(
        "chore: initial",
        {
            "VERSION": "1.2.0\n",
            "CHANGELOG.md": "# Changelog\n\n## [1.2.0] - 2025-12-01\n\n### Features\n\n- first\n",
            "src/app.py": "print('hi')\n",
            ".shipline/config.json": _config(
                [{"type": "tarball", "name": "demo", "registry": str(store)}], **kw
            ),
        },
    )
    repo.tag("v1.2.0", "Release v1.2.0")
    repo.commit("feat: export", {"src/export.py": "X = 1\n"})
    repo.commit("ci: build in a container", {"Dockerfile": "FROM python:3.12\n"})
    _remote(repo, tmp_path)


def _remote(repo: Repo, tmp_path: Path) -> None:
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "--tags")


def _ship(cli: Any, repo: Repo, *more: str) -> None:
    result = cli("-C", repo.path, "--output", "json", "release", "ship", "--yes", *more)
    assert result.code == 0, result.out[-3000:] + result.err


def _review(cli: Any, repo: Repo, version: str, *args: str) -> Any:
    return cli("-C", repo.path, "--output", "json", "review", version, *args)


def _as(monkeypatch: pytest.MonkeyPatch, key: GpgKey) -> None:
    monkeypatch.setenv("GPG_KEY_ID", key.fingerprint)


def _records(repo: Repo) -> list[dict[str, Any]]:
    return json.loads((repo.path / ".shipline" / "releases.json").read_text())["records"]


def _of(repo: Repo, kind: str) -> list[dict[str, Any]]:
    return [r for r in _records(repo) if r["recordType"] == kind]


def _evidence(repo: Repo, version: str, rebuild: bool = False) -> rv.Evidence:
    return collect_evidence(Git(repo.path), load_config(repo.path), version, rebuild=rebuild)


# --- evidence and rebuild ------------------------------------------------------------


def test_evidence_of_a_reproducible_release_changes_nothing(
    cli: Any, repo: Repo, tmp_path: Path, gpg_key: GpgKey
) -> None:
    _tarball_project(repo, tmp_path)
    _ship(cli, repo)
    before = repo.snapshot()
    result = _review(cli, repo, "v1.3.0")
    assert result.code == 0, result.err
    data = result.summary["data"]
    assert data["version"] == "1.3.0" and data["previousTag"] == "v1.2.0"
    assert [c["subject"] for c in data["commits"]][1:] == [
        "ci: build in a container",
        "feat: export",
    ]
    assert {"status": "A", "path": "Dockerfile"} in data["configChanges"]
    assert "+FROM python:3.12" in data["configDiff"]
    assert {a["name"] for a in data["artifacts"]} == {"demo-1.3.0.tar.gz", "checksums.txt"}
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["rebuild"]["status"] == "pass", checks["rebuild"]
    assert "2/2 artifact(s) rebuilt bit-for-bit" in checks["rebuild"]["detail"]
    assert checks["verify"]["status"] == "pass" and data["verifyOk"]
    assert checks["pinnedBuilder"]["status"] == "fail"
    assert data["sbom"]["format"] == "CycloneDX"
    assert "author@example.com" in data["authorIdentities"]
    assert "release@example.com" in data["authorIdentities"]
    missing = "\n".join(data["l4Missing"])
    assert f"the release is {L1}" in missing and "(0 so far)" in missing
    assert "a builder image pinned by digest" in missing
    text = cli("-C", repo.path, "review", "1.3.0", "--no-rebuild")
    assert text.code == 0, text.err
    assert "A Dockerfile" in text.out and "demo-1.3.0.tar.gz  sha256:" in text.out
    assert "not-run rebuild: the rebuild was skipped (--no-rebuild)" in text.out
    assert "L4 still needs:" in text.out
    # a look changes nothing: no file, ref or worktree left behind
    assert repo.snapshot() == before
    assert len(repo.git("worktree", "list").splitlines()) == 1


def test_rebuild_that_embeds_a_timestamp_differs_and_names_the_member(
    cli: Any, repo: Repo, tmp_path: Path, pypiserver: PyPIServer, gpg_key: GpgKey
) -> None:
    """A real non-reproducible build: an in-tree PEP 517 backend (backend-path)
    wrapping flit_core that writes the build time into the package."""
    repo.commit(
        "chore: initial",
        {
            "pyproject.toml": '[build-system]\nrequires = ["flit_core>=3.9,<4"]\n'
            'build-backend = "stampbackend"\nbackend-path = ["_build"]\n\n'
            '[project]\nname = "shipdemo"\nversion = "1.2.0"\n'
            'description = "demo"\n',
            "_build/stampbackend.py": STAMP_BACKEND,
            ".gitignore": "_build_info.py\n__pycache__/\n",
            "src/shipdemo/__init__.py": '"""Demo."""\n__version__ = "1.2.0"\n',
            "CHANGELOG.md": "# Changelog\n\n## [1.2.0] - 2025-12-01\n\n### Features\n\n- first\n",
            ".shipline/config.json": json.dumps(
                {
                    "release": {
                        "versionBump": ["pyproject.toml", "src/shipdemo/__init__.py"],
                        "artifacts": [
                            {
                                "type": "python-package",
                                "name": "shipdemo",
                                "registry": pypiserver.url,
                                "options": {"isolation": False},
                            }
                        ],
                        "security": {
                            "provenance": {
                                "level": "SLSA_BUILD_LEVEL_2",
                                "signing": {"method": "gpg", "keyless": False},
                            }
                        },
                    }
                }
            ),
        },
    )
    repo.tag("v1.2.0", "Release v1.2.0")
    repo.commit("feat: export endpoint", {"src/shipdemo/api.py": "X = 1\n"})
    _remote(repo, tmp_path)
    _ship(cli, repo)
    ev = _evidence(repo, "1.3.0", rebuild=True)
    rebuild = ev.check("rebuild")
    assert rebuild is not None and rebuild.status == "fail", rebuild
    assert "0/2 artifact(s) rebuilt bit-for-bit" in rebuild.detail
    wheel = next(
        (i for i in rebuild.items if i.startswith("shipdemo-1.3.0-py2.py3-none-any.whl")),
        rebuild.items,
    )
    assert "first differing member 'shipdemo/_build_info.py': content sha256" in wheel
    sdist = next((i for i in rebuild.items if i.startswith("shipdemo-1.3.0.tar.gz")), rebuild.items)
    assert "shipdemo-1.3.0/src/shipdemo/_build_info.py" in sdist
    assert any("reproducible rebuild" in m for m in ev.l4_missing)
    assert len(repo.git("worktree", "list").splitlines()) == 1


def test_first_difference_in_archives(tmp_path: Path) -> None:
    def tar(path: Path, files: list[tuple[str, bytes, int]]) -> Path:
        with tarfile.open(path, "w:gz") as tf:
            for name, data, mtime in files:
                info = tarfile.TarInfo(name)
                info.size, info.mtime = len(data), mtime
                tf.addfile(info, io.BytesIO(data))
        return path

    a = tar(tmp_path / "a.tar.gz", [("p/a", b"1", 5), ("p/b", b"2", 5)])
    assert "'p/b': content sha256" in (
        first_difference(a, tar(tmp_path / "b.tar.gz", [("p/a", b"1", 5), ("p/b", b"3", 5)])) or ""
    )
    assert "same content, mtime 5 != 9" in (
        first_difference(a, tar(tmp_path / "c.tar.gz", [("p/a", b"1", 5), ("p/b", b"2", 9)])) or ""
    )
    assert "member #1: the release has 'p/a', the rebuild has 'p/b'" in (
        first_difference(a, tar(tmp_path / "d.tar.gz", [("p/b", b"2", 5), ("p/a", b"1", 5)])) or ""
    )
    assert "only the release has member 'p/b'" in (
        first_difference(a, tar(tmp_path / "e.tar.gz", [("p/a", b"1", 5)])) or ""
    )
    for name, stamp in (("a.whl", (2020, 1, 1, 0, 0, 0)), ("b.whl", (2021, 1, 1, 0, 0, 0))):
        with zipfile.ZipFile(tmp_path / name, "w") as zf:
            zf.writestr(zipfile.ZipInfo("pkg/__init__.py", stamp), b"x = 1\n")
    assert "'pkg/__init__.py': same content, date_time" in (
        first_difference(tmp_path / "a.whl", tmp_path / "b.whl") or ""
    )
    (tmp_path / "x.bin").write_bytes(b"abcdef")
    (tmp_path / "y.bin").write_bytes(b"abcXef")
    assert (
        first_difference(tmp_path / "x.bin", tmp_path / "y.bin")
        == "first differing byte at offset 3 (sizes 6 and 6)"
    )


def test_dependency_check_lists_components_without_provenance(tmp_path: Path) -> None:
    digest, other = "11" * 32, "22" * 32
    sbom = tmp_path / "bom.json"
    sbom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": [
                    {
                        "name": "attested",
                        "version": "1",
                        "purl": "pkg:pypi/attested@1",
                        "hashes": [{"alg": "SHA-256", "content": digest}],
                    },
                    {
                        "name": "pinned",
                        "version": "2",
                        "purl": "pkg:pypi/pinned@2",
                        "hashes": [{"alg": "SHA-256", "content": other}],
                    },
                    {"name": "loose", "version": "3", "purl": "pkg:pypi/loose@3"},
                ],
            }
        )
    )
    state = tmp_path / "state"
    check = dependency_check(state, sbom)
    assert check.status == "fail" and len(check.items) == 3
    folder = state / "dependency-attestations"
    folder.mkdir(parents=True)
    statement = {
        "_type": att.STATEMENT_TYPE,
        "predicateType": "https://slsa.dev/provenance/v1",
        "subject": [{"name": "attested-1.whl", "digest": {"sha256": digest}}],
    }
    envelope = att.make_envelope(json.dumps(statement).encode(), [])
    (folder / "attested.intoto.jsonl").write_text(json.dumps(envelope) + "\n")
    check = dependency_check(state, sbom)
    assert check.detail == "2 of 3 component(s) without provenance evidence"
    assert check.items == [
        "pkg:pypi/loose@3: not hash-pinned in a lock file",
        "pkg:pypi/pinned@2: no attestation for its digest in dependency-attestations/",
    ]
    assert dependency_check(state, None).status == "fail"


# --- approvals and the level ---------------------------------------------------------


def _l3_release(
    cli: Any, repo: Repo, tmp_path: Path, standin: Standin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v1.3.0 shipped from a hosted-GitLab-like CI, signed keyless: recorded at
    L3 with a pinned builder, so only the two-party review stands between it
    and L4 ."""
    from shipline.domain.signing import sigstore_trust

    _tarball_project(repo, tmp_path, method="sigstore", level=L3, builder_image=PIN)
    monkeypatch.setenv(
        sigstore_trust.TRUST_CONFIG_ENV,
        str(standin.write_trust_config(tmp_path / "trust_config.json")),
    )
    monkeypatch.setenv(sigstore_trust.TRUSTED_ROOT_ENV, str(standin.trusted_root_path))
    for name, value in {
        "GITLAB_CI": "true",
        "CI_PROJECT_PATH": "grp/demo",
        "CI_RUNNER_ID": "7",
        "CI_RUNNER_TAGS": "saas-linux-small-amd64",
        "CI_JOB_ID": "42",
        "SIGSTORE_ID_TOKEN": standin.oidc.token(email="ci@example.com"),
    }.items():
        monkeypatch.setenv(name, value)
    _ship(cli, repo)
    assert _of(repo, "release")[-1]["slsaLevel"] == L3


def test_l4_recorded_only_when_everything_holds(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    standin: Standin,
    gpg_home: GpgHome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _l3_release(cli, repo, tmp_path, standin, monkeypatch)
    release = _of(repo, "release")[-1]
    alice = gpg_home.generate("Alice <alice@example.com>")
    bob = gpg_home.generate("Bob <bob@example.com>")

    _as(monkeypatch, alice)
    first = _review(cli, repo, "1.3.0", "--approve", "--comment", "diff read")
    assert first.code == 0, first.err
    assert first.summary["data"]["l4"] is False
    assert any("(1 so far: alice@example.com)" in m for m in first.summary["data"]["l4Missing"])
    again = _review(cli, repo, "1.3.0", "--approve", "--no-rebuild")
    assert again.code == 0, again.err
    missing = again.summary["data"]["l4Missing"]
    assert any("(1 so far: alice@example.com)" in m for m in missing), missing  # counts once
    assert any("reproducible rebuild: not-run" in m for m in missing)
    assert not _of(repo, "level")

    _as(monkeypatch, bob)
    second = _review(cli, repo, "1.3.0", "--approve")
    assert second.code == 0, second.err
    assert second.summary["data"]["l4"] is True, second.summary["data"]["l4Missing"]
    levels = _of(repo, "level")
    assert len(levels) == 1 and levels[0]["slsaLevel"] == L4
    assert levels[0]["releaseHash"] == release["hash"]
    reviews = _of(repo, "review")
    assert levels[0]["evidence"] == [reviews[1]["hash"], reviews[2]["hash"]]
    assert _of(repo, "release") == [release]  # the release record is never edited
    # the signed statement: subject is the release's attestation file
    statement = json.loads(
        base64.b64decode(json.loads((repo.path / reviews[2]["statement"]).read_text())["payload"])
    )
    attestation = repo.path / release["artifacts"][0]["attestation"]
    import hashlib

    assert statement["subject"] == [
        {
            "name": attestation.name,
            "digest": {"sha256": hashlib.sha256(attestation.read_bytes()).hexdigest()},
        }
    ]
    assert statement["predicateType"] == rv.PREDICATE_TYPE
    assert statement["predicate"]["reviewer"]["identity"] == "Bob <bob@example.com>"
    assert statement["predicate"]["checks"]["rebuild"].startswith("pass")
    # a third identity, keyless through sigstore: a review, never a second level record
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", standin.oidc.token(email="carol@example.com"))
    third = _review(cli, repo, "1.3.0", "--approve", "--sign", "sigstore", "--no-rebuild")
    assert third.code == 0, third.err
    assert third.summary["data"]["review"]["reviewer"] == "carol@example.com"
    # the release's own CI identity approving counts, but is not independent
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", standin.oidc.token(email="ci@example.com"))
    assert _review(cli, repo, "1.3.0", "--approve", "--sign", "sigstore", "--no-rebuild").code == 0
    assert len(_of(repo, "level")) == 1
    views = {v.identity: v for v in _evidence(repo, "1.3.0").reviews}
    assert set(views) == {
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
        "ci@example.com",
    }
    assert all(v.valid for v in views.values())
    assert [i for i, v in views.items() if not v.independent] == ["ci@example.com"]
    checks = rv.verify_reviews(ldg.load(repo.path / ".shipline"), repo.path)
    assert [c.status for c in checks] == ["ok"] * 6, checks
    assert cli("-C", repo.path, "verify", "1.3.0").code == 0


def _gpg_release(cli: Any, repo: Repo, tmp_path: Path) -> None:
    _tarball_project(repo, tmp_path)
    _ship(cli, repo)


def test_rejection_is_recorded_and_blocks_l4(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    gpg_key: GpgKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _gpg_release(cli, repo, tmp_path)
    bob = gpg_home.generate("Bob <bob@example.com>")
    _as(monkeypatch, bob)
    result = _review(cli, repo, "1.3.0", "--reject", "--no-rebuild", "--comment", "no")
    assert result.code == 0, result.err
    review = _of(repo, "review")[-1]
    assert review["approved"] is False and review["reviewer"] == "Bob <bob@example.com>"
    assert "rejected by bob@example.com" in result.summary["data"]["l4Missing"]
    # the release's own signer approving is not independent
    _as(monkeypatch, gpg_key)
    own = _review(cli, repo, "1.3.0", "--approve", "--no-rebuild")
    assert own.code == 0, own.err
    assert any(
        "neither the release's author nor its signer" in m for m in own.summary["data"]["l4Missing"]
    )


def _signed_review(
    repo: Repo, key: GpgKey, ev: rv.Evidence, release_hash: str, version: str
) -> dict[str, Any]:
    """A review record signed by ``key`` over ``ev``'s statement, recorded
    against release ``version`` (an attacker replaying a valid signature)."""
    state = repo.path / ".shipline"
    who = {"identity": key.uid, "method": "gpg", "fingerprint": key.fingerprint}
    statement = review_statement(ev, reviewer=who, approve=True, comment=None, at=ldg.now_rfc3339())
    payload = att.encode_payload(statement)
    path = state / "reviews" / f"forged-{len(ldg.load(state).records)}.review.intoto.jsonl"
    plan = signing.plan_signing(
        "gpg", False, None, L3, repo=repo.path, state_dir=state, env=key.env
    )
    signed = signing.sign(
        plan,
        statement,
        payload,
        attestation=path,
        keys_dir=state / "keys",
        env=key.env,
        relative=lambda p: str(p.relative_to(repo.path)),
        signed_at=ldg.now_rfc3339(),
    )
    for extra, data in signed.files.items():
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_bytes(data)
    path.write_text(json.dumps(signed.envelope) + "\n")
    return ldg.append(
        state,
        {
            "recordType": "review",
            "version": version,
            "releaseHash": release_hash,
            "reviewer": key.uid,
            "approved": True,
            "statement": str(path.relative_to(repo.path)),
            "signature": signed.block,
            "checks": statement["predicate"]["checks"],
            "recordedAt": ldg.now_rfc3339(),
        },
    )


def test_replayed_and_forged_approvals_do_not_count(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    gpg_key: GpgKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _gpg_release(cli, repo, tmp_path)
    repo.commit("feat: second", {"src/fix.py": "Y = 2\n"})
    repo.git("push", "-q", "origin", "main")
    _ship(cli, repo)
    alice = gpg_home.generate("Alice <alice@example.com>")
    old, new = _evidence(repo, "1.3.0"), _evidence(repo, "1.4.0")
    # 1. a valid approval of 1.3.0 recorded as a review of 1.4.0: the wrong release
    _signed_review(repo, alice, old, new.release_hash, "1.4.0")
    # 2. a statement about 1.4.0 whose subject is 1.3.0's attestation
    new.attestation = dict(old.attestation)
    _signed_review(repo, alice, new, new.release_hash, "1.4.0")
    views = _evidence(repo, "1.4.0").reviews
    assert [(v.valid, v.code) for v in views] == [(False, 94), (False, 94)]
    assert "an approval for the wrong release" in views[0].problem
    assert "it approves another release's evidence" in views[1].problem
    # 3. a real approval whose statement is then edited: the signature breaks
    _as(monkeypatch, alice)
    assert _review(cli, repo, "1.4.0", "--approve", "--no-rebuild").code == 0
    statement_path = repo.path / _of(repo, "review")[-1]["statement"]
    envelope = json.loads(statement_path.read_text())
    body = json.loads(base64.b64decode(envelope["payload"]))
    body["predicate"]["comment"] = "looks fine"
    envelope["payload"] = base64.b64encode(json.dumps(body).encode()).decode()
    statement_path.write_text(json.dumps(envelope) + "\n")
    ev = _evidence(repo, "1.4.0")
    assert [(v.valid, v.code) for v in ev.reviews][-1] == (False, 92)
    assert any("(0 so far)" in m for m in ev.l4_missing)
    checks = [
        c
        for c in rv.verify_reviews(ldg.load(repo.path / ".shipline"), repo.path)
        if c.link == "review"
    ]
    assert [c.code for c in checks] == [94, 94, 92]
    verify = cli("-C", repo.path, "verify", "1.4.0")
    assert verify.code == 94 and "review link" in verify.err, verify.err
    assert cli("-C", repo.path, "verify", "1.3.0").code == 0  # 1.3.0's own links hold


def test_verify_catches_a_tampered_review_record(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    gpg_key: GpgKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _gpg_release(cli, repo, tmp_path)
    _as(monkeypatch, gpg_home.generate("Bob <bob@example.com>"))
    assert _review(cli, repo, "1.3.0", "--reject", "--no-rebuild").code == 0
    path = repo.path / ".shipline" / "releases.json"
    doc = json.loads(path.read_text())
    doc["records"][-1]["approved"] = True  # a rejection turned into an approval
    path.write_text(json.dumps(doc))
    result = cli("-C", repo.path, "verify", "1.3.0")
    assert result.code == 93, result.out + result.err
    # re-sealing the edited record does not help: the signed verdict disagrees
    doc["records"][-1]["hash"] = ldg.record_hash(doc["records"][-1])
    path.write_text(json.dumps(doc))
    checks = rv.verify_reviews(ldg.load(repo.path / ".shipline"), repo.path)
    assert [(c.status, c.code) for c in checks] == [("failed", 94)]
    assert "signed verdict 'reject'" in checks[0].detail


def test_verify_catches_a_level_record_without_two_party_review(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    gpg_key: GpgKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _gpg_release(cli, repo, tmp_path)
    _as(monkeypatch, gpg_home.generate("Alice <alice@example.com>"))
    assert _review(cli, repo, "1.3.0", "--approve", "--no-rebuild").code == 0
    assert cli("-C", repo.path, "verify", "1.3.0").code == 0
    review = _of(repo, "review")[-1]
    ldg.append(
        repo.path / ".shipline",
        {  # L4 claimed on one approval of an L1 release
            "recordType": "level",
            "version": "1.3.0",
            "releaseHash": review["releaseHash"],
            "slsaLevel": L4,
            "reason": "trust me",
            "evidence": [review["hash"], review["hash"]],
            "recordedAt": ldg.now_rfc3339(),
        },
    )
    result = cli("-C", repo.path, "verify", "1.3.0")
    assert result.code == 94 and "level link" in result.err, result.err
    assert "not from two distinct identities" in result.err


# --- refusals ----------------------------------------------------------------------------


def test_refusals_name_their_reason_and_write_nothing(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    gpg_key: GpgKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _gpg_release(cli, repo, tmp_path)
    before = repo.snapshot()
    unknown = cli("-C", repo.path, "review", "9.9.9", "--approve")
    assert unknown.code == 50 and "no release 9.9.9 is recorded" in unknown.err
    assert cli("-C", repo.path, "review", "nope").code == 53
    monkeypatch.delenv("GPG_KEY_ID")
    nokey = cli("-C", repo.path, "review", "1.3.0", "--approve", "--no-rebuild")
    assert nokey.code == 91 and "GPG_KEY_ID" in nokey.err
    nooidc = cli(
        "-C", repo.path, "review", "1.3.0", "--reject", "--sign", "sigstore", "--no-rebuild"
    )
    assert nooidc.code == 91 and "no OIDC identity" in nooidc.err, nooidc.err
    assert "Traceback" not in unknown.err + nokey.err + nooidc.err
    assert repo.snapshot() == before
    # approving a release whose artifact changed on disk is refused (93)
    _as(monkeypatch, gpg_home.generate("Bob <bob@example.com>"))
    artifact = repo.path / _of(repo, "release")[-1]["artifacts"][0]["path"]
    artifact.write_bytes(artifact.read_bytes() + b"x")
    before = repo.snapshot()
    refused = cli("-C", repo.path, "review", "1.3.0", "--approve", "--no-rebuild")
    assert refused.code == 93 and "refusing to approve 1.3.0" in refused.err
    assert repo.snapshot() == before
    assert len(refused.err.strip().splitlines()) <= 2

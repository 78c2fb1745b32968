"""Red team, issue 13: what a release records and what it leaves behind.
Artifacts are in the ledger whether or not provenance is on; `check
protocol` reads every flag and does not let a disabled changelog pass
RLSE-002; `ship --dry-run` rehearses the gates and the artifacts and
writes nothing; abort leaves no state folder behind; a rewritten
changelog keeps its mode."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from conftest import Repo
from test_resume_abort import _pipeline

from shipline.domain.events import StepFinished
from shipline.domain.pipeline.order import ShipOptions


def _configure(repo: Repo, release: dict) -> None:
    repo.commit(
        "chore: configure shipline", {".shipline/config.json": json.dumps({"release": release})}
    )


def _unattested_tarball(repo: Repo, store: Path) -> None:
    store.mkdir(exist_ok=True)
    _configure(
        repo,
        {
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "artifacts": [{"type": "tarball", "name": "src", "registry": str(store)}],
            "security": {"provenance": {"enabled": False}},
        },
    )


def test_artifacts_published_without_provenance_are_recorded(
    py_repo: Repo, tmp_path: Path, cli
) -> None:
    store = tmp_path / "store"
    _unattested_tarball(py_repo, store)
    result = cli("-C", py_repo.path, "release", "ship", "--yes")
    assert result.code == 0, result.err
    records = json.loads((py_repo.path / ".shipline" / "releases.json").read_text())["records"]
    [record] = records
    names = sorted(a["name"] for a in record["artifacts"])
    assert names == ["checksums.txt", "src-1.3.0.tar.gz"]  # never a source-only record
    for artifact in record["artifacts"]:
        published = store / "src" / "1.3.0" / artifact["name"]
        from shipline.domain.digests import sha256_file

        assert sha256_file(published).sha256 == artifact["sha256"]
        assert artifact["registry"] and artifact["attestation"] is None
    assert record["metadata"]["completeness"] == "incomplete"
    assert record["metadata"]["missing"] == ["attestation"]
    assert record["metadata"]["links"]["releaseType"] == "artifacts-without-provenance"
    assert cli("-C", py_repo.path, "verify", "--all").code == 0
    publish = cli(
        "-C",
        py_repo.path,
        "check",
        "protocol",
        "--protocol-type",
        "artifact-publish",
        "--version",
        "1.3.0",
    )
    assert publish.code == 0, publish.err
    prov = cli(
        "-C",
        py_repo.path,
        "check",
        "protocol",
        "--protocol-type",
        "provenance",
        "--version",
        "1.3.0",
    )
    assert prov.code == 94 and "provenance was disabled when it shipped" in prov.err


def test_a_changelog_disabled_in_config_fails_check_protocol_57(py_repo: Repo, cli) -> None:
    _configure(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "changelog": {"enabled": False},
        },
    )
    assert cli("-C", py_repo.path, "release", "ship", "--yes").code == 0
    result = cli(
        "-C", py_repo.path, "check", "protocol", "--protocol-type", "release", "--version", "1.3.0"
    )
    assert result.code == 57 and "has no entry for 1.3.0 (RLSE-002)" in result.err
    assert "fix:" in result.err


def test_has_attestation_is_read(py_repo: Repo, cli) -> None:
    assert cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push").code == 0
    claimed = cli(
        "-C",
        py_repo.path,
        "check",
        "protocol",
        "--protocol-type",
        "release",
        "--version",
        "1.3.0",
        "--has-attestation",
        "true",
    )
    assert (
        claimed.code == 94
        and "--has-attestation true but the release has no artifacts" in claimed.err
    )
    honest = cli(
        "-C",
        py_repo.path,
        "check",
        "protocol",
        "--protocol-type",
        "release",
        "--version",
        "1.3.0",
        "--has-attestation",
        "false",
    )
    assert honest.code == 0, honest.err
    prov = cli(
        "-C",
        py_repo.path,
        "check",
        "protocol",
        "--protocol-type",
        "provenance",
        "--version",
        "1.3.0",
        "--hasAttestation",
        "false",
    )
    assert prov.code == 94


def test_dry_run_runs_the_gates_in_a_scratch_checkout_and_writes_nothing(
    py_repo: Repo, cli
) -> None:
    gate = (
        'grep -q \'version = "1.3.0"\' pyproject.toml && echo "bumped: $SHIPLINE_VERSION" '
        "&& touch gate-ran"
    )
    _configure(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "gates": [{"name": "sees the bump", "run": gate}],
        },
    )
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "--output", "json", "release", "ship", "--yes", "--dry-run")
    assert result.code == 0, result.out + result.err
    lines = result.json_lines()
    assert any(e["kind"] == "log" and e.get("text") == "bumped: 1.3.0" for e in lines)
    assert any(
        e["kind"] == "gate_result" and e["name"] == "sees the bump" and e["status"] == "passed"
        for e in lines
    )
    assert py_repo.snapshot() == before  # not even gate-ran or a .shipline folder


def test_dry_run_stops_on_a_failing_gate_with_54(py_repo: Repo, cli) -> None:
    _configure(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "gates": [{"name": "lint", "run": "echo broken >&2; exit 3"}],
        },
    )
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--dry-run")
    assert result.code == 54 and "gate 'lint' failed" in result.err, result.err
    assert py_repo.snapshot() == before


def test_dry_run_pre_validates_and_dry_runs_the_artifacts(
    py_repo: Repo, tmp_path: Path, cli
) -> None:
    store = tmp_path / "store"
    _configure(
        py_repo,
        {
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "artifacts": [
                {
                    "type": "tarball",
                    "name": "src",
                    "registry": "http://127.0.0.1:9/files",
                    "credentialsEnv": "FILES_TOKEN",
                }
            ],
            "security": {"provenance": {"enabled": False}},
        },
    )
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--dry-run")
    assert result.code == 86 and "FILES_TOKEN is not set" in result.err, result.err
    assert py_repo.snapshot() == before
    _unattested_tarball(py_repo, store)
    ok = cli("-C", py_repo.path, "--output", "json", "release", "ship", "--yes", "--dry-run")
    assert ok.code == 0, ok.out + ok.err
    texts = [e.get("text", "") for e in ok.json_lines() if e["kind"] == "log"]
    assert "pre-validated tarball 'src'" in texts
    assert any(t.startswith("dry run:") and "src-1.3.0.tar.gz" in t for t in texts)
    assert not any(store.iterdir())  # nothing published


def test_abort_removes_the_state_folder_the_release_made(
    py_repo: Repo, tmp_path: Path, cli
) -> None:
    store = tmp_path / "store"
    _unattested_tarball(py_repo, store)
    before = py_repo.snapshot()
    events = _pipeline(py_repo).ship(ShipOptions(yes=True))
    for event in events:
        if isinstance(event, StepFinished) and event.step == "artifacts":
            events.close()  # built, nothing published: like a crash here
            break
    assert (py_repo.path / ".shipline" / "work").is_dir()
    result = cli("-C", py_repo.path, "release", "abort")
    assert result.code == 0, result.err
    assert py_repo.snapshot() == before
    left = sorted(str(p.relative_to(py_repo.path)) for p in (py_repo.path / ".shipline").rglob("*"))
    assert left == [".shipline/config.json"]  # no .gitignore, no empty work/ folder


def test_a_rewritten_changelog_keeps_its_mode(py_repo: Repo, cli) -> None:
    changelog = py_repo.path / "CHANGELOG.md"
    os.chmod(changelog, 0o600)
    assert cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push").code == 0
    assert stat.S_IMODE(changelog.stat().st_mode) == 0o600
    assert "## [1.3.0]" in changelog.read_text()

"""A uv workspace's release train publishing two dependent Python packages
to a real pypiserver: the dependency first, each wheel and sdist attested
in its own statement, each package's record verified by ``verify
NAME@VERSION``, the dependent's pin raised in the sdist it publishes."""

from __future__ import annotations

import json
import subprocess
import tarfile
from typing import Any

import pytest
from conftest import Repo, run_shipline
from registries import PyPIServer

pytestmark = pytest.mark.slow

EPOCH = "1767830400"  # 2026-01-08


def _pyproject(name: str, version: str, deps: list[str] | None = None) -> str:
    listed = ", ".join(f'"{d}"' for d in deps or [])
    return (
        '[build-system]\nrequires = ["flit_core>=3.9,<4"]\nbuild-backend = "flit_core.buildapi"\n\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n'
        f'description = "{name} of svc"\ndependencies = [{listed}]\n'
    )


def _uv_workspace(repo: Repo, registry: str, client_registry: str | None = None) -> None:
    artifact = {"type": "python-package", "registry": registry, "options": {"isolation": False}}
    client = {**artifact, "registry": client_registry or registry}
    config = {
        "release": {
            "workspace": {
                "releaseDependents": True,  # the client's raised pin is released too
                "packages": [
                    {"name": "svc-client", "path": "libs/client", "artifacts": [client]},
                    {"name": "svc-models", "path": "libs/models", "artifacts": [artifact]},
                ],
            },
            "security": {
                "provenance": {
                    "enabled": True,
                    "signing": {"method": "none"},
                    "level": "SLSA_BUILD_LEVEL_1",
                }
            },
        }
    }
    repo.commit(
        "chore: workspace",
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "0.4.0"\n\n'
            '[tool.uv.workspace]\nmembers = ["libs/*"]\n',
            "libs/models/pyproject.toml": _pyproject("svc-models", "0.2.0"),
            "libs/models/svc_models/__init__.py": '"""Models."""\n',
            "libs/client/pyproject.toml": _pyproject("svc-client", "0.1.0", ["svc_models==0.2.0"]),
            "libs/client/svc_client/__init__.py": '"""Client."""\n',
            ".shipline/config.json": json.dumps(config, indent=2) + "\n",
        },
    )
    for tag in ("svc-v0.4.0", "svc-models-v0.2.0", "svc-client-v0.1.0"):
        repo.tag(tag, f"Release {tag}")
    repo.commit("fix(models): strip names", {"libs/models/svc_models/__init__.py": '"""M."""\n'})


def test_a_uv_train_publishes_the_dependency_first_to_pypiserver(
    repo: Repo, pypiserver: PyPIServer
) -> None:
    _uv_workspace(repo, pypiserver.url)
    env = {"SOURCE_DATE_EPOCH": EPOCH}
    result = run_shipline(
        "-C",
        repo.path,
        "--output",
        "json",
        "release",
        "ship",
        "--yes",
        "--no-push",
        env=env,
        timeout=600,
    )
    assert result.code == 0, result.out[-4000:] + result.err
    events = [json.loads(line) for line in result.out.splitlines() if line.startswith("{")]
    live = [
        e["package"]
        for e in events
        if e.get("kind") == "chain_link" and e["link"] == "registry" and e["status"] == "ok"
    ]
    assert live == ["svc-models", "svc-client"]  # the pin's target first
    slsa = [e for e in events if e.get("kind") == "log" and e["text"].startswith("SLSA: ")]
    assert len(slsa) == 2  # at the preflight and at the provenance step, not once a package
    served = sorted(p.name for p in pypiserver.packages.iterdir())
    assert [n.split("-")[:2] for n in served] == [
        ["svc_client", "0.1.1"],
        ["svc_client", "0.1.1.tar.gz"],
        ["svc_models", "0.2.1"],
        ["svc_models", "0.2.1.tar.gz"],
    ]
    with tarfile.open(pypiserver.packages / "svc_client-0.1.1.tar.gz") as sdist:
        member = sdist.extractfile("svc_client-0.1.1/pyproject.toml")
        assert member is not None and b'"svc_models==0.2.1"' in member.read()
    records: list[dict[str, Any]] = json.loads((repo.path / ".shipline/releases.json").read_text())[
        "records"
    ]
    assert [(r["metadata"]["links"]["package"], r["version"]) for r in records] == [
        ("svc-models", "0.2.1"),
        ("svc-client", "0.1.1"),
    ]
    for record in records:
        package = record["metadata"]["links"]["package"].replace("-", "_")
        kinds = sorted(a["name"].split("-")[1] for a in record["artifacts"])
        assert all(a["name"].startswith(f"{package}-") for a in record["artifacts"])
        assert kinds == [record["version"], f"{record['version']}.tar.gz"]  # wheel and sdist
        assert all(a["registry"] for a in record["artifacts"])
    for target in ("svc-models@0.2.1", "svc-client@0.1.1"):
        verified = run_shipline("-C", repo.path, "verify", target, env=env)
        assert verified.code == 0, verified.out + verified.err
        assert f"{target}: provenance chain verified" in verified.out
    assert (
        subprocess.run(
            ["git", "-C", str(repo.path), "status", "--porcelain"], capture_output=True, text=True
        )
        .stdout.strip()
        .startswith("??")
    )


def test_a_package_s_artifact_path_cannot_leave_the_repository(repo: Repo, cli: Any) -> None:
    _uv_workspace(repo, "http://127.0.0.1:9")
    config_path = repo.path / ".shipline/config.json"
    config = json.loads(config_path.read_text())
    config["release"]["workspace"]["packages"][0]["artifacts"][0]["path"] = "../../.."
    config_path.write_text(json.dumps(config))
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 90
    assert "release.workspace.packages[0].artifacts[0].path" in result.err
    assert repo.snapshot() == before


def test_a_failure_after_an_index_publish_is_89_recorded_incomplete_then_resume_completes(
    repo: Repo, pypiserver: PyPIServer, fault_proxy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """svc-models is on the index when svc-client's upload is refused: an
    index cannot delete, so the train stops with 89 naming what stayed, and
    svc-models' record is sealed incomplete. Once the index takes uploads
    again, resume publishes svc-client only and records it complete."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    proxy = fault_proxy(pypiserver.url)
    _uv_workspace(repo, pypiserver.url, client_registry=proxy.url)
    proxy.fail(403, methods={"POST"})
    from shipline.domain.errors import ShiplineError
    from shipline.domain.gitops import Git
    from shipline.domain.pipeline import journal
    from shipline.domain.pipeline.train import Train
    from shipline.domain.release.imports import load_config

    git = Git.open(repo.path)
    with pytest.raises(ShiplineError) as failed:
        list(Train(git, load_config(git.root)).ship({}, no_push=True))
    assert failed.value.code == 89, failed.value.message
    assert "svc-models 0.2.1 stays published" in failed.value.message
    records = json.loads((repo.path / ".shipline/releases.json").read_text())["records"]
    [models] = records  # sealed at once: its wheel and sdist are live
    assert models["metadata"]["links"]["package"] == "svc-models"
    assert "registry" not in models["metadata"]["missing"]
    assert all(a["registry"] for a in models["artifacts"])
    proxy.heal()
    j = journal.load(repo.path / ".shipline")
    assert j is not None
    events = list(Train(git, load_config(git.root)).resume(j))
    uploads = [e.detail for e in events if getattr(e, "action", "") == "uploading"]
    assert uploads == ["svc-client python-package: uploading"]
    records = json.loads((repo.path / ".shipline/releases.json").read_text())["records"]
    assert [(r["recordType"], r["metadata"]["links"]["package"]) for r in records] == [
        ("release", "svc-models"),
        ("release", "svc-client"),
    ]
    client = records[1]
    assert all(a["registry"] for a in client["artifacts"])
    assert client["metadata"]["missing"] == ["signature"]  # signing "none": nothing else
    served = sorted(p.name.split("-")[0] for p in pypiserver.packages.iterdir())
    assert served == ["svc_client", "svc_client", "svc_models", "svc_models"]
    verified = run_shipline("-C", repo.path, "verify", "--all")
    assert verified.code == 0, verified.out + verified.err

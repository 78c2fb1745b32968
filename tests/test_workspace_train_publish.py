"""A release train with artifacts: each package of an npm workspace built,
attested (its own statement, SBOM and gpg signature) and published to a real
verdaccio, dependencies first; a ledger record per package that ``verify
NAME@VERSION`` checks; a train stopped between two packages' publishes
resumes at the next package without publishing anything twice; abort
undoes every package's build and attestation, and refuses (59) once a
package is live."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, run_shipline
from registries_npm_oci import Verdaccio, unique_name

from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401

pytestmark = pytest.mark.slow

EPOCH = "1767830400"  # 2026-01-08


def _package_json(name: str, version: str, deps: dict[str, str] | None = None) -> str:
    data: dict[str, Any] = {"name": name, "version": version, "license": "MIT", "main": "index.js"}
    if deps:
        data["dependencies"] = deps
    return json.dumps(data, indent=2) + "\n"


class Workspace:
    """An npm workspace: ``core`` and ``cli`` (requires core ``^1.0.0``),
    both at 1.0.0 with ``NAME@1.0.0`` tags; ``cli``'s folder sorts first,
    so only the dependency graph puts ``core`` first."""

    def __init__(
        self,
        repo: Repo,
        verdaccio: Verdaccio,
        cli_registry: str | None = None,
        requires: str = "^1.0.0",
    ) -> None:
        self.repo = repo
        self.core = unique_name("core")
        self.cli = unique_name("cli")
        artifact = {
            "type": "npm-package",
            "registry": verdaccio.url,
            "credentialsEnv": "NPM_TOKEN",
        }
        config = {
            "release": {
                "workspace": {
                    "tagPattern": "{name}@{version}",
                    "packages": [
                        {
                            "name": self.cli,
                            "path": "packages/cli",
                            "artifacts": [
                                {
                                    **artifact,
                                    "name": "npm",
                                    "registry": cli_registry or verdaccio.url,
                                }
                            ],
                        },
                        {
                            "name": self.core,
                            "path": "packages/core",
                            "artifacts": [{**artifact, "name": "npm"}],
                        },
                    ],
                },
                "security": {
                    "provenance": {
                        "enabled": True,
                        "level": "SLSA_BUILD_LEVEL_1",
                        "signing": {"method": "gpg", "keyless": False},
                        "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
                    }
                },
            }
        }
        repo.commit(
            "chore: set up the workspace",
            {
                "package.json": json.dumps(
                    {"name": "acme", "private": True, "workspaces": ["packages/*"]}, indent=2
                )
                + "\n",
                "packages/core/package.json": _package_json(self.core, "1.0.0"),
                "packages/core/index.js": "module.exports = 1;\n",
                "packages/cli/package.json": _package_json(
                    self.cli, "1.0.0", {self.core: requires}
                ),
                "packages/cli/index.js": "module.exports = 2;\n",
                ".shipline/config.json": json.dumps(config, indent=2) + "\n",
            },
        )
        repo.tag(f"{self.core}@1.0.0", "Release core 1.0.0")
        repo.tag(f"{self.cli}@1.0.0", "Release cli 1.0.0")
        self.origin = repo.path.parent / "origin.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(self.origin)], check=True)
        repo.git("remote", "add", "origin", str(self.origin))
        repo.git("push", "-q", "origin", "main", "--tags")
        repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "module.exports = 3;\n"})
        repo.commit("fix(core): trim input", {"packages/core/index.js": "module.exports = 4;\n"})

    @property
    def state(self) -> Path:
        return self.repo.path / ".shipline"

    def records(self) -> list[dict[str, Any]]:
        path = self.state / "releases.json"
        return list(json.loads(path.read_text())["records"]) if path.exists() else []

    def remote_tags(self) -> set[str]:
        done = subprocess.run(
            ["git", "-C", str(self.origin), "tag"], capture_output=True, text=True, check=True
        )
        return set(done.stdout.split())


@pytest.fixture
def ws(
    repo: Repo,
    verdaccio: Verdaccio,
    npm_token: str,
    gpg_key: GpgKey,
    monkeypatch: pytest.MonkeyPatch,
) -> Workspace:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("NPM_TOKEN", npm_token)
    return Workspace(repo, verdaccio)


def _train(repo: Repo) -> Any:
    from shipline.domain.gitops import Git
    from shipline.domain.pipeline.train import Train
    from shipline.domain.release.imports import load_config

    git = Git.open(repo.path)
    return Train(git, load_config(git.root))


def _journal(repo: Repo) -> Any:
    from shipline.domain.pipeline import journal

    loaded = journal.load(repo.path / ".shipline")
    assert loaded is not None
    return loaded


def _published_versions(verdaccio: Verdaccio, name: str) -> list[str]:
    packument = verdaccio.packument(name)
    return sorted((packument or {}).get("versions", {}))  # type: ignore[arg-type]


def test_a_train_publishes_each_package_dependencies_first_with_its_own_provenance(
    ws: Workspace, verdaccio: Verdaccio, npm_token: str, gpg_key: GpgKey
) -> None:
    env = {"NPM_TOKEN": npm_token, "SOURCE_DATE_EPOCH": EPOCH, **gpg_key.env}
    result = run_shipline(
        "-C", ws.repo.path, "--output", "json", "release", "ship", "--yes", env=env, timeout=600
    )
    assert result.code == 0, result.out[-4000:] + result.err
    assert npm_token not in result.out + result.err
    events = [json.loads(line) for line in result.out.splitlines() if line.startswith("{")]
    live = [
        e["package"]
        for e in events
        if e.get("kind") == "chain_link" and e["link"] == "registry" and e["status"] == "ok"
    ]
    assert live == [ws.core, ws.cli]  # the dependency before its dependent
    assert _published_versions(verdaccio, ws.core) == ["1.0.1"]
    assert _published_versions(verdaccio, ws.cli) == ["1.0.1"]
    assert {f"{ws.core}@1.0.1", f"{ws.cli}@1.0.1"} <= ws.remote_tags()

    records = ws.records()
    assert [r["metadata"]["links"]["package"] for r in records] == [ws.core, ws.cli]
    for record, name in zip(records, (ws.core, ws.cli), strict=True):
        assert record["metadata"]["completeness"] == "complete"
        assert record["gitTag"] == f"{name}@1.0.1"
        [artifact] = record["artifacts"]
        assert artifact["type"] == "npm-package" and artifact["registry"]
        assert artifact["name"] == f"{name}-1.0.1.tgz"
        # file names carry the package: two packages never share an attestation or SBOM
        assert artifact["attestation"] == f".shipline/attestations/{name}-1.0.1.intoto.jsonl"
        assert record["sbom"]["path"] == f".shipline/sbom/{name}-1.0.1.cdx.json"
        envelope = json.loads((ws.repo.path / artifact["attestation"]).read_text())
        import base64

        statement = json.loads(base64.b64decode(envelope["payload"]))
        assert statement["predicate"]["buildDefinition"]["externalParameters"]["package"] == name
        assert statement["subject"][0]["annotations"] == {"package": name}
        assert statement["subject"][0]["digest"]["sha256"] == artifact["sha256"]

    for name in (ws.core, ws.cli):
        verified = run_shipline("-C", ws.repo.path, "verify", f"{name}@1.0.1", env=env)
        assert verified.code == 0, verified.out + verified.err
    every = run_shipline("-C", ws.repo.path, "verify", "--all", env=env)
    assert every.code == 0, every.out + every.err
    assert not (ws.state / "journal.json").exists()


def test_an_attestation_of_another_package_does_not_verify(ws: Workspace, gpg_key: GpgKey) -> None:
    """Swap the two packages' attestations and signatures: each is a valid,
    signed statement, but about the other package (94, and verify says so)."""
    list(_train(ws.repo).ship({}, no_push=True))
    path = ws.state / "releases.json"
    assert len(ws.records()) == 2
    for suffix in (".intoto.jsonl", ".intoto.jsonl.asc"):  # the envelope with its signature
        core_att = ws.state / "attestations" / f"{ws.core}-1.0.1{suffix}"
        cli_att = ws.state / "attestations" / f"{ws.cli}-1.0.1{suffix}"
        core_bytes, cli_bytes = core_att.read_bytes(), cli_att.read_bytes()
        core_att.write_bytes(cli_bytes)
        cli_att.write_bytes(core_bytes)
    result = run_shipline("-C", ws.repo.path, "verify", f"{ws.core}@1.0.1", env=gpg_key.env)
    assert result.code == 94, result.out + result.err
    assert (
        f"FAILED (94) attestation {ws.core}@1.0.1: the statement is about package {ws.cli}, "
        f"the record about {ws.core}" in result.out
    )
    assert path.exists()


def _stop_at(repo: Repo, predicate: Any) -> None:
    """Run a train until ``predicate(event)``; stop there like a SIGKILL (the
    generator is closed: nothing after that event runs, the journal stays)."""
    events = _train(repo).ship({})
    for event in events:
        if predicate(event):
            events.close()
            return
    raise AssertionError("the train finished before the stop")


def _first_package_live(event: Any) -> bool:
    return (
        getattr(event, "kind", "") == "chain_link"
        and event.link == "registry"
        and event.status == "ok"
    )


def test_stopped_between_two_packages_publishes_resume_picks_up_at_the_next(
    ws: Workspace, verdaccio: Verdaccio
) -> None:
    _stop_at(ws.repo, _first_package_live)
    j = _journal(ws.repo)
    assert "publish" not in j.completed and "provenance" in j.completed
    assert j.external == [f"publish:{ws.core}/npm"]  # the first package, and only it
    assert _published_versions(verdaccio, ws.cli) == []
    assert ws.records() == []

    events = list(_train(ws.repo).resume(_journal(ws.repo)))
    uploads = [e.detail for e in events if getattr(e, "action", "") == "uploading"]
    assert uploads == [f"{ws.cli} npm: uploading"]  # core is not published again
    assert _published_versions(verdaccio, ws.core) == ["1.0.1"]
    assert _published_versions(verdaccio, ws.cli) == ["1.0.1"]
    records = ws.records()
    assert [r["metadata"]["links"]["package"] for r in records] == [ws.core, ws.cli]
    assert all(r["metadata"]["completeness"] == "complete" for r in records)
    assert {f"{ws.core}@1.0.1", f"{ws.cli}@1.0.1"} <= ws.remote_tags()
    assert not (ws.state / "journal.json").exists()


@pytest.mark.parametrize("step", ["artifacts", "provenance"])
def test_abort_before_the_publish_undoes_every_package(ws: Workspace, step: str) -> None:
    before = ws.repo.snapshot()
    from shipline.domain.events import StepFinished

    _stop_at(ws.repo, lambda e: isinstance(e, StepFinished) and e.step == step)
    j = _journal(ws.repo)
    assert (ws.state / "work" / j.release_id).is_dir()
    if step == "provenance":
        assert len(list((ws.state / "attestations").glob("*.intoto.jsonl"))) == 2
    list(_train(ws.repo).abort(j))
    after = ws.repo.snapshot()
    files = {k: v for k, v in after["files"].items() if not k.startswith(".shipline/")}
    assert files == {k: v for k, v in before["files"].items() if not k.startswith(".shipline/")}
    assert after["head"] == before["head"] and after["refs"] == before["refs"]
    assert not (ws.state / "work" / j.release_id).exists()
    for folder in ("attestations", "sbom"):  # every package's unsealed provenance is gone
        assert not list((ws.state / folder).glob("*")) if (ws.state / folder).exists() else True
    assert not (ws.state / "journal.json").exists()


def test_abort_once_a_package_is_live_refuses_with_59_naming_it(
    ws: Workspace, verdaccio: Verdaccio
) -> None:
    _stop_at(ws.repo, _first_package_live)
    result = run_shipline("-C", ws.repo.path, "release", "abort")
    assert result.code == 59, result.out + result.err
    assert ws.core in result.err and "resume" in result.err
    assert ws.repo.git("tag", "--points-at", "HEAD")  # nothing was undone
    assert _published_versions(verdaccio, ws.core) == ["1.0.1"]
    assert (ws.state / "journal.json").exists()


def test_sigkill_while_building_the_second_package_then_resume_builds_only_it(
    ws: Workspace, verdaccio: Verdaccio, npm_token: str, gpg_key: GpgKey
) -> None:
    """``cli``'s ``prepack`` script SIGKILLs shipline the first time ``npm
    pack`` runs it: ``core`` is built and journaled by then. The resumed
    train builds ``cli`` only, and publishes each package once."""
    marker = ws.repo.path.parent / "killed"
    kill = (
        f'if [ "$npm_command" = pack ] && [ ! -e "{marker}" ]; then touch "{marker}"; '
        f"pkill -9 -f -- '-C {ws.repo.path} release ship'; sleep 5; fi"
    )
    cli_manifest = json.loads((ws.repo.path / "packages/cli/package.json").read_text())
    cli_manifest["scripts"] = {"prepack": kill}
    ws.repo.commit(
        "build(cli): a prepack step",
        {"packages/cli/package.json": json.dumps(cli_manifest, indent=2) + "\n"},
    )
    env = {"NPM_TOKEN": npm_token, "SOURCE_DATE_EPOCH": EPOCH, **gpg_key.env}
    killed = run_shipline("-C", ws.repo.path, "release", "ship", "--yes", env=env, timeout=600)
    assert killed.code == -9, killed.out[-2000:] + killed.err
    j = _journal(ws.repo)
    assert j.completed[-1] == "tag" and j.current == "artifacts"
    units = {m["name"]: m.get("unit", {}) for m in j.data["train"]}
    assert list(units[ws.core]["built"]) == ["npm"] and "built" not in units[ws.cli]
    core_tarball = Path(units[ws.core]["built"]["npm"][0]["path"])
    core_built = core_tarball.stat().st_mtime_ns

    resumed = run_shipline(
        "-C", ws.repo.path, "--output", "json", "release", "resume", env=env, timeout=600
    )
    assert resumed.code == 0, resumed.out[-4000:] + resumed.err
    events = [json.loads(line) for line in resumed.out.splitlines() if line.startswith("{")]
    building = [e["detail"] for e in events if e.get("action") == "building"]
    assert building == [f"{ws.cli} npm: building"]  # core's tarball was reused
    assert core_tarball.stat().st_mtime_ns == core_built
    assert _published_versions(verdaccio, ws.core) == ["1.0.1"]
    assert _published_versions(verdaccio, ws.cli) == ["1.0.1"]
    records = ws.records()
    assert [r["metadata"]["links"]["package"] for r in records] == [ws.core, ws.cli]
    every = run_shipline("-C", ws.repo.path, "verify", "--all", env=env)
    assert every.code == 0, every.out + every.err


def test_a_failed_publish_rolls_back_the_package_published_before_it(
    repo: Repo,
    verdaccio: Verdaccio,
    npm_token: str,
    gpg_key: GpgKey,
    fault_proxy: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``cli``'s registry refuses the upload after ``core`` went live: core
    is unpublished again (88), nothing is recorded, and abort then undoes
    the whole train."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("NPM_TOKEN", npm_token)
    proxy = fault_proxy(verdaccio.url)
    ws = Workspace(repo, verdaccio, cli_registry=proxy.url + "/")
    before = ws.repo.snapshot()
    proxy.fail(403, methods={"PUT"})
    from shipline.domain.errors import ShiplineError

    with pytest.raises(ShiplineError) as failed:
        list(_train(ws.repo).ship({}))
    assert failed.value.code == 88, failed.value.message
    assert failed.value.message.startswith(f"npm-package 'npm' of {ws.cli}: npm publish")
    assert f"rolled back: {ws.core}@1.0.1 unpublished" in failed.value.message
    assert _published_versions(verdaccio, ws.core) == []  # taken back
    assert _published_versions(verdaccio, ws.cli) == []
    j = _journal(ws.repo)
    assert j.external == [] and j.intents == {}  # nothing of the train is live
    assert ws.records() == [] and ws.remote_tags() == {f"{ws.core}@1.0.0", f"{ws.cli}@1.0.0"}
    list(_train(ws.repo).abort(j))
    after = ws.repo.snapshot()
    files = {k: v for k, v in after["files"].items() if not k.startswith(".shipline/")}
    assert files == {k: v for k, v in before["files"].items() if not k.startswith(".shipline/")}
    assert after["head"] == before["head"] and after["refs"] == before["refs"]
    assert not (ws.state / "journal.json").exists()


def test_a_pnpm_package_is_published_with_its_workspace_requirement_resolved(
    repo: Repo,
    verdaccio: Verdaccio,
    npm_token: str,
    gpg_key: GpgKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``workspace:^`` is what pnpm users write; npm would publish it as
    is. The published cli requires ``^1.0.1`` of core, the version the same
    train released, and its attested tarball is the one on the registry."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("NPM_TOKEN", npm_token)
    ws = Workspace(repo, verdaccio, requires="workspace:^")
    list(_train(ws.repo).ship({}, no_push=True))
    packument = verdaccio.packument(ws.cli)
    assert packument is not None
    published = packument["versions"]["1.0.1"]  # type: ignore[index]
    assert published["dependencies"] == {ws.core: "^1.0.1"}
    manifest = json.loads((ws.repo.path / "packages/cli/package.json").read_text())
    assert manifest["dependencies"] == {ws.core: "workspace:^"}  # the repository keeps its own
    verified = run_shipline("-C", ws.repo.path, "verify", f"{ws.cli}@1.0.1", env=gpg_key.env)
    assert verified.code == 0, verified.out + verified.err


def _uploaded(name: str) -> Any:
    """The moment the registry has ``name``'s upload and the journal only
    the intent to make it (a kill here is the hard case)."""
    return lambda e: getattr(e, "action", "") == "uploaded" and e.detail.startswith(name)


def test_killed_after_an_upload_the_journal_never_saw_resume_adopts_it(
    ws: Workspace, verdaccio: Verdaccio
) -> None:
    _stop_at(ws.repo, _uploaded(ws.core))
    j = _journal(ws.repo)
    assert f"publish:{ws.core}/npm" in j.intents and j.external == []
    assert _published_versions(verdaccio, ws.core) == ["1.0.1"]  # live, though not journaled
    refused = run_shipline("-C", ws.repo.path, "release", "abort")
    assert refused.code == 59 and ws.core in refused.err  # asked the registry, not the journal

    events = list(_train(ws.repo).resume(_journal(ws.repo)))
    assert [
        e.package
        for e in events
        if getattr(e, "kind", "") == "chain_link" and e.link == "registry" and e.status == "ok"
    ] == [ws.core, ws.cli]
    assert _published_versions(verdaccio, ws.core) == ["1.0.1"]
    assert _published_versions(verdaccio, ws.cli) == ["1.0.1"]
    records = ws.records()
    assert [r["metadata"]["links"]["package"] for r in records] == [ws.core, ws.cli]
    assert all(a["registry"] for r in records for a in r["artifacts"])


@pytest.mark.parametrize("step", ["artifacts", "provenance", "publish", "push"])
def test_stopped_after_each_artifact_step_resume_finishes_once(
    ws: Workspace, verdaccio: Verdaccio, step: str
) -> None:
    from shipline.domain.events import StepFinished

    base = ws.repo.git("rev-parse", "HEAD")
    _stop_at(ws.repo, lambda e: isinstance(e, StepFinished) and e.step == step)
    assert step in _journal(ws.repo).completed
    list(_train(ws.repo).resume(_journal(ws.repo)))
    assert ws.repo.git("rev-parse", "HEAD~1") == base  # one release commit
    assert _published_versions(verdaccio, ws.core) == ["1.0.1"]
    assert _published_versions(verdaccio, ws.cli) == ["1.0.1"]
    records = ws.records()
    assert [r["metadata"]["links"]["package"] for r in records] == [ws.core, ws.cli]
    assert all(a["registry"] for r in records for a in r["artifacts"])
    assert {f"{ws.core}@1.0.1", f"{ws.cli}@1.0.1"} <= ws.remote_tags()
    assert not (ws.state / "journal.json").exists()

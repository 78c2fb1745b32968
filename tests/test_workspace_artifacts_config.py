"""A workspace package's ``artifacts``: the shape of ``release.artifacts``,
paths relative to the package and confined to the repository, names unique
within the package; ``release plan`` says what each package would publish."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Repo
from monorepos import cargo_workspace, pnpm_monorepo

NPM = {"type": "npm-package", "registry": "http://127.0.0.1:9/", "credentialsEnv": "NPM_TOKEN"}


def _configure(repo: Repo, core_artifacts: list[dict[str, Any]]) -> None:
    config = {
        "release": {
            "workspace": {
                "packages": [
                    {"name": "@acme/core", "path": "packages/core", "artifacts": core_artifacts},
                    {"name": "@acme/cli", "path": "packages/cli"},
                ]
            }
        }
    }
    repo.commit("chore: shipline", {".shipline/config.json": json.dumps(config)})


def test_release_plan_says_what_each_package_publishes(repo: Repo, cli: Any) -> None:
    pnpm_monorepo(repo)
    _configure(repo, [NPM])
    repo.commit("fix(core): a", {"packages/core/index.js": "a\n"})
    repo.commit("fix(cli): b", {"packages/cli/index.js": "b\n"})
    result = cli("-C", repo.path, "--output", "json", "release", "plan")
    assert result.code == 0, result.err
    lines = [e["text"] for e in result.json_lines() if e["kind"] == "log"]
    assert (
        "@acme/core: publishes npm-package from packages/core to http://127.0.0.1:9/, "
        "attested and signed with sigstore" in lines
    )
    assert "@acme/cli: source-only (no artifacts)" in lines
    planned = result.summary["data"]["artifacts"]
    assert list(planned) == ["@acme/core"]
    assert planned["@acme/core"][0]["path"] == "packages/core"  # resolved from the package
    skipped = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-artifacts")
    assert skipped.summary["data"]["artifacts"] == {}


def test_two_artifacts_of_one_package_with_one_name_are_90(repo: Repo, cli: Any) -> None:
    pnpm_monorepo(repo)
    _configure(repo, [NPM, NPM])
    result = cli("-C", repo.path, "release", "plan")
    assert result.code == 90
    assert "two artifacts are named 'npm-package'" in result.err


def test_an_unknown_artifact_type_stops_the_train_before_any_write(repo: Repo, cli: Any) -> None:
    pnpm_monorepo(repo)
    _configure(repo, [{"type": "rpm-package"}])
    repo.commit("fix(core): a", {"packages/core/index.js": "a\n"})
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 85 and "rpm-package" in result.err
    assert repo.snapshot() == before


CRATE = {"type": "cargo-crate", "registry": "http://127.0.0.1:9/"}


@pytest.mark.parametrize(
    "core_artifacts",
    [
        pytest.param([], id="core-source-only"),
        pytest.param([{**CRATE, "registry": "http://127.0.0.1:7/"}], id="core-elsewhere"),
    ],
)
def test_a_crate_whose_sibling_the_train_does_not_package_with_it_is_86_before_any_write(
    repo: Repo, cli: Any, core_artifacts: list[dict[str, str]]
) -> None:
    """The train packages its crates of one registry together; tool-core is
    released source-only, or to another registry (another cargo call): its
    2.14.0 is nowhere cargo can resolve tool-cli's requirement from, and the
    train would fail after its commit and tags. It says so first."""
    cargo_workspace(repo)
    config = {
        "release": {
            "workspace": {
                "packages": [
                    {"name": "tool-core", "path": "crates/core", "artifacts": core_artifacts},
                    {"name": "tool-cli", "path": "crates/cli", "artifacts": [CRATE]},
                ]
            }
        }
    }
    repo.commit("chore: shipline", {".shipline/config.json": json.dumps(config)})
    repo.commit("feat(core): parse faster", {"crates/core/src/lib.rs": "pub fn f() {}\n"})
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 86, result.err
    assert "tool-cli: its cargo-crate cannot be packaged before tool-core 2.14.0" in result.err
    assert "without a cargo-crate to http://127.0.0.1:9 (registryName 'shipline'" in result.err
    assert "--handoff" in result.err
    assert repo.snapshot() == before

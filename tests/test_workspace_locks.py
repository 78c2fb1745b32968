"""A release train keeps the workspace's one lock file in step with the
manifests it bumps, as `npm version -w`, cargo and uv do: the released
members' entries (and, in package-lock.json, the requirements copied from
the package.json files) change; a member that is not released keeps its
entry even when it shares the old version; every other byte stays."""

from __future__ import annotations

import json
from typing import Any

from conftest import Repo
from monorepos import CARGO_LOCK, PNPM_LOCK, npm_workspace_lock, package_json, pnpm_monorepo

CORE, CLI, WRITE = "@acme/core", "@acme/cli", "@acme/write"


def _ship(cli: Any, repo: Repo) -> None:
    shipped = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.out[-3000:] + shipped.err


def test_an_npm_train_updates_package_lock_like_npm_version(repo: Repo, cli: Any) -> None:
    """core 1.2.0 → 1.3.0; cli's requirement on it is raised (``dependents:
    always``) in package.json and in the lock's copy; write is at 1.2.0 too,
    and its entry, like left-pad 1.3.0 from the registry, is not touched."""
    config = {"release": {"workspace": {"dependents": "always"}}}
    repo.commit(
        "chore: set up the workspace",
        {
            "package.json": json.dumps(
                {
                    "name": "acme-monorepo",
                    "version": "1.0.0",
                    "private": True,
                    "workspaces": ["packages/*"],
                },
                indent=2,
            )
            + "\n",
            "package-lock.json": npm_workspace_lock("1.2.0", "3.0.1", "^1.2.0", "1.2.0"),
            "packages/core/package.json": package_json(CORE, "1.2.0"),
            "packages/cli/package.json": package_json(CLI, "3.0.1", deps={CORE: "^1.2.0"}),
            "packages/write/package.json": package_json(
                WRITE, "1.2.0", deps={"left-pad": "^1.3.0"}
            ),
            ".shipline/config.json": json.dumps(config),
        },
    )
    for tag in (f"{CORE}@1.2.0", f"{CLI}@3.0.1", f"{WRITE}@1.2.0"):
        repo.tag(tag, tag)
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    _ship(cli, repo)
    assert (repo.path / "package-lock.json").read_text() == npm_workspace_lock(
        "1.3.0", "3.0.1", "^1.3.0", "1.2.0"
    )
    changed = repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert "package-lock.json" in changed  # in the release commit, not left dirty
    assert repo.git("status", "--porcelain", "--", "package-lock.json") == ""


TOOL_CORE = {  # a crate with its own version, requiring itoa from crates.io
    "crates/core/Cargo.toml": '[package]\nname = "tool-core"\nversion = "2.13.0"\n'
    'edition = "2021"\n\n[dependencies]\nitoa = "1"\n',
    "crates/core/src/lib.rs": "pub fn core() {}\n",
}


def test_a_cargo_train_of_independent_crates_updates_only_the_released_crate(
    repo: Repo, cli: Any
) -> None:
    """Two crates with their own versions, both 2.13.0: only tool-core is
    released (its requirement ``2.13.0`` in tool-cli still holds), so only
    its Cargo.lock entry moves."""
    repo.commit(
        "chore: workspace",
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n',
            "Cargo.lock": CARGO_LOCK.format(cli="2.13.0", core="2.13.0"),
            **TOOL_CORE,
            "crates/cli/Cargo.toml": '[package]\nname = "tool-cli"\nversion = "2.13.0"\n'
            'edition = "2021"\n\n[dependencies]\n'
            'tool-core = { path = "../core", version = "2.13.0" }\n',
            "crates/cli/src/main.rs": "fn main() {}\n",
        },
    )
    for crate in ("tool-core", "tool-cli"):
        repo.tag(f"{crate}-v2.13.0", f"{crate} 2.13.0")
    repo.commit("fix(core): parse faster", {"crates/core/src/lib.rs": "pub fn f() {}\n"})
    _ship(cli, repo)
    assert repo.git("tag", "--points-at", "HEAD").split() == ["tool-core-v2.13.1"]
    assert (repo.path / "Cargo.lock").read_text() == CARGO_LOCK.format(cli="2.13.0", core="2.13.1")
    assert repo.git("status", "--porcelain", "--", "Cargo.lock") == ""  # committed


# what uv 0.13.9 writes for _uv_workspace (`uv lock`)
UV_LOCK = """\
version = 1
revision = 5
requires-python = ">=3.11"

[manifest]
members = [
    "svc",
    "svc-client",
    "svc-models",
]

[[package]]
name = "svc"
version = "{svc}"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "svc-models" }},
]

[package.metadata]
requires-dist = [{{ name = "svc-models", editable = "libs/models" }}]

[[package]]
name = "svc-client"
version = "{client}"
source = {{ editable = "libs/client" }}

[[package]]
name = "svc-models"
version = "{models}"
source = {{ editable = "libs/models" }}
"""


def _uv_workspace(repo: Repo, client: str) -> None:
    """Root svc 0.4.0, svc-models 0.2.0 (a workspace source of svc) and
    svc-client at ``client``, each tagged, with their uv.lock."""
    repo.commit(
        "chore: workspace",
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "0.4.0"\n'
            'dependencies = ["svc-models"]\n\n'
            '[tool.uv.workspace]\nmembers = ["libs/*"]\n\n'
            "[tool.uv.sources]\nsvc-models = { workspace = true }\n",
            "uv.lock": UV_LOCK.format(svc="0.4.0", client=client, models="0.2.0"),
            "libs/models/pyproject.toml": '[project]\nname = "svc-models"\nversion = "0.2.0"\n',
            "libs/client/pyproject.toml": f'[project]\nname = "svc-client"\nversion = "{client}"\n',
            "app.py": "print('svc')\n",
        },
    )
    for tag in ("svc-v0.4.0", "svc-models-v0.2.0", f"svc-client-v{client}"):
        repo.tag(tag, tag)


def test_a_uv_train_updates_the_member_entries_of_uv_lock(repo: Repo, cli: Any) -> None:
    """svc-models 0.2.0 → 0.2.1 (a fix); svc-client, also at 0.2.0 in this
    workspace and not released, keeps its entry."""
    _uv_workspace(repo, client="0.2.0")
    repo.commit("fix(models): strip names", {"libs/models/m.py": "x\n"})
    _ship(cli, repo)
    assert "svc-models-v0.2.1" in repo.git("tag", "--points-at", "HEAD").split()
    assert (repo.path / "uv.lock").read_text() == UV_LOCK.format(
        svc="0.4.0", client="0.2.0", models="0.2.1"
    )
    assert repo.git("status", "--porcelain", "--", "uv.lock") == ""  # committed


def test_a_pnpm_train_keeps_the_importers_specifiers_as_package_json_says(
    repo: Repo, cli: Any
) -> None:
    """core 1.2.0 → 2.0.0 (a breaking change with its migration note) breaks
    write's ``^1.0.0``, which is raised to ``^2.0.0`` in its package.json
    and in its importer's ``specifier`` (``pnpm install --frozen-lockfile``
    refuses a lock that disagrees); cli's ``workspace:^`` stays as written."""
    pnpm_monorepo(repo)
    repo.commit(
        "feat(core)!: drop the sync API\n\n"
        "BREAKING CHANGE: the sync API is gone; call `await core()` instead",
        {"packages/core/index.js": "a\n"},
    )
    _ship(cli, repo)
    assert "@acme/core@2.0.0" in repo.git("tag", "--points-at", "HEAD").split()
    write = json.loads((repo.path / "packages/write/package.json").read_text())
    assert write["dependencies"]["@acme/core"] == "^2.0.0"
    expected = PNPM_LOCK.replace(
        "      '@acme/core':\n        specifier: ^1.0.0\n",
        "      '@acme/core':\n        specifier: ^2.0.0\n",
    )
    assert expected != PNPM_LOCK
    assert (repo.path / "pnpm-lock.yaml").read_text() == expected
    assert repo.git("status", "--porcelain", "--", "pnpm-lock.yaml") == ""


def test_a_uv_root_package_released_alone_leaves_a_member_at_its_version(
    repo: Repo, cli: Any
) -> None:
    """The root package svc and the member svc-client are both at 0.4.0;
    only svc has changes. In a train each member is its own package: the
    root's release does not carry svc-client along (its pyproject.toml and
    its uv.lock entry stay at 0.4.0)."""
    _uv_workspace(repo, client="0.4.0")
    repo.commit("feat: a health endpoint", {"app.py": "print('ok')\n"})
    _ship(cli, repo)
    assert repo.git("tag", "--points-at", "HEAD").split() == ["svc-v0.5.0"]
    client = (repo.path / "libs/client/pyproject.toml").read_text()
    assert 'version = "0.4.0"' in client
    assert (repo.path / "uv.lock").read_text() == UV_LOCK.format(
        svc="0.5.0", client="0.4.0", models="0.2.0"
    )


def test_a_cargo_root_crate_released_alone_leaves_a_member_crate_at_its_version(
    repo: Repo, cli: Any
) -> None:
    """A root crate (``[package]`` beside ``[workspace]``) and a member crate,
    both 2.13.0, each its own package: only the root has changes, so only
    its version and its Cargo.lock entry move."""
    repo.commit(
        "chore: workspace",
        {
            "Cargo.toml": '[package]\nname = "tool-cli"\nversion = "2.13.0"\nedition = "2021"\n\n'
            '[dependencies]\ntool-core = { path = "crates/core", version = "2.13.0" }\n\n'
            '[workspace]\nmembers = ["crates/*"]\n',
            "Cargo.lock": CARGO_LOCK.format(cli="2.13.0", core="2.13.0"),
            "src/main.rs": "fn main() {}\n",
            **TOOL_CORE,
        },
    )
    for crate in ("tool-core", "tool-cli"):
        repo.tag(f"{crate}-v2.13.0", f"{crate} 2.13.0")
    repo.commit("fix: parse arguments", {"src/main.rs": "fn main() { }\n"})
    _ship(cli, repo)
    assert repo.git("tag", "--points-at", "HEAD").split() == ["tool-cli-v2.13.1"]
    assert 'version = "2.13.0"' in (repo.path / "crates/core/Cargo.toml").read_text()
    assert (repo.path / "Cargo.lock").read_text() == CARGO_LOCK.format(cli="2.13.1", core="2.13.0")


# what yarn 4.5 writes for the workspace below (`yarn install`)
YARN_LOCK = """\
# This file is generated by running "yarn install" inside your project.
# Manual changes might be lost - proceed with caution!

__metadata:
  version: 8
  cacheKey: 10c0

"@acme/core@npm:^1.0.0, @acme/core@workspace:packages/core":
  version: 0.0.0-use.local
  resolution: "@acme/core@workspace:packages/core"
  languageName: unknown
  linkType: soft

"@acme/write@workspace:packages/write":
  version: 0.0.0-use.local
  resolution: "@acme/write@workspace:packages/write"
  dependencies:
    "@acme/core": "npm:^1.0.0"
  languageName: unknown
  linkType: soft

"acme-monorepo@workspace:.":
  version: 0.0.0-use.local
  resolution: "acme-monorepo@workspace:."
  languageName: unknown
  linkType: soft
"""


def test_a_yarn_train_that_raises_a_requirement_says_yarn_install_is_needed(
    repo: Repo, cli: Any
) -> None:
    """yarn looks a raised range up on its registry before it links the
    workspace, so only `yarn install` can write its lock: the train leaves
    yarn.lock as it is and says what to run."""
    repo.commit(
        "chore: set up the workspace",
        {
            "package.json": json.dumps(
                {"name": "acme-monorepo", "private": True, "workspaces": ["packages/*"]}
            )
            + "\n",
            "yarn.lock": YARN_LOCK,
            "packages/core/package.json": package_json(CORE, "1.2.0"),
            "packages/write/package.json": package_json(WRITE, "1.0.0", deps={CORE: "^1.0.0"}),
        },
    )
    repo.tag(f"{CORE}@1.2.0", "core")
    repo.tag(f"{WRITE}@1.0.0", "write")
    repo.commit(
        "feat(core)!: drop the sync API\n\n"
        "BREAKING CHANGE: the sync API is gone; call `await core()` instead",
        {"packages/core/index.js": "a\n"},
    )
    shipped = cli("-C", repo.path, "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.out[-3000:] + shipped.err
    assert json.loads((repo.path / "packages/write/package.json").read_text())["dependencies"] == {
        CORE: "^2.0.0"
    }
    assert (repo.path / "yarn.lock").read_text() == YARN_LOCK  # left to yarn
    assert (
        "warning: yarn.lock still records the old requirement(s) "
        f"({CORE} ^1.0.0 → ^2.0.0 in packages/write): run `yarn install` and commit "
        "yarn.lock, or `yarn install --immutable` will refuse it"
    ) in shipped.out

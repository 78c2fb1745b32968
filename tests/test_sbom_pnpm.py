"""pnpm workspaces' SBOMs come from ``pnpm-lock.yaml``: each package's
runtime closure from its importer (siblings through their ``link:``), with
the lock's integrity hashes; dev dependencies and other packages' deps are
left out. Before, a pnpm workspace had no lock file shipline read and its
packages' SBOMs listed nothing."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from conftest import Repo
from monorepos import pnpm_monorepo

from shipline.domain.provenance import sbom
from shipline.domain.provenance.lockfiles import LockfileInvalid, read_lockfiles

EPOCH = 1_767_300_000


def sri(name: str) -> str:
    """A real-looking SRI value: sha512 of the name, base64."""
    return "sha512-" + base64.b64encode(hashlib.sha512(name.encode()).digest()).decode()


def hex512(name: str) -> str:
    return hashlib.sha512(name.encode()).hexdigest()


LOCK_V9 = f"""\
lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    devDependencies:
      typescript:
        specifier: ^5.4.0
        version: 5.4.5

  packages/cli:
    dependencies:
      '@acme/core':
        specifier: workspace:^
        version: link:../core
      chalk:
        specifier: ^5.3.0
        version: 5.3.0
    devDependencies:
      vitest:
        specifier: ^1.6.0
        version: 1.6.0

  packages/core:
    dependencies:
      debug:
        specifier: ^4.3.4
        version: 4.3.4(supports-color@8.1.1)
      string-width-cjs:
        specifier: npm:string-width@^4.2.0
        version: string-width@4.2.3

  packages/docs: {{}}

  packages/write:
    dependencies:
      '@acme/core':
        specifier: ^1.0.0
        version: link:../core
      left-pad:
        specifier: ^1.3.0
        version: 1.3.0

packages:

  chalk@5.3.0:
    resolution: {{integrity: {sri("chalk")}}}
    engines: {{node: ^12.17.0 || ^14.13 || >=16.0.0}}

  debug@4.3.4:
    resolution: {{integrity: {sri("debug")}}}
    engines: {{node: '>=6.0'}}
    peerDependencies:
      supports-color: '*'
    peerDependenciesMeta:
      supports-color:
        optional: true

  has-flag@4.0.0:
    resolution: {{integrity: {sri("has-flag")}}}

  left-pad@1.3.0:
    resolution: {{integrity: {sri("left-pad")}}}
    deprecated: use String.prototype.padStart()

  ms@2.1.2:
    resolution: {{integrity: {sri("ms")}}}

  string-width@4.2.3:
    resolution: {{integrity: {sri("string-width")}}}

  supports-color@8.1.1:
    resolution: {{integrity: {sri("supports-color")}}}

  typescript@5.4.5:
    resolution: {{integrity: {sri("typescript")}}}
    hasBin: true

  vitest@1.6.0:
    resolution: {{integrity: {sri("vitest")}}}

snapshots:

  chalk@5.3.0: {{}}

  debug@4.3.4(supports-color@8.1.1):
    dependencies:
      ms: 2.1.2
      supports-color: 8.1.1

  has-flag@4.0.0: {{}}

  left-pad@1.3.0: {{}}

  ms@2.1.2: {{}}

  string-width@4.2.3: {{}}

  supports-color@8.1.1:
    dependencies:
      has-flag: 4.0.0

  typescript@5.4.5: {{}}

  vitest@1.6.0: {{}}
"""

CORE_CLOSURE = {
    "pkg:npm/%40acme/core@1.2.0",
    "pkg:npm/debug@4.3.4",
    "pkg:npm/ms@2.1.2",
    "pkg:npm/supports-color@8.1.1",
    "pkg:npm/has-flag@4.0.0",
    "pkg:npm/string-width@4.2.3",
}


@pytest.fixture
def workspace(repo: Repo) -> Repo:
    pnpm_monorepo(repo)
    repo.commit("chore: lock the dependencies", {"pnpm-lock.yaml": LOCK_V9})
    return repo


def test_a_members_closure_comes_from_its_importer(workspace: Repo) -> None:
    inv = read_lockfiles(workspace.path, "@acme/cli")
    assert inv is not None and inv.sources == ("pnpm-lock.yaml",) and inv.ecosystem == "npm"
    assert inv.direct == ("pkg:npm/%40acme/core@1.2.0", "pkg:npm/chalk@5.3.0")
    assert {p.purl for p in inv.packages} == CORE_CLOSURE | {"pkg:npm/chalk@5.3.0"}
    by = {p.purl: p for p in inv.packages}
    assert by["pkg:npm/chalk@5.3.0"].hashes == (("SHA-512", hex512("chalk")),)
    assert by["pkg:npm/debug@4.3.4"].requires == (
        "pkg:npm/ms@2.1.2",
        "pkg:npm/supports-color@8.1.1",
    )
    assert by["pkg:npm/%40acme/core@1.2.0"].requires == (
        "pkg:npm/debug@4.3.4",
        "pkg:npm/string-width@4.2.3",  # an alias, listed under its real name
    )


def test_another_member_gets_its_own_closure_and_no_dev_dependency(workspace: Repo) -> None:
    inv = read_lockfiles(workspace.path, "@acme/write")
    assert inv is not None
    purls = {p.purl for p in inv.packages}
    assert purls == CORE_CLOSURE | {"pkg:npm/left-pad@1.3.0"}
    assert not any("vitest" in p or "typescript" in p or "chalk" in p for p in purls)


def test_the_sbom_of_a_workspace_package_lists_its_dependencies(workspace: Repo) -> None:
    data, _ = sbom.generate(workspace.path, "@acme/cli", "3.0.2", source_date_epoch=EPOCH)
    doc = json.loads(data)
    purls = {c["purl"] for c in doc["components"]}
    assert purls == CORE_CLOSURE | {"pkg:npm/chalk@5.3.0"}
    chalk = next(c for c in doc["components"] if c["name"] == "chalk")
    assert chalk["hashes"] == [{"alg": "SHA-512", "content": hex512("chalk")}]
    again, _ = sbom.generate(workspace.path, "@acme/cli", "3.0.2", source_date_epoch=EPOCH)
    assert again == data  # reproducible


def test_a_single_project_v6_lock_is_read(repo: Repo) -> None:
    lock = f"""\
lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

dependencies:
  left-pad:
    specifier: ^1.3.0
    version: 1.3.0

devDependencies:
  typescript:
    specifier: ^5.4.0
    version: 5.4.5

packages:

  /left-pad@1.3.0:
    resolution: {{integrity: {sri("left-pad")}}}
    dev: false

  /typescript@5.4.5:
    resolution: {{integrity: {sri("typescript")}}}
    hasBin: true
    dev: true
"""
    repo.commit(
        "chore: app",
        {
            "package.json": json.dumps({"name": "app", "version": "1.0.0"}),
            "pnpm-lock.yaml": lock,
        },
    )
    inv = read_lockfiles(repo.path, "app")
    assert inv is not None and inv.direct == ("pkg:npm/left-pad@1.3.0",)
    assert [p.purl for p in inv.packages] == ["pkg:npm/left-pad@1.3.0"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("lockfileVersion: '5.4'\n", "lockfileVersion '5.4' is not 6 or 9"),
        ("- not\n- a map\n", "not a pnpm lock file"),
        ("lockfileVersion: '9.0'\nimporters: [\n", "not YAML"),
        (
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n"
            "      ms:\n        specifier: ^2\n        version: 2.1.2\n",
            "packages[ms@2.1.2]: missing",
        ),
    ],
)
def test_a_broken_lock_is_86_naming_what_is_wrong(repo: Repo, text: str, said: str) -> None:
    repo.commit("chore: app", {"package.json": '{"name": "app"}', "pnpm-lock.yaml": text})
    with pytest.raises(LockfileInvalid) as caught:
        read_lockfiles(repo.path, "app")
    assert caught.value.code == 86
    assert said in caught.value.message and "pnpm-lock.yaml" in caught.value.message

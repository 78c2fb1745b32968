"""Generated monorepo fixtures that look like real ones: a pnpm workspace with
scoped packages tagged ``@scope/name@X``, a Cargo workspace whose crates
inherit one version and require each other, and a uv workspace."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import Repo


def package_json(
    name: str, version: str, *, private: bool = False, deps: dict[str, str] | None = None
) -> str:
    data: dict[str, object] = {"name": name, "version": version}
    if private:
        data["private"] = True
    if deps:
        data["dependencies"] = deps
    return json.dumps(data, indent=2) + "\n"


LEFT_PAD_INTEGRITY = (  # left-pad 1.3.0, as the npm registry serves it
    "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQGinBN9yTQT3bFlCBy/"
    "aVx2HrNcqQGsdot8ghrjyrvMCoEA=="
)
PNPM_LOCK = f"""\
lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .: {{}}

  packages/cli:
    dependencies:
      '@acme/core':
        specifier: workspace:^
        version: link:../core

  packages/core: {{}}

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

  left-pad@1.3.0:
    resolution: {{integrity: {LEFT_PAD_INTEGRITY}}}

snapshots:

  left-pad@1.3.0: {{}}
"""


def pnpm_monorepo(repo: Repo) -> Repo:
    """Root (private), @acme/core, @acme/cli (requires core with
    ``workspace:^``), @acme/write (requires core ``^1.0.0`` and left-pad),
    @acme/docs (private), with the ``pnpm-lock.yaml`` pnpm 9 writes for them
    (siblings through ``link:``). cli released at 3.0.1, core 1.2.0, write
    1.0.0."""
    repo.commit(
        "chore: set up the workspace",
        {
            "package.json": package_json("acme-monorepo", "1.0.0", private=True),
            "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  - '!packages/legacy'\n",
            "pnpm-lock.yaml": PNPM_LOCK,
            "packages/core/package.json": package_json("@acme/core", "1.2.0"),
            "packages/core/index.js": "export const core = 1;\n",
            "packages/cli/package.json": package_json(
                "@acme/cli", "3.0.1", deps={"@acme/core": "workspace:^"}
            ),
            "packages/cli/index.js": "export const cli = 1;\n",
            "packages/write/package.json": package_json(
                "@acme/write", "1.0.0", deps={"@acme/core": "^1.0.0", "left-pad": "^1.3.0"}
            ),
            "packages/write/index.js": "export const write = 1;\n",
            "packages/docs/package.json": package_json("@acme/docs", "0.0.0", private=True),
            "packages/legacy/package.json": package_json("@acme/legacy", "0.1.0"),
        },
    )
    for tag in ("@acme/core@1.2.0", "@acme/cli@3.0.1", "@acme/write@1.0.0"):
        repo.tag(tag, f"Release {tag}")
    return repo


def tarball_packages(
    store: Path, *folders: str, under: str = "packages", prefix: str = "@acme/"
) -> list[dict[str, object]]:
    """Workspace config entries for ``<prefix><folder>`` packages at
    ``<under>/<folder>`` (the pnpm fixture's by default), each shipping a
    reproducible tarball of its folder to ``store``."""
    return [
        {
            "name": f"{prefix}{folder}",
            "path": f"{under}/{folder}",
            "artifacts": [{"type": "tarball", "name": folder, "registry": str(store)}],
        }
        for folder in folders
    ]


def package_tarball(repo: Repo, folder: str, tarball: Path) -> Path:
    """An npm-style tarball (``package/`` prefix) of ``packages/<folder>`` at HEAD."""
    subprocess.run(
        [
            *("git", "-C", str(repo.path), "archive", "--format=tar.gz"),
            *("-o", str(tarball), "--prefix=package/", f"HEAD:packages/{folder}"),
        ],
        check=True,
    )
    return tarball


def npm_workspace_lock(core: str, cli: str, cli_requires: str, write: str | None = None) -> str:
    """The package-lock.json npm 11 writes for an npm workspace of
    @acme/core, @acme/cli (requiring core) and, given a version, @acme/write
    (requiring left-pad from the registry)."""
    members: dict[str, object] = {
        "node_modules/@acme/cli": {"resolved": "packages/cli", "link": True},
        "node_modules/@acme/core": {"resolved": "packages/core", "link": True},
        "packages/cli": {
            "name": "@acme/cli",
            "version": cli,
            "dependencies": {"@acme/core": cli_requires},
        },
        "packages/core": {"name": "@acme/core", "version": core},
    }
    if write is not None:
        members |= {
            "node_modules/@acme/write": {"resolved": "packages/write", "link": True},
            "node_modules/left-pad": {
                "version": "1.3.0",
                "integrity": LEFT_PAD_INTEGRITY,
                "license": "WTFPL",
            },
            "packages/write": {
                "name": "@acme/write",
                "version": write,
                "dependencies": {"left-pad": "^1.3.0"},
            },
        }
    lock = {
        "name": "acme-monorepo",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": {
            "": {"name": "acme-monorepo", "version": "1.0.0", "workspaces": ["packages/*"]},
            **dict(sorted(members.items())),
        },
    }
    return json.dumps(lock, indent=2) + "\n"


CARGO_LOCK = """\
# This file is automatically @generated by Cargo.
# It is not intended for manual editing.
version = 4

[[package]]
name = "itoa"
version = "1.0.11"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "49f1f14873335454500d59611f1cf4a4b0f786f9ac11f4312a78e4cf2566695b"

[[package]]
name = "tool-cli"
version = "{cli}"
dependencies = [
 "tool-core",
]

[[package]]
name = "tool-core"
version = "{core}"
dependencies = [
 "itoa",
]
"""


def cargo_workspace(repo: Repo) -> Repo:
    """Crates ``tool-core`` and ``tool-cli`` inherit ``[workspace.package]
    version = "2.13.0"``; cli requires core with ``version = "2.13.0"``."""
    repo.commit(
        "chore: workspace",
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n\n'
            '[workspace.package]\nversion = "2.13.0"\nedition = "2021"\n',
            "crates/core/Cargo.toml": '[package]\nname = "tool-core"\nversion.workspace = true\n'
            "edition.workspace = true\n",
            "crates/core/src/lib.rs": "pub fn core() {}\n",
            "crates/cli/Cargo.toml": '[package]\nname = "tool-cli"\nversion.workspace = true\n'
            "edition.workspace = true\n\n[dependencies]\n"
            'tool-core = { path = "../core", version = "2.13.0" }\n',
            "crates/cli/src/main.rs": "fn main() {}\n",
        },
    )
    repo.tag("tool-core-v2.13.0", "Release tool-core 2.13.0")
    repo.tag("tool-cli-v2.13.0", "Release tool-cli 2.13.0")
    return repo


def uv_workspace(repo: Repo) -> Repo:
    """A uv workspace: root app ``svc`` plus libs ``svc-models`` and ``svc-client``."""
    repo.commit(
        "chore: workspace",
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "0.4.0"\n'
            'dependencies = ["svc-models>=0.2"]\n\n'
            '[tool.uv.workspace]\nmembers = ["libs/*"]\n',
            "libs/models/pyproject.toml": '[project]\nname = "svc-models"\nversion = "0.2.0"\n',
            "libs/client/pyproject.toml": '[project]\nname = "svc-client"\nversion = "0.1.0"\n'
            'dependencies = ["svc_models==0.2.0", "httpx>=0.27"]\n',
            "app.py": "print('svc')\n",
        },
    )
    for tag in ("svc-v0.4.0", "svc-models-v0.2.0", "svc-client-v0.1.0"):
        repo.tag(tag, f"Release {tag}")
    return repo

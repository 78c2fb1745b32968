"""A package of an npm workspace gets the SBOM of its own dependencies: the
workspace's one package-lock.json is read from the member's entry, a
requirement on a sibling resolves through the workspace link to it, and
the other members' dependencies stay out."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from shipline.domain.provenance import lockfiles


def _sri(text: str) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(text.encode()).digest()).decode()


LOCK = {
    "name": "acme",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": {"name": "acme", "workspaces": ["packages/*"]},
        "node_modules/@acme/cli": {"resolved": "packages/cli", "link": True},
        "node_modules/@acme/core": {"resolved": "packages/core", "link": True},
        "node_modules/left-pad": {
            "version": "1.3.0",
            "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
            "integrity": _sri("left-pad"),
        },
        "node_modules/ms": {
            "version": "2.1.3",
            "resolved": "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz",
            "integrity": _sri("ms"),
        },
        "packages/cli": {
            "name": "@acme/cli",
            "version": "3.0.2",
            "dependencies": {"@acme/core": "^1.3.0", "left-pad": "^1.3.0"},
        },
        "packages/core": {"name": "@acme/core", "version": "1.3.0", "dependencies": {"ms": "^2"}},
    },
}


def test_a_member_s_inventory_is_its_own_closure(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").write_text(json.dumps(LOCK, indent=2))
    cli = lockfiles.read_lockfiles(tmp_path, "@acme/cli")
    assert cli is not None
    assert cli.direct == ("pkg:npm/%40acme/core@1.3.0", "pkg:npm/left-pad@1.3.0")
    assert sorted(p.purl for p in cli.packages) == [
        "pkg:npm/%40acme/core@1.3.0",
        "pkg:npm/left-pad@1.3.0",
        "pkg:npm/ms@2.1.3",  # core's, through the sibling
    ]
    core = lockfiles.read_lockfiles(tmp_path, "@acme/core")
    assert core is not None
    assert [p.purl for p in core.packages] == ["pkg:npm/ms@2.1.3"]  # no left-pad: cli's only
    root = lockfiles.read_lockfiles(tmp_path, "acme")
    assert root is not None and root.packages == ()  # the private root requires nothing

"""npm's ``package-lock.json`` v2/v3 (the ``packages`` map), without dev entries."""

from __future__ import annotations

from pathlib import Path

from shipline.domain.jsonio import StrictJSONError, loads_strict
from shipline.domain.provenance.lockfiles.model import (
    Inventory,
    LockfileInvalid,
    Package,
    finish,
    integrity_hashes,
    purl_for,
    relative,
    require_str,
)

# -- package-lock.json ------------------------------------------------------------------------


def read_package_lock(path: Path, root: Path, artifact_name: str | None = None) -> Inventory:
    """The dependencies the lock file resolves: the root package's, or in
    an npm workspace ``artifact_name``'s when it is one of the members
    (a member's requirement on a sibling resolves through the workspace
    link to that sibling)."""
    name = relative(path, root)
    try:
        data = loads_strict(path.read_bytes())
    except StrictJSONError as exc:
        raise LockfileInvalid(f"{name}: {exc}", hint="regenerate it with `npm install`") from None
    if not isinstance(data, dict) or data.get("lockfileVersion") not in (2, 3):
        version = data.get("lockfileVersion") if isinstance(data, dict) else None
        raise LockfileInvalid(
            f"{name}: lockfileVersion {version!r} is not 2 or 3",
            hint="regenerate it with npm 7 or later",
        )
    entries = data.get("packages")
    if not isinstance(entries, dict) or not isinstance(entries.get(""), dict):
        raise LockfileInvalid(
            f'{name}: packages[""]: missing (the root package)',
            hint="regenerate it with `npm install`",
        )
    located: dict[str, tuple[str, str, set[tuple[str, str]]]] = {}
    for key, entry in entries.items():
        if not key or not isinstance(entry, dict) or entry.get("dev") or entry.get("link"):
            continue
        where = f"{name}: packages[{key!r}]"
        pkg_name = entry.get("name") or key.rsplit("node_modules/", 1)[-1]
        version = require_str(entry, "version", where)
        located[key] = (
            purl_for("npm", pkg_name, version),
            pkg_name,
            integrity_hashes(entry.get("integrity"), where),
        )

    links = {
        key: str(entry["resolved"])
        for key, entry in entries.items()
        if isinstance(entry, dict) and entry.get("link") and isinstance(entry.get("resolved"), str)
    }

    def find(from_key: str, dep: str) -> str | None:
        base = from_key
        while True:  # node's resolution: nearest node_modules upwards
            candidate = f"{base}/node_modules/{dep}" if base else f"node_modules/{dep}"
            candidate = links.get(candidate, candidate)  # a workspace member, by its folder
            if candidate in located:
                return located[candidate][0]
            if not base:
                return None
            base = base.rsplit("/node_modules/", 1)[0] if "/node_modules/" in base else ""

    def deps(key: str) -> list[str]:
        entry = entries[key]
        names = [
            *(entry.get("dependencies") or {}),
            *(entry.get("optionalDependencies") or {}),
            *(entry.get("peerDependencies") or {}),
        ]
        return sorted({p for p in (find(key, n) for n in names) if p})

    packages: dict[str, Package] = {}
    for key, (purl, pkg_name, hashes) in located.items():
        old = packages.get(purl)
        merged = set(deps(key)) | set(old.requires if old else ())
        packages[purl] = Package(
            pkg_name,
            purl.rsplit("@", 1)[1],
            purl,
            tuple(sorted(hashes | set(old.hashes if old else ()))),
            tuple(sorted(merged)),
        )
    member = next(
        (
            key
            for key, (_, pkg_name, _) in located.items()
            if artifact_name and pkg_name == artifact_name and "node_modules/" not in key
        ),
        "",
    )
    return finish([name], "npm", deps(member), packages)

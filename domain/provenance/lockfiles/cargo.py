"""Cargo's ``Cargo.lock`` (v1-v4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipline.domain.provenance.lockfiles.model import (
    IdSet,
    Inventory,
    LockfileInvalid,
    Package,
    finish,
    load_toml,
    parse_hash,
    purl_for,
    relative,
    require_str,
    table_list,
    vcs_url,
)

# -- Cargo.lock -------------------------------------------------------------------------------

CRATES_IO = (
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
)


def cargo_purl(entry: dict[str, Any]) -> str:
    """pkg:cargo/name@version, with ``vcs_url`` for a git crate and
    ``repository_url`` for one from another registry."""
    source = str(entry.get("source") or "")
    qualifiers = {}
    if source.startswith("git+"):
        qualifiers["vcs_url"] = vcs_url(source)
    elif source and source not in CRATES_IO:
        qualifiers["repository_url"] = source.partition("+")[2]
    return purl_for("cargo", entry["name"], entry["version"], qualifiers)


def read_cargo_lock(path: Path, root: Path, artifact_name: str | None = None) -> Inventory:
    name = relative(path, root)
    data = load_toml(path, root)
    entries = table_list(data, "package", name)
    if not entries:
        raise LockfileInvalid(
            f"{name}: no [[package]] entries", hint="run `cargo generate-lockfile`"
        )
    by_name: dict[str, list[dict[str, Any]]] = {}
    for i, entry in enumerate(entries):
        entry["_where"] = f"{name}: package[{i}]"
        require_str(entry, "name", entry["_where"])
        require_str(entry, "version", entry["_where"])
        by_name.setdefault(entry["name"], []).append(entry)
    checksums = data.get("metadata", {}) if isinstance(data.get("metadata"), dict) else {}

    def resolve(spec: Any, where: str) -> dict[str, Any]:
        parts = str(spec).split(" ")
        candidates = by_name.get(parts[0], [])
        if len(parts) > 1:
            candidates = [c for c in candidates if c["version"] == parts[1]]
        if not candidates:
            raise LockfileInvalid(
                f"{where}.dependencies: {spec!r} is not a locked package",
                hint="run `cargo generate-lockfile`",
            )
        return candidates[0]

    members = [e for e in entries if "source" not in e]
    roots = IdSet(
        [e for e in members if e["name"] == artifact_name] or (members if len(members) == 1 else [])
    )
    packages: dict[str, Package] = {}
    for entry in entries:
        if entry in roots:
            continue
        purl = cargo_purl(entry)
        checksum = entry.get("checksum") or checksums.get(
            f"checksum {entry['name']} {entry['version']} ({entry.get('source')})"
        )
        hashes = (
            (parse_hash(f"sha256:{checksum}", f"{entry['_where']}.checksum"),) if checksum else ()
        )
        requires = [resolve(d, entry["_where"]) for d in entry.get("dependencies", [])]
        packages[purl] = Package(
            entry["name"],
            entry["version"],
            purl,
            hashes,
            tuple(sorted(cargo_purl(r) for r in requires if r not in roots)),
        )
    if roots:
        direct = [
            cargo_purl(r)
            for root_entry in roots
            for r in (resolve(d, root_entry["_where"]) for d in root_entry.get("dependencies", []))
            if r not in roots
        ]
    else:
        required = {r for p in packages.values() for r in p.requires}
        direct = [p for p in packages if p not in required]
    return finish([name], "cargo", direct, packages)

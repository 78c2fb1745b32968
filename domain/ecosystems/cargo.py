"""Rust crates: Cargo.toml, including workspaces and their members."""

from __future__ import annotations

from pathlib import Path

from shipline.domain.ecosystems.detection import (
    CREDENTIALS_FOR,
    DEFAULT_REGISTRY,
    ArtifactCandidate,
    Ecosystem,
    Found,
    GateCandidate,
    VersionFileCandidate,
    dig,
    read_toml,
    readable_version,
)


def _crate(root: Path, manifest: Path, workspace_version: str | None) -> tuple[str, str] | None:
    """(name, version) of a publishable crate, or None."""
    data = read_toml(manifest) or {}
    package = data.get("package")
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        return None
    if package.get("publish") is False or package.get("publish") == []:
        return None
    version = package.get("version")
    if isinstance(version, dict) and version.get("workspace"):
        version = workspace_version
    return (package["name"], version) if isinstance(version, str) else None


def detect_cargo(root: Path, found: Found) -> None:
    manifest = root / "Cargo.toml"
    if not manifest.is_file():
        return
    data = read_toml(manifest)
    if data is None:
        found.notes.append("Cargo.toml is not valid TOML: skipped")
        return
    ws_version = dig(data, "workspace", "package", "version")
    ws_version = ws_version if isinstance(ws_version, str) else None
    root_version = readable_version(root, "Cargo.toml")
    members = [
        m.relative_to(root).as_posix()
        for pattern in (dig(data, "workspace", "members") or [])
        if isinstance(pattern, str)
        for m in sorted(root.glob(f"{pattern}/Cargo.toml"))
    ]
    if root_version:
        source = (
            "[workspace.package] version"
            if ws_version and dig(data, "package", "version") is None
            else "[package] version"
        )
        found.files.append(VersionFileCandidate("Cargo.toml", root_version, source))
    own = [(m, readable_version(root, m)) for m in members]
    own = [
        (m, v)
        for m, v in own
        if v and isinstance(dig(read_toml(root / m), "package", "version"), str)
    ]
    for member, version in own:
        # listed so the operator sees them; bumpfiles adds them anyway beside a root version
        found.files.append(VersionFileCandidate(member, version, "workspace member version"))
    crates = []
    for rel in ["Cargo.toml", *members]:
        crate = _crate(root, root / rel, ws_version)
        if crate:
            crates.append((crate[0], str(Path(rel).parent.as_posix())))
    name = dig(data, "package", "name")
    detail = f"workspace of {len(members)} crate(s)" if members else ""
    found.ecosystems.append(
        Ecosystem(
            "cargo",
            "Cargo.toml",
            name if isinstance(name, str) else None,
            root_version or ws_version,
            detail,
        )
    )
    for crate_name, path in crates:
        found.artifacts.append(
            ArtifactCandidate(
                "cargo-crate",
                crate_name,
                DEFAULT_REGISTRY["cargo-crate"],
                CREDENTIALS_FOR["cargo-crate"],
                path=path,
                source=f"{path}/Cargo.toml".lstrip("./"),
            )
        )
    found.gates.append(
        GateCandidate(
            "cargo test", "cargo test" + (" --workspace" if members else ""), "Cargo.toml"
        )
    )

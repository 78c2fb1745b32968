"""Which files a release reads, and where the version sits in each.

An *entry* is a configured ``versionBump`` file or one that belongs with it
(:func:`expand`: the lock file next to a manifest, the crates of a Cargo
workspace, the members of a uv workspace). Each file's kind is chosen by its
name; ``primary`` sites say which release the file carries, ``context``
sites (lock entries, pins on siblings) are found by the release they carry.
"""

from __future__ import annotations

import glob
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import semver

from shipline.domain.config import VersionFile
from shipline.domain.errors import VersionBumpFailed
from shipline.domain.release import schemes
from shipline.domain.release.version_files import json_kinds, text_kinds, toml_kinds
from shipline.domain.release.version_files.sites import Site


@dataclass(frozen=True)
class Entry:
    vf: VersionFile
    auto: bool = False
    """Added by :func:`expand`: bumped only when it carries the release."""
    why: str | None = None

    @property
    def name(self) -> str:
        return PurePosixPath(self.vf.path).name


LOCKS = {
    "uv.lock": (toml_kinds.UV_LOCAL, toml_kinds.UV_FIX),
    "Cargo.lock": (toml_kinds.CARGO_LOCAL, toml_kinds.CARGO_FIX),
}


# --- expansion ---------------------------------------------------------------


def expand(root: Path, files: list[VersionFile]) -> list[VersionFile]:
    """The configured files plus what belongs with them (see the module doc)."""
    return [e.vf for e in entries(root, files)]


def entries(root: Path, files: list[VersionFile]) -> list[Entry]:
    out = [Entry(vf) for vf in files]
    listed = {f.path for f in files if not f.pattern}

    def add(rel: str, why: str) -> None:
        if rel not in listed and (root / rel).is_file():
            out.append(Entry(VersionFile(path=rel), auto=True, why=why))
            listed.add(rel)

    for vf in files:
        if vf.pattern:
            continue
        path = PurePosixPath(vf.path)
        if path.name == "package.json":
            add((path.parent / "package-lock.json").as_posix(), f"the lock file of {vf.path}")
        elif path.name == "pyproject.toml":
            for member in _members(
                root, path, ("tool", "uv", "workspace", "members"), "pyproject.toml"
            ):
                add(member, f"a member of the uv workspace in {vf.path}")
            add((path.parent / "uv.lock").as_posix(), f"the lock file of {vf.path}")
        elif path.name == "Cargo.toml":
            for member in _members(root, path, ("workspace", "members"), "Cargo.toml"):
                add(member, f"a crate of the workspace in {vf.path}")
            add((path.parent / "Cargo.lock").as_posix(), f"the lock file of {vf.path}")
    return out


def _members(root: Path, manifest: PurePosixPath, keys: tuple[str, ...], name: str) -> list[str]:
    try:
        node: object = tomllib.loads((root / manifest).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []  # reading the manifest itself reports it
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    base = root / manifest.parent
    found = []
    for pattern in node if isinstance(node, list) else []:
        for directory in sorted(glob.glob(str(base / str(pattern)))):
            candidate = Path(directory) / name
            if candidate.is_file():
                found.append(candidate.relative_to(root).as_posix())
    return found


# --- locating ----------------------------------------------------------------


def read_text(root: Path, entry: Entry) -> str:
    rel = entry.vf.path
    path = root / rel
    if not path.is_file():
        raise VersionBumpFailed(
            f"{rel}: versionBump file not found",
            hint="create it or fix release.versionBump in the config",
        )
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VersionBumpFailed(
            f"{rel}: cannot read as UTF-8: {exc}",
            hint="save the file as UTF-8, or drop it from release.versionBump",
        ) from None


def primary(entry: Entry, text: str) -> tuple[list[Site], str]:
    """The sites that say which release the file carries, and what was looked for."""
    vf, name = entry.vf, entry.name
    scheme = vf.scheme or schemes.scheme_for(vf.path, vf.pattern)
    if vf.pattern:
        return text_kinds.pattern(text, vf.pattern, vf.path, scheme), f"the pattern {vf.pattern!r}"
    if name == "pyproject.toml":
        data = toml_kinds.parse(text, vf.path)
        sites = toml_kinds.table_version(text, data, ("project", "tool.poetry"), scheme)
        if not sites and "version" in (data.get("project", {}).get("dynamic") or []):
            return [], DYNAMIC
        return sites, "[project] version or [tool.poetry] version"
    if name == "Cargo.toml":
        data = toml_kinds.parse(text, vf.path)
        return (
            toml_kinds.table_version(text, data, ("package", "workspace.package"), scheme),
            "[package] version or [workspace.package] version",
        )
    if name in LOCKS:  # never parsed whole: a lock can be megabytes, only entries matter
        return [], ""
    if name == "package-lock.json":
        return json_kinds.package_lock_root(text, vf.path), 'the root "version" entries'
    if name.endswith(".json"):
        return json_kinds.package_json(text, vf.path), 'a top-level "version"'
    if text_kinds.has_markers(text):
        return text_kinds.markers(text, vf.path, scheme), "version markers"
    if name.endswith(".py"):
        return text_kinds.python_constants(text, scheme), '__version__ = "..." or VERSION = "..."'
    return text_kinds.plain(text, scheme), "a file holding only the version"


def context(entry: Entry, text: str, current: semver.Version, siblings: set[str]) -> list[Site]:
    """Sites that are found by the release they carry: lock entries, pins."""
    vf, name = entry.vf, entry.name
    if vf.pattern:
        return []
    if name == "Cargo.toml":
        return toml_kinds.cargo_requirements(text, current)
    if name in LOCKS:
        local, fix = LOCKS[name]
        scheme = vf.scheme or schemes.scheme_for(vf.path)
        return toml_kinds.lock_entries(
            text, vf.path, current, scheme, local=local, fix=fix, strict=not entry.auto
        )
    if name == "package-lock.json":
        return json_kinds.package_lock_local(text, vf.path, current, siblings)
    if name == "package.json":
        return json_kinds.sibling_pins(text, vf.path, current, siblings)
    return []


DYNAMIC = "dynamic"


def refuse_missing(missing: list[tuple[str, str]], others_found: bool) -> None:
    """55 for a configured file without a version. A pyproject.toml whose
    version is dynamic is fine when another file (its ``__version__``)
    carries the version: there is nothing to bump in it."""
    for path, looked in missing:
        if looked == DYNAMIC:
            if others_found:
                continue
            raise VersionBumpFailed(
                f"{path}: the version is dynamic, not in the file",
                hint="list the file that holds it in release.versionBump instead "
                '(e.g. {"path": "src/pkg/__init__.py"})',
            )
        raise VersionBumpFailed(
            f"{path}: no version found (looked for {looked})",
            hint="add the version to the file, or give a pattern in release.versionBump",
        )

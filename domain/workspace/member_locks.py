"""A workspace's lock file, kept in step with a release train.

A workspace has one lock file at its root, and it records each member at
its version: ``packages["packages/core"].version`` in ``package-lock.json``
(with the requirement each member has on another, copied from its
``package.json``), a path crate's ``[[package]]`` in ``Cargo.lock``, an
editable (or virtual) member's ``[[package]]`` in ``uv.lock`` (its
``requires-dist`` names a workspace member by source, never by specifier);
``pnpm-lock.yaml`` links its members and keeps only each importer's
``specifier``, copied from the package.json. ``npm version -w``,
cargo, pnpm and uv rewrite those entries with the bump; a train that left
them would commit a lock that disagrees with the manifests beside it
(``pnpm install --frozen-lockfile``, cargo's ``--locked`` and ``uv lock
--check`` refuse it; npm tolerates a stale member entry, and rewrites it at
the next install).

Only the entries of the members this train releases change, matched by
name (or folder) *and* the version they had, so another member that
happens to share that version is left alone; every other byte stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from shipline.domain.python_names import normalize_python_name
from shipline.domain.release.version_files import json_kinds
from shipline.domain.release.version_files.toml_kinds import CARGO_LOCAL, UV_LOCAL, package_blocks

LOCKS_OF = {
    "npm": ("package-lock.json", "pnpm-lock.yaml", "yarn.lock"),
    "cargo": ("Cargo.lock",),
    "python": ("uv.lock",),
}
_NAME = re.compile(r'(?m)^name[ \t]*=[ \t]*"([^"]*)"')
_VERSION = re.compile(r'(?m)^version[ \t]*=[ \t]*"([^"]*)"')


@dataclass(frozen=True)
class MemberBump:
    """One released member: its name, folder, ecosystem and versions."""

    name: str
    path: str
    ecosystem: str
    old: str
    new: str


@dataclass(frozen=True)
class PinChange:
    """A dependent's requirement on a member, as its manifest now says it."""

    dependent_path: str
    name: str
    old: str
    new: str


def lock_of(root: Path, member_path: str, ecosystem: str) -> str | None:
    """The lock file that records a member: the nearest one from its folder
    up to the repository root (a workspace's is at its root)."""
    folder = Path(member_path)
    while True:
        for lock in LOCKS_OF.get(ecosystem, ()):
            candidate = folder / lock
            if (root / candidate).is_file():
                return candidate.as_posix()
        if folder == Path("."):
            return None
        folder = folder.parent


YARN = "yarn.lock"
"""yarn's lock names each member by the descriptors that require it
(``"@acme/core@npm:^1.0.0, @acme/core@workspace:packages/core"``), and yarn
looks a raised range up on its registry before it links the workspace: only
``yarn install`` can write it, so a train leaves it and says so."""


def needs_yarn_install(rel: str, pins: list[PinChange]) -> str | None:
    """What to tell the operator when a train raised requirements that
    ``rel``, a yarn lock, records (None when it is not one, or none was)."""
    if Path(rel).name != YARN or not pins:
        return None
    raised = ", ".join(f"{p.name} {p.old} → {p.new} in {p.dependent_path}" for p in pins)
    return (
        f"{rel} still records the old requirement(s) ({raised}): run `yarn install` and "
        "commit yarn.lock, or `yarn install --immutable` will refuse it"
    )


def rewrite_lock(
    rel: str, text: str, ecosystem: str, bumps: list[MemberBump], pins: list[PinChange]
) -> str:
    """``text`` with the released members' entries (and the lock's copies of
    the requirements just raised: npm's and pnpm's) at their new values."""
    if rel.endswith("pnpm-lock.yaml"):
        return _pnpm(text, pins, Path(rel).parent)
    if Path(rel).name == YARN:
        return text  # see YARN
    if ecosystem == "npm":
        return _npm(rel, text, bumps, pins)
    local = CARGO_LOCAL if ecosystem == "cargo" else UV_LOCAL
    same = (lambda n: n) if ecosystem == "cargo" else normalize_python_name
    wanted = {(same(b.name), b.old): b.new for b in bumps}
    spans: list[tuple[int, int, str]] = []
    for start, end in package_blocks(text):
        block = text[start:end]
        name, version = _NAME.search(block), _VERSION.search(block)
        if not name or not version or not local.search(block):
            continue
        new = wanted.get((same(name.group(1)), version.group(1)))
        if new is not None:
            spans.append((start + version.start(1), start + version.end(1), new))
    return _apply(text, spans)


def _npm(rel: str, text: str, bumps: list[MemberBump], pins: list[PinChange]) -> str:
    here = Path(rel).parent  # the lock's keys are folders relative to it
    versions: dict[tuple[str, ...], tuple[str, str]] = {}
    for bump in bumps:
        folder = _under(bump.path, here)
        old_new = (bump.old, bump.new)
        if folder == ".":  # the lock's own package: its root entries
            versions[("version",)] = versions[("packages", "", "version")] = old_new
        else:
            versions[("packages", folder, "version")] = old_new
    specs = {(_under(p.dependent_path, here), p.name): (p.old, p.new) for p in pins}
    spans: list[tuple[int, int, str]] = []
    for path, a, b in json_kinds.local_lock_strings(text, rel):
        value = text[a:b]
        if path in versions and versions[path][0] == value:
            spans.append((a, b, versions[path][1]))
        elif len(path) == 4 and path[2] in json_kinds.DEPENDENCY_KEYS:
            spec = specs.get((path[1], path[3]))
            if spec is not None and spec[0] == value:
                spans.append((a, b, spec[1]))
    return _apply(text, spans)


def _pnpm(text: str, pins: list[PinChange], lock_dir: Path) -> str:
    """pnpm records no member versions (a sibling is ``link:``), but each
    importer keeps the ``specifier`` its package.json has; ``pnpm install
    --frozen-lockfile`` refuses a lock whose specifiers differ from it."""
    wanted = {(_under(p.dependent_path, lock_dir), p.name): (p.old, p.new) for p in pins}
    spans: list[tuple[int, int, str]] = []
    importer = dep = None
    in_importers = False
    at = 0
    for line in text.splitlines(keepends=True):
        start, at = at, at + len(line)
        stripped = line.rstrip("\r\n")
        indent = len(stripped) - len(stripped.lstrip(" "))
        if stripped and indent == 0:
            in_importers, importer, dep = stripped == "importers:", None, None
        elif in_importers and stripped.endswith(":") and indent == 2:
            importer, dep = _yaml_key(stripped[:-1]), None
        elif in_importers and importer is not None and indent == 6 and stripped.endswith(":"):
            dep = _yaml_key(stripped[:-1])
        elif dep is not None and indent == 8 and stripped.lstrip().startswith("specifier:"):
            value_at = stripped.index(":") + 1
            raw = stripped[value_at:].strip()
            old_new = wanted.get((importer or "", dep))
            if old_new is not None and _yaml_key(raw) == old_new[0]:
                begin = start + stripped.index(raw, value_at)
                quote = raw[0] if raw[:1] in ("'", '"') else ""
                spans.append((begin, begin + len(raw), f"{quote}{old_new[1]}{quote}"))
    return _apply(text, spans)


def _under(path: str, lock_dir: Path) -> str:
    """A member's folder as its lock names it (relative to the lock's folder)."""
    return Path(path).relative_to(lock_dir).as_posix()


def _yaml_key(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"" else text


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text

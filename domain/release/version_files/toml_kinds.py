"""TOML files: ``pyproject.toml``, ``Cargo.toml`` (with the version
requirements one workspace crate has on another) and the two lock files
that record the project's own version, ``uv.lock`` and ``Cargo.lock``.

The files are parsed with tomllib to know *what* is there and edited by
span to keep every other byte. Lock files are never regenerated (no
network, no ``uv lock`` or ``cargo update``): only the version of the
project's own entries changes, which is exactly what those tools write for
a version bump.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import semver

from shipline.domain.errors import VersionBumpFailed
from shipline.domain.release import schemes
from shipline.domain.release.version_files.sites import Site, names

_HEADER = re.compile(r"(?m)^[ \t]*\[([^\[\]\r\n]+)\][ \t]*(?:#[^\r\n]*)?\r?$")
_VERSION_LINE = re.compile(r"(?m)^[ \t]*version[ \t]*=[ \t]*([\"'])([^\"'\n]*)\1")
_DEP_TABLES = r"(?:dependencies|dev-dependencies|build-dependencies)"


def parse(text: str, rel: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise VersionBumpFailed(
            f"{rel}: not valid TOML: {exc}", hint="fix the file's syntax"
        ) from None


def table_version(
    text: str, data: dict[str, Any], tables: tuple[str, ...], scheme: str
) -> list[Site]:
    """The ``version = "..."`` value in the first of ``tables`` that has one."""
    headers = list(_HEADER.finditer(text))
    for table in tables:
        node: object = data
        for part in table.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get("version"), str):
            continue
        for i, header in enumerate(headers):
            if header.group(1).strip().replace(" ", "") != table:
                continue
            end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
            match = _VERSION_LINE.search(text, header.end(), end)
            if match:
                return [Site(*match.span(2), scheme, f"[{table}] version")]
    return []


def cargo_requirements(text: str, current: semver.Version) -> list[Site]:
    """``core = { path = "../core", version = "2.13.0" }`` (and the
    ``[dependencies.core]`` table form) requiring the release being bumped:
    a workspace crate's requirement on a sibling released with it."""
    sites: list[Site] = []
    inline = re.compile(r"(?m)^[ \t]*([A-Za-z0-9_.-]+)[ \t]*=[ \t]*\{([^\n}]*)\}")
    for match in inline.finditer(text):
        body, offset = match.group(2), match.start(2)
        if not re.search(r"(?:^|[,{\s])path[ \t]*=", body):
            continue
        req = re.search(r"(?:^|[,\s])version[ \t]*=[ \t]*\"[=^~]?([^\"]+)\"", body)
        if req and names(req.group(1), current):
            sites.append(
                Site(
                    offset + req.start(1),
                    offset + req.end(1),
                    schemes.SEMVER,
                    f"requirement on {match.group(1)}",
                )
            )
    headers = list(_HEADER.finditer(text))
    for i, header in enumerate(headers):
        name = re.fullmatch(rf"(?:.*\.)?{_DEP_TABLES}\.([A-Za-z0-9_-]+)", header.group(1).strip())
        if not name:
            continue
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        body = text[header.end() : end]
        if not re.search(r"(?m)^[ \t]*path[ \t]*=", body):
            continue
        req = re.search(r"(?m)^[ \t]*version[ \t]*=[ \t]*\"[=^~]?([^\"]+)\"", body)
        if req and names(req.group(1), current):
            start = header.end() + req.start(1)
            sites.append(
                Site(
                    start,
                    start + len(req.group(1)),
                    schemes.SEMVER,
                    f"requirement on {name.group(1)}",
                )
            )
    return sites


def package_blocks(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each ``[[package]]`` table's own keys, up to the
    next table header. ``str.find``, not a multi-line regex: a lock file
    can be megabytes."""
    blocks = []
    at = 0 if text.startswith("[[package]]") else text.find("\n[[package]]")
    while at != -1:
        start = text.find("\n", at + 1)
        if start == -1:
            break
        start += 1
        end = text.find("\n[", start)
        end = len(text) if end == -1 else end + 1
        blocks.append((start, end))
        at = text.find("\n[[package]]", end - 1)
    return blocks


def lock_entries(
    text: str,
    rel: str,
    current: semver.Version,
    scheme: str,
    *,
    local: re.Pattern[str],
    fix: str,
    strict: bool,
) -> list[Site]:
    """The version of every local ``[[package]]`` entry (``local`` says how a
    lock marks one) that records the release being bumped.

    A configured lock with no local entry, or none at this release, is 55
    (``strict``); one shipline added by itself is then left alone."""
    sites: list[Site] = []
    others: list[str] = []
    for start, end in package_blocks(text):
        block = text[start:end]
        name = re.search(r"(?m)^name[ \t]*=[ \t]*\"([^\"]*)\"", block)
        version = _VERSION_LINE.search(block)
        if not name or not version or not local.search(block):
            continue
        if names(version.group(2), current):
            sites.append(
                Site(
                    start + version.start(2),
                    start + version.end(2),
                    scheme,
                    f"{rel} entry {name.group(1)}",
                )
            )
        else:
            others.append(f"{name.group(1)} {version.group(2)}")
    if sites or not strict:
        return sites
    if others:
        raise VersionBumpFailed(
            f"{rel}: the project's entries record {', '.join(others)}, not {current}",
            hint=f"the lock file is stale: {fix}",
        )
    raise VersionBumpFailed(
        f"{rel}: no entry for the project itself",
        hint=f"{fix}, or drop {rel} from release.versionBump",
    )


UV_LOCAL = re.compile(r"(?m)^source[ \t]*=[ \t]*\{[ \t]*(?:editable|virtual)[ \t]*=")
CARGO_LOCAL = re.compile(r"\A(?![\s\S]*^source[ \t]*=)", re.MULTILINE)
UV_FIX = "run `uv lock` and commit the result"
CARGO_FIX = "build once (`cargo check`) and commit Cargo.lock"

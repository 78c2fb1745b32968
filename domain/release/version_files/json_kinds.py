"""npm files: ``package.json`` and ``package-lock.json``.

A package's own ``version``; in a repository that releases several npm
packages at one version (a CLI wrapper and its per-platform packages),
the dependency pins one has on another (``optionalDependencies``); in the
lock file the root entries, local workspace entries and the same pins.
Entries that point at a registry tarball (``node_modules/...`` with
``resolved`` and ``integrity``) are left alone: their hashes can only come
from the registry, after the publish.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterator
from functools import lru_cache

import semver

from shipline.domain.errors import VersionBumpFailed
from shipline.domain.release import schemes
from shipline.domain.release.version_files.sites import Site, names

DEPENDENCY_KEYS = ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies")
_SPACE = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()
_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"')
Path_ = tuple[str, ...]
Descend = Callable[[Path_], bool]
Found = Iterator[tuple[Path_, int, int]]


def string_values(text: str, rel: str, descend: Descend) -> Found:
    """``(key path, start, end)`` of the string values inside the objects
    ``descend`` opens (the span excludes the quotes), in file order.
    Everything else is skipped by the C decoder, so a lock file of megabytes
    is read in well under a second, and each (text, descend) once per
    process. The whole file is checked too: anything malformed is 55 with
    its line and column."""
    try:
        return iter(_values(text, descend))
    except json.JSONDecodeError as exc:
        raise VersionBumpFailed(
            f"{rel}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}",
            hint="fix the file's syntax",
        ) from None


@lru_cache(maxsize=16)
def _values(text: str, descend: Descend) -> tuple[tuple[Path_, int, int], ...]:
    json.loads(text)
    if text.lstrip()[:1] != "{":
        return ()
    return tuple(_object(text, _skip(text, 0), (), descend))


def _skip(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]


def _object(
    text: str, at: int, path: Path_, descend: Descend
) -> Generator[tuple[Path_, int, int], None, int]:
    """The values of the object at ``at``; returns the offset after it.
    (The text is valid JSON: :func:`string_values` checked it.)"""
    at = _skip(text, at + 1)
    if text[at] == "}":
        return at + 1
    while True:
        match = _KEY.match(text, at)
        key = match.group(1) if "\\" not in match.group(1) else json.loads(match.group())  # type: ignore[union-attr]
        at = match.end()  # type: ignore[union-attr]
        at = _skip(text, _skip(text, at) + 1)  # past the ':'
        here = (*path, key)
        if text[at] == "{" and descend(here):
            at = yield from _object(text, at, here, descend)
        else:
            value, end = _DECODER.raw_decode(text, at)
            if isinstance(value, str):
                yield here, at + 1, end - 1
            at = end
        at = _skip(text, at)
        if text[at] == "}":
            return at + 1
        at = _skip(text, at + 1)  # past the ','


def _pin(text: str, start: int, end: int, current: semver.Version) -> tuple[int, int] | None:
    """The version inside a pin on a sibling (``1.2.3``, ``^1.2.3``, ``=1.2.3``)."""
    value = text[start:end]
    match = re.fullmatch(r"([=^~]?)(.+)", value)
    if match and names(match.group(2), current):
        return start + len(match.group(1)), end
    return None


def package_json(text: str, rel: str) -> list[Site]:
    return [
        Site(a, b, schemes.SEMVER, '"version"')
        for path, a, b in string_values(text, rel, _top_level)
        if path == ("version",)
    ]


def package_name(text: str) -> str | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def sibling_pins(text: str, rel: str, current: semver.Version, siblings: set[str]) -> list[Site]:
    """Pins in package.json on sibling packages released at ``current``."""
    sites = []
    for path, a, b in string_values(text, rel, _dependency_maps):
        if len(path) == 2 and path[0] in DEPENDENCY_KEYS and path[1] in siblings:
            span = _pin(text, a, b, current)
            if span:
                sites.append(Site(*span, schemes.SEMVER, f"{path[0]} on {path[1]}"))
    return sites


def package_lock_root(text: str, rel: str) -> list[Site]:
    return [
        Site(a, b, schemes.SEMVER, "root version" if len(path) == 1 else 'packages[""]')
        for path, a, b in string_values(text, rel, _lock_root)
        if path in {("version",), ("packages", "", "version")}
    ]


def package_lock_local(
    text: str, rel: str, current: semver.Version, siblings: set[str]
) -> list[Site]:
    """Workspace entries (``packages["packages/x"]``) at ``current`` and the
    pins local entries have on siblings."""
    sites = []
    for path, a, b in string_values(text, rel, _local_lock_entry):
        if len(path) < 3 or path[0] != "packages" or "node_modules/" in str(path[1]):
            continue
        if path[1] != "" and len(path) == 3 and path[2] == "version" and names(text[a:b], current):
            sites.append(Site(a, b, schemes.SEMVER, f'packages["{path[1]}"]'))
        elif len(path) == 4 and path[2] in DEPENDENCY_KEYS and path[3] in siblings:
            span = _pin(text, a, b, current)
            if span:
                sites.append(
                    Site(*span, schemes.SEMVER, f'packages["{path[1]}"] {path[2]} on {path[3]}')
                )
    return sites


def local_lock_strings(text: str, rel: str) -> Found:
    """The string values of a lock's local entries (``packages["packages/x"]``
    and their dependency maps; nothing under ``node_modules``)."""
    return string_values(text, rel, _local_lock_entry)


def _local_lock_entry(path: Path_) -> bool:
    """``packages``, its entries that are not under node_modules, and their
    dependency maps."""
    return path == ("packages",) or (
        path[0] == "packages"
        and "node_modules/" not in path[1]
        and (len(path) == 2 or (len(path) == 3 and path[2] in DEPENDENCY_KEYS))
    )


def _top_level(path: Path_) -> bool:
    return False


def _dependency_maps(path: Path_) -> bool:
    return len(path) == 1 and path[0] in DEPENDENCY_KEYS


def _lock_root(path: Path_) -> bool:
    return path in (("packages",), ("packages", ""))

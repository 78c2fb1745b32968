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
from collections.abc import Iterator

import semver

from shipline.domain.errors import VersionBumpFailed
from shipline.domain.release import schemes
from shipline.domain.release.version_files.sites import Site, names

DEPENDENCY_KEYS = ("dependencies", "optionalDependencies", "peerDependencies",
                   "devDependencies")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')
Path_ = tuple[object, ...]


def string_values(text: str, rel: str) -> Iterator[tuple[Path_, int, int]]:
    """``(key path, start, end)`` of every string value, in file order (the
    span excludes the quotes). One regex pass, so a large lock file is fast."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise VersionBumpFailed(f"{rel}: not valid JSON: line {exc.lineno} column {exc.colno}: "
                                f"{exc.msg}", hint="fix the file's syntax") from None
    stack: list[list[object]] = []  # [kind, key-or-index, expecting-key]
    for token in _TOKEN.finditer(text):
        ch = token.group()
        if ch[0] == '"':
            top = stack[-1] if stack else None
            if top is not None and top[0] == "obj" and top[2]:
                top[1], top[2] = json.loads(ch), False
            else:
                yield tuple(frame[1] for frame in stack), token.start() + 1, token.end() - 1
        elif ch == "{":
            stack.append(["obj", None, True])
        elif ch == "[":
            stack.append(["arr", 0, False])
        elif ch in "}]":
            stack.pop()
        elif ch == "," and stack:
            if stack[-1][0] == "obj":
                stack[-1][2] = True
            else:
                stack[-1][1] = int(stack[-1][1]) + 1  # type: ignore[call-overload]



def _pin(text: str, start: int, end: int, current: semver.Version) -> tuple[int, int] | None:
    """The version inside a pin on a sibling (``1.2.3``, ``^1.2.3``, ``=1.2.3``)."""
    value = text[start:end]
    match = re.fullmatch(r"([=^~]?)(.+)", value)
    if match and names(match.group(2), current):
        return start + len(match.group(1)), end
    return None


def package_json(text: str, rel: str) -> list[Site]:
    return [Site(a, b, schemes.SEMVER, '"version"')
            for path, a, b in string_values(text, rel) if path == ("version",)]


def package_name(text: str) -> str | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def sibling_pins(text: str, rel: str, current: semver.Version, siblings: set[str]
                 ) -> list[Site]:
    """Pins in package.json on sibling packages released at ``current``."""
    sites = []
    for path, a, b in string_values(text, rel):
        if len(path) == 2 and path[0] in DEPENDENCY_KEYS and path[1] in siblings:
            span = _pin(text, a, b, current)
            if span:
                sites.append(Site(*span, schemes.SEMVER, f"{path[0]} on {path[1]}"))
    return sites


def package_lock_root(text: str, rel: str) -> list[Site]:
    return [Site(a, b, schemes.SEMVER, "root version" if len(path) == 1 else 'packages[""]')
            for path, a, b in string_values(text, rel)
            if path in {("version",), ("packages", "", "version")}]


def package_lock_local(text: str, rel: str, current: semver.Version, siblings: set[str]
                       ) -> list[Site]:
    """Workspace entries (``packages["packages/x"]``) at ``current`` and the
    pins local entries have on siblings."""
    sites = []
    for path, a, b in string_values(text, rel):
        if len(path) < 3 or path[0] != "packages" or "node_modules/" in str(path[1]):
            continue
        if path[1] != "" and len(path) == 3 and path[2] == "version" and \
                names(text[a:b], current):
            sites.append(Site(a, b, schemes.SEMVER, f'packages["{path[1]}"]'))
        elif len(path) == 4 and path[2] in DEPENDENCY_KEYS and path[3] in siblings:
            span = _pin(text, a, b, current)
            if span:
                sites.append(Site(*span, schemes.SEMVER, f'packages["{path[1]}"] {path[2]} on '
                                  f"{path[3]}"))
    return sites

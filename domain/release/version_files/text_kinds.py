"""Text files: Python constants, a file holding only the version, a
configured ``pattern``, and version *markers* in any file.

Markers say "the version on this line" or "the versions in this block":

* release-please's, so a repository that uses them needs no config:
  ``x-release-please-version`` at the end of a line, and a block between
  ``x-release-please-start-version`` and ``x-release-please-end``;
* shipline's own, the same idea under one name: ``shipline:version`` on a
  line, or a block from ``shipline:version-start`` to ``shipline:version-end``.
  Put them in any comment the file allows (``# shipline:version``,
  ``<!-- shipline:version-start -->``).

A block whose end marker is missing is 55 naming its line.
"""

from __future__ import annotations

import re

from shipline.domain.errors import VersionBumpFailed
from shipline.domain.release.version_files.sites import ANY_VERSION, Site, line_of

_VERSION_CHARS = r"[0-9A-Za-z.+-]+"
PY_CONSTANT = re.compile(
    r"(?m)^(?P<name>__version__|VERSION)[ \t]*(?::[ \t]*(?:str|Final(?:\[str\])?)[ \t]*)?=[ \t]*"
    r"([\"'])(?P<v>[^\"'\n]+)\2"
)

_MARKERS = (
    ("x-release-please-version", "x-release-please-start-version", "x-release-please-end"),
    ("shipline:version", "shipline:version-start", "shipline:version-end"),
)
MARKER_WORDS = re.compile(r"x-release-please-(?:start-)?version|shipline:version(?:-start)?\b")


def python_constants(text: str, scheme: str) -> list[Site]:
    return [Site(*m.span("v"), scheme, m.group("name")) for m in PY_CONSTANT.finditer(text)]


def plain(text: str, scheme: str) -> list[Site]:
    stripped = text.strip()
    if not stripped or "\n" in stripped or not re.fullmatch(r"v?" + _VERSION_CHARS, stripped):
        return []
    start = text.index(stripped) + (1 if stripped[0] == "v" else 0)
    return [Site(start, text.index(stripped) + len(stripped), scheme, "the file's version")]


def compile_pattern(template: str, rel: str) -> re.Pattern[str]:
    """``{version}`` (once or more) inside literal text."""
    pieces = template.split("{version}")
    if len(pieces) < 2:
        raise VersionBumpFailed(
            f"{rel}: pattern must contain {{version}} at least once",
            hint='e.g. "pattern": "__version__ = \\"{version}\\""',
        )
    out = re.escape(pieces[0])
    for i, after in enumerate(pieces[1:]):
        lazy = "?" if after else ""
        out += f"(?P<v{i}>{_VERSION_CHARS}{lazy})" + re.escape(after)
    return re.compile(out)


def pattern(text: str, template: str, rel: str, scheme: str) -> list[Site]:
    regex = compile_pattern(template, rel)
    return [
        Site(*m.span(g), scheme, f"pattern {template!r}")
        for m in regex.finditer(text)
        for g in m.groupdict()
    ]


def has_markers(text: str) -> bool:
    return MARKER_WORDS.search(text) is not None


def markers(text: str, rel: str, scheme: str) -> list[Site]:
    """Versions on marked lines and inside marked blocks."""
    sites: list[Site] = []
    lines = text.splitlines(keepends=True)
    offset = 0
    open_block: tuple[str, int, str] | None = None  # (end word, line number, start word)
    for number, line in enumerate(lines, 1):
        if open_block is not None:
            if open_block[0] in line:
                open_block = None
            else:
                sites += _line_versions(line, offset, scheme, f"block from line {open_block[1]}")
        else:
            for same_line, start, end in _MARKERS:
                if start in line:
                    open_block = (end, number, start)
                    break
                if re.search(re.escape(same_line) + r"(?![-\w])", line):
                    sites += _line_versions(line, offset, scheme, f"line {number}")
                    break
        offset += len(line)
    if open_block is not None:
        raise VersionBumpFailed(
            f"{rel}: line {open_block[1]}: {open_block[2]} has no {open_block[0]}",
            hint=f"add {open_block[0]} after the last line that carries the version",
        )
    if not sites and has_markers(text):
        where = line_of(text, MARKER_WORDS.search(text).start())  # type: ignore[union-attr]
        raise VersionBumpFailed(
            f"{rel}: line {where}: a version marker with no version on its line or in its block",
            hint="write the current version where the marker points",
        )
    return sites


def _line_versions(line: str, offset: int, scheme: str, what: str) -> list[Site]:
    return [
        Site(offset + m.start(), offset + m.end(), scheme, f"marker, {what}")
        for m in ANY_VERSION.finditer(line)
    ]

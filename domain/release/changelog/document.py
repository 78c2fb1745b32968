"""A changelog file's structure: preamble, entries, sections, link references.

Markdown headings are ATX (``## 1.2.0``) outside code fences;
reStructuredText headings are a title line with an underline (and maybe an
overline) of one punctuation character. An *entry* is a heading at the
level most version headings use whose text names a version (or
``Unreleased``); it runs until the next heading at that level. Anchor lines
right above an entry heading that name its version (``<a name="1.2.0"></a>``,
``.. _v1.2.0:``) belong to the entry. Everything before the first entry is
the preamble (title, intro, tool markers); trailing Markdown link reference
definitions (``[1.2.0]: https://...``) are the footer.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


class LazyPattern:
    """A regular expression compiled on first use: ``changelog --all`` on a
    repository without a changelog file never parses one, and compiling
    these costs more than rendering a small history."""

    def __init__(self, pattern: str, flags: int = 0):
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


_ATX = LazyPattern(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = LazyPattern(r"^\s*(```|~~~)")
_RST_ADORN = LazyPattern(r"^([=\-~^\"'`*+#:._<>!$%&,;?@\\|/])\1{2,}\s*$")
VERSION = LazyPattern(
    r"(?<![\w.\-/])[vV]?(\d+\.\d+(?:\.\d+)?(?:(?:-|\.?(?=[a-zA-Z]))[0-9A-Za-z][0-9A-Za-z.\-]*)?"
    r"(?:\+[0-9A-Za-z.\-]+)?)"
)
_LINK_TARGET = LazyPattern(r"\]\([^)]*\)")
_LEADING_VERSION = LazyPattern(r"^\[?v?\d+\.\d+")
_UNRELEASED = LazyPattern(r"\bunreleased\b", re.IGNORECASE)
_LINK_REF = LazyPattern(r"^\s{0,3}\[([^\]]+)\]:\s*\S")
_ANCHOR = LazyPattern(r"^\s*(<a\s+(name|id)=|\.\. _)")
_BULLET = LazyPattern(r"^([-*+])([ \t]+)(\S.*)$")
GITHUB_NOTES = LazyPattern(r"^(?:what['’]?s changed|new contributors)$", re.IGNORECASE)
"""The headings of GitHub's generated release notes: pasted under a release
heading, they may sit at its level (``## v1.2.0`` then ``## What's Changed``)
and belong to that release, not end it."""


def heading_version(text: str) -> str | None:
    """The version a heading names (``v1.2.0`` → ``1.2.0``), or None."""
    match = VERSION.search(text)
    return match.group(1).rstrip(".-") if match else None


def column_width(text: str) -> int:
    """Display columns, as docutils counts them for underline lengths."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


@dataclass
class Heading:
    start: int
    """First line (an overline, or the title itself)."""
    title: int
    end: int
    """The line after the heading (after an underline)."""
    level: str
    """``##`` in Markdown; the adornment (``=``, ``=/=`` with overline) in RST."""
    text: str


@dataclass
class Entry:
    heading: Heading
    version: str | None
    """None for the ``Unreleased`` entry."""
    start: int
    """First line, anchors included."""
    end: int
    """Line after the last non-blank line of the entry."""
    next: int
    """Start of the next entry, the footer, or the end of the file."""
    pending: bool = False
    """The heading names its version but says it is not released yet
    (``## [0.1.0] - unreleased``, ``1.2.0 (unreleased)``)."""

    @property
    def unreleased(self) -> bool:
        return self.pending or self.version is None


@dataclass
class Document:
    fmt: str
    lines: list[str]
    headings: list[Heading]
    entries: list[Entry] = field(default_factory=list)
    entry_level: str | None = None
    patch_level: str | None = None
    """The deeper of two entry levels (semantic-release: ``##`` for patches)."""
    footer: int = 0
    """First line of the trailing link references (``len(lines)`` when none)."""
    final_newline: bool = True
    """The text ended with a line end (written back the same way)."""

    @property
    def preamble_end(self) -> int:
        return self.entries[0].start if self.entries else self.footer

    def released(self) -> list[Entry]:
        return [e for e in self.entries if not e.unreleased]

    def unreleased(self) -> Entry | None:
        return next((e for e in self.entries if e.unreleased), None)

    def entry_for(self, version: str) -> Entry | None:
        return next((e for e in self.entries if e.version == version), None)

    def sections(self, entry: Entry) -> list[Heading]:
        """Headings inside ``entry`` one level below it."""
        inner = [
            h
            for h in self.headings
            if entry.heading.end <= h.start < entry.end
            and h.level not in (self.entry_level, self.patch_level)
        ]
        if not inner:
            return []
        level = inner[0].level
        return [h for h in inner if h.level == level]


def sniff_format(text: str, default: str) -> str:
    """``rst`` when the text's headings are underlined, else ``default``."""
    lines = text.split("\n")
    atx = sum(1 for ln in lines if _ATX.match(ln))
    underlined = sum(
        1
        for i in range(1, len(lines))
        if _RST_ADORN.match(lines[i])
        and lines[i - 1].strip()
        and not _RST_ADORN.match(lines[i - 1])
    )
    if default == "rst":
        return "rst"
    return "rst" if underlined > atx else "markdown"


def parse(text: str, fmt: str) -> Document:
    lines = text.split("\n")
    final_newline = bool(lines) and lines[-1] == ""
    if final_newline:
        lines.pop()  # the final newline ends the last line; it is not a line
    headings = _rst_headings(lines) if fmt == "rst" else _md_headings(lines)
    doc = Document(
        fmt,
        lines,
        headings,
        footer=_footer(lines) if fmt == "markdown" else len(lines),
        final_newline=final_newline,
    )
    named = [
        h
        for h in headings
        if h.start < doc.footer and (heading_version(h.text) or _UNRELEASED.search(h.text))
    ]
    if not named:
        return doc
    counts = Counter(h.level for h in named)
    order = {h.level: i for i, h in reversed(list(enumerate(headings)))}
    doc.entry_level = max(counts, key=lambda lv: (counts[lv], -order[lv]))
    doc.entry_level, doc.patch_level = _two_levels(doc, named)
    levels = {doc.entry_level, doc.patch_level}
    at_level = [
        h
        for h in headings
        if h.level in levels and h.start < doc.footer and not GITHUB_NOTES.match(h.text)
    ]
    for i, h in enumerate(at_level):
        unreleased = bool(_UNRELEASED.search(h.text))
        # a compare link's versions (``[Unreleased](…/v1.0.0...HEAD)``) are not the heading's
        version = heading_version(_LINK_TARGET.sub("]", h.text))
        if version is None and not unreleased:
            continue
        nxt = at_level[i + 1].start if i + 1 < len(at_level) else doc.footer
        start = _anchored_start(lines, h.start, version)
        doc.entries.append(
            Entry(h, version, start, _content_end(lines, h.end, nxt), nxt, pending=unreleased)
        )
    for prev, cur in zip(doc.entries, doc.entries[1:], strict=False):
        # anchors above the next heading belong to it, not to this entry
        if prev.next > cur.start:
            prev.next = cur.start
            prev.end = _content_end(lines, prev.heading.end, cur.start)
    return doc


def _anchored_start(lines: list[str], start: int, version: str | None) -> int:
    """``start`` moved up over the anchors that name this entry's version
    (blank lines between an RST target and its title included)."""
    j = start
    while j > 0 and not lines[j - 1].strip():
        j -= 1
    if j > 0 and _ANCHOR.match(lines[j - 1]) and (version is None or version in lines[j - 1]):
        while (
            j > 0 and _ANCHOR.match(lines[j - 1]) and (version is None or version in lines[j - 1])
        ):
            j -= 1
        return j
    return start


def _two_levels(doc: Document, named: list[Heading]) -> tuple[str | None, str | None]:
    """semantic-release's (conventional-changelog's) Markdown puts major and
    minor releases under ``#`` and patch releases under ``##``: when two
    adjacent levels both open with a version, the shallower and the deeper."""
    level = doc.entry_level
    if doc.fmt != "markdown" or level is None:
        return level, None
    leading = {h.level for h in named if _LEADING_VERSION.match(h.text)}
    for other in ("#" * (len(level) - 1), "#" * (len(level) + 1)):
        if other and other in leading and level in leading:
            shallow, deep = sorted((level, other), key=len)
            return shallow, deep
    return level, None


def _content_end(lines: list[str], start: int, stop: int) -> int:
    end = stop
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _md_headings(lines: list[str]) -> list[Heading]:
    out: list[Heading] = []
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        m = _ATX.match(line)
        if m:
            out.append(Heading(i, i, i + 1, m.group(1), m.group(2)))
    return out


def _rst_headings(lines: list[str]) -> list[Heading]:
    out: list[Heading] = []
    i = 0
    while i < len(lines) - 1:
        over = _RST_ADORN.match(lines[i])
        if (
            over
            and i + 2 < len(lines)
            and lines[i + 1].strip()
            and _RST_ADORN.match(lines[i + 2])
            and lines[i + 2].strip() == lines[i].strip()
        ):
            out.append(
                Heading(i, i + 1, i + 3, f"{over.group(1)}/{over.group(1)}", lines[i + 1].strip())
            )
            i += 3
            continue
        under = _RST_ADORN.match(lines[i + 1])
        if (
            lines[i].strip()
            and not lines[i][0].isspace()
            and not _RST_ADORN.match(lines[i])
            and under
            and not _BULLET.match(lines[i])
            and (i == 0 or not lines[i - 1].strip() or _ANCHOR.match(lines[i - 1]))
        ):
            out.append(Heading(i, i, i + 2, under.group(1), lines[i].strip()))
            i += 2
            continue
        i += 1
    return out


def _footer(lines: list[str]) -> int:
    """Start of the trailing block of link reference definitions."""
    i = len(lines)
    while i > 0 and (not lines[i - 1].strip() or _LINK_REF.match(lines[i - 1])):
        i -= 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    refs = [ln for ln in lines[i:] if ln.strip()]
    return i if refs else len(lines)


def bullets(lines: list[str]) -> list[tuple[int, str, str, str]]:
    """Top-level list items: ``(line, marker, spacing, text)``."""
    return [
        (i, m.group(1), m.group(2), m.group(3))
        for i, ln in enumerate(lines)
        if (m := _BULLET.match(ln))
    ]


def is_link_ref(line: str) -> re.Match[str] | None:
    found: re.Match[str] | None = _LINK_REF.match(line)
    return found

"""The entry template: what a changelog's entries look like.

A :class:`Style` is learned from the file's own latest entries
(:mod:`.learn`) and written by :mod:`.render`: the heading's shape with its
version, date, previous version (compare links) and anchors; the section
titles in their order and the commit keys each holds (emoji kept); the
bullet shape (:class:`Bullet`); the blank lines between heading, sections,
items and entries. Templates hold placeholders as control characters
(``\\x01V`` version, ``\\x01D`` date, ``\\x01P`` previous version,
``\\x01S`` scope, ``\\x01H`` commit hash, ``\\x01h`` short hash,
``\\x01N`` pull-request or issue number, ``\\x01A`` author), which
never occur in a changelog's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from shipline.domain.release.changelog import groups

V, D, P, S, H, SH, N, A = ("\x01V", "\x01D", "\x01P", "\x01S", "\x01H", "\x01h", "\x01N", "\x01A")


@dataclass(frozen=True)
class Bullet:
    marker: str = "- "
    scope: str = f"**{S}:** "
    upper_first: bool = False
    suffix: tuple[tuple[str, str], ...] = ((" (" + SH + ")", "hash"),)
    """``(template, kind)``: ``hash`` and ``author`` always rendered, ``pr``
    only when the commit names a pull request, ``closes`` once per issue
    the commit closes, ``text`` as is."""
    short_len: int = 7
    subject: bool = False
    """The item is the commit's whole subject (``fix(io): close files``), as
    python-semantic-release writes it, instead of scope and description."""


@dataclass(frozen=True)
class Style:
    fmt: str = "markdown"
    entry_level: str = "##"
    patch_level: str | None = None
    """Patch releases' heading level when it differs (semantic-release)."""
    section_level: str = "###"
    heading: str = f"[{V}] - {D}"
    date_format: str = "%Y-%m-%d"
    anchors: tuple[str, ...] = ()
    unreleased_heading: str = "[Unreleased]"
    titles: dict[str, str] = field(default_factory=lambda: dict(groups.DEFAULT_TITLES))
    """Commit key → section title."""
    order: tuple[str, ...] = groups.ORDER
    learned: bool = False
    """Sections come from the file: keys it never lists are left out unless
    they make a release (breaking, feat, fix, perf, revert)."""
    listed_only: bool = False
    """Only the keys ``titles`` lists (and breaking changes) get a section:
    the project configured its sections (:mod:`.configured`)."""
    flat: bool = False
    """Items without sections."""
    prose: bool = False
    """A hand-written changelog: never filled with commit subjects."""
    bullet: Bullet = field(default_factory=Bullet)
    after_heading: int = 1
    after_title: int = 1
    between_sections: int = 1
    between_items: int = 0
    """Blank lines between two items (a loose list has one)."""
    between_entries: int = 1
    one_list: bool = False
    """Every change under one title, in commit order, whatever its type:
    GitHub's generated release notes (``## What's Changed``)."""
    newest_first: bool = False
    """With ``one_list``: the newest change first (the file's items ran so)."""
    trailer: tuple[str, ...] = ()
    """Lines closing each entry, with the version and the previous one as
    placeholders (``**Full Changelog**: …/compare/v\x01P...v\x01V``)."""
    before_trailer: int = 1

    @cached_property
    def placed(self) -> tuple[tuple[str, str], ...]:
        """``(key, section title)`` for every key this style lists, in its
        order (computed once: the history asks for every release)."""
        order = list(self.order) + [k for k in groups.ORDER if k not in self.order]
        out = []
        for key in order:
            title = self.title_for(key)
            if title is not None and not (self.flat and key not in groups.RELEASING):
                out.append((key, title))
        return tuple(out)

    def title_for(self, key: str) -> str | None:
        if key in self.titles:
            return self.titles[key]
        if self.listed_only and key != groups.BREAKING:
            return None
        if self.learned and key not in groups.RELEASING:
            return None
        return groups.DEFAULT_TITLES[key]


def substitute(text: str, version: str, previous: str | None) -> str:
    """``text`` with ``version`` (and ``previous``) as placeholders."""

    def sub(value: str, mark: str, within: str) -> str:
        pattern = r"(?<![\d.])" + re.escape(value) + r"(?![\d]|[.\-+][0-9A-Za-z])"
        return re.sub(pattern, mark, within)

    text = sub(version, V, text)
    return sub(previous, P, text) if previous else text


DEFAULT = Style()
RST_DEFAULT = Style(
    fmt="rst",
    entry_level="-",
    section_level="~",
    heading=f"{V} ({D})",
    unreleased_heading="Unreleased",
)


def default_style(fmt: str) -> Style:
    return RST_DEFAULT if fmt == "rst" else DEFAULT

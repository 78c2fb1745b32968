"""The entry template, learned from the file's own latest entries.

From the newest released entry (and the two below it for bullets and
sections) this reads: the heading's shape with its version, date, previous
version (compare links) and anchors; the section titles in their order and
the commit keys each holds (emoji kept); the bullet shape (marker, how a
scope is written, commit hash and pull-request links, capitalised or not);
the blank lines between heading, sections, items and entries. Templates
hold placeholders as control characters (``\\x01V`` version, ``\\x01D``
date, ``\\x01P`` previous version, ``\\x01S`` scope, ``\\x01H`` commit
hash, ``\\x01h`` short hash, ``\\x01N`` pull-request number), which never
occur in a changelog's text.

An entry that is prose (paragraphs and plain bullets, no commit sections,
hashes or scopes) marks the file *hand-written*: it is never filled with
commit subjects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import pairwise

from shipline.domain.release.changelog import groups
from shipline.domain.release.changelog.document import (
    Document,
    Entry,
    Heading,
    LazyPattern,
    bullets,
    is_link_ref,
)

V, D, P, S, H, SH, N = "\x01V", "\x01D", "\x01P", "\x01S", "\x01H", "\x01h", "\x01N"
_DATES = (
    (LazyPattern(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (LazyPattern(r"\d{4}/\d{2}/\d{2}"), "%Y/%m/%d"),
    (
        LazyPattern(
            r"\d{1,2} (?:January|February|March|April|May|June|July|August|September|"
            r"October|November|December) \d{4}"
        ),
        "%-d %B %Y",
    ),
    (
        LazyPattern(
            r"(?:January|February|March|April|May|June|July|August|September|October|"
            r"November|December) \d{1,2}, \d{4}"
        ),
        "%B %-d, %Y",
    ),
)
_SCOPES = (  # (pattern at the start of a bullet's text, template)
    (LazyPattern(r"^\*\*([^*\s:]+):\*\* "), f"**{S}:** "),
    (LazyPattern(r"^\*\*([^*\s:]+)\*\*: "), f"**{S}**: "),
    (LazyPattern(r"^\*\(([^)\s]+)\)\* "), f"*({S})* "),
    (LazyPattern(r"^_\(([^)\s]+)\)_ "), f"_({S})_ "),
    (LazyPattern(r"^\(([^)\s]+)\) "), f"({S}) "),
    (LazyPattern(r"^`([^`\s]+)`: "), f"`{S}`: "),
)
_HASH = LazyPattern(r"(?<![#\w/])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b")
_SUBJECT = LazyPattern(r"^[a-z]+(?:\([^)\s]+\))?!?: \S")
_ANY_HASH = LazyPattern(r"(?<![\w#])[0-9a-f]{7,40}(?!\w)")
_PR = LazyPattern(r"#(\d+)\b|/(?:pull|issues)/(\d+)\b")
_UNIT = LazyPattern(
    r"\s*(?:\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\]\([^)]*\)"
    r"|`[^`]*`\s*<[^>]*>`_+|\S+)"
)


_KAC_WORDS = {"added", "changed", "deprecated", "removed", "fixed", "security"}
_KAC_TITLES = {"feat": "Added", "perf": "Changed", "revert": "Changed", "fix": "Fixed"}
_KAC_ORDER = ("feat", "perf", "refactor", "revert", "fix")


_BULLET_ENTRIES = 3
"""Bullets and blank lines are learnt from this many of the newest entries..."""
_TITLE_ENTRIES = 12
"""...and section titles from this many (breaking changes are rare)."""


@dataclass(frozen=True)
class Bullet:
    marker: str = "- "
    scope: str = f"**{S}:** "
    upper_first: bool = False
    suffix: tuple[tuple[str, str], ...] = ((" (" + SH + ")", "hash"),)
    """``(template, kind)``: ``hash`` always rendered, ``pr`` only when the
    commit names a pull request, ``text`` as is."""
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
        if self.learned and key not in groups.RELEASING:
            return None
        return groups.DEFAULT_TITLES[key]


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


def learn(doc: Document) -> Style:
    """The style of ``doc``'s entries; the default style where it has none."""
    base = default_style(doc.fmt)
    released = doc.released()
    if not released or doc.entry_level is None:
        return base
    latest = released[0]
    previous = released[1].version if len(released) > 1 else None
    style = replace(
        base,
        entry_level=doc.entry_level,
        patch_level=doc.patch_level,
        learned=True,
        titles={},
        order=(),
    )
    style = _learn_heading(doc, latest, previous, style)
    unreleased = doc.unreleased()
    if unreleased is not None and unreleased.version is None:
        style = replace(style, unreleased_heading=unreleased.heading.text)
    elif not style.heading.startswith("["):
        style = replace(style, unreleased_heading="Unreleased")  # brackets are KaC's
    style = _learn_sections(doc, released[:_TITLE_ENTRIES], style)
    style = _learn_blanks(doc, latest, style)
    return style


def _learn_heading(doc: Document, entry: Entry, previous: str | None, style: Style) -> Style:
    text = substitute(entry.heading.text, entry.version or "", previous)
    date_format = style.date_format
    for pattern, fmt in _DATES:
        if pattern.search(text):
            text = pattern.sub(D, text, count=1)
            date_format = fmt
            break
    anchors = tuple(
        substitute(ln, entry.version or "", previous)
        for ln in doc.lines[entry.start : entry.heading.start]
    )
    return replace(style, heading=text, date_format=date_format, anchors=anchors)


def substitute(text: str, version: str, previous: str | None) -> str:
    """``text`` with ``version`` (and ``previous``) as placeholders."""

    def sub(value: str, mark: str, within: str) -> str:
        pattern = r"(?<![\d.])" + re.escape(value) + r"(?![\d]|[.\-+][0-9A-Za-z])"
        return re.sub(pattern, mark, within)

    text = sub(version, V, text)
    return sub(previous, P, text) if previous else text


def _learn_sections(doc: Document, entries: list[Entry], style: Style) -> Style:
    titles: dict[str, str] = {}
    sequences: list[list[str]] = []
    section_level = style.section_level
    items: list[str] = []
    markers: list[str] = []
    paragraphs = False
    for index, entry in enumerate(entries):
        heads = doc.sections(entry)
        if heads:
            section_level = heads[0].level if entry is entries[0] or not titles else section_level
        sequence: list[str] = []
        for h in heads:
            for key in groups.keys_of_title(h.text):
                titles.setdefault(key, h.text)
                sequence.append(key)
        sequences.append(sequence)
        if index >= _BULLET_ENTRIES:
            continue  # older entries only tell section titles (a rare BREAKING CHANGE)
        body = doc.lines[entry.heading.end : entry.end]
        found = bullets(body)
        items.extend(text for _, _, _, text in found)
        markers.extend(marker + spacing for _, marker, spacing, _ in found)
        if entry is entries[0]:
            paragraphs = _has_paragraphs(body, heads, entry.heading.end)
    bullet = _learn_bullet(items, markers, style.bullet)
    commit_like = bool(titles) or any(
        _HASH.search(t) or _PR.search(t) or any(p.match(t) for p, _ in _SCOPES) for t in items
    )
    if not commit_like and (paragraphs or items):
        return replace(style, prose=True, bullet=bullet, section_level=section_level)
    order = [groups.BREAKING] + [k for k in _section_order(sequences) if k != groups.BREAKING]
    if {groups.normalize_title(t) for t in titles.values()} & _KAC_WORDS:
        # Keep a Changelog: releasing commits go under its own words
        for key, title in _KAC_TITLES.items():
            titles.setdefault(key, title)

        def kac_rank(k: str) -> tuple[int, int]:
            return (
                _KAC_ORDER.index(k) if k in _KAC_ORDER else len(_KAC_ORDER),
                order.index(k) if k in order else 0,
            )

        order = [
            groups.BREAKING,
            *sorted((k for k in titles if k != groups.BREAKING), key=kac_rank),
        ]
    return replace(
        style,
        titles=titles,
        order=tuple(order),
        section_level=section_level,
        bullet=bullet,
        flat=not titles,
    )


def _section_order(sequences: list[list[str]]) -> list[str]:
    """One order of keys agreeing with each entry's own order, newest entry
    first; keys never seen together fall back to the default order."""
    order: list[str] = []
    rank = {k: i for i, k in enumerate(groups.ORDER)}
    for sequence in sequences:
        for i, key in enumerate(sequence):
            if key in order:
                continue
            before = [k for k in sequence[:i] if k in order]
            after = [k for k in sequence[i + 1 :] if k in order]
            if before:
                at = order.index(before[-1]) + 1
            elif after:
                at = order.index(after[0])
            else:
                at = next((j for j, k in enumerate(order) if rank[k] > rank[key]), len(order))
            order.insert(at, key)
    return order


def _has_paragraphs(body: list[str], heads: list[Heading], offset: int) -> bool:
    skip = {h.title - offset for h in heads} | {h.end - 1 - offset for h in heads}
    for i, line in enumerate(body):
        if i in skip or not line.strip() or line[0].isspace() or is_link_ref(line):
            continue
        if bullets([line]) or line.lstrip().startswith(("#", "..", "<")):
            continue
        return True
    return False


def _learn_bullet(items: list[str], markers: list[str], default: Bullet) -> Bullet:
    if not items:
        return default
    marker = max(set(markers), key=markers.count)
    scope = default.scope
    for text in items:
        found = next((tpl for p, tpl in _SCOPES if p.match(text)), None)
        if found:
            scope = found
            break
    hashed = [t for t in items if _HASH.search(t)]
    use_hash = len(hashed) * 2 >= len(items)
    with_pr = [t for t in items if _PR.search(t)]
    sample = next((t for t in hashed if _PR.search(t)), None) if use_hash else None
    sample = sample or (hashed[0] if use_hash and hashed else with_pr[0] if with_pr else None)
    suffix, short_len = _suffix(sample, use_hash) if sample else ((), 7)
    descriptions = [_strip_scope(t) for t in items]
    upper = sum(1 for d in descriptions if d[:1].isupper())
    lower = sum(1 for d in descriptions if d[:1].islower())
    subject = sum(1 for t in items if _SUBJECT.match(t)) * 2 > len(items)
    return Bullet(
        marker=marker,
        scope=scope,
        upper_first=upper > lower and not subject,
        suffix=suffix,
        short_len=short_len,
        subject=subject,
    )


def _strip_scope(text: str) -> str:
    for pattern, _ in _SCOPES:
        m = pattern.match(text)
        if m:
            return text[m.end() :]
    return text


def _suffix(sample: str, use_hash: bool) -> tuple[tuple[tuple[str, str], ...], int]:
    """The units after a bullet's description that hold its commit hash and
    pull-request link, as templates. Punctuation between units stays with
    the unit before it, words (``, closes [#12](…)``) with the unit after;
    words after the last unit (an author's name) and a hash that opens the
    bullet (there is no description before it) are not learnt."""
    units: list[list[str]] = []
    short = 7
    pending = ""
    for index, m in enumerate(_UNIT.finditer(sample)):
        unit = m.group(0)
        kind = (
            "hash"
            if use_hash and _HASH.search(unit)
            else "pr"
            if _PR.search(unit) and not _HASH.search(unit)
            else "text"
        )
        if kind != "text" and index == 0:
            return (), short
        if kind == "text":
            if units:
                pending += unit
            continue
        if pending and not any(ch.isalnum() for ch in pending):
            units[-1][0] += pending
        else:
            unit = pending + unit
        pending = ""
        if kind == "hash":

            def mark(h: re.Match[str]) -> str:
                nonlocal short
                if len(h.group(0)) >= 40:
                    return H
                short = len(h.group(0))
                return SH

            units.append([_ANY_HASH.sub(mark, unit), kind])
        else:
            units.append([re.sub(r"(?<=#)\d+|(?<=/pull/)\d+|(?<=/issues/)\d+", N, unit), kind])
    if units and pending and not any(ch.isalnum() for ch in pending):
        units[-1][0] += pending
    return tuple((t, k) for t, k in units), short


def _learn_blanks(doc: Document, entry: Entry, style: Style) -> Style:
    lines = doc.lines

    def blanks_from(i: int, stop: int) -> int:
        n = 0
        while i + n < stop and not lines[i + n].strip():
            n += 1
        return n

    after_heading = blanks_from(entry.heading.end, entry.end)
    heads = doc.sections(entry)
    after_title = style.after_title
    between = style.between_sections
    if heads:
        after_title = blanks_from(heads[0].end, entry.end)
        if len(heads) > 1:
            j = heads[1].start
            n = 0
            while j - n - 1 > heads[0].end and not lines[j - n - 1].strip():
                n += 1
            between = n
    between_entries = entry.next - entry.end if entry.next < doc.footer else style.between_entries
    return replace(
        style,
        after_heading=after_heading,
        after_title=after_title,
        between_sections=between,
        between_entries=max(between_entries, 1),
        between_items=_loose(lines[entry.heading.end : entry.end]),
    )


def _loose(body: list[str]) -> int:
    """1 when the entry's items are separated by a blank line, else 0."""
    found = [i for i, _, _, _ in bullets(body)]
    # only items whose gap is blank lines alone (not a note, not a section)
    gaps = [
        b - a - 1
        for a, b in pairwise(found)
        if b - a - 1 <= 1 and all(not ln.strip() for ln in body[a + 1 : b])
    ]
    return 1 if gaps and sum(gaps) * 2 > len(gaps) else 0

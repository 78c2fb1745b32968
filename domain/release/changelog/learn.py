"""The entry template, learned from the file's own latest entries.

From the newest released entry this reads the heading's shape (version,
date, previous version in compare links, anchors above it) and the blank
lines; :mod:`.learn_sections` reads the section titles and the bullets
from the newest few. An entry that is prose (paragraphs and plain bullets,
no commit sections, hashes or scopes) marks the file *hand-written*: it is
never filled with commit subjects.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise

from shipline.domain.release.changelog.dates import learn_date
from shipline.domain.release.changelog.document import Document, Entry, bullets
from shipline.domain.release.changelog.learn_github import learn_github_notes
from shipline.domain.release.changelog.learn_sections import TITLE_ENTRIES, learn_sections
from shipline.domain.release.changelog.style import D, Style, default_style, substitute

__all__ = ["learn", "substitute"]


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
    style = learn_sections(doc, released[:TITLE_ENTRIES], style)
    style = _learn_blanks(doc, latest, style)
    return learn_github_notes(doc, latest, previous, style)


_OTHER_VERSION = re.compile(r"(?<![\d.])\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?(?![\d])")


def _learn_heading(doc: Document, entry: Entry, previous: str | None, style: Style) -> Style:
    text = substitute(entry.heading.text, entry.version or "", None)
    date_format = style.date_format
    found = learn_date(text, D)
    if found is not None:
        text, date_format = found
    if previous is None:  # the only entry: another version in its heading is the previous one
        other = _OTHER_VERSION.search(text)
        previous = other.group(0) if other else None
    text = substitute(text, entry.version or "", previous)
    anchors = tuple(
        substitute(ln, entry.version or "", previous)
        for ln in doc.lines[entry.start : entry.heading.start]
    )
    return replace(style, heading=text, date_format=date_format, anchors=anchors)


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

"""Section titles, their order and the commit keys each holds, learned
from a changelog's newest entries; whether the file is hand-written.

Titles are read from the newest :data:`TITLE_ENTRIES` entries (a breaking
changes section is rare), bullets from the newest :data:`BULLET_ENTRIES`
(:mod:`.learn_bullets`). Keep a Changelog's words (``Added``, ``Fixed``...)
take releasing commits under its own titles.
"""

from __future__ import annotations

from dataclasses import replace

from shipline.domain.release.changelog import groups
from shipline.domain.release.changelog.document import (
    Document,
    Entry,
    Heading,
    bullets,
    is_link_ref,
)
from shipline.domain.release.changelog.learn_bullets import commit_like, learn_bullet
from shipline.domain.release.changelog.style import Style

_KAC_WORDS = {"added", "changed", "deprecated", "removed", "fixed", "security"}
_KAC_TITLES = {"feat": "Added", "perf": "Changed", "revert": "Changed", "fix": "Fixed"}
_KAC_ORDER = ("feat", "perf", "refactor", "revert", "fix")


BULLET_ENTRIES = 3
"""Bullets and blank lines are learnt from this many of the newest entries..."""
TITLE_ENTRIES = 12
"""...and section titles from this many (breaking changes are rare)."""


def learn_sections(doc: Document, entries: list[Entry], style: Style) -> Style:
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
        if index >= BULLET_ENTRIES:
            continue  # older entries only tell section titles (a rare BREAKING CHANGE)
        body = doc.lines[entry.heading.end : entry.end]
        found = bullets(body)
        items.extend(text for _, _, _, text in found)
        markers.extend(marker + spacing for _, marker, spacing, _ in found)
        if entry is entries[0]:
            paragraphs = _has_paragraphs(body, heads, entry.heading.end)
    bullet = learn_bullet(items, markers, style.bullet)
    if not titles and not any(commit_like(t) for t in items) and (paragraphs or items):
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

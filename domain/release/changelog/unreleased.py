"""Keep a Changelog: the ``Unreleased`` section becomes the release.

Its hand-written items stay as they are; generated items are added to the
section that holds their commit type (``Added`` for ``feat``, ``Fixed`` for
``fix``...), new sections where it has none, and an item is left out when
the section already says it (same words, or its commit hash is there). The
link references at the bottom gain the new version's link in the file's own
pattern (``[1.1.0]: .../compare/v1.0.0...v1.1.0``) and ``[Unreleased]``
compares from the new tag.
"""

from __future__ import annotations

import re

from shipline.domain.release.changelog import groups, render
from shipline.domain.release.changelog.document import (
    Document,
    LazyPattern,
    bullets,
    is_link_ref,
    parse,
)
from shipline.domain.release.changelog.learn import substitute
from shipline.domain.release.changelog.references import split_pr
from shipline.domain.release.changelog.style import P, Style, V
from shipline.domain.release.commits import Commit

_WORDS = LazyPattern(r"[^a-z0-9]+")


def _norm(text: str) -> str:
    words: str = _WORDS.sub(" ", text.lower())
    return words.strip()


def merge(style: Style, base: list[str], by_key: dict[str, list[Commit]]) -> list[str]:
    """``base`` (an entry's body) with the generated items it lacks."""
    text = "\n".join(base)
    said = [_norm(t) for _, _, _, t in bullets([ln.lstrip() for ln in base])]
    heads = parse(text, style.fmt).headings
    spans = []
    for i, h in enumerate(heads):
        stop = heads[i + 1].start if i + 1 < len(heads) else len(base)
        while stop > h.end and not base[stop - 1].strip():
            stop -= 1
        spans.append((h, stop))
    inserts: dict[int, list[str]] = {}
    order = list(style.order) + [k for k in groups.ORDER if k not in style.order]
    rank = {k: i for i, k in enumerate(order)}
    for title, key, commits in render.sections(style, by_key):
        fresh = [c for c in commits if not _said(c, said, text)]
        if not fresh:
            continue
        gap = [""] * style.between_items
        items = [
            ln
            for c in fresh
            for ln in gap + render.item_lines(style, c, key == groups.BREAKING, True)
        ]
        home = next(
            (
                s
                for s in spans
                if _norm(s[0].text) == _norm(title) or key in groups.keys_of_title(s[0].text)
            ),
            None,
        )
        if home is not None or (style.flat and not spans):
            at = home[1] if home is not None else len(base)
            inserts.setdefault(at, []).extend(items)
            continue
        block = render.section_block(style, title, key, fresh, True)
        later = next(
            (
                s
                for s in spans
                if min(
                    (rank.get(k, len(order)) for k in groups.keys_of_title(s[0].text)),
                    default=len(order),
                )
                > rank[key]
            ),
            None,
        )
        if later is not None:
            inserts.setdefault(later[0].start, []).extend(block + [""] * style.between_sections)
        else:
            end = len(base)
            inserts.setdefault(end, []).extend(
                ([""] * style.between_sections if base else []) + block
            )
    out: list[str] = []
    for i in range(len(base) + 1):
        out.extend(inserts.get(i, []))
        if i < len(base):
            out.append(base[i])
    return out


def _said(commit: Commit, said: list[str], text: str) -> bool:
    if commit.short in text:
        return True
    description, pr = split_pr(commit.description)
    if pr and re.search(rf"#{pr}\b", text):
        return True
    words = _norm(description)
    return bool(words) and any(words in s for s in said)


def keeps_heading(doc: Document) -> bool:
    """Keep an empty ``Unreleased`` heading on top after the release: the
    Keep a Changelog way (``## [Unreleased]``, or an ``[Unreleased]`` link)."""
    entry = doc.unreleased()
    if entry is None or entry.version is not None:
        return False  # ``## [0.1.0] - unreleased`` becomes the 0.1.0 entry
    if entry.heading.text.lstrip().startswith("["):
        return True
    return any(_label(ln) == "unreleased" for ln in doc.lines[doc.footer :])


def _label(line: str) -> str | None:
    match = is_link_ref(line)
    return match.group(1).strip().lower() if match else None


def update_links(
    doc: Document, lines: list[str], footer: int, version: str, previous: str | None
) -> list[str]:
    """``lines`` (the new file) with its trailing link references updated."""
    refs = [(i, _label(ln)) for i, ln in enumerate(lines) if i >= footer and _label(ln)]
    if not refs:
        return lines
    released = [e.version for e in doc.released() if e.version]
    by_label = {label.lstrip("vV"): i for i, label in refs if label}
    template = fallback = None
    for newer, older in zip(released, [*released[1:], None], strict=False):
        at = by_label.get(newer)
        if at is None:
            continue
        candidate = substitute(lines[at], newer, older)
        if P in candidate and template is None:
            template = candidate
        elif V in candidate and fallback is None:
            fallback = candidate
    out = list(lines)
    unreleased = next((i for i, label in refs if label == "unreleased"), None)
    if unreleased is not None and released:
        line = substitute(out[unreleased], released[0], None)
        if V not in line:
            line = re.sub(
                r"\d+\.\d+\.\d+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?(?=\.{2,3}HEAD)", V, line
            )
        out[unreleased] = line.replace(V, version)
    chosen = template if template is not None and previous is not None else fallback
    if chosen is None:
        return out
    new = chosen.replace(V, version).replace(P, previous or "")
    if version in by_label:
        out[by_label[version]] = new
        return out
    latest = by_label.get(released[0]) if released else None
    second = by_label.get(released[1]) if len(released) > 1 else None
    if latest is None:
        at = unreleased + 1 if unreleased is not None else refs[0][0]
    elif second is not None and second < latest:
        at = latest + 1  # oldest first
    else:
        at = latest
    out.insert(at, new)
    return out

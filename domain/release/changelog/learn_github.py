"""GitHub's generated release notes, pasted into a changelog, as a template.

A project that copies each GitHub release's notes into its changelog has
entries like::

    ## v1.2.0

    ## What's Changed
    * feat: add retries by @ada in https://github.com/o/r/pull/12

    ## New Contributors
    * @ada made their first contribution in https://github.com/o/r/pull/12

    **Full Changelog**: https://github.com/o/r/compare/v1.1.0...v1.2.0

The ``What's Changed`` heading (at the release's level or below it) holds
every change in one list, in the order GitHub lists pull requests (oldest
first, or newest first where the file's numbers run down), bullets shaped
like its items; the ``Full Changelog`` line closes the entry with the new
compare range. ``New Contributors`` needs the forge's history of who
contributed before, which a changelog is written without (no network): it
is not written.
"""

from __future__ import annotations

import re
from dataclasses import replace

from shipline.domain.release.changelog import groups
from shipline.domain.release.changelog.document import Document, Entry, LazyPattern, bullets
from shipline.domain.release.changelog.learn_bullets import learn_bullet
from shipline.domain.release.changelog.style import Style, substitute

_WHATS_CHANGED = LazyPattern(r"^what['’]?s changed$", re.IGNORECASE)
_COMPARE = LazyPattern(r"/compare/\S*\.\.\.?\S*")
_PR_NUMBER = LazyPattern(r"/pull/(\d+)\b|#(\d+)\b")
_VERSIONS = LazyPattern(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?")


def learn_github_notes(doc: Document, entry: Entry, previous: str | None, style: Style) -> Style:
    """``style`` as GitHub's notes when ``entry`` (the newest release) is
    shaped like them, else ``style`` unchanged."""
    lines = doc.lines
    inside = [h for h in doc.headings if entry.heading.end <= h.start < entry.end]
    title = next((h for h in inside if _WHATS_CHANGED.match(h.text.strip())), None)
    if title is None or doc.fmt != "markdown":
        return style
    stop = next((h.start for h in inside if h.start > title.start), entry.end)
    found = bullets(lines[title.end : stop])
    if not found:
        return style
    items = [text for _, _, _, text in found]
    bullet = learn_bullet(items, [m + gap for _, m, gap, _ in found], style.bullet)
    numbers = [int(m.group(1) or m.group(2)) for t in items if (m := _last_pr(t))]
    trailer, before = _trailer(lines, found[-1][0] + title.end, entry, previous)
    return replace(
        style,
        titles=dict.fromkeys(groups.ORDER, title.text),
        order=groups.ORDER,
        section_level=title.level,
        learned=True,
        listed_only=False,
        flat=False,
        prose=False,
        one_list=True,
        newest_first=len(numbers) > 1 and numbers == sorted(numbers, reverse=True),
        bullet=bullet,
        after_title=found[0][0],
        trailer=trailer,
        before_trailer=before,
    )


def _last_pr(text: str) -> re.Match[str] | None:
    matches = list(_PR_NUMBER.finditer(text))
    return matches[-1] if matches else None


def _trailer(
    lines: list[str], last_item: int, entry: Entry, previous: str | None
) -> tuple[tuple[str, ...], int]:
    """The compare line after the list (``**Full Changelog**: …``) as a
    template, and the blank lines before it."""
    for at in range(entry.end - 1, last_item, -1):
        line = lines[at]
        compare = _COMPARE.search(line)
        if compare and not bullets([line]) and entry.version:
            if previous is None:  # the only entry: the range's other end is the previous one
                others = [v for v in _VERSIONS.findall(compare.group(0)) if v != entry.version]
                previous = others[0] if others else None
            blanks = 0
            while at - blanks - 1 > last_item and not lines[at - blanks - 1].strip():
                blanks += 1
            return (substitute(line, entry.version, previous),), max(blanks, 1)
    return (), 1

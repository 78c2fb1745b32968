"""Release dates in a changelog's headings: which spelling the file uses,
learned from its latest entry, and today's date written the same way.

Numeric forms (``2026-02-25``, ``2026/02/25``, ``25.02.2026``) and English
month names, full or short, day first or month first (``25 February 2026``,
``26 Apr 2026``, ``April 26, 2026``, ``Apr 26, 2026``), the day padded or
not as the file has it; ``25/02/2026`` (day first) and ``02/25/2026``
(month first) when the numbers tell which. A date shipline cannot spell
(month names in another language, ``04/03/2026``) becomes ``2026-03-04``
rather than the last release's date copied.
"""

from __future__ import annotations

import re
from datetime import datetime

from shipline.domain.release.changelog.document import LazyPattern

_FULL = "January|February|March|April|May|June|July|August|September|October|November|December"
_SHORT = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_DAY = r"(?P<day>\d{1,2})"

_FORMS: tuple[tuple[LazyPattern, str], ...] = (
    (LazyPattern(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"), "%Y-%m-%d"),
    (LazyPattern(r"(?<!\d)\d{4}/\d{2}/\d{2}(?!\d)"), "%Y/%m/%d"),
    (LazyPattern(r"(?<![\d.])\d{2}\.\d{2}\.\d{4}(?!\d)"), "%d.%m.%Y"),
    (LazyPattern(rf"(?<!\d){_DAY} (?:{_FULL}) \d{{4}}\b"), "DAY %B %Y"),
    (LazyPattern(rf"(?<!\d){_DAY} (?:{_SHORT}) \d{{4}}\b"), "DAY %b %Y"),
    (LazyPattern(rf"\b(?:{_FULL}) {_DAY}, \d{{4}}\b"), "%B DAY, %Y"),
    (LazyPattern(rf"\b(?:{_SHORT}) {_DAY}, \d{{4}}\b"), "%b DAY, %Y"),
)


_SLASHED = LazyPattern(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/\d{4}(?![\d/])")
_OTHER_DATES = LazyPattern(
    r"(?<!\d)\d{1,2}\.?\s+[^\W\d_]{3,}\.?\s+\d{4}(?!\d)"  # 25 février 2026, 25. Februar 2026
    r"|\b[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}(?!\d)"  # febrero 25, 2026
)
"""Dates in words shipline cannot spell (another language's month names)."""


def learn_date(text: str, placeholder: str) -> tuple[str, str] | None:
    """``text`` with its first date replaced by ``placeholder``, and the
    ``strftime`` format that writes a date that way; None without a date.
    ``25/02/2026`` is day first and ``02/25/2026`` month first; where both
    read (``04/03/2026``), and for month names in another language, the new
    date is written ``2026-03-04``: another spelling, never the last
    release's date copied."""
    for pattern, fmt in _FORMS:
        match = pattern.search(text)
        if match is None:
            continue
        if "DAY" in fmt:
            day = match.group("day")
            fmt = fmt.replace("DAY", "%d" if len(day) == 2 and day[0] == "0" else "%-d")
        return text[: match.start()] + placeholder + text[match.end() :], fmt
    match = _SLASHED.search(text)
    if match is not None:
        a, b = int(match.group("a")), int(match.group("b"))
        fmt = "%d/%m/%Y" if a > 12 >= b else "%m/%d/%Y" if b > 12 >= a else "%Y-%m-%d"
        return text[: match.start()] + placeholder + text[match.end() :], fmt
    match = _OTHER_DATES.search(text)
    if match is not None:
        return text[: match.start()] + placeholder + text[match.end() :], "%Y-%m-%d"
    return None


def format_date(date: str, fmt: str) -> str:
    """``date`` (``YYYY-MM-DD``) written as ``fmt`` says (English month names
    whatever the locale: changelogs are read as they were written)."""
    if fmt == "%Y-%m-%d":
        return date  # already so: strptime costs more than a whole entry
    try:
        day = datetime.strptime(date, "%Y-%m-%d")
    except ValueError:
        return date
    month = day.month - 1
    fmt = (
        fmt.replace("%B", _FULL.split("|")[month])
        .replace("%b", _SHORT.split("|")[month])
        .replace("%-d", str(day.day))
    )
    return re.sub(r"%[Ymd]", lambda m: day.strftime(m.group(0)), fmt)

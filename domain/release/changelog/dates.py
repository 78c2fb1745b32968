"""Release dates in a changelog's headings: which spelling the file uses,
learned from its latest entry, and today's date written the same way.

Numeric forms (``2026-02-25``, ``2026/02/25``, ``25.02.2026``) and English
month names, full or short, day first or month first (``25 February 2026``,
``26 Apr 2026``, ``April 26, 2026``, ``Apr 26, 2026``), the day padded or
not as the file has it. A heading's date that is none of these is kept as
text (and noticed by the reader of the plan), never misread.
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


def learn_date(text: str, placeholder: str) -> tuple[str, str] | None:
    """``text`` with its first date replaced by ``placeholder``, and the
    ``strftime`` format that writes a date that way; None without a date."""
    for pattern, fmt in _FORMS:
        match = pattern.search(text)
        if match is None:
            continue
        if "DAY" in fmt:
            day = match.group("day")
            fmt = fmt.replace("DAY", "%d" if len(day) == 2 and day[0] == "0" else "%-d")
        return text[: match.start()] + placeholder + text[match.end() :], fmt
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

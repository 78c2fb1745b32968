"""The bullet shape, learned from a changelog's items: the list marker,
how a scope is written, the units after the description that carry the
commit hash, the pull-request link, the issues the commit closes and its
author (as templates, from the item that shows the most of them),
capitalisation, and whether items are whole commit subjects
(python-semantic-release). What the units are filled with for a commit is
:mod:`.references`'.
"""

from __future__ import annotations

import re

from shipline.domain.release.changelog.document import LazyPattern
from shipline.domain.release.changelog.style import SH, A, Bullet, H, N, S

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


def commit_like(text: str) -> bool:
    """An item that names a commit: its hash, a pull request or a scope."""
    return bool(_HASH.search(text) or _PR.search(text) or any(p.match(text) for p, _ in _SCOPES))


def learn_bullet(items: list[str], markers: list[str], default: Bullet) -> Bullet:
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
    sample = max(items, key=lambda t: _references(t, use_hash), default=None)
    if sample is not None and not _references(sample, use_hash):
        sample = None
    suffix, short_len = _suffix(sample, use_hash) if sample else ((), 7)
    plain = next((t for t in hashed if not _PR.search(t)), None) if use_hash else None
    if plain is not None and any(kind == "pr" for _, kind in suffix):
        suffix = _reconcile(suffix, plain)
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


def _references(text: str, use_hash: bool) -> int:
    """How many kinds of reference an item shows (the richest one teaches
    the shape: a hash, a pull request, an author)."""
    return (
        (use_hash and bool(_HASH.search(text))) + bool(_PR.search(text)) + bool(_LOGIN.search(text))
    )


def _strip_scope(text: str) -> str:
    for pattern, _ in _SCOPES:
        m = pattern.match(text)
        if m:
            return text[m.end() :]
    return text


_AUTHOR = LazyPattern(r"^\s*\(?@[A-Za-z0-9][A-Za-z0-9-]*(?:\[bot\])?\)?[.,;]?$")
_LOGIN = LazyPattern(r"@[A-Za-z0-9][A-Za-z0-9-]*(?:\[bot\])?")
_CLOSING = LazyPattern(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b", re.IGNORECASE)
_CONNECTORS = frozenset({"by", "in", "via", "from", "thanks", "to", "see"})
"""Words that join a reference to the description (``by @ada in #12``)."""


def _kind(unit: str, use_hash: bool) -> str:
    if use_hash and _HASH.search(unit):
        return "hash"
    if _PR.search(unit):
        return "pr"
    return "author" if _AUTHOR.match(unit) else "text"


def _connects(unit: str) -> bool:
    word = unit.strip().strip(",;:").lower()
    return not any(ch.isalnum() for ch in word) or word in _CONNECTORS or bool(_CLOSING.match(word))


def _suffix(sample: str, use_hash: bool) -> tuple[tuple[tuple[str, str], ...], int]:
    """The units after a bullet's description that hold its commit hash,
    pull-request link, closed issues and author, as templates. The
    description ends before the first reference and the joining words
    before it (``by @ada in #12``); punctuation between units stays with the
    unit before it, words (``, closes [#12](…)``) with the unit after; a
    ``#N`` after ``closes``/``fixes``/``resolves`` is an issue the commit
    closes. Words after the last unit and a reference that opens the
    bullet (there is no description before it) are not learnt."""
    found = [m.group(0) for m in _UNIT.finditer(sample)]
    kinds = [_kind(u, use_hash) for u in found]
    first = next((i for i, k in enumerate(kinds) if k != "text"), None)
    if first is None:
        return (), 7
    while first > 0 and kinds[first - 1] == "text" and _connects(found[first - 1]):
        first -= 1
    if first == 0:
        return (), 7
    units: list[list[str]] = []
    short = 7
    pending = ""
    for unit, kind in zip(found[first:], kinds[first:], strict=True):
        if kind == "text":
            pending += unit
            continue
        if pending and not any(ch.isalnum() for ch in pending) and units:
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
        elif kind == "author":
            units.append([_LOGIN.sub("@" + A, unit, count=1), kind])
        else:
            closing = _CLOSING.search(unit.split("#", 1)[0])
            template = re.sub(r"(?<=#)\d+|(?<=/pull/)\d+|(?<=/issues/)\d+", N, unit)
            units.append([template, "closes" if closing else "pr"])
    if units and pending and not any(ch.isalnum() for ch in pending):
        units[-1][0] += pending
    return tuple((t, k) for t, k in units), short


Suffix = tuple[tuple[str, str], ...]


def _reconcile(suffix: Suffix, plain: str) -> Suffix:
    """``suffix``, learnt from an item with a pull request, corrected by
    ``plain``, an item without one: punctuation between the two units
    belongs to the hash's unit when the plain item has it too, before its
    hash (git-cliff's ``(#41) - (abc1234)`` and ``runs - (abc1234)``)."""
    if [kind for _, kind in suffix[-2:]] != ["pr", "hash"]:
        return suffix
    (pr, _), (sha, _) = suffix[-2:]
    between = pr[len(pr.rstrip(_PUNCTUATION)) :]
    if not between.strip():
        return suffix
    unit = re.escape(sha).replace(re.escape(SH), "[0-9a-f]+").replace(re.escape(H), "[0-9a-f]+")
    found = re.search(unit + "$", plain)
    if found is None or not plain[: found.start()].endswith(between):
        return suffix
    return (*suffix[:-2], (pr[: -len(between)], "pr"), (between + sha, "hash"))


_PUNCTUATION = " -–—|·,;:"

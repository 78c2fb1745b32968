"""The bullet shape, learned from a changelog's items: the list marker,
how a scope is written, the units after the description that carry the
commit hash and pull-request link (as templates), capitalisation, and
whether items are whole commit subjects (python-semantic-release).
"""

from __future__ import annotations

import re

from shipline.domain.release.changelog.document import LazyPattern
from shipline.domain.release.changelog.style import SH, Bullet, H, N, S

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
    with_pr = [t for t in items if _PR.search(t)]
    sample = next((t for t in hashed if _PR.search(t)), None) if use_hash else None
    sample = sample or (hashed[0] if use_hash and hashed else with_pr[0] if with_pr else None)
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

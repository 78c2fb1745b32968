"""Entries rendered in a learned :class:`Style`, Markdown or reStructuredText.

Markdown headings are ``#`` runs; reStructuredText titles get an underline
(and the overline, when the file uses one) exactly as wide as the title in
display columns, which is what docutils requires. Breaking changes come
first, each followed by its migration note indented under its bullet
(RLSE-005); where a commit has none, a generated entry says so with
:data:`MISSING_MIGRATION` and rendered history says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from shipline.domain.release.changelog import groups
from shipline.domain.release.changelog.document import LazyPattern, column_width
from shipline.domain.release.changelog.style import SH, Bullet, D, H, N, P, S, Style, V
from shipline.domain.release.commits import Commit

_PR_SUFFIX = LazyPattern(r"\s*\(#(\d+)\)\s*$")


def heading_lines(style: Style, text: str, level: str) -> list[str]:
    if style.fmt != "rst":
        return [f"{level} {text}"]
    char = level[0]
    line = char * column_width(text)
    return [line, text, line] if "/" in level else [text, line]


def heading_text(style: Style, version: str, date: str | None, previous: str | None) -> str:
    text = style.heading
    if P in text and previous is None:
        text = re.sub(r"\[([^\]]*)\]\([^)]*\x01P[^)]*\)", r"\1", text)
        text = re.sub(r"`([^`<]*?)\s*<[^>]*\x01P[^>]*>`_+", r"\1", text)
    if date:
        text = text.replace(D, format_date(date, style.date_format))
    elif D in text:
        text = re.sub(r"\s*(\(\)|[-–]\s*$)", "", text.replace(D, "")).rstrip()
    return text.replace(V, version).replace(P, previous or "")


def format_date(date: str, fmt: str) -> str:
    if fmt == "%Y-%m-%d":
        return date  # already so: strptime costs more than a whole entry
    try:
        return datetime.strptime(date, "%Y-%m-%d").strftime(fmt)
    except ValueError:
        return date


def entry_heading(style: Style, version: str, date: str | None,
                  previous: str | None) -> list[str]:
    anchors = [a.replace(V, version).replace(P, previous or "") for a in style.anchors]
    return anchors + heading_lines(style, heading_text(style, version, date, previous),
                                   style.entry_level)


@lru_cache(maxsize=64)
def _prepared(bullet: Bullet) -> tuple[str, str, bool, tuple[tuple[str, str], ...]]:
    """The bullet's templates as format strings, made once per style (the
    history renders thousands of items with one style)."""
    def fmt(template: str) -> str:
        escaped = template.replace("{", "{{").replace("}", "}}")
        return escaped.replace(H, "{sha}").replace(SH, "{short}").replace(N, "{pr}")

    head, _, tail = bullet.scope.partition(S)
    suffix = tuple((fmt(t), kind) for t, kind in bullet.suffix)
    return head, tail, any(kind == "pr" for _, kind in bullet.suffix), suffix


ItemRenderer = Callable[[Commit, bool], list[str]]


def item_renderer(style: Style, placeholders: bool) -> ItemRenderer:
    """A function that renders one commit as a bullet in ``style``, its
    templates prepared once (the history renders thousands of items). Commit
    text is shown through :func:`~shipline.domain.textsafe.visible` by the
    callers, once per entry."""
    bullet = style.bullet
    marker, upper, short_len = bullet.marker, bullet.upper_first, bullet.short_len
    scope_head, scope_tail, has_pr, suffix = _prepared(bullet)
    indent = " " * len(marker)
    missing = [missing_note(style)] if placeholders else []
    pr_suffix = _PR_SUFFIX

    def render(commit: Commit, breaking: bool) -> list[str]:
        text = commit.description if commit.type != "revert" else \
            f'revert "{commit.description}"'
        pr = None
        if has_pr:
            match = pr_suffix.search(text)
            if match:
                pr, text = match.group(1), text[:match.start()]
        if upper and text[:1].islower():
            text = text[:1].upper() + text[1:]
        scope = commit.scope
        line = f"{marker}{scope_head}{scope}{scope_tail}{text}" if scope else f"{marker}{text}"
        if suffix:
            sha = commit.sha
            for template, kind in suffix:
                if kind != "pr" or pr is not None:
                    line += template.format(sha=sha, short=sha[:short_len], pr=pr)
        if not breaking:
            return [line]
        lines = [line]
        for note in commit.breaking_notes or missing:
            lines.append("")
            lines.extend(f"{indent}{ln}" if ln.strip() else "" for ln in note.split("\n"))
        return lines

    return render


def item_lines(style: Style, commit: Commit, breaking: bool, placeholders: bool) -> list[str]:
    return item_renderer(style, placeholders)(commit, breaking)


def missing_note(style: Style) -> str:
    """The placeholder where a migration note belongs, in the file's markup."""
    return groups.RST_MISSING_MIGRATION if style.fmt == "rst" else groups.MISSING_MIGRATION


def sections(style: Style, by_key: dict[str, list[Commit]]) -> list[tuple[str, str, list[Commit]]]:
    """``(title, first key, commits)`` in the style's order; keys sharing a
    title (Keep a Changelog's ``Changed``) share one section."""
    order = list(style.order) + [k for k in groups.ORDER if k not in style.order]
    out: dict[str, tuple[str, list[Commit]]] = {}
    for key in order:
        if key not in by_key:
            continue
        title = style.title_for(key)
        if title is None or (style.flat and key not in groups.RELEASING):
            continue
        _first, items = out.setdefault(title, (key, []))
        items.extend(by_key[key])
    return [(title, key, items) for title, (key, items) in out.items()]


def section_block(style: Style, title: str, key: str, commits: list[Commit],
                  placeholders: bool, render: ItemRenderer | None = None) -> list[str]:
    lines = [] if style.flat else [*heading_lines(style, title, style.section_level),
                                   *[""] * style.after_title]
    render = render or item_renderer(style, placeholders)
    breaking = key == groups.BREAKING
    gap = [""] * style.between_items
    for i, c in enumerate(commits):
        if i and gap:
            lines.extend(gap)
        lines.extend(render(c, breaking))
    return lines


def body_lines(style: Style, by_key: dict[str, list[Commit]], placeholders: bool) -> list[str]:
    out: list[str] = []
    render = item_renderer(style, placeholders)
    for title, key, commits in sections(style, by_key):
        if out:
            out.extend([""] * (style.between_sections if not style.flat else 0))
        out.extend(section_block(style, title, key, commits, placeholders, render))
    return out


def entry_lines(style: Style, version: str, date: str | None, previous: str | None,
                by_key: dict[str, list[Commit]], placeholders: bool = True) -> list[str]:
    head = entry_heading(style, version, date, previous)
    body = body_lines(style, by_key, placeholders)
    if not body and placeholders:
        body = ["_No notable changes._" if style.fmt != "rst" else "No notable changes."]
    return head + ([""] * style.after_heading + body if body else [])

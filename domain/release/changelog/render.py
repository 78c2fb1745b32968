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
import string
from collections.abc import Callable
from functools import lru_cache

from shipline.domain.release.changelog import groups
from shipline.domain.release.changelog.dates import format_date
from shipline.domain.release.changelog.document import column_width
from shipline.domain.release.changelog.references import author_mention, closed_issues, split_pr
from shipline.domain.release.changelog.style import SH, A, Bullet, D, H, N, P, S, Style, V
from shipline.domain.release.commits import Commit


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


def entry_heading(style: Style, version: str, date: str | None, previous: str | None) -> list[str]:
    anchors = [a.replace(V, version).replace(P, previous or "") for a in style.anchors]
    level = style.entry_level
    if style.patch_level and not re.match(r"\d+\.\d+\.0(?!\d)", version):
        level = style.patch_level  # semantic-release: patches one level down
    return anchors + heading_lines(style, heading_text(style, version, date, previous), level)


_DYNAMIC = frozenset({"pr", "closes", "author"})
"""Units written only for some commits, or differently for each."""
_CLOSING = re.compile(r"^(.*?\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b\s*)(.*)$", re.I | re.S)


@lru_cache(maxsize=64)
def _prepared(bullet: Bullet) -> tuple[str, str, bool, tuple[tuple[str, str, str], ...]]:
    """The bullet's templates as format strings, made once per style (the
    history renders thousands of items with one style): ``(words before
    the references, format string, kind)`` per unit."""

    def fmt(template: str) -> str:
        escaped = template.replace("{", "{{").replace("}", "}}")
        return (
            escaped.replace(H, "{sha}")
            .replace(SH, "{short}")
            .replace(N, "{pr}")
            .replace("@" + A, "{author}")
        )

    head, _, tail = bullet.scope.partition(S)
    suffix = []
    for template, kind in bullet.suffix:
        lead = ""
        if kind == "closes":  # ", closes " once, then each issue's reference
            match = _CLOSING.match(template)
            if match:
                lead, template = match.group(1), match.group(2)
        suffix.append((lead, fmt(template), kind))
    return head, tail, any(kind in _DYNAMIC for _, kind in bullet.suffix), tuple(suffix)


ItemRenderer = Callable[[list[Commit], bool, list[str]], None]


def item_renderer(style: Style, placeholders: bool) -> ItemRenderer:
    """A function that appends commits as bullets in ``style`` to a list of
    lines, its templates prepared once and its loop inside (the history
    renders thousands of items). Commit text is shown through
    :func:`~shipline.domain.textsafe.visible` by the callers, once per entry."""
    bullet = style.bullet
    marker, upper, short_len = bullet.marker, bullet.upper_first, bullet.short_len
    scope_head, scope_tail, dynamic, suffix = _prepared(bullet)
    has_pr = any(kind == "pr" for _, _, kind in suffix)
    indent = " " * len(marker)
    missing = [missing_note(style)] if placeholders else []
    gap = [""] * style.between_items
    # without a unit that differs per commit, every unit is always written: one
    # template, cut at its fields once (str.format per item costs more than the item)
    joined = _pieces("".join(t for _, t, _ in suffix)) if suffix and not dynamic else None
    whole_subject = bullet.subject

    def render(commits: list[Commit], breaking: bool, out: list[str]) -> None:
        append = out.append
        for i, commit in enumerate(commits):
            if i and gap:
                out.extend(gap)
            if whole_subject:
                text = commit.subject
            else:
                text = (
                    commit.description
                    if commit.type != "revert"
                    else f'revert "{commit.description}"'
                )
            pr = None
            if has_pr:
                text, pr = split_pr(text)
            if upper and text[:1].islower():
                text = text[:1].upper() + text[1:]
            scope = None if whole_subject else commit.scope
            line = f"{marker}{scope_head}{scope}{scope_tail}{text}" if scope else f"{marker}{text}"
            if joined is not None:
                sha = commit.sha
                short = sha[:short_len]
                for literal, name in joined:
                    line += literal + (short if name == "short" else sha if name == "sha" else "")
            elif suffix:
                line += _references(commit, pr, suffix, short_len)
            append(line)
            if breaking:
                for note in commit.breaking_notes or missing:
                    append("")
                    out.extend(f"{indent}{ln}" if ln.strip() else "" for ln in note.split("\n"))

    return render


def _references(
    commit: Commit, pr: str | None, suffix: tuple[tuple[str, str, str], ...], short_len: int
) -> str:
    sha = commit.sha
    short = sha[:short_len]
    out = ""
    for lead, template, kind in suffix:
        if kind == "pr":
            if pr is not None:
                out += template.format(sha=sha, short=short, pr=pr)
        elif kind == "closes":
            issues = closed_issues(commit)
            if issues:
                out += lead + " ".join(template.format(sha=sha, short=short, pr=n) for n in issues)
        elif kind == "author":
            out += template.format(sha=sha, short=short, author=author_mention(commit))
        else:
            out += template.format(sha=sha, short=short)
    return out


def _pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    """``" ({short})"`` → ``((" (", "short"), (")", None))``."""
    return tuple((literal, name) for literal, name, _, _ in string.Formatter().parse(template))


def item_lines(style: Style, commit: Commit, breaking: bool, placeholders: bool) -> list[str]:
    out: list[str] = []
    item_renderer(style, placeholders)([commit], breaking, out)
    return out


def missing_note(style: Style) -> str:
    """The placeholder where a migration note belongs, in the file's markup."""
    return groups.RST_MISSING_MIGRATION if style.fmt == "rst" else groups.MISSING_MIGRATION


def sections(style: Style, by_key: dict[str, list[Commit]]) -> list[tuple[str, str, list[Commit]]]:
    """``(title, first key, commits)`` in the style's order; keys sharing a
    title (Keep a Changelog's ``Changed``) share one section."""
    out: dict[str, tuple[str, list[Commit]]] = {}
    for key, title in style.placed:
        if key in by_key:
            out.setdefault(title, (key, []))[1].extend(by_key[key])
    if style.one_list:  # one list in commit order, as GitHub lists pull requests
        for _, items in out.values():
            items.sort(key=lambda c: -c.time if style.newest_first else c.time)
    return [(title, key, items) for title, (key, items) in out.items()]


def section_block(
    style: Style,
    title: str,
    key: str,
    commits: list[Commit],
    placeholders: bool,
    render: ItemRenderer | None = None,
) -> list[str]:
    lines = (
        []
        if style.flat
        else [*heading_lines(style, title, style.section_level), *[""] * style.after_title]
    )
    render = render or item_renderer(style, placeholders)
    if style.one_list:  # each item says for itself whether it is a breaking change
        for i, commit in enumerate(commits):
            lines.extend([""] * (style.between_items if i else 0))
            render([commit], commit.breaking, lines)
    else:
        render(commits, key == groups.BREAKING, lines)
    return lines


def body_lines(style: Style, by_key: dict[str, list[Commit]], placeholders: bool) -> list[str]:
    out: list[str] = []
    render = item_renderer(style, placeholders)
    for title, key, commits in sections(style, by_key):
        if out:
            out.extend([""] * (style.between_sections if not style.flat else 0))
        out.extend(section_block(style, title, key, commits, placeholders, render))
    return out


def entry_lines(
    style: Style,
    version: str,
    date: str | None,
    previous: str | None,
    by_key: dict[str, list[Commit]],
    placeholders: bool = True,
) -> list[str]:
    head = entry_heading(style, version, date, previous)
    body = body_lines(style, by_key, placeholders)
    if not body and placeholders:
        body = ["_No notable changes._" if style.fmt != "rst" else "No notable changes."]
    lines = head + ([""] * style.after_heading + body if body else [])
    if style.trailer:
        lines += [""] * (style.before_trailer if body else style.after_heading)
        lines += [trailer_line(t, version, previous) for t in style.trailer]
    return lines


_FIRST_RANGE = re.compile(r"/compare/[^\s)]*?\x01P[^\s)]*?\.\.\.?([^\s)]*\x01V)")


def trailer_line(template: str, version: str, previous: str | None) -> str:
    """A closing line (GitHub's ``**Full Changelog**: …/compare/A...B``)
    for this release; a first release has no range: ``…/commits/B``."""
    if previous is None:
        template = _FIRST_RANGE.sub(r"/commits/\1", template)
    return template.replace(V, version).replace(P, previous or "")

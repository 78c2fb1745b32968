"""A release's entry written into the changelog file, in the file's own style.

The file is decoded (BOM, line ends, encoding remembered), parsed, its style
learned; then the entry goes where the file's entries start (after any
title or preamble), or replaces the ``Unreleased`` section, or replaces an
entry for the same version (writing twice gives the same file). Only the
entry's lines and the link references change; every other byte stays.

A hand-written changelog (prose entries) is never filled with commit
subjects: its ``Unreleased`` text becomes the entry, and without one the
entry is left for the operator to write (:attr:`Proposal.todo`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipline.domain.config import ChangelogConfig
from shipline.domain.release import schemes
from shipline.domain.release.changelog import groups, render, unreleased
from shipline.domain.release.changelog.configured import with_sections
from shipline.domain.release.changelog.discover import changelog_format
from shipline.domain.release.changelog.document import Document, Entry, parse, sniff_format
from shipline.domain.release.changelog.learn import learn
from shipline.domain.release.changelog.style import Style, default_style
from shipline.domain.release.changelog.textio import Encoding, decode
from shipline.domain.release.commits import Commit
from shipline.domain.textsafe import visible

HEADER = (
    "# Changelog\n\n"
    "All notable changes to this project are documented in this file.\n\n"
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n"
    "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n"
)
RST_HEADER = "Changelog\n=========\n"
UNWRITTEN = "Describe this release here."
"""The text of an entry left for the operator to write (hand-written changelogs)."""


@dataclass
class Proposal:
    data: bytes
    """The whole new file."""
    entry: str
    """The entry as written (``\\n`` line ends)."""
    todo: str | None = None
    """Why the entry still needs writing by hand, or None."""


def read(
    data: bytes | None, path: str, settings: ChangelogConfig | None = None
) -> tuple[Document | None, Style, Encoding]:
    """The file's structure, its style (with the sections ``settings``
    configure laid over it) and its encoding."""
    fmt = changelog_format(path)
    if data is None or not data.strip():
        return None, with_sections(default_style(fmt), settings), Encoding()
    text, enc = decode(data)
    if not path.lower().endswith((".md", ".markdown", ".rst")):
        fmt = sniff_format(text, fmt)
    doc = parse(text, fmt)
    return doc, with_sections(learn(doc), settings), enc


def propose(
    data: bytes | None,
    path: str,
    *,
    version: str,
    date: str,
    previous: str | None,
    commits: list[Commit],
    exclude: re.Pattern[str] = groups.RELEASE_COMMIT,
    explicit: str | None = None,
    settings: ChangelogConfig | None = None,
) -> Proposal:
    doc, style, enc = read(data, path, settings)
    head = render.entry_heading(style, version, date, previous)
    gap = [""] * style.after_heading
    todo = None
    same = doc.entry_for(version) if doc else None
    pending = doc.unreleased() if doc else None
    base = _body(doc, same or pending) if doc else []
    if explicit is not None:
        entry = _explicit(explicit, style, version, head, gap)
    elif style.prose:
        if base:
            entry = head + gap + base
        else:
            entry = head + gap + [UNWRITTEN]
            todo = (
                f"the changelog is written by hand and has no Unreleased notes: write "
                f"the {version} entry"
            )
    else:
        by_key = groups.group_keys(commits, exclude)
        entry = (
            head + gap + unreleased.merge(style, base, by_key)
            if base
            else render.entry_lines(style, version, date, previous, by_key)
        )
    # commit text is anyone's: no control or escape sequence reaches the file
    entry_text = visible("\n".join(entry)) + "\n"
    entry = entry_text[:-1].split("\n")
    if doc is None:
        header = RST_HEADER if style.fmt == "rst" else HEADER
        return Proposal(enc.encode(f"{header}\n{entry_text}", path), entry_text, todo)
    merged = settings is not None and settings.prereleases == "merge"
    lines = _insert(doc, style, entry, same, pending, _series(doc, version) if merged else 0)
    footer = doc.footer + (len(lines) - len(doc.lines))
    lines = unreleased.update_links(doc, lines, footer, version, previous)
    text = "\n".join(lines) + ("\n" if doc.final_newline else "")
    return Proposal(enc.encode(text, path), entry_text, todo)


def _body(doc: Document, entry: Entry | None) -> list[str]:
    if entry is None:
        return []
    lines = doc.lines[entry.heading.end : entry.end]
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


def _explicit(text: str, style: Style, version: str, head: list[str], gap: list[str]) -> list[str]:
    lines = text.replace("\r\n", "\n").strip("\n").split("\n")
    first = parse("\n".join(lines), style.fmt).entries
    if first and first[0].version == version and first[0].start == 0:
        return lines
    return head + gap + lines


def _series(doc: Document, version: str) -> int:
    """How many of the newest entries are prereleases of ``version`` (a final
    release): the entries a merged entry replaces."""
    final = schemes.parse_any(version)
    if final is None or final.prerelease:
        return 0
    count = 0
    for entry in doc.entries:
        found = schemes.parse_any(entry.version) if entry.version else None
        if found is None or not found.prerelease or found.finalize_version() != final:
            break
        count += 1
    return count


def _insert(
    doc: Document,
    style: Style,
    entry: list[str],
    same: Entry | None,
    pending: Entry | None,
    replaced: int = 0,
) -> list[str]:
    lines = doc.lines
    if same is not None:
        return lines[: same.start] + entry + lines[same.end :]
    if pending is not None:
        if unreleased.keeps_heading(doc):
            gap = [""] * style.between_entries
            return lines[: pending.heading.end] + gap + entry + lines[pending.end :]
        return lines[: pending.start] + entry + lines[pending.end :]
    if doc.entries:
        at = doc.entries[0].start
        rest = doc.entries[replaced].start if replaced < len(doc.entries) else doc.footer
        gap = [""] * style.between_entries if rest < len(lines) else []
        return lines[:at] + entry + gap + lines[rest:]
    at = doc.footer
    before = lines[:at]
    while before and not before[-1].strip():
        before.pop()
    after = lines[at:]
    return before + ([""] if before else []) + entry + (["", *after] if after else [])


def has_entry(data: bytes, path: str, version: str) -> bool:
    """Whether the changelog has an entry for ``version`` (the release gate)."""
    doc, _, _ = read(data, path)
    entry = doc.entry_for(version) if doc is not None else None
    return entry is not None and not entry.pending


def entry_text(data: bytes | None, path: str, version: str) -> str | None:
    """The written entry for ``version`` as the file has it (its heading
    included): what a reviewer reads and a forge release's notes say."""
    doc, _, _ = read(data, path)
    entry = doc.entry_for(version) if doc is not None else None
    if doc is None or entry is None or entry.pending:
        return None
    return "\n".join(doc.lines[entry.start : entry.end])


def entry_unwritten(entry: str) -> bool:
    """An entry that still holds :data:`UNWRITTEN` (hand-written changelogs)."""
    return UNWRITTEN in entry

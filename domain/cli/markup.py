"""The text renderer's markup, written without rich where rich would add nothing.

The renderer writes lines in rich's console markup (``[bold]▶ title[/]``).
On a terminal rich turns the tags into colours. Where the output is a pipe,
a file or a CI log, rich drops the tags and writes plain text. Importing rich
for that costs about as much as the rest of ``release plan`` together (0.18
of its 1.2 G instructions). So on such a stream the renderer uses
:class:`PlainConsole`, which drops the tags itself, and :func:`escape`
protects foreign text without importing rich.

The grammar is rich's. A tag is ``[`` followed by a lower-case letter, ``#``,
``/`` or ``@``, then anything up to the next ``]`` that is not another ``[``.
A backslash before a tag makes the tag literal text. Pairs of backslashes
before a tag stand for one backslash each. Tabs become spaces to the next
stop, as rich lays them out. ``tests/test_cli_markup.py`` renders the same
lines through rich and through this module and requires the same bytes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from typing import IO, Any

_TAG = re.compile(r"(\\*)(\[[a-z#/@][^\[]*?\])")
_TAG_OR_BRACKET = re.compile(r"(\\*)(\[[a-z#/@][^\[]*?\])|\\\[")


def escape(text: str) -> str:
    """``text`` as markup that shows exactly ``text``. A tag-shaped part gets
    one more backslash than it had, and its own backslashes doubled. A
    backslash before any other ``[`` is doubled too: rich drops it there
    (``\\[`` shows as ``[``), which its own ``escape`` leaves alone. A final
    run of backslashes is doubled so a closing tag written after it stays a
    tag and the backslashes all show (rich's doubles only a lone one)."""

    def literal(match: re.Match[str]) -> str:
        backslashes, tag = match.group(1), match.group(2)
        if tag is None:  # a backslash before a bracket that opens no tag
            return "\\\\["
        return f"{backslashes}{backslashes}\\{tag}"

    text = _TAG_OR_BRACKET.sub(literal, text)
    return text + text[len(text.rstrip("\\")) :]


def plain(markup: str) -> str:
    """``markup`` as rich shows it without colour: tags dropped, escaped tags
    shown as text, and ``\\[`` outside a tag shown as ``[``."""
    out, position = [], 0
    for match in _TAG.finditer(markup):
        out.append(markup[position : match.start()].replace("\\[", "["))
        backslashes, tag = match.groups()
        pairs, escaped = divmod(len(backslashes), 2)
        out.append("\\" * pairs + (tag if escaped else ""))
        position = match.end()
    out.append(markup[position:].replace("\\[", "["))
    return "".join(out)


def _cells(char: str) -> int:
    """The terminal columns a character takes, as rich counts them."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def expand_tabs(text: str, size: int = 8) -> str:
    """Tabs as spaces up to the next stop, counted in terminal columns (wide
    characters take two), as rich lays them out."""
    if "\t" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        column, out = 0, []
        for char in line:
            if char == "\t":
                pad = size - column % size
                out.append(" " * pad)
                column += pad
            else:
                out.append(char)
                column += _cells(char)
        lines.append("".join(out))
    return "\n".join(lines)


class PlainConsole:
    """The part of ``rich.console.Console`` the text renderer uses, for a
    stream where rich would write no colour."""

    def __init__(self, file: IO[str]):
        self.file = file

    def print(self, markup: str = "", end: str = "\n") -> None:
        self.file.write(expand_tabs(plain(markup)) + end)
        self.file.flush()


def wants_colour(stream: Any) -> bool:
    """Whether rich would style output on ``stream``, by rich's own rule:
    ``TTY_COMPATIBLE`` (``1`` or ``0``) first, then a non-empty
    ``FORCE_COLOR``, else whether the stream is a terminal."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False

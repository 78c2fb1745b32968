"""A changelog's bytes as text and back, exactly.

The rules work on text with ``\\n`` line ends; what the file had (UTF-8
with or without a BOM, UTF-16 with its BOM, Latin-1 for old ``NEWS``
files; CRLF or LF) is remembered and restored when the file is written,
so a release changes only the lines it adds.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from shipline.domain.errors import ChangelogFailed


@dataclass(frozen=True)
class Encoding:
    codec: str = "utf-8"
    bom: bytes = b""
    eol: str = "\n"

    def encode(self, text: str, path: str) -> bytes:
        if self.eol != "\n":
            text = text.replace("\n", self.eol)
        try:
            return self.bom + text.encode(self.codec)
        except UnicodeEncodeError as exc:
            bad = text[exc.start : exc.end]
            raise ChangelogFailed(
                f"{path}: the new entry has {bad!r}, which {self.codec} cannot hold",
                hint=f"convert {path} to UTF-8, or edit the entry",
            ) from None


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes) -> tuple[str, Encoding]:
    """``data`` as text with ``\\n`` line ends, and how to encode it back."""
    bom, codec = b"", "utf-8"
    for mark, name in _BOMS:
        if data.startswith(mark):
            bom, codec = mark, name
            break
    body = data[len(bom) :]
    try:
        text = body.decode(codec)
    except UnicodeDecodeError:
        if bom:
            raise
        codec, text = "latin-1", body.decode("latin-1")
    crlf = text.count("\r\n")
    eol = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
    if eol == "\r\n":
        text = text.replace("\r\n", "\n")
    return text, Encoding(codec, bom, eol)


def read_text(data: bytes) -> str:
    return decode(data)[0]

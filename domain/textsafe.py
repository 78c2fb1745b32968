"""Text from outside shipline made safe to show: one rule for every place
that puts foreign text in front of a person.

Commit subjects and bodies, tool output, registry replies and file contents
can carry terminal control sequences: an OSC that retitles the window, a CSI
that clears the screen or moves the cursor to overwrite a line, a bell, a
carriage return that hides what came before it, or a bidirectional override
that shows code in another order than it runs. Any contributor can put them
in a commit subject, so shown raw they let anyone rewrite what a release
manager sees (issue 13, item 4).

:func:`visible` turns each such character into a visible stand-in instead of
removing it, so the reader sees that something was there: C0 controls become
their Unicode control pictures (ESC → ``␛``, BEL → ``␇``), DEL ``␡``, C1
controls and bidi/invisible format characters ``<U+XXXX>``. Newlines and tabs
stay unless ``single_line``. JSON output needs no stand-ins (``json.dumps``
escapes C0 itself); :func:`escape_json_text` escapes the rest there, so JSON
keeps the original text, escaped.
"""

from __future__ import annotations

import re
from typing import Any

_BIDI_AND_INVISIBLE = "\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_AND_INVISIBLE}]")
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_AND_INVISIBLE}]")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@")
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI_AND_INVISIBLE}]")


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the control picture: ␛ ␇ ␍ ␀ ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible(text: str, *, single_line: bool = False) -> str:
    """``text`` with every control, escape and bidi character shown as a
    visible stand-in; ``\\n`` and ``\\t`` are kept unless ``single_line``."""
    if text.isprintable():
        return text  # fast path: every character replaced below is non-printable
    return (_UNSAFE_LINE if single_line else _UNSAFE).sub(_stand_in, text)


def one_line(exc: object, limit: int = 400) -> str:
    """An exception's text on one line and at most ``limit`` characters, for
    a message: pydantic and sigstore errors span many lines."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def public_url(url: str) -> str:
    """``url`` as messages and records show it: without the user and password
    a remote or registry URL may carry (a token, often), and with every
    registered secret redacted."""
    from shipline.domain.runner import redact

    return redact(_USERINFO.sub(r"\1", url))


def escape_json_text(json_text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with DEL, C1
    and bidi characters escaped as ``\\uXXXX`` too: the same data, nothing a
    terminal acts on."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def is_safe(text: str) -> bool:
    """True when :func:`visible` would not change ``text``."""
    return _UNSAFE.search(text) is None


def shown(text: str, *, single_line: bool = False) -> str:
    """Foreign text as every face shows it: registered secrets redacted
    (:func:`shipline.domain.runner.redact`), then made :func:`visible`. The
    CLI's renderers and the TUI both show text through this."""
    from shipline.domain.runner import redact

    return visible(redact(text), single_line=single_line)


def visible_data(value: Any) -> Any:
    """``value`` (a string, list, dict or pydantic model, nested) with
    :func:`shown` applied to every string in it: how a screen takes in
    an event or a record before showing any of it."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, list | tuple):
        return type(value)(visible_data(v) for v in value)
    if isinstance(value, dict):
        return {k: visible_data(v) for k, v in value.items()}
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        update = {name: visible_data(getattr(value, name)) for name in fields}
        return value.model_copy(update=update)
    return value

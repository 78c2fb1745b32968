"""Status words → a glyph and a theme colour, the same on every screen."""

from __future__ import annotations

GLYPH = {
    "ok": "✔",
    "passed": "✔",
    "failed": "✖",
    "running": "◐",
    "pending": "○",
    "planned": "·",
    "skipped": "–",
    "missing": "?",
}
COLOR = {
    "ok": "$success",
    "passed": "$success",
    "failed": "$error",
    "running": "$warning",
    "pending": "$text-muted",
    "planned": "$text-muted",
    "skipped": "$text-muted",
    "missing": "$warning",
}
RICH = {
    "ok": "green",
    "passed": "green",
    "failed": "red",
    "running": "yellow",
    "pending": "dim",
    "planned": "dim",
    "skipped": "dim",
    "missing": "yellow",
}


def glyph(status: str) -> str:
    return GLYPH.get(status, "·")


def style(status: str) -> str:
    """A Rich style for ``status`` that reads in light and dark themes."""
    return RICH.get(status, "")

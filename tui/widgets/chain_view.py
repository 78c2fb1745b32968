"""The provenance chain drawn as linked cards: commit → build → artifact →
attestation → registry → forge, each with its status and evidence."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from shipline.tui.state import LINKS, LinkView, RunState
from shipline.tui.widgets.glyphs import glyph, style

TITLES = {
    "commit": "Commit",
    "build": "Build",
    "artifact": "Artifact",
    "attestation": "Attestation",
    "registry": "Registry",
    "forge": "Forge",
}
WHAT = {
    "commit": "the release commit and tag",
    "build": "builder and invocation",
    "artifact": "files and their SHA-256",
    "attestation": "in-toto statement and signature",
    "registry": "where each artifact is live",
    "forge": "the GitHub/GitLab release and its files",
}
FIRST_KEYS = (
    "sha",
    "commit",
    "tag",
    "reference",
    "ref",
    "url",
    "sha256",
    "digest",
    "identity",
    "signer",
    "signature",
    "keyId",
    "registry",
    "builder",
    "level",
    "type",
)
"""Detail keys shown first, in this order; the rest follow as they come."""


def short(value: Any, width: int = 48) -> str:
    text = str(value)
    algo, sep, rest = text.partition(":")
    if sep and algo in ("sha256", "sha512") and len(rest) >= 64:
        return f"{algo}:{rest[:12]}…{rest[-6:]}"
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return f"{text[:12]}…{text[-6:]}"
    if len(text) == 40 and all(c in "0123456789abcdef" for c in text):
        return text[:10]
    return text if len(text) <= width else text[: width - 1] + "…"


def detail_lines(entries: dict[str, dict[str, Any]]) -> list[Text]:
    lines: list[Text] = []
    for name, detail in entries.items():
        keys = [k for k in FIRST_KEYS if k in detail] + [
            k for k in detail if k not in FIRST_KEYS and k != "status"
        ]
        line = Text(no_wrap=True, overflow="ellipsis")
        if name:
            line.append(f"{name} ", style="bold")
            status = detail.get("status", "")
            line.append(glyph(status) + " ", style=style(status))
        for key in keys:
            if key:
                line.append(f"{key} ", style="dim")
            line.append(short(detail[key]) + "  ")
        lines.append(line)
    return lines


def card_css(cls: str) -> str:
    """A card of the chain: its border says its status (a link's, or a
    release train's package's)."""
    return f"""
    {cls} {{
        height: auto; padding: 0 1; border: round $foreground 30%;
        border-title-style: bold; border-subtitle-color: $text-muted;
        text-wrap: nowrap; text-overflow: ellipsis;
    }}
    {cls}.-ok {{ border: round $success; }}
    {cls}.-failed {{ border: round $error; }}
    {cls}.-running {{ border: round $warning; }}
    """


class LinkCard(Static):
    """One link of the chain."""

    DEFAULT_CSS = (
        card_css("LinkCard")
        + """
    LinkCard.-compact { border: none; padding: 0 1 0 2; color: $text-muted; }
    """
    )

    def __init__(self, link: str) -> None:
        super().__init__(id=f"link-{link}")
        self.link = link
        self.status = "pending"

    def show(self, view: LinkView, note: str = "") -> None:
        self.status = view.status
        for status in ("ok", "failed", "running"):
            self.set_class(view.status == status, f"-{status}")
        lines = detail_lines(view.entries)
        compact = not lines and view.status in ("skipped", "pending")
        self.set_class(compact, "-compact")
        if compact:  # one quiet line: nothing happened on this link
            self.border_title = self.border_subtitle = ""
            self.update(
                Text(
                    f"{glyph(view.status)} {TITLES[self.link]}  {view.status}: "
                    f"{note or WHAT[self.link]}",
                    no_wrap=True,
                    overflow="ellipsis",
                )
            )
            return
        self.border_title = f"{glyph(view.status)} {TITLES[self.link]}"
        self.border_subtitle = view.status
        text = Text(no_wrap=True, overflow="ellipsis")
        if not lines:
            text.append(note or WHAT[self.link], style="dim")
        for index, line in enumerate(lines):
            if index:
                text.append("\n")
            text.append_text(line)
        self.update(text)


class ChainView(VerticalScroll):
    """Six cards joined by arrows, redrawn from :class:`RunState`."""

    DEFAULT_CSS = """
    ChainView { height: 1fr; padding: 0 1; }
    ChainView .arrow { height: 1; color: $text-muted; padding: 0 0 0 3; }
    """

    def compose(self) -> ComposeResult:
        for index, link in enumerate(LINKS):
            if index:
                yield Static("▼", classes="arrow")
            yield LinkCard(link)

    def update_from(self, state: RunState, source_only: bool) -> None:
        for link in LINKS:
            view = state.links[link]
            note = ""
            if link == "commit" and not view.entries:
                view = _commit_from_steps(state) or view
            elif link == "forge":
                pass  # a source-only release still gets its forge release
            elif source_only and view.status == "pending" and not view.entries:
                view = LinkView(link, "skipped")
                note = "source-only release: no artifacts"
            self.query_one(f"#link-{link}", LinkCard).show(view, note)


def _commit_from_steps(state: RunState) -> LinkView | None:
    """Before the domain reports the commit link, the commit and tag steps say
    as much: their own status and detail."""
    entries: dict[str, dict[str, Any]] = {}
    for name in ("commit", "tag"):
        step = state.steps.get(name)
        if step is not None:
            entries[name] = {"status": step.status, "": step.detail}
    if not entries:
        return None
    statuses = [e["status"] for e in entries.values()]
    status = (
        "failed"
        if "failed" in statuses
        else "running"
        if "running" in statuses
        else "ok"
        if len(entries) == 2 and all(s == "ok" for s in statuses)
        else "running"
    )
    return LinkView("commit", status, entries)

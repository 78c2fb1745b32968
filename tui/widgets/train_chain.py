"""The provenance chain of a release train, grouped by package: for each,
commit → tag → build → artifact → attestation → registry, filled in live
from the events that name the package (``ChainLink.package``)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from shipline.tui.state import LINKS, LinkView, PackageView, RunState
from shipline.tui.widgets.chain_view import card_css, detail_lines, short
from shipline.tui.widgets.glyphs import glyph, style

ROWS = ("commit", "tag", *(link for link in LINKS if link != "commit"))
"""A package's chain as drawn: the commit link's tag gets its own row."""


def card_id(name: str) -> str:
    return "pkg-" + "".join(ch if ch.isalnum() else "-" for ch in name)


def _row(text: Text, label: str, status: str, body: Text | str) -> None:
    if text.plain:
        text.append("\n")
    text.append(f"{glyph(status)} ", style=style(status))
    text.append(f"{label:<12} ", style="dim" if status in ("pending", "skipped") else "bold")
    if isinstance(body, Text):
        text.append_text(body)
    else:
        text.append(body, style="dim")


def package_text(view: PackageView, finished: bool) -> tuple[str, Text]:
    """(the card's status, its lines) for one package. Links nothing has
    reported on share one quiet line: pending, or none once the run is over
    (a package released source-only)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    commit = view.links["commit"]
    statuses = []
    quiet = []
    for row in ROWS:
        link: LinkView = commit if row == "tag" else view.links.get(row, LinkView(row))
        if not link.entries:
            if row != "forge":  # a train makes no forge release
                quiet.append(row)
            continue
        if row in ("commit", "tag"):
            name, detail = next(iter(link.entries.items()))
            value = detail.get("tag", "") if row == "tag" else detail.get("commit", name)
            _row(text, row, detail.get("status", link.status), Text(short(value)))
        else:
            lines = detail_lines(link.entries)
            _row(text, row, link.status, lines[0])
            for line in lines[1:]:
                text.append("\n" + " " * 14)
                text.append_text(line)
        statuses.append(link.status)
    if quiet:
        said = "none: released source-only" if finished and statuses else "pending"
        _row(text, " → ".join(quiet), "skipped" if finished else "pending", said)
    if view.last and not finished:  # what is happening to it now
        text.append(f"\n  {view.last}", style="dim italic")
    status = next((s for s in ("failed", "running") if s in statuses), None)
    status = status or ("ok" if statuses and (finished or not quiet) else "pending")
    return status, text


class PackageCard(Static):
    """One package of the train: its links, one row each."""

    DEFAULT_CSS = card_css("PackageCard")

    def show(self, title: str, view: PackageView, finished: bool) -> None:
        status, text = package_text(view, finished)
        for each in ("ok", "failed", "running"):
            self.set_class(status == each, f"-{each}")
        self.border_title = f"{glyph(status)} {title}"
        self.border_subtitle = status
        self.update(text)


class TrainChainView(VerticalScroll):
    """One card a package, in the train's order."""

    DEFAULT_CSS = """
    TrainChainView { height: 1fr; padding: 0 1; }
    """

    def update_from(self, state: RunState, packages: list[Any]) -> None:
        from shipline.domain.api import visible

        titles = {p.name: visible(p.tag or p.name, single_line=True) for p in packages}
        names = [*titles, *(n for n in state.packages if n not in titles)]
        finished = state.summary is not None
        for name in names:
            view = state.packages.get(name) or PackageView(name)
            rows = self.query(f"#{card_id(name)}")
            card = rows.first(PackageCard) if rows else PackageCard(id=card_id(name))
            if not rows:
                self.mount(card)
            card.show(titles.get(name, visible(name, single_line=True)), view, finished)

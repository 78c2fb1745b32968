"""Command palette entries: every screen, and the actions of a release."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from shipline.tui.app import ShiplineApp

SCREEN_TITLES = {
    "plan": "Plan: last release, commits since, the bump",
    "version": "Version: choose the next version",
    "changelog": "Changelog: review and edit the entry",
    "gates": "Gates: run the release gates",
    "tag": "Tag: release commit and tag",
    "publish": "Publish: artifacts and the push",
    "chain": "Chain: the provenance chain, live",
    "summary": "Summary: what the release did",
    "history": "History: recorded releases and verify",
    "review": "Review: a release's evidence",
}


class ShiplineCommands(Provider):
    """ "Go to …" for every screen plus the run's actions."""

    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app: ShiplineApp = self.app  # type: ignore[assignment]
        items = [
            (f"Go to {title.split(':')[0]}", partial(app.goto, name), title)
            for name, title in SCREEN_TITLES.items()
        ]
        items += [
            (
                "Run the release gates",
                app.start_release,
                "bump, write the changelog and run every gate (undone if one fails)",
            ),
            (
                "Cancel the running release",
                app.action_cancel_release,
                "asks first; undoes every local change",
            ),
            (
                "Resume the interrupted release",
                app.resume_release,
                "finish it from its journal; irreversible steps still ask",
            ),
            (
                "Abort the interrupted release",
                app.abort_release,
                "asks first; undoes its local tag, commit and files",
            ),
            ("Toggle light/dark theme", app.action_toggle_theme, "F2"),
        ]
        return items

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands():
            yield DiscoveryHit(name, action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), action, help=help_text)

"""The header of every step screen: Textual's, with a title watcher that
survives a header whose title widget is not there.

The app changes ``sub_title`` when a plan arrives from its worker (the tags
a release makes). When that lands while a screen is being switched in or
out, Textual's own watcher (``Header._on_mount``) asks for a ``HeaderTitle``
that is not mounted (yet, or any more) and the ``NoMatches`` ends the app:
seen under load in the Pilot tests. This one skips that one update; the
header shows the title again on the next change or when it is composed.
(``HeaderTitle`` is imported from Textual's private module: it is the
widget the original watcher updates.)"""

from __future__ import annotations

import contextlib

from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.events import Mount
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class StepHeader(Header):
    def _on_mount(self, event: Mount) -> None:
        event.prevent_default()  # instead of Header's watchers, not beside them

        async def set_title() -> None:
            with contextlib.suppress(NoScreen, NoMatches):  # not composed yet, or gone
                self.query_one(HeaderTitle).update(self.format_title())

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)

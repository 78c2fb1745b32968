"""Chain: commit → build → artifact → attestation → registry, each link
filled in live from the pipeline's chain events."""

from __future__ import annotations

from textual.app import ComposeResult

from shipline.tui.screens.base import StepScreen
from shipline.tui.widgets.chain_view import ChainView


class ChainScreen(StepScreen):
    STEP = "chain"

    def compose_body(self) -> ComposeResult:
        yield ChainView(id="chain")

    def sync(self) -> None:
        self.query_one(ChainView).update_from(self.shipline.state, self.shipline.source_only)

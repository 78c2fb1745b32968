"""Chain: commit → build → artifact → attestation → registry, each link
filled in live from the pipeline's chain events."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from ..widgets.chain_view import ChainView
from .base import StepScreen


class ChainScreen(StepScreen):
    STEP = "chain"
    DEFAULT_CSS = """
    ChainScreen #chain-note { height: 1; padding: 0 1; color: $text-muted; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static("The provenance chain of this release, link by link.", id="chain-note")
        yield ChainView(id="chain")

    def sync(self) -> None:
        self.query_one(ChainView).update_from(self.shipline.state, self.shipline.source_only)

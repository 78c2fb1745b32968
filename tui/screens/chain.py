"""Chain: commit → build → artifact → attestation → registry, each link
filled in live from the pipeline's chain events; grouped by package for a
release train."""

from __future__ import annotations

from textual.app import ComposeResult

from shipline.tui.screens.base import StepScreen
from shipline.tui.widgets.chain_view import ChainView
from shipline.tui.widgets.train_chain import TrainChainView


class ChainScreen(StepScreen):
    """One release: six linked cards. A release train: a card a package."""

    STEP = "chain"
    DEFAULT_CSS = """
    ChainScreen TrainChainView { display: none; }
    ChainScreen.-train TrainChainView { display: block; }
    ChainScreen.-train ChainView { display: none; }
    """

    def compose_body(self) -> ComposeResult:
        yield ChainView(id="chain")
        yield TrainChainView(id="train-chain")

    def sync(self) -> None:
        app = self.shipline
        train = app.train is not None or bool(app.state.packages)
        self.set_class(train, "-train")
        if train:
            self.query_one(TrainChainView).update_from(app.state, app.releasing)
        else:
            self.query_one(ChainView).update_from(app.state, app.source_only)

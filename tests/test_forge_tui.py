"""The Chain screen's "Forge" card, after "Registry", fed by the domain's
``chain_link`` events for the forge step."""

from __future__ import annotations

from conftest import Repo
from tui_helpers import SIZE, planned, until

from shipline.domain.api import ChainLink
from shipline.tui.app import ShiplineApp
from shipline.tui.widgets.chain_view import LinkCard

URL = "https://github.com/acme/widget/releases/tag/v1.3.0"


async def _chain(repo: Repo, *events: object) -> list[tuple[str, str, str]]:
    app = ShiplineApp(repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        await until(pilot, lambda: app.choices or app.plan_error, what="the bump choices")
        for event in events:
            app.apply_event(event)
        app.goto("chain")
        await until(
            pilot,
            lambda: app.current_name == "chain" and bool(app.screen.query(LinkCard)),
            what="the chain",
        )
        await pilot.pause()
        cards = list(app.screen.query(LinkCard))
        return [(c.link, c.status, str(c.render())) for c in cards]


async def test_forge_card_follows_registry_with_the_release(py_repo: Repo) -> None:
    cards = await _chain(
        py_repo,
        ChainLink(
            link="registry",
            status="ok",
            name="demo-1.3.0.tar.gz",
            detail={"reference": "file:///srv/demo"},
        ),
        ChainLink(
            link="forge",
            status="running",
            name="release",
            detail={"tag": "v1.3.0", "repository": "GitHub acme/widget"},
        ),
        ChainLink(
            link="forge",
            status="ok",
            name="demo-1.3.0.tar.gz",
            detail={"url": f"{URL}/demo-1.3.0.tar.gz", "sha256": "41" * 32},
        ),
        ChainLink(
            link="forge",
            status="ok",
            name="release",
            detail={"url": URL, "tag": "v1.3.0", "": "1 file(s)"},
        ),
    )
    links = [c[0] for c in cards]
    assert links.index("forge") == links.index("registry") + 1 == len(links) - 1
    forge = next(c for c in cards if c[0] == "forge")
    assert forge[1] == "ok"
    assert "release" in forge[2] and "github.com/acme/widget" in forge[2]
    assert "demo-1.3.0.tar.gz" in forge[2]


async def test_forge_card_says_when_it_is_skipped(py_repo: Repo) -> None:
    cards = await _chain(
        py_repo,
        ChainLink(
            link="forge",
            status="skipped",
            name="release",
            detail={"": "no release.forge in the config"},
        ),
    )
    forge = next(c for c in cards if c[0] == "forge")
    assert forge[1] == "skipped" and "no release.forge" in forge[2]

"""A whole release with artifacts through the screens: the demo sandbox (a
Python package and a tarball), a real PyPI index (pypiserver in-process on
loopback) and an ephemeral gpg key. The chain fills in from the pipeline's
events; both irreversible steps are confirmed by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import SIZE, planned, until

from shipline.domain.demo.sandbox import ephemeral_key, make_sandbox, package_index
from shipline.tui.app import ShiplineApp
from shipline.tui.screens.confirm import ConfirmScreen
from shipline.tui.screens.publish import ArtifactRow


@pytest.mark.slow
async def test_demo_release_with_provenance_through_the_screens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packages = tmp_path / "pypi"
    packages.mkdir()
    with package_index(packages) as url, ephemeral_key() as key:
        for name, value in key.items():
            monkeypatch.setenv(name, value)
        sandbox = make_sandbox(tmp_path / "demo", url, key, packages=packages)
        app = ShiplineApp(sandbox.repo)
        async with app.run_test(size=SIZE) as pilot:
            await planned(pilot)
            assert [a.type for a in app.planned.plan.artifacts] == ["python-package", "tarball"]
            app.goto("gates")
            await pilot.press("r")
            await until(
                pilot, lambda: app.waiting_after == "gates" or app.state.finished, what="gates"
            )
            app.goto("tag")
            await pilot.press("t")
            await until(pilot, lambda: app.waiting_after == "tag" or app.state.finished, what="tag")
            app.goto("publish")
            await pilot.pause()
            await pilot.press("p")
            await until(
                pilot,
                lambda: isinstance(app.screen, ConfirmScreen) or app.state.finished,
                timeout=180,
                what="the publish question",
            )
            first = app.screen
            assert first.question.startswith("Publish python-package") and url in first.question
            assert not list(packages.iterdir())  # nothing published before the yes
            await pilot.press("y")
            await until(
                pilot,
                lambda: (
                    (isinstance(app.screen, ConfirmScreen) and app.screen is not first)
                    or app.state.finished
                ),
                timeout=120,
                what="the push question",
            )
            assert "Push main and tag v1.1.0 to origin" in app.screen.question
            await pilot.press("y")
            await until(pilot, lambda: app.state.finished, timeout=120, what="the release")
            assert app.state.summary.ok, app.state.error
            links = app.state.links
            assert all(
                links[name].status == "ok"
                for name in ("commit", "build", "artifact", "attestation", "registry")
            )
            assert len(links["registry"].entries) == 2
            app.goto("publish")
            await pilot.pause(0.3)
            rows = list(app.screen.query(ArtifactRow))
            assert len(rows) == 2
            assert all(row.query_one("ProgressBar").progress == 4 for row in rows)
        assert any(p.name.endswith(".whl") for p in packages.rglob("*"))

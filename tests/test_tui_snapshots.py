"""Snapshot tests of every screen at 80x24 (pytest-textual-snapshot).

Repositories are built with fixed dates (same SHAs every run); run-time
states (gates, chain, summary) come from real domain event objects with
fixed values. The changelog entry's date (today) is pinned before the shot.
Update the baselines with ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the report before committing them."""

from __future__ import annotations

import json
import re

from conftest import Repo
from tui_helpers import SIZE, configure, planned, until

from shipline.domain.api import (
    ChainLink,
    GateResult,
    LogLine,
    StepFinished,
    StepStarted,
    Summary,
)
from shipline.tui.app import ShiplineApp
from shipline.tui.screens.confirm import ConfirmScreen


def _goto(name: str, *events: object):
    async def run_before(pilot) -> None:
        await planned(pilot)
        app = pilot.app
        await until(pilot, lambda: app.choices or app.plan_error, what="the bump choices")
        for event in events:
            pilot.app.apply_event(event)
        pilot.app.goto(name)
        await until(
            pilot,
            lambda: app.current_name == name and app.screen.is_mounted,
            what=f"the {name} screen",
        )
        # a screen that crashed would leave an empty (and stable) snapshot behind
        assert pilot.app.current_name == name and pilot.app.is_running
        assert pilot.app.screen.query("Footer")

    return run_before


def test_plan(py_repo: Repo, snap_compare) -> None:
    assert snap_compare(ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("plan"))


def test_plan_light_theme(py_repo: Repo, snap_compare) -> None:
    assert snap_compare(
        ShiplineApp(py_repo.path, theme="textual-light"),
        terminal_size=SIZE,
        run_before=_goto("plan"),
    )


def test_plan_error_in_place(py_repo: Repo, snap_compare) -> None:
    py_repo.write(".shipline/config.json", json.dumps({"release": {"tagPrefx": "v"}}))
    assert snap_compare(ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("plan"))


def test_version(py_repo: Repo, snap_compare) -> None:
    assert snap_compare(ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("version"))


def test_changelog_with_missing_migration(py_repo: Repo, snap_compare) -> None:
    py_repo.commit("feat(api)!: drop the v1 endpoints")

    async def run_before(pilot) -> None:
        await _goto("changelog")(pilot)
        editor = pilot.app.screen.query_one("#cl-editor")
        editor.text = re.sub(r"\d{4}-\d{2}-\d{2}", "2026-01-02", editor.text)
        preview = pilot.app.screen.query_one("#cl-preview")
        await until(pilot, lambda: "2026-01-02" in preview.source, what="the preview")

    assert snap_compare(ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=run_before)


def test_gates_live(py_repo: Repo, snap_compare) -> None:
    events = [
        StepStarted(step="preflight", title="Preflight"),
        GateResult(name="clean worktree", status="passed", detail="no uncommitted changes"),
        GateResult(name="release branch", status="passed", detail="on main"),
        GateResult(name="tag is new", status="passed", detail="v1.3.0 does not exist"),
        StepFinished(step="preflight", status="ok"),
        StepStarted(step="gates", title="Run the release gates"),
        GateResult(
            name="version consistent", status="passed", detail="1.3.0 everywhere", duration=0.01
        ),
        GateResult(name="tests", status="running"),
        LogLine(step="gates", source="tests", text="collected 12 items", stream="stdout"),
        LogLine(step="gates", source="tests", text="tests/test_api.py ........", stream="stdout"),
    ]
    assert snap_compare(
        ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("gates", *events)
    )


def test_tag(py_repo: Repo, snap_compare) -> None:
    assert snap_compare(ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("tag"))


def test_publish(py_repo: Repo, snap_compare) -> None:
    assert snap_compare(ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("publish"))


def test_chain_live(py_repo: Repo, snap_compare) -> None:
    events = [
        ChainLink(link="commit", status="ok", detail={"sha": "3f2a" * 10, "tag": "v1.3.0"}),
        ChainLink(
            link="build",
            status="ok",
            detail={
                "builder": "https://github.com/acme/widgets/.github/workflows/release.yml",
                "invocation": "run-42",
            },
        ),
        ChainLink(
            link="artifact",
            status="ok",
            name="demo-1.3.0-py3-none-any.whl",
            detail={"sha256": "9c" * 32, "size": 10422},
        ),
        ChainLink(
            link="artifact",
            status="ok",
            name="demo-1.3.0.tar.gz",
            detail={"sha256": "41" * 32, "size": 8120},
        ),
        ChainLink(
            link="attestation",
            status="ok",
            name="demo-1.3.0.intoto.jsonl",
            detail={"identity": "release@acme.example", "signature": "gpg"},
        ),
        ChainLink(
            link="registry",
            status="running",
            name="demo-1.3.0-py3-none-any.whl",
            detail={"registry": "http://127.0.0.1:8081"},
        ),
    ]
    assert snap_compare(
        ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("chain", *events)
    )


def test_summary_released(py_repo: Repo, snap_compare) -> None:
    events = [
        StepStarted(step="version", title="Bump the version"),
        StepFinished(step="version", status="ok", detail="1.3.0 in pyproject.toml"),
        StepStarted(step="changelog", title="Write the changelog"),
        StepFinished(step="changelog", status="ok", detail="entry for 1.3.0 in CHANGELOG.md"),
        StepStarted(step="push", title="Push"),
        StepFinished(step="push", status="ok", detail="pushed main and v1.3.0 to origin"),
        Summary(
            command="release ship",
            ok=True,
            exit_code=0,
            data={
                "version": "1.3.0",
                "tag": "v1.3.0",
                "commit": "3f2a" * 10,
                "pushed": True,
                "message": "released v1.3.0",
            },
        ),
    ]
    assert snap_compare(
        ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("summary", *events)
    )


def test_history_empty(py_repo: Repo, snap_compare) -> None:
    assert snap_compare(ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("history"))


def test_review_empty(py_repo: Repo, snap_compare) -> None:
    assert snap_compare(ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("review"))


def test_push_confirmation(py_repo: Repo, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await _goto("publish")(pilot)
        pilot.app.push_screen(
            ConfirmScreen(
                "Irreversible",
                "Push main and tag v1.3.0 to origin? This cannot be undone.",
                yes="Push",
            )
        )
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="the question")

    assert snap_compare(ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=run_before)


def test_publish_with_artifacts_in_flight(py_repo: Repo, snap_compare) -> None:
    configure(
        py_repo,
        {
            "artifacts": [
                {"type": "python-package", "name": "demo", "registry": "http://127.0.0.1:8081"},
                {"type": "tarball", "name": "demo-src", "registry": "file:///srv/releases"},
            ]
        },
    )
    events = [
        StepFinished(step="tag", status="ok", detail="annotated tag v1.3.0"),
        StepStarted(step="artifacts", title="Build the artifacts"),
        ChainLink(link="build", status="ok", name="demo", detail={"type": "python-package"}),
        ChainLink(link="build", status="ok", name="demo-src", detail={"type": "tarball"}),
        StepFinished(step="artifacts", status="ok", detail="3 file(s) built"),
        StepStarted(step="publish", title="Publish"),
        ChainLink(
            link="registry",
            status="ok",
            name="demo",
            detail={"reference": "http://127.0.0.1:8081/simple/demo/"},
        ),
        ChainLink(
            link="registry",
            status="running",
            name="demo-src",
            detail={"registry": "file:///srv/releases"},
        ),
    ]
    assert snap_compare(
        ShiplineApp(py_repo.path), terminal_size=SIZE, run_before=_goto("publish", *events)
    )


def test_chain_failed_link_light_theme(py_repo: Repo, snap_compare) -> None:
    events = [
        ChainLink(link="commit", status="ok", detail={"sha": "3f2a" * 10, "tag": "v1.3.0"}),
        ChainLink(link="build", status="ok", name="demo", detail={"type": "python-package"}),
        ChainLink(
            link="artifact", status="ok", name="demo-1.3.0.tar.gz", detail={"sha256": "41" * 32}
        ),
        ChainLink(
            link="attestation",
            status="ok",
            name="demo-1.3.0.intoto.jsonl",
            detail={"identity": "release@acme.example"},
        ),
        ChainLink(
            link="registry",
            status="failed",
            name="demo",
            detail={"error": "the registry serves other bytes (93)"},
        ),
    ]
    assert snap_compare(
        ShiplineApp(py_repo.path, theme="textual-light"),
        terminal_size=SIZE,
        run_before=_goto("chain", *events),
    )

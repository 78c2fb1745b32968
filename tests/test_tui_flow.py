"""A whole source-only release through the screens, with Pilot, against a
real repository and a real (bare) remote: plan → version → changelog →
gates → tag → publish (push confirmed) → summary; plus the ways to stop.

The tests parametrized over ``pipeline`` run twice: ``real`` drives the real
pipeline and checks what the TUI's choices do to the repository, the journal
and the remote (marked slow: the whole suite runs it); ``replayed`` drives
the same screens from a recording of that pipeline run
(tests/event_stream.py) in the fast loop, and the repository must stay as it
was. Cancel, quit, signed tags and the interrupted release always run the
real pipeline: they test what it does on the TUI's cancel and choices."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo
from event_stream import FAILING_GATE, PASSING_GATE, Replay
from tui_helpers import (
    SIZE,
    add_remote,
    at,
    configure,
    planned,
    run_command,
    stop_before_the_push,
    until,
)

from shipline.tui.app import ShiplineApp
from shipline.tui.screens.confirm import ConfirmScreen
from shipline.tui.widgets.error_panel import ErrorPanel
from tests.gpgkeys import gpg_home, gpg_key  # noqa: F401

REAL_OR_REPLAYED = pytest.mark.parametrize(
    "pipeline", [pytest.param("real", marks=pytest.mark.slow), "replayed"]
)
"""The real pipeline in the whole suite; its recording in the fast loop."""


def _app(repo: Repo, pipeline: str, recording: str) -> tuple[ShiplineApp, Replay | None]:
    app = ShiplineApp(repo.path)
    replay = Replay.of(recording, repo.path) if pipeline == "replayed" else None
    app.pipeline_factory = replay
    return app, replay


@REAL_OR_REPLAYED
async def test_full_release_through_the_screens(
    py_repo: Repo, tmp_path: Path, pipeline: str
) -> None:
    bare = add_remote(py_repo, tmp_path)
    before = py_repo.snapshot()
    app, replay = _app(py_repo, pipeline, "release")
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        assert app.current_name == "plan" and app.planned.plan.version == "1.3.0"
        for expected in ("version", "changelog", "gates"):
            await pilot.press("n")
            await at(pilot, expected)
        await pilot.press("r")
        await until(pilot, lambda: app.waiting_after == "gates", what="gates to pass")
        gates = {g.name: g.status for g in app.state.gates.values()}
        assert gates["tag is new"] == gates["migration notes"] == "passed"
        assert app.state.step_status("tag") == "pending"
        if replay is None:
            assert 'version = "1.3.0"' in (py_repo.path / "pyproject.toml").read_text()
            assert py_repo.git("tag", "-l", "v1.3.0") == ""  # nothing tagged before `t`
        await pilot.press("n")
        await at(pilot, "tag")
        await pilot.press("t")
        await until(pilot, lambda: app.waiting_after == "tag", what="the tag")
        assert app.state.steps["tag"].detail == "annotated tag v1.3.0"
        if replay is None:
            assert py_repo.git("cat-file", "-t", "v1.3.0") == "tag"
            assert subprocess_out(bare, "tag", "-l") == "v1.2.0"  # not pushed yet
        await pilot.press("n")
        await at(pilot, "publish")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        question = app.screen.question
        assert "Push main and tag v1.3.0 to origin" in question
        await pilot.press("y")
        await until(pilot, lambda: app.state.finished, what="the release to finish")
        assert app.state.summary.ok, app.state.error
        await at(pilot, "summary")
        text = str(app.screen.query_one("#sum-head").render())
        assert "released v1.3.0" in text
    if replay is not None:
        assert replay.runs_played == ["ship"] and py_repo.snapshot() == before
        return
    assert subprocess_out(bare, "tag", "-l").split() == ["v1.2.0", "v1.3.0"]
    assert py_repo.git("log", "-1", "--format=%s") == "chore(release): 1.3.0"
    assert "## [1.3.0]" in (py_repo.path / "CHANGELOG.md").read_text()
    assert not (py_repo.path / ".shipline" / "journal.json").exists()


def subprocess_out(bare: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", "-C", str(bare), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@REAL_OR_REPLAYED
async def test_declining_the_push_leaves_a_resumable_release(
    py_repo: Repo, tmp_path: Path, pipeline: str
) -> None:
    bare = add_remote(py_repo, tmp_path)
    app, replay = _app(py_repo, pipeline, "push_declined_then_resumed")
    async with app.run_test(size=SIZE) as pilot:
        await stop_before_the_push(pilot)
        error = app.state.error
        assert error is not None and error.code == 130
        assert "nothing left this machine" in error.message
        panel = app.screen.query_one(ErrorPanel)
        assert panel.error.code == 130 and panel.display
        assert "Resume (ctrl+p)" in panel.error.hint  # the app's words, not the CLI's
        assert subprocess_out(bare, "tag", "-l") == "v1.2.0"
        assert (py_repo.path / ".shipline" / "journal.json").exists() == (replay is None)
        await pilot.press("p")  # changed my mind: resume from the journal
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        await pilot.press("y")
        await until(
            pilot,
            lambda: app.state.summary is not None and app.state.summary.ok,
            what="the resumed release",
        )
        await at(pilot, "summary")
    if replay is not None:
        assert replay.runs_played == ["ship", "resume"]
        return
    assert subprocess_out(bare, "tag", "-l").split() == ["v1.2.0", "v1.3.0"]
    assert not (py_repo.path / ".shipline" / "journal.json").exists()


@REAL_OR_REPLAYED
async def test_abort_from_the_palette_undoes_a_stopped_release(
    py_repo: Repo, tmp_path: Path, pipeline: str
) -> None:
    add_remote(py_repo, tmp_path)
    before = py_repo.git("rev-parse", "HEAD")
    app, replay = _app(py_repo, pipeline, "push_declined_then_aborted")
    async with app.run_test(size=SIZE) as pilot:
        await stop_before_the_push(pilot)
        await run_command(pilot, "abort", "Abort the interrupted release")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="abort question")
        assert "Undo its local tag" in app.screen.question
        await pilot.press("y")
        await until(pilot, lambda: not app.running and not app.state.steps, what="the abort")
        await planned(pilot)
        assert app.planned.plan.version == "1.3.0"  # planned again from the clean repository
        assert app.state.error is None
    assert replay is None or replay.runs_played == ["ship", "abort"]
    assert py_repo.git("rev-parse", "HEAD") == before
    assert py_repo.git("tag", "-l", "v1.3.0") == ""
    assert 'version = "1.2.0"' in (py_repo.path / "pyproject.toml").read_text()
    assert not (py_repo.path / ".shipline" / "journal.json").exists()


async def test_cancel_after_the_gates_undoes_everything(py_repo: Repo) -> None:
    before = py_repo.snapshot()
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        app.options = app.options.model_copy(update={"no_push": True})
        app.replan()
        await planned(pilot)
        app.goto("gates")
        await pilot.press("r")
        await until(pilot, lambda: app.waiting_after == "gates", what="gates")
        assert py_repo.snapshot() != before
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        assert "undone" in app.screen.question
        await pilot.press("y")
        await until(pilot, lambda: app.state.finished, what="the undo")
        assert app.state.error.code == 130
        assert "undone" in app.state.error.message
    after = py_repo.snapshot()
    after["files"] = {k: v for k, v in after["files"].items() if not k.startswith(".shipline")}
    after["status"] = before["status"]
    assert after == before


@REAL_OR_REPLAYED
async def test_a_failing_gate_shows_54_in_place_and_reruns(py_repo: Repo, pipeline: str) -> None:
    configure(py_repo, FAILING_GATE)
    before = py_repo.snapshot()
    app, replay = _app(py_repo, pipeline, "failing_gate_then_passing")
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        app.goto("gates")
        await pilot.press("r")
        await until(pilot, lambda: app.state.finished, what="the gate failure")
        error = app.state.error
        assert error.code == 54 and "tests" in error.message and error.hint
        assert app.state.gates["tests"].status == "failed"
        assert "boom" in app.state.gates["tests"].log
        assert app.screen.query_one(ErrorPanel).error == error
        assert py_repo.snapshot()["files"] == before["files"]
        configure(py_repo, PASSING_GATE)  # fix the gate, rerun from the same screen
        app.loaded = None
        app.replan()
        await planned(pilot)
        await pilot.press("r")
        await until(pilot, lambda: app.waiting_after == "gates", what="the rerun")
        assert app.state.gates["tests"].status == "passed"
        assert app.state.error is None
        assert not app.screen.query_one(ErrorPanel).display
    assert replay is None or replay.runs_played == ["ship", "ship"]


async def test_quitting_a_paused_run_asks_and_undoes(py_repo: Repo) -> None:
    before = py_repo.snapshot()
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        app.options = app.options.model_copy(update={"no_push": True})
        app.goto("gates")
        await pilot.press("r")
        await until(pilot, lambda: app.waiting_after == "gates", what="gates")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="quit question")
        assert "undo" in app.screen.question
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, what="the exit")
    assert app.return_code == 130 and app.return_value == 130
    after = py_repo.snapshot()
    assert after["head"] == before["head"] and after["refs"] == before["refs"]
    assert {k: v for k, v in after["files"].items() if not k.startswith(".shipline")} == before[
        "files"
    ]


async def _to_tag_screen(pilot, app) -> None:
    await planned(pilot)
    app.options = app.options.model_copy(update={"no_push": True})
    app.goto("gates")
    await pilot.press("r")
    await until(pilot, lambda: app.waiting_after == "gates", what="gates")
    app.goto("tag")
    await pilot.pause()
    await pilot.click("#sign-yes")
    await pilot.pause()
    assert app.sign_tag is True


@pytest.mark.slow  # a real release with a gpg-signed tag: end to end
@pytest.mark.usefixtures("gpg_key")
async def test_signed_tag_choice_signs_with_the_gpg_key(py_repo: Repo) -> None:
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await _to_tag_screen(pilot, app)
        assert "signed (gpg)" in str(app.screen.query_one("#tag-preview").render())
        await pilot.press("t")
        await until(
            pilot, lambda: app.waiting_after == "tag" or app.state.finished, what="the signed tag"
        )
        assert app.state.error is None, app.state.error
        assert app.state.steps["tag"].detail == "signed tag v1.3.0"
    assert "-----BEGIN PGP SIGNATURE-----" in py_repo.git("cat-file", "-p", "v1.3.0")


@pytest.mark.usefixtures("gpg_home")  # an empty keyring: no key to sign with
async def test_signed_tag_without_a_key_is_91_in_place(py_repo: Repo) -> None:
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await _to_tag_screen(pilot, app)
        await pilot.press("t")
        await until(pilot, lambda: app.state.finished, what="the refusal")
        error = app.state.error
        assert error.code == 91 and "signing key" in error.message
        panel = app.screen.query_one(ErrorPanel)
        assert panel.display and panel.border_title.startswith("exit 91")
    assert py_repo.git("tag", "-l", "v1.3.0") == ""


@pytest.mark.slow  # a real release stopped, then resumed in a new app: end to end
async def test_a_release_left_half_done_is_offered_for_resume(
    py_repo: Repo, tmp_path: Path
) -> None:
    bare = add_remote(py_repo, tmp_path)
    first = ShiplineApp(py_repo.path)
    async with first.run_test(size=SIZE) as pilot:  # stop before the push, then quit
        await stop_before_the_push(pilot)
    app = ShiplineApp(py_repo.path)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        box = app.screen.query_one("#plan-interrupted")
        assert box.display and "v1.3.0 stopped after publish" in str(box.render())
        await pilot.press("n")
        await pilot.pause()
        assert app.current_name == "plan"  # no new release on top of a half-done one
        await run_command(pilot, "resume", "Resume the interrupted release")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="push question")
        await pilot.press("y")
        await until(
            pilot,
            lambda: app.state.summary is not None and app.state.summary.ok,
            what="the resumed release",
        )
        assert app.interrupted is None
        # leave once the summary is up: quitting mid-switch races Textual's header
        await at(pilot, "summary")
        await at(pilot, "summary")
        await pilot.pause()  # the summary mounted before the app is shut down
    assert subprocess_out(bare, "tag", "-l").split() == ["v1.2.0", "v1.3.0"]

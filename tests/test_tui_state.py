"""RunState folds the domain's events into what the screens draw."""

from __future__ import annotations

from shipline.domain.api import (
    ChainLink,
    ErrorEvent,
    FileChange,
    GateResult,
    GitCommand,
    LogLine,
    StepFinished,
    StepProgress,
    StepStarted,
    Summary,
)
from shipline.tui.state import MAX_LOG, RunState
from shipline.tui.widgets.steps_bar import screen_status


def test_steps_gates_and_logs_fold_in_order() -> None:
    state = RunState()
    for event in [
        StepStarted(step="gates", title="Run the release gates"),
        GateResult(name="tests", status="running"),
        LogLine(step="gates", source="tests", text="collected 3 items\n3 passed", stream="stdout"),
        GateResult(name="tests", status="passed", detail="passed", duration=1.25),
        StepFinished(step="gates", status="ok", detail="1 gates passed"),
        LogLine(step="record", text="recorded 1.3.0"),
    ]:
        state.apply(event)
    assert state.steps["gates"].status == "ok" and state.current_step is None
    gate = state.gates["tests"]
    assert (gate.status, gate.duration, gate.log) == (
        "passed",
        1.25,
        ["collected 3 items", "3 passed"],
    )
    assert [e.text for e in state.log] == ["recorded 1.3.0"]
    assert state.events == 6 and not state.finished


def test_gate_log_without_source_goes_to_the_running_gate_and_is_capped() -> None:
    state = RunState()
    state.apply(GateResult(name="lint", status="running"))
    for i in range(MAX_LOG + 5):
        state.apply(LogLine(step="gates", text=f"line {i}"))
    log = state.gates["lint"].log
    assert len(log) == MAX_LOG and log[-1] == f"line {MAX_LOG + 4}" and log[0] == "line 5"


def test_chain_link_status_is_the_worst_of_its_artifacts() -> None:
    state = RunState()
    state.apply(
        ChainLink(link="artifact", status="ok", name="demo-1.0.whl", detail={"sha256": "a" * 64})
    )
    assert state.links["artifact"].status == "ok"
    state.apply(ChainLink(link="artifact", status="running", name="demo-1.0.tar.gz"))
    assert state.links["artifact"].status == "running"
    state.apply(
        ChainLink(
            link="artifact",
            status="failed",
            name="demo-1.0.tar.gz",
            detail={"error": "digest mismatch"},
        )
    )
    assert state.links["artifact"].status == "failed"
    assert state.links["artifact"].entries["demo-1.0.whl"]["sha256"] == "a" * 64
    assert state.links["registry"].status == "pending"


def test_progress_files_commands_error_and_summary() -> None:
    state = RunState()
    state.apply(
        StepProgress(
            step="publish",
            detail="demo.whl: uploading",
            artifact="demo.whl",
            action="uploading",
            done=512,
            total=2048,
        )
    )
    state.apply(
        StepProgress(
            step="publish",
            detail="demo.whl: uploading",
            artifact="demo.whl",
            action="uploading",
            done=2048,
            total=2048,
        )
    )
    state.apply(StepProgress(step="publish", detail="checking the registry"))  # no bar
    assert list(state.transfers) == [("demo.whl", "publish")]
    assert state.transfers[("demo.whl", "publish")].done == 2048
    state.apply(FileChange(path="pyproject.toml", line=3, before="a", after="b"))
    state.apply(GitCommand(argv=["tag", "-a", "v1.0.0"]))
    state.apply(ErrorEvent(code=56, message="push failed", hint="check the remote"))
    state.apply(Summary(command="release ship", ok=False, exit_code=56))
    assert state.files[0].path == "pyproject.toml"
    assert state.git_commands == [["tag", "-a", "v1.0.0"]]
    assert state.error.code == 56 and state.finished


def test_screen_status_from_its_steps() -> None:
    assert screen_status([]) == "pending"
    assert screen_status(["ok", "skipped"]) == "ok"
    assert screen_status(["ok", "running"]) == "running"
    assert screen_status(["ok", "failed"]) == "failed"
    assert screen_status(["skipped"]) == "skipped"


def test_the_state_redacts_secrets_like_the_renderers() -> None:
    """A registered secret (a token read from the environment) never reaches
    a screen: the TUI shows text through the same function as the CLI."""
    from shipline.domain.runner import register_secret
    from shipline.domain.textsafe import shown as cli_shown

    secret = "tui-redaction-test-9f8e7d6c"
    register_secret(secret)
    state = RunState()
    state.apply(LogLine(step="publish", text=f"uploading with token {secret}"))
    state.apply(ErrorEvent(code=88, message=f"rejected {secret}", hint=f"rotate {secret}"))
    seen = state.log[-1].text + state.error.message + (state.error.hint or "")
    assert secret not in seen
    assert state.log[-1].text == cli_shown(f"uploading with token {secret}")

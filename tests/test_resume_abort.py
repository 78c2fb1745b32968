"""Interrupted releases: stopped at every step boundary then resumed or
aborted, SIGKILL mid-step, and Ctrl-C (which undoes local work at once)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Repo

from shipline.domain.config_loading import load_config
from shipline.domain.events import StepFinished
from shipline.domain.gitops import Git
from shipline.domain.pipeline.order import STEPS, ShipOptions
from shipline.domain.pipeline.steps import Pipeline


def _pipeline(repo: Repo) -> Pipeline:
    git = Git.open(repo.path)
    return Pipeline(git, load_config(git.root))


def _stop_after(repo: Repo, step: str) -> None:
    """Run a release and stop it right after ``step`` finished, as a crash would."""
    events = _pipeline(repo).ship(ShipOptions(yes=True))
    for event in events:
        if isinstance(event, StepFinished) and event.step == step:
            events.close()  # nothing after this point runs: like a SIGKILL
            return
    raise AssertionError(f"step {step} never finished")


@pytest.mark.parametrize("step", STEPS[:-1])
def test_resume_after_every_step_boundary_finishes_once(
    py_repo: Repo, remote: Path, step: str
) -> None:
    base = py_repo.git("rev-parse", "HEAD")
    _stop_after(py_repo, step)
    journal = json.loads((py_repo.path / ".shipline" / "journal.json").read_text())
    assert step in journal["completed"]
    list(_pipeline(py_repo).resume())
    assert py_repo.git("rev-parse", "HEAD~1") == base  # exactly one release commit
    assert py_repo.git("tag", "--points-at", "HEAD") == "v1.3.0"
    assert (py_repo.path / "CHANGELOG.md").read_text().count("## [1.3.0]") == 1
    remote_refs = subprocess.run(
        ["git", "ls-remote", str(remote)], capture_output=True, text=True, check=True
    ).stdout
    assert "refs/tags/v1.3.0" in remote_refs
    assert not (py_repo.path / ".shipline" / "journal.json").exists()


@pytest.mark.parametrize("step", ["version", "changelog", "gates", "commit", "tag"])
def test_abort_after_local_steps_restores_everything(
    py_repo: Repo, remote: Path, step: str
) -> None:
    before = py_repo.snapshot()
    _stop_after(py_repo, step)
    list(_pipeline(py_repo).abort())
    after = py_repo.snapshot()
    after["files"] = {k: v for k, v in after["files"].items() if not k.startswith(".shipline")}
    assert after == before


def test_abort_refuses_after_the_push(py_repo: Repo, remote: Path, cli) -> None:
    _stop_after(py_repo, "push")
    result = cli("-C", py_repo.path, "release", "abort")
    assert result.code == 59 and "push to origin: tag v1.3.0 is on origin" in result.err
    assert "nothing was undone" in result.err and "shipline release resume" in result.err
    assert cli("-C", py_repo.path, "release", "resume").code == 0


def test_ship_while_a_release_is_half_done_is_52(py_repo: Repo, remote: Path, cli) -> None:
    _stop_after(py_repo, "version")
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 52 and "already in progress" in result.err


def test_resume_without_a_journal_is_50(py_repo: Repo, cli) -> None:
    result = cli("-C", py_repo.path, "release", "resume")
    assert result.code == 50 and "no interrupted release" in result.err


def _slow_gate_repo(repo: Repo, marker: Path) -> None:
    config = {
        "release": {
            "versionBump": ["pyproject.toml"],
            "push": {"enabled": False},
            "gates": [{"name": "slow", "run": f"echo started; test -f {marker} && sleep 60; true"}],
        }
    }
    repo.write(".shipline/config.json", json.dumps(config))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: config")
    marker.write_text("slow")


def _start_ship(repo: Repo) -> subprocess.Popen[str]:
    exe = Path(sys.executable).parent / "shipline"
    return subprocess.Popen(
        [str(exe), "-C", str(repo.path), "--output", "json", "release", "ship", "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_gate(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        if '"started"' in line:
            return
    raise AssertionError(f"the gate never started: {proc.stderr.read() if proc.stderr else ''}")


def test_ctrl_c_during_a_step_undoes_everything(py_repo: Repo, tmp_path: Path) -> None:
    _slow_gate_repo(py_repo, tmp_path / "slow")
    before = py_repo.snapshot()
    proc = _start_ship(py_repo)
    _wait_for_gate(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "everything was undone" in out + err
    after = py_repo.snapshot()
    after["files"] = {k: v for k, v in after["files"].items() if not k.startswith(".shipline")}
    before["files"] = {k: v for k, v in before["files"].items() if not k.startswith(".shipline")}
    assert after == before
    assert "Traceback" not in err


def test_sigkill_mid_gate_then_resume(py_repo: Repo, tmp_path: Path, cli) -> None:
    marker = tmp_path / "slow"
    _slow_gate_repo(py_repo, marker)
    proc = _start_ship(py_repo)
    _wait_for_gate(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    journal = json.loads((py_repo.path / ".shipline" / "journal.json").read_text())
    assert journal["current"] == "gates" and journal["completed"] == ["version", "changelog"]
    marker.unlink()
    time.sleep(0.1)
    result = cli("-C", py_repo.path, "release", "resume")
    assert result.code == 0, result.err
    assert py_repo.git("describe", "--tags") == "v1.3.0"
    assert sorted(py_repo.git("show", "--name-only", "--format=", "HEAD").split()) == [
        "CHANGELOG.md",
        "pyproject.toml",
    ]


def test_sigkill_mid_gate_then_abort(py_repo: Repo, tmp_path: Path, cli) -> None:
    _slow_gate_repo(py_repo, tmp_path / "slow")
    before = py_repo.snapshot()
    proc = _start_ship(py_repo)
    _wait_for_gate(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    result = cli("-C", py_repo.path, "release", "abort")
    assert result.code == 0, result.err
    after = py_repo.snapshot()
    keep = {k: v for k, v in before["files"].items() if not k.startswith(".shipline/")}
    assert {k: v for k, v in after["files"].items() if not k.startswith(".shipline/")} == keep
    assert after["head"] == before["head"] and after["refs"] == before["refs"]


@pytest.mark.parametrize("after", ["version", "gates", "tag"])
def test_the_cancel_token_undoes_everything_local(py_repo: Repo, after: str) -> None:
    """The one cancel path: the token the TUI's cancel and the CLI's Ctrl-C set
    is checked by the pipeline itself, which undoes its local work (130)."""
    from shipline.domain.errors import Interrupted

    before = py_repo.snapshot()
    pipeline = _pipeline(py_repo)
    events = pipeline.ship(ShipOptions(yes=True, no_push=True))
    with pytest.raises(Interrupted) as stopped:
        for event in events:
            if isinstance(event, StepFinished) and event.step == after:
                pipeline.cancel.set()
    assert int(stopped.value.code) == 130 and "everything was undone" in stopped.value.message
    after_files = py_repo.snapshot()
    after_files["files"] = {
        k: v for k, v in after_files["files"].items() if not k.startswith(".shipline")
    }
    before["files"] = {k: v for k, v in before["files"].items() if not k.startswith(".shipline")}
    assert after_files == before
    assert not (py_repo.path / ".shipline" / "journal.json").exists()

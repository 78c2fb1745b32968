"""Recorded event streams: real pipeline runs, played back to the TUI.

A TUI test that is about its screens (what they show, where they pause,
which question they ask, how an error sits in place) does not need the
release pipeline to run again: it can replay a stream of the pipeline's own
typed events, recorded from a real run, through the app's
``pipeline_factory`` seam. The tests that are about the pipeline behind the
TUI (undo, resume from a journal, signing) keep running it.

A recording (``tests/data/streams/NAME.jsonl``) is one or more runs, each a
``{"run": "ship" | "resume" | "abort"}`` line followed by the run's lines:
``{"event": ...}`` (an event as the JSON renderer writes it),
``{"confirm": ..., "answer": bool}`` (a question the pipeline asked and the
answer the recording gave) and, last if the run failed,
``{"raised": {"type", "code", "message", "hint"}}``. The repository's path
is written as ``{repo}`` so a stream plays back in any test's repository.

``tests/test_event_stream.py`` records every stream again from the real
pipeline and compares it with the checked-in file (shas, dates and
durations normalised), so a recording cannot go stale silently;
``SHIPLINE_RECORD_STREAMS=1`` there writes the files anew.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import Repo
from pydantic import TypeAdapter
from tui_helpers import add_remote, configure

from shipline.domain.api import (
    Confirmation,
    ExitCode,
    Git,
    Pipeline,
    ShiplineError,
    ShipOptions,
    load_config,
)
from shipline.domain.events import Event

STREAMS = Path(__file__).parent / "data" / "streams"
REPO = "{repo}"
"""Stands for the repository's path in a recording."""

_EVENT: TypeAdapter[Any] = TypeAdapter(Event)


# --- recording: a real pipeline run ------------------------------------------------------


def record_runs(
    root: Path, make: Callable[..., Any], runs: list[tuple[str, ShipOptions | None, list[bool]]]
) -> list[dict[str, Any]]:
    """Run the real pipeline ``runs`` times in ``root`` (mode, options, the
    answers to its questions in order) and return the lines of the recording.
    ``make(confirm=..., cancel=...)`` builds each run's :class:`Pipeline`."""
    lines: list[dict[str, Any]] = []
    for mode, options, answers in runs:
        lines.append({"run": mode})
        pending = list(answers)

        def confirm(request: Confirmation, pending: list[bool] = pending) -> bool:
            assert pending, f"the pipeline asked more than the recording answers: {request}"
            answer = pending.pop(0)
            lines.append({"confirm": _confirmation_json(request), "answer": answer})
            return answer

        pipeline: Pipeline = make(confirm=confirm, cancel=threading.Event())
        events = (
            pipeline.ship(options or ShipOptions())
            if mode == "ship"
            else pipeline.resume()
            if mode == "resume"
            else pipeline.abort()
        )
        try:
            for event in events:
                lines.append({"event": event.model_dump(mode="json")})
        except ShiplineError as exc:
            lines.append(
                {
                    "raised": {
                        "type": type(exc).__name__,
                        "code": int(exc.code),
                        "message": exc.message,
                        "hint": exc.hint,
                    }
                }
            )
        else:
            lines.append({"result": pipeline.result})
        assert not pending, f"the recording's answers {pending} were never asked for"
    return _with_placeholder(lines, str(root))


def _confirmation_json(request: Confirmation) -> dict[str, str]:
    return {"step": request.step, "question": request.question, "yes": request.yes}


def _with_placeholder(value: Any, root: str) -> Any:
    """``value`` with the repository's path replaced by ``{repo}`` (and back)."""
    if isinstance(value, str):
        return value.replace(root, REPO) if root != REPO else value
    if isinstance(value, list):
        return [_with_placeholder(v, root) for v in value]
    if isinstance(value, dict):
        return {k: _with_placeholder(v, root) for k, v in value.items()}
    return value


def _in_repo(value: Any, root: str) -> Any:
    if isinstance(value, str):
        return value.replace(REPO, root)
    if isinstance(value, list):
        return [_in_repo(v, root) for v in value]
    if isinstance(value, dict):
        return {k: _in_repo(v, root) for k, v in value.items()}
    return value


def write(name: str, lines: list[dict[str, Any]]) -> Path:
    STREAMS.mkdir(parents=True, exist_ok=True)
    path = STREAMS / f"{name}.jsonl"
    path.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in lines))
    return path


def load(name: str) -> list[dict[str, Any]]:
    path = STREAMS / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --- comparing: what may differ between two real runs ------------------------------------

_VOLATILE = [
    (re.compile(r"\b[0-9a-f]{40}\b"), "<sha>"),
    (re.compile(r"\b[0-9a-f]{7,12}\b(?=\W|$)"), "<short-sha>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "<date>"),
]


def normalised(value: Any) -> Any:
    """``value`` with what differs between two real runs of the same release
    (commit shas, today's date, timestamps, how long a gate took) made equal."""
    if isinstance(value, str):
        for pattern, stand_in in _VOLATILE:
            value = pattern.sub(stand_in, value)
        return value
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, dict):
        return {
            k: (None if k == "duration" and v is not None else normalised(v))
            for k, v in value.items()
        }
    return value


# --- playing back: the pipeline's interface over a recording -----------------------------


@dataclass
class Replay:
    """Makes the pipelines of one TUI test from a recording, run after run:
    ``app.pipeline_factory = Replay.of("release", repo.path)``."""

    lines: list[dict[str, Any]]
    root: Path
    runs_played: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, name: str, root: Path) -> Replay:
        return cls(load(name), Path(root))

    def __call__(self, git: Any, loaded: Any, *, confirm: Any, cancel: Any) -> ReplayedRun:
        return ReplayedRun(self, confirm, cancel)

    def next_run(self, mode: str) -> list[dict[str, Any]]:
        """The lines of the next recorded run, which must be a ``mode`` run."""
        starts = [i for i, line in enumerate(self.lines) if "run" in line]
        index = len(self.runs_played)
        assert index < len(starts), f"the app started a {mode} run the recording does not have"
        start = starts[index]
        assert self.lines[start]["run"] == mode, (
            f"the recording's run {index + 1} is a {self.lines[start]['run']}, "
            f"the app started a {mode}"
        )
        end = starts[index + 1] if index + 1 < len(starts) else len(self.lines)
        self.runs_played.append(mode)
        return _in_repo(self.lines[start + 1 : end], str(self.root))


class ReplayedRun:
    """One run played back: yields the recorded events, asks the recorded
    questions through the app's ``confirm`` hook (the answer must be the one
    recorded, or the test is not replaying what was recorded) and raises the
    recorded error. It cannot be cancelled: cancelling is the pipeline's
    work, and tests of it run the real one."""

    def __init__(self, replay: Replay, confirm: Any, cancel: threading.Event) -> None:
        self.replay = replay
        self.confirm = confirm
        self.cancel = cancel
        self.result: dict[str, Any] = {}
        self.sign_tag: bool | None = None

    def ship(self, options: ShipOptions) -> Iterator[Any]:
        return self._play("ship")

    def resume(self) -> Iterator[Any]:
        return self._play("resume")

    def abort(self) -> Iterator[Any]:
        return self._play("abort")

    def _play(self, mode: str) -> Iterator[Any]:
        for line in self.replay.next_run(mode):
            if self.cancel.is_set():
                return  # the app is closing (a cancel under test needs the real pipeline)
            if "event" in line:
                yield _EVENT.validate_python(line["event"])
            elif "confirm" in line:
                answer = self.confirm(Confirmation(**line["confirm"]))
                if self.cancel.is_set():
                    return
                assert answer == line["answer"], (
                    f"the recording answered {line['answer']} to {line['confirm']['question']!r}, "
                    f"the test {answer}"
                )
            elif "raised" in line:
                raised = line["raised"]
                raise ShiplineError(
                    raised["message"], hint=raised["hint"], code=ExitCode(raised["code"])
                )
            elif "result" in line:
                self.result = line["result"]


# --- the scenarios: the repositories and answers of the TUI tests that replay them -------

FAILING_GATE = {
    "gates": [{"name": "tests", "run": "echo boom; exit 3"}],
    "push": {"enabled": False},
}
PASSING_GATE = {"gates": [{"name": "tests", "run": "true"}], "push": {"enabled": False}}


def _pipeline(root: Path) -> Callable[..., Any]:
    def make(*, confirm: Any, cancel: Any) -> Pipeline:
        git = Git.open(root)
        return Pipeline(git, load_config(git.root, None, None), confirm=confirm, cancel=cancel)

    return make


def release(repo: Repo, tmp: Path) -> list[dict[str, Any]]:
    """A source-only release pushed to a bare origin (push confirmed)."""
    add_remote(repo, tmp)
    return record_runs(repo.path, _pipeline(repo.path), [("ship", None, [True])])


def push_declined_then_resumed(repo: Repo, tmp: Path) -> list[dict[str, Any]]:
    """The push declined (130, the journal kept), then resumed and pushed."""
    add_remote(repo, tmp)
    runs = [("ship", None, [False]), ("resume", None, [True])]
    return record_runs(repo.path, _pipeline(repo.path), runs)


def push_declined_then_aborted(repo: Repo, tmp: Path) -> list[dict[str, Any]]:
    """The push declined, then the stopped release aborted (undone)."""
    add_remote(repo, tmp)
    runs = [("ship", None, [False]), ("abort", None, [])]
    return record_runs(repo.path, _pipeline(repo.path), runs)


def failing_gate_then_passing(repo: Repo, tmp: Path) -> list[dict[str, Any]]:
    """A gate that fails (54, nothing written), then the same release with the
    gate fixed (no push)."""
    configure(repo, FAILING_GATE)
    lines = record_runs(repo.path, _pipeline(repo.path), [("ship", None, [])])
    configure(repo, PASSING_GATE)
    return lines + record_runs(repo.path, _pipeline(repo.path), [("ship", None, [])])


SCENARIOS = {
    "release": release,
    "push_declined_then_resumed": push_declined_then_resumed,
    "push_declined_then_aborted": push_declined_then_aborted,
    "failing_gate_then_passing": failing_gate_then_passing,
}

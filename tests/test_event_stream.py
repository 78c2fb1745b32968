"""The recorded event streams the TUI tests replay are what the real pipeline
emits today.

Each scenario builds the repository its TUI tests use, runs the real
pipeline headless (no terminal, no Textual: fast) with the same answers,
and compares the events, questions and errors, in order, with the
checked-in recording; only what differs between two real runs is
normalised (commit shas, today's date, timestamps, gate durations). A
change to what the pipeline emits fails here with the first line that
differs; ``SHIPLINE_RECORD_STREAMS=1 pytest tests/test_event_stream.py``
records the files anew (review the diff before committing it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Repo
from event_stream import SCENARIOS, Replay, load, normalised, write

from shipline.domain.api import ShipOptions


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_recording_is_what_the_pipeline_emits_today(
    name: str, py_repo: Repo, tmp_path: Path
) -> None:
    fresh = SCENARIOS[name](py_repo, tmp_path)
    if os.environ.get("SHIPLINE_RECORD_STREAMS"):
        write(name, fresh)
    recorded = load(name)
    for index, (now, then) in enumerate(zip(normalised(fresh), normalised(recorded), strict=False)):
        assert now == then, f"{name}.jsonl line {index + 1} is stale"
    assert len(fresh) == len(recorded), f"{name}.jsonl: {len(recorded)} lines, today {len(fresh)}"


def test_a_recording_holds_no_machine_path() -> None:
    for name in SCENARIOS:
        text = (Path(__file__).parent / "data" / "streams" / f"{name}.jsonl").read_text()
        assert "/tmp/" not in text and "pytest-of-" not in text, name


def test_a_replay_refuses_a_run_or_an_answer_the_recording_does_not_have(tmp_path: Path) -> None:
    """A test that drifts from its recording fails instead of showing a
    screen the pipeline would never have produced."""
    replay = Replay.of("release", tmp_path)
    with pytest.raises(AssertionError, match="the app started a resume"):
        replay.next_run("resume")
    run = Replay.of("release", tmp_path)(None, None, confirm=lambda _: False, cancel=_Never())
    with pytest.raises(AssertionError, match="the recording answered True"):
        list(run.ship(ShipOptions()))


class _Never:
    def is_set(self) -> bool:
        return False

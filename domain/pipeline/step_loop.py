"""The step loop a single release and a release train share: each step not
completed yet is journaled as current, run until it ends or the cancel
token is set, then journaled as completed. What happens when a step stops
is decided here, once:

- **Ctrl-C or cancel**: nothing has left the machine → everything local is
  undone and the journal removed; something may be live → the journal stays
  for ``release resume`` (``Interrupted``, 130).
- **handoff** (CI records the artifacts): the journal is removed.
- **failure** in a step before the commit → undone at once; later → the
  journal stays, so resume or abort can finish the run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from shipline.domain.errors import HandoffRequired, Interrupted, ShiplineError
from shipline.domain.events import StepFinished, StepStarted
from shipline.domain.pipeline import journal
from shipline.domain.pipeline.order import STEPS, UNDOABLE_ON_FAILURE
from shipline.domain.pipeline.run_state import until_cancelled


class Steps(Protocol):
    """A run the loop can drive: its journal, cancel token, undo, and one
    ``_step_<name>`` generator per step returning ``(status, detail)``."""

    state_dir: Path
    cancel: threading.Event

    @property
    def run(self) -> journal.Journal: ...

    def _save(self) -> None: ...

    def _undo(self) -> Iterator[Any]: ...


def run_steps(steps: Steps, titles: Mapping[str, str], what: str) -> Iterator[Any]:
    """Run every step of ``steps`` not completed yet, announced with
    ``titles`` (``what`` names the run in messages: "release", "train")."""
    j = steps.run
    for step in STEPS:
        if step in j.completed:
            continue
        j.current = step
        steps._save()
        yield StepStarted(step=step, title=titles[step])
        try:
            status, detail = yield from until_cancelled(
                getattr(steps, f"_step_{step}")(), steps.cancel
            )
        except KeyboardInterrupt:  # Ctrl-C, or the cancel token (Cancelled)
            yield from _interrupted(steps, step, what)
            raise AssertionError("unreachable") from None
        except HandoffRequired as exc:  # the tags are out; CI records the artifacts
            yield StepFinished(step=step, status="skipped", detail=exc.message)
            journal.remove(steps.state_dir)
            raise
        except ShiplineError as exc:
            yield StepFinished(step=step, status="failed", detail=exc.message)
            if not j.may_be_live and step in UNDOABLE_ON_FAILURE:
                yield from steps._undo()
                journal.remove(steps.state_dir)
            else:
                j.current = None
                steps._save()
            raise
        j.completed.append(step)
        j.current = None
        steps._save()
        yield StepFinished(step=step, status=status, detail=detail)


def _interrupted(steps: Steps, step: str, what: str) -> Iterator[Any]:
    j = steps.run
    if not j.may_be_live:
        yield from steps._undo()
        journal.remove(steps.state_dir)
        raise Interrupted(
            f"interrupted during {step}; everything was undone and the repository is as it was",
            hint="run `shipline release ship` again when ready",
        )
    j.current = None
    steps._save()
    raise Interrupted(
        f"interrupted during {step}; the {what} is half done and may be partly live",
        hint="`shipline release resume` to finish it (`shipline release abort` says what is live)",
    )

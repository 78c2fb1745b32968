"""What every pipeline step reads: the repository, the configuration, the
journal of the run in progress and the plan. The step modules are mixins
over this state so each stays one concept (local files, git, artifacts)."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import GateFailed, ShiplineError, TagExists, VersionBumpFailed
from shipline.domain.gitops import Git
from shipline.domain.pipeline import journal
from shipline.domain.pipeline.order import Confirm
from shipline.domain.release.gates import Outcome
from shipline.domain.release.plan import changelog_path
from shipline.domain.release.plan_model import PlannedRelease


class RunState:
    """The state one release run shares between its steps."""

    def __init__(
        self,
        git: Git,
        loaded: LoadedConfig,
        *,
        confirm: Confirm | None = None,
        cancel: threading.Event | None = None,
    ):
        self.git = git
        self.loaded = loaded
        self.state_dir = loaded.state_dir
        self.confirm = confirm
        self.cancel = cancel or threading.Event()
        self.journal: journal.Journal | None = None
        self.planned: PlannedRelease | None = None
        self.result: dict[str, Any] = {}
        self._release_artifacts: Any = None
        self.sign_tag: bool | None = None
        """The operator's tag-signing choice, set before the tag step (the TUI
        asks after the gates); None keeps the run's option, then the config."""

    @property
    def run(self) -> journal.Journal:
        """The journal of the run in progress (steps only run inside one)."""
        assert self.journal is not None
        return self.journal

    def _changelog_rel(self) -> str:
        """The changelog's path: configured, else the repository's own."""
        return changelog_path(self.git, self.loaded)

    def _save(self) -> None:
        """Write the journal so a crash resumes from here."""
        journal.save(self.state_dir, self.run)


def raise_for(outcome: Outcome | None) -> None:
    """Raise the typed error of a failed gate (58 tag exists, 55 version, else 54)."""
    if outcome is None:
        return
    cls = {58: TagExists, 55: VersionBumpFailed}.get(int(outcome.code), GateFailed)
    raise cls(f"gate '{outcome.name}' failed: {outcome.detail}", hint=outcome.hint)


def file_mode(path: Path) -> int:
    """The permission bits to keep when a file is rewritten (0644 if it is new)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o644


class Cancelled(KeyboardInterrupt):
    """The run's cancel token was set (the TUI's cancel, the CLI's Ctrl-C). A
    kind of KeyboardInterrupt, so a cancel and a Ctrl-C inside a step take
    the one path: undo what is local, or stop saying what already left."""


def until_cancelled(events: Iterator[Any], cancel: threading.Event) -> Generator[Any, None, Any]:
    """A step's events, stopped as soon as ``cancel`` is set: checked before
    the step starts and after each event it yields. A step that fails while
    the token is set (a gate killed by it) was cancelled, not failed."""
    while True:
        if cancel.is_set():
            close = getattr(events, "close", None)
            if close is not None:
                close()
            raise Cancelled
        try:
            event = next(events)
        except StopIteration as done:
            return done.value
        except ShiplineError:
            if cancel.is_set():
                raise Cancelled from None
            raise
        yield event


def restore_originals(root: Path, j: journal.Journal) -> None:
    """Put back every file the journal remembered (remove the ones it created)."""
    from shipline.domain.jsonio import write_atomic

    for rel in j.originals:
        original = j.original_bytes(rel)
        path = root / rel
        if original is None:
            path.unlink(missing_ok=True)
        elif not path.exists() or path.read_bytes() != original:
            write_atomic(path, original, mode=file_mode(path))

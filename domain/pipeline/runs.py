"""Which run finishes or undoes an interrupted release: the journal says
whether it was a single release (:class:`Pipeline`) or a release train
(:class:`Train`). The CLI's ``release resume``/``abort`` and the TUI's
Resume/Abort both ask here, so they never disagree."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.gitops import Git
from shipline.domain.pipeline import journal
from shipline.domain.pipeline.steps import Pipeline
from shipline.domain.pipeline.train import Train, is_train

Run = Pipeline | Train
"""A run: iterate its events; ``.cancel`` stops it, ``.result`` is what it did."""


def interrupted_train(state_dir: Any) -> journal.Journal | None:
    """The journal of an interrupted release train, if that is what is there."""
    loaded = journal.load(state_dir)
    return loaded if loaded is not None and is_train(loaded) else None


def resume_run(
    git: Git, loaded: LoadedConfig, *, confirm: Any = None, cancel: threading.Event | None = None
) -> tuple[Run, Iterator[Any]]:
    """(the run, its events) finishing the interrupted release from its journal."""
    train_journal = interrupted_train(loaded.state_dir)
    if train_journal is not None:
        train = Train(git, loaded, confirm=confirm, cancel=cancel)
        return train, train.resume(train_journal)
    pipeline = Pipeline(git, loaded, confirm=confirm, cancel=cancel)
    return pipeline, pipeline.resume()


def abort_run(
    git: Git, loaded: LoadedConfig, *, cancel: threading.Event | None = None
) -> tuple[Run, Iterator[Any]]:
    """(the run, its events) undoing the interrupted release's local effects."""
    train_journal = interrupted_train(loaded.state_dir)
    if train_journal is not None:
        train = Train(git, loaded, cancel=cancel)
        return train, train.abort(train_journal)
    pipeline = Pipeline(git, loaded, cancel=cancel)
    return pipeline, pipeline.abort()

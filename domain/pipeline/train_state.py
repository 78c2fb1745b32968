"""What a release train's step mixins (:mod:`train_files`, :mod:`train_git`,
:mod:`train_artifacts`) read; :class:`~shipline.domain.pipeline.train.Train`
provides it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from shipline.domain.config import LoadedConfig
    from shipline.domain.gitops import Git
    from shipline.domain.pipeline.journal import Journal


class TrainState:
    """The repository, config and journal of one train run."""

    git: Git
    loaded: LoadedConfig
    state_dir: Path
    confirm: Any
    sign_tag: bool | None
    """The operator's tag-signing choice (the TUI asks after the gates); None
    keeps the run's option, then ``release.tag.sign``."""

    @property
    def run(self) -> Journal:
        raise NotImplementedError

    @property
    def members(self) -> list[dict[str, Any]]:
        """The train's packages (journal dicts), dependencies first."""
        raise NotImplementedError

    def _save(self) -> None:
        raise NotImplementedError

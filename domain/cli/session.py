"""What every command gets: the repository, the state dir, and where its
events go."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.gitops import Git
from shipline.domain.release.imports import load_config


@dataclass
class Session:
    cwd: Path
    state_dir_override: Path | None
    output: str
    debug: bool
    emit: Callable[[Any], None]
    text: Callable[[str], None]
    interactive: bool = False
    config_override: Path | None = None
    """``--config FILE``: read instead of the state dir's config.json."""
    _git: Git | None = field(default=None, repr=False)
    _config: LoadedConfig | None = field(default=None, repr=False)

    @property
    def git(self) -> Git:
        if self._git is None:
            self._git = Git.open(self.cwd)
        return self._git

    @property
    def repo(self) -> Path:
        return self.git.root

    @property
    def config(self) -> LoadedConfig:
        if self._config is None:
            self._config = load_config(self.repo, self.state_dir_override, self.config_override)
        return self._config

    @property
    def state_dir(self) -> Path:
        return self.config.state_dir

"""How a file is named in records and messages: relative to the repository
when it lies inside it (records stay the same on every clone), else
absolute."""

from __future__ import annotations

from pathlib import Path


def repo_relative(repo: Path, path: Path) -> str:
    """``path`` relative to ``repo`` when inside it, else absolute."""
    absolute = path.absolute()
    return str(absolute.relative_to(repo)) if absolute.is_relative_to(repo) else str(absolute)

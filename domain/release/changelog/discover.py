"""Where a repository keeps its changelog.

The usual names, in the order maintainers use them: ``CHANGELOG``,
``CHANGES``, ``HISTORY``, ``NEWS``, each as ``.md``, ``.rst``, ``.txt`` or
bare, then ``docs/changelog.*``; case is ignored (``Changelog.md``,
``changes.rst``). Used by ``init`` and when no ``changelog.path`` is
configured. Symbolic links are not candidates (a configured path is
confined to the repository by the config loader).
"""

from __future__ import annotations

from pathlib import Path

STEMS = ("changelog", "changes", "history", "news")
SUFFIXES = (".md", ".rst", ".txt", "", ".markdown")
DEFAULT = "CHANGELOG.md"


def find_changelog(root: Path) -> str | None:
    """The repository-relative path of its changelog, or ``None``."""
    for folder, stems in (("", STEMS), ("docs", ("changelog", "changes", "history", "news"))):
        base = root / folder if folder else root
        try:
            # a symlink could lead outside the repository: never followed
            names = {
                p.name.lower(): p.name for p in base.iterdir() if p.is_file() and not p.is_symlink()
            }
        except OSError:
            continue
        for stem in stems:
            for suffix in SUFFIXES:
                name = names.get(stem + suffix)
                if name is not None:
                    return f"{folder}/{name}" if folder else name
    return None


def changelog_format(path: str) -> str:
    """``rst`` for reStructuredText files, else ``markdown`` (sniffed later for
    ``.txt`` and bare names)."""
    return "rst" if path.lower().endswith(".rst") else "markdown"


def resolve(root: Path, configured: str, explicitly: bool) -> str:
    """The configured changelog when ``changelog.path`` was given, else the
    repository's own (CHANGES.rst, HISTORY.md...), else ``configured``."""
    if explicitly:
        return configured
    return find_changelog(root) or configured

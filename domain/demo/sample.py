"""A sample repository with a realistic Conventional-Commit history, for the
demo and for trying shipline without risking a real project.

``python -m shipline.domain.demo.sample DIR`` (re)creates ``DIR/acme-widgets`` (a Python
package with three releases and unreleased work, including a breaking
change with its migration note, a merge and a revert) and ``DIR/origin.git``
(a bare remote it pushes to), and prints the repository's path.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from shipline.domain import runner
from shipline.domain.release.changelog import groups, render
from shipline.domain.release.changelog.style import DEFAULT
from shipline.domain.release.commits import Commit, parse_message

START = 1_760_000_000  # 2025-10-09, fixed so the history is the same every time

_HISTORY: list[tuple[str, dict[str, str] | None, str | None]] = [
    ("chore: scaffold the acme-widgets package", None, None),
    (
        "feat: widget registry with lookup by name",
        {"src/acme_widgets/registry.py": "REG = {}\n"},
        None,
    ),
    (
        "docs: explain the registry in the README",
        {"README.md": "# acme-widgets\n\nWidgets.\n"},
        None,
    ),
    (
        "fix(registry): lookups are case-insensitive",
        {"src/acme_widgets/registry.py": "REG = {}\nCASE = False\n"},
        "v0.1.0",
    ),
    ("feat(cli): `widgets list` command", {"src/acme_widgets/cli.py": "def main(): ...\n"}, None),
    ("perf(registry): index widgets once at import", None, None),
    ("test: cover the CLI", {"tests/test_cli.py": "def test_cli(): pass\n"}, "v0.2.0"),
    (
        "feat(api)!: widgets are immutable\n\nBREAKING CHANGE: Widget.rename() is gone; create a "
        "new widget with Widget(name=...) instead.",
        {"src/acme_widgets/api.py": "FROZEN = 1\n"},
        None,
    ),
    ("fix: keep the order of widgets stable", None, "v1.0.0"),
    (
        "feat(export): export widgets as JSON",
        {"src/acme_widgets/export.py": "FMT = 'json'\n"},
        None,
    ),
    ("fix(export): escape non-ASCII names", None, None),
    ("Update contributing guide", {"CONTRIBUTING.md": "Be kind.\n"}, None),
    ("feat(export): CSV output", {"src/acme_widgets/export.py": "FMT = 'csv'\n"}, None),
    (
        'Revert "feat(export): CSV output"\n\nThis reverts commit {last}.',
        {"src/acme_widgets/export.py": "FMT = 'json'\n"},
        None,
    ),
    ("perf(export): stream large exports", None, None),
    ("ci: run the tests on Python 3.13", {".github/workflows/ci.yml": "on: push\n"}, None),
]

_PYPROJECT = """[project]
name = "acme-widgets"
version = "{version}"
description = "Widgets, registered and exported."
requires-python = ">=3.10"

[build-system]
requires = ["flit_core>=3.9,<4"]
build-backend = "flit_core.buildapi"
"""

_CONFIG = {
    "release": {
        "tagPrefix": "v",
        "branch": "main",
        "versionBump": [
            "pyproject.toml",
            {"path": "src/acme_widgets/__init__.py", "pattern": '__version__ = "{version}"'},
        ],
        "changelog": {"path": "CHANGELOG.md"},
        "gates": [
            {"name": "compile", "run": "python3 -m compileall -q src", "timeoutSeconds": 60},
        ],
        "push": {"remote": "origin"},
    }
}


def _git(repo: Path, *args: str, clock: int) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_DATE=f"{clock} +0000",
        GIT_COMMITTER_DATE=f"{clock} +0000",
        GIT_AUTHOR_NAME="Ada Maintainer",
        GIT_AUTHOR_EMAIL="ada@acme.example",
        GIT_COMMITTER_NAME="Ada Maintainer",
        GIT_COMMITTER_EMAIL="ada@acme.example",
        GIT_CONFIG_NOSYSTEM="1",
    )
    done = runner.run(["git", *args], cwd=repo, env=env, check=True)
    return done.stdout.strip()


def fresh_repository(root: Path, name: str) -> tuple[Path, Path]:
    """``root/name``, an empty repository on ``main`` that signs nothing, and
    ``root/origin.git``, its bare remote to be; both made anew."""
    repo, origin = root / name, root / "origin.git"
    for path in (repo, origin):
        if path.exists():
            shutil.rmtree(path)
    repo.mkdir(parents=True)
    runner.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    _git(repo, "init", "-q", "-b", "main", clock=START)
    _git(repo, "config", "commit.gpgsign", "false", clock=START)
    _git(repo, "config", "tag.gpgsign", "false", clock=START)
    return repo, origin


def make_sample(root: Path) -> Path:
    """(Re)create the sample repository and its bare remote under ``root``."""
    repo, origin = fresh_repository(root, "acme-widgets")
    clock = START
    _write(repo, "pyproject.toml", _PYPROJECT.format(version="0.0.0"))
    _write(repo, "src/acme_widgets/__init__.py", '"""Acme widgets."""\n__version__ = "0.0.0"\n')
    _write(repo, ".gitignore", "__pycache__/\n*.pyc\ndist/\n")
    _write(repo, ".shipline/config.json", json.dumps(_CONFIG, indent=2) + "\n")
    _write(
        repo,
        "CHANGELOG.md",
        "# Changelog\n\nAll notable changes to this project are documented here.\n",
    )
    last = ""
    changelog: list[str] = []
    pending: list[Commit] = []
    for message, files, tag in _HISTORY:
        clock += 86_400
        for rel, text in (files or {f"notes/{clock}.txt": message.splitlines()[0] + "\n"}).items():
            _write(repo, rel, text)
        _git(repo, "add", "-A", clock=clock)
        _git(repo, "commit", "-q", "-m", message.replace("{last}", last), clock=clock)
        last = _git(repo, "rev-parse", "HEAD", clock=clock)
        pending.append(parse_message(last, (), "", "", clock, message.replace("{last}", last)))
        if tag:
            version = tag.removeprefix("v")
            clock += 600
            _write(repo, "pyproject.toml", _PYPROJECT.format(version=version))
            _write(
                repo,
                "src/acme_widgets/__init__.py",
                f'"""Acme widgets."""\n__version__ = "{version}"\n',
            )
            # the entry shipline itself would have written for this release
            day = time.strftime("%Y-%m-%d", time.gmtime(clock))
            lines = render.entry_lines(
                DEFAULT, version, day, None, groups.group_keys(pending), placeholders=False
            )
            changelog.insert(0, "\n".join(lines) + "\n")
            pending = []
            _write(
                repo,
                "CHANGELOG.md",
                "# Changelog\n\nAll notable changes to this project "
                "are documented here.\n\n" + "\n".join(changelog),
            )
            _git(repo, "commit", "-q", "-am", f"chore(release): {version}", clock=clock)
            _git(repo, "tag", "-a", tag, "-m", f"Release {tag}", clock=clock)
    _merge_feature_branch(repo, clock)
    _git(repo, "remote", "add", "origin", str(origin), clock=clock)
    _git(repo, "push", "-q", "origin", "main", "--tags", clock=clock)
    return repo


def _merge_feature_branch(repo: Path, clock: int) -> None:
    clock += 86_400
    _git(repo, "switch", "-q", "-c", "feature/filters", clock=clock)
    _write(repo, "src/acme_widgets/filters.py", "def by_tag(tag): ...\n")
    _git(repo, "add", "-A", clock=clock)
    _git(repo, "commit", "-q", "-m", "feat(filters): filter widgets by tag", clock=clock)
    clock += 3600
    _git(repo, "switch", "-q", "main", clock=clock)
    _git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "feature/filters",
        "-m",
        "Merge branch 'feature/filters'",
        clock=clock,
    )
    _git(repo, "branch", "-q", "-d", "feature/filters", clock=clock)


def _write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m shipline.domain.demo.sample DIR")
    print(make_sample(Path(sys.argv[1]).resolve()))

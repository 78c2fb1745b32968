"""A sample pnpm workspace (monorepo), for the packages table's screenshot and
for trying a release train without risking a real project.

``python -m shipline.domain.demo.sample_workspace DIR`` (re)creates
``DIR/acme-monorepo``: a private root, ``@acme/core``, ``@acme/cli``
(requires core with ``workspace:^``), ``@acme/web`` (requires core
``^1.4.0``) and a private ``@acme/docs``, each released with its own tags
(``@acme/core@1.4.0``...), then unreleased work in three of them (a breaking
change in core), and ``DIR/origin.git``, its bare remote. It prints the
repository's path.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shipline.domain.demo.sample import START, _git, _write, fresh_repository


def _manifest(
    name: str, version: str, *, private: bool = False, deps: dict[str, str] | None = None
) -> str:
    data: dict[str, object] = {"name": name, "version": version}
    if private:
        data["private"] = True
    if deps:
        data["dependencies"] = deps
    return json.dumps(data, indent=2) + "\n"


_PACKAGES = {
    "core": ("@acme/core", "1.4.0", None, False),
    "cli": ("@acme/cli", "3.0.1", {"@acme/core": "workspace:^"}, False),
    "web": ("@acme/web", "0.9.2", {"@acme/core": "^1.4.0"}, False),
    "docs": ("@acme/docs", "0.0.0", None, True),
}

_WORK = [
    ("fix(cli): quote paths with spaces", "packages/cli/src/run.js"),
    (
        "feat(core)!: parse() returns a result object\n\nBREAKING CHANGE: read "
        "result.value instead of the return value.",
        "packages/core/src/parse.js",
    ),
    ("feat(web): dark mode", "packages/web/src/theme.js"),
    ("docs: contributor guide", "CONTRIBUTING.md"),
    ("docs(docs): release notes page", "packages/docs/notes.md"),
]


def make_workspace_sample(root: Path) -> Path:
    """(Re)create the sample workspace and its bare remote under ``root``."""
    repo, origin = fresh_repository(root, "acme-monorepo")
    clock = START
    _write(repo, "package.json", _manifest("acme-monorepo", "1.0.0", private=True))
    _write(repo, "pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n")
    for folder, (name, version, deps, private) in _PACKAGES.items():
        _write(
            repo,
            f"packages/{folder}/package.json",
            _manifest(name, version, private=private, deps=deps),
        )
        _write(repo, f"packages/{folder}/src/index.js", f"export const name = {name!r};\n")
    _git(repo, "add", "-A", clock=clock)
    _git(repo, "commit", "-q", "-m", "chore: set up the workspace", clock=clock)
    for name, version, _, private in _PACKAGES.values():
        if not private:
            _git(
                repo,
                "tag",
                "-a",
                f"{name}@{version}",
                "-m",
                f"Release {name}@{version}",
                clock=clock,
            )
    for message, rel in _WORK:
        clock += 86_400
        _write(repo, rel, message.splitlines()[0] + "\n")
        _git(repo, "add", "-A", clock=clock)
        _git(repo, "commit", "-q", "-m", message, clock=clock)
    _git(repo, "remote", "add", "origin", str(origin), clock=clock)
    _git(repo, "push", "-q", "origin", "main", "--tags", clock=clock)
    return repo


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m shipline.domain.demo.sample_workspace DIR")
    print(make_workspace_sample(Path(sys.argv[1])))

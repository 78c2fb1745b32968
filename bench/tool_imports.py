#!/usr/bin/env python3
"""What reading another release tool's configuration costs (issue 10: under
20 ms). For each tool's fixture repository (the configs of
``tests/test_tool_imports.py``), in fresh interpreters:

* ``package``: importing the importers (CPU time, once per process, after
  what ``release plan`` imports anyway);
* ``first``: the first ``shipline.domain.release.imports.load_config`` minus
  a ``shipline.domain.config_loading.load_config`` on the same repository (no
  shipline config), CPU time: the tool's importer and its parser (yaml)
  imported, its files read: what one command pays;
* ``warm``: the same difference for later calls (files read and mapped only);
* ``total``: package + first, the figure held under 20 ms;
* ``plan``: the whole ``shipline release plan --no-push`` process, for
  reference.

    python3 bench/tool_imports.py [--runs 7]

Exit 1 when ``total`` is 20 ms or more for a tool.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "tool-imports"
PY = ROOT / ".venv" / "bin" / "python"
sys.path.insert(0, str(ROOT / "tests"))

import test_tool_imports as fx  # noqa: E402  (the fixtures' configs)

SHAPES = {
    "commitizen": (
        {
            "pyproject.toml": fx.CZ_PYPROJECT,
            "src/acme_widgets/__init__.py": '__version__ = "1.4.2"\n',
        },
        "v1.4.2",
    ),
    "python-semantic-release": (
        {
            "pyproject.toml": fx.PSR_PYPROJECT,
            "src/parcel/__init__.py": '__version__ = "2.3.0"\n',
            "docs/conf.py": 'release = "v2.3.0"\n',
        },
        "v2.3.0",
    ),
    "bump-my-version": (
        {
            "pyproject.toml": fx.BMV_PYPROJECT,
            "README.md": fx.README,
            "src/tinyhttp/__init__.py": "__version__ = '0.9.1'\n",
        },
        "release-0.9.1",
    ),
    "release-please": (
        {
            "release-please-config.json": json.dumps(fx.RP_CONFIG),
            ".release-please-manifest.json": '{".": "3.1.0"}',
            "pyproject.toml": '[project]\nname = "a"\nversion = "3.1.0"\n',
            "src/acme_client/version.py": fx.RP_VERSION_PY,
            "docs/meta.toml": 'release = "3.1.0"\n',
        },
        "v3.1.0",
    ),
    "git-cliff": (
        {
            "cliff.toml": fx.CLIFF_TOML,
            "package.json": '{"name": "c", "version": "1.0.0", "private": true}\n',
        },
        "v1.0.0",
    ),
    "semantic-release (yaml)": (
        {
            **fx._npm_files("1.2.3", None),
            ".releaserc.yml": "branches: [main]\ntagFormat: 'v${version}'\n",
        },
        "v1.2.3",
    ),
    "none": ({"pyproject.toml": '[project]\nname = "p"\nversion = "1.0.0"\n'}, "v1.0.0"),
}


def _git(repo: Path, *args: str) -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_DATE="1767225600 +0000",
        GIT_COMMITTER_DATE="1767225600 +0000",
        GIT_AUTHOR_NAME="b",
        GIT_AUTHOR_EMAIL="b@example.com",
        GIT_COMMITTER_NAME="b",
        GIT_COMMITTER_EMAIL="b@example.com",
    )
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def make(name: str) -> Path:
    files, tag = SHAPES[name]
    repo = WORK / name.replace(" ", "-").replace("(", "").replace(")", "")
    if (repo / ".git").is_dir():
        return repo
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "chore: set up")
    _git(repo, "tag", tag)
    _git(repo, "commit", "-q", "--allow-empty", "-m", "fix: a bug")
    return repo


_TIMER = """
import sys, time
from pathlib import Path
import shipline.domain.release.plan  # what release plan imports anyway
from shipline.domain import config_loading
t = time.process_time()
from shipline.domain.release import imports
modules = time.process_time() - t
repo, runs = Path(sys.argv[1]), int(sys.argv[2])
config_loading.load_config(repo)  # pydantic builds its models on first use: plan pays that anyway
t = time.process_time()
imports.load_config(repo)  # cold: the tool's importer (and yaml) imported here
first = time.process_time() - t
def each(fn):
    best = []
    for _ in range(runs):
        t = time.process_time()
        fn(repo)
        best.append(time.process_time() - t)
    return sorted(best)[len(best) // 2]
base = each(config_loading.load_config)
print(modules, each(imports.load_config) - base, first - base)
"""


def _load(repo: Path, runs: int) -> tuple[float, float, float]:
    """(importing the package, a warm load's added CPU time, the first load's
    added CPU time with its importer's modules), in seconds."""
    out = subprocess.run(
        [str(PY), "-c", _TIMER, str(repo), str(runs)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def _plan(repo: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "shipline"), "-C", str(repo), "release", "plan", "--no-push"],
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    failed = False
    print(f"{'tool':<26}{'package':>8}{'first +':>9}{'warm +':>8}{'total +':>9}{'plan':>7}   (ms)")
    for name in SHAPES:
        repo = make(name)
        samples = [_load(repo, max(args.runs, 5) * 4) for _ in range(3)]
        package, warm, first = (statistics.median(col) * 1000 for col in zip(*samples, strict=True))
        plan = statistics.median(_plan(repo) for _ in range(args.runs)) * 1000
        total = package + first
        failed |= total >= 20
        print(f"{name:<26}{package:>8.1f}{first:>9.1f}{warm:>8.2f}{total:>9.1f}{plan:>7.0f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

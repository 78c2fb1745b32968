#!/usr/bin/env python3
"""Would GitPython answer shipline's repository questions faster than a
``git`` subprocess? (issue 12: gitpython was declared and never imported.)

GitPython reads refs, HEAD and config files in Python, without a process
per question, but costs its import; shipline asks a handful of questions per
process. This times, on one repository: the import, each question both ways
(median of many), and the questions one ``release plan`` asks (counted with
GIT_TRACE2: 3 x HEAD, 3 x branch, 1 x tag exists, 1 x remote URL, 1 x
toplevel), and the tag -> commit map that the changelog needs.

GitPython is not a shipline dependency; run this with any interpreter that
has it, e.g. the peers venv (python-semantic-release brings it):

    python3 bench/gen_history.py --commits 2500 --tags 290 --out /tmp/hist
    bench/.work/peers-venv/bin/python bench/gitpython_refs.py /tmp/hist
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ENV = dict(os.environ, LC_ALL="C", GIT_OPTIONAL_LOCKS="0")


def ms(fn: Callable[[], object], n: int) -> float:
    fn()
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def main() -> None:
    repo = Path(sys.argv[1]).resolve()

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, env=ENV, capture_output=True, text=True
        ).stdout

    start = time.perf_counter()
    import git as gitpython  # the import is what is measured

    imported = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    r = gitpython.Repo(repo)
    opened = (time.perf_counter() - start) * 1000
    tags = [t.name for t in r.tags]
    some_tag = tags[len(tags) // 2]
    rows = [
        ("HEAD sha", lambda: r.head.commit.hexsha, lambda: git("rev-parse", "--verify", "HEAD")),
        (
            "current branch",
            lambda: r.active_branch.name,
            lambda: git("symbolic-ref", "--short", "-q", "HEAD"),
        ),
        (
            "tag exists",
            lambda: some_tag in r.tags,
            lambda: git("show-ref", "--verify", "-q", f"refs/tags/{some_tag}"),
        ),
        (
            "remote URL",
            lambda: r.remote("origin").url if r.remotes else None,
            lambda: git("remote", "get-url", "origin"),
        ),
        (
            "tag -> commit map",
            lambda: {t.name: t.commit.hexsha for t in r.tags},
            lambda: git(
                "for-each-ref",
                "--format=%(refname:strip=2) %(objectname) %(*objectname)",
                "refs/tags",
            ),
        ),
    ]
    print(f"{repo}: {len(tags)} tags")
    print(f"import git: {imported:.1f} ms, Repo(): {opened:.1f} ms")
    print(f"{'question':<20} {'gitpython ms':>13} {'subprocess ms':>14}")
    per = {}
    for name, ours, theirs in rows:
        n = 5 if "map" in name else 50
        per[name] = (ms(ours, n), ms(theirs, n))
        print(f"{name:<20} {per[name][0]:>13.3f} {per[name][1]:>14.3f}")
    plan = [
        ("HEAD sha", 3),
        ("current branch", 3),
        ("tag exists", 1),
        ("remote URL", 1),
        ("HEAD sha", 1),
    ]  # the last stands in for rev-parse --show-toplevel
    sub_total = sum(per[q][1] * k for q, k in plan)
    gp_total = imported + opened + sum(per[q][0] * k for q, k in plan)
    print(
        f"release plan's 9 ref questions: gitpython {gp_total:.1f} ms (with import), "
        f"subprocess {sub_total:.1f} ms"
    )


if __name__ == "__main__":
    main()

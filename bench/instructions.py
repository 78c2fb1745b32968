#!/usr/bin/env python3
"""Start-up cost in instructions, not seconds: repeatable on a busy machine.

``valgrind --tool=callgrind`` counts the instructions a program executes.
The count is the same from run to run, whatever else the machine is doing,
so two versions of shipline, or shipline and commitizen, can be compared on
a shared 2-core machine where wall time moves by 30% from run to run. This
script counts, for ``release plan --no-push`` and ``changelog --all`` on the
generated 2,500-commit, 290-tag history (made by ``gen_history.py`` when
missing):

- the main process alone (``main``, in a run where its children are not
  traced), with ``PYTHONHASHSEED=0`` and the bytecode caches written by one
  untimed run first;
- the git processes it starts (``children``; callgrind sees only user-mode
  instructions, so process start-up in the kernel is not in either figure);
- for comparison: the pieces of the floor (``python -c pass``, importing
  pydantic's ``BaseModel``, importing rich's console).

    python3 bench/instructions.py [--repo PATH] [--baseline SHIPLINE_EXE]

``changelog --all`` reads the whole history in a thread while it starts up,
so its count depends on how fast git answers (how often the two threads
trade the interpreter lock): expect a few percent between runs there, and
none for ``release plan``.

``--baseline`` adds another shipline executable (an older checkout's
``.venv/bin/shipline``) to the table. The peers come from ``bench/peers.sh``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
SHIPLINE = ROOT / ".venv" / "bin" / "shipline"
PYTHON = ROOT / ".venv" / "bin" / "python"
CZ = WORK / "peers-venv" / "bin" / "cz"


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONHASHSEED="0", NO_COLOR="1", GIT_PAGER="cat")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode caches, as installed tools run
    env.pop("VIRTUAL_ENV", None)
    return env


def _callgrind(argv: list[str], cwd: Path, children: bool) -> list[tuple[str, int]]:
    """(program, instructions) of each process callgrind saw."""
    with tempfile.TemporaryDirectory() as out:
        trace = f"--trace-children={'yes' if children else 'no'}"
        subprocess.run(
            ["valgrind", "--tool=callgrind", trace, f"--callgrind-out-file={out}/cg.%p", *argv],
            cwd=cwd,
            env=_env(),
            capture_output=True,
            check=False,
        )
        seen = []
        for f in Path(out).iterdir():
            text = f.read_text(errors="replace")
            total = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M)
            cmd = re.search(r"^cmd:\s+(\S+)", text, re.M)
            seen.append(
                (Path(cmd.group(1)).name if cmd else "?", int(total.group(1)) if total else 0)
            )
        return seen


def count(argv: list[str], cwd: Path) -> tuple[int, int]:
    """(instructions of the main process, of the git processes it starts).
    The main process is counted in a run of its own: with its git children
    under valgrind too (50 times slower), its threads that read their output
    interleave differently and the count moves by ~15%."""
    subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True)  # writes .pyc
    main = sum(n for _, n in _callgrind(argv, cwd, children=False))
    git = sum(n for name, n in _callgrind(argv, cwd, children=True) if name == "git")
    return main, git


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", type=Path, default=WORK / "repo-2500x290")
    ap.add_argument("--baseline", type=Path, action="append", default=[])
    args = ap.parse_args(argv)
    if subprocess.run(["which", "valgrind"], capture_output=True).returncode:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    repo = args.repo
    if not (repo / ".git").exists():
        gen = [sys.executable, str(HERE / "gen_history.py"), "--commits", "2500"]
        subprocess.run([*gen, "--tags", "290", "--out", str(repo)], check=True)
    rows: list[tuple[str, list[str]]] = [
        ("python -c pass", [str(PYTHON), "-c", "pass"]),
        ("import pydantic.BaseModel", [str(PYTHON), "-c", "from pydantic import BaseModel"]),
        ("import rich.console", [str(PYTHON), "-c", "import rich.console"]),
    ]
    tools = [("shipline", str(SHIPLINE))] + [(f"baseline {b}", str(b)) for b in args.baseline]
    for name, exe in tools:
        rows.append((f"{name} release plan", [exe, "release", "plan", "--no-push"]))
        rows.append((f"{name} changelog --all", [exe, "changelog", "--all"]))
    if CZ.exists():
        rows.append(("cz bump --dry-run --yes", [str(CZ), "bump", "--dry-run", "--yes"]))
        rows.append(("cz changelog --dry-run", [str(CZ), "changelog", "--dry-run"]))
    print(f"== {repo} (instructions, millions; main process + its git processes)")
    print(f"  {'command':44} {'main':>8} {'children':>9} {'total':>8}")
    totals: dict[str, int] = {}
    for name, cmd in rows:
        main_n, child_n = count(cmd, repo)
        totals[name] = main_n + child_n
        print(f"  {name:44} {main_n / 1e6:8.0f} {child_n / 1e6:9.0f} {totals[name] / 1e6:8.0f}")
    for mine, theirs in (
        ("shipline release plan", "cz bump --dry-run --yes"),
        ("shipline changelog --all", "cz changelog --dry-run"),
    ):
        if totals.get(theirs):
            print(f"  {mine} / {theirs}: {totals[mine] / totals[theirs]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

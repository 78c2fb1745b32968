#!/usr/bin/env python3
"""SPEC section 9: ``shipline --help`` under 0.15 s, Textual and sigstore not imported.

Times the installed console script (whole process, wall clock), median of
``--runs`` runs after one warm-up, next to a bare ``python -c pass`` with the
same interpreter; then lists which heavy packages the ``--help`` path
imports and the slowest imports (``python -X importtime``).

    python3 bench/help_time.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPLINE = ROOT / ".venv" / "bin" / "shipline"
PYTHON = ROOT / ".venv" / "bin" / "python"
TARGET = 0.15
HEAVY = (
    "textual",
    "sigstore",
    "rich",
    "pydantic",
    "cyclonedx",
    "git",
    "semver",
    "tomlkit",
    "questionary",
    "spdx_tools",
    "securesystemslib",
)
PROBE = """
import sys
sys.argv = ["shipline", "--help"]
from shipline.domain.cli.main import entry
try:
    entry()
except SystemExit:
    pass
print("IMPORTED", " ".join(h for h in {heavy} if h in sys.modules))
"""


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def wall(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user+sys) seconds of each run, after a warm-up run."""
    env = dict(os.environ, NO_COLOR="1")
    subprocess.run(argv, stdout=subprocess.DEVNULL, env=env, check=True)
    times, cpu = [], []
    for _ in range(runs):
        c0, t0 = _cpu(), time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, env=env, check=True)
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
    return times, cpu


def slowest_imports(n: int = 8) -> list[tuple[int, str]]:
    proc = subprocess.run(
        [str(PYTHON), "-X", "importtime", str(SHIPLINE), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    top_level = [r for r in rows if not r[1].startswith("  ")]
    return sorted(top_level, reverse=True)[:n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args(argv)
    if not SHIPLINE.exists():
        sys.exit(f"missing {SHIPLINE}: run scripts/setup.sh first")
    help_t, help_c = wall([str(SHIPLINE), "--help"], args.runs)
    bare_t, bare_c = wall([str(PYTHON), "-c", "pass"], args.runs)
    med, bare = statistics.median(help_t), statistics.median(bare_t)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(
        f"shipline --help   median {med:.3f} s  min {min(help_t):.3f} s  "
        f"cpu {statistics.median(help_c):.3f} s  ({args.runs} runs)"
    )
    print(
        f"python -c pass    median {bare:.3f} s  min {min(bare_t):.3f} s  "
        f"cpu {statistics.median(bare_c):.3f} s"
    )
    probe = subprocess.run(
        [str(PYTHON), "-c", PROBE.replace("{heavy}", repr(HEAVY))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    imported = next(
        (ln.split()[1:] for ln in probe.stdout.splitlines() if ln.startswith("IMPORTED")), None
    )
    print(f"heavy packages imported by --help: {', '.join(imported or []) or 'none'}")
    print("slowest top-level imports (cumulative us):")
    for us, name in slowest_imports():
        print(f"  {us:>9}  {name.strip()}")
    ok_time = med < TARGET
    ok_imports = imported is not None and not {"textual", "sigstore"} & set(imported)
    print(f"{'PASS' if ok_time else 'FAIL'} shipline --help median {med:.3f} s < {TARGET} s")
    print(f"{'PASS' if ok_imports else 'FAIL'} --help imports neither textual nor sigstore")
    return 0 if ok_time and ok_imports else 1


if __name__ == "__main__":
    sys.exit(main())

"""First paint of the TUI: the real ``shipline`` console script in a
pseudo-terminal at 80x24, timed from spawn until its first screen is on the
terminal, and until the plan is drawn. Median of several runs.

    .venv/bin/python bench/tui_paint.py [--runs 5] [REPO]

Without REPO it makes the sample repository (``python -m shipline.domain.demo.sample``).
Targets (SPEC section 9): first screen painted under 1 s.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "shipline"
ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")
FIRST_PAINT = b"Summary"
"""The last word of the steps bar: the Plan screen's frame is on the terminal."""
PLAN_READY = b"Inferred bump"


def one_run(repo: Path, timeout: float = 20.0) -> tuple[float, float]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(EXE)],
        cwd=repo,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    painted = ready = None
    try:
        while ready is None and time.perf_counter() - start < timeout:
            readable, _, _ = select.select([master], [], [], 0.05)
            if not readable:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            seen += chunk
            plain = ANSI.sub(b"", seen)
            now = time.perf_counter() - start
            if painted is None and FIRST_PAINT in plain:
                painted = now
            if PLAN_READY in plain:
                ready = now
        if painted is None or ready is None:
            raise SystemExit(f"the TUI did not paint within {timeout} s")
    finally:
        os.write(master, b"\x11")  # ctrl+q
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(master)
    return painted, ready


def help_time() -> float:
    start = time.perf_counter()
    subprocess.run([str(EXE), "--help"], capture_output=True, check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="TUI first-paint time")
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="shipline-paint-") as tmp:
        repo = args.repo
        if repo is None:
            out = subprocess.run(
                [sys.executable, "-m", "shipline.domain.demo.sample", tmp],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            repo = Path(out.strip().splitlines()[-1])
        one_run(repo)  # warm the file cache once
        runs = [one_run(repo) for _ in range(args.runs)]
    paint = statistics.median(r[0] for r in runs)
    ready = statistics.median(r[1] for r in runs)
    helps = statistics.median(help_time() for _ in range(args.runs))
    print(
        f"first screen painted   median {paint:.3f} s  (target < 1 s)  "
        f"runs {', '.join(f'{r[0]:.3f}' for r in runs)}"
    )
    print(
        f"plan drawn             median {ready:.3f} s  "
        f"runs {', '.join(f'{r[1]:.3f}' for r in runs)}"
    )
    print(f"shipline --help        median {helps:.3f} s  (target < 0.15 s)")
    print(
        f"load average           {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} CPUs (wall times grow with it)"
    )
    return 0 if paint < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

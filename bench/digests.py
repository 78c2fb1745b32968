"""SHA-256 throughput of shipline's streamed digest against ``openssl dgst
-sha256`` on the same 1 GiB file (SPEC section 9: at least 0.9x), and its
peak memory (flat in the file size).

Both run as whole processes, alternately, after one warm-up each (so both
read from the page cache); the figure is the median of ``--runs``. The
ratio is shipline's throughput divided by openssl's (above 1: faster).

    .venv/bin/python bench/digests.py [--size-mib 1024] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.9
SHIPLINE = (
    "import sys; from pathlib import Path; "
    "from shipline.domain.digests import sha256_file; "
    "print(sha256_file(Path(sys.argv[1])).sha256)"
)


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(1 << 20)
    with open(path, "wb") as handle:
        for i in range(size_mib):
            handle.write(block[i % 251 :] + block[: i % 251])  # distinct blocks, cheap to make


def timed(argv: list[str]) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system) and stdout of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=True)
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return took, cpu, done.stdout


def peak_rss_kib(argv: list[str]) -> int:
    """The peak RSS of one run of ``argv`` alone (GNU time's %M)."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *argv], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return int(done.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shipline-bench-digest-") as tmp:
        path = Path(tmp) / "artifact.bin"
        make_file(path, args.size_mib)
        ours_argv = [sys.executable, "-c", SHIPLINE, str(path)]
        openssl_argv = ["openssl", "dgst", "-sha256", "-r", str(path)]
        ours_digest = timed(ours_argv)[2].split()[0]  # warm-up, and the digests must agree
        theirs_digest = timed(openssl_argv)[2].split()[0]
        if ours_digest != theirs_digest:
            raise SystemExit(f"digests differ: shipline {ours_digest}, openssl {theirs_digest}")
        ours, theirs = [], []
        for _ in range(args.runs):
            theirs.append(timed(openssl_argv)[:2])
            ours.append(timed(ours_argv)[:2])
        peak = peak_rss_kib(ours_argv)
    mib = args.size_mib
    for what, index in (("wall", 0), ("CPU", 1)):
        ours_t = statistics.median(t[index] for t in ours)
        theirs_t = statistics.median(t[index] for t in theirs)
        ratio = theirs_t / ours_t
        verdict = "meets" if ratio >= TARGET else "MISSES"
        print(
            f"sha256 of {mib} MiB by {what} time: shipline {mib / ours_t:.0f} MiB/s "
            f"({ours_t:.2f} s), openssl dgst {mib / theirs_t:.0f} MiB/s ({theirs_t:.2f} s): "
            f"ratio {ratio:.2f}x ({verdict} the {TARGET}x target)"
        )
    print(
        f"peak RSS of the shipline digest process: {peak // 1024} MiB; median of {args.runs} "
        f"runs; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()

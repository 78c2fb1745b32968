#!/usr/bin/env python3
"""``shipline release plan`` on a generated pnpm workspace: the bar is under
2 s for 100 packages and 20,000 commits, with a cost linear in commits plus
packages (issue: monorepos).

The workspace is generated with ``git fast-import`` (seeded: the same
arguments give the same shas): ``packages/p000`` … ``packages/pNNN``, each
with a package.json; Conventional commits that touch one package each (a few
touch the shared root); every package tagged ``@bench/pNNN@X.Y.Z`` at
several points, so each package's own range starts at a different commit.

    python3 bench/workspace_plan.py                       # 100 x 20,000, plus the shapes
    python3 bench/workspace_plan.py --runs 5 --shapes 100x20000

It prints the median wall time of each shape and the ratios that show
linearity (time per commit and per package between shapes). Exit 1 when the
100 x 20,000 shape is over 2 s.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = 1_600_000_000
TYPES = [("feat", 25), ("fix", 40), ("docs", 10), ("chore", 15), ("refactor", 10)]


def generate(out: Path, packages: int, commits: int, seed: int = 7) -> Path:
    """A pnpm workspace of ``packages`` packages and ``commits`` commits at ``out``."""
    if (out / ".git").is_dir():
        return out
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    rng = random.Random(seed)
    names = [f"p{i:03d}" for i in range(packages)]
    versions = {n: [1, 0, 0] for n in names}
    types = [t for t, w in TYPES for _ in range(w)]
    lines: list[bytes] = []
    tags: list[tuple[str, int]] = []
    for i in range(commits):
        mark = i + 1
        when = START + i * 60
        files: dict[str, str] = {}
        if i == 0:
            files["package.json"] = json.dumps({"name": "bench", "private": True}) + "\n"
            files["pnpm-workspace.yaml"] = "packages:\n  - 'packages/*'\n"
            for n in names:
                files[f"packages/{n}/package.json"] = (
                    json.dumps({"name": f"@bench/{n}", "version": "1.0.0"}, indent=2) + "\n"
                )
            subject = "chore: set up the workspace"
        else:
            kind = rng.choice(types)
            if rng.random() < 0.03:
                files["tsconfig.base.json"] = f'{{"rev": {i}}}\n'
                subject = f"{kind}: shared config {i}"
            else:
                n = rng.choice(names)
                files[f"packages/{n}/src/f{i % 7}.js"] = f"export const v = {i};\n"
                subject = f"{kind}({n}): change {i}"
        message = subject.encode()
        lines.append(b"commit refs/heads/main\n")
        lines.append(f"mark :{mark}\n".encode())
        lines.append(f"committer Bench <bench@example.org> {when} +0000\n".encode())
        lines.append(f"data {len(message)}\n".encode() + message + b"\n")
        if mark > 1:
            lines.append(f"from :{mark - 1}\n".encode())
        for path, text in files.items():
            data = text.encode()
            lines.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        # every package is released a few times along the history
        if i and i % max(1, commits // 6) == 0:
            for n in names:
                versions[n][2] += 1
                tags.append((f"@bench/{n}@{'.'.join(map(str, versions[n]))}", mark))
    for name, at in tags:
        lines.append(f"reset refs/tags/{name}\nfrom :{at}\n\n".encode())
    subprocess.run(["git", "fast-import", "--quiet"], cwd=out, input=b"".join(lines), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=out, check=True)
    return out


def time_plan(repo: Path, runs: int) -> float:
    exe = Path(sys.executable).parent / "shipline"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [str(exe), "-C", str(repo), "--output", "json", "release", "plan"],
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"release plan failed in {repo}: {done.stderr or done.stdout[-500:]}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--shapes",
        nargs="*",
        default=["100x20000", "100x10000", "50x20000", "25x5000"],
        help="PACKAGESxCOMMITS",
    )
    args = parser.parse_args()
    results: dict[tuple[int, int], float] = {}
    for shape in args.shapes:
        packages, commits = (int(x) for x in shape.split("x"))
        repo = generate(HERE / ".work" / f"workspace-{packages}x{commits}", packages, commits)
        results[(packages, commits)] = time_plan(repo, args.runs)
        print(
            f"release plan  {packages:4d} packages x {commits:6d} commits: "
            f"{results[(packages, commits)]:.3f} s (median of {args.runs})"
        )
    if (100, 20000) in results and (100, 10000) in results:
        ratio = results[(100, 20000)] / results[(100, 10000)]
        print(f"twice the commits (100 packages): x{ratio:.2f} the time (linear: <= 2)")
    if (100, 20000) in results and (50, 20000) in results:
        ratio = results[(100, 20000)] / results[(50, 20000)]
        print(f"twice the packages (20,000 commits): x{ratio:.2f} the time (linear: <= 2)")
    worst = results.get((100, 20000))
    if worst is not None and worst > 2.0:
        print(f"FAIL: {worst:.2f} s is over the 2 s bar")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

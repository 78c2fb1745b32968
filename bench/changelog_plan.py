#!/usr/bin/env python3
"""SPEC section 9: ``shipline changelog --all`` and ``release plan`` against their peers.

In one run, on the generated 20,000-commit, 300-tag repository (made by
``gen_history.py`` when missing) and on real repositories given with
``--real`` (cloned when the network allows; skipped with the reason when not),
this times the whole process, wall clock, median of ``--runs`` runs after one
untimed warm-up run, of:

- changelog: ``shipline changelog --all``, ``git-cliff``,
  ``cz changelog --dry-run``, ``semantic-release changelog`` (PSR's ``--noop``
  renders nothing, so it really writes CHANGELOG.md, which is removed after
  each run);
- plan: ``shipline release plan``, ``cz bump --dry-run --yes``,
  ``semantic-release --noop version --print``, and the baseline: a bare
  ``git log <last tag>..HEAD`` plus Python start-up (``python -c pass`` with
  the interpreter of shipline's venv).

Every invocation must exit 0 and print (or write) a non-trivial result; a peer
that fails is reported with its error and not timed. Correctness checks: the
releases in ``shipline changelog --all --format json`` equal the version tags
(prereleases folded into the final release that followed them),
and the next version from shipline, cz and semantic-release agree.

    python3 bench/changelog_plan.py [--runs 5] [--repo PATH] [--real URL ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
SHIPLINE = ROOT / ".venv" / "bin" / "shipline"
PYTHON = ROOT / ".venv" / "bin" / "python"
PEERS = WORK / "peers-venv" / "bin"
REAL = [
    "https://github.com/commitizen-tools/commitizen",
    "https://github.com/python-semantic-release/python-semantic-release",
    "https://github.com/orhun/git-cliff",
]
MIN_BYTES = 1000
SLOW_RUN = 30.0  # seconds: tools slower than this get at most 3 timed runs
TIMEOUT = 600


@dataclass
class Tool:
    name: str
    argv: list[str]
    writes: str | None = None  # output is this file in the repo, not stdout
    baseline: bool = False  # `git log` + python start-up: two processes, one figure
    min_bytes: int = MIN_BYTES  # less output than this is a failure, not a result
    floor: bool = False  # not a peer: what shipline cannot go below (no verdict of its own)


@dataclass
class Result:
    tool: Tool
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user+sys seconds of the process tree
    error: str | None = None
    output: bytes = b""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(NO_COLOR="1", TERM="dumb", GIT_PAGER="cat", PAGER="cat", COLUMNS="120")
    env.pop("VIRTUAL_ENV", None)
    # as installed tools run for users: with bytecode caches (the warm-up run
    # writes them for every tool alike); a development shell often sets this
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _once(tool: Tool, repo: Path) -> tuple[float, float, bytes, str | None]:
    """Run a tool once: (wall seconds, cpu seconds, its output, error or None)."""
    target = repo / tool.writes if tool.writes else None
    if target:
        target.unlink(missing_ok=True)
    argvs = [tool.argv, [str(PYTHON), "-c", "pass"]] if tool.baseline else [tool.argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        elapsed, c0 = 0.0, _cpu()
        for argv in argvs:
            t0 = time.perf_counter()
            try:
                proc = subprocess.run(
                    argv,
                    cwd=repo,
                    stdout=out,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    env=_env(),
                    timeout=TIMEOUT,
                )
            except subprocess.TimeoutExpired:
                return TIMEOUT, 0.0, b"", f"timed out after {TIMEOUT} s"
            elapsed += time.perf_counter() - t0
            if proc.returncode != 0:
                err.seek(0)
                tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
                return elapsed, 0.0, b"", f"exit {proc.returncode}: {' | '.join(tail)[:300]}"
        cpu = _cpu() - c0
        out.seek(0)
        data = out.read()
    if target:
        data = target.read_bytes() if target.exists() else b""
        target.unlink(missing_ok=True)
    if len(data) < tool.min_bytes:
        return elapsed, cpu, data, f"output too small ({len(data)} bytes): {data[:200]!r}"
    if not data.strip():
        return elapsed, cpu, data, "no output"
    return elapsed, cpu, data, None


def measure(group: list[Tool], repo: Path, runs: int) -> list[Result]:
    """Validate every tool with one untimed run, then time them round-robin.

    Interleaving the runs spreads the load of a shared machine over all tools
    alike, so the ratios stay fair even when the absolute figures wobble.
    """
    results, rounds = [], {}
    for tool in group:
        res = Result(tool)
        first, _, res.output, res.error = _once(tool, repo)
        results.append(res)
        rounds[tool.name] = min(runs, 3) if first > SLOW_RUN else runs
        print(
            f"  checked {tool.name}: {first:.3f} s, {res.error or f'{len(res.output)} bytes'}",
            flush=True,
        )
    for i in range(runs):
        for res in results:
            if res.error or i >= rounds[res.tool.name]:
                continue
            elapsed, cpu, _, error = _once(res.tool, repo)
            if error:
                res.error, res.times = f"failed on a timed run: {error}", []
            else:
                res.times.append(elapsed)
                res.cpu.append(cpu)
    dirty = _git(repo, "status", "--porcelain")
    if dirty:
        print(f"  WARNING: a tool left the worktree dirty: {dirty.splitlines()[:3]}; cleaned")
        subprocess.run(["git", "-C", str(repo), "checkout", "-q", "--", "."], check=False)
        subprocess.run(["git", "-C", str(repo), "clean", "-qfd"], check=False)
    return results


PYDANTIC_FLOOR = (
    "import os\n"
    "os.environ['PYDANTIC_DISABLE_PLUGINS'] = '__all__'\n"
    "from pydantic import BaseModel\n"
    "class Release(BaseModel):\n"
    "    version: str\n"
    "print(Release(version='1.0.0').version)\n"
)
"""What any shipline command pays while its config stays pydantic (issue 12
asks for that): Python, importing pydantic, and building and validating one
model, with the plugin scan off as shipline has it."""


def tools(repo: Path, last_tag: str) -> tuple[list[Tool], list[Tool]]:
    sl, cz, psr, cliff = (
        str(SHIPLINE),
        str(PEERS / "cz"),
        str(PEERS / "semantic-release"),
        str(PEERS / "git-cliff"),
    )
    changelog = [
        Tool("shipline changelog --all", [sl, "changelog", "--all"]),
        Tool("git-cliff", [cliff]),
        Tool("cz changelog --dry-run", [cz, "changelog", "--dry-run"]),
        Tool("semantic-release changelog", [psr, "changelog"], writes="CHANGELOG.md"),
    ]
    plan = [
        # --no-push: like cz and semantic-release's dry runs, no question to
        # the remote (the generated repository's origin is not reachable)
        Tool("shipline release plan", [sl, "release", "plan", "--no-push"]),
        Tool("cz bump --dry-run --yes", [cz, "bump", "--dry-run", "--yes"], min_bytes=20),
        Tool(
            "semantic-release --noop version --print",
            [psr, "--noop", "version", "--print"],
            min_bytes=5,
        ),
        Tool(
            "floor: python + pydantic, one model validated",
            [str(PYTHON), "-c", PYDANTIC_FLOOR],
            min_bytes=2,
            floor=True,
        ),
        Tool(
            f"git log {last_tag}..HEAD + python -c pass",
            ["git", "--no-pager", "log", f"{last_tag}..HEAD"],
            baseline=True,
            min_bytes=100,
        ),
    ]
    return changelog, plan


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:8.3f}"


def table(title: str, results: list[Result], ref: Result) -> list[str]:
    lines = [
        f"\n{title}",
        f"  {'tool':<46} {'median s':>9} {'min s':>8} {'cpu s':>8} "
        f"{'runs':>4} {'x shipline':>10}  note",
    ]
    for r in results:
        ratio = f"{r.median / ref.median:9.2f}x" if r.median and ref.median else "-"
        note = f"ERROR {r.error}" if r.error else f"{len(r.output)} bytes"
        lines.append(
            f"  {r.tool.name:<46} {fmt(r.median):>9} "
            f"{fmt(min(r.times) if r.times else None):>8} "
            f"{fmt(statistics.median(r.cpu) if r.cpu else None):>8} {len(r.times):>4} "
            f"{ratio:>10}  {note}"
        )
    return lines


def _versions(plan: list[Result]) -> dict[str, str | None]:
    """The next version each plan tool announces."""
    found: dict[str, str | None] = {}
    for r in plan:
        text = r.output.decode(errors="replace")
        m = None
        if r.tool.name.startswith("cz"):
            m = re.search(r"bump: version \S+ → (\S+)", text)
        elif r.tool.name.startswith("semantic"):
            m = re.search(r"^v?(\d+\.\d+\.\d+\S*)\s*$", text, re.M)
        if m:
            found[r.tool.name] = next(g for g in m.groups() if g)
    return found


_HEADING = re.compile(r"^## \[?v?(\d+\.\d+\.\d+[^\]\s]*)", re.M)


def same_releases(results: list[Result]) -> list[str]:
    """Every changelog lists the same releases in the same order as shipline's."""
    ref = _HEADING.findall(results[0].output.decode(errors="replace"))
    out = []
    for r in results[1:]:
        if r.error:
            continue
        got = _HEADING.findall(r.output.decode(errors="replace"))
        same = got == ref
        first = next(((a, b) for a, b in zip(got, ref, strict=False) if a != b), None)
        diff = "" if same else f": {len(got)} vs {len(ref)}, first difference {first}"
        out.append(
            f"{'PASS' if same else 'WARN'} {r.tool.name} lists the same "
            f"{len(ref)} releases in the same order as shipline{diff}"
        )
    return out


def checks(repo: Path) -> list[str]:
    out = []
    proc = subprocess.run(
        [str(SHIPLINE), "changelog", "--all", "--format", "json"],
        cwd=repo,
        capture_output=True,
        env=_env(),
    )
    tags = [t for t in _git(repo, "tag", "--merged", "HEAD", "--list", "v*").split() if t]
    if proc.returncode != 0:
        out.append(f"FAIL shipline changelog --all --format json exit {proc.returncode}")
    else:
        releases = [r for r in json.loads(proc.stdout)["releases"] if r.get("tag")]
        expected = _unfolded(tags)
        ok = len(releases) == len(expected) and {r["tag"] for r in releases} == set(expected)
        out.append(
            f"{'PASS' if ok else 'FAIL'} releases in changelog --all json "
            f"({len(releases)}) == version tags with prereleases folded into their "
            f"final release ({len(expected)} of {len(tags)})"
        )
    plan = subprocess.run(
        [str(SHIPLINE), "--output", "json", "release", "plan", "--no-push"],
        cwd=repo,
        capture_output=True,
        env=_env(),
    )
    if plan.returncode == 0:
        data = json.loads(plan.stdout.splitlines()[-1])["data"]["plan"]
        out.append(
            f"info shipline plan: {data['last_tag']} -> {data['version']} "
            f"({data['bump']}, {len(data['commits'])} commits)"
        )
        return [*out, f"=={data['version']}"]
    out.append(f"FAIL shipline --output json release plan exit {plan.returncode}")
    return out


def _unfolded(tags: list[str]) -> list[str]:
    """The tags ``changelog --all`` lists: every stable release, and the
    prereleases newer than the last stable one (older ones are folded into
    the release that followed them, as ``ship`` rolls an rc series up)."""

    def key(tag: str) -> tuple[int, ...]:
        core = re.match(r"v?(\d+)\.(\d+)\.(\d+)", tag)
        return tuple(int(x) for x in core.groups()) if core else (0, 0, 0)

    stable = [t for t in tags if "-" not in t]
    newest = max((key(t) for t in stable), default=(-1, -1, -1))
    return stable + [t for t in tags if "-" in t and key(t) > newest]


def bench_repo(repo: Path, runs: int) -> dict:
    last_tag = _git(repo, "describe", "--tags", "--abbrev=0")
    changelog, plan = tools(repo, last_tag)
    print(f"\n== load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(
        f"== {repo} ({_git(repo, 'rev-list', '--count', 'HEAD')} commits, "
        f"{len(_git(repo, 'tag').split())} tags, last tag {last_tag}); {runs} runs each",
        flush=True,
    )
    res_c = measure(changelog, repo, runs)
    res_p = measure(plan, repo, runs)
    lines = table("changelog, every release", res_c, res_c[0])
    lines += table("release plan (next version + changelog since the last tag)", res_p, res_p[0])
    verdicts = targets(res_c, res_p)
    notes = checks(repo)
    shipline_version = next((n[2:] for n in notes if n.startswith("==")), None)
    notes = [n for n in notes if not n.startswith("==")] + same_releases(res_c)
    peers = _versions(res_p[1:3])
    if shipline_version:
        agree = all(v == shipline_version for v in peers.values())
        notes.append(
            f"{'PASS' if agree else 'WARN'} next version: shipline {shipline_version}"
            + "".join(f", {k.split()[0]} {v}" for k, v in peers.items())
        )
    print("\n".join(lines))
    print("\ntargets (SPEC section 9)")
    print("\n".join(f"  {v}" for v in verdicts))
    print("checks")
    print("\n".join(f"  {n}" for n in notes))
    return {
        "repo": str(repo),
        "lastTag": last_tag,
        "changelog": [_row(r) for r in res_c],
        "plan": [_row(r) for r in res_p],
        "targets": verdicts,
        "checks": notes,
    }


def _row(r: Result) -> dict:
    return {
        "tool": r.tool.name,
        "median": r.median,
        "times": r.times,
        "cpu": r.cpu,
        "error": r.error,
        "bytes": len(r.output),
    }


def _half_of_commitizen(res_c: list[Result], res_p: list[Result]) -> list[str]:
    """Issue 12's start-up bar: ``changelog --all`` and ``release plan`` each
    at most half of commitizen's time (wall, and CPU beside it)."""
    out = []
    for results, peer in ((res_c, "cz changelog --dry-run"), (res_p, "cz bump --dry-run --yes")):
        mine = results[0]
        theirs = next((r for r in results if r.tool.name == peer), None)
        if not (mine.median and theirs and theirs.median and mine.cpu and theirs.cpu):
            continue
        wall = mine.median / theirs.median
        cpu = statistics.median(mine.cpu) / statistics.median(theirs.cpu)
        out.append(
            f"{'PASS' if wall <= 0.5 else 'FAIL'} {mine.tool.name} at most half of "
            f"{peer}: {wall:.2f}x wall, {cpu:.2f}x CPU"
        )
        floor = next((r for r in results if r.tool.floor and r.median), None)
        if floor is not None and floor.median is not None:
            out.append(
                f"NOTE the pydantic floor ({floor.tool.name[7:]}) alone is "
                f"{floor.median / theirs.median:.2f}x of {peer}'s wall time"
            )
    return out


def targets(res_c: list[Result], res_p: list[Result]) -> list[str]:
    out = []
    sl = res_c[0].median
    peers = [r for r in res_c[1:] if r.median]
    failed = [r.tool.name for r in res_c[1:] if r.error]
    if sl is None:
        out.append(f"FAIL shipline changelog --all did not run: {res_c[0].error}")
    elif peers:
        fastest = min(peers, key=lambda r: r.median or 0)
        beats_all = all(sl < (r.median or 0) for r in peers)
        twice = fastest.median / sl if fastest.median else 0
        out.append(f"{'PASS' if beats_all else 'FAIL'} changelog faster than every peer")
        out.append(
            f"{'PASS' if twice >= 2 else 'FAIL'} changelog >= 2x faster than the "
            f"fastest peer ({fastest.tool.name}): {twice:.2f}x"
        )
    if failed:
        out.append(f"NOTE peers that errored and were not timed: {', '.join(failed)}")
    out += _half_of_commitizen(res_c, res_p)
    sp, base = res_p[0].median, res_p[-1].median
    if sp is None:
        out.append(f"FAIL shipline release plan did not run: {res_p[0].error}")
        return out
    for r in res_p[1:-1]:
        if r.tool.floor:
            continue
        if r.median:
            out.append(
                f"{'PASS' if sp < r.median else 'FAIL'} plan faster than "
                f"{r.tool.name}: {r.median / sp:.2f}x"
            )
        else:
            out.append(f"NOTE {r.tool.name} errored: {r.error}")
    if base:
        out.append(
            f"{'PASS' if sp <= 1.5 * base else 'FAIL'} plan within 1.5x of bare git log "
            f"+ python start-up: {sp / base:.2f}x ({sp:.3f} s vs {base:.3f} s)"
        )
    return out


def profile(repo: Path) -> None:
    """Where shipline's time goes (cProfile; figures include its overhead)."""
    import pstats

    for argv in (["changelog", "--all"], ["release", "plan", "--no-push"]):
        with tempfile.NamedTemporaryFile(suffix=".prof") as prof:
            subprocess.run(
                [str(PYTHON), "-m", "cProfile", "-o", prof.name, str(SHIPLINE), *argv],
                cwd=repo,
                stdout=subprocess.DEVNULL,
                env=_env(),
                check=True,
            )
            stats = pstats.Stats(prof.name).stats  # type: ignore[attr-defined]
        total = max(v[3] for v in stats.values())
        rows: dict[str, float] = {}
        for (file, line, func), (_, _, _, cum, _) in stats.items():
            if func == "_find_and_load" and "importlib" in file:
                rows["(imports, all)"] = max(rows.get("(imports, all)", 0), cum)
            elif func == "run" and file.endswith("subprocess.py"):
                rows["(subprocesses: git)"] = max(rows.get("(subprocesses: git)", 0), cum)
            elif "/domain/" in file and cum > 0.03 * total:
                rows[f"{file.split('/domain/')[1]}:{line} {func}"] = cum
        print(f"\nprofile: shipline {' '.join(argv)}: {total:.3f} s under cProfile")
        for name, cum in sorted(rows.items(), key=lambda kv: -kv[1])[:16]:
            print(f"  {cum:7.3f} s {cum / total:5.0%}  {name}")


def clone(url: str) -> tuple[Path | None, str]:
    dest = WORK / "real" / url.rstrip("/").rsplit("/", 1)[-1]
    if (dest / ".git").exists():
        return dest, "cached clone"
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(
            ["git", "clone", "-q", "--filter=blob:none", url, str(dest)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return None, "clone timed out"
    if proc.returncode != 0:
        return None, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
    return dest, "cloned"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--repo",
        type=Path,
        action="append",
        help="repository to bench (default: the generated 20000x300 one)",
    )
    ap.add_argument(
        "--shape",
        action="append",
        default=[],
        metavar="COMMITSxTAGS",
        help="also generate and bench a history of this size, e.g. 1500x60",
    )
    ap.add_argument(
        "--real",
        nargs="*",
        metavar="URL",
        help=f"also clone and bench real histories (no URL: {', '.join(REAL)})",
    )
    ap.add_argument(
        "--json",
        type=Path,
        default=WORK / "changelog_plan.json",
        help="where to write the raw figures",
    )
    ap.add_argument(
        "--profile", action="store_true", help="also show where shipline's own time goes (cProfile)"
    )
    args = ap.parse_args(argv)
    for exe in (SHIPLINE, PEERS / "cz", PEERS / "git-cliff", PEERS / "semantic-release"):
        if not exe.exists():
            sys.exit(f"missing {exe}: see bench/README.md (peers venv set-up)")
    repos = list(args.repo or [])
    if not repos:
        gen = WORK / "repo-20000x300"
        if not (gen / ".git").exists():
            subprocess.run([sys.executable, str(HERE / "gen_history.py")], check=True)
        repos.append(gen)
    for shape in args.shape:
        commits, _, tags = shape.partition("x")
        path = WORK / f"repo-{int(commits)}x{int(tags)}"
        if not (path / ".git").exists():
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "gen_history.py"),
                    "--commits",
                    commits,
                    "--tags",
                    tags,
                    "--out",
                    str(path),
                ],
                check=True,
            )
        repos.append(path)
    if args.real is not None:
        for url in args.real or REAL:
            path, how = clone(url)
            print(f"real repository {url}: {how}" + ("" if path else "; skipped"))
            if path:
                repos.append(path)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": args.runs,
        "repos": [bench_repo(r.resolve(), args.runs) for r in repos],
    }
    if args.profile:
        for r in repos:
            profile(r.resolve())
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nraw figures: {args.json}")
    failed = any(v.startswith("FAIL") for r in report["repos"] for v in r["targets"] + r["checks"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

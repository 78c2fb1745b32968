"""SBOM generation for a ~100-package environment: shipline against
``cyclonedx-py environment``, both producing a schema-validated CycloneDX
1.6 JSON document of the same environment. Whole-process wall time, median
of several runs, and the ratio.

    .venv/bin/python bench/sbom.py [--runs 3]

Set-up (once, under bench/.work/, gitignored): ``env100``, a venv with this
project's locked dependencies (runtime and dev: about 110 distributions),
and ``tools``, a venv with the ``bench`` dependency group (cyclonedx-bom),
both made with uv from uv.lock, never touching .venv.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAIN = HERE.parent
WORK = HERE / ".work"
ENV100 = WORK / "env100"
TOOLS = WORK / "tools"
PYTHON = MAIN / ".venv" / "bin" / "python"


def sh(argv: list[str], **kwargs: object) -> None:
    print("+", " ".join(argv), file=sys.stderr)
    subprocess.run(argv, check=True, cwd=MAIN, **kwargs)  # type: ignore[call-overload]


def setup() -> None:
    WORK.mkdir(exist_ok=True)
    if not (TOOLS / "bin" / "cyclonedx-py").exists():
        sh(
            ["uv", "sync", "--frozen", "--only-group", "bench", "--no-install-project"],
            env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(TOOLS)},
        )
    if not (ENV100 / "bin" / "python").exists():
        reqs = WORK / "env100-reqs.txt"
        with reqs.open("w") as out:
            sh(["uv", "export", "--frozen", "--no-emit-project", "--no-hashes"], stdout=out)
        sh(["uv", "venv", "-q", str(ENV100), "--python", str(PYTHON)])
        sh(
            [
                "uv",
                "pip",
                "install",
                "-q",
                "--python",
                str(ENV100 / "bin" / "python"),
                "-r",
                str(reqs),
            ]
        )


SHIPLINE = """
import sys
from pathlib import Path
from shipline.domain.provenance.sbom import generate
data, name = generate(Path(sys.argv[1]), "bench-env", "0.0.0", "CycloneDX", "1.6",
                      source_date_epoch=0, environment=Path(sys.argv[2]))
Path(sys.argv[3]).write_bytes(data)
"""


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run: the machine is
    shared, so CPU time is the steadier figure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, cwd=MAIN, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup()
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "project"
        empty.mkdir()
        ours_out, theirs_out = Path(tmp) / "shipline.cdx.json", Path(tmp) / "cyclonedx-py.json"
        ours = [PYTHON, "-c", SHIPLINE, empty, ENV100, ours_out]
        theirs = [
            TOOLS / "bin" / "cyclonedx-py",
            "environment",
            ENV100 / "bin" / "python",
            "--spec-version",
            "1.6",
            "-o",
            theirs_out,
        ]
        times: dict[str, list[float]] = {"shipline": [], "cyclonedx-py": []}
        cpu: dict[str, list[float]] = {"shipline": [], "cyclonedx-py": []}
        load = os.getloadavg()[0]
        for _ in range(args.runs):  # interleaved, so machine load hits both alike
            for name, argv in (("shipline", ours), ("cyclonedx-py", theirs)):
                wall, used = timed([str(a) for a in argv])
                times[name].append(wall)
                cpu[name].append(used)
        counts = {
            name: len(json.loads(path.read_text())["components"])
            for name, path in (("shipline", ours_out), ("cyclonedx-py", theirs_out))
        }
    med = {name: statistics.median(values) for name, values in times.items()}
    med_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"load average before the runs: {load:.1f} on {os.cpu_count()} CPUs")
    print(
        f"SBOM of {ENV100.relative_to(MAIN)} (CycloneDX 1.6 JSON, schema-validated), "
        f"median of {args.runs} runs, whole process:"
    )
    for name in ("shipline", "cyclonedx-py"):
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(
            f"  {name:13} wall {med[name]:6.2f} s  cpu {med_cpu[name]:6.2f} s  "
            f"({counts[name]} components; wall runs: {runs})"
        )
    print(
        f"  ratio cyclonedx-py / shipline: wall {med['cyclonedx-py'] / med['shipline']:.1f}x, "
        f"cpu {med_cpu['cyclonedx-py'] / med_cpu['shipline']:.1f}x"
    )
    return 0 if med["shipline"] < med["cyclonedx-py"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

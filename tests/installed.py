"""shipline as users get it: the wheel built from this tree, installed with
plain pip into a fresh ``python -m venv`` without the development group (a
pytest plugin, registered from tests/conftest.py).

- ``shipline_dists``: the sdist and the wheel built from it (``uv build``,
  or ``python -m build`` where uv is missing), once per test run.
- ``installed_shipline``: a venv with that wheel and exactly the
  dependencies its metadata declares: ``pip download`` of the wheel fills a
  wheelhouse (resolved from the wheel's own Requires-Dist, so a dependency
  missing there is missing here), then ``pip install --no-index
  --find-links`` installs from it. Built once per run and shared by the
  xdist workers (a lock file in the run's shared temp folder).

Everything here runs with the environment pytest started with (captured at
import, before the per-test HOME), so pip and uv reuse their caches.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_ENV = dict(os.environ)
"""The environment before any test changed it (real HOME: pip's and uv's caches)."""
PIP_CACHE = Path(
    START_ENV.get("PIP_CACHE_DIR")
    or Path(START_ENV.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip"
)


def _uv() -> str | None:
    """uv, when this machine has it (run with the start environment: a pyenv
    shim finds the real binary through HOME)."""
    return shutil.which("uv", path=START_ENV.get("PATH"))


def run(
    argv: list[str | Path],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run and return; a failure shows the whole output in the assertion."""
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env or START_ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return done


def checked(argv: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = run(argv, **kwargs)  # type: ignore[arg-type]
    assert done.returncode == 0, (
        f"{' '.join(map(str, argv))} exited {done.returncode}\n"
        f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done


@contextmanager
def _once(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder shared by every xdist worker of this run, and whether this
    worker must fill it (the first one to take the lock does)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / name
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / ".done"
        yield folder, not done.exists()
        if folder.is_dir() and not done.exists():
            done.write_text("ok\n")


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path
    version: str


@dataclass(frozen=True)
class Installed:
    """A venv holding shipline from its wheel, and how to run things in it."""

    venv: Path
    wheelhouse: Path
    """The wheel's dependencies (shipline itself is not in it)."""
    version: str

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    @property
    def shipline(self) -> Path:
        return self.bin / "shipline"

    def env(self, **extra: str) -> dict[str, str]:
        """The test's environment with this venv first on PATH and nothing
        of the development venv (no VIRTUAL_ENV, PYTHONPATH or its bin)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
        }
        dev_bin = str(Path(sys.executable).parent)
        path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != dev_bin]
        env["PATH"] = os.pathsep.join([str(self.bin), *path])
        env["PIP_CACHE_DIR"] = str(PIP_CACHE)
        env.update(extra)
        return env


def wheel_version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


@pytest.fixture(scope="session")
def shipline_dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    with _once(tmp_path_factory, "shipline-dists") as (out, build):
        if build:
            out.mkdir(parents=True, exist_ok=True)
            uv = _uv()
            # Both build the sdist first and the wheel from it, as pip would.
            argv: list[str | Path] = (
                [uv, "build", "--quiet", "--out-dir", out, ROOT]
                if uv
                else [sys.executable, "-m", "build", "--outdir", out, ROOT]
            )
            checked(argv, timeout=600)
        [wheel] = sorted(out.glob("shipline-*.whl"))
        [sdist] = sorted(out.glob("shipline-*.tar.gz"))
    return Dists(sdist=sdist, wheel=wheel, version=wheel_version(wheel))


@pytest.fixture(scope="session")
def installed_shipline(
    tmp_path_factory: pytest.TempPathFactory, shipline_dists: Dists
) -> Installed:
    with _once(tmp_path_factory, "shipline-venv") as (root, build):
        venv, wheelhouse = root / "venv", root / "wheelhouse"
        if build:
            root.mkdir(parents=True, exist_ok=True)
            pip = [
                sys.executable,
                "-m",
                "pip",
                "--disable-pip-version-check",
                "--cache-dir",
                PIP_CACHE,
            ]
            checked(
                [*pip, "download", "--quiet", "--dest", wheelhouse, shipline_dists.wheel],
                timeout=900,
            )
            for own in wheelhouse.glob("shipline-*"):
                own.unlink()
            base_python = Path(sys.base_prefix) / "bin" / "python3"
            checked([base_python, "-m", "venv", venv])
            checked(
                [
                    venv / "bin" / "python",
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--isolated",
                    "--no-compile",
                    "--disable-pip-version-check",
                    "--no-index",
                    "--find-links",
                    wheelhouse,
                    shipline_dists.wheel,
                ],
                timeout=900,
            )
            (root / "freeze.json").write_text(
                json.dumps(
                    checked(
                        [venv / "bin" / "python", "-m", "pip", "list", "--format", "json"]
                    ).stdout
                )
            )
    return Installed(venv=venv, wheelhouse=wheelhouse, version=shipline_dists.version)


def wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()

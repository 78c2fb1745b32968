"""How the project runs its own tools: the command gates ``init`` proposes
go through the project's toolchain, found from its lock files and config,
so they run in the project's environment (``uv run pytest``, ``poetry run
pytest``, ``hatch run test``, ``pnpm test``) instead of whatever happens
to be on PATH."""

from __future__ import annotations

import contextlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Runner:
    prefix: str
    """Put before a tool's command: ``uv run ``, ``poetry run `` or empty."""
    why: str
    """What showed it, e.g. ``uv.lock``."""


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def python_runner(root: Path, pyproject: dict[str, Any]) -> Runner:
    if (root / "uv.lock").is_file():
        return Runner("uv run ", "uv.lock")
    if (root / "poetry.lock").is_file():
        return Runner("poetry run ", "poetry.lock")
    if (root / "pdm.lock").is_file():
        return Runner("pdm run ", "pdm.lock")
    if _dig(pyproject, "tool", "hatch", "envs") is not None or (root / "hatch.toml").is_file():
        return Runner("hatch run ", "hatch environments")
    if _dig(pyproject, "tool", "poetry") is not None:
        return Runner("poetry run ", "[tool.poetry]")
    return Runner("", "")


def python_test_command(root: Path, pyproject: dict[str, Any]) -> tuple[str, str]:
    """The project's test command and why: a hatch ``test`` script is the
    project's own word for it; otherwise pytest through the runner."""
    hatch = [(_dig(pyproject, "tool", "hatch"), "pyproject.toml [tool.hatch.envs.{}.scripts]")]
    if (root / "hatch.toml").is_file():
        # a broken hatch.toml is not ours to report: hatch says so when it runs
        with contextlib.suppress(OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            hatch.append(
                (
                    tomllib.loads((root / "hatch.toml").read_text(encoding="utf-8")),
                    "hatch.toml [envs.{}.scripts]",
                )
            )
    for table, where in hatch:
        for env in ("default", "test", "tests"):
            if _dig(table, "envs", env, "scripts", "test") is not None:
                name = "test" if env == "default" else f"{env}:test"
                return f"hatch run {name}", where.format(env) + " test"
    runner = python_runner(root, pyproject)
    return f"{runner.prefix}pytest -q", runner.why


def js_runner(root: Path) -> Runner:
    for lock, tool in (
        ("pnpm-lock.yaml", "pnpm"),
        ("yarn.lock", "yarn"),
        ("bun.lockb", "bun"),
        ("bun.lock", "bun"),
    ):
        if (root / lock).is_file():
            return Runner(tool, lock)
    return Runner("npm", "")

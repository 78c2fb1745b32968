"""Detected gates run through the project's own toolchain (issue 10, part 4):
the lock files and config decide ``uv run``, ``poetry run``, ``pdm run``,
``hatch run test``, ``pnpm``/``yarn``; ``init --yes`` writes them and
``ship`` runs them."""

from __future__ import annotations

import json

import pytest
from conftest import Repo

from shipline.domain.ecosystems.detect import detect

PYPROJECT = '[project]\nname = "demo"\nversion = "1.0.0"\n\n[tool.ruff]\nline-length = 100\n'


@pytest.mark.parametrize(
    ("files", "gates"),
    [
        (
            {"uv.lock": "version = 1\n"},
            [
                ("pytest", "uv run pytest -q", "tests / pytest config, uv.lock"),
                ("ruff", "uv run ruff check .", "ruff config, uv.lock"),
            ],
        ),
        (
            {"poetry.lock": "# poetry\n"},
            [
                ("pytest", "poetry run pytest -q", "tests / pytest config, poetry.lock"),
                ("ruff", "poetry run ruff check .", "ruff config, poetry.lock"),
            ],
        ),
        (
            {"pdm.lock": "# pdm\n"},
            [
                ("pytest", "pdm run pytest -q", "tests / pytest config, pdm.lock"),
                ("ruff", "pdm run ruff check .", "ruff config, pdm.lock"),
            ],
        ),
        (
            {"hatch.toml": '[envs.default]\ndependencies = ["pytest"]\n'},
            [
                ("pytest", "hatch run pytest -q", "tests / pytest config, hatch environments"),
                ("ruff", "hatch run ruff check .", "ruff config, hatch environments"),
            ],
        ),
        (
            {"hatch.toml": '[envs.default.scripts]\ntest = "pytest {args}"\n'},
            [
                (
                    "tests",
                    "hatch run test",
                    "tests / pytest config, hatch.toml [envs.default.scripts] test",
                ),
                ("ruff", "hatch run ruff check .", "ruff config, hatch environments"),
            ],
        ),
        (
            {},
            [
                ("pytest", "pytest -q", "tests / pytest config"),
                ("ruff", "ruff check .", "ruff config"),
            ],
        ),
    ],
)
def test_python_gates_use_the_projects_runner(
    repo: Repo, files: dict[str, str], gates: list[tuple[str, str, str]]
) -> None:
    repo.commit("chore: set up", {"pyproject.toml": PYPROJECT, "tests/test_x.py": "", **files})
    assert [(g.name, g.run, g.source) for g in detect(repo.path).gates] == gates


def test_a_hatch_test_script_is_the_test_gate(repo: Repo) -> None:
    pyproject = PYPROJECT + '\n[tool.hatch.envs.default.scripts]\ntest = "pytest -x"\n'
    repo.commit("chore: set up", {"pyproject.toml": pyproject, "tests/test_x.py": ""})
    gate = detect(repo.path).gates[0]
    assert (gate.name, gate.run, gate.source) == (
        "tests",
        "hatch run test",
        "tests / pytest config, pyproject.toml [tool.hatch.envs.default.scripts] test",
    )


@pytest.mark.parametrize(
    ("lock", "tool"), [("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn"), (None, "npm")]
)
def test_js_gates_use_the_projects_package_manager(repo: Repo, lock: str | None, tool: str) -> None:
    package = {
        "name": "pad",
        "version": "1.0.0",
        "scripts": {"test": "node test.js", "lint": "eslint ."},
    }
    files = {"package.json": json.dumps(package)}
    if lock:
        files[lock] = "\n"
    repo.commit("chore: set up", files)
    assert [g.run for g in detect(repo.path).gates] == [f"{tool} test", f"{tool} run lint"]


def test_ship_runs_the_detected_npm_test_gate(repo: Repo, cli) -> None:
    package = {
        "name": "pad",
        "version": "1.0.0",
        "private": True,
        "scripts": {"test": "node test.js"},
    }
    repo.commit(
        "chore: set up",
        {
            "package.json": json.dumps(package, indent=2) + "\n",
            "test.js": "console.log('pad: 3 tests passed')\n"
            "process.exit(process.env.SHIPLINE_VERSION === '1.1.0' ? 0 : 1)\n",
        },
    )
    repo.tag("v1.0.0", "Release v1.0.0")
    assert cli("-C", repo.path, "init", "--yes").code == 0
    release = json.loads((repo.path / ".shipline" / "config.json").read_text())["release"]
    assert release["gates"] == [{"name": "npm test", "run": "npm test", "timeoutSeconds": 900}]
    repo.git("add", ".shipline/config.json")
    repo.commit("feat: pad on the right too")
    result = cli("-C", repo.path, "--output", "json", "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.out
    gates = [
        e
        for e in result.json_lines()
        if e.get("kind") == "gate_result" and e.get("name") == "npm test"
    ]
    assert gates and gates[-1]["status"] == "passed"
    assert any("pad: 3 tests passed" in e.get("text", "") for e in result.json_lines())

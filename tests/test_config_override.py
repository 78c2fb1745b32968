"""``--config FILE``: a release read from another config (a rehearsal against
a test index) while the committed one and the state dir stay as they are."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Repo


def _commit_config(repo: Repo, release: dict) -> None:
    repo.write(".shipline/config.json", json.dumps({"release": release}))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: configure shipline")


def test_config_file_replaces_the_committed_config(py_repo: Repo, cli, tmp_path: Path) -> None:
    _commit_config(py_repo, {"tagPrefix": "v", "versionBump": ["pyproject.toml"]})
    override = tmp_path / "rehearsal.json"
    override.write_text(
        json.dumps({"release": {"tagPrefix": "release-", "versionBump": ["pyproject.toml"]}})
    )
    before = py_repo.snapshot()
    result = cli(
        "-C", py_repo.path, "--output", "json", "release", "plan", "--no-push", "--config", override
    )
    assert result.code == 0, result.err
    assert result.summary["data"]["plan"]["tag"] == "release-1.3.0"
    committed = cli("-C", py_repo.path, "--output", "json", "release", "plan", "--no-push")
    assert committed.summary["data"]["plan"]["tag"] == "v1.3.0"
    assert py_repo.snapshot() == before


def test_ship_with_config_file_keeps_state_in_the_repository(
    py_repo: Repo, cli, tmp_path: Path
) -> None:
    override = tmp_path / "elsewhere" / "config.json"
    override.parent.mkdir()
    override.write_text(
        json.dumps(
            {"release": {"versionBump": ["pyproject.toml"], "changelog": {"path": "CHANGELOG.md"}}}
        )
    )
    result = cli("-C", py_repo.path, "--config", override, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.out + result.err
    assert py_repo.git("tag", "--list", "v1.3.0") == "v1.3.0"
    assert not (override.parent / "journal.json").exists()
    assert not list(override.parent.iterdir())[1:], "nothing is written beside the override"


def test_missing_config_file_is_90_and_changes_nothing(py_repo: Repo, cli, tmp_path: Path) -> None:
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--config", tmp_path / "nope.json")
    assert result.code == 90 and "no such config file" in result.err
    assert "Traceback" not in result.err
    assert py_repo.snapshot() == before


def test_malformed_config_file_is_90_naming_it(py_repo: Repo, cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"release": {"tagPrefix": "v", "nope": 1}}')
    result = cli("-C", py_repo.path, "release", "plan", "--config", bad)
    assert result.code == 90
    assert str(bad) in result.err and "release.nope: unknown key" in result.err


async def test_the_tui_plans_with_the_config_file(py_repo: Repo, tmp_path: Path) -> None:
    from tui_helpers import SIZE, planned

    from shipline.tui.app import ShiplineApp

    _commit_config(py_repo, {"tagPrefix": "v", "versionBump": ["pyproject.toml"]})
    override = tmp_path / "rehearsal.json"
    override.write_text(
        json.dumps({"release": {"tagPrefix": "release-", "versionBump": ["pyproject.toml"]}})
    )
    app = ShiplineApp(py_repo.path, None, config_file=override)
    async with app.run_test(size=SIZE) as pilot:
        await planned(pilot)
        assert app.planned is not None and app.planned.plan.tag == "release-1.3.0"
        assert app.loaded is not None and app.loaded.path == override.resolve()


def test_init_writes_the_config_file(py_repo: Repo, cli, tmp_path: Path) -> None:
    target = tmp_path / "rehearsal.json"
    result = cli("-C", py_repo.path, "--config", target, "init", "--yes")
    assert result.code == 0, result.err
    assert json.loads(target.read_text())["release"]["versionBump"]
    assert not (py_repo.path / ".shipline" / "config.json").exists()
    again = cli("-C", py_repo.path, "--config", target, "init", "--yes")
    assert again.code == 2 and "already exists" in again.err

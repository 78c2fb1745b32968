"""The CI files shipline ships (``action.yml``, ``ci/gitlab/shipline.yml``)
and the README's complete workflows, validated against the published
schemas that check-jsonschema vendors (``vendor.github-actions``,
``vendor.github-workflows``, ``vendor.gitlab-ci``), offline: in a network
namespace without interfaces where the machine allows one, and with the
proxies pointing at a dead port, so a schema fetched from the network would
fail the run instead of passing quietly. Then what the schemas cannot say: keyless
signing, full history, the ship command with its inputs."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from registries import free_port
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
CHECK = Path(sys.executable).parent / "check-jsonschema"


def load(text: str) -> Any:
    return YAML(typ="safe").load(text)


def dump(data: Any, path: Path) -> None:
    YAML(typ="safe").dump(data, path)


@functools.cache
def _no_network() -> list[str]:
    """``unshare -rn`` (a network namespace with no interfaces) when this
    machine allows it; the dead proxies below stay as the second guard."""
    if (
        shutil.which("unshare")
        and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0
    ):
        return ["unshare", "-rn"]
    return []


def validate(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    dead = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "HTTP_PROXY": dead,
        "HTTPS_PROXY": dead,
        "http_proxy": dead,
        "https_proxy": dead,
        "NO_PROXY": "",
        "no_proxy": "",
    }
    return subprocess.run(
        [*_no_network(), str(CHECK), "--no-cache", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    found = re.search(r"```yaml\n(# " + re.escape(marker) + r"\n.*?)```", text, re.S)
    assert found, f"README has no yaml block starting with '# {marker}'"
    return found.group(1)


@pytest.mark.parametrize(
    ("rel", "schema"),
    [("action.yml", "vendor.github-actions"), ("ci/gitlab/shipline.yml", "vendor.gitlab-ci")],
)
def test_shipped_files_match_their_schema(rel: str, schema: str) -> None:
    done = validate(ROOT / rel, schema)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("marker", "schema"),
    [
        (".github/workflows/release.yml", "vendor.github-workflows"),
        (".gitlab-ci.yml", "vendor.gitlab-ci"),
    ],
)
def test_readme_workflows_match_their_schema(marker: str, schema: str, tmp_path: Path) -> None:
    path = tmp_path / "workflow.yml"
    path.write_text(readme_block(marker))
    done = validate(path, schema)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    broken = load((ROOT / "action.yml").read_text())
    broken["runs"]["using"] = "composite-ish"
    path = tmp_path / "action.yml"
    dump(broken, path)
    assert validate(path, "vendor.github-actions").returncode == 1
    gitlab = load((ROOT / "ci/gitlab/shipline.yml").read_text())
    gitlab["release"] = {"extends": ".shipline-release", "when": "sometimes"}
    dump(gitlab, path)
    assert validate(path, "vendor.gitlab-ci").returncode == 1


def test_action_runs_ship_with_full_history_and_inputs() -> None:
    action = load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"version", "bump", "artifacts", "forge"}
    steps = action["runs"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(s.get("uses", "").startswith("actions/setup-python@") for s in steps)
    ship = next(s for s in steps if s.get("id") == "ship")["run"]
    assert "args=(release ship --yes --output json)" in ship
    for flag in ("--bump", "--no-artifacts", "--no-forge"):
        assert flag in ship
    workflow = load(readme_block(".github/workflows/release.yml"))
    assert workflow["permissions"] == {"contents": "write", "id-token": "write"}


def test_gitlab_template_signs_keyless_with_full_history() -> None:
    template = load((ROOT / "ci/gitlab/shipline.yml").read_text())
    job = template[".shipline-release"]
    assert job["id_tokens"] == {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert "set -- release ship --yes --output json" in job["script"][0]
    pipeline = load(readme_block(".gitlab-ci.yml"))
    assert pipeline["release"]["extends"] == ".shipline-release"


def test_the_ship_flags_the_templates_use_exist() -> None:
    from shipline.domain.cli.parsers import build_parser

    parser = build_parser()
    args = parser.parse_args(
        [
            "release",
            "ship",
            "--yes",
            "--output",
            "json",
            "--bump",
            "minor",
            "--pre",
            "rc",
            "--no-artifacts",
            "--no-forge",
            "1.2.0",
        ]
    )
    assert args.no_forge and args.no_artifacts and args.bump == "minor"

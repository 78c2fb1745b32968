"""``release.forge`` in the config: exactly the issue's names, checked when
the config loads (90 naming the key), defaults per forge."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Repo

from shipline.domain.config_loading import parse_config
from shipline.domain.errors import ShiplineError


def forge(**data: Any) -> Any:
    return parse_config({"release": {"forge": data}}, "config.json").release.forge


def test_defaults_per_forge() -> None:
    gh = forge(type="github", repository="acme/widget")
    assert (gh.api, gh.token_variable, gh.upload_url) == (
        "https://api.github.com",
        "GITHUB_TOKEN",
        None,
    )
    gl = forge(type="gitlab", repository="acme/tools/widget")
    assert (gl.api, gl.token_variable) == ("https://gitlab.com/api/v4", "GITLAB_TOKEN")
    ghe = forge(
        type="github",
        repository="acme/widget",
        apiUrl="https://ghe.example/api/v3/",
        uploadUrl="https://ghe.example/api/uploads",
        tokenEnv="GHE_TOKEN",
    )
    assert (ghe.api, ghe.upload_url, ghe.token_variable) == (
        "https://ghe.example/api/v3",
        "https://ghe.example/api/uploads",
        "GHE_TOKEN",
    )
    assert forge(type="gitlab", repository="1234").repository == "1234"


@pytest.mark.parametrize(
    ("data", "where", "what"),
    [
        ({"type": "bitbucket", "repository": "a/b"}, "release.forge.type", "'github' or 'gitlab'"),
        ({"type": "github"}, "release.forge.repository", "Field required"),
        (
            {"type": "github", "repository": "a/b", "token": "x"},
            "release.forge.token",
            "unknown key",
        ),
        (
            {"type": "github", "repository": "https://github.com/a/b"},
            "release.forge.repository",
            "not a URL",
        ),
        ({"type": "github", "repository": "a/b/c"}, "release.forge", "'owner/name'"),
        (
            {"type": "gitlab", "repository": "a/b", "uploadUrl": "https://x.example"},
            "release.forge",
            "GitHub only",
        ),
        (
            {"type": "github", "repository": "a/b", "apiUrl": "ftp://x"},
            "release.forge.apiUrl",
            "http(s) URL",
        ),
        (
            {"type": "github", "repository": "a/b", "apiUrl": "https://u:p@x.example"},
            "release.forge.apiUrl",
            "credentials",
        ),
        (
            {"type": "github", "repository": "a/b", "tokenEnv": "ghp_abc-def"},
            "release.forge.tokenEnv",
            "NAME of an environment variable",
        ),
    ],
)
def test_invalid_forge_is_90_with_its_path(data: dict[str, Any], where: str, what: str) -> None:
    with pytest.raises(ShiplineError) as failed:
        forge(**data)
    assert failed.value.code == 90
    assert f"config.json: {where}:" in failed.value.message
    assert what in failed.value.message
    assert "ghp_abc-def" not in failed.value.message or "tokenEnv" in where


def test_the_cli_refuses_it_at_load(py_repo: Repo, cli: Any) -> None:
    state = py_repo.path / ".shipline"
    state.mkdir()
    (state / "config.json").write_text(
        json.dumps(
            {
                "release": {
                    "forge": {
                        "type": "github",
                        "repository": "acme/widget",
                        "apiURL": "https://x.example",
                    }
                }
            }
        )
    )
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "plan", "--output", "json")
    assert result.code == 90
    assert "release.forge.apiURL: unknown key" in result.out + result.err
    assert py_repo.snapshot() == before

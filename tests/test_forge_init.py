"""``shipline init`` fills ``release.forge`` from the push remote's URL and
the CI environment; ``--forge`` overrides or turns it off."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Repo

from shipline.domain.ecosystems.forge_remote import detect_forge


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:acme/widget.git", {"type": "github", "repository": "acme/widget"}),
        ("https://github.com/acme/widget", {"type": "github", "repository": "acme/widget"}),
        ("ssh://git@github.com/acme/widget.git", {"type": "github", "repository": "acme/widget"}),
        (
            "https://github.example.org/acme/widget.git",
            {
                "type": "github",
                "repository": "acme/widget",
                "apiUrl": "https://github.example.org/api/v3",
            },
        ),
        (
            "git@gitlab.com:acme/tools/widget.git",
            {"type": "gitlab", "repository": "acme/tools/widget"},
        ),
        (
            "https://gitlab.example.org/acme/widget.git",
            {
                "type": "gitlab",
                "repository": "acme/widget",
                "apiUrl": "https://gitlab.example.org/api/v4",
            },
        ),
    ],
)
def test_the_remote_url_names_the_forge(url: str, expected: dict[str, Any]) -> None:
    found = detect_forge(url, {})
    assert found is not None
    assert {k: v for k, v in found.items() if k != "tokenEnv"} == expected
    assert found["tokenEnv"] == ("GITHUB_TOKEN" if expected["type"] == "github" else "GITLAB_TOKEN")


@pytest.mark.parametrize(
    "url",
    [
        None,
        "/srv/git/widget.git",
        "file:///srv/widget.git",
        "https://git.example.org/acme/widget.git",
        "https://github.com/acme",
    ],
)
def test_no_forge_from_other_remotes(url: str | None) -> None:
    assert detect_forge(url, {}) is None


def test_the_ci_environment_names_enterprise_and_self_managed() -> None:
    gh = detect_forge(
        "/srv/x.git",
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "acme/w",
            "GITHUB_API_URL": "https://ghe.example/api/v3",
        },
    )
    assert gh == {
        "type": "github",
        "repository": "acme/w",
        "apiUrl": "https://ghe.example/api/v3",
        "tokenEnv": "GITHUB_TOKEN",
    }
    public = detect_forge(
        None,
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "acme/w",
            "GITHUB_API_URL": "https://api.github.com",
        },
    )
    assert public is not None and "apiUrl" not in public
    gl = detect_forge(
        None,
        {
            "GITLAB_CI": "true",
            "CI_PROJECT_PATH": "grp/sub/w",
            "CI_API_V4_URL": "https://git.corp.example/api/v4",
        },
    )
    assert gl == {
        "type": "gitlab",
        "repository": "grp/sub/w",
        "apiUrl": "https://git.corp.example/api/v4",
        "tokenEnv": "GITLAB_TOKEN",
    }


def _init(py_repo: Repo, cli: Any, *flags: str) -> Any:
    return cli("-C", py_repo.path, "--output", "json", "init", "--yes", *flags)


def _config(py_repo: Repo) -> dict[str, Any]:
    return json.loads((py_repo.path / ".shipline" / "config.json").read_text())["release"]


def test_init_writes_the_forge_of_the_remote(py_repo: Repo, cli: Any) -> None:
    py_repo.git("remote", "add", "origin", "git@github.com:acme/widget.git")
    result = _init(py_repo, cli)
    assert result.code == 0, result.out + result.err
    assert _config(py_repo)["forge"] == {
        "type": "github",
        "repository": "acme/widget",
        "tokenEnv": "GITHUB_TOKEN",
    }
    assert "forge: a github release of acme/widget" in result.out


def test_init_in_gitlab_ci(py_repo: Repo, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PROJECT_PATH", "grp/widget")
    monkeypatch.setenv("CI_API_V4_URL", "https://git.corp.example/api/v4")
    assert _init(py_repo, cli).code == 0
    assert _config(py_repo)["forge"] == {
        "type": "gitlab",
        "repository": "grp/widget",
        "apiUrl": "https://git.corp.example/api/v4",
        "tokenEnv": "GITLAB_TOKEN",
    }


def test_init_forge_flag(py_repo: Repo, cli: Any) -> None:
    py_repo.git("remote", "add", "origin", "git@github.com:acme/widget.git")
    assert _init(py_repo, cli, "--forge", "none").code == 0
    assert "forge" not in _config(py_repo)
    assert _init(py_repo, cli, "--force", "--forge", "gitlab:grp/w").code == 0
    assert _config(py_repo)["forge"] == {
        "type": "gitlab",
        "repository": "grp/w",
        "tokenEnv": "GITLAB_TOKEN",
    }


@pytest.mark.parametrize("spec", ["bitbucket:acme/w", "gitlab", "github:https://github.com/a/b"])
def test_init_bad_forge_flag_writes_nothing(py_repo: Repo, cli: Any, spec: str) -> None:
    before = py_repo.snapshot()
    result = _init(py_repo, cli, "--forge", spec)
    assert result.code in (2, 90), result.out + result.err
    assert py_repo.snapshot() == before

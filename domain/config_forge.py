"""The ``release.forge`` section of the config: the GitHub or GitLab
project a release is published to after the push. Only the *name* of the
token variable lives in the config, never a token; URLs carrying
credentials are refused at load."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from shipline.domain.config_checks import StrictModel

FORGE_API_DEFAULTS = {"github": "https://api.github.com", "gitlab": "https://gitlab.com/api/v4"}
FORGE_TOKEN_DEFAULTS = {"github": "GITHUB_TOKEN", "gitlab": "GITLAB_TOKEN"}


class ForgeConfig(StrictModel):
    """``release.forge``: where the release is published after the push (a
    GitHub or GitLab release with the changelog entry and the files). Only
    the *name* of the token variable is here, never a token."""

    type: Literal["github", "gitlab"]
    repository: str = Field(min_length=1)
    """GitHub ``owner/name``; GitLab the project path (``group/sub/name``) or
    its numeric id."""
    api_url: str | None = Field(default=None, alias="apiUrl")
    """Defaults to the public service; set it for GitHub Enterprise or a
    self-managed GitLab."""
    upload_url: str | None = Field(default=None, alias="uploadUrl")
    """GitHub only: where assets go; defaults to the ``upload_url`` the
    release create call returns."""
    token_env: str | None = Field(default=None, alias="tokenEnv")
    """Defaults to ``GITHUB_TOKEN`` / ``GITLAB_TOKEN``; ``CI_JOB_TOKEN`` is sent
    as GitLab's ``JOB-TOKEN`` header."""

    @field_validator("repository")
    @classmethod
    def _repository_shape(cls, value: str) -> str:
        if (
            value != value.strip()
            or "://" in value
            or value.startswith("/")
            or value.endswith("/")
            or "//" in value
        ):
            raise ValueError(
                "repository is 'owner/name' (GitLab: the project path or id), not a URL"
            )
        return value

    @field_validator("api_url", "upload_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials: name the variable in tokenEnv")
        return value.rstrip("/")

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(
                "tokenEnv is the NAME of an environment variable (e.g. GITHUB_TOKEN), not a token"
            )
        return value

    @model_validator(mode="after")
    def _github_only_upload(self) -> ForgeConfig:
        if self.upload_url is not None and self.type != "github":
            raise ValueError("uploadUrl is for GitHub only (GitLab uploads through apiUrl)")
        if (
            self.type == "github"
            and not self.repository.isdigit()
            and self.repository.count("/") != 1
        ):
            raise ValueError("a GitHub repository is 'owner/name'")
        return self

    @property
    def api(self) -> str:
        return self.api_url or FORGE_API_DEFAULTS[self.type]

    @property
    def token_variable(self) -> str:
        return self.token_env or FORGE_TOKEN_DEFAULTS[self.type]

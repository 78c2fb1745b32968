"""Which forge a repository releases on, for ``shipline init``: from the
push remote's URL (``git@github.com:owner/name.git``,
``https://gitlab.example.org/group/sub/name.git``...) and, in CI, from the
job's own variables (``GITHUB_REPOSITORY``/``GITHUB_API_URL``,
``CI_PROJECT_PATH``/``CI_API_V4_URL``), which also name a GitHub
Enterprise or self-managed GitLab that the host name alone does not."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from shipline.domain.config_forge import FORGE_API_DEFAULTS

_SCP = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>[^/].*)$")


def remote_host_path(url: str) -> tuple[str, str] | None:
    """``(host, path)`` of a git remote URL (https, ssh or scp-like);
    ``None`` for a local path."""
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme == "file" or not parts.hostname:
            return None
        return parts.hostname.lower(), parts.path.strip("/").removesuffix(".git")
    found = _SCP.match(url)
    if found and "/" not in found.group("host"):
        return found.group("host").lower(), found.group("path").strip("/").removesuffix(".git")
    return None


def detect_forge(remote_url: str | None, env: Mapping[str, str]) -> dict[str, Any] | None:
    """A ``release.forge`` entry, or ``None`` when neither the remote nor
    the CI environment names a GitHub or GitLab repository."""
    if env.get("GITHUB_ACTIONS") == "true" and env.get("GITHUB_REPOSITORY"):
        entry: dict[str, Any] = {"type": "github", "repository": env["GITHUB_REPOSITORY"]}
        api = (env.get("GITHUB_API_URL") or "").rstrip("/")
        if api and api != FORGE_API_DEFAULTS["github"]:
            entry["apiUrl"] = api
        entry["tokenEnv"] = "GITHUB_TOKEN"
        return entry
    if env.get("GITLAB_CI") == "true" and env.get("CI_PROJECT_PATH"):
        entry = {"type": "gitlab", "repository": env["CI_PROJECT_PATH"]}
        api = (env.get("CI_API_V4_URL") or "").rstrip("/")
        if api and api != FORGE_API_DEFAULTS["gitlab"]:
            entry["apiUrl"] = api
        entry["tokenEnv"] = "GITLAB_TOKEN"
        return entry
    where = remote_host_path(remote_url) if remote_url else None
    if where is None or "/" not in where[1]:
        return None
    host, path = where
    if host == "github.com" or (host.startswith("github.") or ".github." in host):
        if path.count("/") != 1:
            return None
        entry = {"type": "github", "repository": path}
        if host != "github.com":
            entry["apiUrl"] = f"https://{host}/api/v3"
        entry["tokenEnv"] = "GITHUB_TOKEN"
        return entry
    if host == "gitlab.com" or host.startswith("gitlab.") or ".gitlab." in host:
        entry = {"type": "gitlab", "repository": path}
        if host != "gitlab.com":
            entry["apiUrl"] = f"https://{host}/api/v4"
        entry["tokenEnv"] = "GITLAB_TOKEN"
        return entry
    return None

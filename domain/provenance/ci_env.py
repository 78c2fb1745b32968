"""Where is this build running? The CI platform, its builder identity and
invocation id, hosted or self-hosted runner, whether an OIDC identity is
available, and the repository's visibility when the platform says so.

:func:`detect` is a pure function of an environment mapping (plus the host
name and a uuid for local builds), so tests pass a dict and the pipeline
passes ``os.environ``. The builder ids follow each platform's own
convention where one exists, and always say whether the runner is hosted,
because the SLSA decision tree (:mod:`shipline.domain.provenance.levels`) reads hosted-ness from
the shape of ``builder.id``:

- GitHub Actions: ``https://github.com/actions/runner/github-hosted`` or
  ``.../self-hosted`` (GitHub's ``RUNNER_ENVIRONMENT``; the ids GitHub's own
  build type uses); invocation
  ``<server>/<owner>/<repo>/actions/runs/<run id>/attempts/<attempt>``.
  OIDC: ``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``..._TOKEN`` are set only when
  the job has ``permissions: id-token: write``.
- GitLab CI: ``<server>/<project>/-/runners/<runner id>`` (GitLab's runner
  provenance id) with ``#gitlab-hosted`` or ``#self-hosted``: hosted means a
  gitlab.com SaaS runner (a ``saas-`` tag or a ``runners-manager.gitlab.com``
  description); invocation ``CI_JOB_URL``. OIDC: ``SIGSTORE_ID_TOKEN`` (an
  ``id_tokens:`` block with ``aud: sigstore``). Visibility:
  ``CI_PROJECT_VISIBILITY``.
- CircleCI: ``https://circleci.com/runner/cloud`` or ``.../self-hosted``.
  CircleCI exposes no variable that tells a self-hosted runner apart, so its
  runner counts as hosted unless ``SHIPLINE_RUNNER=self-hosted`` says
  otherwise (the reason says so). Invocation ``CIRCLE_BUILD_URL``; OIDC:
  ``CIRCLE_OIDC_TOKEN_V2`` / ``CIRCLE_OIDC_TOKEN``.
- Anywhere else: ``https://shipline.dev/local/<hostname>`` and a fresh uuid4.

``SHIPLINE_RUNNER=self-hosted`` marks any CI runner as self-hosted (an
operator's statement; it can only lower what is claimed, never raise it).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

GITHUB_HOSTED = "https://github.com/actions/runner/github-hosted"
GITHUB_SELF_HOSTED = "https://github.com/actions/runner/self-hosted"
CIRCLECI_HOSTED = "https://circleci.com/runner/cloud"
CIRCLECI_SELF_HOSTED = "https://circleci.com/runner/self-hosted"
LOCAL_PREFIX = "https://shipline.dev/local/"
GITLAB_HOSTED_FRAGMENT = "#gitlab-hosted"
GITLAB_SELF_HOSTED_FRAGMENT = "#self-hosted"


@dataclass(frozen=True)
class CiEnvironment:
    """The build's surroundings, as far as the environment tells."""

    platform: str
    """``github-actions``, ``gitlab-ci``, ``circleci`` or ``local``."""
    builder_id: str
    invocation_id: str
    hosted: bool
    """A runner the CI platform operates afresh for each job."""
    oidc_available: bool
    """An OIDC identity token can be had for keyless signing."""
    repository: str | None = None
    """``owner/name`` (or the project path) when known."""
    repository_visibility: str | None = None
    """``public``, ``private``, ``internal`` or ``None`` when unknown."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Plain-words remarks on how the facts above were decided."""

    @property
    def is_ci(self) -> bool:
        return self.platform != "local"

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "builderId": self.builder_id,
            "invocationId": self.invocation_id,
            "hosted": self.hosted,
            "oidcAvailable": self.oidc_available,
            "repository": self.repository,
            "repositoryVisibility": self.repository_visibility,
            "notes": list(self.notes),
        }


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def _visibility(value: Any) -> str | None:
    text = str(value).strip().lower() if value is not None else ""
    return text if text in ("public", "private", "internal") else None


def _self_hosted_override(env: Mapping[str, str]) -> bool:
    return env.get("SHIPLINE_RUNNER", "").strip().lower() == "self-hosted"


def detect(
    env: Mapping[str, str],
    *,
    event: Mapping[str, Any] | None = None,
    hostname: str | None = None,
    new_uuid: Callable[[], str] | None = None,
) -> CiEnvironment:
    """The CI environment described by ``env``.

    ``event`` is GitHub's event payload (see :func:`github_event`), the only
    place GitHub states the repository's visibility. ``hostname`` and
    ``new_uuid`` default to this machine's name and :func:`uuid.uuid4`.
    """
    if _true(env.get("GITHUB_ACTIONS")):
        return _github(env, event)
    if _true(env.get("GITLAB_CI")):
        return _gitlab(env)
    if _true(env.get("CIRCLECI")):
        return _circleci(env)
    host = hostname if hostname is not None else socket.gethostname()
    make = new_uuid or (lambda: str(uuid.uuid4()))
    return CiEnvironment(
        platform="local",
        builder_id=LOCAL_PREFIX + (quote(host, safe="") or "unknown-host"),
        invocation_id=make(),
        hosted=False,
        oidc_available=bool(env.get("SIGSTORE_ID_TOKEN")),
        notes=("not running in a known CI platform: a local build",),
    )


def _github(env: Mapping[str, str], event: Mapping[str, Any] | None) -> CiEnvironment:
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repo = env.get("GITHUB_REPOSITORY") or None
    run_id = env.get("GITHUB_RUN_ID", "")
    attempt = env.get("GITHUB_RUN_ATTEMPT", "1") or "1"
    invocation = (
        f"{server}/{repo}/actions/runs/{run_id}/attempts/{attempt}"
        if repo and run_id
        else f"github-actions-{run_id or uuid.uuid4()}"
    )
    runner_env = env.get("RUNNER_ENVIRONMENT", "").strip().lower()
    notes: list[str] = []
    hosted = runner_env == "github-hosted" and not _self_hosted_override(env)
    if runner_env == "self-hosted" or _self_hosted_override(env):
        notes.append("the job runs on a self-hosted runner")
    elif runner_env != "github-hosted":
        notes.append(
            "RUNNER_ENVIRONMENT is not set: the runner cannot be shown to be "
            "GitHub-hosted, so it counts as self-hosted"
        )
    oidc = bool(
        env.get("ACTIONS_ID_TOKEN_REQUEST_URL") and env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    ) or bool(env.get("SIGSTORE_ID_TOKEN"))
    visibility = None
    if event is not None:
        repository = event.get("repository")
        if isinstance(repository, Mapping):
            visibility = _visibility(repository.get("visibility"))
            if visibility is None and isinstance(repository.get("private"), bool):
                visibility = "private" if repository["private"] else "public"
    return CiEnvironment(
        platform="github-actions",
        builder_id=GITHUB_HOSTED if hosted else GITHUB_SELF_HOSTED,
        invocation_id=invocation,
        hosted=hosted,
        oidc_available=oidc,
        repository=repo,
        repository_visibility=visibility,
        notes=tuple(notes),
    )


def _gitlab(env: Mapping[str, str]) -> CiEnvironment:
    server = env.get("CI_SERVER_URL", "https://gitlab.com").rstrip("/")
    project = env.get("CI_PROJECT_PATH") or None
    runner_id = env.get("CI_RUNNER_ID", "unknown")
    tags = [t.strip().strip('"[]') for t in env.get("CI_RUNNER_TAGS", "").split(",")]
    description = env.get("CI_RUNNER_DESCRIPTION", "")
    on_saas = env.get("CI_SERVER_HOST", "") == "gitlab.com" or server == "https://gitlab.com"
    saas_runner = (
        any(t.startswith("saas-") for t in tags) or "runners-manager.gitlab.com" in description
    )
    hosted = on_saas and saas_runner and not _self_hosted_override(env)
    notes = (
        []
        if hosted
        else ["the job runs on a self-hosted GitLab runner (not a GitLab.com hosted runner)"]
    )
    base = f"{server}/{project}" if project else server
    base = f"{base}/-/runners/{runner_id}"
    builder = base + (GITLAB_HOSTED_FRAGMENT if hosted else GITLAB_SELF_HOSTED_FRAGMENT)
    invocation = env.get("CI_JOB_URL") or f"gitlab-job-{env.get('CI_JOB_ID') or uuid.uuid4()}"
    return CiEnvironment(
        platform="gitlab-ci",
        builder_id=builder,
        invocation_id=invocation,
        hosted=hosted,
        oidc_available=bool(env.get("SIGSTORE_ID_TOKEN")),
        repository=project,
        repository_visibility=_visibility(env.get("CI_PROJECT_VISIBILITY")),
        notes=tuple(notes),
    )


def _circleci(env: Mapping[str, str]) -> CiEnvironment:
    hosted = not _self_hosted_override(env)
    notes = (
        [
            "CircleCI does not say whether a runner is self-hosted: counted as CircleCI cloud "
            "(set SHIPLINE_RUNNER=self-hosted on a self-hosted runner)"
        ]
        if hosted
        else ["the job runs on a self-hosted CircleCI runner"]
    )
    user, name = env.get("CIRCLE_PROJECT_USERNAME"), env.get("CIRCLE_PROJECT_REPONAME")
    job = env.get("CIRCLE_WORKFLOW_JOB_ID") or env.get("CIRCLE_BUILD_NUM") or uuid.uuid4()
    invocation = env.get("CIRCLE_BUILD_URL") or f"circleci-{job}"
    return CiEnvironment(
        platform="circleci",
        builder_id=CIRCLECI_HOSTED if hosted else CIRCLECI_SELF_HOSTED,
        invocation_id=invocation,
        hosted=hosted,
        oidc_available=bool(
            env.get("CIRCLE_OIDC_TOKEN_V2")
            or env.get("CIRCLE_OIDC_TOKEN")
            or env.get("SIGSTORE_ID_TOKEN")
        ),
        repository=f"{user}/{name}" if user and name else None,
        notes=tuple(notes),
    )


def is_hosted_builder_id(builder_id: str) -> bool:
    """Whether ``builder.id`` has the shape of a hosted CI runner's identity
    (the question the SLSA decision tree asks of it)."""
    if builder_id in (GITHUB_HOSTED, CIRCLECI_HOSTED):
        return True
    return (
        builder_id.startswith("https://")
        and "/-/runners/" in builder_id
        and builder_id.endswith(GITLAB_HOSTED_FRAGMENT)
    )


def github_event(env: Mapping[str, str]) -> dict[str, Any] | None:
    """GitHub's event payload (``GITHUB_EVENT_PATH``), or ``None`` when it is
    absent or unreadable; it only ever adds the repository's visibility."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    from shipline.domain.jsonio import StrictJSONError, read_strict

    try:
        data = read_strict(Path(path))
    except (OSError, StrictJSONError):
        return None
    return data if isinstance(data, dict) else None

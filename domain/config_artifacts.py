"""An artifact entry of the config: ``release.artifacts`` and each
workspace package's ``artifacts`` (``release.workspace.packages[]``), one
shape for both. Registry URLs and options never carry a secret (only the
name of the variable that holds it)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from shipline.domain import config_checks as rules
from shipline.domain.config_checks import StrictModel


class ArtifactConfig(StrictModel):
    """One entry of ``release.artifacts``. ``type`` stays a string here so an
    unknown type is reported by the handler registry (exit 85)."""

    type: str
    name: str | None = None
    path: str = "."
    registry: str | None = None
    credentials_env: str | None = Field(default=None, alias="credentialsEnv")
    enabled: bool = True
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("registry")
    @classmethod
    def _no_secret_in_registry(cls, value: str | None) -> str | None:
        problem = rules.url_secret_problem(value) if value else None
        if problem:
            raise ValueError(problem + "; name the variable that holds it in credentialsEnv")
        return value

    @field_validator("options")
    @classmethod
    def _no_secret_in_options(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, item in value.items():
            if isinstance(item, str) and "://" in item and rules.url_secret_problem(item):
                raise ValueError(f"options.{key}: {rules.url_secret_problem(item)}")
        return value


def unique_artifact_names(value: list[ArtifactConfig]) -> list[ArtifactConfig]:
    """The journal and the ledger key on an artifact's name: one list never
    names two alike."""
    seen: set[str] = set()
    for artifact in value:
        name = artifact.name or artifact.type
        if name in seen:
            raise ValueError(f"two artifacts are named '{name}': give each a unique name")
        seen.add(name)
    return value

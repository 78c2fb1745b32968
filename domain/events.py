"""Typed events: the one stream that the TUI, the rich renderer and the
JSON-lines renderer all consume, and that the journal records.

Every event is a frozen pydantic model with a ``kind`` discriminator, so
``Event`` can be parsed back from its JSON form with a ``TypeAdapter(Event)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

StepName = str
"""A pipeline step's name: plan, version, changelog, gates, commit, tag,
artifacts, provenance, publish, push, record."""

LinkName = Literal["commit", "build", "artifact", "attestation", "registry", "forge"]
LinkStatus = Literal["pending", "running", "ok", "failed", "skipped"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class StepStarted(_Event):
    kind: Literal["step_started"] = "step_started"
    step: StepName
    title: str


class StepProgress(_Event):
    kind: Literal["step_progress"] = "step_progress"
    step: StepName
    detail: str
    done: int | None = None
    total: int | None = None
    artifact: str = ""
    """The artifact this progress is about ("" for the step as a whole)."""
    action: str = ""
    """What is happening to it: building, built, uploading, uploaded."""
    package: str = ""
    """The workspace package the artifact belongs to in a release train ("" for a
    single release): two packages may each have an artifact of one name."""


class StepFinished(_Event):
    kind: Literal["step_finished"] = "step_finished"
    step: StepName
    status: Literal["ok", "skipped", "failed", "planned"]
    detail: str = ""


class LogLine(_Event):
    kind: Literal["log"] = "log"
    step: StepName
    text: str
    source: str = ""
    stream: Literal["stdout", "stderr", "info"] = "info"


class FileChange(_Event):
    """One line of one file, before and after (plans and real runs)."""

    kind: Literal["file_change"] = "file_change"
    path: str
    line: int
    before: str
    after: str


class GitCommand(_Event):
    """A git command that a real run executes (or, in a plan, would)."""

    kind: Literal["git_command"] = "git_command"
    argv: list[str]
    planned: bool = False


class GateResult(_Event):
    kind: Literal["gate_result"] = "gate_result"
    name: str
    status: Literal["running", "passed", "failed", "planned", "skipped"]
    detail: str = ""
    duration: float | None = None


class ChainLink(_Event):
    kind: Literal["chain_link"] = "chain_link"
    link: LinkName
    status: LinkStatus
    name: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)
    package: str = ""
    """The workspace package this link belongs to in a release train ("" for
    a single release): the TUI's Chain screen groups the links by it."""


class PackagePlanned(_Event):
    """One package of a workspace in a release plan (monorepos)."""

    kind: Literal["package_planned"] = "package_planned"
    name: str
    path: str
    last_tag: str | None
    commits: int
    version: str | None
    """The next version; ``None`` when the package is not released."""
    tag: str | None
    bump: str | None
    release: bool
    private: bool = False
    group: str | None = None
    reasons: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Confirmation:
    """A question the pipeline asks before an irreversible step (the
    ``confirm`` hook answers it): the CLI prints ``question``, the TUI
    shows it in a modal whose go-on button says ``yes``."""

    step: StepName
    """The step that waits for the answer: publish or push."""
    question: str
    yes: str
    """The label of the answer that goes on, e.g. Publish or Push."""


class ErrorEvent(_Event):
    kind: Literal["error"] = "error"
    code: int
    message: str
    hint: str | None = None
    step: StepName | None = None


class Summary(_Event):
    """Always the last event of a command's stream."""

    kind: Literal["summary"] = "summary"
    command: str
    ok: bool
    exit_code: int
    data: dict[str, Any] = Field(default_factory=dict)


Event = Annotated[
    StepStarted
    | StepProgress
    | StepFinished
    | LogLine
    | FileChange
    | GitCommand
    | GateResult
    | ChainLink
    | PackagePlanned
    | ErrorEvent
    | Summary,
    Field(discriminator="kind"),
]

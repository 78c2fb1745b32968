"""What the screens show about a release run, folded from the event stream.

``RunState.apply`` is the one place events become view state: every screen
renders from this object, so a screen that was not on display while events
arrived shows the same thing as one that was. It holds no release rules:
it only remembers what the domain said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # events are told apart by their ``kind``: no import at start-up
    from shipline.domain.api import ErrorEvent, FileChange, LogLine, StepProgress, Summary

LINKS = ("commit", "build", "artifact", "attestation", "registry", "forge")
"""The provenance chain, in the order it is drawn."""

MAX_LOG = 2000
"""Lines kept per gate log (the oldest go first)."""


@dataclass
class StepView:
    name: str
    title: str = ""
    status: str = "pending"
    """pending, running, ok, skipped, failed or planned."""
    detail: str = ""


@dataclass
class GateView:
    name: str
    status: str = "planned"
    detail: str = ""
    duration: float | None = None
    log: list[str] = field(default_factory=list)


@dataclass
class LinkView:
    link: str
    status: str = "pending"
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    """name (artifact, or "" for the release) → the link's latest detail."""


@dataclass
class PackageView:
    """One package of a release train: its own chain, and the latest other
    event that named it (events carry the package as a typed field)."""

    name: str
    links: dict[str, LinkView] = field(default_factory=lambda: {n: LinkView(n) for n in LINKS})
    last: str = ""


@dataclass
class Transfer:
    """One artifact's build or upload progress."""

    artifact: str
    phase: str
    done: int = 0
    total: int | None = None
    detail: str = ""


@dataclass
class RunState:
    steps: dict[str, StepView] = field(default_factory=dict)
    gates: dict[str, GateView] = field(default_factory=dict)
    links: dict[str, LinkView] = field(default_factory=lambda: {n: LinkView(n) for n in LINKS})
    transfers: dict[tuple[str, str], Transfer] = field(default_factory=dict)
    files: list[FileChange] = field(default_factory=list)
    git_commands: list[list[str]] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)
    error: ErrorEvent | None = None
    summary: Summary | None = None
    current_step: str | None = None
    events: int = 0
    packages: dict[str, PackageView] = field(default_factory=dict)
    """A release train's packages, as their events arrive (empty for one release)."""

    @property
    def finished(self) -> bool:
        return self.summary is not None

    def step_status(self, name: str) -> str:
        step = self.steps.get(name)
        return step.status if step else "pending"

    def apply(self, event: Any) -> None:
        """Fold one domain event into the state (its text made visible first:
        commit subjects and tool output may carry terminal escapes)."""
        from shipline.domain.api import visible_data

        event = visible_data(event)
        self.events += 1
        kind = event.kind
        if kind == "step_started":
            self.steps[event.step] = StepView(event.step, event.title, "running")
            self.current_step = event.step
        elif kind == "step_finished":
            step = self.steps.setdefault(event.step, StepView(event.step))
            step.status, step.detail = event.status, event.detail
            if self.current_step == event.step:
                self.current_step = None
        elif kind == "step_progress":
            self._progress(event)
        elif kind == "gate_result":
            gate = self.gates.setdefault(event.name, GateView(event.name))
            gate.status, gate.detail = event.status, event.detail or gate.detail
            if event.duration is not None:
                gate.duration = event.duration
        elif kind == "log":
            self._log(event)
        elif kind == "chain_link":  # a train's: named with its package (two may share a name)
            _link(self.links, event, f"{event.package} {event.name}" if event.package else None)
        elif kind == "file_change":
            self.files.append(event)
        elif kind == "git_command":
            self.git_commands.append(list(event.argv))
        elif kind == "error":
            self.error = event
        elif kind == "summary":
            self.summary = event
        package = getattr(event, "package", None)
        if package:  # a train's event about one package, whatever its kind
            view = self.packages.setdefault(package, PackageView(package))
            if kind == "chain_link":
                _link(view.links, event)
            else:
                view.last = _said(event)

    def _log(self, event: LogLine) -> None:
        gate = self.gates.get(event.source) if event.source else None
        if gate is None and event.step == "gates":
            running = [g for g in self.gates.values() if g.status == "running"]
            gate = running[-1] if running else None
        if gate is not None:
            gate.log.extend(event.text.splitlines() or [""])
            del gate.log[:-MAX_LOG]
        else:
            self.log.append(event)

    def _progress(self, event: StepProgress) -> None:
        if event.done is None or not event.artifact:
            return  # progress of the step as a whole: no bar
        name = f"{event.package} {event.artifact}" if event.package else event.artifact
        key = (name, event.step)  # a train's: named with its package (two may share a name)
        transfer = self.transfers.setdefault(key, Transfer(name, event.step))
        transfer.done, transfer.total, transfer.detail = event.done, event.total, event.action


def _link(links: dict[str, LinkView], event: Any, key: str | None = None) -> None:
    view = links.setdefault(event.link, LinkView(event.link))
    view.entries[event.name if key is None else key] = {"status": event.status, **event.detail}
    view.status = _combined([e["status"] for e in view.entries.values()])


def _said(event: Any) -> str:
    """One line for an event, from its typed fields."""
    kind = event.kind
    if kind == "step_progress":
        count = f" {event.done}/{event.total}" if event.done is not None and event.total else ""
        return f"{event.step}: {event.action or event.detail}{count}"
    if kind in ("step_started", "step_finished"):
        return f"{event.step}: {getattr(event, 'status', 'running')}"
    if kind == "gate_result":
        return f"{event.name}: {event.status}"
    if kind == "log":
        return (event.text.splitlines() or [""])[-1]
    if kind == "error":
        return f"error {event.code}: {event.message}"
    return kind.replace("_", " ")


def _combined(statuses: list[str]) -> str:
    """A link with several artifacts is as good as its worst entry."""
    for status in ("failed", "running", "pending", "ok"):
        if status in statuses:
            return status
    return statuses[0] if statuses else "pending"

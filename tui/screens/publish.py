"""Publish: each artifact's build and upload as progress bars with bytes
and speed, then the push. Both are irreversible: the push asks first and
names what it does."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, ProgressBar, Static

from shipline.tui.screens.base import StepScreen
from shipline.tui.state import Transfer


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


class TransferRow(Horizontal):
    """One artifact phase: name, bar, bytes and speed."""

    DEFAULT_CSS = """
    TransferRow { height: 1; padding: 0 1; }
    TransferRow Label { width: 27; text-wrap: nowrap; text-overflow: ellipsis; }
    TransferRow ProgressBar { width: 24; }
    TransferRow .rate { width: 1fr; color: $text-muted; text-wrap: nowrap; }
    """
    PHASE_NAMES: ClassVar[dict[str, str]] = {"artifacts": "build", "publish": "upload"}

    def __init__(self, key: str) -> None:
        super().__init__(id=key)
        self.started = time.monotonic()
        self.finished: float | None = None

    def compose(self) -> ComposeResult:
        yield Label()
        yield ProgressBar(show_eta=False)
        yield Static(classes="rate")

    shown: Transfer | None = None

    def on_mount(self) -> None:
        if self.shown is not None:
            self.show(self.shown)

    def show(self, transfer: Transfer) -> None:
        self.shown = transfer
        if not self.query(Label):
            return  # not composed yet: on_mount shows it
        phase = self.PHASE_NAMES.get(transfer.phase, transfer.phase)
        self.query_one(Label).update(f"{transfer.artifact} · {phase}")
        bar = self.query_one(ProgressBar)
        bar.update(total=transfer.total, progress=transfer.done)
        if self.finished is None and transfer.total and transfer.done >= transfer.total:
            self.finished = time.monotonic()  # the rate stays what it was at the end
        elapsed = max((self.finished or time.monotonic()) - self.started, 1e-3)
        done = human_bytes(transfer.done)
        if transfer.total and transfer.done < transfer.total:
            done = f"{done}/{human_bytes(transfer.total)}"
        self.query_one(".rate", Static).update(f"{done} {human_bytes(transfer.done / elapsed)}/s")


PHASES = {
    ("build", "running"): 1,
    ("build", "ok"): 2,
    ("registry", "running"): 3,
    ("registry", "ok"): 4,
}
"""An artifact's progress through its phases: built, then published and
checked against the registry (the domain's chain events say which)."""


class ArtifactRow(Horizontal):
    """One artifact: name, a bar over its phases, and where it stands."""

    DEFAULT_CSS = """
    ArtifactRow { height: 1; padding: 0 1; }
    ArtifactRow Label { width: 22; }
    ArtifactRow ProgressBar { width: 28; }
    ArtifactRow .where { width: 1fr; color: $text-muted; text-wrap: nowrap;
        text-overflow: ellipsis; }
    """

    def compose(self) -> ComposeResult:
        yield Label()
        yield ProgressBar(total=4, show_eta=False, show_percentage=False)
        yield Static(classes="where")

    shown: tuple[str, dict | None, dict | None] | None = None

    def on_mount(self) -> None:
        if self.shown is not None:
            self.show(*self.shown)

    def show(self, name: str, build: dict | None, registry: dict | None) -> None:
        self.shown = (name, build, registry)
        if not self.query(Label):
            return  # not composed yet: on_mount shows it
        self.query_one(Label).update(name)
        phase = 0
        for link, entry in (("build", build), ("registry", registry)):
            if entry is not None:
                phase = max(phase, PHASES.get((link, entry.get("status", "")), phase))
        self.query_one(ProgressBar).update(progress=phase)
        text = "waiting"
        if registry and registry.get("status") == "failed":
            text = f"✖ {registry.get('error', 'publish failed')}"
        elif registry and registry.get("status") == "ok":
            text = f"✔ {registry.get('reference') or 'published'}"
        elif registry:
            text = f"publishing to {registry.get('registry') or 'the registry'}…"
        elif build and build.get("status") == "ok":
            text = "built; publishes after the confirmation"
        elif build:
            text = "building…"
        self.query_one(".where", Static).update(text)


class PublishScreen(StepScreen):
    STEP = "publish"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "push", "Push / finish"),
        Binding("x", "app.cancel_release", "Cancel"),
    ]
    DEFAULT_CSS = """
    PublishScreen #pub-artifacts { height: auto; margin: 0 1; padding: 0 1;
        border: round $panel-lighten-2; }
    PublishScreen #pub-transfers { height: auto; max-height: 6; }
    PublishScreen #pub-rows { height: auto; max-height: 6; }
    PublishScreen #pub-push { height: auto; margin: 0 1; padding: 0 1; border: round $warning; }
    PublishScreen #pub-log { height: 1fr; margin: 0 1; text-wrap: nowrap;
        text-overflow: ellipsis; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static(id="pub-artifacts")
        yield VerticalScroll(id="pub-rows")
        yield VerticalScroll(id="pub-transfers")
        yield Static(id="pub-push")
        yield Static(id="pub-log", classes="note")

    def blocker(self) -> str | None:
        app = self.shipline
        if app.state.finished or app.state.step_status("push") in ("ok", "skipped"):
            return None
        return "push (p) or finish the release first"

    def sync(self) -> None:
        app = self.shipline
        plan = app.planned.plan if app.planned else None
        box = self.query_one("#pub-artifacts", Static)
        box.border_title = "Artifacts"
        text = Text()
        if app.train is not None:
            self._train_artifacts(text)
        elif plan is None or not plan.artifacts:
            text.append(
                "Source-only release: nothing to build or publish. The push below is "
                "the only step that leaves this machine.",
                style="dim",
            )
        else:
            for a in plan.artifacts:
                text.append(f"• {a.type} {a.name or ''} → {a.registry or 'registry'}\n")
            text.rstrip()
        box.update(text)
        self._artifact_rows()
        self._transfers()
        push = self.query_one("#pub-push", Static)
        push.border_title = "Irreversible"
        push.update(self._push_text())
        # dry-run results, provenance and publish notes, the push and the record
        log = [
            line
            for e in app.state.log
            if e.step in ("artifacts", "provenance", "publish", "push", "record")
            for line in e.text.splitlines()
        ]
        self.query_one("#pub-log", Static).update(
            Text("\n".join(log[-8:]), no_wrap=True, overflow="ellipsis")
        )

    def _artifact_rows(self) -> None:
        app = self.shipline
        plan = app.planned.plan if app.planned else None
        builds = app.state.links["build"].entries
        registries = app.state.links["registry"].entries
        names = [a.name or a.type for a in (plan.artifacts if plan else [])]
        names += [n for n in [*builds, *registries] if n and n not in names]
        holder = self.query_one("#pub-rows", VerticalScroll)
        for name in names:
            key = "ar-" + "".join(ch if ch.isalnum() else "-" for ch in name)
            rows = holder.query(f"#{key}")
            row = rows.first(ArtifactRow) if rows else None
            if row is None:
                row = ArtifactRow(id=key)
                row.shown = (name, builds.get(name), registries.get(name))
                holder.mount(row)
            else:
                row.show(name, builds.get(name), registries.get(name))

    def _transfers(self) -> None:
        holder = self.query_one("#pub-transfers", VerticalScroll)
        for (artifact, phase), transfer in self.shipline.state.transfers.items():
            key = "tr-" + "".join(ch if ch.isalnum() else "-" for ch in f"{artifact}-{phase}")
            rows = holder.query(f"#{key}")
            if rows:
                rows.first(TransferRow).show(transfer)
            else:
                row = TransferRow(key)
                row.shown = transfer
                holder.mount(row)

    def _push_text(self) -> Text:
        app = self.shipline
        plan = app.planned.plan if app.planned else None
        text = Text()
        push = app.state.steps.get("push")
        if push is not None and push.status in ("ok", "skipped"):
            text.append(f"✔ {push.detail}", style="green")
            return text
        if app.train is not None:
            return self._train_push_text(text)
        if plan is None or not plan.tag:
            text.append("nothing to push yet", style="dim")
            return text
        remote = app.loaded.release.push.remote if app.loaded else "origin"
        publish = "publishes the artifacts (asks first), " if plan.artifacts else ""
        if plan.push:
            text.append(
                f"p {publish}pushes {plan.branch} and {plan.tag} to {remote} ", style="bold"
            )
            text.append("(asks first; cannot be undone) and records the release.")
        else:
            text.append(
                f"Push is off: p {publish}records the release. Push later with "
                f"`git push {remote} {plan.branch} {plan.tag}`."
            )
        if app.state.step_status("tag") != "ok":
            text.append("\nMake the release commit and tag first (Tag screen).", style="dim")
        elif app.waiting_after != "tag":
            text.append(
                "\nRunning: the artifacts build, then each step asks before it "
                "leaves this machine.",
                style="yellow",
            )
        return text

    def _train_artifacts_of(self) -> dict[str, list[Any]]:
        """Each released package's artifacts (its ``artifacts`` in
        ``release.workspace.packages``; none with ``--no-artifacts``)."""
        app = self.shipline
        settings = app.loaded.release.workspace if app.loaded else None
        if settings is None or (app.options and app.options.no_artifacts):
            return {}
        configured = {p.name: p.enabled_artifacts for p in settings.packages}
        return {p.name: configured.get(p.name) or [] for p in app.releasing}

    def _train_artifacts(self, text: Text) -> None:
        """Each package of the train and what it publishes, or that it is
        released source-only."""
        from shipline.domain.api import visible

        artifacts = self._train_artifacts_of()
        for p in self.shipline.releasing:
            text.append(f"• {visible(p.tag or p.name, single_line=True)}  ", style="bold")
            found = artifacts.get(p.name) or []
            if not found:
                text.append("source-only: nothing to build or publish", style="dim")
            for a in found:
                text.append(f"{a.type} {a.name or ''} → {a.registry or 'registry'}  ")
            text.append("\n")
        text.rstrip()

    def _train_push_text(self, text: Text) -> Text:
        app = self.shipline
        if not app.releasing:
            text.append("nothing to push yet", style="dim")
            return text
        remote = app.loaded.release.push.remote if app.loaded else "origin"
        tags = len(app.releasing)
        publish = (
            "publishes each package's artifacts, "
            if any(self._train_artifacts_of().values())
            else ""
        )
        if app.options and app.options.no_push:
            text.append(
                f"Push is off: p {publish}records each package's release. "
                f"Push the {tags} tags later."
            )
        else:
            text.append(f"p {publish}pushes the branch and {tags} tags to {remote} ", style="bold")
            text.append("(asks first; cannot be undone) and records each package's release.")
        if app.state.step_status("tag") != "ok":
            text.append("\nMake the release commit and tags first (Tag screen).", style="dim")
        return text

    def action_push(self) -> None:
        app = self.shipline
        if app.proceed_after("tag"):
            return
        summary = app.state.summary
        if summary is not None and not summary.ok and app.state.step_status("tag") == "ok":
            app.resume_release()  # stopped after the tag (e.g. the push declined): go on
            return
        app.notify(
            "the release is not tagged yet: make the commit and tag first", severity="warning"
        )

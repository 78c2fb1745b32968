"""Version: accept the inferred bump or choose major, minor, patch, a
prerelease or a custom version; every version file's line before → after."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from shipline.tui.screens.base import StepScreen
from shipline.tui.widgets.train_versions import TrainVersions

CHOICES = (
    ("auto", "Inferred"),
    ("major", "Major"),
    ("minor", "Minor"),
    ("patch", "Patch"),
    ("prerelease", "Prerelease"),
    ("custom", "Custom"),
)


def choice_of(options: object) -> str:
    if getattr(options, "version", None):
        return "custom"
    if getattr(options, "bump", None) == "prerelease" or getattr(options, "pre", None):
        return "prerelease"
    return getattr(options, "bump", None) or "auto"


class VersionScreen(StepScreen):
    STEP = "version"
    DEFAULT_CSS = """
    VersionScreen #version-main { height: 1fr; }
    VersionScreen #version-left { width: 34; height: 1fr; padding: 0 0 0 1; overflow: hidden; }
    VersionScreen RadioSet { width: 32; }
    VersionScreen #version-left Input { width: 32; }
    VersionScreen #version-right { width: 1fr; padding: 0 1; }
    VersionScreen #version-result { height: auto; padding: 0 1; border: round $accent; }
    VersionScreen Input { width: 100%; }
    VersionScreen #files { height: 1fr; }
    VersionScreen TrainVersions { display: none; }
    VersionScreen.-train TrainVersions { display: block; }
    VersionScreen.-train #version-main { display: none; }
    """

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="version-main"):
            with Vertical(id="version-left"):
                with RadioSet(id="bump"):
                    for key, label in CHOICES:
                        yield RadioButton(label, id=f"bump-{key}", value=key == "auto")
                yield Label("Prerelease label")
                yield Input(value="rc", id="pre", placeholder="rc, beta, alpha")
                yield Label("Custom version")
                yield Input(id="custom", placeholder="e.g. 2.0.0")
            with Vertical(id="version-right"):
                yield Static(id="version-result")
                yield Label("Version files", classes="title")
                with VerticalScroll(id="files"):
                    yield Static(id="files-preview")
        yield TrainVersions(id="train-versions")

    def blocker(self) -> str | None:
        app = self.shipline
        if app.plan_error is not None:
            return f"fix the version first: {app.plan_error.message}"
        if app.planning:
            return "still planning"
        if app.train is not None:
            return None if app.releasing else "no package is released: include one on Plan"
        if app.planned is None or not app.planned.plan.releasable:
            return (app.planned.plan.blocker if app.planned else None) or "nothing to release"
        return None

    def sync(self) -> None:
        app = self.shipline
        self.set_class(app.train is not None, "-train")
        if app.train is not None:
            self.query_one(TrainVersions).show()
            return
        choice = choice_of(app.options)
        button = self.query_one(f"#bump-{choice}", RadioButton)
        if not button.value:
            with self.prevent(RadioSet.Changed):
                button.value = True
        for widget in self.query("RadioSet, Input"):
            widget.disabled = app.locked
        inferred = app.planned.plan.bump if app.planned and not app.options.bump else None
        for key, label in CHOICES:
            version = app.choices.get(key)
            if key == "auto" and inferred:
                version = app.choices.get(inferred)
            text = f"{label:<11}{version}" if version else label
            button = self.query_one(f"#bump-{key}", RadioButton)
            if str(button.label) != text:
                button.label = text
        planned = app.planned
        result = self.query_one("#version-result", Static)
        result.border_title = "Release"
        if app.planning:
            result.update("planning…")
        elif planned is not None and planned.plan.version:
            plan = planned.plan
            text = Text()
            text.append(f"{plan.last_version or '—'} → ", style="dim")
            text.append(plan.version, style="bold")
            text.append(f"   tag {plan.tag}")
            if plan.reasons:
                text.append(f"\n{plan.reasons[0]}", style="dim")
            result.update(text)
        else:
            result.update(
                Text(
                    "no version: " + (planned.plan.blocker or "") if planned else "", style="yellow"
                )
            )
        self.query_one("#files-preview", Static).update(self._files_text())

    def _files_text(self) -> Text:
        planned = self.shipline.planned
        text = Text()
        if planned is None or not planned.plan.files:
            text.append("no version files found (configure release.versionBump)", style="dim")
            return text
        for file in planned.plan.files:
            text.append(f"{file.path}\n", style="bold")
            for change in file.changes:
                text.append(f"{change.line:>4} - ", style="dim")
                text.append(change.before.strip() + "\n", style="red")
                text.append(f"{change.line:>4} + ", style="dim")
                text.append(change.after.strip() + "\n", style="green")
        return text

    @on(RadioSet.Changed, "#bump")
    def _bump_changed(self, event: RadioSet.Changed) -> None:
        key = (event.pressed.id or "bump-auto").removeprefix("bump-")
        self._apply(key)

    @on(Input.Submitted, "#pre, #custom")
    @on(Input.Changed, "#pre, #custom")
    def _input_changed(self, event: Input.Changed | Input.Submitted) -> None:
        if isinstance(event, Input.Changed) and not event.input.has_focus:
            return  # set by code (e.g. the initial value), not typed
        key = "prerelease" if event.input.id == "pre" else "custom"
        if key == "custom" and not event.value.strip():
            return
        button = self.query_one(f"#bump-{key}", RadioButton)
        if not button.value:
            with self.prevent(RadioSet.Changed):
                button.value = True
        self._apply(key)

    def _apply(self, key: str) -> None:
        app = self.shipline
        if app.locked:
            return
        if app.options is not None and app.options.changelog_entry is not None:
            app.options = app.options.model_copy(update={"changelog_entry": None})
            app.notify(
                "the changelog entry is generated again for the new version", severity="warning"
            )
        pre = self.query_one("#pre", Input).value.strip()
        custom = self.query_one("#custom", Input).value.strip()
        if key == "auto":
            app.replan(bump=None, pre=None, version=None)
        elif key == "prerelease":
            app.replan(bump="prerelease", pre=pre or "rc", version=None)
        elif key == "custom":
            app.replan(bump=None, pre=None, version=custom or None)
        else:
            app.replan(bump=key, pre=None, version=None)

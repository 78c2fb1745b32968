"""Changelog: the generated entry in an editor beside its rendered preview.
Breaking changes without migration text block the way on until the entry
says how to migrate (RLSE-005)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Checkbox, Markdown, Static, TextArea

from shipline.tui.entry_check import entry_blocker
from shipline.tui.screens.base import StepScreen
from shipline.tui.widgets.train_changelog import TrainChangelog


class ChangelogScreen(StepScreen):
    STEP = "changelog"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+r", "reset", "Reset entry")]
    DEFAULT_CSS = """
    ChangelogScreen #cl-top { height: auto; }
    ChangelogScreen #cl-write { width: auto; border: none; padding: 0 1; }
    ChangelogScreen #cl-path { width: 1fr; padding: 0 1; color: $text-muted; }
    ChangelogScreen #cl-migration { display: none; }
    ChangelogScreen #cl-migration.-visible { display: block; }
    ChangelogScreen #cl-panes { height: 1fr; }
    ChangelogScreen #cl-editor { width: 1fr; height: 1fr; border: round $panel-lighten-2; }
    ChangelogScreen #cl-editor:focus { border: round $accent; }
    ChangelogScreen #cl-preview-box { width: 1fr; height: 1fr; border: round $panel-lighten-2; }
    ChangelogScreen Markdown { margin: 0; padding: 0 1; }
    ChangelogScreen TrainChangelog { display: none; }
    ChangelogScreen.-train TrainChangelog { display: block; }
    ChangelogScreen.-train #cl-panes, ChangelogScreen.-train #cl-migration { display: none; }
    """

    generated: str | None = None
    """The entry as the domain generated it for the current plan."""
    _timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="cl-top"):
            yield Checkbox("Write the changelog", value=True, id="cl-write")
            yield Static(id="cl-path")
        yield Static(id="cl-migration", classes="warning-box")
        with Horizontal(id="cl-panes"):
            editor = TextArea(id="cl-editor", soft_wrap=True, show_line_numbers=False)
            editor.border_title = "Entry (edit)"
            yield editor
            with VerticalScroll(id="cl-preview-box") as box:
                box.border_title = "Preview"
                yield Markdown(id="cl-preview")
        yield TrainChangelog(id="train-changelog")

    def entry_text(self) -> str:
        return self.query_one("#cl-editor", TextArea).text

    def blocker(self) -> str | None:
        app = self.shipline
        if app.options is None:
            return "the plan is not ready yet"
        if app.options.no_changelog or app.locked:
            return None
        if app.train is not None:
            return self.query_one(TrainChangelog).blocker()
        missing = app.planned.plan.missing_migration_shas if app.planned else []
        return entry_blocker(self.entry_text(), missing)

    def sync(self) -> None:
        app = self.shipline
        if app.options is None:
            return  # the first plan is still being made
        plan = app.planned.plan if app.planned else None
        write = self.query_one("#cl-write", Checkbox)
        with self.prevent(Checkbox.Changed):
            write.value = not app.options.no_changelog
        write.disabled = app.locked
        self.set_class(app.train is not None, "-train")
        if app.train is not None:
            write.label = "Write each package's changelog"
            self.query_one("#cl-path", Static).update("")
            self.query_one(TrainChangelog).show()
            return
        editor = self.query_one("#cl-editor", TextArea)
        editor.read_only = app.locked or app.options.no_changelog
        path = plan.changelog_path if plan else None
        self.query_one("#cl-path", Static).update(
            f"into {path}" if path else "no changelog file configured"
        )
        generated = plan.changelog_entry if plan else None
        if app.options.changelog_entry is None and generated != self.generated:
            self.generated = generated
            with self.prevent(TextArea.Changed):
                editor.load_text(generated or "")
            self._render_preview()
        missing = plan.missing_migration if plan else []
        box = self.query_one("#cl-migration", Static)
        box.set_class(bool(missing) and not app.options.no_changelog, "-visible")
        box.update(
            "⚠ Breaking change without a migration note: "
            + "; ".join(missing)
            + "\n  Write how to migrate in the entry before going on."
            if missing
            else ""
        )

    def _render_preview(self) -> None:
        self.query_one("#cl-preview", Markdown).update(self.entry_text())

    @on(TextArea.Changed, "#cl-editor")
    def _edited(self) -> None:
        app = self.shipline
        if app.options is None:
            return
        text = self.entry_text()
        app.options = app.options.model_copy(
            update={"changelog_entry": None if text == self.generated else text}
        )
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.25, self._render_preview, name="preview")

    @on(Checkbox.Changed, "#cl-write")
    def _write_toggled(self, event: Checkbox.Changed) -> None:
        self.shipline.replan(no_changelog=not event.value)

    def action_reset(self) -> None:
        if self.shipline.train is not None:
            self.query_one(TrainChangelog).reset()
            return
        if self.shipline.locked or self.generated is None:
            return
        self.query_one("#cl-editor", TextArea).load_text(self.generated)
        self.shipline.options = self.shipline.options.model_copy(update={"changelog_entry": None})
        self._render_preview()

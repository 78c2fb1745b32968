"""The Changelog screen of a release train: the released packages on the
left, the highlighted one's entry in an editor and its preview on the right.

Each entry is in its own file's format (the domain proposes it from the
file: Markdown, reStructuredText, a hand-written style): a Markdown file is
previewed rendered, any other as the text it will be. An edit is kept per
package and written instead of the generated entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Markdown, OptionList, Static, TextArea
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from shipline.tui.app import ShiplineApp


class TrainChangelog(Horizontal):
    DEFAULT_CSS = """
    TrainChangelog { height: 1fr; }
    TrainChangelog #tc-packages { width: 24; height: 1fr; border: round $panel-lighten-2; }
    TrainChangelog #tc-right { width: 1fr; height: 1fr; }
    TrainChangelog #tc-path { height: 1; padding: 0 1; color: $text-muted; }
    TrainChangelog #tc-editor { height: 1fr; border: round $panel-lighten-2; }
    TrainChangelog #tc-editor:focus { border: round $accent; }
    TrainChangelog #tc-preview-box { height: 1fr; border: round $panel-lighten-2; }
    TrainChangelog #tc-preview-text { padding: 0 1; }
    TrainChangelog Markdown { margin: 0; padding: 0 1; }
    """

    current: str | None = None
    """The package whose entry the editor holds."""
    _timer: Timer | None = None

    def compose(self) -> ComposeResult:
        packages = OptionList(id="tc-packages")
        packages.border_title = "Packages"
        yield packages
        with Vertical(id="tc-right"):
            yield Static(id="tc-path")
            editor = TextArea(id="tc-editor", soft_wrap=True, show_line_numbers=False)
            editor.border_title = "Entry (edit)"
            yield editor
            with VerticalScroll(id="tc-preview-box") as box:
                box.border_title = "Preview"
                yield Markdown(id="tc-preview")
                yield Static(id="tc-preview-text")

    @property
    def shipline(self) -> ShiplineApp:
        return self.app  # type: ignore[return-value]

    def entry_of(self, name: str) -> str:
        """The entry the train writes for ``name``: the edit, else the generated one."""
        app = self.shipline
        if name in app.train_entries:
            return app.train_entries[name]
        proposed = app.train_changelogs.get(name)
        return proposed.entry if proposed else ""

    def blocker(self) -> str | None:
        """The first package whose entry cannot be written as it stands."""
        from shipline.tui.entry_check import entry_blocker

        app = self.shipline
        for p in app.releasing:
            proposed = app.train_changelogs.get(p.name)
            missing = proposed.missing_migration if proposed else []
            problem = entry_blocker(self.entry_of(p.name), missing)
            if problem:
                return f"{p.name}: {problem}"
        return None

    def label(self, name: str) -> Text:
        """A package in the list: ✎ edited, ⚠ a migration note still missing."""
        from shipline.domain.api import migration_unwritten, visible

        app = self.shipline
        label = Text(visible(name, single_line=True))
        if name in app.train_entries:
            label.append(" ✎", style="yellow")
        proposed = app.train_changelogs.get(name)
        if proposed and proposed.missing_migration and migration_unwritten(self.entry_of(name)):
            label.append(" ⚠", style="bold red")
        return label

    def show(self) -> None:
        app = self.shipline
        names = [p.name for p in app.releasing]
        packages = self.query_one("#tc-packages", OptionList)
        highlighted = packages.highlighted
        packages.clear_options()
        for name in names:
            packages.add_option(Option(self.label(name), id=name))
        if names:
            packages.highlighted = min(highlighted or 0, len(names) - 1)
        self._load(names[packages.highlighted or 0] if names else None)
        editor = self.query_one("#tc-editor", TextArea)
        editor.read_only = app.locked or bool(app.options and app.options.no_changelog)

    def _load(self, name: str | None, *, force: bool = False) -> None:
        """Put ``name``'s entry in the editor (unless it is already there)."""
        editor = self.query_one("#tc-editor", TextArea)
        text = self.entry_of(name) if name else ""
        if name == self.current and not force and editor.text == text:
            return
        self.current = name
        proposed = self.shipline.train_changelogs.get(name or "")
        self.query_one("#tc-path", Static).update(
            f"into {proposed.path}" if proposed else "no package is released"
        )
        with self.prevent(TextArea.Changed):
            editor.load_text(text)
        self._render_preview()

    def _render_preview(self) -> None:
        proposed = self.shipline.train_changelogs.get(self.current or "")
        text = self.query_one("#tc-editor", TextArea).text
        markdown = proposed is None or proposed.path.lower().endswith((".md", ".markdown"))
        preview = self.query_one("#tc-preview", Markdown)
        plain = self.query_one("#tc-preview-text", Static)
        preview.display, plain.display = markdown, not markdown
        if markdown:
            preview.update(text)
        else:
            plain.update(Text(text))

    @on(OptionList.OptionHighlighted, "#tc-packages")
    def _picked(self, event: OptionList.OptionHighlighted) -> None:
        self._load(event.option.id)

    @on(TextArea.Changed, "#tc-editor")
    def _edited(self) -> None:
        app = self.shipline
        name = self.current
        if name is None or name not in app.train_changelogs:
            return
        text = self.query_one("#tc-editor", TextArea).text
        generated = app.train_changelogs[name].entry
        app.set_package_entry(name, None if text == generated else text)
        self.query_one("#tc-packages", OptionList).replace_option_prompt(name, self.label(name))
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.25, self._render_preview, name="preview")

    def reset(self) -> None:
        """The highlighted package's entry back to the generated one."""
        if self.current is None or self.shipline.locked:
            return
        self.shipline.set_package_entry(self.current, None)
        self._load(self.current, force=True)
        self.show()

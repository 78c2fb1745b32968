"""The Version screen of a release train: each released package's next
version and why, and a version field for the highlighted one (empty: the
version its commits ask for). A fixed group shares one version: the domain
gives it to every member, and refuses two (53, shown in place)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Static

if TYPE_CHECKING:
    from shipline.tui.app import ShiplineApp

COLUMNS = ("Package", "Last", "Next", "Bump")


class TrainVersions(Vertical):
    """Fed by :meth:`show` from the app's train plan; ``enter`` in the field
    asks the app to plan again with that version."""

    DEFAULT_CSS = """
    TrainVersions { height: 1fr; }
    TrainVersions #tv-table { height: auto; max-height: 10; margin: 0 1; }
    TrainVersions #tv-edit { height: 3; margin: 0 1; }
    TrainVersions #tv-edit Label { width: auto; padding: 1 1 0 0; }
    TrainVersions #tv-version { width: 1fr; }
    TrainVersions #tv-why { height: auto; margin: 0 1; padding: 0 1; border: round $accent; }
    """

    def compose(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(id="tv-table", cursor_type="row", zebra_stripes=True)
        yield table
        with Horizontal(id="tv-edit"):
            yield Label("Version", id="tv-label")
            yield Input(id="tv-version", placeholder="empty: the version its commits ask for")
        yield Static(id="tv-why")

    def on_mount(self) -> None:
        self.query_one("#tv-table", DataTable).add_columns(*COLUMNS)

    @property
    def shipline(self) -> ShiplineApp:
        return self.app  # type: ignore[return-value]

    def highlighted(self) -> Any:
        """The package plan under the cursor, or ``None``."""
        releasing = self.shipline.releasing
        row = self.query_one("#tv-table", DataTable).cursor_row
        return releasing[row] if 0 <= row < len(releasing) else None

    def show(self) -> None:
        from shipline.domain.api import visible

        app = self.shipline
        table = self.query_one("#tv-table", DataTable)
        row = table.cursor_row
        table.clear()
        for p in app.releasing:
            name = Text(visible(p.name, single_line=True), style="bold")
            if p.group:
                name.append(" fixed", style="cyan")
            given = app.train_picks.get(p.name)
            nxt = Text(f"→ {p.version}", style="bold green")
            if given:
                nxt.append(" given", style="yellow")
            table.add_row(
                name,
                str(p.last_version or "—"),
                nxt,
                p.bump or "explicit",
                key=p.name,
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self._show_highlighted()

    def _show_highlighted(self) -> None:
        from shipline.domain.api import visible

        app = self.shipline
        p = self.highlighted()
        field = self.query_one("#tv-version", Input)
        why = self.query_one("#tv-why", Static)
        field.disabled = p is None or app.locked
        if p is None:
            why.update(Text("no package is released: include one on the Plan screen", "dim"))
            return
        self.query_one("#tv-label", Label).update(f"Version of {visible(p.name)}")
        if not field.has_focus:
            with self.prevent(Input.Changed):
                field.value = app.train_picks.get(p.name) or ""
        text = Text()
        text.append(f"{p.last_version or '—'} → ", style="dim")
        text.append(str(p.version), style="bold")
        text.append(f"   tag {visible(p.tag or '', single_line=True)}")
        if p.group:
            members = [q.name for q in app.releasing if q.group == p.group]
            text.append(f"\nfixed group: {', '.join(members)} share one version", style="cyan")
        for reason in p.reasons:
            text.append("\n• ", style="dim")
            text.append(visible(reason, single_line=True))
        why.update(text)
        why.border_title = visible(p.name, single_line=True)

    @on(DataTable.RowHighlighted, "#tv-table")
    def _moved(self) -> None:
        self._show_highlighted()

    @on(Input.Submitted, "#tv-version")
    def _given(self, event: Input.Submitted) -> None:
        p = self.highlighted()
        if p is None or self.shipline.locked:
            return
        self.shipline.set_package_version(p.name, event.value)

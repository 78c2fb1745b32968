"""The packages of a workspace on the Plan screen: one row a package (include
toggle, name, last tag, its own commits, next version), and the reasons of
the highlighted one below."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.widgets import DataTable

COLUMNS = ("", "Package", "Last tag", "Commits", "Next")


class PackagesTable(DataTable[Any]):
    """``space``/``enter`` toggles the highlighted package in or out of the train."""

    BINDINGS: ClassVar[list[Any]] = [("space", "toggle", "Include/leave out")]

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_columns(*COLUMNS)

    def show(self, train: Any) -> None:
        """Fill from a ``WorkspacePlan``, keeping the cursor on its row."""
        from shipline.domain.api import visible

        row = self.cursor_row
        self.clear()
        for p in train.packages:
            mark = Text("●", style="green") if p.selected else Text("○", style="dim")
            name = Text(visible(p.name, single_line=True), style="bold" if p.selected else "")
            if p.package.private:
                name.append(" private", style="dim")
            if p.group:
                name.append(" fixed", style="cyan")
            nxt = (
                Text(f"→ {p.version}", style="bold green") if p.version else Text("—", style="dim")
            )
            self.add_row(
                mark,
                name,
                visible(p.last_tag or "never", single_line=True),
                str(len(p.commits)),
                nxt,
                key=p.name,
            )
        if self.row_count:
            self.move_cursor(row=min(max(row, 0), self.row_count - 1))

    def action_toggle(self) -> None:
        if not self.row_count:
            return
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        self.app.toggle_package(str(key))  # type: ignore[attr-defined]

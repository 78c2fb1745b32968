"""Gates: every gate with its live status, duration and output. ``r`` runs
them (bumping the version and writing the changelog first, as the pipeline
does); a failure undoes those and ``r`` runs them again."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, RichLog, Static

from shipline.tui.screens.base import StepScreen
from shipline.tui.widgets.glyphs import glyph, style


class GatesScreen(StepScreen):
    STEP = "gates"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run gates"),
        Binding("x", "app.cancel_release", "Cancel"),
    ]
    DEFAULT_CSS = """
    GatesScreen #gates-status { height: auto; padding: 0 1; }
    GatesScreen #gates-table { height: auto; max-height: 12; margin: 0 1;
        overflow-x: hidden; }
    GatesScreen #gate-log-box { height: 1fr; margin: 0 1; border: round $panel-lighten-2; }
    GatesScreen RichLog { background: $surface; }
    """

    selected: str | None = None
    _shown_lines = 0

    def compose_body(self) -> ComposeResult:
        yield Static(id="gates-status")
        table: DataTable[Text] = DataTable(id="gates-table", cursor_type="row", zebra_stripes=True)
        yield table
        with Vertical(id="gate-log-box") as box:
            box.border_title = "Output"
            yield RichLog(id="gate-log", wrap=False, highlight=False, markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#gates-table", DataTable)
        table.add_column("", key="mark", width=2)
        table.add_column("Gate", key="name", width=19)
        table.add_column("Kind", key="kind", width=10)
        table.add_column("Time", key="time", width=7)
        table.add_column("Detail", key="detail", width=self.detail_width())
        super().on_mount()

    def detail_width(self) -> int:
        """What is left of the screen's width for the detail column."""
        return max(16, (self.app.size.width or 80) - 51)

    def rows(self) -> list[tuple[str, str, str, float | None, str]]:
        """(name, kind, status, duration, detail) for every gate, planned or run."""
        app = self.shipline
        seen: dict[str, tuple[str, str, str, float | None, str]] = {}
        state_gates = app.state.gates
        planned = app.planned.plan.gates if app.planned else []
        for gate in planned:
            run = state_gates.get(gate.name)
            if run is not None:
                seen[gate.name] = (gate.name, gate.kind, run.status, run.duration, run.detail)
            else:
                seen[gate.name] = (gate.name, gate.kind, "planned", None, gate.command or "")
        for name, run in state_gates.items():
            if name not in seen:
                seen[name] = (name, "", run.status, run.duration, run.detail)
        return list(seen.values())

    def blocker(self) -> str | None:
        app = self.shipline
        if app.waiting_after in ("gates", "tag") or app.state.step_status("gates") == "ok":
            return None
        if app.running:
            return "the gates are still running"
        return "run the gates first (r)"

    def sync(self) -> None:
        table = self.query_one("#gates-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for name, kind, status, duration, detail in self.rows():
            table.add_row(
                Text(glyph(status), style=style(status)),
                Text(name),
                Text(kind, style="dim"),
                Text(f"{duration:.1f}s" if duration is not None else "", style="dim"),
                Text(
                    detail,
                    style=style(status) if status == "failed" else "",
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                key=name,
            )
        running = [i for i, row in enumerate(self.rows()) if row[2] == "running"]
        if running:  # follow the gate that is running: its output is live below
            table.move_cursor(row=running[-1])
        elif table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self.query_one("#gates-status", Static).update(self._status_text())
        self._show_log(reset=True)

    def _status_text(self) -> Text:
        app = self.shipline
        status = app.state.step_status("gates")
        if app.waiting_after == "gates":
            return Text("✔ Every gate passed. Next: the release commit and tag (n).", style="green")
        if app.running or app.state.current_step in ("preflight", "version", "changelog", "gates"):
            return Text("◐ Running: bump, changelog, then each gate… (x cancels)", style="yellow")
        if status == "failed" or app.state.error:
            return Text(
                "✖ A gate failed and every change was undone. Fix it, then rerun (r).", style="red"
            )
        if status == "ok":
            return Text("✔ Gates passed.", style="green")
        return Text(
            "Gates run after the version bump and changelog are written; a failure "
            "undoes both. Press r to run them.",
            style="dim",
        )

    def _show_log(self, reset: bool = False) -> None:
        log = self.query_one("#gate-log", RichLog)
        table = self.query_one("#gates-table", DataTable)
        if table.row_count == 0:
            return
        row_key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        name = str(row_key.value)
        gate = self.shipline.state.gates.get(name)
        lines = gate.log if gate else []
        if reset or name != self.selected:
            log.clear()
            self._shown_lines = 0
            self.selected = name
            self.query_one("#gate-log-box").border_title = f"Output: {name}"
        if not lines:
            if self._shown_lines == 0 and gate is not None and gate.detail:
                log.write(gate.detail)  # a gate without output: its verdict
                self._shown_lines = -1
            return
        if self._shown_lines < 0:
            log.clear()
            self._shown_lines = 0
        for line in lines[self._shown_lines :]:
            log.write(line)
        self._shown_lines = len(lines)

    @on(DataTable.RowHighlighted, "#gates-table")
    def _highlighted(self) -> None:
        self._show_log()

    def on_release_event(self, event: object) -> None:
        from shipline.domain.api import LogLine

        if isinstance(event, LogLine) and event.step == "gates":
            self._show_log()
            return
        self.refresh_all()

    def action_run(self) -> None:
        app = self.shipline
        if app.running:
            app.notify("the release is already running", severity="information")
            return
        if app.state.steps.get("tag"):
            app.notify("the release is already tagged", severity="warning")
            return
        app.start_release()

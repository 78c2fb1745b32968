"""History: every recorded release from the ledger; ``v`` verifies the
selected one's provenance chain, ``V`` verifies them all."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from shipline.domain.api import (
    ErrorEvent,
    ShiplineError,
    load_ledger,
    release_label,
    shown,
    verify_provenance_chain,
)
from shipline.tui.screens.base import StepScreen
from shipline.tui.widgets.glyphs import glyph, style


class HistoryScreen(StepScreen):
    STEP = "history"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "verify", "Verify"),
        Binding("V", "verify_all", "Verify all"),
        Binding("R", "review", "Review"),
        Binding("escape", "app.back", "Back"),
        Binding("n", "app.next", "Next", show=False),
        Binding("b", "app.back", "Back", show=False),
        Binding("h", "app.back", "Back", show=False),
    ]
    DEFAULT_CSS = """
    HistoryScreen #hist-table { height: auto; max-height: 9; margin: 0 1; overflow-x: hidden; }
    HistoryScreen #hist-verify-box { height: 1fr; margin: 0 1; border: round $panel-lighten-2; }
    HistoryScreen #hist-verify { height: auto; padding: 0 1; text-wrap: nowrap;
        text-overflow: ellipsis; }
    """

    records: list[dict[str, Any]]
    error: ErrorEvent | None = None
    report: Any = None
    """The last verify report, and for which version ("all" for every one)."""
    verified: str | None = None
    verifying = False

    def compose_body(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(id="hist-table", cursor_type="row")
        yield table
        with Vertical(id="hist-verify-box") as box:
            box.border_title = "Verify"
            yield Static(id="hist-verify")

    def on_mount(self) -> None:
        self.records = []
        table = self.query_one("#hist-table", DataTable)
        for key, label, width in (
            ("version", "Version", 10),
            ("tag", "Tag", 10),
            ("commit", "Commit", 7),
            ("level", "SLSA", 4),
            ("artifacts", "Files", 5),
            ("state", "Record", 10),
            ("when", "Recorded (UTC)", 16),
        ):
            table.add_column(label, key=key, width=width)
        super().on_mount()

    def screen_error(self) -> ErrorEvent | None:
        return self.error

    def on_screen_resume(self) -> None:
        self.load()
        super().on_screen_resume()

    def load(self) -> None:
        app = self.shipline
        if app.loaded is None:
            self.error = app.plan_error
            return
        try:
            ledger = load_ledger(app.loaded.state_dir, verify_chain=False)
        except ShiplineError as exc:
            self.error = ErrorEvent(
                code=int(exc.code), message=exc.message, hint=exc.hint, step="ledger"
            )
            self.records = []
            return
        self.error = None
        self.records = list(reversed(ledger.releases()))

    def selected_version(self) -> str | None:
        table = self.query_one("#hist-table", DataTable)
        if not self.records or table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    def sync(self) -> None:
        table = self.query_one("#hist-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for r in self.records:
            level = (r.get("slsaLevel") or "").removeprefix("SLSA_BUILD_LEVEL_")
            complete = (r.get("metadata") or {}).get("completeness", "")
            table.add_row(
                Text(release_label(r), style="bold"),
                Text(r.get("gitTag") or ""),
                Text((r.get("commitSha") or "")[:7], style="dim"),
                Text(f"L{level}" if level else "—"),
                Text(str(len(r.get("artifacts") or []))),
                Text(complete, style="green" if complete == "complete" else "yellow"),
                Text((r.get("recordedAt") or "")[:16].replace("T", " "), style="dim"),
                key=release_label(r),  # a train records one version for several packages
            )
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self.query_one("#hist-verify", Static).update(self._verify_text())

    def _verify_text(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.error is None and not self.records:
            text.append(
                "No release is recorded in the ledger yet. Ship one and it appears here.",
                style="dim",
            )
            return text
        if self.verifying:
            text.append("verifying…", style="yellow")
            return text
        if self.report is None:
            text.append(
                "v verifies the selected release (digests, attestation, signature, "
                "ledger chain); V verifies every release.",
                style="dim",
            )
            return text
        report = self.report
        verdict = "✔ chain verified" if report.ok else f"✖ verification failed: exit {report.code}"
        text.append(
            f"{verdict} ({self.verified})\n", style="bold green" if report.ok else "bold red"
        )
        for check in report.checks:
            text.append(f"{glyph(check.status)} ", style=style(check.status))
            name = check.name if len(check.name) <= 18 else "…" + check.name[-17:]
            text.append(f"{check.link:<12}", style="bold")
            text.append(f"{name:<19}")
            text.append(
                f"{shown(check.detail)}\n",
                style="dim" if check.status == "ok" else style(check.status),
            )
        return text

    @on(DataTable.RowHighlighted, "#hist-table")
    def _moved(self) -> None:
        version = self.selected_version()
        if self.report is not None and self.verified not in (version, "all"):
            self.report = None
            self.query_one("#hist-verify", Static).update(self._verify_text())

    def action_verify(self) -> None:
        version = self.selected_version()
        if version is None:
            self.app.notify("no release selected", severity="warning")
            return
        self._verify(version)

    def action_verify_all(self) -> None:
        if not self.records:
            self.app.notify("no release is recorded", severity="warning")
            return
        self._verify(None)

    def _verify(self, version: str | None) -> None:
        self.verifying = True
        self.sync()
        self._verify_worker(version)

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False)
    def _verify_worker(self, version: str | None) -> None:
        app = self.shipline
        assert app.loaded is not None
        try:
            report = verify_provenance_chain(
                app.loaded.state_dir, version, all=version is None, repo=app.repo
            )
        except ShiplineError as exc:
            error = ErrorEvent(
                code=int(exc.code), message=exc.message, hint=exc.hint, step="verify"
            )
            self.app.call_from_thread(self._verified, None, version, error)
            return
        self.app.call_from_thread(self._verified, report, version, None)

    def _verified(self, report: Any, version: str | None, error: ErrorEvent | None) -> None:
        self.verifying = False
        self.report, self.verified, self.error = report, version or "all", error
        self.refresh_all()

    def action_review(self) -> None:
        version = self.selected_version()
        if version is None:
            self.app.notify("no release selected", severity="warning")
            return
        self.shipline.review_version = version
        self.shipline.goto("review")

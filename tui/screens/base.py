"""What every step screen has: header, steps bar, the error in place, a
body, and the footer with its key bindings."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer

from shipline.tui.widgets.error_panel import ErrorPanel
from shipline.tui.widgets.step_header import StepHeader
from shipline.tui.widgets.steps_bar import StepsBar

if TYPE_CHECKING:
    from shipline.domain.api import ErrorEvent
    from shipline.tui.app import ShiplineApp


class StepScreen(Screen[None]):
    """Subclasses set ``STEP`` and write :meth:`compose_body` and :meth:`sync`."""

    STEP: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave_field", "Leave field", show=False),
    ]

    @property
    def shipline(self) -> ShiplineApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield StepHeader(icon="◆")
        yield StepsBar(self.STEP)
        yield ErrorPanel()
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.refresh_all()

    def action_leave_field(self) -> None:
        """Escape leaves an input or the editor, so single-key bindings work again."""
        self.set_focus(None)

    def on_screen_resume(self) -> None:
        self.refresh_all()

    def refresh_all(self) -> None:
        if not self.app.is_running:
            return  # the app is shutting down: this screen's children may be gone already
        self.refresh_chrome()
        self.sync()

    def refresh_chrome(self) -> None:
        """The steps bar and the error: what every event may change on any screen."""
        app = self.shipline
        self.query_one(StepsBar).update_from(
            {name: step.status for name, step in app.state.steps.items()}
        )
        self.query_one(ErrorPanel).show_error(self.screen_error())

    def screen_error(self) -> ErrorEvent | None:
        """The error to show in place on this screen."""
        return self.shipline.current_error()

    def sync(self) -> None:
        """Redraw the body from the app's plan and run state."""

    PLAN_ONLY: ClassVar[bool] = False
    """The body shows only the plan: run events redraw just the chrome."""

    def on_release_event(self, event: object) -> None:
        """One more event arrived (the state already has it)."""
        if self.PLAN_ONLY:
            self.refresh_chrome()
        else:
            self.refresh_all()

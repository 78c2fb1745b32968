"""An error where it happened: exit code, what went wrong, what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from shipline.domain.api import ErrorEvent


class ErrorPanel(Static):
    """Hidden until :meth:`show_error` gets an error."""

    DEFAULT_CSS = """
    ErrorPanel {
        display: none; height: auto; margin: 0 1; padding: 0 1;
        border: round $error; color: $text; background: $error 10%;
    }
    ErrorPanel.-visible { display: block; }
    """

    error: ErrorEvent | None = None

    def show_error(self, error: ErrorEvent | None) -> None:
        self.error = error
        self.set_class(error is not None, "-visible")
        if error is None:
            self.update("")
            return
        where = f" in {error.step}" if error.step else ""
        self.border_title = f"exit {error.code}{where}"
        from shipline.domain.api import visible  # a registry's reply may carry escapes

        text = Text()
        text.append("✖ ", style="bold red")
        text.append(visible(error.message))
        if error.hint:
            text.append("\n→ ", style="bold")
            text.append(visible(error.hint))
        self.update(text)

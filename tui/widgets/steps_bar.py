"""The line under the header: every step, where you are, how each went."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from shipline.tui.widgets.glyphs import glyph, style

STEP_SCREENS: tuple[tuple[str, str], ...] = (
    ("plan", "Plan"),
    ("version", "Version"),
    ("changelog", "Changelog"),
    ("gates", "Gates"),
    ("tag", "Tag"),
    ("publish", "Publish"),
    ("chain", "Chain"),
    ("summary", "Summary"),
)
"""Screen name and title, in release order."""

PIPELINE_STEPS: dict[str, tuple[str, ...]] = {
    "version": ("version",),
    "changelog": ("changelog",),
    "gates": ("preflight", "gates"),
    "tag": ("commit", "tag"),
    "publish": ("artifacts", "publish", "push"),
    "chain": ("commit", "tag", "provenance", "publish", "forge"),
    "summary": ("record",),
}
"""Which pipeline steps each screen shows."""


def screen_status(statuses: list[str]) -> str:
    """One status for a screen from its pipeline steps' statuses."""
    if not statuses:
        return "pending"
    for status in ("failed", "running"):
        if status in statuses:
            return status
    if all(s in ("ok", "skipped") for s in statuses) and "ok" in statuses:
        return "ok"
    return statuses[-1]


class StepsBar(Static):
    """``Plan  Version  Changelog …`` with the current step highlighted."""

    DEFAULT_CSS = """
    StepsBar { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, current: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.current = current

    def update_from(self, statuses: dict[str, str]) -> None:
        """``statuses``: pipeline step → status, as the run reported them."""
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (name, title) in enumerate(STEP_SCREENS):
            steps = [statuses[s] for s in PIPELINE_STEPS.get(name, ()) if s in statuses]
            status = screen_status(steps)
            if index:
                text.append(" ")
            mark = glyph(status) if status in ("ok", "failed", "running") else ""
            label = f" {mark}{title} " if mark else f" {title} "
            if name == self.current:
                text.append(label, style="bold reverse")
            else:
                text.append(label, style=style(status) or "")
        self.update(text)

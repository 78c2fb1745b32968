"""Summary: what the release did, step by step, and what to do next."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from shipline.tui.screens.base import StepScreen
from shipline.tui.widgets.glyphs import glyph, style


class SummaryScreen(StepScreen):
    STEP = "summary"
    DEFAULT_CSS = """
    SummaryScreen #sum-head { height: auto; margin: 0 1; padding: 0 1; border: round $accent; }
    SummaryScreen #sum-steps { height: 1fr; padding: 0 1; }
    SummaryScreen #sum-steps-text { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static(id="sum-head")
        with VerticalScroll(id="sum-steps"):
            yield Static(id="sum-steps-text")

    def sync(self) -> None:
        app = self.shipline
        state = app.state
        head = self.query_one("#sum-head", Static)
        text = Text()
        summary = state.summary
        if summary is None:
            head.border_title = "Not released yet"
            text.append("The release has not run to the end. ", style="dim")
            text.append(
                "Steps so far are below."
                if state.steps
                else "Run the gates to start (Gates screen).",
                style="dim",
            )
        elif summary.ok:
            data = summary.data
            head.border_title = "Released"
            text.append(f"✔ {data.get('message', 'released')}\n", style="bold green")
            for package in data.get("packages") or []:  # a release train
                text.append("package ", style="dim")
                text.append(f"{package.get('tag', '')}\n", style="bold")
            for key in ("version", "tag", "commit"):
                if data.get(key):
                    text.append(f"{key:<8}", style="dim")
                    text.append(f"{data[key]}\n")
            text.append("pushed  ", style="dim")
            text.append("yes" if data.get("pushed") else "no (push it when you are ready)")
            text.append("\nNext: History (h) lists it with verify.", style="dim")
        else:
            head.border_title = f"Stopped · exit {summary.exit_code}"
            error = state.error
            text.append(
                f"✖ {error.message if error else 'the release stopped'}\n", style="bold red"
            )
            if error and error.hint:
                text.append(f"→ {error.hint}")
        head.update(text)
        steps = Text(no_wrap=True, overflow="ellipsis")
        for step in state.steps.values():
            steps.append(f"{glyph(step.status)} ", style=style(step.status))
            steps.append(f"{step.name:<11}", style="bold")
            steps.append(f" {step.detail}\n", style="dim")
        for argv in state.git_commands:
            steps.append(f"  $ git {' '.join(argv).splitlines()[0]}\n", style="dim")
        self.query_one("#sum-steps-text", Static).update(steps)

"""Headless consumers of the event stream: rich text for people, JSON lines
for machines. The only headless code that prints."""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from shipline.domain.events import (
    ChainLink,
    ErrorEvent,
    FileChange,
    GateResult,
    GitCommand,
    LogLine,
    StepFinished,
    StepProgress,
    StepStarted,
    Summary,
)
from shipline.domain.runner import redact


class JsonRenderer:
    """One JSON object per line; the last line is the summary."""

    def __init__(self, out: IO[str] | None = None):
        self.out = out or sys.stdout

    def __call__(self, event: Any) -> None:
        line = json.dumps(event.model_dump(mode="json"), ensure_ascii=False, sort_keys=False)
        self.out.write(redact(line) + "\n")
        self.out.flush()

    def text(self, text: str) -> None:
        """Free text (e.g. a rendered changelog) has no place in JSON output;
        commands put it in their summary's data instead."""


_STATUS_STYLE = {
    "ok": "green", "passed": "green", "planned": "cyan", "skipped": "dim",
    "failed": "bold red", "running": "yellow", "pending": "dim",
}


class TextRenderer:
    """Human output with rich: steps, gates, file changes, git commands."""

    def __init__(self, out: IO[str] | None = None, err: IO[str] | None = None,
                 verbose: bool = False):
        self.out = out
        self.err_out = err
        self.verbose = verbose
        self._consoles: tuple[Any, Any] | None = None

    def _rich(self) -> tuple[Any, Any]:
        """rich costs ~0.1 s to import: only when an event is printed, never
        for plain text (a changelog) or a summary without a message."""
        if self._consoles is None:
            from rich.console import Console

            self._consoles = (
                Console(file=self.out or sys.stdout, highlight=False, soft_wrap=True),
                Console(file=self.err_out or sys.stderr, highlight=False, soft_wrap=True))
        return self._consoles

    @property
    def console(self) -> Any:
        return self._rich()[0]

    @property
    def err(self) -> Any:
        return self._rich()[1]

    def text(self, text: str) -> None:
        out = self.out or sys.stdout
        out.write(redact(text))
        if not text.endswith("\n"):
            out.write("\n")
        out.flush()

    def __call__(self, event: Any) -> None:
        if isinstance(event, Summary) and not (event.ok and event.data.get("message")):
            return
        from rich.markup import escape

        c = self.console
        if isinstance(event, StepStarted):
            c.print(f"[bold]▶ {escape(event.title)}[/]")
        elif isinstance(event, StepProgress):
            c.print(f"  [dim]{escape(redact(event.detail))}[/]")
        elif isinstance(event, StepFinished):
            style = _STATUS_STYLE.get(event.status, "")
            detail = f" {escape(redact(event.detail))}" if event.detail else ""
            c.print(f"  [{style}]{event.status}[/]{detail}")
        elif isinstance(event, LogLine):
            if event.stream == "info" or self.verbose:
                c.print(f"  [dim]{escape(redact(event.text))}[/]")
        elif isinstance(event, FileChange):
            c.print(f"  [bold]{escape(event.path)}[/]:{event.line}")
            c.print(f"    [red]- {escape(event.before)}[/]")
            c.print(f"    [green]+ {escape(event.after)}[/]")
        elif isinstance(event, GitCommand):
            prefix = "would run" if event.planned else "ran"
            import shlex

            c.print(f"  [dim]{prefix}[/] [cyan]{escape(shlex.join(['git', *event.argv]))}[/]")
        elif isinstance(event, GateResult):
            style = _STATUS_STYLE.get(event.status, "")
            took = f" [dim]({event.duration:.1f}s)[/]" if event.duration is not None else ""
            detail = f": {escape(redact(event.detail))}" if event.detail else ""
            c.print(f"  [{style}]{event.status:>7}[/] {escape(event.name)}{detail}{took}")
        elif isinstance(event, ChainLink):
            style = _STATUS_STYLE.get(event.status, "")
            c.print(f"  [{style}]{event.link:>11}[/] {escape(event.name)} {event.status}")
        elif isinstance(event, ErrorEvent):
            where = f" [{event.step}]" if event.step else ""
            message = escape(redact(event.message))
            self.err.print(f"[bold red]error {event.code}{where}:[/] {message}")
            if event.hint:
                self.err.print(f"  [yellow]fix:[/] {escape(redact(event.hint))}")
        elif isinstance(event, Summary) and event.ok and event.data.get("message"):
            c.print(f"[green]✔[/] {escape(redact(str(event.data['message'])))}")

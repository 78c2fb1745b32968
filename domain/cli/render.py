"""Headless consumers of the event stream: rich text for people, JSON lines
for machines. The only headless code that prints."""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from shipline.domain.cli.markup import PlainConsole, escape, wants_colour
from shipline.domain.events import (
    ChainLink,
    ErrorEvent,
    FileChange,
    GateResult,
    GitCommand,
    LogLine,
    PackagePlanned,
    StepFinished,
    StepProgress,
    StepStarted,
    Summary,
)
from shipline.domain.runner import redact
from shipline.domain.textsafe import escape_json_text, shown


class JsonRenderer:
    """One JSON object per line; the last line is the summary."""

    def __init__(self, out: IO[str] | None = None):
        self.out = out or sys.stdout

    def __call__(self, event: Any) -> None:
        line = json.dumps(event.model_dump(mode="json"), ensure_ascii=False, sort_keys=False)
        self.out.write(escape_json_text(redact(line)) + "\n")
        self.out.flush()

    def text(self, text: str) -> None:
        """Free text (e.g. a rendered changelog) has no place in JSON output;
        commands put it in their summary's data instead."""


def _show(text: str, line: bool = False) -> str:
    """Foreign text as rich markup: secrets redacted, controls and escape
    sequences made visible (:mod:`shipline.domain.textsafe`), markup escaped."""
    return escape(shown(text, single_line=line))


def _console(stream: IO[str]) -> Any:
    if not wants_colour(stream):
        return PlainConsole(stream)
    from rich.console import Console

    # emoji off: a commit subject's ``:tada:`` is shown as written
    return Console(file=stream, highlight=False, soft_wrap=True, emoji=False)


_STATUS_STYLE = {
    "ok": "green",
    "passed": "green",
    "planned": "cyan",
    "skipped": "dim",
    "failed": "bold red",
    "running": "yellow",
    "pending": "dim",
}


class TextRenderer:
    """Human output with rich: steps, gates, file changes, git commands."""

    def __init__(
        self, out: IO[str] | None = None, err: IO[str] | None = None, verbose: bool = False
    ):
        self.out = out
        self.err_out = err
        self.verbose = verbose
        self._consoles: tuple[Any, Any] | None = None

    def _rich(self) -> tuple[Any, Any]:
        """The two consoles, made when the first event is printed: rich's
        for a stream it would colour, a plain one (no rich import, ~0.18 G
        instructions saved) for a pipe, a file or a CI log."""
        if self._consoles is None:
            self._consoles = (
                _console(self.out or sys.stdout),
                _console(self.err_out or sys.stderr),
            )
        return self._consoles

    @property
    def console(self) -> Any:
        return self._rich()[0]

    @property
    def err(self) -> Any:
        return self._rich()[1]

    def text(self, text: str) -> None:
        out = self.out or sys.stdout
        text = shown(text)
        out.write(text)
        if not text.endswith("\n"):
            out.write("\n")
        out.flush()

    def __call__(self, event: Any) -> None:
        if isinstance(event, Summary) and not (event.ok and event.data.get("message")):
            return
        c = self.console
        if isinstance(event, StepStarted):
            c.print(f"[bold]▶ {_show(event.title, line=True)}[/]")
        elif isinstance(event, StepProgress):
            c.print(f"  [dim]{_show(event.detail)}[/]")
        elif isinstance(event, StepFinished):
            style = _STATUS_STYLE.get(event.status, "")
            detail = f" {_show(event.detail)}" if event.detail else ""
            c.print(f"  [{style}]{event.status}[/]{detail}")
        elif isinstance(event, LogLine):
            if event.stream == "info" or self.verbose:
                c.print(f"  [dim]{_show(event.text)}[/]")
        elif isinstance(event, FileChange):
            c.print(f"  [bold]{_show(event.path, line=True)}[/]:{event.line}")
            c.print(f"    [red]- {_show(event.before, line=True)}[/]")
            c.print(f"    [green]+ {_show(event.after, line=True)}[/]")
        elif isinstance(event, GitCommand):
            prefix = "would run" if event.planned else "ran"
            import shlex

            argv = _show(shlex.join(["git", *event.argv]))
            c.print(f"  [dim]{prefix}[/] [cyan]{argv}[/]")
        elif isinstance(event, GateResult):
            style = _STATUS_STYLE.get(event.status, "")
            took = f" [dim]({event.duration:.1f}s)[/]" if event.duration is not None else ""
            detail = f": {_show(event.detail)}" if event.detail else ""
            c.print(f"  [{style}]{event.status:>7}[/] {_show(event.name, line=True)}{detail}{took}")
        elif isinstance(event, ChainLink):
            style = _STATUS_STYLE.get(event.status, "")
            of = f" [dim]({_show(event.package, line=True)})[/]" if event.package else ""
            c.print(
                f"  [{style}]{event.link:>11}[/] {_show(event.name, line=True)}{of} {event.status}"
            )
        elif isinstance(event, PackagePlanned):
            self._package(event)
        elif isinstance(event, ErrorEvent):
            where = f" [{event.step}]" if event.step else ""
            message = _show(event.message)
            self.err.print(f"[bold red]error {event.code}{where}:[/] {message}")
            if event.hint:
                self.err.print(f"  [yellow]fix:[/] {_show(event.hint)}")
        elif isinstance(event, Summary) and event.ok and event.data.get("message"):
            c.print(f"[green]✔[/] {_show(str(event.data['message']))}")

    def _package(self, event: PackagePlanned) -> None:
        """``  ● @acme/cli  @acme/cli@3.0.1 → 3.0.2  2 commits  patch``"""
        mark = "[green]●[/]" if event.release else "[dim]○[/]"
        last = event.last_tag or "never released"
        to = f" → [bold]{_show(event.version, line=True)}[/]" if event.version else ""
        flags = "".join(
            f" [dim]({f})[/]"
            for f in (
                "private" if event.private else "",
                f"fixed: {_show(event.group, line=True)}" if event.group else "",
            )
            if f
        )
        self.console.print(
            f"  {mark} [bold]{_show(event.name, line=True)}[/]{flags}  "
            f"{_show(last, line=True)}{to}  [dim]{event.commits} commit(s)[/]"
        )
        for reason in event.reasons[1:] if event.release else event.reasons[-1:]:
            self.console.print(f"      [dim]{_show(reason, line=True)}[/]")

"""The renderer's plain console writes, byte for byte, what rich writes to a
stream it does not colour; it never imports rich to do so."""

from __future__ import annotations

import io
import random
import subprocess
import sys

import pytest
from rich.console import Console
from rich.markup import escape as rich_escape

from shipline.domain.cli.markup import PlainConsole, escape, expand_tabs, plain, wants_colour
from shipline.domain.cli.render import TextRenderer
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

ALPHABET = "ab/#@[]\\[]\\\\ :=x\t\t\u00e9\u2713\u754c\U0001f389\u0301-_.\n"
CURATED = [
    "",
    "[bold]",
    "\\[bold]",
    "\\\\[bold]",
    "\\\\\\[/]",
    "ends in \\",
    "ends in \\\\",
    "[/]",
    "[]",
    "[ not a tag]",
    "[Bold]",
    "[#fff]",
    "[@click]",
    "[link=https://x.org/a]b[/link]",
    "a[b[c]d]",
    "array[0] = map[key]",
    "path\\to\\[file]",
    ":tada: feat(ui): add :sparkles:",
    "tab\there",
    "C:\\Users\\[me]\\",
]


def _texts(n: int = 400) -> list[str]:
    rng = random.Random(1234)
    made = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 24))) for _ in range(n)]
    return CURATED + made


def _rich_console(out: io.StringIO) -> Console:
    # what the renderer made before: rich on a stream that is not a terminal
    return Console(file=out, highlight=False, soft_wrap=True, emoji=False)


def test_escaped_text_shows_exactly_as_written() -> None:
    for text in _texts():
        shown = io.StringIO()
        _rich_console(shown).print(f"[dim]{escape(text)}[/]")
        assert shown.getvalue() == expand_tabs(text) + "\n", repr(text)
        if "\\" not in text:  # rich's escape is right without backslashes
            assert escape(text) == rich_escape(text), repr(text)


def test_riches_escape_loses_backslashes_ours_keeps() -> None:
    for text in ("C:\\dir\\\\", "a\\[.b", "[[\\\\"):
        theirs = io.StringIO()
        _rich_console(theirs).print(f"[dim]{rich_escape(text)}[/]")
        assert theirs.getvalue() != text + "\n"
        assert plain(f"[dim]{escape(text)}[/]") == text


def test_plain_console_writes_what_rich_writes() -> None:
    for text in _texts():
        markup = f"  [dim]{escape(text)}[/] [bold red]{escape(text)}[/]{escape(text)}"
        theirs, mine = io.StringIO(), io.StringIO()
        _rich_console(theirs).print(markup)
        PlainConsole(mine).print(markup)
        assert mine.getvalue() == theirs.getvalue(), repr(text)
        assert plain(f"[bold]{escape(text)}[/]") == text, repr(text)


def _events() -> list[object]:
    odd = "fix[ui]: \\[x] :tada: C:\\dir\\"
    return [
        StepStarted(step="plan", title=f"Release plan for {odd}"),
        StepProgress(step="build", detail=odd),
        LogLine(step="plan", text=f"  abc1234 ! {odd}"),
        FileChange(path="pyproject.toml", line=3, before='version = "1.0.0"', after=odd),
        GitCommand(argv=["commit", "-m", odd], planned=True),
        GateResult(name="tests [unit]", status="passed", detail=odd, duration=1.25),
        GateResult(name="lint", status="failed", detail=""),
        ChainLink(link="artifact", name="dist/x-1.0.0.tar.gz", status="ok"),
        StepFinished(step="plan", status="planned", detail=odd),
        StepFinished(step="gates", status="skipped"),
        PackagePlanned(
            name="@acme/cli",
            path="packages/cli",
            last_tag="@acme/cli@3.0.1",
            version="3.0.2",
            tag="@acme/cli@3.0.2",
            bump="patch",
            commits=2,
            release=True,
            reasons=["patch: fix(cli): x", odd],
        ),
        ErrorEvent(code=54, message=f"not releasable: {odd}", hint="pass --no-push", step="plan"),
        Summary(command="release plan", ok=True, exit_code=0, data={"message": odd}),
    ]


def test_the_renderer_writes_the_same_bytes_without_rich() -> None:
    outputs = []
    for use_rich in (True, False):
        out, err = io.StringIO(), io.StringIO()
        renderer = TextRenderer(out=out, err=err, verbose=True)
        if use_rich:
            renderer._consoles = (_rich_console(out), _rich_console(err))
        for event in _events():
            renderer(event)
        outputs.append((out.getvalue(), err.getvalue()))
        assert isinstance(renderer.console, Console if use_rich else PlainConsole)
    assert outputs[0] == outputs[1]
    assert "fix[ui]: \\[x] :tada:" in outputs[1][0]


def test_colour_follows_riches_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for name in ("TTY_COMPATIBLE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    assert not wants_colour(io.StringIO()) and wants_colour(Tty())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert wants_colour(io.StringIO())
    monkeypatch.setenv("FORCE_COLOR", "")
    assert not wants_colour(Tty())
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert wants_colour(io.StringIO())
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not wants_colour(Tty())
    for stream in (io.StringIO(), Tty()):
        assert wants_colour(stream) == Console(file=stream).is_terminal


def test_a_piped_plan_never_imports_rich(tmp_path) -> None:  # type: ignore[no-untyped-def]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    probe = (
        "import sys\n"
        "from shipline.domain.cli.main import main\n"
        f"code = main(['-C', {str(tmp_path)!r}, 'release', 'plan', '--no-push'])\n"
        "print('RICH' if 'rich' in sys.modules else 'PLAIN', code, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.stderr.strip().splitlines()[-1].startswith("PLAIN"), done.stderr
    assert "Release plan for" in done.stdout

"""Render every TUI screen to SVG and PNG from the sample repository.

    .venv/bin/python scripts/screenshots.py [OUT_DIR] [--size 80x24]

Makes a fresh sample repository (``python -m domain.sample``) in a temp
dir, walks a real source-only release through the screens (push to the
sample's bare remote included), and saves each screen as it is reached:
``OUT_DIR/NN-name.svg`` and, with Debian's ``rsvg-convert``
(librsvg2-bin), ``NN-name.png``. A light-theme Plan screen is saved too.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.app import ShiplineApp  # noqa: E402
from tui.screens.confirm import ConfirmScreen  # noqa: E402


async def _until(pilot, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("screenshots: timed out; the app did not reach the next state")
        await pilot.pause(0.05)


def to_png(svg: Path) -> Path | None:
    """PNG beside ``svg``. rsvg drops the width of leading no-break spaces,
    so they become plain spaces kept by ``xml:space``."""
    exe = shutil.which("rsvg-convert")
    if exe is None:
        return None
    text = svg.read_text(encoding="utf-8").replace("&#160;", "&#32;")
    if "xml:space" not in text:
        text = re.sub(r"<svg ", '<svg xml:space="preserve" ', text, count=1)
    fixed = svg.with_suffix(".tmp.svg")
    fixed.write_text(text, encoding="utf-8")
    png = svg.with_suffix(".png")
    subprocess.run([exe, str(fixed), "-o", str(png)], check=True)
    fixed.unlink()
    return png


async def shoot(repo: Path, out: Path, size: tuple[int, int]) -> list[Path]:
    app = ShiplineApp(repo)
    saved: list[Path] = []

    async def save(name: str, pilot) -> None:
        await pilot.pause(0.3)
        path = Path(app.save_screenshot(f"{len(saved) + 1:02d}-{name}.svg", str(out)))
        saved.append(path)

    async with app.run_test(size=size) as pilot:
        await _until(pilot, lambda: app.planned is not None or app.plan_error is not None)
        await save("plan", pilot)
        app.theme = "textual-light"
        await save("plan-light", pilot)
        app.theme = "textual-dark"
        for name in ("version", "changelog"):
            await pilot.press("n")
            await _until(pilot, lambda n=name: app.current_name == n)
            await save(name, pilot)
        await pilot.press("n")
        await _until(pilot, lambda: app.current_name == "gates")
        await pilot.press("r")
        await _until(pilot, lambda: app.waiting_after == "gates" or app.state.finished)
        await save("gates", pilot)
        await pilot.press("n")
        await _until(pilot, lambda: app.current_name == "tag")
        await save("tag", pilot)
        await pilot.press("t")
        await _until(pilot, lambda: app.waiting_after == "tag" or app.state.finished)
        await pilot.press("n")
        await _until(pilot, lambda: app.current_name == "publish")
        await pilot.press("p")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen) or app.state.finished)
        await save("publish-confirm", pilot)
        await pilot.press("y")
        await _until(pilot, lambda: app.state.finished)
        app.goto("publish")
        await save("publish", pilot)
        app.goto("chain")
        await save("chain", pilot)
        app.goto("summary")
        await save("summary", pilot)
        await pilot.press("h")
        await _until(pilot, lambda: app.current_name == "history")
        await pilot.press("v")
        await _until(pilot, lambda: getattr(app.screen, "report", None) is not None
                     or getattr(app.screen, "error", None) is not None)
        await save("history", pilot)
        await pilot.press("R")
        await _until(pilot, lambda: app.current_name == "review")
        await save("review", pilot)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="80x24", help="COLUMNSxROWS")
    args = parser.parse_args(argv)
    cols, rows = (int(n) for n in args.size.split("x"))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.svg"), *out.glob("*.png")]:
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="shipline-shots-") as tmp:
        done = subprocess.run([sys.executable, "-m", "domain.sample", tmp], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        repo = Path(done.stdout.strip().splitlines()[-1])
        svgs = asyncio.run(shoot(repo, out, (cols, rows)))
    for svg in svgs:
        png = to_png(svg)
        print(svg.relative_to(ROOT) if svg.is_relative_to(ROOT) else svg,
              "+ png" if png else "(no rsvg-convert: SVG only)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

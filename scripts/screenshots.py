"""Render every TUI screen to SVG and PNG from the demo repository.

    .venv/bin/python scripts/screenshots.py [OUT_DIR] [--size 80x24] [--source-only]

Makes the demo sandbox of ``shipline demo`` in a temp dir (the sample
repository with a Python package and a tarball, a PyPI index served
in-process on loopback, an ephemeral gpg key), walks a real release through
the screens (build, provenance, publish and push, each confirmed), and
saves each screen as it is reached: ``OUT_DIR/NN-name.svg`` and, with
Debian's ``rsvg-convert`` (librsvg2-bin), ``NN-name.png``. A light-theme
Plan screen is saved too, and a release train of a sample pnpm workspace
(its packages table, each package's version and changelog, the tags, the
chain grouped by package). ``--source-only`` uses the plain sample
repository (``python -m shipline.domain.demo.sample``) instead.
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

from shipline.tui.app import ShiplineApp  # noqa: E402
from shipline.tui.screens.confirm import ConfirmScreen  # noqa: E402


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
        while isinstance(app.screen, ConfirmScreen):  # publish, then push
            asked = app.screen
            await pilot.press("y")
            await _until(pilot, lambda a=asked: app.screen is not a or app.state.finished)
            await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen) or app.state.finished)
        await _until(pilot, lambda: app.state.finished)
        app.goto("publish")
        await save("publish", pilot)
        app.goto("chain")
        await save("chain", pilot)
        app.screen.query_one("#chain").scroll_end(animate=False)
        await save("chain-end", pilot)
        app.goto("summary")
        await save("summary", pilot)
        await pilot.press("h")
        await _until(pilot, lambda: app.current_name == "history")
        await pilot.press("v")
        await _until(
            pilot,
            lambda: (
                getattr(app.screen, "report", None) is not None
                or getattr(app.screen, "error", None) is not None
            ),
        )
        await save("history", pilot)
        await pilot.press("R")
        await _until(pilot, lambda: app.current_name == "review")
        await save("review", pilot)
    return saved


async def shoot_workspace(repo: Path, out: Path, size: tuple[int, int], number: int) -> list[Path]:
    """A release train in a workspace: the packages table, then each package's
    version and changelog entry, the tags, each package's tarball published
    and the push, and the chain grouped by package."""
    app = ShiplineApp(repo)
    saved: list[Path] = []

    async def save(name: str, pilot) -> None:
        await pilot.pause(0.3)
        shot = f"{number + len(saved):02d}-{name}.svg"
        saved.append(Path(app.save_screenshot(shot, str(out))))

    async with app.run_test(size=size) as pilot:
        await _until(pilot, lambda: app.train is not None or app.plan_error is not None)
        app.screen.query_one("#packages").focus()
        await save("packages", pilot)
        for step in ("version", "changelog"):
            await pilot.press("escape", "n")
            await _until(pilot, lambda s=step: app.current_name == s)
            if step == "changelog":
                app.screen.query_one("#tc-packages").focus()
            await save(f"train-{step}", pilot)
        await pilot.press("escape", "n")
        await _until(pilot, lambda: app.current_name == "gates")
        await pilot.press("r")
        await _until(pilot, lambda: app.waiting_after == "gates")
        await pilot.press("n")
        await _until(pilot, lambda: app.current_name == "tag")
        await save("train-tag", pilot)
        await pilot.press("t")
        await _until(pilot, lambda: app.waiting_after == "tag")
        await pilot.press("n")
        await _until(pilot, lambda: app.current_name == "publish")
        await pilot.press("p")
        while not app.state.finished:  # the publish, then the push: each asked first
            await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen) or app.state.finished)
            if isinstance(app.screen, ConfirmScreen):
                await pilot.press("y")
                await pilot.pause(0.2)
        app.goto("publish")
        await _until(pilot, lambda: app.current_name == "publish")
        await save("train-publish", pilot)
        await pilot.press("c")
        await _until(pilot, lambda: app.current_name == "chain")
        await save("train-chain", pilot)
    return saved


def _shoot_workspace(tmp: Path, out: Path, size: tuple[int, int], number: int) -> list[Path]:
    from shipline.domain.demo.sample_workspace import make_workspace_sample

    repo = make_workspace_sample(tmp / "workspace")
    _with_tarballs(repo, tmp / "tarballs")
    return asyncio.run(shoot_workspace(repo, out, size, number))


def _with_tarballs(repo: Path, store: Path) -> None:
    """Each public package of the sample workspace gets a tarball artifact in
    a local folder (attested, L1 unsigned), so the train's chain shows every
    package's build, artifact, attestation and registry."""
    import json

    store.mkdir(parents=True, exist_ok=True)
    packages = [
        {
            "name": f"@acme/{folder}",
            "path": f"packages/{folder}",
            "artifacts": [{"type": "tarball", "name": folder, "registry": str(store)}],
        }
        for folder in ("cli", "core", "web")
    ]
    config = {
        "release": {
            "workspace": {"packages": packages},
            "security": {
                "provenance": {"level": "SLSA_BUILD_LEVEL_1", "signing": {"method": "none"}}
            },
        }
    }
    (repo / ".shipline").mkdir(exist_ok=True)
    (repo / ".shipline" / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    for argv in (["add", "-A"], ["commit", "-q", "-m", "chore: release each package's tarball"]):
        subprocess.run(["git", "-C", str(repo), *argv], check=True)


def _shoot_demo(tmp: Path, out: Path, size: tuple[int, int]) -> list[Path]:
    """The demo sandbox, its index and key live while the screens are shot."""
    import os

    from shipline.domain.demo.sandbox import ephemeral_key, make_sandbox, package_index

    packages = tmp / "pypi"
    packages.mkdir()
    with package_index(packages) as url, ephemeral_key() as key:
        sandbox = make_sandbox(tmp / "demo", url, key, packages=packages)
        saved = {k: os.environ.get(k) for k in key}
        os.environ.update(key)
        try:
            return asyncio.run(shoot(sandbox.repo, out, size))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="80x24", help="COLUMNSxROWS")
    parser.add_argument(
        "--source-only",
        action="store_true",
        help="the plain sample repository instead of the demo sandbox",
    )
    args = parser.parse_args(argv)
    cols, rows = (int(n) for n in args.size.split("x"))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.svg"), *out.glob("*.png")]:
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="shipline-shots-") as tmp:
        if args.source_only:
            done = subprocess.run(
                [sys.executable, "-m", "shipline.domain.demo.sample", tmp],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            repo = Path(done.stdout.strip().splitlines()[-1])
            svgs = asyncio.run(shoot(repo, out, (cols, rows)))
        else:
            svgs = _shoot_demo(Path(tmp), out, (cols, rows))
        svgs += _shoot_workspace(Path(tmp), out, (cols, rows), len(svgs) + 1)
    for svg in svgs:
        png = to_png(svg)
        print(
            svg.relative_to(ROOT) if svg.is_relative_to(ROOT) else svg,
            "+ png" if png else "(no rsvg-convert: SVG only)",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``shipline demo``: make the sandbox and walk a release in it, in the
terminal UI or (``--headless``) straight through with this output."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from shipline.domain.cli.session import Session
from shipline.domain.demo.sandbox import (
    DEMO_DIR,
    MARKER,
    ephemeral_key,
    make_sandbox,
    package_index,
)
from shipline.domain.errors import UsageError
from shipline.domain.events import LogLine


def demo(session: Session, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    root = (args.dir or Path.cwd() / DEMO_DIR).resolve()
    if not args.headless and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "the demo's terminal UI needs a terminal",
            hint="`shipline demo --headless` ships the demo release without it",
        )
    packages = _packages(root)
    with package_index(packages) as url, ephemeral_key() as key:
        sandbox = make_sandbox(root, url, key, packages=packages)
        session.emit(
            LogLine(
                step="demo",
                text=f"sandbox: {sandbox.repo} (remote "
                f"{sandbox.remote}); PyPI index {url}; signing key "
                f"{key['GPG_KEY_ID'][-16:]} (ephemeral)",
            )
        )
        saved = {k: os.environ.get(k) for k in key}
        os.environ.update(key)
        try:
            if args.headless:
                return _headless(session, sandbox)
            from shipline.domain.cli.commands.tui import run_app

            code = run_app(sandbox.repo, None)
            return code, {"message": f"demo closed; the sandbox stays in {root}"}
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _packages(root: Path) -> Path:
    """A fresh sandbox folder with the index's (empty) package folder. Only
    an earlier sandbox (it carries a marker) or an empty folder is reused."""
    marker = root / MARKER
    if root.exists() and any(root.iterdir()) and not marker.exists():
        raise UsageError(
            f"{root} exists and is not a shipline demo sandbox; nothing was touched",
            hint="pass --dir with a new or empty folder",
        )
    if root.exists():
        shutil.rmtree(root)
    path = root / "pypi"
    path.mkdir(parents=True)
    marker.write_text("made by `shipline demo`; safe to delete\n")
    return path


def _headless(session: Session, sandbox: Any) -> tuple[int, dict[str, Any]]:
    from shipline.domain.cli.commands.release import _drive
    from shipline.domain.gitops import Git
    from shipline.domain.pipeline.order import ShipOptions
    from shipline.domain.pipeline.steps import Pipeline
    from shipline.domain.release.imports import load_config
    from shipline.domain.review.chain import verify_chain as verify_provenance_chain

    git = Git(sandbox.repo)
    loaded = load_config(git.root)
    pipeline = Pipeline(git, loaded)
    result = _drive(session, pipeline, pipeline.ship(ShipOptions(yes=True)))
    report = verify_provenance_chain(loaded.state_dir, result["version"], repo=git.root)
    for check in report.checks:
        session.emit(
            LogLine(
                step="verify",
                text=f"{check.status:>7} {check.link}: {check.name} {check.detail}".rstrip(),
            )
        )
    published = sorted(p.name for p in (sandbox.packages.iterdir()))
    data = {
        **result,
        "sandbox": str(sandbox.repo),
        "published": published,
        "verified": report.ok,
        "message": f"demo released {result['tag']}: published {', '.join(published)}; "
        f"provenance verified; explore with `shipline -C {sandbox.repo} ledger`",
    }
    return (0 if report.ok else report.code), data

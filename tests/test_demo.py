"""`shipline demo --headless`: the README's first command, end to end."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_shipline


def test_headless_demo_ships_publishes_and_verifies(tmp_path: Path) -> None:
    result = run_shipline("--output", "json", "demo", "--headless", cwd=tmp_path, timeout=300)
    assert result.code == 0, result.out[-3000:] + result.err
    summary = result.json_lines()[-1]["data"]
    assert summary["tag"] == "v1.1.0" and summary["verified"] is True
    assert summary["published"] == [
        "acme_widgets-1.1.0-py3-none-any.whl",
        "acme_widgets-1.1.0.tar.gz",
    ]
    sandbox = tmp_path / ".shipline-demo"
    ledger = json.loads((sandbox / "acme-widgets/.shipline/releases.json").read_text())
    assert ledger["records"][-1]["metadata"]["completeness"] == "complete"
    assert (sandbox / "releases/acme-widgets-src/1.1.0/checksums.txt").is_file()
    # a second run starts over in the same sandbox
    again = run_shipline("demo", "--headless", cwd=tmp_path, timeout=300)
    assert again.code == 0, again.out[-2000:] + again.err


def test_demo_never_deletes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "work"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep")
    result = run_shipline("demo", "--headless", "--dir", precious, cwd=tmp_path)
    assert result.code == 2 and "is not a shipline demo sandbox" in result.err
    assert (precious / "notes.txt").read_text() == "keep"


def test_demo_tui_needs_a_terminal(tmp_path: Path) -> None:
    result = run_shipline("demo", cwd=tmp_path)
    assert result.code == 2 and "--headless" in result.err

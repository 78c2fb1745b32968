"""The reviewer's side of SLSA L4 through the terminal UI (SPEC 8), with real
parts: a release shipped by the real pipeline at L3 (sigstore keyless through
the in-process Fulcio/Rekor stand-in, as in tests/test_review.py), two real
gpg identities approving on the Review screen until L4 is recorded, a
refusal shown in place, ``shipline review VERSION`` opening that screen in a
real terminal (tmux), and a snapshot of the screen with evidence."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from test_tui_tmux import EXE, Tmux, tmux  # noqa: F401
from textual.widgets import Static
from tui_helpers import SIZE, at, until

from shipline.tui.app import ShiplineApp
from shipline.tui.screens.confirm import ConfirmScreen
from shipline.tui.widgets.error_panel import ErrorPanel
from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401
from tests.sigstore_standin import Standin, standin_fixture  # noqa: F401
from tests.test_review import L4, _as, _l3_release, _of, _review, _ship, _tarball_project

HEX = re.compile(r"\b(?:[0-9a-f]{40}|[0-9a-f]{64}|[0-9A-F]{40})\b")


def _shown(app: ShiplineApp) -> str:
    return str(app.screen.query_one("#review-text", Static).render())


async def _verdict(pilot: Any, done: Any) -> None:
    """Press `a`, confirm, and wait until ``done()`` holds on an idle screen."""
    app = pilot.app
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
    assert "append it to the ledger" in app.screen.question
    await pilot.press("y")
    await until(
        pilot,
        lambda: app.current_name == "review" and app.screen.busy is None and done(),
        timeout=90,
        what="the verdict",
    )


async def test_two_reviewers_take_a_release_to_l4_on_the_review_screen(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    standin: Standin,
    gpg_home: GpgHome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _l3_release(cli, repo, tmp_path, standin, monkeypatch)
    release = _of(repo, "release")[-1]
    alice = gpg_home.generate("Alice <alice@example.com>")
    bob = gpg_home.generate("Bob <bob@example.com>")
    ledger = repo.path / ".shipline" / "releases.json"
    monkeypatch.delenv("GPG_KEY_ID", raising=False)

    app = ShiplineApp(repo.path, review_version="1.3.0")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.current_name == "review"  # opened on Review, not Plan
        await until(
            pilot, lambda: app.screen.evidence is not None or app.screen.error, what="the evidence"
        )
        screen = app.screen
        assert screen.error is None, screen.error
        assert screen.query_one("#review-box").border_title == "Review 1.3.0"
        text = _shown(app)
        assert "Level       L3 (release recorded L3)" in text and "chain verified" in text
        assert "0 valid approval(s)" in text and "(0 so far)" in text

        # 1. no signing key: refused in place (91), nothing recorded
        before = ledger.read_bytes()
        await _verdict(pilot, lambda: screen.error is not None)
        assert screen.error.code == 91 and "GPG_KEY_ID" in screen.error.message
        panel = screen.query_one(ErrorPanel)
        assert panel.display and panel.error == screen.error
        assert ledger.read_bytes() == before

        # 2. the first reviewer: recorded, L4 still needs a second identity
        _as(monkeypatch, alice)
        await _verdict(pilot, lambda: len(_of(repo, "review")) == 1)
        assert screen.error is None and not screen.query_one(ErrorPanel).display
        review = _of(repo, "review")[0]
        assert review["reviewer"] == "Alice <alice@example.com>" and review["approved"]
        assert review["releaseHash"] == release["hash"]
        assert not _of(repo, "level")
        text = _shown(app)
        assert "1 valid approval(s)" in text and "✔ Alice <alice@example.com>" in text
        assert "(1 so far: alice@example.com)" in text
        assert "every L4 requirement holds" not in text and "Level       L3" in text

        # 3. the second identity: L4 is recorded, as a new record beside the release
        _as(monkeypatch, bob)
        await _verdict(pilot, lambda: len(_of(repo, "level")) == 1)
        assert screen.error is None
        level = _of(repo, "level")[0]
        assert level["slsaLevel"] == L4 and level["releaseHash"] == release["hash"]
        assert level["evidence"] == [r["hash"] for r in _of(repo, "review")]
        assert _of(repo, "release") == [release]
        text = _shown(app)
        assert "2 valid approval(s)" in text and "✔ Bob <bob@example.com>" in text
        assert "✔ every L4 requirement holds" in text and "Missing for L4" not in text
        assert "Level       L4 (release recorded L3)" in text

    # 4. `review 1.3.0 --sign sigstore --comment ...` opens the same screen: a third
    # reviewer signs keyless, with the note; a review, never a second level record
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", standin.oidc.token(email="carol@example.com"))
    app = ShiplineApp(
        repo.path,
        review_version="1.3.0",
        review_sign="sigstore",
        review_comment="rebuilt it myself",
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.evidence is not None, what="the evidence")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "your sigstore identity (keyless)" in app.screen.question
        await pilot.press("escape")  # declined: nothing signed
        await at(pilot, "review")
        assert len(_of(repo, "review")) == 2
        await _verdict(pilot, lambda: len(_of(repo, "review")) == 3)
        assert app.screen.error is None, app.screen.error
        assert "✔ carol@example.com" in _shown(app)
    carol = _of(repo, "review")[-1]
    assert carol["reviewer"] == "carol@example.com"
    envelope = json.loads((repo.path / carol["statement"]).read_text())
    predicate = json.loads(base64.b64decode(envelope["payload"]))["predicate"]
    assert predicate["comment"] == "rebuilt it myself"
    assert len(_of(repo, "level")) == 1
    assert cli("-C", repo.path, "verify", "1.3.0").code == 0


async def test_review_screen_first_shows_a_config_that_does_not_load(
    cli: Any, repo: Repo, tmp_path: Path, gpg_key: GpgKey
) -> None:
    _tarball_project(repo, tmp_path)
    _ship(cli, repo)
    (repo.path / ".shipline" / "config.json").write_text(json.dumps({"release": {"tagPrefx": "v"}}))
    app = ShiplineApp(repo.path, review_version="1.3.0")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.plan_error is not None, what="the config error")
        await pilot.pause()
        assert app.current_name == "review" and app.screen.evidence is None
        panel = app.screen.query_one(ErrorPanel)
        assert panel.display and panel.error.code == app.plan_error.code
        assert "tagPrefx" in panel.error.message
        assert _shown(app) == ""  # no "loading" left behind the error


def _terminal(tmux: Tmux, repo: Repo, *args: str) -> None:
    env = " ".join(f"{k}={os.environ[k]}" for k in ("HOME", "GIT_CONFIG_GLOBAL", "GNUPGHOME"))
    tmux.start(
        f"cd {repo.path} && env {env} TERM=xterm-256color {EXE} {' '.join(args)}; "
        "echo rc=$?; sleep 30",
    )


def test_review_version_in_a_terminal_opens_the_review_screen(
    cli: Any, repo: Repo, tmp_path: Path, gpg_key: GpgKey, tmux: Tmux
) -> None:
    _tarball_project(repo, tmp_path)
    _ship(cli, repo)
    before = repo.snapshot()
    _terminal(tmux, repo, "review", "v1.3.0", "--sign", "sigstore")
    screen = tmux.wait_for("Review 1.3.0")
    screen = tmux.wait_for("Commits")
    assert "Release     1.3.0  tag v1.3.0" in screen and "sigstore" not in screen
    assert "Approve" in screen.splitlines()[-1] and "Quit" in screen.splitlines()[-1]
    tmux.keys("a")
    tmux.wait_for("sigstore")  # the question names how the verdict would be signed
    tmux.keys("n")
    tmux.wait_for("Commits")
    tmux.keys("C-q")
    screen = tmux.wait_for("rc=0")
    assert "closed the review of 1.3.0" in screen
    assert repo.snapshot() == before  # a look changes nothing
    # without a terminal, and with --output json, the evidence is printed as before
    piped = cli("-C", repo.path, "review", "1.3.0", "--no-rebuild")
    assert piped.code == 0 and "demo-1.3.0.tar.gz  sha256:" in piped.out
    assert _review(cli, repo, "1.3.0", "--no-rebuild").summary["data"]["version"] == "1.3.0"


def test_review_in_a_terminal_unknown_version_or_json_opens_no_app(
    cli: Any, repo: Repo, tmp_path: Path, gpg_key: GpgKey, tmux: Tmux
) -> None:
    _tarball_project(repo, tmp_path)
    _ship(cli, repo)
    _terminal(tmux, repo, "review", "9.9.9")
    screen = tmux.wait_for("rc=50")
    assert "error 50:" in screen and "no release 9.9.9 is recorded" in screen
    assert "Review" not in screen  # refused before any app opened
    _terminal(tmux, repo, "--output", "json", "review", "1.3.0", "--no-rebuild")
    screen = tmux.wait_for("rc=0")
    assert '"message": "1.3.0: SLSA_BUILD_LEVEL_1; L4 needs 4 more thing(s)"}}' in screen.replace(
        "\n", ""
    )  # a terminal, but JSON asked for: printed, no app
    assert "Review 1.3.0" not in screen
    assert cli("-C", repo.path, "review", "not-a-version").code == 53


def _pin_digests(evidence: dict[str, Any]) -> dict[str, Any]:
    """``evidence`` with every commit sha, digest and key fingerprint replaced by a
    stable stand-in (the same value always gets the same one): the config holds
    the temp path, so the real ones change from run to run."""
    fakes: dict[str, str] = {}

    def fake(match: re.Match[str]) -> str:
        real = match.group(0)
        if real not in fakes:
            fake_hex = hashlib.sha256(str(len(fakes)).encode()).hexdigest()[: len(real)]
            fakes[real] = fake_hex.upper() if real.isupper() else fake_hex
        return fakes[real]

    return json.loads(HEX.sub(fake, json.dumps(evidence, sort_keys=True)))


def _review_shot(scroll_to_end: bool) -> Any:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await until(
            pilot, lambda: app.screen.evidence is not None or app.screen.error, what="the evidence"
        )
        assert app.current_name == "review" and app.screen.error is None
        app.screen.evidence = _pin_digests(app.screen.evidence)
        app.screen.refresh_all()
        if scroll_to_end:
            app.screen.query_one("#review-box").scroll_end(animate=False)
        await pilot.pause()

    return run_before


def _approved_once(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    monkeypatch: pytest.MonkeyPatch,
) -> ShiplineApp:
    _tarball_project(repo, tmp_path)
    _ship(cli, repo)
    _as(monkeypatch, gpg_home.generate("Alice <alice@example.com>"))
    assert _review(cli, repo, "1.3.0", "--approve", "--no-rebuild").code == 0
    return ShiplineApp(repo.path, review_version="1.3.0")


def test_review_with_evidence(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    gpg_key: GpgKey,
    monkeypatch: pytest.MonkeyPatch,
    snap_compare: Any,
) -> None:
    """The top of Review at 80x24: the release, commits, config change, artifacts,
    attestation, verify, level and the L4 checks."""
    app = _approved_once(cli, repo, tmp_path, gpg_home, monkeypatch)
    assert snap_compare(app, terminal_size=SIZE, run_before=_review_shot(False))


def test_review_with_evidence_scrolled_to_the_reviews(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    gpg_key: GpgKey,
    monkeypatch: pytest.MonkeyPatch,
    snap_compare: Any,
) -> None:
    """The bottom: one approval recorded, and what L4 still needs."""
    app = _approved_once(cli, repo, tmp_path, gpg_home, monkeypatch)
    assert snap_compare(app, terminal_size=SIZE, run_before=_review_shot(True))


async def test_the_review_screen_names_what_a_check_found_wanting(
    cli: Any,
    repo: Repo,
    tmp_path: Path,
    gpg_home: GpgHome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed L4 check lists its items under it, as `shipline review`
    does: here the sibling @acme/core 1.2.0 that no release vouches for.
    Past eight items the rest are counted and the CLI named for them."""
    from test_review_siblings import _train

    from shipline.tui.screens.review import evidence_text

    _train(cli, repo, tmp_path, gpg_home, monkeypatch, commits=(("fix(cli): q", "packages/cli/q"),))
    app = ShiplineApp(repo.path, review_version="@acme/cli@3.0.2")
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot, lambda: app.screen.evidence is not None or app.screen.error, what="the evidence"
        )
        assert app.screen.error is None, app.screen.error
        text = _shown(app)
        assert "      - pkg:npm/%40acme/core@1.2.0: not hash-pinned in a lock file" in text
        evidence = dict(app.screen.evidence)
    many = [f"pkg:npm/dep-{i}@1.0.0: not hash-pinned in a lock file" for i in range(12)]
    evidence["checks"] = [
        {**c, "items": many} if c["name"] == "dependencyProvenance" else c
        for c in evidence["checks"]
    ]
    lines = str(evidence_text(evidence)).splitlines()
    listed = [line for line in lines if line.startswith("      - pkg:npm/dep-")]
    assert listed == [f"      - {item}" for item in many[:8]]
    assert "      … 4 more (`shipline review @acme/cli@3.0.2`)" in lines

# ruff: noqa: F811  (pytest fixtures imported from tests.gpgkeys are used as arguments)
"""Red-team cases of issue 13 (trust, sanitized text, confined paths, full
validation at load, gpg with any path): each case is a real repository with
a real attack, checked for its exit code, its message and that nothing was
written."""

from __future__ import annotations

import json

import pytest
from conftest import Repo

from shipline.domain.textsafe import escape_json_text, visible, visible_data
from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401

ESC_SUBJECT = "feat: add \x1b]0;owned\x07 title \x1b[2J\x1b[H clear \r\u202eevil\x9b5n"
RAW = ("\x1b", "\x07", "\r", "\u202e", "\x9b")


def refused(result, code: int, words: str) -> None:
    assert result.code == code, (result.out, result.err)
    assert words in result.err, result.err
    assert "Traceback" not in result.out + result.err


# --- sanitized text ------------------------------------------------------------------


def test_visible_shows_every_control_and_keeps_plain_text() -> None:
    assert visible("plain text, ünïcode ✔") == "plain text, ünïcode ✔"
    assert visible("a\n\tb") == "a\n\tb"
    assert visible(ESC_SUBJECT) == ("feat: add ␛]0;owned␇ title ␛[2J␛[H clear ␍<U+202E>evil"
                                    "<U+009B>5n")
    assert visible("a\nb", single_line=True) == "a␊b"
    assert escape_json_text(json.dumps("\x9b\x7f\u202e", ensure_ascii=False)) == \
        '"\\u009b\\u007f\\u202e"'
    assert visible_data({"a": ["\x1b"], "b": 1}) == {"a": ["␛"], "b": 1}


@pytest.fixture
def escape_repo(py_repo: Repo) -> Repo:
    py_repo.commit(ESC_SUBJECT)
    return py_repo


def test_escapes_in_a_commit_subject_are_visible_in_text_output(escape_repo: Repo, cli) -> None:
    result = cli("-C", escape_repo.path, "release", "plan")
    assert result.code == 0, result.err
    assert "add ␛]0;owned␇ title ␛[2J␛[H clear" in result.out
    assert not any(raw in result.out + result.err for raw in RAW)
    changelog = cli("-C", escape_repo.path, "changelog")
    assert "␛[2J" in changelog.out and not any(raw in changelog.out for raw in RAW)


def test_escapes_stay_escaped_in_json_output(escape_repo: Repo, cli) -> None:
    result = cli("-C", escape_repo.path, "--output", "json", "release", "plan")
    assert result.code == 0, result.err
    assert not any(raw in result.out for raw in RAW)
    assert "\\u001b]0;owned\\u0007" in result.out
    as_json = cli("-C", escape_repo.path, "changelog", "--format", "json")
    assert not any(raw in as_json.out for raw in RAW)
    descriptions = [item["description"] for item in
                    json.loads(as_json.out)["releases"][0]["groups"]["Features"]]
    assert any("\x1b]0;owned\x07" in d for d in descriptions)  # kept, only escaped


def test_escapes_never_reach_the_written_changelog(escape_repo: Repo, cli) -> None:
    result = cli("-C", escape_repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    written = (escape_repo.path / "CHANGELOG.md").read_text()
    assert "add ␛]0;owned␇ title ␛[2J␛[H clear" in written
    assert not any(raw in written for raw in RAW)
    assert not any(raw in result.out + result.err for raw in RAW)


def test_the_tui_takes_in_events_with_their_escapes_made_visible() -> None:
    from shipline.domain.events import ErrorEvent, GateResult, LogLine
    from shipline.tui.state import RunState

    state = RunState()
    state.apply(GateResult(name="tests", status="running"))
    state.apply(LogLine(step="gates", source="tests", text=ESC_SUBJECT, stream="stdout"))
    state.apply(LogLine(step="publish", text="registry says \x1b[31mhi\x1b[0m"))
    state.apply(ErrorEvent(code=88, message="upload: \x1b]0;x\x07 refused", hint="\x1b[2J"))
    shown = [*state.gates["tests"].log, state.log[-1].text, state.error.message,
             state.error.hint]
    assert not any(raw in line for line in shown for raw in RAW)
    assert "␛[31mhi" in state.log[-1].text and "␛]0;x␇" in state.error.message


# --- gpg with any path ---------------------------------------------------------------


def _gpg_provenance(repo: Repo, level: str = "SLSA_BUILD_LEVEL_2") -> None:
    repo.write(".shipline/config.json", json.dumps({"release": {"security": {"provenance": {
        "level": level, "signing": {"method": "gpg"}}}}}))


def _attest(cli, repo: Repo, version: str, data: bytes | None = None) -> dict:
    dist = repo.path / "dist"
    dist.mkdir(exist_ok=True)
    file = dist / f"demo-{version}.tar.gz"
    file.write_bytes(data if data is not None else f"demo {version}\n".encode())
    result = cli("-C", repo.path, "--output", "json", "attest", file, "--version", version,
                 "--sbom", "none")
    assert result.code == 0, (result.out, result.err)
    return result.summary["data"]


def test_gpg_signs_and_verifies_in_a_repository_whose_path_has_a_colon(
        tmp_path, cli, gpg_key: GpgKey) -> None:
    path = tmp_path / "team:releases" / "repo"
    path.mkdir(parents=True)
    repo = Repo(path)
    repo.git("init", "-q", "-b", "main")
    repo.commit("feat: first", {"src/app.py": "print('hi')\n"})
    _gpg_provenance(repo)
    data = _attest(cli, repo, "1.0.0")
    assert data["slsaLevel"]
    result = cli("-C", path, "verify", "--all")
    assert result.code == 0, (result.out, result.err)
    assert f"gpg {gpg_key.fingerprint}" in result.out
    pub = gpg_key.export_public(path / "maintainer:key.asc")
    sig = gpg_key.detach_sign(path / "dist" / "demo-1.0.0.tar.gz", path / "dist" / "d:1.asc")
    checked = cli("-C", path, "verify-artifact", path / "dist" / "demo-1.0.0.tar.gz",
                  "--signature", sig, "--key", pub)
    assert checked.code == 0, (checked.out, checked.err)

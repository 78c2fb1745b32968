"""Release tags signed with gpg when `release.tag.sign` is set; a missing
key refuses with 91 and undoes nothing that was not done."""

from __future__ import annotations

import json
import subprocess

from conftest import Repo

from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401


def _sign_config(repo: Repo) -> None:
    repo.write(
        ".shipline/config.json",
        json.dumps({"release": {"versionBump": ["pyproject.toml"], "tag": {"sign": True}}}),
    )
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: sign tags")


def test_signed_tag_verifies_with_the_release_key(
    py_repo: Repo,
    gpg_key: GpgKey,
    cli,
) -> None:
    _sign_config(py_repo)
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, result.err
    assert "signed tag v1.3.0" in result.out
    done = subprocess.run(
        ["git", "-C", str(py_repo.path), "verify-tag", "--raw", "v1.3.0"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and f"VALIDSIG {gpg_key.fingerprint}" in done.stderr
    message = py_repo.git("for-each-ref", "refs/tags/v1.3.0", "--format=%(contents)")
    assert "Shipline-Ledger-Head: 0 none" in message  # the ledger anchor is signed too


def test_signing_without_a_key_is_91_before_anything_is_written(
    py_repo: Repo, gpg_home: GpgHome, cli, monkeypatch
) -> None:
    _sign_config(py_repo)
    monkeypatch.delenv("GPG_KEY_ID", raising=False)
    before = py_repo.snapshot()
    for argv in (
        ("release", "plan", "--no-push"),
        ("release", "ship", "--yes", "--dry-run", "--no-push"),
        ("release", "ship", "--yes", "--no-push"),
    ):
        result = cli("-C", py_repo.path, *argv)
        assert result.code == 91 and "no signing key is known" in result.err, argv
    assert py_repo.snapshot() == before  # no bump, no commit, no journal
    key = gpg_home.generate("Late Key <late@example.com>")
    monkeypatch.setenv("GPG_KEY_ID", key.fingerprint)
    shipped = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    assert shipped.code == 0, shipped.err
    assert py_repo.git("cat-file", "-t", "v1.3.0") == "tag"


def test_signing_with_an_unknown_key_id_is_91(
    py_repo: Repo,
    gpg_home: GpgHome,
    cli,
    monkeypatch,
) -> None:
    _sign_config(py_repo)
    monkeypatch.setenv("GPG_KEY_ID", "0123456789ABCDEF0123456789ABCDEF01234567")
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 91, result.out + result.err
    assert "Traceback" not in result.err and "is not in the gpg keyring" in result.err
    assert py_repo.git("log", "-1", "--format=%s") == "chore: sign tags"  # nothing committed
    assert not (py_repo.path / ".shipline" / "journal.json").exists()


def test_the_tag_signing_choice_is_an_option_of_the_run(
    py_repo: Repo,
    gpg_key: GpgKey,
) -> None:
    """ShipOptions.sign_tag (the TUI's choice) overrides release.tag.sign for
    one run, both ways, and is kept in the journal for a resume."""
    from shipline.domain.config_loading import load_config
    from shipline.domain.gitops import Git
    from shipline.domain.pipeline.order import ShipOptions
    from shipline.domain.pipeline.steps import Pipeline

    git = Git.open(py_repo.path)
    for _ in Pipeline(git, load_config(git.root)).ship(
        ShipOptions(yes=True, no_push=True, sign_tag=True)
    ):
        pass
    done = subprocess.run(
        ["git", "-C", str(py_repo.path), "verify-tag", "--raw", "v1.3.0"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and f"VALIDSIG {gpg_key.fingerprint}" in done.stderr
    py_repo.commit("fix: one more")
    _sign_config(py_repo)
    for _ in Pipeline(git, load_config(git.root)).ship(
        ShipOptions(yes=True, no_push=True, sign_tag=False)
    ):
        pass
    done = subprocess.run(
        ["git", "-C", str(py_repo.path), "verify-tag", "v1.3.1"], capture_output=True, text=True
    )
    assert py_repo.git("cat-file", "-t", "v1.3.1") == "tag" and done.returncode != 0  # unsigned

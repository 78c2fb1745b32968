"""Red-team cases of issue 13 (trust, sanitized text, confined paths, full
validation at load, gpg with any path): each case is a real repository with
a real attack, checked for its exit code, its message and that nothing was
written."""

from __future__ import annotations

import json

import pytest
from conftest import Repo

from shipline.domain.textsafe import escape_json_text, public_url, visible, visible_data
from tests.gpgkeys import GpgHome, GpgKey, gpg_home, gpg_key  # noqa: F401
from tests.public_bundles import public_assets_fixture  # noqa: F401

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
    assert visible(ESC_SUBJECT) == (
        "feat: add ␛]0;owned␇ title ␛[2J␛[H clear ␍<U+202E>evil<U+009B>5n"
    )
    assert visible("a\nb", single_line=True) == "a␊b"
    assert (
        escape_json_text(json.dumps("\x9b\x7f\u202e", ensure_ascii=False))
        == '"\\u009b\\u007f\\u202e"'
    )
    assert visible_data({"a": ["\x1b"], "b": 1}) == {"a": ["␛"], "b": 1}


def test_a_url_is_shown_without_its_credentials() -> None:
    """One rule for every URL a message or record shows (registries, forges,
    the push remote)."""
    from shipline.domain import runner

    assert public_url("https://ci:s3cret@example.org:8443/simple/") == (
        "https://example.org:8443/simple/"
    )
    assert public_url("sparse+https://tok@index.example/") == "sparse+https://index.example/"
    assert public_url("git@github.com:acme/app.git") == "git@github.com:acme/app.git"
    runner.register_secret("query-token-123")
    assert public_url("https://host/x?token=query-token-123") == "https://host/x?token=***"


@pytest.fixture
def escape_repo(py_repo: Repo) -> Repo:
    py_repo.commit(ESC_SUBJECT)
    return py_repo


def test_escapes_in_a_commit_subject_are_visible_in_text_output(escape_repo: Repo, cli) -> None:
    result = cli("-C", escape_repo.path, "release", "plan", "--no-push")
    assert result.code == 0, result.err
    assert "add ␛]0;owned␇ title ␛[2J␛[H clear" in result.out
    assert not any(raw in result.out + result.err for raw in RAW)
    changelog = cli("-C", escape_repo.path, "changelog")
    assert "␛[2J" in changelog.out and not any(raw in changelog.out for raw in RAW)


def test_escapes_stay_escaped_in_json_output(escape_repo: Repo, cli) -> None:
    result = cli("-C", escape_repo.path, "--output", "json", "release", "plan", "--no-push")
    assert result.code == 0, result.err
    assert not any(raw in result.out for raw in RAW)
    assert "\\u001b]0;owned\\u0007" in result.out
    as_json = cli("-C", escape_repo.path, "changelog", "--format", "json")
    assert not any(raw in as_json.out for raw in RAW)
    descriptions = [
        item["description"] for item in json.loads(as_json.out)["releases"][0]["groups"]["Features"]
    ]
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
    shown = [*state.gates["tests"].log, state.log[-1].text, state.error.message, state.error.hint]
    assert not any(raw in line for line in shown for raw in RAW)
    assert "␛[31mhi" in state.log[-1].text and "␛]0;x␇" in state.error.message


# --- gpg with any path ---------------------------------------------------------------


def _gpg_provenance(repo: Repo, level: str = "SLSA_BUILD_LEVEL_2") -> None:
    repo.write(
        ".shipline/config.json",
        json.dumps(
            {
                "release": {
                    "security": {"provenance": {"level": level, "signing": {"method": "gpg"}}}
                }
            }
        ),
    )


def _attest(cli, repo: Repo, version: str, data: bytes | None = None) -> dict:
    dist = repo.path / "dist"
    dist.mkdir(exist_ok=True)
    file = dist / f"demo-{version}.tar.gz"
    file.write_bytes(data if data is not None else f"demo {version}\n".encode())
    result = cli(
        "-C", repo.path, "--output", "json", "attest", file, "--version", version, "--sbom", "none"
    )
    assert result.code == 0, (result.out, result.err)
    return result.summary["data"]


def test_gpg_signs_and_verifies_in_a_repository_whose_path_has_a_colon(
    tmp_path, cli, gpg_key: GpgKey
) -> None:
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
    checked = cli(
        "-C",
        path,
        "verify-artifact",
        path / "dist" / "demo-1.0.0.tar.gz",
        "--signature",
        sig,
        "--key",
        pub,
    )
    assert checked.code == 0, (checked.out, checked.err)


# --- full validation at load, confined paths ------------------------------------------


def _configure(repo: Repo, release: dict) -> dict:
    repo.write(".shipline/config.json", json.dumps({"release": release}))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: configure shipline")
    return repo.snapshot()


@pytest.mark.parametrize(
    ("release", "words"),
    [
        ({"commitMessage": "chore: release {version} by {author}"}, "unknown placeholder {author}"),
        ({"commitMessage": "chore: {version.__class__}"}, "unknown placeholder"),
        ({"commitMessage": "chore: {version!r}"}, "no format spec or conversion"),
        ({"commitMessage": "chore: release {version"}, "not a valid template"),
        ({"tagPrefix": "-x"}, "git would read the tag as an option"),
        ({"tagPrefix": "v.."}, "contains '..'"),
        ({"tagPrefix": "rel ease/"}, "makes tag names git refuses"),
        ({"branch": "ma..in"}, "not a branch name git accepts"),
        ({"gates": [{"name": "tests", "run": ""}]}, "must name a command"),
        ({"gates": [{"name": "tests", "run": "   "}]}, "must name a command"),
        ({"gates": [{"name": "tests", "run": []}]}, "must name a command"),
        ({"versionBump": ["../outside.toml"]}, "resolves outside the repository"),
        (
            {"versionBump": [{"path": "/etc/hostname", "pattern": "{version}"}]},
            "resolves outside the repository",
        ),
        ({"changelog": {"path": "../CHANGELOG.md"}}, "resolves outside the repository"),
        (
            {"artifacts": [{"type": "tarball", "path": "../elsewhere"}]},
            "resolves outside the repository",
        ),
        (
            {"gates": [{"name": "tests", "run": "true", "cwd": "../elsewhere"}]},
            "resolves outside the repository",
        ),
        (
            {
                "artifacts": [
                    {
                        "type": "python-package",
                        "name": "demo",
                        "options": {"uploadUrl": "https://u:hunter2@up.example.org/legacy/"},
                    }
                ]
            },
            "carries a password",
        ),
        (
            {
                "artifacts": [
                    {"type": "tarball", "registry": "https://files.example.org/?token=abc"}
                ]
            },
            "carries a token",
        ),
    ],
)
def test_a_config_git_or_the_release_would_refuse_is_90_at_load(
    py_repo: Repo, cli, release: dict, words: str
) -> None:
    before = _configure(py_repo, release)
    for command in (("release", "plan"), ("release", "ship", "--yes", "--no-push")):
        refused(cli("-C", py_repo.path, *command), 90, words)
        assert py_repo.snapshot() == before


def test_a_deeply_nested_config_is_90_with_its_fix(py_repo: Repo, cli) -> None:
    py_repo.write(
        ".shipline/config.json", '{"release": {"changelog": ' + "[" * 5000 + "]" * 5000 + "}}"
    )
    result = cli("-C", py_repo.path, "release", "plan")
    refused(result, 90, "nested")
    assert "fix:" in result.err


def test_a_password_in_a_registry_url_is_refused_and_never_printed(py_repo: Repo, cli) -> None:
    secret = "s3cr3t-hunter2"
    before = _configure(
        py_repo,
        {
            "artifacts": [
                {
                    "type": "tarball",
                    "name": "demo-src",
                    "registry": f"https://uploader:{secret}@files.example.org/releases",
                }
            ]
        },
    )
    for command in (
        ("--output", "json", "release", "plan"),
        ("--output", "json", "release", "ship", "--dry-run"),
        ("release", "ship", "--dry-run"),
    ):
        result = cli("-C", py_repo.path, *command)
        assert result.code == 90, (result.out, result.err)
        assert "carries a password" in result.out + result.err
        assert secret not in result.out + result.err
    assert py_repo.snapshot() == before


@pytest.mark.parametrize("where", ["-C", "--state-dir"])
def test_a_bad_repository_or_state_dir_is_a_usage_error(
    py_repo: Repo, cli, tmp_path, where: str
) -> None:
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    for bad, words in (
        (a_file, "not a directory"),
        (tmp_path / "no" / "such", "does not exist")
        if where == "--state-dir"
        else (tmp_path / "missing", "no such directory"),
    ):
        args = ("-C", bad) if where == "-C" else ("-C", py_repo.path, "--state-dir", bad)
        refused(cli(*args, "release", "plan"), 2, words)


def test_a_state_dir_outside_the_repository_is_90(py_repo: Repo, cli, tmp_path) -> None:
    refused(
        cli("-C", py_repo.path, "--state-dir", tmp_path / "elsewhere", "release", "plan"),
        90,
        "resolves outside the repository",
    )


def test_a_symlinked_version_file_inside_is_written_through_and_stays_a_symlink(
    py_repo: Repo, cli
) -> None:
    real = py_repo.path / "packaging" / "pyproject.toml"
    real.parent.mkdir()
    (py_repo.path / "pyproject.toml").rename(real)
    (py_repo.path / "pyproject.toml").symlink_to("packaging/pyproject.toml")
    (py_repo.path / "CHANGELOG.md").rename(py_repo.path / "docs.md")
    (py_repo.path / "CHANGELOG.md").symlink_to("docs.md")
    _configure(py_repo, {"versionBump": ["pyproject.toml"]})
    result = cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push")
    assert result.code == 0, (result.out, result.err)
    assert (py_repo.path / "pyproject.toml").is_symlink()
    assert (py_repo.path / "CHANGELOG.md").is_symlink()
    assert 'version = "1.3.0"' in real.read_text()
    assert "## [1.3.0]" in (py_repo.path / "docs.md").read_text()
    changed = py_repo.git("show", "--name-only", "--format=", "HEAD").splitlines()
    assert sorted(changed) == ["docs.md", "packaging/pyproject.toml"]  # the targets
    assert py_repo.git("status", "--porcelain", "--", ".", ":!.shipline") == ""
    assert py_repo.git("ls-files", "-s", "pyproject.toml").startswith("120000")


def test_a_symlinked_version_file_pointing_outside_is_90_and_nothing_is_written(
    py_repo: Repo, cli, tmp_path
) -> None:
    outside = tmp_path / "victim.toml"
    outside.write_text('[project]\nname = "victim"\nversion = "1.2.0"\n')
    (py_repo.path / "pyproject.toml").unlink()
    (py_repo.path / "pyproject.toml").symlink_to(outside)
    before = _configure(py_repo, {"versionBump": ["pyproject.toml"]})
    refused(
        cli("-C", py_repo.path, "release", "ship", "--yes", "--no-push"),
        90,
        "resolves outside the repository (through a symlink)",
    )
    assert outside.read_text() == '[project]\nname = "victim"\nversion = "1.2.0"\n'
    assert py_repo.snapshot() == before


def test_a_deeply_nested_ledger_is_94_and_journal_52(py_repo: Repo, cli) -> None:
    state = py_repo.path / ".shipline"
    state.mkdir()
    deep = "[" * 100_000 + "]" * 100_000
    (state / "releases.json").write_text('{"format": "shipline-ledger/1", "records": ' + deep + "}")
    result = cli("-C", py_repo.path, "verify", "--all")
    refused(result, 94, "nested too deeply")
    (state / "releases.json").unlink()
    (state / "journal.json").write_text('{"version": ' + deep + "}")
    result = cli("-C", py_repo.path, "release", "resume")
    refused(result, 52, "nested too deeply")
    assert "fix:" in result.err


# --- trust from outside the repository ------------------------------------------------

TRUST_VARS = ("SHIPLINE_TRUST", "XDG_CONFIG_HOME")


@pytest.fixture
def two_keys(gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch) -> tuple[GpgKey, GpgKey]:
    """The maintainer's key (GPG_KEY_ID) and an attacker's, both real."""
    for var in TRUST_VARS:
        monkeypatch.delenv(var, raising=False)
    maintainer = gpg_home.generate("Maintainer <maintainer@example.com>")
    attacker = gpg_home.generate("Mallory <mallory@example.com>")
    monkeypatch.setenv("GPG_KEY_ID", maintainer.fingerprint)
    return maintainer, attacker


@pytest.fixture
def signed_repo(repo: Repo, cli, two_keys) -> Repo:
    """Two releases attested and gpg-signed by the maintainer, each tagged."""
    repo.commit("feat: first", {"src/app.py": "print(1)\n"})
    _gpg_provenance(repo)
    repo.tag("v1.0.0", "Release v1.0.0")
    _attest(cli, repo, "1.0.0")
    repo.commit("feat: second", {"src/app.py": "print(2)\n"})
    repo.tag("v1.1.0", "Release v1.1.0")
    _attest(cli, repo, "1.1.0")
    return repo


def _ledger(repo: Repo) -> list[dict]:
    return json.loads((repo.path / ".shipline" / "releases.json").read_text())["records"]


def _write_ledger(repo: Repo, records: list[dict], resealed_from: int) -> None:
    """Recompute the hash chain from ``resealed_from`` on, as a forger would."""
    from shipline.domain.provenance import ledger as ldg

    previous = records[resealed_from - 1]["hash"] if resealed_from else None
    for i in range(resealed_from, len(records)):
        records[i] = ldg.seal(records[i], previous)
        previous = records[i]["hash"]
    (repo.path / ".shipline" / "releases.json").write_bytes(ldg.serialize(records))


def forge_resign(repo: Repo, version: str, key: GpgKey) -> None:
    """Re-sign ``version``'s attestation with ``key``, pin that key in the
    repository and recompute the chain: the forgery of issue 13, item 3."""
    import os

    from shipline.domain.provenance import attestation as att
    from shipline.domain.signing import envelope as signing

    records = _ledger(repo)
    index = next(
        i
        for i, r in enumerate(records)
        if r.get("version") == version and r["recordType"] == "release"
    )
    record = records[index]
    path = repo.path / record["artifacts"][0]["attestation"]
    envelope = att.read_envelope(path)
    payload = att.envelope_payload(envelope)
    signed = signing.sign(
        signing.SigningPlan("gpg", False, None, key.fingerprint),
        json.loads(payload),
        payload,
        attestation=path,
        keys_dir=repo.path / ".shipline" / "keys",
        env={**os.environ, **key.env},
        relative=lambda p: str(p.relative_to(repo.path)),
        signed_at=record["artifacts"][0]["signature"]["signedAt"],
    )
    for file, data in {**signed.files, path: json.dumps(signed.envelope).encode() + b"\n"}.items():
        file.write_bytes(data)
    for artifact in record["artifacts"]:
        artifact["signature"] = signed.block
    _write_ledger(repo, records, index)


def test_forged_latest_release_fails_when_the_signer_changes_silently(
    signed_repo: Repo, cli, two_keys
) -> None:
    maintainer, attacker = two_keys
    assert cli("-C", signed_repo.path, "verify", "--all").code == 0
    forge_resign(signed_repo, "1.1.0", attacker)
    result = cli("-C", signed_repo.path, "verify", "--all")
    refused(
        result,
        92,
        f"signed by gpg {attacker.fingerprint}, but release 1.0.0 was signed "
        f"by gpg {maintainer.fingerprint} and no rotation record",
    )
    assert "trust: from the repository only" in result.out


def test_forged_only_release_passes_from_the_repository_but_not_with_outside_trust(
    repo: Repo, cli, two_keys, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    maintainer, attacker = two_keys
    repo.commit("feat: first", {"src/app.py": "print(1)\n"})
    _gpg_provenance(repo)
    _attest(cli, repo, "1.0.0")
    forge_resign(repo, "1.0.0", attacker)
    alone = cli("-C", repo.path, "verify", "--all")
    assert alone.code == 0, alone.err  # nothing in the repository can tell...
    assert "trust: from the repository only" in alone.out  # ...and it says so
    as_json = cli("-C", repo.path, "--output", "json", "verify", "--all")
    assert as_json.summary["data"]["trust"]["external"] is False
    assert as_json.summary["data"]["trust"]["description"] == "trust: from the repository only"
    pinned = cli("-C", repo.path, "verify", "--all", "--trust-key", maintainer.fingerprint)
    refused(pinned, 92, f"signed by gpg {attacker.fingerprint}, which the caller does not trust")
    assert f"trust: gpg {maintainer.fingerprint} (from --trust-key)" in pinned.out
    trust_file = tmp_path / "config" / "shipline" / "trust.json"
    trust_file.parent.mkdir(parents=True)
    trust_file.write_text(json.dumps({"signers": [{"gpg": maintainer.fingerprint}]}))
    refused(
        cli("-C", repo.path, "verify", "--all", "--trust", trust_file),
        92,
        "which the caller does not trust",
    )
    monkeypatch.setenv("SHIPLINE_TRUST", str(trust_file))
    refused(cli("-C", repo.path, "verify", "1.0.0"), 92, "which the caller does not trust")
    monkeypatch.delenv("SHIPLINE_TRUST")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    from_config = cli("-C", repo.path, "--output", "json", "verify", "--all")
    assert from_config.code == 92
    assert from_config.summary["data"]["trust"]["source"] == f"{trust_file} (the user's config)"


def test_outside_trust_passes_the_genuine_chain_and_reports_it(
    signed_repo: Repo, cli, two_keys
) -> None:
    maintainer, _ = two_keys
    result = cli("-C", signed_repo.path, "verify", "--all", "--trust-key", maintainer.fingerprint)
    assert result.code == 0, (result.out, result.err)
    assert result.out.splitlines()[0] == f"trust: gpg {maintainer.fingerprint} (from --trust-key)"
    assert "(from --trust-key)" in result.out.splitlines()[-1]


def test_a_rotation_signed_by_the_previous_signer_lets_the_new_key_sign(
    signed_repo: Repo, cli, two_keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    maintainer, successor = two_keys
    rotated = cli(
        "-C",
        signed_repo.path,
        "--output",
        "json",
        "trust",
        "rotate",
        "--to",
        successor.fingerprint,
        "--reason",
        "key expiry",
    )
    assert rotated.code == 0, (rotated.out, rotated.err)
    assert _ledger(signed_repo)[-1]["recordType"] == "rotation"
    monkeypatch.setenv("GPG_KEY_ID", successor.fingerprint)
    signed_repo.commit("feat: third", {"src/app.py": "print(3)\n"})
    _attest(cli, signed_repo, "1.2.0")
    result = cli("-C", signed_repo.path, "verify", "--all")
    assert result.code == 0, (result.out, result.err)
    assert f"gpg {maintainer.fingerprint} → gpg {successor.fingerprint}" in result.out
    pinned = cli("-C", signed_repo.path, "verify", "--all", "--trust-key", maintainer.fingerprint)
    assert pinned.code == 0, (pinned.out, pinned.err)  # trust follows the endorsed rotation


def test_a_rotation_signed_by_anyone_else_is_refused_and_nothing_is_written(
    signed_repo: Repo, cli, two_keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    maintainer, attacker = two_keys
    before = signed_repo.snapshot()
    monkeypatch.setenv("GPG_KEY_ID", attacker.fingerprint)
    refused(
        cli("-C", signed_repo.path, "trust", "rotate", "--to", attacker.fingerprint),
        92,
        f"a rotation must be signed by the previous signer, gpg {maintainer.fingerprint}",
    )
    assert signed_repo.snapshot() == before


def test_a_forged_rotation_record_is_92(
    signed_repo: Repo, cli, two_keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attacker writes the rotation record itself, signed with its own key
    but naming the maintainer as the previous signer."""
    maintainer, attacker = two_keys
    monkeypatch.setenv("GPG_KEY_ID", maintainer.fingerprint)
    assert cli("-C", signed_repo.path, "trust", "rotate", "--to", attacker.fingerprint).code == 0
    records = _ledger(signed_repo)
    rotation = records[-1]
    statement = signed_repo.path / rotation["statement"]
    # re-sign the rotation statement with the attacker's key, keep the names
    import os

    from shipline.domain.provenance import attestation as att
    from shipline.domain.signing import envelope as signing

    envelope = att.read_envelope(statement)
    payload = att.envelope_payload(envelope)
    signed = signing.sign(
        signing.SigningPlan("gpg", False, None, attacker.fingerprint),
        json.loads(payload),
        payload,
        attestation=statement,
        keys_dir=signed_repo.path / ".shipline" / "keys",
        env={**os.environ, **attacker.env},
        relative=lambda p: str(p.relative_to(signed_repo.path)),
        signed_at=None,
    )
    for file, data in {
        **signed.files,
        statement: json.dumps(signed.envelope).encode() + b"\n",
    }.items():
        file.write_bytes(data)
    rotation["signature"] = signed.block | {"fingerprint": maintainer.fingerprint}
    _write_ledger(signed_repo, records, len(records) - 1)
    refused(cli("-C", signed_repo.path, "verify", "--all"), 92, "rotation")


def test_a_trust_file_inside_the_repository_is_90(signed_repo: Repo, cli, two_keys) -> None:
    maintainer, _ = two_keys
    inside = signed_repo.write(
        "trust.json", json.dumps({"signers": [{"gpg": maintainer.fingerprint}]})
    )
    refused(
        cli("-C", signed_repo.path, "verify", "--all", "--trust", inside),
        90,
        "the trust file is inside the repository",
    )


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{", "not a valid trust file"),
        ('{"signers": []}', "at least one signer"),
        ('{"signers": [{"gpg": "ABCD1234"}]}', "not a gpg fingerprint"),
        ('{"signers": [{"identity": "x"}]}', "unknown keys"),
    ],
)
def test_a_bad_trust_file_is_90(signed_repo: Repo, cli, tmp_path, content: str, words: str) -> None:
    bad = tmp_path / "trust.json"
    bad.write_text(content)
    refused(cli("-C", signed_repo.path, "verify", "--all", "--trust", bad), 90, words)


def test_a_deleted_release_tag_fails_the_anchor_check(signed_repo: Repo, cli) -> None:
    signed_repo.git("tag", "-d", "v1.0.0")
    refused(
        cli("-C", signed_repo.path, "verify", "--all"),
        93,
        "tag v1.0.0 is missing from the repository",
    )
    refused(cli("-C", signed_repo.path, "verify", "1.0.0"), 93, "is missing")


def test_a_record_naming_a_commit_that_does_not_exist_is_94(signed_repo: Repo, cli) -> None:
    records = _ledger(signed_repo)
    made_up = {k: v for k, v in records[0].items() if k not in ("prevHash", "hash")}
    made_up |= {
        "version": "9.9.9",
        "commitSha": "1234567" * 5 + "89abc",
        "gitTag": None,
        "artifacts": [],
        "sbom": None,
        "ledgerHead": {"count": len(records), "hash": records[-1]["hash"]},
    }
    records.append(made_up)
    _write_ledger(signed_repo, records, len(records) - 1)
    refused(
        cli("-C", signed_repo.path, "verify", "--all"),
        94,
        f"commit {made_up['commitSha']} does not exist in this repository",
    )


def test_verify_artifact_takes_the_signer_from_the_trust_file(
    signed_repo: Repo, cli, two_keys, tmp_path
) -> None:
    maintainer, attacker = two_keys
    file = signed_repo.path / "dist" / "demo-1.0.0.tar.gz"
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"signers": [{"gpg": maintainer.fingerprint}]}))
    good = maintainer.detach_sign(file, tmp_path / "good.asc")
    ok = cli(
        "-C",
        signed_repo.path,
        "verify-artifact",
        file,
        "--signature",
        good,
        "--key",
        maintainer.export_public(tmp_path / "m.asc"),
        "--trust",
        trust,
    )
    assert ok.code == 0, ok.err
    assert f"trust: gpg {maintainer.fingerprint} (from {trust} (--trust))" in ok.out
    forged = attacker.detach_sign(file, tmp_path / "forged.asc")
    refused(
        cli(
            "-C",
            signed_repo.path,
            "verify-artifact",
            file,
            "--signature",
            forged,
            "--key",
            attacker.export_public(tmp_path / "a.asc"),
            "--trust",
            trust,
        ),
        92,
        f"signed by gpg {attacker.fingerprint}, which the caller does not trust",
    )


def test_verify_across_processes_reports_the_same_checks(signed_repo: Repo, cli, two_keys) -> None:
    """SHIPLINE_VERIFY_JOBS=2 forks a worker (a real process, the console
    script): the same checks in the same order, and the forgery still fails."""
    from conftest import run_shipline

    _, attacker = two_keys
    alone = run_shipline(
        "-C",
        signed_repo.path,
        "--output",
        "json",
        "verify",
        "--all",
        env={"SHIPLINE_VERIFY_JOBS": "1"},
    )
    forked = run_shipline(
        "-C",
        signed_repo.path,
        "--output",
        "json",
        "verify",
        "--all",
        env={"SHIPLINE_VERIFY_JOBS": "2"},
    )
    assert alone.code == forked.code == 0, (alone.err, forked.err)
    assert alone.summary["data"] == forked.summary["data"]
    forge_resign(signed_repo, "1.1.0", attacker)
    forked = run_shipline(
        "-C", signed_repo.path, "verify", "--all", env={"SHIPLINE_VERIFY_JOBS": "2"}
    )
    refused(forked, 92, "no rotation record")


async def test_the_tui_error_panel_shows_escapes_visibly() -> None:
    from textual.app import App, ComposeResult

    from shipline.domain.events import ErrorEvent
    from shipline.tui.widgets.error_panel import ErrorPanel

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield ErrorPanel()

    app = Host()
    async with app.run_test() as pilot:
        panel = app.query_one(ErrorPanel)
        panel.show_error(
            ErrorEvent(code=88, message="registry: \x1b]0;owned\x07 refused", hint="\x1b[2J retry")
        )
        await pilot.pause()
        shown = "".join(seg.text for strip in panel.render_lines(panel.region) for seg in strip)
    assert "␛]0;owned␇" in shown and "␛[2J" in shown
    assert not any(raw in shown for raw in RAW)


@pytest.fixture
def public_work(tmp_path, public_assets):
    import shutil

    from tests.public_bundles import GH_ARTIFACT, GH_BUNDLE

    for name in (GH_ARTIFACT, GH_BUNDLE):
        shutil.copyfile(public_assets / name, tmp_path / name)
    return tmp_path


def test_verify_artifact_takes_the_sigstore_identity_from_the_trust_file(
    public_work, cli, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.public_bundles import GH_ARTIFACT, GH_BUNDLE, GH_IDENTITY, GH_ISSUER

    for var in TRUST_VARS:
        monkeypatch.delenv(var, raising=False)
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"signers": [{"identity": GH_IDENTITY, "issuer": GH_ISSUER}]}))
    args = ("verify-artifact", public_work / GH_ARTIFACT, "--bundle", public_work / GH_BUNDLE)
    monkeypatch.setenv("SHIPLINE_TRUST", str(trust))
    ok = cli("--output", "json", *args)
    assert ok.code == 0, ok.err
    assert (
        ok.summary["data"]["trust"]
        == f"trust: sigstore {GH_IDENTITY} ({GH_ISSUER}) (from {trust} ($SHIPLINE_TRUST))"
    )
    trust.write_text(
        json.dumps(
            {
                "signers": [
                    {
                        "identity": "https://github.com/mallory/fork/.github/workflows/release.yml@refs/tags/v1",
                        "issuer": GH_ISSUER,
                    }
                ]
            }
        )
    )
    refused(cli(*args), 92, "")
    monkeypatch.delenv("SHIPLINE_TRUST")
    refused(cli(*args), 2, "--bundle needs --identity")

"""The forge package against loopback GitHub and GitLab stand-ins that keep
state and check every request (GitHub: against GitHub's own OpenAPI
description; GitLab: against its API documentation). Both forges run the
same scenarios: create, reuse on resume, upload and skip, prerelease,
notes, pre-validation, and the faults (500 then success, 429 with
Retry-After, rate-limit reset, 401, 404, a connection dropped mid-upload,
an answer that never comes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from forge_github import OPENAPI, start_github
from forge_gitlab import start_gitlab

from shipline.domain import runner
from shipline.domain.config_forge import ForgeConfig
from shipline.domain.errors import ShiplineError
from shipline.domain.forge import publish as forge
from shipline.domain.forge.assets import release_assets
from shipline.domain.forge.model import LocalAsset

TAG = "v1.4.0"
NOTES = "## [1.4.0] - 2026-01-02\n\n### Features\n\n- **cli:** ship to forges\n"


@pytest.fixture(scope="module", autouse=True)
def _openapi_installed() -> None:
    assert OPENAPI.is_file(), "run scripts/install-test-deps.sh (installs @octokit/openapi)"


@pytest.fixture
def github() -> Iterator[Any]:
    server, state = start_github()
    yield state
    server.shutdown()
    assert state.problems == []


@pytest.fixture
def gitlab() -> Iterator[Any]:
    server, state = start_gitlab()
    yield state
    server.shutdown()
    assert state.problems == []


@pytest.fixture(params=["github", "gitlab"])
def standin(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "github":
        server, state = start_github()
    else:
        server, state = start_gitlab()
    state.kind = request.param
    yield state
    server.shutdown()
    assert state.problems == []


def config(state: Any, **extra: Any) -> ForgeConfig:
    if state.kind == "github":
        data = {
            "type": "github",
            "repository": f"{state.owner}/{state.repo}",
            "apiUrl": state.url,
            "tokenEnv": "FORGE_TOKEN",
        }
    else:
        data = {
            "type": "gitlab",
            "repository": state.project,
            "apiUrl": state.api,
            "tokenEnv": "FORGE_TOKEN",
        }
    return ForgeConfig.model_validate({**data, **extra})


def env(state: Any) -> dict[str, str]:
    return {"FORGE_TOKEN": state.token}


def client(state: Any, sleeps: list[float] | None = None, **extra: Any) -> Any:
    waits = sleeps if sleeps is not None else []
    return forge.make_client(config(state, **extra), env(state), sleep=waits.append)


def files(tmp_path: Path, **contents: bytes) -> list[LocalAsset]:
    from hashlib import sha256

    out = []
    for name, data in sorted(contents.items()):
        path = tmp_path / name.replace("_", ".")
        path.write_bytes(data)
        out.append(LocalAsset(path.name, path, sha256(data).hexdigest(), len(data), "artifact"))
    return out


def request(assets: list[LocalAsset], prerelease: bool = False, tag: str = TAG) -> Any:
    return forge.ForgeRequest(
        tag=tag,
        version=tag.lstrip("v"),
        title=f"Release {tag}",
        notes=NOTES,
        prerelease=prerelease,
        assets=assets,
    )


def drive(gen: Iterator[Any]) -> tuple[list[Any], Any]:
    events: list[Any] = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            return events, stop.value


def publish(c: Any, req: Any, progress: dict[str, Any] | None = None) -> tuple[list[Any], Any]:
    progress = progress if progress is not None else {}
    return drive(forge.publish(c, req, progress, save=lambda: None))


def remote_names(state: Any) -> list[str]:
    if state.kind == "github":
        return sorted(a["name"] for a in state.assets.values())
    return sorted(f["file_name"] for f in state.files.values())


def release_count(state: Any) -> int:
    return len(state.releases)


@pytest.fixture
def two(tmp_path: Path) -> list[LocalAsset]:
    return files(tmp_path, widget_whl=b"wheel bytes " * 500, widget_tgz=b"sdist bytes " * 300)


# --- the scenarios --------------------------------------------------------------------------


def test_create_uploads_and_verifies(standin: Any, two: list[LocalAsset]) -> None:
    events, (url, attached) = publish(client(standin), request(two))
    assert release_count(standin) == 1
    assert remote_names(standin) == ["widget.tgz", "widget.whl"]
    assert set(attached) == {"widget.tgz", "widget.whl"}
    assert all(
        a["sha256"] == next(x.sha256 for x in two if x.name == n) for n, a in attached.items()
    )
    links = [e for e in events if getattr(e, "link", None) == "forge"]
    assert links[-1].status == "ok" and links[-1].detail["url"] == url
    if standin.kind == "github":
        release = next(iter(standin.releases.values()))
        assert (release["name"], release["body"], release["prerelease"]) == (
            f"Release {TAG}",
            NOTES,
            False,
        )
        assert url.endswith(f"/releases/tag/{TAG}")
        # downloads went through the API, the redirect to storage without the token
        assert standin.calls("GET", "/storage/") == 2
    else:
        release = standin.releases[TAG]
        assert (release["name"], release["description"]) == (f"Release {TAG}", NOTES)
        assert sorted(lk["name"] for lk in release["links"]) == ["widget.tgz", "widget.whl"]
        assert all(
            lk["direct_asset_url"].endswith(f"/downloads/{lk['name']}") for lk in release["links"]
        )
        assert set(standin.auth_headers) == {"PRIVATE-TOKEN"}


def test_prerelease_is_flagged(standin: Any, two: list[LocalAsset]) -> None:
    publish(client(standin), request(two, prerelease=True, tag="v1.4.0-rc.1"))
    if standin.kind == "github":
        assert next(iter(standin.releases.values()))["prerelease"] is True
    else:  # GitLab has no prerelease flag: the title carries the version
        assert standin.releases["v1.4.0-rc.1"]["name"] == "Release v1.4.0-rc.1"
        assert {p[1] for p in standin.packages} == {"1.4.0-rc.1"}


def test_resume_reuses_release_and_skips_same_files(standin: Any, two: list[LocalAsset]) -> None:
    publish(client(standin), request(two))
    uploads = len(standin.log)
    events, _ = publish(client(standin), request(two))
    assert release_count(standin) == 1
    assert remote_names(standin) == ["widget.tgz", "widget.whl"]
    texts = [getattr(e, "text", "") for e in events]
    assert any(t.startswith("reusing the") for t in texts)
    assert [
        e.detail
        for e in events
        if getattr(e, "detail", None) and isinstance(e.detail, str) and "already there" in e.detail
    ]
    new_writes = [c for c in standin.log[uploads:] if c[0] in ("POST", "PUT")]
    assert new_writes == []


def test_same_name_other_bytes_is_93(standin: Any, tmp_path: Path, two: list[LocalAsset]) -> None:
    publish(client(standin), request(two))
    (tmp_path / "changed").mkdir()
    changed = files(tmp_path / "changed", widget_whl=b"other wheel bytes")
    with pytest.raises(ShiplineError) as failed:
        publish(client(standin), request(changed))
    assert failed.value.code == 93
    assert "widget.whl" in failed.value.message
    assert remote_names(standin) == ["widget.tgz", "widget.whl"]


def test_resume_after_some_files_uploads_only_the_rest(standin: Any, two: list[LocalAsset]) -> None:
    publish(client(standin), request(two[:1]))
    before = standin.calls("PUT" if standin.kind == "gitlab" else "POST", "asset") + standin.calls(
        "PUT", "/packages/generic/"
    )
    publish(client(standin), request(two))
    after = standin.calls("PUT" if standin.kind == "gitlab" else "POST", "asset") + standin.calls(
        "PUT", "/packages/generic/"
    )
    assert after - before == 1
    assert remote_names(standin) == ["widget.tgz", "widget.whl"]


# --- pre-validation (86) --------------------------------------------------------------------------


def test_prevalidate_passes_and_says_what_it_checked(standin: Any, two: list[LocalAsset]) -> None:
    events, _ = drive(forge.prevalidate(client(standin), request(two)))
    assert any("can" in e.text and "FORGE_TOKEN" in e.text for e in events)
    assert release_count(standin) == 0


def test_unset_token_is_86_naming_the_variable(standin: Any) -> None:
    with pytest.raises(ShiplineError) as failed:
        forge.make_client(config(standin), {})
    assert failed.value.code == 86
    assert "FORGE_TOKEN is not set" in failed.value.message


def test_wrong_token_is_86_naming_variable_and_repository(
    standin: Any, two: list[LocalAsset]
) -> None:
    wrong = "wrong-token-value-123456"
    c = forge.make_client(config(standin), {"FORGE_TOKEN": wrong}, sleep=lambda s: None)
    with pytest.raises(ShiplineError) as failed:
        drive(forge.prevalidate(c, request(two)))
    assert failed.value.code == 86
    text = str(failed.value)
    assert "FORGE_TOKEN" in text and "401" in text and wrong not in text
    assert c.repository in text


def test_unknown_repository_is_86_with_404(standin: Any, two: list[LocalAsset]) -> None:
    repo = "acme/nothing" if standin.kind == "github" else "acme/tools/nothing"
    c = forge.make_client(config(standin, repository=repo), env(standin))
    with pytest.raises(ShiplineError) as failed:
        drive(forge.prevalidate(c, request(two)))
    assert failed.value.code == 86
    assert "404" in failed.value.message and repo in failed.value.message
    assert "FORGE_TOKEN" in str(failed.value)


def test_read_only_token_is_86(standin: Any, two: list[LocalAsset]) -> None:
    if standin.kind == "github":
        standin.permissions = {"pull": True, "push": False}
    else:
        standin.access_level = 20
    with pytest.raises(ShiplineError) as failed:
        drive(forge.prevalidate(client(standin), request(two)))
    assert failed.value.code == 86
    assert "FORGE_TOKEN" in str(failed.value)


def test_existing_release_with_other_files_is_86(
    standin: Any, tmp_path: Path, two: list[LocalAsset]
) -> None:
    other = files(tmp_path, stranger_bin=b"not ours")
    publish(client(standin), request(other))
    with pytest.raises(ShiplineError) as failed:
        drive(forge.prevalidate(client(standin), request(two)))
    assert failed.value.code == 86
    assert "stranger.bin" in failed.value.message


def test_existing_release_with_our_files_passes(standin: Any, two: list[LocalAsset]) -> None:
    publish(client(standin), request(two[:1]))
    events, _ = drive(forge.prevalidate(client(standin), request(two)))
    assert any("reused" in getattr(e, "text", "") for e in events)


# --- faults ---------------------------------------------------------------------------------


def _create_path(state: Any) -> str:
    return r"/releases$"


def _upload_path(state: Any) -> str:
    return r"/assets$" if state.kind == "github" else r"/packages/generic/"


def test_500_then_success(standin: Any, two: list[LocalAsset]) -> None:
    standin.fail("POST", _create_path(standin), 500)
    waits: list[float] = []
    publish(client(standin, waits), request(two))
    assert release_count(standin) == 1 and waits == [1.0]
    assert remote_names(standin) == ["widget.tgz", "widget.whl"]


def test_429_waits_what_retry_after_says(standin: Any, two: list[LocalAsset]) -> None:
    method = "POST" if standin.kind == "github" else "PUT"
    standin.fail(method, _upload_path(standin), 429, headers={"Retry-After": "7"})
    waits: list[float] = []
    publish(client(standin, waits), request(two))
    assert waits == [7.0]
    assert remote_names(standin) == ["widget.tgz", "widget.whl"]


def test_rate_limit_reset_header_is_honoured(standin: Any, two: list[LocalAsset]) -> None:
    import time

    reset = str(int(time.time()) + 30)
    headers = (
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
        if standin.kind == "github"
        else {"RateLimit-Remaining": "0", "RateLimit-Reset": reset}
    )
    standin.fail("GET", r"/releases/", 403 if standin.kind == "github" else 429, headers=headers)
    waits: list[float] = []
    publish(client(standin, waits), request(two))
    assert len(waits) == 1 and 25 <= waits[0] <= 31


def test_a_wait_beyond_the_bound_stops_with_the_time(standin: Any, two: list[LocalAsset]) -> None:
    standin.fail("GET", r"/releases/", 429, headers={"Retry-After": "3600"})
    with pytest.raises(ShiplineError) as failed:
        publish(client(standin), request(two))
    assert failed.value.code == 88
    assert "3600 s" in failed.value.message and "resume" in (failed.value.hint or "")


def test_5xx_forever_gives_up_after_bounded_attempts(standin: Any, two: list[LocalAsset]) -> None:
    for _ in range(4):
        standin.fail("POST", _create_path(standin), 503)
    waits: list[float] = []
    with pytest.raises(ShiplineError) as failed:
        publish(client(standin, waits), request(two))
    assert failed.value.code == 88 and "4 attempts" in failed.value.message
    assert waits == [1.0, 2.0, 4.0]
    assert release_count(standin) == 0
    publish(client(standin), request(two))  # resume: complete, one release
    assert release_count(standin) == 1


def test_401_after_the_push_is_88_naming_the_variable(standin: Any, two: list[LocalAsset]) -> None:
    standin.fail("POST", _create_path(standin), 401, body=b'{"message": "Bad credentials"}')
    with pytest.raises(ShiplineError) as failed:
        publish(client(standin), request(two))
    assert failed.value.code == 88
    assert "FORGE_TOKEN" in str(failed.value) and "401" in failed.value.message
    publish(client(standin), request(two))
    assert release_count(standin) == 1


def test_403_names_the_token_and_what_it_needs(standin: Any, two: list[LocalAsset]) -> None:
    standin.fail("POST", _create_path(standin), 403, body=b'{"message": "Forbidden"}')
    with pytest.raises(ShiplineError) as failed:
        publish(client(standin), request(two))
    assert failed.value.code == 88 and "403" in failed.value.message
    assert "FORGE_TOKEN" in failed.value.message and "may not" in failed.value.message
    assert ("contents" if standin.kind == "github" else "Developer") in (failed.value.hint or "")
    publish(client(standin), request(two))
    assert release_count(standin) == 1


def test_404_names_the_repository(standin: Any, two: list[LocalAsset]) -> None:
    standin.fail("GET", r"/releases/", 404, body=b'{"message": "Not Found"}')
    standin.fail("POST", _create_path(standin), 404, body=b'{"message": "Not Found"}')
    with pytest.raises(ShiplineError) as failed:
        publish(client(standin), request(two))
    assert "404" in failed.value.message
    assert (
        "acme/widget" if standin.kind == "github" else "acme/tools/widget"
    ) in failed.value.message
    publish(client(standin), request(two))
    assert release_count(standin) == 1


def test_connection_dropped_mid_upload(standin: Any, two: list[LocalAsset]) -> None:
    method = "POST" if standin.kind == "github" else "PUT"
    standin.fail(method, _upload_path(standin), action="drop-mid-upload")
    publish(client(standin), request(two))
    assert remote_names(standin) == ["widget.tgz", "widget.whl"]  # no duplicate, no partial
    if standin.kind == "github":
        assert all(a["state"] == "uploaded" for a in standin.assets.values())


def test_an_answer_that_never_comes_makes_no_duplicate(standin: Any, two: list[LocalAsset]) -> None:
    standin.fail("POST", _create_path(standin), action="no-answer")
    method = "POST" if standin.kind == "github" else "PUT"
    standin.fail(method, _upload_path(standin), action="no-answer")
    publish(client(standin), request(two))
    assert release_count(standin) == 1
    assert remote_names(standin) == ["widget.tgz", "widget.whl"]


def test_no_token_in_any_event_or_message(standin: Any, two: list[LocalAsset]) -> None:
    standin.fail(
        "POST",
        _create_path(standin),
        500,
        body=json.dumps({"message": f"echo {standin.token}"}).encode(),
    )
    standin.fail(
        "POST",
        _create_path(standin),
        500,
        body=json.dumps({"message": f"echo {standin.token}"}).encode(),
    )
    standin.fail(
        "POST",
        _create_path(standin),
        500,
        body=json.dumps({"message": f"echo {standin.token}"}).encode(),
    )
    standin.fail(
        "POST",
        _create_path(standin),
        500,
        body=json.dumps({"message": f"echo {standin.token}"}).encode(),
    )
    with pytest.raises(ShiplineError) as failed:
        publish(client(standin), request(two))
    assert standin.token not in str(failed.value)
    assert runner.redact(standin.token) == runner.REDACTED


def test_gitlab_job_token_header(gitlab: Any, two: list[LocalAsset]) -> None:
    gitlab.kind = "gitlab"
    cfg = config(gitlab, tokenEnv="CI_JOB_TOKEN")
    c = forge.make_client(cfg, {"CI_JOB_TOKEN": gitlab.job_token})
    events, _ = drive(forge.prevalidate(c, request(two), before_push=True))
    assert "reaches the releases" in events[0].text
    publish(c, request(two))
    assert set(gitlab.auth_headers) == {"JOB-TOKEN"}


def test_github_without_digest_downloads_to_compare(github: Any, two: list[LocalAsset]) -> None:
    github.kind = "github"
    github.report_digest = False
    publish(client(github), request(two))
    storage = github.calls("GET", "/storage/")
    publish(client(github), request(two))
    assert github.calls("GET", "/storage/") - storage == 4  # 2 to compare, 2 to verify
    assert len(github.assets) == 2


# --- which files ----------------------------------------------------------------------------


def test_release_assets_from_the_record(tmp_path: Path) -> None:
    from hashlib import sha256

    repo = tmp_path
    (repo / "dist").mkdir()
    wheel = repo / "dist" / "w-1.0-py3-none-any.whl"
    wheel.write_bytes(b"wheel")
    att = repo / ".shipline" / "attestations" / "w-1.0.intoto.jsonl"
    att.parent.mkdir(parents=True)
    att.write_text("{}\n")
    bundle = att.with_suffix(".sigstore.json")
    bundle.write_text("{}")
    sbom = repo / ".shipline" / "sbom" / "w-1.0.cdx.json"
    sbom.parent.mkdir()
    sbom.write_bytes(b'{"bomFormat": "CycloneDX"}')
    record = {
        "artifacts": [
            {
                "name": wheel.name,
                "path": "dist/" + wheel.name,
                "sha256": sha256(b"wheel").hexdigest(),
                "attestation": str(att.relative_to(repo)),
                "signature": {"bundle": str(bundle.relative_to(repo)), "signature": None},
            }
        ],
        "sbom": {
            "path": str(sbom.relative_to(repo)),
            "sha256": sha256(sbom.read_bytes()).hexdigest(),
        },
    }
    assets = release_assets(record, repo, tmp_path / "out")
    names = [a.name for a in assets]
    assert names == [*sorted(names[:-1]), "SHA256SUMS"]
    assert set(names) == {wheel.name, att.name, bundle.name, sbom.name, "SHA256SUMS"}
    sums = (tmp_path / "out" / "SHA256SUMS").read_text().splitlines()
    assert f"{sha256(b'wheel').hexdigest()}  {wheel.name}" in sums
    again = release_assets(record, repo, tmp_path / "out")
    assert again == assets  # a resumed run makes the same checksums file
    wheel.write_bytes(b"tampered")
    with pytest.raises(ShiplineError) as failed:
        release_assets(record, repo, tmp_path / "out")
    assert failed.value.code == 93


def test_source_only_release_has_no_files(tmp_path: Path) -> None:
    assert release_assets({"artifacts": [], "sbom": None}, tmp_path, tmp_path / "o") == []
    assert not (tmp_path / "o").exists()


def test_retry_after_as_an_http_date_and_the_reset_epoch() -> None:
    import email.utils

    from shipline.domain.forge.reply import Reply, asked_wait

    now = 1_767_225_600.0
    date = email.utils.formatdate(now + 12, usegmt=True)
    assert asked_wait(Reply(503, b"", {"retry-after": date}), now) == pytest.approx(12, abs=1)
    assert asked_wait(Reply(429, b"", {"ratelimit-reset": str(int(now) + 40)}), now) == 40
    # a reset header with quota left is not a request to wait
    assert (
        asked_wait(
            Reply(
                500, b"", {"x-ratelimit-reset": str(int(now) + 40), "x-ratelimit-remaining": "12"}
            ),
            now,
        )
        is None
    )

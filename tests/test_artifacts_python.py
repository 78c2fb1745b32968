"""python-package handler against a real pypiserver on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from registries import FileServer, PyPIServer, artifact_context

from shipline.domain import runner
from shipline.domain.artifacts import load_handler, rollback_published
from shipline.domain.artifacts.python_package import PythonPackageHandler
from shipline.domain.config import ArtifactConfig
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactTypeUnknown,
    ArtifactValidationFailed,
    DigestMismatch,
    RollbackFailed,
    ShiplineError,
)

PYPROJECT = """[build-system]
requires = ["flit_core>=3.9,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "demo-pkg"
version = "{version}"
description = "a demo package"
"""


@pytest.fixture
def project(repo):  # type: ignore[no-untyped-def]
    repo.commit(
        "feat: package",
        {
            "pyproject.toml": PYPROJECT.format(version="1.3.0"),
            "src/demo_pkg/__init__.py": '"""Demo."""\nVALUE = 42\n',
        },
    )
    return repo


def handler(
    project,
    registry: str,
    *,
    tmp: Path,
    version: str = "1.3.0",
    events: list[object] | None = None,
    env: dict[str, str] | None = None,
    cred: str | None = None,
    **options: object,
) -> PythonPackageHandler:
    cfg = ArtifactConfig.model_validate(
        {
            "type": "python-package",
            "name": "demo",
            "registry": registry,
            "credentialsEnv": cred,
            "options": {"isolation": False, **options},
        }
    )
    ctx = artifact_context(
        project.path,
        version,
        tmp / "out",
        events=events,
        env=env,
        commit=project.git("rev-parse", "HEAD"),
    )
    h = load_handler(cfg, ctx)
    assert isinstance(h, PythonPackageHandler)
    return h


def one_line(exc: pytest.ExceptionInfo[ShiplineError]) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_full_cycle_installs_back_with_pip(project, pypiserver: PyPIServer, tmp_path: Path):
    events: list[object] = []
    h = handler(project, pypiserver.url, tmp=tmp_path, events=events)
    h.validate()
    report = h.dry_run()
    assert report.commands[1][:4] == [sys.executable, "-m", "twine", "upload"]
    assert any("would upload demo_pkg-1.3.0.tar.gz" in line for line in report.details)
    assert not list(pypiserver.packages.iterdir()), "the dry run uploaded something"
    files = h.build()
    assert [f.kind for f in files] == ["wheel", "sdist"]
    assert not h.is_published()
    result = h.publish(files)
    assert h.is_published()
    assert result.reference == f"{pypiserver.url}/simple/demo-pkg/"
    assert result.registry_digest == f"sha256:{files[0].sha256}"
    assert set(result.digests) == {f.path.name for f in files}
    for f in files:
        assert h.verify_published(f, result) == f.sha256
    target = tmp_path / "site"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--isolated",
            "--no-deps",
            "--disable-pip-version-check",
            "--index-url",
            pypiserver.simple,
            "--target",
            str(target),
            "demo-pkg==1.3.0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = subprocess.run(
        [sys.executable, "-c", "import demo_pkg; print(demo_pkg.VALUE)"],
        cwd=target,
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "42"
    # resume after a crash between upload and journal: same files are not uploaded again
    again = h.publish(files)
    assert again.urls == result.urls
    assert len(list(pypiserver.packages.iterdir())) == 2


def test_builds_are_byte_identical(project, tmp_path: Path, pypiserver: PyPIServer):
    first = handler(project, pypiserver.url, tmp=tmp_path / "a").build()
    second = handler(project, pypiserver.url, tmp=tmp_path / "b").build()
    assert [f.sha256 for f in first] == [f.sha256 for f in second]


def test_auth_upload_keeps_the_password_out_of_everything(
    project, pypiserver_auth: PyPIServer, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("PYPI_TOKEN", pypiserver_auth.password or "")
    events: list[object] = []
    h = handler(
        project,
        pypiserver_auth.url,
        tmp=tmp_path,
        events=events,
        cred="PYPI_TOKEN",
        username=pypiserver_auth.username,
    )
    h.validate()
    report = h.dry_run()
    result = h.publish(h.build())
    dumped = repr(events) + repr(report) + repr(result.to_dict())
    assert pypiserver_auth.password and pypiserver_auth.password not in dumped
    assert runner.redact(f"x{pypiserver_auth.password}x") == "x***x"
    assert h.is_published()


def test_wrong_credentials_fail_publish_with_88(
    project, pypiserver_auth: PyPIServer, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("PYPI_TOKEN", "not-the-password")
    monkeypatch.setenv("TWINE_PASSWORD", pypiserver_auth.password or "")  # never used
    h = handler(
        project,
        pypiserver_auth.url,
        tmp=tmp_path,
        cred="PYPI_TOKEN",
        username=pypiserver_auth.username,
    )
    h.validate()
    files = h.build()
    with pytest.raises(ArtifactPublishFailed) as exc:
        h.publish(files)
    assert exc.value.code == 88
    assert "twine upload" in one_line(exc) and "403" in str(exc.value)
    assert "not-the-password" not in str(exc.value)
    assert not list(pypiserver_auth.packages.iterdir())


def test_unset_credential_variable_is_86(
    project, pypiserver_auth: PyPIServer, tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("PYPI_TOKEN", raising=False)
    h = handler(project, pypiserver_auth.url, tmp=tmp_path, cred="PYPI_TOKEN")
    with pytest.raises(ArtifactValidationFailed) as exc:
        h.validate()
    assert exc.value.code == 86
    assert "PYPI_TOKEN is not set" in one_line(exc)


def test_version_already_published(project, pypiserver: PyPIServer, tmp_path: Path):
    h = handler(project, pypiserver.url, tmp=tmp_path / "first")
    h.publish(h.build())
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(project, pypiserver.url, tmp=tmp_path / "second").validate()
    assert exc.value.code == 86
    assert "demo-pkg 1.3.0 is already published" in one_line(exc)
    # different bytes for the same version (a changed source): publish refuses, 88
    project.commit("docs: tweak", {"src/demo_pkg/__init__.py": '"""Demo!"""\nVALUE = 43\n'})
    other = handler(project, pypiserver.url, tmp=tmp_path / "third")
    with pytest.raises(ArtifactPublishFailed) as exc2:
        other.publish(other.build())
    assert "with different files" in one_line(exc2)


def test_manifest_version_differs_is_86(project, pypiserver: PyPIServer, tmp_path: Path):
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(project, pypiserver.url, tmp=tmp_path, version="1.4.0").validate()
    assert "version is '1.3.0', the release is 1.4.0" in one_line(exc)


def test_semver_prerelease_matches_pep440(repo, pypiserver: PyPIServer, tmp_path: Path):
    repo.commit(
        "feat: rc",
        {
            "pyproject.toml": PYPROJECT.format(version="2.0.0rc1"),
            "src/demo_pkg/__init__.py": '"""Demo."""\n',
        },
    )
    h = handler(repo, pypiserver.url, tmp=tmp_path, version="2.0.0-rc.1")
    h.validate()
    assert [f.path.name for f in h.build()][1] == "demo_pkg-2.0.0rc1.tar.gz"


def test_registry_down_is_86(project, dead_url: str, tmp_path: Path):
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(project, dead_url, tmp=tmp_path).validate()
    assert f"registry {dead_url}/simple/ is unreachable" in one_line(exc)


def test_registry_5xx(project, pypiserver: PyPIServer, fault_proxy, tmp_path: Path):
    proxy = fault_proxy(pypiserver.url)
    proxy.fail(503)
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(project, proxy.url, tmp=tmp_path).validate()
    assert "answered HTTP 503" in one_line(exc)
    proxy.fail(502, methods={"POST"})
    h = handler(project, proxy.url, tmp=tmp_path)
    h.validate()
    with pytest.raises(ArtifactPublishFailed) as exc2:
        h.publish(h.build())
    assert exc2.value.code == 88 and "502" in one_line(exc2)
    assert not list(pypiserver.packages.iterdir())


def test_registry_hang_past_timeout(project, pypiserver: PyPIServer, fault_proxy, tmp_path: Path):
    proxy = fault_proxy(pypiserver.url)
    proxy.fail(None, hang=True)
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(project, proxy.url, tmp=tmp_path, timeoutSeconds=1).validate()
    assert "did not answer within 1 s" in one_line(exc)
    proxy.fail(None, hang=True, methods={"POST"})
    h = handler(project, proxy.url, tmp=tmp_path, timeoutSeconds=4)
    files = h.build()
    with pytest.raises(ArtifactPublishFailed) as exc2:
        h.publish(files)
    assert "did not finish within 4 s" in one_line(exc2)


def test_rollback_is_impossible_and_names_what_stayed(
    project, pypiserver: PyPIServer, file_server: FileServer, tmp_path: Path
):
    h = handler(project, pypiserver.url, tmp=tmp_path)
    result = h.publish(h.build())
    with pytest.raises(RollbackFailed) as exc:
        h.rollback(result)
    assert exc.value.code == 89
    assert "demo-pkg 1.3.0 stays published" in one_line(exc)
    with pytest.raises(RollbackFailed) as exc2:
        rollback_published([(h, result)], ArtifactPublishFailed("npm-package 'web': boom"))
    assert one_line(exc2).startswith(
        "npm-package 'web': boom; rollback incomplete, still published: python-package 'demo'"
    )


def test_verify_detects_a_swapped_file(project, pypiserver: PyPIServer, tmp_path: Path):
    h = handler(project, pypiserver.url, tmp=tmp_path)
    files = h.build()
    result = h.publish(files)
    stored = pypiserver.packages / files[1].path.name
    stored.write_bytes(stored.read_bytes() + b"tampered")
    with pytest.raises(DigestMismatch) as exc:
        h.verify_published(files[1], result)
    assert exc.value.code == 93 and files[1].sha256 in one_line(exc)


def test_missing_tool_is_86_and_broken_build_is_87(project, pypiserver: PyPIServer, tmp_path: Path):
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(project, pypiserver.url, tmp=tmp_path, python="/nonexistent/python").validate()
    assert "python -m build" in one_line(exc)
    project.commit(
        "chore: break",
        {
            "pyproject.toml": PYPROJECT.format(version="1.3.0").replace(
                "flit_core.buildapi", "no_such_backend.api"
            )
        },
    )
    with pytest.raises(ArtifactBuildFailed) as exc2:
        handler(project, pypiserver.url, tmp=tmp_path).build()
    assert exc2.value.code == 87 and "python -m build failed" in one_line(exc2)


def test_unknown_type_is_85(tmp_path: Path):
    ctx = artifact_context(tmp_path, "1.0.0", tmp_path / "out")
    with pytest.raises(ArtifactTypeUnknown) as exc:
        load_handler(ArtifactConfig(type="ruby-gem"), ctx)
    assert exc.value.code == 85 and "unknown artifact type 'ruby-gem'" in one_line(exc)


def test_partial_upload_is_89_and_resume_uploads_the_rest(
    project, pypiserver: PyPIServer, fault_proxy, tmp_path: Path
):
    proxy = fault_proxy(pypiserver.url)
    h = handler(project, proxy.url, tmp=tmp_path)
    files = h.build()
    proxy.fail(503, methods={"POST"}, after=1)  # the first file goes through, the second fails
    with pytest.raises(RollbackFailed) as exc:
        h.publish(files)
    text = one_line(exc)
    kept = [p.name for p in pypiserver.packages.iterdir()]
    assert exc.value.code == 89 and len(kept) == 1 and f"{kept[0]} stayed published" in text
    with pytest.raises(RollbackFailed) as exc2:  # ARTP-009: 89 even when the others roll back
        rollback_published([], exc.value)
    assert exc2.value.code == 89
    proxy.heal()
    result = h.publish(files)  # resume: adopts the kept file, uploads only the missing one
    assert sorted(p.name for p in pypiserver.packages.iterdir()) == sorted(result.urls)
    assert [h.verify_published(f, result) for f in files] == [f.sha256 for f in files]

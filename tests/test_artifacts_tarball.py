"""tarball handler: reproducible archive, directory and HTTP destinations,
faults against a real HTTP store on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from registries import FileServer, artifact_context

from shipline.domain.artifacts import (
    BuiltFile,
    PublishResult,
    known_types,
    load_handler,
    rollback_published,
)
from shipline.domain.artifacts.tarball import TarballHandler
from shipline.domain.config import ArtifactConfig
from shipline.domain.errors import (
    ArtifactBuildFailed,
    ArtifactPublishFailed,
    ArtifactValidationFailed,
    ConfigInvalid,
    DigestMismatch,
    RollbackFailed,
    ShiplineError,
)

EPOCH = 1_767_300_000


@pytest.fixture
def project(repo):  # type: ignore[no-untyped-def]
    repo.commit(
        "feat: sources",
        {
            "README.md": "demo\n",
            "src/b.txt": "b\n",
            "src/a.txt": "a\n",
            "bin/run.sh": "#!/bin/sh\necho run\n",
        },
    )
    (repo.path / "bin/run.sh").chmod(0o755)
    repo.git("add", "bin/run.sh")
    repo.git("commit", "-q", "-m", "chore: exec bit")
    return repo


def handler(
    root: Path,
    registry: str,
    *,
    tmp: Path,
    commit: str,
    version: str = "2.0.0",
    events: list[object] | None = None,
    cred: str | None = None,
    path: str = ".",
    **options: object,
) -> TarballHandler:
    cfg = ArtifactConfig.model_validate(
        {
            "type": "tarball",
            "name": "demo",
            "registry": registry,
            "credentialsEnv": cred,
            "path": path,
            "options": options,
        }
    )
    h = load_handler(
        cfg, artifact_context(root, version, tmp / "out", events=events, commit=commit, epoch=EPOCH)
    )
    assert isinstance(h, TarballHandler)
    return h


def head(repo) -> str:  # type: ignore[no-untyped-def]
    return repo.git("rev-parse", "HEAD")


def one_line(exc: pytest.ExceptionInfo[ShiplineError]) -> str:
    assert "\n" not in str(exc.value)
    return str(exc.value)


def test_two_builds_are_byte_identical_even_from_another_clone(project, tmp_path: Path):
    first = handler(project.path, "/unused", tmp=tmp_path / "a", commit=head(project)).build()
    second = handler(project.path, "/unused", tmp=tmp_path / "b", commit=head(project)).build()
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project.path), str(clone)], check=True)
    third = handler(clone, "/unused", tmp=tmp_path / "c", commit=head(project)).build()
    assert first[0].path.read_bytes() == second[0].path.read_bytes() == third[0].path.read_bytes()
    assert [f.kind for f in first] == ["tarball", "checksums"]
    data = first[0].path.read_bytes()
    assert data[4:8] == b"\0\0\0\0", "gzip header mtime must be 0"
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names) and "demo-2.0.0/src/a.txt" in names
    assert {m.mtime for m in members} == {EPOCH}
    assert {(m.uid, m.gid, m.uname) for m in members} == {(0, 0, "")}
    assert next(m for m in members if m.name.endswith("run.sh")).mode == 0o755
    assert first[1].path.read_text() == f"{hashlib.sha256(data).hexdigest()}  demo-2.0.0.tar.gz\n"


def test_directory_destination_full_cycle(project, tmp_path: Path):
    store = tmp_path / "store"
    store.mkdir()
    h = handler(project.path, f"file://{store}", tmp=tmp_path, commit=head(project))
    h.validate()
    report = h.dry_run()
    assert "src/a.txt" in report.details and report.details[0] == "4 files in demo-2.0.0.tar.gz"
    assert report.commands[0][:2] == ["git", "archive"]
    assert not any(store.iterdir()), "the dry run wrote something"
    files = h.build()
    result = h.publish(files)
    assert (store / "demo/2.0.0/demo-2.0.0.tar.gz").read_bytes() == files[0].path.read_bytes()
    assert result.registry_digest == f"sha256:{files[0].sha256}"
    assert h.is_published()
    assert [h.verify_published(f, result) for f in files] == [f.sha256 for f in files]
    assert "deleted" in h.rollback(result)
    assert not h.is_published() and not (store / "demo/2.0.0").exists()


def test_http_destination_with_token(project, file_server: FileServer, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TARBALL_TOKEN", file_server.token or "")
    events: list[object] = []
    h = handler(
        project.path,
        file_server.url,
        tmp=tmp_path,
        commit=head(project),
        events=events,
        cred="TARBALL_TOKEN",
    )
    h.validate()
    h.dry_run()
    files = h.build()
    result = h.publish(files)
    assert result.reference == f"{file_server.url}/demo/2.0.0/demo-2.0.0.tar.gz"
    assert result.registry_digest == f"sha256:{files[0].sha256}"
    assert h.verify_published(files[0], result) == files[0].sha256
    assert file_server.token and file_server.token not in repr(events) + repr(result.to_dict())
    h.rollback(result)
    assert not (file_server.root / "demo/2.0.0/demo-2.0.0.tar.gz").exists()
    assert ("DELETE", "/demo/2.0.0/checksums.txt") in file_server.requests


def test_wrong_and_missing_token(project, file_server: FileServer, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("TARBALL_TOKEN", raising=False)
    h = handler(
        project.path, file_server.url, tmp=tmp_path, commit=head(project), cred="TARBALL_TOKEN"
    )
    with pytest.raises(ArtifactValidationFailed) as exc:
        h.validate()
    assert "TARBALL_TOKEN is not set" in one_line(exc)
    monkeypatch.setenv("TARBALL_TOKEN", "wrong-token")  # the context snapshots the env
    h = handler(
        project.path, file_server.url, tmp=tmp_path, commit=head(project), cred="TARBALL_TOKEN"
    )
    h.validate()
    with pytest.raises(ArtifactPublishFailed) as exc2:
        h.publish(h.build())
    assert exc2.value.code == 88 and "HTTP 401" in one_line(exc2)
    assert "wrong-token" not in str(exc2.value)
    assert not (file_server.root / "demo").exists()


def test_version_already_published(project, tmp_path: Path):
    store = tmp_path / "store"
    store.mkdir()
    h = handler(project.path, str(store), tmp=tmp_path / "a", commit=head(project))
    files = h.build()
    first = h.publish(files)
    with pytest.raises(ArtifactValidationFailed) as exc:
        h.validate()
    assert exc.value.code == 86 and "demo-2.0.0.tar.gz is already published" in one_line(exc)
    assert h.publish(files).urls == first.urls  # resume: same bytes, nothing rewritten
    project.commit("fix: later change")
    other = handler(project.path, str(store), tmp=tmp_path / "b", commit=head(project))
    with pytest.raises(ArtifactPublishFailed) as exc2:
        other.publish(other.build())
    assert "already exist" in one_line(exc2)
    assert (store / "demo/2.0.0/demo-2.0.0.tar.gz").read_bytes() == files[0].path.read_bytes()


def test_registry_down_and_missing_directory(project, dead_url: str, tmp_path: Path):
    with pytest.raises(ArtifactValidationFailed) as exc:
        handler(project.path, dead_url, tmp=tmp_path, commit=head(project)).validate()
    assert f"registry {dead_url}/ is unreachable" in one_line(exc)
    with pytest.raises(ArtifactValidationFailed) as exc2:
        handler(project.path, str(tmp_path / "nope"), tmp=tmp_path, commit=head(project)).validate()
    assert "does not exist or is not writable" in one_line(exc2)


def test_5xx_on_second_upload_cleans_the_first(
    project, file_server: FileServer, fault_proxy, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("TARBALL_TOKEN", file_server.token or "")
    proxy = fault_proxy(file_server.url)
    h = handler(project.path, proxy.url, tmp=tmp_path, commit=head(project), cred="TARBALL_TOKEN")
    h.validate()
    files = h.build()
    proxy.fail(500, methods={"PUT"}, after=1)
    with pytest.raises(ArtifactPublishFailed) as exc:
        h.publish(files)
    assert "answered HTTP 500" in one_line(exc)
    assert not (file_server.root / "demo/2.0.0/demo-2.0.0.tar.gz").exists(), "half-published"
    assert ("PUT", "/demo/2.0.0/demo-2.0.0.tar.gz") in file_server.requests


def test_hang_past_timeout(project, file_server: FileServer, fault_proxy, tmp_path: Path):
    proxy = fault_proxy(file_server.url)
    proxy.fail(None, hang=True)
    h = handler(project.path, proxy.url, tmp=tmp_path, commit=head(project), timeoutSeconds=1)
    with pytest.raises(ArtifactValidationFailed) as exc:
        h.validate()
    assert "did not answer within 1 s" in one_line(exc)
    proxy.fail(None, hang=True, methods={"PUT"})
    with pytest.raises(ArtifactPublishFailed) as exc2:
        h.publish(h.build())
    assert exc2.value.code == 88 and "PUT" in one_line(exc2)


def test_rollback_failure_is_89_naming_what_stayed(
    project, file_server: FileServer, fault_proxy, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("TARBALL_TOKEN", file_server.token or "")
    proxy = fault_proxy(file_server.url)
    h = handler(project.path, proxy.url, tmp=tmp_path, commit=head(project), cred="TARBALL_TOKEN")
    result = h.publish(h.build())
    proxy.fail(500, methods={"DELETE"})
    with pytest.raises(RollbackFailed) as exc:
        rollback_published([(h, result)], ArtifactPublishFailed("oci-image 'app': push failed"))
    text = one_line(exc)
    assert exc.value.code == 89 and "still published: tarball 'demo'" in text
    assert (file_server.root / "demo/2.0.0/demo-2.0.0.tar.gz").exists()
    proxy.heal()
    with pytest.raises(ArtifactPublishFailed) as exc2:
        rollback_published([(h, result)], ArtifactPublishFailed("oci-image 'app': push failed"))
    assert exc2.value.code == 88 and "rolled back: tarball 'demo': deleted" in one_line(exc2)


def test_verify_detects_changed_bytes(
    project, file_server: FileServer, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("TARBALL_TOKEN", file_server.token or "")
    h = handler(
        project.path, file_server.url, tmp=tmp_path, commit=head(project), cred="TARBALL_TOKEN"
    )
    files = h.build()
    result = h.publish(files)
    (file_server.root / "demo/2.0.0/demo-2.0.0.tar.gz").write_bytes(b"other bytes")
    with pytest.raises(DigestMismatch) as exc:
        h.verify_published(files[0], result)
    assert exc.value.code == 93 and files[0].sha256 in one_line(exc)


def test_bad_commit_is_86_at_validate_and_87_at_build(project, tmp_path: Path):
    store = tmp_path / "store"
    store.mkdir()
    h = handler(project.path, str(store), tmp=tmp_path, commit="0" * 40)
    with pytest.raises(ArtifactValidationFailed) as exc:
        h.validate()
    assert exc.value.code == 86 and "resolve 0000" in one_line(exc)
    with pytest.raises(ArtifactBuildFailed) as exc2:
        h.build()
    assert exc2.value.code == 87 and "git archive" in one_line(exc2)
    assert not (tmp_path / "out").exists()


def test_a_folder_of_the_commit_is_archived_and_a_file_is_86(project, tmp_path: Path):
    """``path`` (a workspace package's folder): only that folder is archived;
    a path that names a file or nothing is refused at validate."""
    store = tmp_path / "store"
    store.mkdir()
    h = handler(project.path, str(store), tmp=tmp_path / "ok", commit=head(project), path="src")
    h.validate()
    [archive, _sums] = h.build()
    with tarfile.open(archive.path) as tf:
        assert sorted(m.name for m in tf.getmembers() if m.isfile()) == [
            "demo-2.0.0/a.txt",
            "demo-2.0.0/b.txt",
        ]
    for wrong in ("README.md", "nowhere"):
        h = handler(
            project.path, str(store), tmp=tmp_path / wrong, commit=head(project), path=wrong
        )
        with pytest.raises(ArtifactValidationFailed) as exc:
            h.validate()
        assert exc.value.code == 86 and f"resolve {head(project)}:{wrong}" in one_line(exc)


def test_registry_is_lazy_and_knows_the_seed_aliases(tmp_path: Path):
    probe = (
        "import sys, shipline.domain.artifacts; "
        "print(sorted(m for m in sys.modules if m.startswith('shipline.domain.artifacts.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        check=True,
    )
    assert done.stdout.strip() == "['shipline.domain.artifacts.base']"
    ctx = artifact_context(tmp_path, "1.0.0", tmp_path / "out")
    h = load_handler(ArtifactConfig.model_validate({"type": "generic-tarball", "name": "src"}), ctx)
    assert isinstance(h, TarballHandler) and h.ctx.out_dir == tmp_path / "out" / "tarball-src"
    assert set(known_types()) == {
        "python-package",
        "npm-package",
        "oci-image",
        "cargo-crate",
        "tarball",
    }


def test_results_round_trip_through_json(project, tmp_path: Path):
    store = tmp_path / "store"
    store.mkdir()
    h = handler(project.path, str(store), tmp=tmp_path, commit=head(project))
    files = h.build()
    result = h.publish(files)
    again = [BuiltFile.from_dict(json.loads(json.dumps(f.to_dict()))) for f in files]
    assert again == files
    assert PublishResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    assert set(result.to_dict()) == {
        "reference",
        "registryDigest",
        "publishedAt",
        "urls",
        "digests",
    }


def test_partial_upload_that_cannot_be_removed_is_89(
    project, file_server: FileServer, fault_proxy, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("TARBALL_TOKEN", file_server.token or "")
    proxy = fault_proxy(file_server.url)
    h = handler(project.path, proxy.url, tmp=tmp_path, commit=head(project), cred="TARBALL_TOKEN")
    files = h.build()
    proxy.fail(500, methods={"PUT", "DELETE"}, after=1)
    with pytest.raises(RollbackFailed) as exc:
        h.publish(files)
    assert exc.value.code == 89
    assert "the partial upload demo-2.0.0.tar.gz could not be removed" in one_line(exc)
    assert (file_server.root / "demo/2.0.0/demo-2.0.0.tar.gz").exists()


def test_a_name_that_escapes_the_destination_is_86(project, tmp_path: Path):
    store = tmp_path / "store"
    store.mkdir()
    cfg = ArtifactConfig.model_validate(
        {"type": "tarball", "name": "../../etc", "registry": str(store)}
    )
    h = load_handler(
        cfg, artifact_context(project.path, "2.0.0", tmp_path / "out", commit=head(project))
    )
    with pytest.raises(ArtifactValidationFailed) as exc:
        h.validate()
    assert exc.value.code == 86 and "must be letters, digits" in one_line(exc)
    assert not any(store.iterdir())


def test_bad_timeout_option_is_90(tmp_path: Path):
    cfg = ArtifactConfig.model_validate(
        {"type": "tarball", "name": "src", "options": {"timeoutSeconds": "soon"}}
    )
    with pytest.raises(ConfigInvalid) as exc:
        load_handler(cfg, artifact_context(tmp_path, "1.0.0", tmp_path / "out"))
    assert exc.value.code == 90 and "options.timeoutSeconds: 'soon'" in one_line(exc)

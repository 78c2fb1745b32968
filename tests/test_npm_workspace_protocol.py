"""npm packs a pnpm or yarn workspace package with its ``workspace:``
requirements replaced as pnpm publishes them, from a copy of its folder:
the package's own files are never changed, and a requirement that cannot be
resolved stops the build (87) before npm runs."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from conftest import Repo

from shipline.domain.artifacts import ArtifactContext, load_handler
from shipline.domain.artifacts.npm_workspace import published_spec
from shipline.domain.config import ArtifactConfig
from shipline.domain.errors import ArtifactBuildFailed


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("workspace:*", "1.3.0"),
        ("workspace:^", "^1.3.0"),
        ("workspace:~", "~1.3.0"),
        ("workspace:^1.2.0", "^1.2.0"),
        ("workspace:>=1.0.0 <2", ">=1.0.0 <2"),
        ("workspace:../core", None),
        ("workspace:core@*", None),
    ],
)
def test_the_published_range_is_pnpm_s(spec: str, expected: str | None) -> None:
    assert published_spec(spec, "1.3.0") == expected


def _workspace(repo: Repo, cli_requires: str) -> Repo:
    repo.commit(
        "chore: workspace",
        {
            "package.json": '{"name": "acme", "private": true}\n',
            "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
            "packages/core/package.json": '{"name": "@acme/core", "version": "1.3.0"}\n',
            "packages/cli/package.json": json.dumps(
                {
                    "name": "@acme/cli",
                    "version": "3.0.2",
                    "dependencies": {"@acme/core": cli_requires, "left-pad": "^1.3.0"},
                    "peerDependencies": {"@acme/core": "workspace:*"},
                },
                indent=2,
            )
            + "\n",
            "packages/cli/index.js": "module.exports = 1;\n",
        },
    )
    return repo


def _handler(repo: Repo, tmp_path: Path):
    head = repo.git("rev-parse", "HEAD")
    ctx = ArtifactContext(
        repo_root=repo.path,
        version="3.0.2",
        release_commit=head,
        source_date_epoch=1767830400,
        out_dir=tmp_path / "out",
        package="@acme/cli",
    )
    return load_handler(ArtifactConfig(type="npm-package", path="packages/cli"), ctx)


def test_npm_pack_gets_the_siblings_versions_and_the_folder_stays(
    repo: Repo, tmp_path: Path
) -> None:
    _workspace(repo, "workspace:^")
    before = repo.snapshot()
    [built] = _handler(repo, tmp_path).build()
    with tarfile.open(built.path) as tar:
        member = tar.extractfile("package/package.json")
        assert member is not None
        packed = json.loads(member.read())
    assert packed["dependencies"] == {"@acme/core": "^1.3.0", "left-pad": "^1.3.0"}
    assert packed["peerDependencies"] == {"@acme/core": "1.3.0"}
    assert repo.snapshot() == before  # the package's own package.json keeps workspace:^
    again = _handler(repo, tmp_path / "again").build()[0]
    assert again.sha256 == built.sha256  # a rebuild packs the same bytes


def test_a_requirement_that_cannot_be_resolved_is_87_naming_it(repo: Repo, tmp_path: Path) -> None:
    _workspace(repo, "workspace:../core")
    with pytest.raises(ArtifactBuildFailed) as failed:
        _handler(repo, tmp_path).build()
    assert failed.value.code == 87
    assert "npm-package 'npm-package' of @acme/cli: package.json requires @acme/core as " in (
        failed.value.message
    )
    assert "workspace:^" in (failed.value.hint or "")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.tgz"))

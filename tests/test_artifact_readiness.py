"""What an artifact needs that is known before the release writes anything
(tools, credential, destination, the version not published yet, a crate's
dependencies packageable) stops ``release ship`` in its preflight with 86:
no release commit, no tag, no journal, every file as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Repo
from monorepos import cargo_workspace, package_json, pnpm_monorepo

UNSIGNED = {"provenance": {"level": "SLSA_BUILD_LEVEL_1", "signing": {"method": "none"}}}


def _configure(repo: Repo, release: dict[str, object]) -> None:
    release = {"security": UNSIGNED, **release}
    repo.write(".shipline/config.json", json.dumps({"release": release}, indent=2) + "\n")
    repo.commit("chore: configure shipline", {})


def _refused_before_writing(repo: Repo, cli, *args: str) -> str:  # type: ignore[no-untyped-def]
    before = repo.snapshot()
    result = cli("-C", repo.path, "release", "ship", "--yes", "--no-push", *args)
    assert result.code == 86, (result.out, result.err)
    assert "Traceback" not in result.err
    assert repo.snapshot() == before  # no commit, no tag, no file changed, no journal
    assert "Release commit" not in result.out
    resume = cli("-C", repo.path, "release", "resume")
    assert resume.code == 50 and "no interrupted release" in resume.err
    return result.out + result.err


def test_a_destination_that_does_not_exist_stops_the_ship_before_its_commit(
    py_repo: Repo, cli, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-store"
    _configure(
        py_repo,
        {"artifacts": [{"type": "tarball", "name": "demo", "registry": str(missing)}]},
    )
    said = _refused_before_writing(py_repo, cli)
    assert f"destination directory {missing} does not exist" in said
    assert "create it" in said


def test_a_version_already_published_stops_the_ship_before_its_commit(
    py_repo: Repo, cli, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    earlier = store / "demo" / "1.3.0" / "demo-1.3.0.tar.gz"  # <store>/<name>/<version>/
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"published by an earlier attempt\n")
    _configure(
        py_repo, {"artifacts": [{"type": "tarball", "name": "demo", "registry": str(store)}]}
    )
    said = _refused_before_writing(py_repo, cli)
    assert "demo-1.3.0.tar.gz is already published" in said
    assert "release a new version" in said
    assert earlier.read_bytes() == b"published by an earlier attempt\n"


def test_an_unset_npm_token_stops_the_ship_before_its_commit(
    py_repo: Repo, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NPM_TOKEN", raising=False)
    py_repo.commit("chore: the web package", {"web/package.json": package_json("web", "1.2.0")})
    _configure(
        py_repo,
        {
            "versionBump": [{"path": "pyproject.toml"}, {"path": "web/package.json"}],
            "artifacts": [
                {
                    "type": "npm-package",
                    "name": "web",
                    "path": "web",
                    "registry": "http://127.0.0.1:9/",
                    "credentialsEnv": "NPM_TOKEN",
                }
            ],
        },
    )
    said = _refused_before_writing(py_repo, cli)
    assert "NPM_TOKEN" in said


def test_a_crate_with_a_path_dependency_without_a_version_stops_before_its_commit(
    repo: Repo, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARGO_REGISTRY_TOKEN", "t0ken")
    repo.commit(
        "chore: the crate",
        {
            "Cargo.toml": '[package]\nname = "tool"\nversion = "0.4.0"\nedition = "2021"\n\n'
            '[dependencies]\nhelper = { path = "../helper" }\n\n'
            '[dev-dependencies]\nfixtures = { path = "../fixtures" }\n',
            "src/lib.rs": "pub fn tool() {}\n",
        },
    )
    repo.tag("v0.4.0", "Release v0.4.0")
    repo.commit("feat: a new entry point")
    _configure(
        repo,
        {
            "versionBump": [{"path": "Cargo.toml"}],
            "artifacts": [
                {
                    "type": "cargo-crate",
                    "name": "tool",
                    "registry": "sparse+http://127.0.0.1:9/index/",
                    "credentialsEnv": "CARGO_REGISTRY_TOKEN",
                }
            ],
        },
    )
    said = _refused_before_writing(repo, cli)
    assert "helper in" in said and "path dependency without a version" in said
    assert "fixtures" not in said  # dev-dependencies are dropped from the package


def test_a_workspace_dependency_is_read_from_the_workspace(repo: Repo) -> None:
    """``dep = { workspace = true }`` takes its version from the root's
    ``[workspace.dependencies]``: with one there, the crate is packageable."""
    from shipline.domain.artifacts import ArtifactContext, load_handler
    from shipline.domain.config import ArtifactConfig
    from shipline.domain.errors import ArtifactValidationFailed

    cargo_workspace(repo)
    root = repo.path / "Cargo.toml"
    root.write_text(
        root.read_text() + '\n[workspace.dependencies]\ntool-core = { path = "crates/core" }\n'
    )
    cli_toml = repo.path / "crates/cli/Cargo.toml"
    cli_toml.write_text(
        cli_toml.read_text().replace(
            'tool-core = { path = "../core", version = "2.13.0" }', "tool-core.workspace = true"
        )
    )
    ctx = ArtifactContext(
        repo_root=repo.path,
        version="2.14.0",
        release_commit="",
        source_date_epoch=0,
        out_dir=repo.path / "out",
    )
    cfg = ArtifactConfig(type="cargo-crate", name="tool-cli", path="crates/cli")
    handler = load_handler(cfg, ctx)
    with pytest.raises(ArtifactValidationFailed, match=r"tool-core in .* path dependency"):
        handler._packageable()
    root.write_text(
        root.read_text().replace(
            'path = "crates/core" }', 'path = "crates/core", version = "2.13.0" }'
        )
    )
    handler._packageable()  # the workspace gives it a version now


def test_a_train_package_not_ready_stops_the_train_before_its_commit(
    repo: Repo, cli, tmp_path: Path
) -> None:
    pnpm_monorepo(repo)
    missing = tmp_path / "no-such-store"
    packages = [
        {
            "name": "@acme/core",
            "path": "packages/core",
            "artifacts": [{"type": "tarball", "name": "core", "registry": str(missing)}],
        }
    ]
    _configure(repo, {"workspace": {"packages": packages}})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "r\n"})
    said = _refused_before_writing(repo, cli)
    assert "of @acme/core" in said and "does not exist" in said


@pytest.mark.parametrize(
    ("kind", "manifest", "broken", "said"),
    [
        ("cargo-crate", "Cargo.toml", "[package\nname = 1", "is not valid TOML"),
        ("python-package", "pyproject.toml", "[project]\nname = ", "is not valid TOML"),
        ("npm-package", "package.json", '{"name": "x",', "is not valid JSON"),
        ("npm-package", "package.json", '["not", "an", "object"]', "is not a table of keys"),
    ],
)
def test_a_missing_or_broken_manifest_is_86_naming_the_file(
    tmp_path: Path, kind: str, manifest: str, broken: str, said: str
) -> None:
    from shipline.domain.artifacts import ArtifactContext, load_handler
    from shipline.domain.config import ArtifactConfig
    from shipline.domain.errors import ArtifactValidationFailed

    ctx = ArtifactContext(
        repo_root=tmp_path,
        version="1.0.0",
        release_commit="",
        source_date_epoch=0,
        out_dir=tmp_path / "out",
    )
    handler = load_handler(ArtifactConfig(type=kind, name="pkg"), ctx)
    path = tmp_path / manifest
    with pytest.raises(ArtifactValidationFailed) as absent:
        handler.check_version()
    assert absent.value.code == 86 and f"{path} does not exist" in absent.value.message
    assert absent.value.hint and "path" in absent.value.hint
    path.write_text(broken)
    with pytest.raises(ArtifactValidationFailed) as bad:
        handler.check_version()
    assert f"{kind} 'pkg': {path} {said}" in bad.value.message
    assert bad.value.hint == f"fix {manifest}"

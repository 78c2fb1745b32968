"""Monorepos, read side: workspaces detected from their own manifests, tag
patterns read from existing tags, commits attributed to packages by path,
and a plan per package since its own last tag."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest import Repo
from monorepos import cargo_workspace, pnpm_monorepo, uv_workspace

from shipline.domain.config_loading import load_config
from shipline.domain.config_workspace import WorkspaceConfig
from shipline.domain.ecosystems.workspace_detection import detect_workspace
from shipline.domain.errors import InvalidVersion, ReleaseNotFound
from shipline.domain.gitops import Git
from shipline.domain.release import tag_patterns
from shipline.domain.workspace.plan import plan_workspace


def _plan(repo: Repo, picks: dict[str, str | None] | None = None, **kw: object):
    git = Git(repo.path)
    loaded = load_config(repo.path)
    settings = kw.pop("settings", None)
    if settings is not None:
        loaded = dataclasses.replace(
            loaded,
            config=loaded.config.model_copy(
                update={"release": loaded.release.model_copy(update={"workspace": settings})}
            ),
        )
    plan = plan_workspace(git, loaded, picks=picks or {}, **kw)  # type: ignore[arg-type]
    return {p.name: p for p in plan.packages}


# --- detection -----------------------------------------------------------------------


def test_pnpm_workspace_packages_private_flags_and_sibling_requirements(repo: Repo) -> None:
    ws = detect_workspace(pnpm_monorepo(repo).path)
    assert ws is not None and ws.kind == "pnpm"
    names = [p.name for p in ws.packages]
    assert names == ["@acme/cli", "@acme/core", "@acme/docs", "@acme/write"]  # legacy excluded
    cli = ws.package("@acme/cli")
    assert cli is not None and cli.path == "packages/cli" and not cli.private
    assert [(r.name, r.spec) for r in cli.requires] == [("@acme/core", "workspace:^")]
    write = ws.package("@acme/write")
    assert write is not None
    assert [(r.name, r.spec) for r in write.requires] == [("@acme/core", "^1.0.0")]  # not left-pad
    docs = ws.package("@acme/docs")
    assert docs is not None and docs.private


def test_npm_workspaces_field_object_form(repo: Repo) -> None:
    repo.commit(
        "chore: init",
        {
            "package.json": '{"private": true, "workspaces": {"packages": ["libs/*"]}}\n',
            "libs/a/package.json": '{"name": "a", "version": "1.0.0"}\n',
            "libs/b/package.json": '{"name": "b", "version": "2.0.0", '
            '"optionalDependencies": {"a": "1.0.0"}}\n',
        },
    )
    ws = detect_workspace(repo.path)
    assert ws is not None and ws.kind == "npm"
    b = ws.package("b")
    assert b is not None and [(r.name, r.section) for r in b.requires] == [
        ("a", "optionalDependencies")
    ]


def test_cargo_workspace_inherited_version_and_internal_requirement(repo: Repo) -> None:
    ws = detect_workspace(cargo_workspace(repo).path)
    assert ws is not None and ws.kind == "cargo" and ws.shared_version == "2.13.0"
    cli = ws.package("tool-cli")
    assert cli is not None and cli.version == "2.13.0" and cli.version_from_workspace
    assert [(r.name, r.spec) for r in cli.requires] == [("tool-core", "2.13.0")]


def test_uv_workspace_with_root_package_and_normalized_names(repo: Repo) -> None:
    ws = detect_workspace(uv_workspace(repo).path)
    assert ws is not None and ws.kind == "uv"
    assert [p.name for p in ws.packages] == ["svc", "svc-client", "svc-models"]
    client = ws.package("svc-client")
    assert client is not None
    # `svc_models==0.2.0` is on the package svc-models (PEP 503): named as that package
    assert [(r.name, r.spec) for r in client.requires] == [("svc-models", "==0.2.0")]


def test_a_single_package_repository_is_no_workspace(py_repo: Repo) -> None:
    assert detect_workspace(py_repo.path) is None


def test_plain_repository_with_several_manifests(repo: Repo) -> None:
    repo.commit(
        "chore: init",
        {
            "server/pyproject.toml": '[project]\nname = "server"\nversion = "1.0.0"\n',
            "web/package.json": '{"name": "web", "version": "0.3.0"}\n',
        },
    )
    ws = detect_workspace(repo.path)
    assert ws is not None and ws.kind == "plain"
    assert sorted(p.name for p in ws.packages) == ["server", "web"]


# --- tag patterns ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["@acme/cli@3.0.1", "@acme/core@1.2.0"], "{name}@{version}"),
        (["cli-v3.0.1", "core-v1.2.0", "v9.9.9"], "{short}-v{version}"),
        (["cli/v3.0.1"], "{short}/v{version}"),
    ],
)
def test_the_tag_pattern_is_read_from_existing_tags(tags: list[str], expected: str) -> None:
    assert tag_patterns.detect_pattern(["@acme/cli", "@acme/core"], tags) == expected


def test_package_versions_ignore_other_packages_with_a_common_prefix() -> None:
    tags = ["cli-v1.0.0", "cli-extra-v9.0.0", "cli-v1.1.0-rc.1", "cli-vbad"]
    found = tag_patterns.package_versions("{short}-v{version}", "cli", tags)
    assert [t for t, _ in found] == ["cli-v1.0.0", "cli-v1.1.0-rc.1"]


def test_a_tag_pattern_without_version_is_refused_at_load(repo: Repo) -> None:
    from shipline.domain.config_loading import parse_config
    from shipline.domain.errors import ConfigInvalid

    with pytest.raises(ConfigInvalid) as err:
        parse_config({"release": {"workspace": {"tagPattern": "{name}-{sha}"}}}, "config.json")
    assert err.value.code == 90 and "unknown placeholder {sha}" in err.value.message


# --- commits belong to packages ------------------------------------------------------


def test_each_package_gets_only_its_own_commits_since_its_own_tag(repo: Repo) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "export const cli = 2;\n"})
    repo.commit("feat(core): add retries", {"packages/core/index.js": "export const core = 2;\n"})
    repo.commit("docs: root readme", {"README.md": "# acme\n"})
    plan = _plan(repo)
    assert [c.subject for c in plan["@acme/cli"].commits] == ["fix(cli): quote paths"]
    assert [c.subject for c in plan["@acme/core"].commits] == ["feat(core): add retries"]
    assert plan["@acme/write"].commits == []
    assert (plan["@acme/cli"].version and str(plan["@acme/cli"].version)) == "3.0.2"
    assert plan["@acme/cli"].tag == "@acme/cli@3.0.2"
    assert str(plan["@acme/core"].version) == "1.3.0" and plan["@acme/core"].selected
    assert not plan["@acme/write"].selected and plan["@acme/write"].version is None


def test_a_package_released_later_does_not_see_commits_before_its_tag(repo: Repo) -> None:
    pnpm_monorepo(repo)
    repo.commit("feat(write): stream output", {"packages/write/index.js": "stream\n"})
    repo.tag("@acme/write@1.1.0", "Release")
    repo.commit("fix(write): flush", {"packages/write/index.js": "flush\n"})
    repo.commit("fix(cli): x", {"packages/cli/index.js": "x\n"})
    plan = _plan(repo)
    assert [c.subject for c in plan["@acme/write"].commits] == ["fix(write): flush"]
    assert plan["@acme/write"].last_tag == "@acme/write@1.1.0"
    assert str(plan["@acme/write"].version) == "1.1.1"


def test_shared_paths_count_for_every_package_and_scopes_map(repo: Repo) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix: tighten the shared tsconfig", {"tsconfig.base.json": "{}\n"})
    repo.commit("feat(write): a root-level script for write", {"scripts/w.sh": "echo\n"})
    settings = WorkspaceConfig(sharedPaths=["tsconfig.base.json"], scopes={"write": "@acme/write"})
    plan = _plan(repo, settings=settings)
    assert [c.subject for c in plan["@acme/cli"].commits] == ["fix: tighten the shared tsconfig"]
    assert [c.subject for c in plan["@acme/write"].commits] == [
        "feat(write): a root-level script for write",
        "fix: tighten the shared tsconfig",
    ]
    assert str(plan["@acme/write"].version) == "1.1.0"


def test_private_packages_are_listed_but_never_released_unless_asked(repo: Repo) -> None:
    pnpm_monorepo(repo)
    repo.commit("feat(docs): new site", {"packages/docs/index.md": "# docs\n"})
    plan = _plan(repo)
    assert plan["@acme/docs"].commits and not plan["@acme/docs"].selected
    assert any("private" in r for r in plan["@acme/docs"].reasons)
    settings = WorkspaceConfig(includePrivate=True)
    assert _plan(repo, settings=settings)["@acme/docs"].selected


# --- choosing ----------------------------------------------------------------------


def test_named_packages_and_explicit_versions(repo: Repo) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    repo.commit("fix(core): b", {"packages/core/index.js": "b\n"})
    plan = _plan(repo, {"@acme/cli": "3.1.0"})
    assert plan["@acme/cli"].selected and str(plan["@acme/cli"].version) == "3.1.0"
    assert not plan["@acme/core"].selected


def test_an_unknown_package_is_50_and_a_version_not_above_the_last_is_53(repo: Repo) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    with pytest.raises(ReleaseNotFound) as err:
        _plan(repo, {"@acme/nope": None})
    assert err.value.code == 50 and "@acme/cli" in (err.value.hint or "")
    with pytest.raises(InvalidVersion) as bad:
        _plan(repo, {"@acme/cli": "3.0.1"})
    assert bad.value.code == 53 and "not above its last release 3.0.1" in bad.value.message


def test_cargo_crates_sharing_the_workspace_version_release_together(repo: Repo) -> None:
    cargo_workspace(repo)
    repo.commit("feat(core): parse faster", {"crates/core/src/lib.rs": "pub fn core2() {}\n"})
    plan = _plan(repo)
    assert plan["tool-core"].group == plan["tool-cli"].group == "workspace"
    assert plan["tool-cli"].commits == [] and plan["tool-cli"].selected
    assert str(plan["tool-core"].version) == str(plan["tool-cli"].version) == "2.14.0"
    assert plan["tool-cli"].tag == "tool-cli-v2.14.0"


def test_a_fixed_group_given_two_versions_is_53(repo: Repo) -> None:
    cargo_workspace(repo)
    repo.commit("fix(core): x", {"crates/core/src/lib.rs": "x\n"})
    with pytest.raises(InvalidVersion) as err:
        _plan(repo, {"tool-core": "2.14.0", "tool-cli": "2.15.0"})
    assert err.value.code == 53 and "fixed group" in err.value.message


def test_a_fixed_group_member_named_alone_takes_the_version_its_group_was_given(
    repo: Repo,
) -> None:
    cargo_workspace(repo)
    repo.commit("fix(core): x", {"crates/core/src/lib.rs": "x\n"})
    plan = _plan(repo, {"tool-core": "3.0.0", "tool-cli": None})
    assert str(plan["tool-core"].version) == str(plan["tool-cli"].version) == "3.0.0"


def test_release_dependents_with_a_patch_bump(repo: Repo) -> None:
    pnpm_monorepo(repo)
    repo.commit("feat(core): retries", {"packages/core/index.js": "r\n"})
    plan = _plan(repo, settings=WorkspaceConfig(releaseDependents=True))
    assert str(plan["@acme/cli"].version) == "3.0.2" and plan["@acme/write"].selected
    assert any("depends on @acme/core" in r for r in plan["@acme/cli"].reasons)


def test_never_released_package_starts_from_its_manifest(repo: Repo) -> None:
    uv_workspace(repo)
    repo.commit(
        "feat: a new lib",
        {"libs/auth/pyproject.toml": '[project]\nname = "svc-auth"\nversion = "0.1.0"\n'},
    )
    repo.commit("fix(auth): token expiry", {"libs/auth/auth.py": "x = 1\n"})
    plan = _plan(repo)
    auth = plan["svc-auth"]
    assert auth.last_tag is None and len(auth.commits) == 2
    assert str(auth.version) == "0.2.0" and auth.tag == "svc-auth-v0.2.0"
    assert not plan["svc-client"].selected


# --- the command line ----------------------------------------------------------------


def test_release_plan_in_a_workspace_lists_every_package_as_json(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): quote paths", {"packages/cli/index.js": "q\n"})
    result = cli("-C", repo.path, "--output", "json", "release", "plan")
    assert result.code == 0, result.out
    rows = [e for e in result.json_lines() if e["kind"] == "package_planned"]
    assert [r["name"] for r in rows] == ["@acme/cli", "@acme/core", "@acme/docs", "@acme/write"]
    cli_row = rows[0]
    assert cli_row["last_tag"] == "@acme/cli@3.0.1" and cli_row["commits"] == 1
    assert cli_row["version"] == "3.0.2" and cli_row["tag"] == "@acme/cli@3.0.2"
    assert cli_row["release"] is True and rows[1]["release"] is False
    summary = result.summary
    assert summary["data"]["releasable"] is True


def test_release_plan_text_names_packages_and_reasons(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit(
        "feat(core)!: drop node 16\n\nBREAKING CHANGE: node 18+", {"packages/core/index.js": "n\n"}
    )
    result = cli("-C", repo.path, "release", "plan")
    assert result.code == 0
    assert "@acme/core" in result.out and "→ 2.0.0" in result.out
    assert "breaking change" in result.out


def test_minus_c_into_a_package_plans_that_package(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    repo.commit("fix(core): b", {"packages/core/index.js": "b\n"})
    result = cli("-C", repo.path / "packages" / "core", "--output", "json", "release", "plan")
    rows = {e["name"]: e for e in result.json_lines() if e["kind"] == "package_planned"}
    assert rows["@acme/core"]["release"] and not rows["@acme/cli"]["release"]


def test_name_at_version_and_unknown_names_on_the_command_line(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    result = cli(
        "-C",
        repo.path,
        "--output",
        "json",
        "release",
        "plan",
        "@acme/cli@4.0.0",
        "--package",
        "@acme/write",
        "--bump",
        "patch",
    )
    rows = {e["name"]: e for e in result.json_lines() if e["kind"] == "package_planned"}
    assert rows["@acme/cli"]["version"] == "4.0.0" and rows["@acme/write"]["version"] == "1.0.1"
    assert not rows["@acme/core"]["release"]
    bad = cli("-C", repo.path, "release", "plan", "@acme/nope@1.0.0")
    assert bad.code == 50 and "no package named '@acme/nope'" in bad.err


def test_a_single_package_repository_still_plans_as_before(py_repo: Repo, cli) -> None:
    result = cli("-C", py_repo.path, "release", "plan", "--no-push")
    assert result.code == 0 and "v1.3.0" in result.out
    two = cli("-C", py_repo.path, "release", "plan", "1.3.0", "1.4.0")
    assert two.code == 2 and "workspaces" in two.err


# --- changesets' config, imported ----------------------------------------------------


def test_changesets_config_sets_fixed_groups_ignore_and_the_branch(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit(
        "chore: changesets",
        {
            ".changeset/config.json": json.dumps(
                {
                    "$schema": "https://unpkg.com/@changesets/config@3.0.0/schema.json",
                    "fixed": [["@acme/core", "@acme/c*"]],
                    "linked": [],
                    "ignore": ["@acme/write"],
                    "baseBranch": "main",
                    "updateInternalDependencies": "patch",
                    "access": "public",
                },
                indent=2,
            )
            + "\n"
        },
    )
    repo.commit("fix(core): a", {"packages/core/index.js": "a\n"})
    repo.commit("fix(write): b", {"packages/write/index.js": "b\n"})
    result = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    assert result.code == 0, result.err
    rows = {e["name"]: e for e in result.json_lines() if e["kind"] == "package_planned"}
    # @acme/c* matches cli and core: one group, one version (the higher base: cli 3.0.1)
    assert rows["@acme/core"]["group"] == rows["@acme/cli"]["group"]
    assert rows["@acme/core"]["version"] == rows["@acme/cli"]["version"] == "3.0.2"
    assert not rows["@acme/write"]["release"]
    assert "ignored" in rows["@acme/write"]["reasons"][-1]


def test_a_malformed_changesets_config_is_90_naming_the_file(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit("chore: changesets", {".changeset/config.json": '{"fixed": [\n'})
    result = cli("-C", repo.path, "release", "plan")
    assert result.code == 90 and ".changeset/config.json: malformed JSON" in result.err


# --- init -----------------------------------------------------------------------


def test_init_writes_a_packages_section_and_shows_each_package(repo: Repo, cli) -> None:
    pnpm_monorepo(repo)
    repo.commit("fix(cli): a", {"packages/cli/index.js": "a\n"})
    result = cli("-C", repo.path, "--output", "json", "init", "--yes")
    assert result.code == 0, result.err
    config = json.loads((repo.path / ".shipline" / "config.json").read_text())
    section = config["release"]["workspace"]
    assert section["tagPattern"] == "{name}@{version}"
    assert section["packages"][0] == {
        "name": "@acme/cli",
        "path": "packages/cli",
        "manifest": "packages/cli/package.json",
        "tagPattern": "{name}@{version}",
        "changelog": "packages/cli/CHANGELOG.md",
        "private": False,
        "artifacts": [
            {
                "type": "npm-package",
                "registry": "https://registry.npmjs.org/",
                "credentialsEnv": "NPM_TOKEN",
            }
        ],
    }
    docs = next(p for p in section["packages"] if p["name"] == "@acme/docs")
    assert docs["private"] is True and docs["artifacts"] == []  # never published unless asked
    assert [p["name"] for p in section["packages"]] == [
        "@acme/cli",
        "@acme/core",
        "@acme/docs",
        "@acme/write",
    ]
    summary = result.summary["data"]
    assert [p["name"] for p in summary["plan"]["packages"] if p["release"]] == ["@acme/cli"]
    # the written config plans the same train
    plan = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    rows = [e for e in plan.json_lines() if e["kind"] == "package_planned" and e["release"]]
    assert [(r["name"], r["version"]) for r in rows] == [("@acme/cli", "3.0.2")]


def test_init_writes_each_package_s_artifact_for_its_ecosystem(repo: Repo, cli) -> None:
    uv_workspace(repo)
    repo.commit("fix(models): a", {"libs/models/m.py": "x\n"})
    assert cli("-C", repo.path, "init", "--yes").code == 0
    config = json.loads((repo.path / ".shipline" / "config.json").read_text())
    artifacts = {p["name"]: p["artifacts"] for p in config["release"]["workspace"]["packages"]}
    assert artifacts["svc-models"] == [
        {
            "type": "python-package",
            "registry": "https://pypi.org",
            "credentialsEnv": "PYPI_TOKEN",
            "options": {"username": "__token__", "uploadUrl": "https://upload.pypi.org/legacy/"},
        }
    ]
    repo2 = repo.path.parent / "crates"
    repo2.mkdir()
    crates = Repo(repo2)
    crates.git("init", "-q", "-b", "main")
    cargo_workspace(crates)
    assert cli("-C", repo2, "init", "--yes").code == 0
    config = json.loads((repo2 / ".shipline" / "config.json").read_text())
    kinds = {
        p["name"]: [a["type"] for a in p["artifacts"]]
        for p in config["release"]["workspace"]["packages"]
    }
    assert kinds == {"tool-cli": ["cargo-crate"], "tool-core": ["cargo-crate"]}


def test_init_in_a_single_version_workspace_keeps_one_release(repo: Repo, cli) -> None:
    cargo_workspace(repo)
    repo.tag("v2.13.0", "Release v2.13.0")  # released as one version: not per package
    result = cli("-C", repo.path, "--output", "json", "init", "--yes")
    assert result.code == 0, result.err
    config = json.loads((repo.path / ".shipline" / "config.json").read_text())
    assert "workspace" not in config["release"]


def test_release_please_manifest_packages_become_the_workspace(repo: Repo, cli) -> None:
    repo.commit(
        "chore: init",
        {
            "packages/api/package.json": '{"name": "@acme/api", "version": "2.1.0"}\n',
            "packages/worker/package.json": '{"name": "@acme/worker", "version": "0.4.2"}\n',
            "release-please-config.json": json.dumps(
                {
                    "packages": {
                        "packages/api": {"release-type": "node"},
                        "packages/worker": {"release-type": "node", "component": "wk"},
                    }
                },
                indent=2,
            )
            + "\n",
            ".release-please-manifest.json": '{"packages/api": "2.1.0", "packages/worker": '
            '"0.4.2"}\n',
        },
    )
    repo.tag("api-v2.1.0", "release")
    repo.tag("wk-v0.4.2", "release")
    repo.commit("feat(api): paging", {"packages/api/page.js": "p\n"})
    result = cli("-C", repo.path, "--output", "json", "release", "plan", "--no-push")
    assert result.code == 0, result.err
    rows = {e["name"]: e for e in result.json_lines() if e["kind"] == "package_planned"}
    assert rows["@acme/api"]["last_tag"] == "api-v2.1.0"
    assert rows["@acme/api"]["tag"] == "api-v2.2.0"
    assert rows["@acme/worker"]["last_tag"] == "wk-v0.4.2" and not rows["@acme/worker"]["release"]

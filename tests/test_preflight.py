"""Preflight warnings (every kind) and CI environment detection, from
environments as GitHub Actions, GitLab CI and CircleCI set them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipline.domain.config import ProvenanceConfig
from shipline.domain.errors import ConfigInvalid
from shipline.domain.provenance import ci_env
from shipline.domain.provenance.preflight import RepoFacts, preflight

GH = {
    "GITHUB_ACTIONS": "true",
    "RUNNER_ENVIRONMENT": "github-hosted",
    "GITHUB_REPOSITORY": "acme/widgets",
    "GITHUB_RUN_ID": "4242",
    "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_SERVER_URL": "https://github.com",
}
GH_OIDC = {
    **GH,
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.actions.example/idtoken",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "opaque",
}
GITLAB = {
    "GITLAB_CI": "true",
    "CI_SERVER_URL": "https://gitlab.com",
    "CI_SERVER_HOST": "gitlab.com",
    "CI_PROJECT_PATH": "acme/widgets",
    "CI_RUNNER_ID": "7",
    "CI_RUNNER_DESCRIPTION": "3-green.saas-linux-small-amd64.runners-manager.gitlab.com/default",
    "CI_JOB_URL": "https://gitlab.com/acme/widgets/-/jobs/1",
    "CI_PROJECT_VISIBILITY": "private",
}
CIRCLE = {
    "CIRCLECI": "true",
    "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/widgets/77",
    "CIRCLE_PROJECT_USERNAME": "acme",
    "CIRCLE_PROJECT_REPONAME": "widgets",
}


def cfg(
    level: int = 3, method: str = "sigstore", keyless: bool = True, key_ref: str | None = None
) -> ProvenanceConfig:
    return ProvenanceConfig.model_validate(
        {
            "level": f"SLSA_BUILD_LEVEL_{level}",
            "signing": {"method": method, "keyless": keyless, "keyRef": key_ref},
        }
    )


# -- ci_env ------------------------------------------------------------------------------------


def test_github_hosted_with_oidc() -> None:
    found = ci_env.detect(GH_OIDC)
    assert found.platform == "github-actions" and found.hosted and found.oidc_available
    assert found.builder_id == "https://github.com/actions/runner/github-hosted"
    assert found.invocation_id == "https://github.com/acme/widgets/actions/runs/4242/attempts/2"
    assert found.repository == "acme/widgets" and found.repository_visibility is None


def test_github_without_runner_environment_counts_as_self_hosted() -> None:
    env = {k: v for k, v in GH.items() if k != "RUNNER_ENVIRONMENT"}
    found = ci_env.detect(env)
    assert not found.hosted and found.builder_id == ci_env.GITHUB_SELF_HOSTED
    assert "RUNNER_ENVIRONMENT is not set" in found.notes[0]
    assert not found.oidc_available


def test_github_visibility_comes_from_the_event_file(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {"repository": {"full_name": "acme/widgets", "private": True, "visibility": "private"}}
        )
    )
    env = {**GH, "GITHUB_EVENT_PATH": str(event)}
    assert ci_env.detect(env, event=ci_env.github_event(env)).repository_visibility == "private"
    event.write_text(json.dumps({"repository": {"private": False}}))
    assert ci_env.detect(env, event=ci_env.github_event(env)).repository_visibility == "public"
    event.write_text("{not json")
    assert ci_env.github_event(env) is None


def test_gitlab_saas_runner_and_visibility() -> None:
    found = ci_env.detect(GITLAB)
    assert found.platform == "gitlab-ci" and found.hosted and not found.oidc_available
    assert found.builder_id == "https://gitlab.com/acme/widgets/-/runners/7#gitlab-hosted"
    assert ci_env.is_hosted_builder_id(found.builder_id)
    assert found.invocation_id == "https://gitlab.com/acme/widgets/-/jobs/1"
    assert found.repository_visibility == "private"
    own = ci_env.detect({**GITLAB, "CI_RUNNER_DESCRIPTION": "our-runner", "CI_RUNNER_TAGS": ""})
    assert not own.hosted and not ci_env.is_hosted_builder_id(own.builder_id)


def test_circleci_is_cloud_unless_the_operator_says_self_hosted() -> None:
    found = ci_env.detect({**CIRCLE, "CIRCLE_OIDC_TOKEN_V2": "jwt"})
    assert found.hosted and found.oidc_available and found.builder_id == ci_env.CIRCLECI_HOSTED
    assert found.invocation_id == CIRCLE["CIRCLE_BUILD_URL"]
    assert found.repository == "acme/widgets"
    own = ci_env.detect({**CIRCLE, "SHIPLINE_RUNNER": "self-hosted"})
    assert not own.hosted and own.builder_id == ci_env.CIRCLECI_SELF_HOSTED


def test_local_build_has_a_host_uri_and_a_fresh_uuid() -> None:
    one = ci_env.detect({}, hostname="release box")
    two = ci_env.detect({}, hostname="release box")
    assert one.builder_id == "https://shipline.dev/local/release%20box"
    assert one.invocation_id != two.invocation_id and len(one.invocation_id) == 36
    assert one.platform == "local" and not one.hosted and not one.is_ci
    assert not ci_env.is_hosted_builder_id(one.builder_id)


# -- preflight warnings --------------------------------------------------------------------------


def test_keyless_on_a_private_repository_warns_about_the_public_log() -> None:
    report = preflight(cfg(), GH_OIDC, RepoFacts("acme/secret-sauce", "private"))
    assert report.kinds() == ["public-log-private-repo"]
    text = report.warnings[0].text
    assert "acme/secret-sauce" in text and "public transparency log" in text
    assert report.declared == report.achievable == "SLSA_BUILD_LEVEL_3"


def test_keyless_on_a_public_repository_is_quiet() -> None:
    report = preflight(cfg(), GH_OIDC, RepoFacts("acme/widgets", "public"))
    assert report.warnings == []
    assert report.to_json()["achievable"] == "SLSA_BUILD_LEVEL_3"


def test_unknown_visibility_is_said_too() -> None:
    report = preflight(cfg(), GH_OIDC, RepoFacts())
    assert report.kinds() == ["public-log-unknown-visibility"]


def test_github_without_id_token_permission() -> None:
    report = preflight(cfg(), GH, RepoFacts("acme/widgets", "public"))
    assert report.kinds() == ["no-oidc", "level-shortfall"]
    assert "id-token: write" in report.warnings[0].text and "91" in report.warnings[0].text
    assert report.achievable == "SLSA_BUILD_LEVEL_1"


def test_gitlab_visibility_from_its_environment_and_no_oidc_hint() -> None:
    report = preflight(cfg(), GITLAB)
    assert report.kinds() == ["public-log-private-repo", "no-oidc", "level-shortfall"]
    assert "id_tokens" in report.warnings[1].text


def test_self_hosted_runner_cannot_reach_the_declared_level() -> None:
    env = {**GH_OIDC, "RUNNER_ENVIRONMENT": "self-hosted"}
    report = preflight(cfg(2, "gpg"), {**env, "GPG_KEY_ID": "ABCD"}, RepoFacts("a/b", "public"))
    assert report.kinds() == ["self-hosted-runner", "level-shortfall"]
    assert "SLSA_BUILD_LEVEL_2" in report.warnings[0].text
    assert report.achievable == "SLSA_BUILD_LEVEL_1"
    # the why is said once, by the runner's warning; the shortfall says what is recorded
    assert report.warnings[1].text == (
        "declared SLSA_BUILD_LEVEL_2 but this environment reaches SLSA_BUILD_LEVEL_1; "
        "the release records SLSA_BUILD_LEVEL_1 with the shortfall flagged"
    )


def test_a_local_gpg_build_says_why_once() -> None:
    report = preflight(cfg(2, "gpg"), {"GPG_KEY_ID": "ABCD"}, RepoFacts("a/b", "public"))
    assert report.kinds() == ["local-build", "level-shortfall"]
    texts = [w.text for w in report.warnings]
    assert sum("hosted CI" in text for text in texts) == 1, texts
    assert texts[1].endswith("the release records SLSA_BUILD_LEVEL_1 with the shortfall flagged")


def test_local_build_with_a_declared_level_above_one() -> None:
    report = preflight(cfg(3), {}, RepoFacts("a/b", "public"))
    assert report.kinds() == ["no-oidc", "local-build", "level-shortfall"]
    assert "outside CI" in report.warnings[0].text
    assert "the attestation is not signed" in report.warnings[2].text  # another why: kept


def test_gpg_without_key_id_and_keyed_sigstore_without_key_ref() -> None:
    report = preflight(cfg(1, "gpg"), {}, RepoFacts("a/b", "public"))
    assert report.kinds() == ["no-signing-key"] and "GPG_KEY_ID" in report.warnings[0].text
    report = preflight(cfg(1, "sigstore", keyless=False), {}, RepoFacts("a/b", "public"))
    assert report.kinds() == ["no-signing-key"] and "keyRef" in report.warnings[0].text


def test_hosted_gpg_reaches_two_and_explains_why_not_three() -> None:
    report = preflight(cfg(3, "gpg"), {**GH, "GPG_KEY_ID": "ABCD"}, RepoFacts("a/b", "public"))
    assert report.kinds() == ["level-shortfall"]
    assert report.achievable == "SLSA_BUILD_LEVEL_2"
    assert "transparency log" in report.warnings[0].text


def test_method_none_above_level_one_is_config_invalid() -> None:
    with pytest.raises(ConfigInvalid) as info:
        preflight(cfg(3, "none"), GH_OIDC)
    assert info.value.code == 90 and "none" in info.value.message


def test_method_none_at_level_one_is_fine() -> None:
    report = preflight(cfg(1, "none"), {}, RepoFacts("a/b", "private"))
    assert report.warnings == [] and report.achievable == "SLSA_BUILD_LEVEL_1"

"""The SLSA decision tree of slsa.md, branch by branch, with real config
models and environments as CI platforms set them."""

from __future__ import annotations

from typing import Any

import pytest

from shipline.domain.config import ProvenanceConfig
from shipline.domain.errors import ConfigInvalid, ExitCode
from shipline.domain.provenance import ci_env
from shipline.domain.provenance.levels import (
    L4Evidence,
    ProvenanceIncomplete,
    assess,
    level_number,
    required_missing,
)

GH_HOSTED = {
    "GITHUB_ACTIONS": "true",
    "RUNNER_ENVIRONMENT": "github-hosted",
    "GITHUB_REPOSITORY": "acme/widgets",
    "GITHUB_RUN_ID": "42",
    "GITHUB_RUN_ATTEMPT": "1",
    "GITHUB_SERVER_URL": "https://github.com",
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.example/x",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t",
}
GH_SELF = {**GH_HOSTED, "RUNNER_ENVIRONMENT": "self-hosted"}
REKOR = {"index": "123456789", "url": "https://rekor.sigstore.dev"}


def cfg(
    level: int = 3, method: str = "sigstore", keyless: bool = True, builder_image: str | None = None
) -> ProvenanceConfig:
    return ProvenanceConfig.model_validate(
        {
            "level": f"SLSA_BUILD_LEVEL_{level}",
            "signing": {"method": method, "keyless": keyless},
            "builderImage": builder_image,
        }
    )


def record(
    env: dict[str, str], *, tlog: dict[str, Any] | None = None, **overrides: Any
) -> dict[str, Any]:
    here = ci_env.detect(env, hostname="buildbox")
    fields: dict[str, Any] = {
        "commitSha": "3a2f1e9c4b8d7e6a5f2c1d0e9f8a7b6c5d4e3f2a",
        "builder": {"id": here.builder_id},
        "buildInvocationId": here.invocation_id,
        "artifacts": [
            {
                "name": "widgets",
                "sha256": "a" * 64,
                "signature": {"method": "sigstore", "transparencyLog": tlog},
            }
        ],
    }
    fields.update(overrides)
    return fields


def test_missing_record_fields_are_level_zero_refused_with_the_list() -> None:
    fields = {"commitSha": None, "builder": {"id": ""}, "artifacts": [{"name": "x"}]}
    with pytest.raises(ProvenanceIncomplete) as info:
        assess(cfg(1, "none"), {}, signed=False, method="none", fields=fields)
    assert info.value.code == ExitCode.ATTESTATION_INVALID == 94
    assert info.value.missing == [
        "commitSha",
        "artifacts[0].sha256",
        "builder.id",
        "buildInvocationId",
    ]
    assert "level 0" in info.value.message and "\n" not in info.value.message


def test_no_artifacts_and_non_uri_builder_are_missing() -> None:
    assert required_missing(
        {
            "commitSha": "a",
            "builder": {"id": "my laptop"},
            "buildInvocationId": "x",
            "artifacts": [],
        }
    ) == ["artifacts[]", "builder.id"]


def test_unsigned_is_level_one_and_declared_one_has_no_shortfall() -> None:
    decision = assess(
        cfg(1, "none"), GH_HOSTED, signed=False, method="none", fields=record(GH_HOSTED)
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_1"
    assert decision.shortfall == [] and not decision.flagged
    assert "signing method is none" in decision.reasons[-1]


def test_method_none_with_a_higher_target_is_config_invalid() -> None:
    with pytest.raises(ConfigInvalid) as info:
        assess(cfg(2, "none"), GH_HOSTED, signed=False, method="none", fields=record(GH_HOSTED))
    assert info.value.code == 90
    assert "signing.method is none" in info.value.message


def test_signing_that_did_not_verify_is_level_one_with_shortfall() -> None:
    decision = assess(
        cfg(3), GH_HOSTED, signed=False, method="sigstore", fields=record(GH_HOSTED, tlog=REKOR)
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_1"
    assert decision.flagged
    assert decision.shortfall[0] == "declared SLSA_BUILD_LEVEL_3, achieved SLSA_BUILD_LEVEL_1"
    assert "not signed" in decision.shortfall[1]


def test_signed_but_local_build_is_level_one_key_based() -> None:
    env: dict[str, str] = {}
    fields = record(env)
    decision = assess(cfg(2, "gpg"), env, signed=True, method="gpg", fields=fields)
    assert decision.achieved == "SLSA_BUILD_LEVEL_1"
    assert "key-based but local build" in decision.reasons[-1]
    assert any("hosted CI platform" in s for s in decision.shortfall)


def test_self_hosted_runner_is_level_one() -> None:
    decision = assess(
        cfg(3), GH_SELF, signed=True, method="sigstore", fields=record(GH_SELF, tlog=REKOR)
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_1"
    assert ci_env.GITHUB_SELF_HOSTED in decision.reasons[-1]
    assert decision.flagged and len(decision.shortfall) >= 3


def test_a_hosted_builder_id_written_outside_ci_is_not_believed() -> None:
    fields = record(GH_HOSTED, tlog=REKOR)
    decision = assess(cfg(3), {}, signed=True, method="sigstore", fields=fields)
    assert decision.achieved == "SLSA_BUILD_LEVEL_1"
    assert "claims https://github.com/actions/runner/github-hosted" in decision.reasons[-1]


def test_hosted_gpg_without_transparency_log_is_level_two() -> None:
    decision = assess(
        cfg(3, "gpg"), GH_HOSTED, signed=True, method="gpg", fields=record(GH_HOSTED, tlog=None)
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_2"
    assert decision.missing_fields == ["signature.transparencyLog"]
    assert "transparency log" in decision.shortfall[1]


def test_declared_two_reached_on_hosted_gpg() -> None:
    decision = assess(cfg(2, "gpg"), GH_HOSTED, signed=True, method="gpg", fields=record(GH_HOSTED))
    assert decision.achieved == decision.declared == "SLSA_BUILD_LEVEL_2"
    assert not decision.flagged and decision.shortfall == []


def test_hosted_keyless_with_rekor_is_level_three() -> None:
    decision = assess(
        cfg(3), GH_HOSTED, signed=True, method="sigstore", fields=record(GH_HOSTED, tlog=REKOR)
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_3"
    assert decision.shortfall == []
    assert decision.reasons[-1].startswith("level 4 is not asserted")


def test_gitlab_hosted_runner_reaches_level_three_and_self_hosted_does_not() -> None:
    gitlab = {
        "GITLAB_CI": "true",
        "CI_SERVER_URL": "https://gitlab.com",
        "CI_SERVER_HOST": "gitlab.com",
        "CI_PROJECT_PATH": "acme/widgets",
        "CI_RUNNER_ID": "12270807",
        "CI_RUNNER_TAGS": '["saas-linux-small-amd64"]',
        "CI_JOB_URL": "https://gitlab.com/acme/widgets/-/jobs/99",
        "SIGSTORE_ID_TOKEN": "jwt",
    }
    decision = assess(
        cfg(3), gitlab, signed=True, method="sigstore", fields=record(gitlab, tlog=REKOR)
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_3"
    own = {**gitlab, "CI_RUNNER_TAGS": "docker,linux"}
    decision = assess(cfg(3), own, signed=True, method="sigstore", fields=record(own, tlog=REKOR))
    assert decision.achieved == "SLSA_BUILD_LEVEL_1"


def test_level_four_needs_every_human_assertion() -> None:
    fields = record(GH_HOSTED, tlog=REKOR)
    partial = L4Evidence(
        dependencies_have_provenance=True,
        reproducible=True,
        two_party_review=False,
        builder_image_pinned=True,
    )
    decision = assess(
        cfg(4), GH_HOSTED, signed=True, method="sigstore", fields=fields, l4_evidence=partial
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_3" and decision.flagged
    assert decision.shortfall[1:] == ["a second reviewer signed off (two-party review)"]
    full = L4Evidence(True, True, True, True)
    decision = assess(
        cfg(4), GH_HOSTED, signed=True, method="sigstore", fields=fields, l4_evidence=full
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_4" and not decision.flagged


def test_level_four_declared_without_evidence_lists_every_requirement() -> None:
    decision = assess(
        cfg(4), GH_HOSTED, signed=True, method="sigstore", fields=record(GH_HOSTED, tlog=REKOR)
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_3"
    assert len(decision.shortfall) == 5  # the headline and four L4 requirements


def test_shortfall_from_level_one_to_four_names_every_level() -> None:
    decision = assess(cfg(4, "gpg"), {}, signed=True, method="gpg", fields=record({}))
    text = " | ".join(decision.shortfall)
    assert decision.achieved == "SLSA_BUILD_LEVEL_1"
    assert "hosted CI platform" in text and "transparency log" in text and "level 4 also" in text


def test_achieved_above_declared_is_recorded_as_achieved() -> None:
    decision = assess(
        cfg(1, "sigstore"),
        GH_HOSTED,
        signed=True,
        method="sigstore",
        fields=record(GH_HOSTED, tlog=REKOR),
    )
    assert decision.achieved == "SLSA_BUILD_LEVEL_3" and decision.declared == "SLSA_BUILD_LEVEL_1"
    assert not decision.flagged


def test_a_mapping_config_works_like_the_model() -> None:
    decision = assess(
        {"level": "SLSA_BUILD_LEVEL_2", "signing": {"method": "gpg"}},
        GH_HOSTED,
        signed=True,
        method="gpg",
        fields=record(GH_HOSTED),
    )
    assert decision.to_json()["achieved"] == "SLSA_BUILD_LEVEL_2"


def test_unknown_level_name_is_config_invalid() -> None:
    with pytest.raises(ConfigInvalid):
        level_number("L3")


def test_a_builder_image_pinned_by_digest_in_the_config_counts_for_level_four() -> None:
    fields = record(GH_HOSTED, tlog=REKOR)
    asserted = L4Evidence(
        dependencies_have_provenance=True, reproducible=True, two_party_review=True
    )
    tagged = assess(
        cfg(4, builder_image="ghcr.io/acme/builder:1.2"),
        GH_HOSTED,
        signed=True,
        method="sigstore",
        fields=fields,
        l4_evidence=asserted,
    )
    assert tagged.achieved == "SLSA_BUILD_LEVEL_3"
    assert tagged.shortfall[1:] == ["the builder image is pinned to a digest, not a tag"]
    pinned = assess(
        cfg(4, builder_image="ghcr.io/acme/builder@sha256:" + "ab" * 32),
        GH_HOSTED,
        signed=True,
        method="sigstore",
        fields=fields,
        l4_evidence=asserted,
    )
    assert pinned.achieved == "SLSA_BUILD_LEVEL_4"

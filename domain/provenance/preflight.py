"""Supply-chain preflight: before anything is signed, say in plain words
what will go public or fail, and which SLSA level is declared, which one
this environment can reach, and why (SPEC section 6).

Warnings (``kind``):

- ``public-log-private-repo``: sigstore keyless signing puts a certificate
  naming the repository and workflow into Rekor, the public transparency
  log, for good; the repository is private (or internal).
- ``public-log-unknown-visibility``: the same, when nothing tells whether
  the repository is public.
- ``no-oidc``: keyless signing without an OIDC identity fails (91); on
  GitHub Actions the job lacks ``permissions: id-token: write``.
- ``no-signing-key``: gpg without ``GPG_KEY_ID``, or keyed sigstore without
  ``keyRef``: signing fails (91).
- ``self-hosted-runner``: a self-hosted runner cannot reach a declared
  level of 2 or more.
- ``local-build``: the same for a build outside CI.
- ``level-shortfall``: the achievable level is below the declared one
  (recorded as achieved level plus a flagged shortfall, never lowered).

``signing.method: none`` with a declared level above 1 raises
:class:`~shipline.domain.errors.ConfigInvalid` (90).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shipline.domain.provenance.ci_env import CiEnvironment, detect
from shipline.domain.provenance.levels import (
    HOSTED_BUILD_NEEDED,
    LEVEL_NAMES,
    assess,
    cfg_value,
    check_method_level,
    level_number,
)


@dataclass(frozen=True)
class RepoFacts:
    """What is known about the repository being released."""

    name: str | None = None
    """``owner/name`` or the remote URL, for the messages."""
    visibility: str | None = None
    """``public``, ``private``, ``internal``, or ``None`` when unknown."""


@dataclass(frozen=True)
class PreflightWarning:
    kind: str
    text: str


@dataclass
class PreflightReport:
    declared: str
    achievable: str
    why: list[str]
    warnings: list[PreflightWarning] = field(default_factory=list)
    ci: CiEnvironment | None = None

    def kinds(self) -> list[str]:
        return [w.kind for w in self.warnings]

    def to_json(self) -> dict[str, Any]:
        return {
            "declared": self.declared,
            "achievable": self.achievable,
            "why": self.why,
            "warnings": [{"kind": w.kind, "text": w.text} for w in self.warnings],
            "ci": self.ci.to_json() if self.ci else None,
        }


_OIDC_HINTS = {
    "github-actions": "GitHub Actions gives this job no OIDC token: add `permissions: "
    "id-token: write` to the release job",
    "gitlab-ci": "GitLab CI gives this job no SIGSTORE_ID_TOKEN: add `id_tokens: "
    "SIGSTORE_ID_TOKEN: aud: sigstore` to the release job",
    "circleci": "CircleCI gives this job no CIRCLE_OIDC_TOKEN: run it with a context",
    "local": "outside CI there is no OIDC identity: run the release in CI, or sign with gpg or "
    "a sigstore key (keyless: false)",
}


def preflight(
    provenance_cfg: Any,
    env: Mapping[str, str],
    repo_facts: RepoFacts | None = None,
    *,
    ci: CiEnvironment | None = None,
) -> PreflightReport:
    """The warnings and levels for releasing with ``provenance_cfg`` (the
    config's ``release.security.provenance``) in ``env``."""
    check_method_level(provenance_cfg)
    facts = repo_facts or RepoFacts()
    ci = ci or detect(env)
    declared = cfg_value(provenance_cfg, "level") or LEVEL_NAMES[3]
    method = cfg_value(provenance_cfg, "signing", "method") or "sigstore"
    keyless = cfg_value(provenance_cfg, "signing", "keyless")
    keyless = True if keyless is None else bool(keyless)
    visibility = facts.visibility or ci.repository_visibility
    name = facts.name or ci.repository or "this repository"
    warnings: list[PreflightWarning] = []

    if method == "sigstore" and keyless:
        if visibility in ("private", "internal"):
            warnings.append(
                PreflightWarning(
                    "public-log-private-repo",
                    (
                        f"keyless signing writes a certificate naming {name} and its workflow to "
                        "Rekor, "
                        "the public transparency log, permanently, but the repository is "
                        f"{visibility}; "
                        "sign with gpg or a sigstore key (keyless: false) to keep its name private"
                    ),
                )
            )
        elif visibility is None:
            warnings.append(
                PreflightWarning(
                    "public-log-unknown-visibility",
                    (
                        f"keyless signing writes a certificate naming {name} (or your identity) to "
                        "Rekor, the public transparency log, permanently; shipline cannot tell "
                        "whether "
                        "the repository is public"
                    ),
                )
            )
        if not ci.oidc_available:
            warnings.append(
                PreflightWarning(
                    "no-oidc",
                    (
                        f"no OIDC identity for keyless signing, so signing will stop with exit 91: "
                        f"{_OIDC_HINTS[ci.platform]}"
                    ),
                )
            )
    signer_ready = True
    if method == "sigstore" and keyless:
        signer_ready = ci.oidc_available
    elif method == "sigstore" and not cfg_value(provenance_cfg, "signing", "key_ref"):
        signer_ready = False
        warnings.append(
            PreflightWarning(
                "no-signing-key",
                (
                    "sigstore signing with keyless: false needs signing.keyRef (a key file or a "
                    "cosign "
                    "key reference); signing will stop with exit 91"
                ),
            )
        )
    elif method == "gpg" and not (env.get("GPG_KEY_ID") or "").strip():
        signer_ready = False
        warnings.append(
            PreflightWarning(
                "no-signing-key",
                (
                    "gpg signing needs GPG_KEY_ID (the key id or fingerprint of a secret key in "
                    "the "
                    "keyring), which is not set; signing will stop with exit 91"
                ),
            )
        )

    if level_number(declared) >= 2 and not ci.hosted:
        if ci.is_ci:
            warnings.append(
                PreflightWarning(
                    "self-hosted-runner",
                    (
                        f"this job runs on a self-hosted {ci.platform} runner, which cannot reach "
                        f"{declared}: SLSA level 2 and above need a build on the platform's hosted "
                        "runners"
                    ),
                )
            )
        else:
            warnings.append(
                PreflightWarning(
                    "local-build",
                    (
                        f"this is a local build, which cannot reach {declared}: SLSA level 2 and "
                        "above need a build on a hosted CI runner"
                    ),
                )
            )

    transparency = (
        {"index": "expected"} if (method == "sigstore" and keyless and signer_ready) else None
    )
    fields = {
        "commitSha": "0" * 40,
        "artifacts": [{"sha256": "0" * 64}],
        "builder": {"id": ci.builder_id},
        "buildInvocationId": ci.invocation_id,
        "signature": {"transparencyLog": transparency},
    }
    decision = assess(
        provenance_cfg, env, signed=method != "none" and signer_ready, method=method, fields=fields
    )
    if decision.flagged:
        said = bool(warnings) and warnings[-1].kind in ("local-build", "self-hosted-runner")
        why = [
            reason
            for reason in decision.shortfall[1:]
            if not (said and reason.endswith(HOSTED_BUILD_NEEDED))  # said just above
        ]
        warnings.append(
            PreflightWarning(
                "level-shortfall",
                f"declared {declared} but this environment reaches {decision.achieved}"
                + (f": {'; '.join(why)}" if why else "")
                + f"; the release records {decision.achieved} with the shortfall flagged",
            )
        )
    return PreflightReport(declared, decision.achieved, decision.reasons, warnings, ci)

"""Every check that needs no write, run before the first one.

A release that fails after its commit and tag leaves work to undo and, past
the publish, a burned version. So what can be known up front is checked up
front, by ``release plan``, ``ship --dry-run`` and the preflight of
``ship``, in this one place:

* the migration-note rule (RLSE-005, 54), read from the breaking commits,
  so ``--no-changelog`` or a reviewed entry that drops the breaking
  section cannot skip it;
* the tag signing key (91) when ``release.tag.sign`` is set;
* provenance signing: the supply-chain preflight lines, the method against
  the declared level (90, also for a release without artifacts) and, when
  artifacts will be attested here, the key or identity (91).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import ShiplineError, SigningKeyMissing
from shipline.domain.gitops import Git
from shipline.domain.pipeline.run_state import raise_for
from shipline.domain.release.gates import MIGRATION_NOTES, Outcome
from shipline.domain.release.plan_model import PlanOptions, ReleasePlan

MIGRATION_HINT = (
    "add the migration note to a reviewed entry under its breaking-changes "
    "section and pass it with --changelog-entry FILE (the changelog must be on), "
    "or land a commit whose `BREAKING CHANGE: <how to migrate>` footer says it "
    "(RLSE-005)"
)


def migration_outcome(plan: ReleasePlan) -> Outcome:
    """The "migration notes" gate, from the plan's breaking commits."""
    missing = plan.missing_migration
    return Outcome(
        MIGRATION_NOTES,
        not missing,
        "every breaking change has a migration note"
        if not missing
        else f"breaking change without a migration note: {'; '.join(missing)}",
        hint=MIGRATION_HINT,
    )


def tag_signing_key(git: Git) -> str:
    """The key ``git tag -s`` will use; 91 unless gpg holds its secret half."""
    key = os.environ.get("GPG_KEY_ID") or git.config_get("user.signingkey")
    if not key:
        raise SigningKeyMissing(
            "release.tag.sign is set but no signing key is known",
            hint="set GPG_KEY_ID or git's user.signingkey",
        )
    from shipline.domain import runner

    try:
        done = runner.run(
            ["gpg", "--batch", "--no-tty", "--list-secret-keys", "--", key], timeout=30
        )
    except runner.ToolNotFound:
        raise SigningKeyMissing(
            "release.tag.sign is set but gpg is not installed", hint="install gnupg"
        ) from None
    if not done.ok:
        raise SigningKeyMissing(
            f"signing key {key} is not in the gpg keyring "
            f"({os.environ.get('GNUPGHOME', '~/.gnupg')})",
            hint="import the key, or set GPG_KEY_ID to a key you have",
        )
    return key


def attests_here(loaded: LoadedConfig, options: PlanOptions) -> bool:
    """Whether this run builds and attests artifacts itself."""
    return (
        bool(loaded.release.enabled_artifacts)
        and not options.no_artifacts
        and not getattr(options, "handoff", False)
    )


def check_signing(
    git: Git, loaded: LoadedConfig, options: PlanOptions, env: Mapping[str, str]
) -> Iterator[Any]:
    """Yield the preflight lines; raise 90/91 (the lines are shown first)."""
    from shipline.domain.pipeline.order import signs_tag

    if signs_tag(loaded, getattr(options, "sign_tag", None)):
        tag_signing_key(git)
    prov = loaded.release.security.provenance
    if not prov.enabled:
        return
    if not attests_here(loaded, options):
        from shipline.domain.provenance.levels import check_method_level

        check_method_level(prov)  # 90 is a config error, artifacts or not
        return
    from shipline.domain.provenance.attest import check_signing as attest_signing

    lines: list[Any] = []
    try:
        attest_signing(git, loaded, env, lines.append)
    except ShiplineError:
        yield from lines
        raise
    yield from lines


def checks_before_write(
    git: Git,
    loaded: LoadedConfig,
    plan: ReleasePlan,
    options: PlanOptions,
    env: Mapping[str, str] | None = None,
) -> Iterator[Any]:
    """Every check of this module, as events; raises the first failure."""
    outcome = migration_outcome(plan)
    if not outcome.passed:
        yield outcome.event()
        raise_for(outcome)
    yield from check_signing(git, loaded, options, dict(os.environ if env is None else env))

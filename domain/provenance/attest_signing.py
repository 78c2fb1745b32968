"""Before anything is signed: the supply-chain preflight lines, the signing
method against the declared level (90) and its key or identity present
(91). ``attest`` calls this before it digests; the release pipeline and
the release train before their first write."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from shipline.domain.config import LoadedConfig, ProvenanceConfig
from shipline.domain.events import LogLine
from shipline.domain.gitops import Git
from shipline.domain.provenance.attest_record import STEP
from shipline.domain.signing import envelope as signing


def repository_uri(git: Git) -> str:
    """The repository a statement names: origin's URL without credentials."""
    url = git.remote_url("origin")
    if not url:
        return f"git+file://{git.root}"
    return re.sub(r"^([a-z+]+://)[^/@]*@", r"\1", url)  # never record credentials


def check_signing(
    git: Git,
    loaded: LoadedConfig,
    env: Mapping[str, str],
    emit: Callable[[Any], None],
    *,
    method: str | None = None,
) -> signing.SigningPlan:
    """The supply-chain preflight lines, then the signing method against the
    declared level (90) and its key or identity present (91)."""
    prov = loaded.release.security.provenance
    method = method or prov.signing.method
    prov = prov.model_copy(update={"signing": prov.signing.model_copy(update={"method": method})})
    _preflight(git, prov, env, emit)
    plan = signing.plan_signing(
        method,
        prov.signing.keyless,
        prov.signing.key_ref,
        prov.level,
        repo=git.root,
        state_dir=loaded.state_dir,
        env=env,
    )
    if plan.method == "gpg" and plan.key_id:
        signing.gpg_fingerprint(plan.key_id, env)  # 91: the secret key is in the keyring
    return plan


def _preflight(
    git: Git, prov: ProvenanceConfig, env: Mapping[str, str], emit: Callable[[Any], None]
) -> None:
    """Before anything is signed: what will go public or fail, and the
    declared and achievable levels with why (SPEC section 6)."""
    from shipline.domain.provenance.preflight import RepoFacts, preflight

    report = preflight(prov, env, RepoFacts(name=repository_uri(git)))
    emit(
        LogLine(
            step=STEP,
            text=f"SLSA: declared {report.declared}, achievable here "
            f"{report.achievable}: {'; '.join(report.why)}",
        )
    )
    for warning in report.warnings:
        emit(LogLine(step=STEP, text=f"warning ({warning.kind}): {warning.text}"))

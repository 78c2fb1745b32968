"""shipline's facts read back from one of its statements (version, tag,
commit, builder, ledger anchor, subjects, SBOM, signing method, package),
after :func:`shipline.domain.provenance.attestation.validate_statement`;
``verify`` compares them with the ledger record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipline.domain.errors import AttestationInvalid
from shipline.domain.provenance.attestation import _GIT_SHA, ATTESTATION_HINT, _is_obj, _require
from shipline.domain.provenance.ledger import LedgerHead


@dataclass(frozen=True)
class StatementFacts:
    """shipline's facts read back from one of its statements."""

    version: str
    tag: str | None
    commit_sha: str
    builder_id: str
    invocation_id: str | None
    ledger_head: LedgerHead
    subjects: dict[str, str]
    sbom_digest: str | None
    signing_method: str | None = None
    """``internalParameters.signingMethod``: what the signer said it used."""
    package: str | None = None
    """``externalParameters.package``: the workspace package it is about."""


def statement_facts(statement: dict[str, Any]) -> StatementFacts:
    """Read shipline's facts from a validated statement (94 when absent)."""
    build = statement["predicate"]["buildDefinition"]
    run = statement["predicate"]["runDetails"]
    params = build["externalParameters"]
    _require(isinstance(params.get("version"), str), "externalParameters.version is missing")
    tag = params.get("tag")
    _require(tag is None or isinstance(tag, str), "externalParameters.tag must be a string")
    package = params.get("package")
    _require(
        package is None or (isinstance(package, str) and bool(package)),
        "externalParameters.package must be a package name",
    )
    for subject in statement["subject"]:
        annotations = subject.get("annotations")
        named = annotations.get("package") if _is_obj(annotations) else None
        _require(
            named is None or named == package,
            f"subject {subject['name']!r} is annotated as package {named!r}, "
            f"the statement is about {package!r}",
        )
    commits = [
        d.get("digest", {}).get("gitCommit")
        for d in build.get("resolvedDependencies", [])
        if _is_obj(d.get("digest"))
    ]
    commits = [c for c in commits if isinstance(c, str) and _GIT_SHA.match(c)]
    _require(len(commits) == 1, "resolvedDependencies must name exactly one source gitCommit")
    try:
        head = LedgerHead.from_json(build.get("internalParameters", {}).get("ledgerHead"))
    except ValueError as exc:
        raise AttestationInvalid(
            f"internalParameters.ledgerHead: {exc}", hint=ATTESTATION_HINT
        ) from None
    sbom = None
    for item in run.get("byproducts", []) or []:
        if _is_obj(item) and _is_obj(item.get("digest")):
            sbom = item["digest"].get("sha256")
    return StatementFacts(
        version=params["version"],
        tag=tag,
        commit_sha=commits[0],
        builder_id=run["builder"]["id"],
        invocation_id=run.get("metadata", {}).get("invocationId"),
        ledger_head=head,
        subjects={s["name"]: s["digest"]["sha256"] for s in statement["subject"]},
        sbom_digest=sbom,
        signing_method=_signing_method(build.get("internalParameters", {})),
        package=package,
    )


def _signing_method(params: Any) -> str | None:
    value = params.get("signingMethod") if _is_obj(params) else None
    return value if isinstance(value, str) else None

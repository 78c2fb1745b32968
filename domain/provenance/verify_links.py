"""The checks of one release record's links, in the order of
:mod:`shipline.domain.provenance.verify`: commit, attestation and its
signature, build facts, artifacts, SBOM, ledger anchor, registry."""

from __future__ import annotations

from typing import Any

from shipline.domain.digests import sha256_file
from shipline.domain.errors import AttestationInvalid, ShiplineError, UsageError
from shipline.domain.provenance import attestation as att
from shipline.domain.provenance import ledger as ldg
from shipline.domain.provenance.statement_facts import StatementFacts, statement_facts
from shipline.domain.provenance.verify_report import (
    FAILED,
    MISSING,
    OK,
    SKIPPED,
    LinkCheck,
    VerifyContext,
)


def check_release(record: dict[str, Any], index: int, ctx: VerifyContext) -> list[LinkCheck]:
    """Every link of one release record; ``index`` is its place in the
    ledger (the records before it are the prefix its anchor describes)."""
    version = ldg.record_label(record)
    out: list[LinkCheck] = []
    out.append(_commit_check(record, ctx))
    missing_tag = _tag_present_check(record, ctx)
    if missing_tag is not None:
        out.append(missing_tag)
    artifacts = record["artifacts"]
    if not artifacts:
        out.append(LinkCheck("attestation", version, SKIPPED, 0, "source-only release"))
        return out
    if _unattested(record):
        out.append(
            LinkCheck(
                "attestation",
                version,
                SKIPPED,
                0,
                "provenance was disabled: artifacts recorded without an attestation",
            )
        )
        for artifact in artifacts:
            out.extend(_artifact_checks(artifact, None, ctx))
        out.extend(_registry_checks(record, ctx))
        return out
    statement, attest_checks = _attestation_checks(record, ctx)
    out.extend(attest_checks)
    facts = None
    if statement is not None:
        try:
            facts = statement_facts(statement)
        except AttestationInvalid as exc:
            out.append(LinkCheck("attestation", version, FAILED, 94, exc.message))
    if facts is not None:
        out.extend(_facts_checks(record, facts))
    for artifact in artifacts:
        out.extend(_artifact_checks(artifact, facts, ctx))
    if facts is not None:
        extra = sorted(set(facts.subjects) - {a["name"] for a in artifacts})
        if extra:
            out.append(
                LinkCheck(
                    "artifact",
                    version,
                    FAILED,
                    94,
                    f"the statement names subjects the ledger does not: {extra}",
                )
            )
    out.extend(_sbom_checks(record, facts, ctx))
    if facts is not None:
        out.append(_anchor_check(record, index, facts, ctx))
    out.extend(_registry_checks(record, ctx))
    return out


def _unattested(record: dict[str, Any]) -> bool:
    """A release shipped with provenance disabled: no artifact has an
    attestation or a signature, and the record claims no SLSA level (a
    record that claims one still needs its attestation: 94)."""
    return record.get("slsaLevel") is None and all(
        a["attestation"] is None and not a["signature"]["signed"] for a in record["artifacts"]
    )


def _commit_check(record: dict[str, Any], ctx: VerifyContext) -> LinkCheck:
    label = ldg.record_label(record)
    sha, tag = record["commitSha"], record.get("gitTag")
    if ctx.tags is not None and tag in ctx.tags and ctx.tags[tag][0] != sha:
        return LinkCheck(
            "commit",
            label,
            FAILED,
            94,
            f"tag {tag} points at {ctx.tags[tag][0]}, the record says {sha}",
        )
    if ctx.commits is not None and sha not in ctx.commits:
        if ctx.shallow:
            return LinkCheck(
                "commit",
                label,
                MISSING,
                0,
                f"commit {sha} is not in this shallow clone",
            )
        return LinkCheck(
            "commit",
            label,
            FAILED,
            94,
            f"commit {sha} does not exist in this repository: the record names "
            "a commit that was never made (or history was rewritten)",
        )
    return LinkCheck("commit", label, OK, 0, sha)


def _tag_present_check(record: dict[str, Any], ctx: VerifyContext) -> LinkCheck | None:
    """A recorded release tag that is gone cannot anchor anything: 93, never
    a silent skip (deleting the tag must not hide a rewritten ledger)."""
    tag = record.get("gitTag")
    if ctx.tags is None or tag is None or tag in ctx.tags:
        return None
    return LinkCheck(
        "anchor",
        tag,
        FAILED,
        93,
        f"release {ldg.record_label(record)}'s tag {tag} is missing from the repository: "
        "its ledger anchor cannot be checked (deleted, or not fetched: "
        "git fetch --tags)",
    )


def _attestation_checks(
    record: dict[str, Any], ctx: VerifyContext
) -> tuple[dict[str, Any] | None, list[LinkCheck]]:
    from shipline.domain.signing import envelope as signing

    version = ldg.record_label(record)
    paths = {a["attestation"] for a in record["artifacts"]}
    block = record["artifacts"][0]["signature"]
    if (
        len(paths) != 1
        or None in paths
        or any(a["signature"] != block for a in record["artifacts"])
    ):
        return None, [
            LinkCheck(
                "attestation",
                version,
                FAILED,
                94,
                "a release's artifacts must share one attestation and signature",
            )
        ]
    rel = paths.pop()
    path = ctx.resolve(rel)
    try:
        envelope = att.read_envelope(path)
        payload = att.envelope_payload(envelope, require_signature=bool(block["signed"]))
        statement = att.decode_envelope(
            envelope, require_signature=bool(block["signed"]), payload=payload
        )
    except AttestationInvalid as exc:
        detail = exc.message if exc.message.startswith(str(path)) else f"{rel}: {exc.message}"
        return None, [LinkCheck("attestation", version, FAILED, 94, detail)]
    checks = [LinkCheck("attestation", version, OK, 0, rel)]
    if not block["signed"] and record.get("slsaLevel") not in (None, signing.LEVEL_ONE):
        checks.append(
            LinkCheck(
                "signature",
                version,
                FAILED,
                92,
                f"unsigned, yet the record claims {record.get('slsaLevel')}",
            )
        )
        return statement, checks
    try:
        who = signing.verify(envelope, payload, block, ctx.resolve)
    except ShiplineError as exc:
        checks.append(LinkCheck("signature", version, FAILED, int(exc.code), exc.message))
        return statement, checks
    checks.append(LinkCheck("signature", version, SKIPPED if who == "unsigned" else OK, 0, who))
    return statement, checks


def _facts_checks(record: dict[str, Any], facts: StatementFacts) -> list[LinkCheck]:
    version, label = record["version"], ldg.record_label(record)
    problems = []
    if facts.version != version:
        problems.append(
            f"the statement is for version {facts.version}, not {version} "
            "(replayed from another release)"
        )
    if facts.commit_sha != record["commitSha"]:
        problems.append(
            f"the statement's commit {facts.commit_sha} is not the recorded {record['commitSha']}"
        )
    if facts.tag != record.get("gitTag"):
        problems.append(
            f"the statement's tag {facts.tag} is not the recorded {record.get('gitTag')}"
        )
    package = ldg.record_package(record)
    if facts.package != package:
        problems.append(
            f"the statement is about package {facts.package or '(none)'}, the record "
            f"about {package or '(none)'} (replayed from another package)"
        )
    method = record["artifacts"][0]["signature"]["method"] if record["artifacts"] else None
    if facts.signing_method is not None and facts.signing_method != method:
        problems.append(
            f"the statement says it was signed with {facts.signing_method}, the "
            f"record says {method} (a downgraded record)"
        )
    out = [LinkCheck("attestation", label, FAILED, 94, p) for p in problems]
    builder = (record.get("builder") or {}).get("id")
    if builder != facts.builder_id or record.get("buildInvocationId") != facts.invocation_id:
        out.append(
            LinkCheck(
                "build",
                label,
                FAILED,
                94,
                f"the statement's builder {facts.builder_id} / invocation "
                f"{facts.invocation_id} differ from the record's {builder} / "
                f"{record.get('buildInvocationId')}",
            )
        )
    else:
        out.append(LinkCheck("build", label, OK, 0, f"{builder} {facts.invocation_id}"))
    return out


def _artifact_checks(
    artifact: dict[str, Any], facts: StatementFacts | None, ctx: VerifyContext
) -> list[LinkCheck]:
    name, recorded = artifact["name"], artifact["sha256"]
    out: list[LinkCheck] = []
    path = ctx.resolve(artifact["path"]) if artifact.get("path") else None
    try:
        actual = sha256_file(path).sha256 if path is not None else None
    except UsageError:  # gone, or a directory now
        actual = None
    if actual is None:
        out.append(
            LinkCheck(
                "artifact",
                name,
                MISSING,
                0,
                f"{artifact.get('path')}: not on disk, digest not recomputed",
            )
        )
    else:
        if actual != recorded:
            out.append(
                LinkCheck(
                    "artifact",
                    name,
                    FAILED,
                    93,
                    f"{artifact['path']}: SHA-256 {actual}, recorded {recorded}",
                )
            )
        else:
            out.append(LinkCheck("artifact", name, OK, 0, f"sha256:{actual}"))
    if facts is not None:
        subject = facts.subjects.get(name)
        if subject is None:
            out.append(
                LinkCheck(
                    "artifact", name, FAILED, 94, f"the statement has no subject named {name!r}"
                )
            )
        elif subject != recorded:
            out.append(
                LinkCheck(
                    "artifact",
                    name,
                    FAILED,
                    93,
                    f"the statement binds {name} to {subject}, recorded {recorded}",
                )
            )
    return out


def _sbom_checks(
    record: dict[str, Any], facts: StatementFacts | None, ctx: VerifyContext
) -> list[LinkCheck]:
    sbom = record.get("sbom")
    if sbom is None:
        return []
    path = ctx.resolve(sbom["path"])
    if facts is not None and facts.sbom_digest != sbom["sha256"]:
        return [
            LinkCheck(
                "sbom",
                sbom["path"],
                FAILED,
                93,
                f"the statement's SBOM digest {facts.sbom_digest} is not the "
                f"recorded {sbom['sha256']}",
            )
        ]
    if not path.is_file():
        return [LinkCheck("sbom", sbom["path"], MISSING, 0, "not on disk")]
    actual = sha256_file(path).sha256
    if actual != sbom["sha256"]:
        return [
            LinkCheck(
                "sbom", sbom["path"], FAILED, 93, f"SHA-256 {actual}, recorded {sbom['sha256']}"
            )
        ]
    return [LinkCheck("sbom", sbom["path"], OK, 0, f"{sbom['format']} {sbom['specVersion']}")]


def _anchor_check(
    record: dict[str, Any], index: int, facts: StatementFacts, ctx: VerifyContext
) -> LinkCheck:
    version = ldg.record_label(record)
    recorded = ldg.LedgerHead(record["ledgerHead"]["count"], record["ledgerHead"]["hash"])
    if recorded != facts.ledger_head:
        return LinkCheck(
            "anchor",
            version,
            FAILED,
            94,
            f"the record's ledger head {recorded} is not the signed one {facts.ledger_head}",
        )
    problem = ldg.prefix_problem(ctx.records, facts.ledger_head, limit=index)
    if problem:
        return LinkCheck("anchor", version, FAILED, 93, problem)
    return LinkCheck("anchor", version, OK, 0, f"ledger head {facts.ledger_head.count}")


def _registry_checks(record: dict[str, Any], ctx: VerifyContext) -> list[LinkCheck]:
    digests = {a["name"]: a["sha256"] for a in record["artifacts"]}
    out = []
    for later in ctx.later.get(record.get("hash") or "", []):
        name = later["artifact"]
        if name not in digests:
            out.append(
                LinkCheck(
                    "registry",
                    name,
                    FAILED,
                    94,
                    f"published artifact {name} is not in release {ldg.record_label(record)}",
                )
            )
        elif digests[name] != later["sha256"] or later["registryDigest"] not in (
            None,
            digests[name],
        ):
            out.append(
                LinkCheck(
                    "registry",
                    name,
                    FAILED,
                    93,
                    f"{later['registry']} reports {later['registryDigest']} / "
                    f"recorded {later['sha256']}, built {digests[name]}",
                )
            )
        else:
            out.append(LinkCheck("registry", name, OK, 0, later["reference"] or later["registry"]))
    return out

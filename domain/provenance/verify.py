"""``verify_provenance_chain``: check every link of recorded releases, offline.

For each selected release record, in this order (the first failure decides
the exit code; every check is reported):

1. ``ledger``: the file parses strictly (94) and its hash chain holds (93).
2. ``commit``: the release tag, when the repository has it, points at the
   recorded commit (94); the commit exists (a shallow clone reports it
   missing, which is not a failure).
3. ``attestation``: the envelope parses and is a valid in-toto v1 / SLSA v1
   statement (94), its signature verifies for the recorded key or identity
   (92), and it is *this* release's statement: version, tag and commit
   match the record (94, a statement replayed from another version).
4. ``build``: builder id and invocation id match the statement (94).
5. ``artifact``: the file's SHA-256, recomputed, equals the record (93; a
   file no longer on disk is reported missing) and the statement has a
   subject with that name (94) and that digest (93); no extra subjects (94).
6. ``sbom``: its digest matches the record and the statement's byproduct.
7. ``anchor``: the ledger head signed into the statement describes the
   ledger prefix before the record (93: records were dropped or rewritten).
8. ``registry``: publish records carry the artifact's digest (93).

With ``--all``, also every tag whose message carries a ledger anchor and
every attestation file in the state dir must match a recorded release, so a
dropped ledger tail is caught (93).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipline.domain.digests import sha256_file
from shipline.domain.errors import AttestationInvalid, ReleaseNotFound, ShiplineError, UsageError
from shipline.domain.provenance import attestation as att
from shipline.domain.provenance import ledger as ldg

OK, FAILED, MISSING, SKIPPED = "ok", "failed", "missing", "skipped"


@dataclass(frozen=True)
class LinkCheck:
    link: str
    name: str
    status: str
    code: int = 0
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"link": self.link, "name": self.name, "status": self.status,
                "code": self.code, "detail": self.detail}


@dataclass
class VerifyReport:
    checks: list[LinkCheck] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[LinkCheck]:
        return [c for c in self.checks if c.status == FAILED]

    @property
    def code(self) -> int:
        failures = self.failures
        return failures[0].code if failures else 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for check in self.checks:
            counts[check.status] = counts.get(check.status, 0) + 1
        return {"ok": self.ok, "code": self.code, "versions": self.versions, "counts": counts,
                "failures": [c.to_json() for c in self.failures],
                "missing": [c.to_json() for c in self.checks if c.status == MISSING]}


@dataclass
class VerifyContext:
    state_dir: Path
    repo: Path
    records: list[dict[str, Any]]
    tags: dict[str, tuple[str, str]] | None = None
    """tag → (commit it points at, message), when the repository is a git repo."""
    commits: set[str] | None = None
    """Recorded commits that exist in the repository."""
    later: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Publish records by the hash of the release record they name."""

    def resolve(self, rel: str) -> Path:
        path = Path(rel)
        return path if path.is_absolute() else self.repo / path


ReviewChecks = Callable[[list[dict[str, Any]], Path, "str | None"], list[LinkCheck]]


def verify_provenance_chain(state_dir: Path, version: str | None = None, all: bool = False,
                            repo: Path | None = None, *,
                            review_checks: ReviewChecks | None = None) -> VerifyReport:
    """Verify one release (``version``) or every release (``all``).

    Review and level records (SPEC 8) are checked by ``review_checks``, which
    the review part supplies (:func:`shipline.domain.review.verify_chain`);
    without it such records fail as unchecked rather than pass unseen."""
    if (version is None) == (not all):
        raise UsageError("give a version or --all, not both and not neither")
    repo = repo if repo is not None else state_dir.parent
    report = VerifyReport()
    path = ldg.ledger_path(state_dir)
    try:
        records = ldg.parse_ledger(path.read_bytes(), str(path)) if path.exists() else []
    except AttestationInvalid as exc:
        report.checks.append(LinkCheck("ledger", str(path), FAILED, 94, exc.message))
        return report
    issues = ldg.chain_issues(records)
    for issue in issues:
        report.checks.append(LinkCheck("ledger", f"record {issue.index + 1}", FAILED,
                                       issue.code, issue.message))
    if not issues:
        report.checks.append(LinkCheck("ledger", str(path), OK, 0,
                                       f"{len(records)} records, hash chain intact"))
    selected = [(i, r) for i, r in enumerate(records) if r.get("recordType") == "release"]
    if version is not None:
        selected = [(i, r) for i, r in selected if r.get("version") == version.lstrip("v")
                    or r.get("version") == version]
        if not selected:
            raise ReleaseNotFound(f"{path}: no release {version} is recorded",
                                  hint="`shipline ledger` lists the recorded releases")
    ctx = VerifyContext(state_dir, repo, records)
    for record in records:
        if record.get("recordType") == "publish":
            ctx.later.setdefault(record.get("releaseHash") or "", []).append(record)
    _load_git_facts(ctx, [r for _, r in selected])
    for index, record in selected:
        report.versions.append(record["version"])
        report.checks.extend(check_release(record, index, ctx))
    if any(r.get("recordType") in ("review", "level") for r in records):
        if review_checks is None:
            report.checks.append(LinkCheck("review", "review records", FAILED, 94,
                                           "review records present but not checked"))
        else:
            report.checks.extend(review_checks(records, repo, None if all else version))
    if all:
        report.checks.extend(_tag_anchor_checks(ctx))
        report.checks.extend(_orphan_checks(ctx))
    elif ctx.tags is not None:
        tag = selected[0][1].get("gitTag")
        report.checks.extend(_tag_anchor_checks(ctx, only=tag))
    return report


def check_release(record: dict[str, Any], index: int, ctx: VerifyContext) -> list[LinkCheck]:
    """Every link of one release record; ``index`` is its place in the
    ledger (the records before it are the prefix its anchor describes)."""
    version = record["version"]
    out: list[LinkCheck] = []
    out.append(_commit_check(record, ctx))
    artifacts = record["artifacts"]
    if not artifacts:
        out.append(LinkCheck("attestation", version, SKIPPED, 0, "source-only release"))
        return out
    statement, attest_checks = _attestation_checks(record, ctx)
    out.extend(attest_checks)
    facts = None
    if statement is not None:
        try:
            facts = att.statement_facts(statement)
        except AttestationInvalid as exc:
            out.append(LinkCheck("attestation", version, FAILED, 94, exc.message))
    if facts is not None:
        out.extend(_facts_checks(record, facts))
    for artifact in artifacts:
        out.extend(_artifact_checks(artifact, facts, ctx))
    if facts is not None:
        extra = sorted(set(facts.subjects) - {a["name"] for a in artifacts})
        if extra:
            out.append(LinkCheck("artifact", version, FAILED, 94,
                                 f"the statement names subjects the ledger does not: {extra}"))
    out.extend(_sbom_checks(record, facts, ctx))
    if facts is not None:
        out.append(_anchor_check(record, index, facts, ctx))
    out.extend(_registry_checks(record, ctx))
    return out


def _commit_check(record: dict[str, Any], ctx: VerifyContext) -> LinkCheck:
    sha, tag = record["commitSha"], record.get("gitTag")
    if ctx.tags is not None and tag in ctx.tags and ctx.tags[tag][0] != sha:
        return LinkCheck("commit", record["version"], FAILED, 94,
                         f"tag {tag} points at {ctx.tags[tag][0]}, the record says {sha}")
    if ctx.commits is not None and sha not in ctx.commits:
        return LinkCheck("commit", record["version"], MISSING, 0,
                         f"commit {sha} is not in this repository (shallow clone?)")
    return LinkCheck("commit", record["version"], OK, 0, sha)


def _attestation_checks(record: dict[str, Any],
                        ctx: VerifyContext) -> tuple[dict[str, Any] | None, list[LinkCheck]]:
    from shipline.domain.signing import envelope as signing

    version = record["version"]
    paths = {a["attestation"] for a in record["artifacts"]}
    blocks = {repr(a["signature"]) for a in record["artifacts"]}
    if len(paths) != 1 or None in paths or len(blocks) != 1:
        return None, [LinkCheck("attestation", version, FAILED, 94,
                                "a release's artifacts must share one attestation and signature")]
    rel = paths.pop()
    block = record["artifacts"][0]["signature"]
    path = ctx.resolve(rel)
    try:
        envelope = att.read_envelope(path)
        payload = att.envelope_payload(envelope, require_signature=bool(block["signed"]))
        statement = att.decode_envelope(envelope, require_signature=bool(block["signed"]),
                                        payload=payload)
    except AttestationInvalid as exc:
        detail = exc.message if exc.message.startswith(str(path)) else f"{rel}: {exc.message}"
        return None, [LinkCheck("attestation", version, FAILED, 94, detail)]
    checks = [LinkCheck("attestation", version, OK, 0, rel)]
    if not block["signed"] and record.get("slsaLevel") not in (None, signing.LEVEL_ONE):
        checks.append(LinkCheck("signature", version, FAILED, 92,
                                f"unsigned, yet the record claims {record.get('slsaLevel')}"))
        return statement, checks
    try:
        who = signing.verify(envelope, payload, block, ctx.resolve)
    except ShiplineError as exc:
        checks.append(LinkCheck("signature", version, FAILED, int(exc.code), exc.message))
        return statement, checks
    checks.append(LinkCheck("signature", version, SKIPPED if who == "unsigned" else OK, 0, who))
    return statement, checks


def _facts_checks(record: dict[str, Any], facts: att.StatementFacts) -> list[LinkCheck]:
    version = record["version"]
    problems = []
    if facts.version != version:
        problems.append(f"the statement is for version {facts.version}, not {version} "
                        "(replayed from another release)")
    if facts.commit_sha != record["commitSha"]:
        problems.append(f"the statement's commit {facts.commit_sha} is not the recorded "
                        f"{record['commitSha']}")
    if facts.tag != record.get("gitTag"):
        problems.append(f"the statement's tag {facts.tag} is not the recorded "
                        f"{record.get('gitTag')}")
    method = record["artifacts"][0]["signature"]["method"] if record["artifacts"] else None
    if facts.signing_method is not None and facts.signing_method != method:
        problems.append(f"the statement says it was signed with {facts.signing_method}, the "
                        f"record says {method} (a downgraded record)")
    out = [LinkCheck("attestation", version, FAILED, 94, p) for p in problems]
    builder = (record.get("builder") or {}).get("id")
    if builder != facts.builder_id or record.get("buildInvocationId") != facts.invocation_id:
        out.append(LinkCheck("build", version, FAILED, 94,
                             f"the statement's builder {facts.builder_id} / invocation "
                             f"{facts.invocation_id} differ from the record's {builder} / "
                             f"{record.get('buildInvocationId')}"))
    else:
        out.append(LinkCheck("build", version, OK, 0, f"{builder} {facts.invocation_id}"))
    return out


def _artifact_checks(artifact: dict[str, Any], facts: att.StatementFacts | None,
                     ctx: VerifyContext) -> list[LinkCheck]:
    name, recorded = artifact["name"], artifact["sha256"]
    out: list[LinkCheck] = []
    path = ctx.resolve(artifact["path"]) if artifact.get("path") else None
    if path is None or not path.is_file():
        out.append(LinkCheck("artifact", name, MISSING, 0,
                             f"{artifact.get('path')}: not on disk, digest not recomputed"))
    else:
        actual = sha256_file(path).sha256
        if actual != recorded:
            out.append(LinkCheck("artifact", name, FAILED, 93,
                                 f"{artifact['path']}: SHA-256 {actual}, recorded {recorded}"))
        else:
            out.append(LinkCheck("artifact", name, OK, 0, f"sha256:{actual}"))
    if facts is not None:
        subject = facts.subjects.get(name)
        if subject is None:
            out.append(LinkCheck("artifact", name, FAILED, 94,
                                 f"the statement has no subject named {name!r}"))
        elif subject != recorded:
            out.append(LinkCheck("artifact", name, FAILED, 93,
                                 f"the statement binds {name} to {subject}, recorded {recorded}"))
    return out


def _sbom_checks(record: dict[str, Any], facts: att.StatementFacts | None,
                 ctx: VerifyContext) -> list[LinkCheck]:
    sbom = record.get("sbom")
    if sbom is None:
        return []
    path = ctx.resolve(sbom["path"])
    if facts is not None and facts.sbom_digest != sbom["sha256"]:
        return [LinkCheck("sbom", sbom["path"], FAILED, 93,
                          f"the statement's SBOM digest {facts.sbom_digest} is not the "
                          f"recorded {sbom['sha256']}")]
    if not path.is_file():
        return [LinkCheck("sbom", sbom["path"], MISSING, 0, "not on disk")]
    actual = sha256_file(path).sha256
    if actual != sbom["sha256"]:
        return [LinkCheck("sbom", sbom["path"], FAILED, 93,
                          f"SHA-256 {actual}, recorded {sbom['sha256']}")]
    return [LinkCheck("sbom", sbom["path"], OK, 0, f"{sbom['format']} {sbom['specVersion']}")]


def _anchor_check(record: dict[str, Any], index: int, facts: att.StatementFacts,
                  ctx: VerifyContext) -> LinkCheck:
    version = record["version"]
    recorded = ldg.LedgerHead(record["ledgerHead"]["count"], record["ledgerHead"]["hash"])
    if recorded != facts.ledger_head:
        return LinkCheck("anchor", version, FAILED, 94,
                         f"the record's ledger head {recorded} is not the signed one "
                         f"{facts.ledger_head}")
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
            out.append(LinkCheck("registry", name, FAILED, 94,
                                 f"published artifact {name} is not in release "
                                 f"{record['version']}"))
        elif digests[name] != later["sha256"] or later["registryDigest"] not in (None,
                                                                               digests[name]):
            out.append(LinkCheck("registry", name, FAILED, 93,
                                 f"{later['registry']} reports {later['registryDigest']} / "
                                 f"recorded {later['sha256']}, built {digests[name]}"))
        else:
            out.append(LinkCheck("registry", name, OK, 0, later["reference"] or later["registry"]))
    return out


# --- anchors outside the ledger ----------------------------------------------------


def _load_git_facts(ctx: VerifyContext, releases: list[dict[str, Any]]) -> None:
    """Tags (with messages) and which recorded commits exist: two git calls."""
    from shipline.domain.gitops import Git, GitError

    if not (ctx.repo / ".git").exists():
        return
    git = Git(ctx.repo)
    try:
        raw = git.raw(["for-each-ref", "refs/tags",
                       "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)%00"
                       "%(contents)%00"]).decode("utf-8", errors="replace")
        fields = raw.split("\0")
        ctx.tags = {}
        for i in range(0, len(fields) - 4, 4):
            name, obj, peeled, message = fields[i:i + 4]
            ctx.tags[name.lstrip("\n")] = (peeled or obj, message)
        shas = "\n".join(sorted({r["commitSha"] for r in releases})) + "\n"
        done = git.run(["cat-file", "--batch-check", "--buffer"], input=shas, check=False)
        ctx.commits = {parts[0] for parts in map(str.split, done.stdout.splitlines())
                       if len(parts) >= 2 and parts[1] == "commit"}
    except (GitError, OSError):
        ctx.tags, ctx.commits = None, None


def _tag_anchor_checks(ctx: VerifyContext, only: str | None = None) -> list[LinkCheck]:
    if ctx.tags is None:
        return []
    by_tag = {r.get("gitTag"): i for i, r in enumerate(ctx.records)
              if r.get("recordType") == "release"}
    out = []
    for tag, (_commit, message) in sorted(ctx.tags.items()):
        head = ldg.parse_anchor(message)
        if head is None or (only is not None and tag != only):
            continue
        if tag not in by_tag:
            out.append(LinkCheck("anchor", tag, FAILED, 93,
                                 f"tag {tag} anchors the ledger but no release record has "
                                 "that tag: the ledger's tail was dropped (or that release "
                                 "is still in progress)"))
            continue
        problem = ldg.prefix_problem(ctx.records, head, limit=by_tag[tag])
        out.append(LinkCheck("anchor", tag, FAILED if problem else OK, 93 if problem else 0,
                             problem or f"tag message anchors ledger head {head.count}"))
    return out


def _orphan_checks(ctx: VerifyContext) -> list[LinkCheck]:
    folder = ctx.state_dir / "attestations"
    if not folder.is_dir():
        return []
    known = {os.path.abspath(ctx.resolve(a["attestation"])) for r in ctx.records
             if r.get("recordType") == "release" for a in r["artifacts"] if a["attestation"]}
    out = []
    for path in sorted(folder.glob(f"*{att.SUFFIX}")):
        if os.path.abspath(path) in known:
            continue
        try:
            version = att.statement_facts(att.decode_envelope(
                att.read_envelope(path), require_signature=False)).version
        except AttestationInvalid:
            version = "?"
        out.append(LinkCheck("anchor", path.name, FAILED, 93,
                             f"attestation for version {version} has no release record: the "
                             "ledger's tail was dropped (or an attest was interrupted; then "
                             "remove the file)"))
    return out


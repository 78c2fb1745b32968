"""``verify_provenance_chain``: check every link of recorded releases, offline.

For each selected release record, in this order (the first failure decides
the exit code; every check is reported):

1. ``ledger``: the file parses strictly (94) and its hash chain holds (93).
2. ``commit``: the release tag points at the recorded commit (94) and
   exists (a recorded tag that is gone fails the ``anchor`` link, 93); the
   commit exists (94; only a shallow clone reports it missing).
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
9. ``signer``: who signed each release, against the caller's trust and the
   release before it (:mod:`shipline.domain.provenance.signers`, 92); the
   report says which trust was used.
10. ``forge``: the GitHub/GitLab release's files carry the recorded digests,
    and, when the forge can be reached, it still serves them
    (:mod:`verify_forge`; unreachable is reported as not checked).

With ``--all``, also every tag whose message carries a ledger anchor and
every attestation file in the state dir must match a recorded release, so a
dropped ledger tail is caught (93).

The report's model is :mod:`verify_report`; one release's link checks are
:mod:`verify_links`.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shipline.domain.errors import AttestationInvalid, ReleaseNotFound, UsageError
from shipline.domain.provenance import attestation as att
from shipline.domain.provenance import ledger as ldg
from shipline.domain.provenance.signers import signer_checks
from shipline.domain.provenance.statement_facts import statement_facts
from shipline.domain.provenance.trust import REPOSITORY_TRUST, Trust
from shipline.domain.provenance.verify_links import check_release
from shipline.domain.provenance.verify_parallel import check_all
from shipline.domain.provenance.verify_report import (
    FAILED,
    MISSING,
    OK,
    SKIPPED,
    LinkCheck,
    ReviewChecks,
    VerifyContext,
    VerifyReport,
)

VERIFY_USAGE_HINT = "pass VERSION (NAME@VERSION in a workspace) or --all"

__all__ = [
    "FAILED",
    "MISSING",
    "OK",
    "SKIPPED",
    "LinkCheck",
    "ReviewChecks",
    "VerifyContext",
    "VerifyReport",
    "check_release",
    "verify_provenance_chain",
]


def verify_provenance_chain(
    state_dir: Path,
    version: str | None = None,
    all: bool = False,
    repo: Path | None = None,
    *,
    review_checks: ReviewChecks | None = None,
    trust: Trust | None = None,
) -> VerifyReport:
    """Verify one release (``version``) or every release (``all``).

    Review and level records (SPEC 8) are checked by ``review_checks``, which
    the review part supplies (:func:`shipline.domain.review.verify_chain`);
    without it such records fail as unchecked rather than pass unseen.
    ``trust`` names the signers the caller expects (default: from the
    repository only, which the report says)."""
    if (version is None) == (not all):
        raise UsageError(
            "give a version or --all, not both and not neither", hint=VERIFY_USAGE_HINT
        )
    repo = repo if repo is not None else state_dir.parent
    trust = trust or REPOSITORY_TRUST
    report = VerifyReport(trust=trust.to_json())
    path = ldg.ledger_path(state_dir)
    try:
        records = ldg.parse_ledger(path.read_bytes(), str(path)) if path.exists() else []
    except AttestationInvalid as exc:
        report.checks.append(LinkCheck("ledger", str(path), FAILED, 94, exc.message))
        return report
    issues = ldg.chain_issues(records)
    for issue in issues:
        report.checks.append(
            LinkCheck("ledger", f"record {issue.index + 1}", FAILED, issue.code, issue.message)
        )
    if not issues:
        report.checks.append(
            LinkCheck("ledger", str(path), OK, 0, f"{len(records)} records, hash chain intact")
        )
    selected = [(i, r) for i, r in enumerate(records) if r.get("recordType") == "release"]
    package: str | None = None
    if version is not None:
        package, version = ldg.split_package_version(version)  # NAME@VERSION in a workspace
        selected = [
            (i, r)
            for i, r in selected
            if (r.get("version") == version.lstrip("v") or r.get("version") == version)
            and ldg.record_package(r) == package
        ]
        if not selected:
            if package is not None:
                version = f"{package}@{version}"
            raise ReleaseNotFound(
                f"{path}: no release {version} is recorded",
                hint="`shipline ledger` lists the recorded releases",
            )
    ctx = VerifyContext(state_dir, repo, records)
    for record in records:
        if record.get("recordType") == "publish":
            ctx.later.setdefault(record.get("releaseHash") or "", []).append(record)
    _load_git_facts(ctx, [r for _, r in selected])
    from shipline.domain.provenance.verify_forge import forge_checks

    forge_records: dict[str, list[dict[str, Any]]] = {}  # by release hash: never n x n
    for record in records:
        if record.get("recordType") == "forge":
            forge_records.setdefault(record.get("releaseHash") or "", []).append(record)

    def one(index: int, record: dict[str, Any]) -> list[LinkCheck]:
        return [
            *check_release(record, index, ctx),
            *forge_checks(record, forge_records.get(record["hash"], [])),
        ]

    report.versions.extend(record["version"] for _, record in selected)
    with _heap_frozen():
        report.checks.extend(check_all(selected, one))
    report.checks.extend(
        signer_checks(
            records, trust, ctx.resolve, None if all else {r["version"] for _, r in selected}
        )
    )
    if any(r.get("recordType") in ("review", "level") for r in records):
        if review_checks is None:
            report.checks.append(
                LinkCheck(
                    "review", "review records", FAILED, 94, "review records present but not checked"
                )
            )
        else:
            label = f"{package}@{version}" if package and version else version
            report.checks.extend(review_checks(records, repo, None if all else label))
    if all:
        report.checks.extend(_tag_anchor_checks(ctx))
        report.checks.extend(_orphan_checks(ctx))
    elif ctx.tags is not None:
        tag = selected[0][1].get("gitTag")
        report.checks.extend(_tag_anchor_checks(ctx, only=tag))
    return report


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """The parsed ledger (a million objects for 10,000 records) moved out of
    the cyclic collector's sight while each release is checked: the checks
    allocate steadily and every full collection would rescan the whole
    ledger (a tenth of ``verify --all``). Plain JSON data holds no cycles."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _load_git_facts(ctx: VerifyContext, releases: list[dict[str, Any]]) -> None:
    """Tags (with messages) and which recorded commits exist: two git calls."""
    from shipline.domain.gitops import Git, GitError

    if not (ctx.repo / ".git").exists():
        return
    git = Git(ctx.repo)
    try:
        raw = git.raw(
            [
                "for-each-ref",
                "refs/tags",
                "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(contents)%00",
            ]
        ).decode("utf-8", errors="replace")
        fields = raw.split("\0")
        ctx.tags = {}
        for i in range(0, len(fields) - 4, 4):
            name, obj, peeled, message = fields[i : i + 4]
            ctx.tags[name.lstrip("\n")] = (peeled or obj, message)
        ctx.shallow = (
            git.run(["rev-parse", "--is-shallow-repository"], check=False).stdout.strip() == "true"
        )
        shas = "\n".join(sorted({r["commitSha"] for r in releases})) + "\n"
        done = git.run(["cat-file", "--batch-check", "--buffer"], input=shas, check=False)
        ctx.commits = {
            parts[0]
            for parts in map(str.split, done.stdout.splitlines())
            if len(parts) >= 2 and parts[1] == "commit"
        }
    except (GitError, OSError):
        ctx.tags, ctx.commits = None, None


def _tag_anchor_checks(ctx: VerifyContext, only: str | None = None) -> list[LinkCheck]:
    if ctx.tags is None:
        return []
    by_tag = {
        r.get("gitTag"): i for i, r in enumerate(ctx.records) if r.get("recordType") == "release"
    }
    out = []
    for tag, (_commit, message) in sorted(ctx.tags.items()):
        head = ldg.parse_anchor(message)
        if head is None or (only is not None and tag != only):
            continue
        if tag not in by_tag:
            out.append(
                LinkCheck(
                    "anchor",
                    tag,
                    FAILED,
                    93,
                    f"tag {tag} anchors the ledger but no release record has "
                    "that tag: the ledger's tail was dropped (or that release "
                    "is still in progress)",
                )
            )
            continue
        problem = ldg.prefix_problem(ctx.records, head, limit=by_tag[tag])
        out.append(
            LinkCheck(
                "anchor",
                tag,
                FAILED if problem else OK,
                93 if problem else 0,
                problem or f"tag message anchors ledger head {head.count}",
            )
        )
    return out


def _orphan_checks(ctx: VerifyContext) -> list[LinkCheck]:
    folder = ctx.state_dir / "attestations"
    if not folder.is_dir():
        return []
    known = {
        os.path.abspath(ctx.resolve(a["attestation"]))
        for r in ctx.records
        if r.get("recordType") == "release"
        for a in r["artifacts"]
        if a["attestation"]
    }
    out = []
    base = os.path.abspath(folder)
    names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(att.SUFFIX))
    for name in names:  # strings, not Paths: 10,000 files in a long-lived project
        if os.path.join(base, name) in known:
            continue
        path = folder / name
        try:
            version = statement_facts(
                att.decode_envelope(att.read_envelope(path), require_signature=False)
            ).version
        except AttestationInvalid:
            version = "?"
        out.append(
            LinkCheck(
                "anchor",
                path.name,
                FAILED,
                93,
                f"attestation for version {version} has no release record: the "
                "ledger's tail was dropped (or an attest was interrupted; then "
                "remove the file)",
            )
        )
    return out

"""The SLSA L4 two-party review (SPEC section 8): evidence, checks,
signed approvals and the level decision.

- :func:`shipline.domain.review.evidence.collect_evidence` gathers what a
  reviewer looks at: the commit range since the previous release, the diff of
  build configuration (config, lock files, Dockerfiles, CI workflows),
  artifacts with digests, the SBOM summary, every ``verify`` check of the
  release, the current level, the checks shipline runs itself (rebuild,
  pinned builder, dependency provenance) and the reviews recorded so far.
- :func:`shipline.domain.review.approve.submit_review` signs a review
  statement (in-toto Statement v1, predicate type :data:`PREDICATE_TYPE`,
  subject = the release's attestation file and its SHA-256) with gpg or
  sigstore, writes it under ``<state>/reviews/``, and appends a ``review``
  ledger record naming the release record's hash (the release record is
  never edited). Rejections are recorded the same way.
- :func:`decide` says whether L4 holds: approvals from at least two distinct
  identities, at least one neither the release's author (commit author,
  committer, tagger) nor its signer, no identity whose latest verdict is a
  rejection, the release at L3 with a verifying chain, and the rebuild,
  pinned-builder and dependency checks passing. Then a ``level`` record is
  appended, once; otherwise every missing requirement is listed.
- :func:`shipline.domain.review.recorded.verify_reviews` checks every review
  and level record like the other links: signature (92), statement and identity (94).

Identities: a gpg reviewer is their key's fingerprint and the e-mail of its
user id; a sigstore reviewer the certificate's identity. Two keys with one
e-mail are one person (counted once).

This module holds the level decision and re-exports the review's model
(:mod:`model`), identities (:mod:`identities`) and recorded-review checks
(:mod:`recorded`) for the modules that read all of them.
"""

from __future__ import annotations

from shipline.domain.review.checks import PASS
from shipline.domain.review.identities import author_identities, gpg_uids, signer_identities
from shipline.domain.review.model import (
    BUILD_CONFIG,
    L3,
    L4,
    PREDICATE_TYPE,
    REVIEWS_DIR,
    Evidence,
    ReviewView,
    find_release,
    resolver,
)
from shipline.domain.review.recorded import (
    approvals,
    check_review,
    release_reviews,
    release_subject,
    verify_reviews,
)

__all__ = [
    "BUILD_CONFIG",
    "L3",
    "L4",
    "PREDICATE_TYPE",
    "REVIEWS_DIR",
    "Evidence",
    "ReviewView",
    "approvals",
    "author_identities",
    "check_review",
    "decide",
    "find_release",
    "gpg_uids",
    "release_reviews",
    "release_subject",
    "resolver",
    "signer_identities",
    "verify_reviews",
]


def decide(evidence: Evidence) -> list[str]:
    """Every L4 requirement that does not hold (empty: L4 holds)."""
    missing = []
    if evidence.release_level != L3:
        missing.append(
            f"the release is {evidence.release_level}: L4 builds on L3 (a hosted CI "
            "builder and a transparency-logged signature)"
        )
    if not evidence.verify_ok:
        failed = [c for c in evidence.verification if c["status"] == "failed"]
        missing.append(
            "the provenance chain does not verify: "
            + "; ".join(f"{c['link']} {c['name']}: {c['detail']}" for c in failed)
        )
    for name, what in (
        ("rebuild", "a reproducible rebuild"),
        ("pinnedBuilder", "a builder image pinned by digest"),
        ("dependencyProvenance", "provenance for every dependency"),
    ):
        check = evidence.check(name)
        if check is None or check.status != PASS:
            missing.append(f"{what}: " + (check.seen() if check else "not run"))
    counted, rejected = approvals(evidence.reviews)
    if rejected:
        missing.append("rejected by " + ", ".join(rejected))
    if len(counted) < 2:
        void = [
            f"{v.reviewer}'s review {v.hash[:12]} does not count ({v.code}): {v.problem}"
            for v in evidence.reviews
            if not v.valid
        ]
        missing.append(
            f"approvals from two distinct identities ({len(counted)} so far"
            + (": " + ", ".join(v.identity for v in counted) if counted else "")
            + ")"
            + ("; " + "; ".join(void) if void else "")
        )
    if counted and not any(v.independent for v in counted):
        missing.append(
            "an approval from someone who is neither the release's author nor its signer"
        )
    return missing

"""The whole provenance chain with its review records: what ``verify`` runs.

``provenance.verify`` checks the release links and leaves review and level
records to a hook; this module supplies the hook, so the review part sits
above provenance and never the other way round."""

from __future__ import annotations

from pathlib import Path

from shipline.domain.provenance.trust import Trust
from shipline.domain.provenance.verify import VerifyReport, verify_provenance_chain
from shipline.domain.review.decide import verify_reviews

REVIEW_LINKS = ("review", "level")
"""The links ``verify`` adds for reviews and levels: judged apart from a
release's own provenance (a forged review never blocks an honest release)."""


def verify_chain(
    state_dir: Path,
    version: str | None = None,
    all: bool = False,
    repo: Path | None = None,
    trust: Trust | None = None,
) -> VerifyReport:
    """``verify_provenance_chain`` with review signatures and identities (SPEC 8)."""
    return verify_provenance_chain(
        state_dir, version, all, repo, review_checks=verify_reviews, trust=trust
    )

"""Whether a changelog entry can be written as it stands: one rule for the
Changelog screen of one release and of each package of a train (the words
only; what is missing comes from the domain's plan)."""

from __future__ import annotations


def entry_blocker(text: str, missing: list[str]) -> str | None:
    """Why an entry cannot be written as it stands, or ``None``: breaking
    changes (``missing``: their short shas) still without migration text
    (RLSE-005), a hand-written changelog's placeholder, or nothing at all."""
    from shipline.domain.api import (
        MISSING_MIGRATION,
        UNWRITTEN,
        entry_unwritten,
        migration_unwritten,
    )

    if missing and migration_unwritten(text):
        return (
            "breaking changes need migration text (RLSE-005): replace "
            f"“{MISSING_MIGRATION}” under {', '.join(missing)} with how to migrate"
        )
    if entry_unwritten(text):
        return (
            f"this changelog is written by hand: replace “{UNWRITTEN}” with the "
            "notes of this release"
        )
    if not text.strip():
        return "the changelog entry is empty: reset it (ctrl+r) or untick “Write the changelog”"
    return None

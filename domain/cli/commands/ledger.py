"""``shipline ledger``: the recorded releases, one row each, and whether the
ledger's hash chain is intact."""

from __future__ import annotations

import argparse
from typing import Any

from shipline.domain.cli.session import Session
from shipline.domain.errors import ExitCode
from shipline.domain.events import ErrorEvent


def ledger(session: Session, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    from shipline.domain.provenance import ledger as ldg

    book = ldg.load(session.state_dir, verify_chain=False)
    issues = ldg.chain_issues(book.records)
    releases = book.releases()
    later: dict[str, list[str]] = {}  # by release hash: a train's packages share versions
    for record in book.records:
        if record["recordType"] != "release":
            later.setdefault(record.get("releaseHash") or "", []).append(record["recordType"])
    rows = [
        {
            "version": r["version"],
            "package": ldg.record_package(r),
            "tag": r["gitTag"],
            "commit": r["commitSha"],
            "artifacts": len(r["artifacts"]),
            "slsaLevel": r["slsaLevel"],
            "signature": (r["artifacts"][0]["signature"]["method"] if r["artifacts"] else None),
            "completeness": r["metadata"]["completeness"],
            "recordedAt": r["recordedAt"],
            "hash": r["hash"],
            "later": later.get(r["hash"], []),
        }
        for r in releases
    ]
    if rows:
        session.text(
            f"{'VERSION':<16} {'TAG':<18} {'COMMIT':<8} {'ART':>3} {'LEVEL':<8} "
            f"{'SIGNED':<9} {'RECORDED':<21} HASH"
        )
        for row in rows:
            level = (row["slsaLevel"] or "-").replace("SLSA_BUILD_LEVEL_", "L")
            named = f"{row['package']}@{row['version']}" if row["package"] else row["version"]
            session.text(
                f"{named:<16} {row['tag'] or '-':<18} {row['commit'][:7]:<8} "
                f"{row['artifacts']:>3} {level:<8} {row['signature'] or '-':<9} "
                f"{row['recordedAt']:<21} {row['hash'][:12]}"
            )
    else:
        session.text(f"no releases recorded in {book.path}")
    data: dict[str, Any] = {
        "ledger": str(book.path),
        "records": len(book.records),
        "head": book.head().to_json(),
        "releases": rows,
        "chainIntact": not issues,
    }
    if issues:
        first = issues[0]
        session.emit(
            ErrorEvent(
                code=first.code,
                message=f"{book.path}: {first.message}",
                hint="run `shipline verify --all` for every broken link",
            )
        )
        return first.code, data
    return ExitCode.OK, data

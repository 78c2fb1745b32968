"""The ledger record of a release that shipped no artifacts (source-only):
the commit → tag link, verified, with the ledger head the tag anchors."""

from __future__ import annotations

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import AttestationInvalid, ReleaseExists
from shipline.domain.gitops import Git
from shipline.domain.pipeline.journal import Journal
from shipline.domain.provenance import ledger


def refuse_recorded(loaded: LoadedConfig, version: str) -> None:
    """51 when ``version`` is already in the ledger."""
    book = ledger.load(loaded.state_dir)
    if book.find_release(version) is not None:
        raise ReleaseExists(f"{book.path}: version {version} is already recorded",
                            hint="a version is released once; ship a new one")


def record_source_release(git: Git, loaded: LoadedConfig, j: Journal) -> str:
    assert j.release_commit
    tag_commit = git.out("rev-parse", f"{j.tag}^{{commit}}")
    if tag_commit != j.release_commit:
        raise AttestationInvalid(f"tag {j.tag} points at {tag_commit[:7]}, not the release "
                                 f"commit {j.release_commit[:7]}")
    head = ledger.parse_anchor(j.tag_message) or ledger.LedgerHead(0, None)

    def anchor_still_holds(book: ledger.Ledger) -> None:
        problem = ledger.prefix_problem(book.records, head)
        if problem:
            raise AttestationInvalid(f"{book.path}: {problem}")

    record = {
        "recordType": "release",
        "version": j.version,
        "commitSha": j.release_commit,
        "gitTag": j.tag,
        "buildInvocationId": None,
        "builder": None,
        "artifacts": [],
        "sbom": None,
        "slsaLevel": None,
        "chainVerified": True,
        "ledgerHead": head.to_json(),
        "metadata": {
            "completeness": "complete",
            "declaredLevel": None,
            "shortfall": None,
            "missing": [],
            "links": {"commit": j.release_commit, "tag": j.tag, "releaseType": "source-only"},
        },
        "recordedAt": ledger.now_rfc3339(),
    }
    try:
        sealed = ledger.append(loaded.state_dir, record, check=anchor_still_holds)
    except ReleaseExists:
        raise
    return f"{j.tag} recorded in {loaded.state_dir.name}/{ledger.LEDGER_FILE} " \
        f"(record {sealed['hash'][:12]})"

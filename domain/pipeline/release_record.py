"""The ledger record of a release without an attestation: source-only (the
commit → tag link), or with artifacts while provenance is disabled (their
digests and registries, the attestation named as missing). Either way
verified, with the ledger head the tag anchors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import AttestationInvalid, ReleaseExists
from shipline.domain.gitops import Git
from shipline.domain.pipeline.journal import Journal
from shipline.domain.pipeline.release_unit import ReleaseUnit, single_unit
from shipline.domain.provenance import ledger
from shipline.domain.provenance.attest_record import release_record
from shipline.domain.repo_paths import repo_relative


def refuse_recorded(loaded: LoadedConfig, version: str) -> None:
    """51 when ``version`` is already in the ledger."""
    book = ledger.load(loaded.state_dir)
    if book.find_release(version) is not None:
        raise ReleaseExists(
            f"{book.path}: version {version} is already recorded",
            hint="a version is released once; ship a new one",
        )


def record_source_release(
    git: Git, loaded: LoadedConfig, j: Journal, unit: ReleaseUnit | None = None
) -> str:
    """A release that shipped no artifacts: the commit → tag link."""
    return _record(git, loaded, j, unit, [], missing=[], release_type="source-only")


def record_unattested_release(
    git: Git,
    loaded: LoadedConfig,
    j: Journal,
    artifacts: list[dict[str, Any]],
    unit: ReleaseUnit | None = None,
) -> str:
    """A release whose artifacts were built, published and downloaded back,
    with provenance disabled: every artifact is recorded with its digest
    and registry (ARTP-005, RLSE-009), and the missing attestation is said
    (``incomplete``, ``missing: [attestation]``), never a source-only record."""
    return _record(
        git,
        loaded,
        j,
        unit,
        artifacts,
        missing=["attestation"],
        release_type="artifacts-without-provenance",
    )


def artifact_entry(
    type_name: str, path: Path, sha256: str, size: int, repo: Path, published: dict[str, Any] | None
) -> dict[str, Any]:
    """One ledger artifact entry for a file that has no attestation."""
    from shipline.domain.signing.envelope import empty_block

    return {
        "type": type_name,
        "name": path.name,
        "path": repo_relative(repo, path),
        "sha256": sha256,
        "size": size,
        "registry": (published or {}).get("reference"),
        "publishedAt": (published or {}).get("publishedAt"),
        "attestation": None,
        "signature": empty_block("none"),
    }


def _record(
    git: Git,
    loaded: LoadedConfig,
    j: Journal,
    unit: ReleaseUnit | None,
    artifacts: list[dict[str, Any]],
    *,
    missing: list[str],
    release_type: str,
) -> str:
    """One release's record: the journal's, or one package's of a train
    (``metadata.links.package``)."""
    assert j.release_commit
    unit = unit if unit is not None else single_unit(loaded, j)
    tag_commit = git.out("rev-parse", f"{unit.tag}^{{commit}}")
    if tag_commit != j.release_commit:
        raise AttestationInvalid(
            f"tag {unit.tag} points at {tag_commit[:7]}, not the release "
            f"commit {j.release_commit[:7]}",
            hint="`shipline release abort`, fix the tag, and ship again",
        )
    head = ledger.parse_anchor(unit.tag_message) or ledger.LedgerHead(0, None)

    def anchor_still_holds(book: ledger.Ledger) -> None:
        problem = ledger.prefix_problem(book.records, head)
        if problem:
            raise AttestationInvalid(
                f"{book.path}: {problem}", hint="restore the ledger from its last good copy"
            )

    record = release_record(
        version=unit.version,
        commit=j.release_commit,
        tag=unit.tag,
        artifacts=artifacts,
        head=head,
        missing=missing,
        links={
            "commit": j.release_commit,
            "tag": unit.tag,
            **({"package": unit.package} if unit.package is not None else {}),
            "releaseType": release_type,
        },
        invocation_id=j.release_id if artifacts else None,
    )
    sealed = ledger.append(loaded.state_dir, record, check=anchor_still_holds)
    what = f" with {len(artifacts)} artifact(s), no attestation" if artifacts else ""
    return (
        f"{unit.tag} recorded in {loaded.state_dir.name}/{ledger.LEDGER_FILE}{what} "
        f"(record {sealed['hash'][:12]})"
    )

"""Provenance evidence for a workspace sibling (SPEC section 8, dependency
provenance).

A package that requires another package of the same workspace gets that
sibling through a link (``link:../core`` in ``pnpm-lock.yaml``, a
``"link": true`` entry in ``package-lock.json``, a path crate in
``Cargo.lock``): the lock carries no hash, because the sibling is built
from this repository, not downloaded. Its provenance is its own release
record. A sibling component counts as evidenced when this ledger holds a
release whose SBOM subject is exactly that component's purl (same name,
same version), which

- attested at least one artifact, and
- verifies (hashes, statement, signature, chain; reviews and levels aside),
- from a commit the dependent's release commit contains (the code the
  dependent was built beside, not a later one that reused the version).

Anything less leaves the component "not hash-pinned", as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from shipline.domain.gitops import Git
from shipline.domain.provenance import ledger as ldg


def sbom_subject_purl(doc: Mapping[str, Any]) -> str | None:
    """The purl of what an SBOM describes (CycloneDX or SPDX), if it names one."""
    if doc.get("bomFormat") == "CycloneDX":
        subject = (doc.get("metadata") or {}).get("component") or {}
        purl = subject.get("purl") if isinstance(subject, dict) else None
        return purl if isinstance(purl, str) else None
    described = {
        r.get("relatedSpdxElement")
        for r in doc.get("relationships") or []
        if isinstance(r, dict) and r.get("relationshipType") == "DESCRIBES"
    }
    for package in doc.get("packages") or []:
        if not isinstance(package, dict) or package.get("SPDXID") not in described:
            continue
        for ref in package.get("externalRefs") or []:
            if isinstance(ref, dict) and ref.get("referenceType") == "purl":
                locator = ref.get("referenceLocator")
                return locator if isinstance(locator, str) else None
    return None


def _purl_version(purl: str) -> str:
    """``pkg:npm/%40acme/core@1.3.0?x=y`` → ``1.3.0`` (percent-decoded)."""
    from urllib.parse import unquote

    head = purl.split("?", 1)[0].split("#", 1)[0]
    return unquote(head.rpartition("@")[2]) if "@" in head else ""


def _subject_purl(record: Mapping[str, Any], resolve: Callable[[str], Path]) -> str | None:
    sbom = record.get("sbom")
    if not isinstance(sbom, dict) or not isinstance(sbom.get("path"), str):
        return None
    try:
        doc = json.loads(resolve(sbom["path"]).read_bytes())
    except (OSError, ValueError):
        return None
    return sbom_subject_purl(doc) if isinstance(doc, dict) else None


def released_siblings(
    git: Git,
    state_dir: Path,
    records: Iterable[Mapping[str, Any]],
    dependent: Mapping[str, Any],
    wanted: set[str],
    resolve: Callable[[str], Path],
) -> dict[str, tuple[bool, str]]:
    """purl → (vouched for, why), for each purl in ``wanted`` that an attested
    sibling release of this ledger describes (see the module docstring). A
    purl no release describes is left out."""
    from shipline.domain.review.chain import REVIEW_LINKS, verify_chain

    found: dict[str, tuple[bool, str]] = {}
    versions = {_purl_version(purl) for purl in wanted}
    for record in records:
        if record.get("recordType") != "release" or record.get("hash") == dependent.get("hash"):
            continue
        if record.get("version") not in versions:  # no SBOM to read: it cannot match
            continue
        if not any(a.get("attestation") for a in record.get("artifacts") or []):
            continue
        purl = _subject_purl(record, resolve)
        if purl is None or purl not in wanted or found.get(purl, (False, ""))[0]:
            continue
        label = ldg.record_label(dict(record))
        made_from = str(record["commitSha"])
        if not git.has_object(made_from):
            found[purl] = (
                False,
                f"its release {label} was made from {made_from[:12]}, which is not in this "
                "clone (a shallow clone? `git fetch --unshallow`, then review again)",
            )
            continue
        if not git.is_ancestor(made_from, str(dependent["commitSha"])):
            found[purl] = (
                False,
                f"its release {label} was made from {made_from[:12]}, "
                "which this release's commit does not contain",
            )
            continue
        report = verify_chain(state_dir, label, repo=git.root)
        failed = [c for c in report.checks if c.status == "failed" and c.link not in REVIEW_LINKS]
        if failed:
            found[purl] = (
                False,
                f"its release {label} does not verify ({failed[0].link}: {failed[0].detail})",
            )
            continue
        found[purl] = (True, f"its release {label} verifies (record {record['hash'][:12]})")
    return found

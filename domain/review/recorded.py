"""Checking recorded reviews and level records, for ``review`` and ``verify``:
each review's signature (92), its statement against the release it names
and the reviewer's identity against the key or certificate (94)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shipline.domain.digests import sha256_file
from shipline.domain.errors import ShiplineError
from shipline.domain.gitops import Git
from shipline.domain.provenance import attestation as att
from shipline.domain.provenance import ledger as ldg
from shipline.domain.review.identities import author_identities, gpg_uids, signer_identities
from shipline.domain.review.model import L3, L4, PREDICATE_TYPE, ReviewView, resolver
from shipline.domain.review.target import record_label


def _statement_problem(
    statement: Any,
    review: Mapping[str, Any],
    release: Mapping[str, Any],
    subject: tuple[str, str] | None,
) -> str | None:
    if (
        not isinstance(statement, dict)
        or statement.get("_type") != att.STATEMENT_TYPE
        or statement.get("predicateType") != PREDICATE_TYPE
        or not isinstance(statement.get("predicate"), dict)
    ):
        return f"not an in-toto v1 statement with predicate type {PREDICATE_TYPE}"
    pred = statement["predicate"]
    about = pred.get("release") if isinstance(pred.get("release"), dict) else {}
    if (
        about.get("version") != release["version"]
        or about.get("recordHash") != release["hash"]
        or about.get("package") != ldg.record_package(dict(release))
    ):
        named = f"{about['package']}@" if about.get("package") else ""
        return (
            f"the statement approves release {named}{about.get('version')} (record "
            f"{str(about.get('recordHash'))[:12]}), not {record_label(dict(release))} (record "
            f"{release['hash'][:12]}): an approval for the wrong release"
        )
    subjects = statement.get("subject")
    wanted = [{"name": subject[0], "digest": {"sha256": subject[1]}}] if subject else None
    if subjects != wanted:
        got = [
            (s.get("name"), (s.get("digest") or {}).get("sha256"))
            for s in subjects or []
            if isinstance(s, dict)
        ]
        return (
            f"its subject {got} is not release {release['version']}'s attestation "
            f"{subject}: it approves another release's evidence"
        )
    if pred.get("verdict") != ("approve" if review["approved"] else "reject"):
        return f"the signed verdict {pred.get('verdict')!r} differs from the record's"
    if pred.get("checks") != review["checks"]:
        return "the checks the reviewer signed differ from the record's"
    who = pred.get("reviewer") if isinstance(pred.get("reviewer"), dict) else {}
    if who.get("identity") not in (None, review["reviewer"]):
        return (
            f"the statement names reviewer {who.get('identity')!r}, the record "
            f"{review['reviewer']!r}"
        )
    signer = review["signature"].get("fingerprint")
    if who.get("method") != review["signature"].get("method") or who.get("fingerprint") not in (
        None,
        signer,
    ):
        return (
            f"the statement names a {who.get('method')} key {who.get('fingerprint')}, "
            f"but {review['signature'].get('method')} {signer} signed it"
        )
    return None


def release_subject(release: Mapping[str, Any], repo: Path) -> tuple[str, str] | None:
    """(file name, sha256) of the release's attestation file, as it is now."""
    rel = next((a["attestation"] for a in release["artifacts"] if a.get("attestation")), None)
    if rel is None:
        return None
    path = resolver(repo)(rel)
    return (path.name, sha256_file(path).sha256) if path.is_file() else None


def check_review(
    review: Mapping[str, Any], release: Mapping[str, Any], repo: Path, authors: set[str]
) -> ReviewView:
    """Verify one review record against its release (never raises)."""
    from shipline.domain.signing import envelope as signing

    resolve = resolver(repo)
    block = review["signature"]
    ids = signer_identities(block, resolve)
    emails = sorted(i for i in ids if "@" in i and not i.startswith("fpr:"))
    identity = emails[0] if emails else (sorted(ids)[0] if ids else review["reviewer"])
    view = ReviewView(
        review["hash"],
        review["reviewer"],
        review["approved"],
        review["recordedAt"],
        identity,
        not (ids & authors),
        False,
    )

    def fail(code: int, problem: str) -> ReviewView:
        view.code, view.problem = code, problem
        return view

    if review["releaseHash"] != release["hash"]:
        return fail(
            94, f"names release record {review['releaseHash'][:12]}, not {release['hash'][:12]}"
        )
    if not review.get("statement") or not block.get("signed"):
        return fail(92, "the review is not signed")
    try:
        envelope = att.read_envelope(resolve(review["statement"]))
        payload = att.envelope_payload(envelope, require_signature=True)
        signing.verify(envelope, payload, block, resolve)
        from shipline.domain.jsonio import loads_strict

        statement = loads_strict(payload)
    except ShiplineError as exc:
        return fail(int(exc.code), exc.message)
    except ValueError as exc:
        return fail(94, f"{review['statement']}: the statement is not JSON: {exc}")
    problem = _statement_problem(statement, review, release, release_subject(release, repo))
    if problem:
        return fail(94, problem)
    if block.get("method") == "gpg":
        uids = gpg_uids(resolve(block["publicKey"]))
        if review["reviewer"] not in uids:
            return fail(
                94,
                f"reviewer {review['reviewer']!r} is not a user id of key "
                f"{block.get('fingerprint')} ({uids})",
            )
    elif review["reviewer"] != block.get("identity"):
        return fail(
            94,
            f"reviewer {review['reviewer']!r} is not the certificate's identity "
            f"{block.get('identity')!r}",
        )
    view.valid = True
    return view


def release_reviews(
    book: ldg.Ledger, release: Mapping[str, Any], repo: Path, authors: set[str]
) -> list[ReviewView]:
    return [
        check_review(r, release, repo, authors)
        for r in book.records
        if r.get("recordType") == "review" and r.get("releaseHash") == release["hash"]
    ]


def approvals(reviews: list[ReviewView]) -> tuple[list[ReviewView], list[str]]:
    """The valid approvals that count (one per identity, its latest verdict)
    and the identities whose latest valid verdict is a rejection."""
    latest: dict[str, ReviewView] = {}
    for view in reviews:
        if view.valid:
            latest[view.identity] = view
    return (
        [v for v in latest.values() if v.approved],
        sorted(i for i, v in latest.items() if not v.approved),
    )


def verify_reviews(
    book: ldg.Ledger | list[dict[str, Any]], repo: Path, version: str | None = None
) -> list[Any]:
    """``version`` is ``VERSION`` or a package's ``NAME@VERSION`` (``None``: all).

    A :class:`shipline.domain.provenance.verify.LinkCheck` per review record (92 for a bad
    signature, 94 for a statement or identity that does not match) and per
    level record (94 unless its evidence is valid approvals from two distinct
    identities, one independent of the release's author and signer)."""
    from shipline.domain.gitops import GitError
    from shipline.domain.provenance.verify import FAILED, OK, LinkCheck

    records = book.records if isinstance(book, ldg.Ledger) else book
    wanted = ldg.split_package_version(version) if version is not None else None
    releases = {r["hash"]: r for r in records if r.get("recordType") == "release"}
    git = Git(repo) if (repo / ".git").exists() else None
    authors: dict[str, set[str]] = {}
    views: dict[str, ReviewView] = {}
    out: list[Any] = []
    for record in records:
        kind = record.get("recordType")
        release = releases.get(record.get("releaseHash") or "")
        if (
            kind not in ("review", "level")
            or release is None
            or (
                wanted is not None
                and (
                    release["version"] != wanted[1].lstrip("v")
                    or ldg.record_package(release) != wanted[0]
                )
            )
        ):
            continue
        if release["hash"] not in authors:
            try:
                authors[release["hash"]] = (
                    author_identities(git, release, resolver(repo)) if git else set()
                )
            except (GitError, OSError):
                authors[release["hash"]] = set()
        if kind == "review":
            view = check_review(record, release, repo, authors[release["hash"]])
            views[view.hash] = view
            verdict = "approval" if view.approved else "rejection"
            out.append(
                LinkCheck(
                    "review",
                    f"{record_label(release)} {view.reviewer}",
                    OK if view.valid else FAILED,
                    view.code,
                    f"{verdict} signed by {view.identity}" if view.valid else view.problem,
                )
            )
            continue
        cited = [views.get(h) for h in record["evidence"]]
        counted, _ = approvals([v for v in cited if v is not None])
        problem = None
        if record["slsaLevel"] == L4:
            if any(v is None or not v.valid or not v.approved for v in cited):
                problem = "cites a review that is not a valid approval of this release"
            elif len(counted) < 2 or not any(v.independent for v in counted):
                problem = (
                    "its approvals are not from two distinct identities with one "
                    "independent of the release's author and signer"
                )
            elif release.get("slsaLevel") != L3:
                problem = f"the release is {release.get('slsaLevel')}, not L3"
        out.append(
            LinkCheck(
                "level",
                record_label(release),
                FAILED if problem else OK,
                94 if problem else 0,
                problem or f"{record['slsaLevel']} on {len(counted)} approvals",
            )
        )
    return out

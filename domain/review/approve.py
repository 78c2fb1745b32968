"""Signing a review and recording it (SPEC section 8), then L4 when it holds.

The reviewer's statement is an in-toto Statement v1 whose single subject is
the release's attestation file (name and SHA-256), so an approval cannot be
moved to another release's evidence; its predicate
(:data:`shipline.domain.review.decide.PREDICATE_TYPE`) names the release (version, tag,
commit, ledger record hash), the reviewer, the verdict, the time, the
comment and the checks with the results the reviewer saw. It is signed with
:mod:`shipline.domain.signing.envelope` (gpg: ``GPG_KEY_ID``, verified with ``gpgv`` pinned
to the fingerprint; sigstore: keyless, the certificate names the reviewer),
verified before anything is recorded, written to
``<state>/reviews/<version>/`` and appended as a ``review`` record. Files
written are removed again when the append fails.

Exit codes: 50 unknown version; 91 no signing key or identity; 92/93/94
approving a release whose chain does not verify (its first failure's code;
a rejection is still accepted); 0 otherwise, with the L4 shortfall listed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import (
    AttestationInvalid,
    DigestMismatch,
    SignatureInvalid,
)
from shipline.domain.gitops import Git
from shipline.domain.jsonio import write_atomic
from shipline.domain.provenance import attestation as att
from shipline.domain.provenance import ledger as ldg
from shipline.domain.repo_paths import repo_relative
from shipline.domain.review import decide as rv
from shipline.domain.review.evidence import collect_evidence

_SAFE = "".join(c for c in "abcdefghijklmnopqrstuvwxyz0123456789.-")


@dataclass
class ReviewOutcome:
    record: dict[str, Any]
    evidence: rv.Evidence
    level_record: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "review": {
                k: self.record[k]
                for k in ("hash", "version", "reviewer", "approved", "statement", "checks")
            },
            "level": self.evidence.level,
            "l4": self.level_record is not None,
            "levelRecord": self.level_record["hash"] if self.level_record else None,
            "l4Missing": self.evidence.l4_missing,
        }


def _gpg_uid(fingerprint: str, env: Mapping[str, str]) -> str:
    from shipline.domain import runner

    done = runner.run(
        ["gpg", "--batch", "--no-tty", "--with-colons", "--list-keys", "--", fingerprint],
        env=dict(env),
        timeout=60,
    )
    uids = [line.split(":")[9] for line in done.stdout.splitlines() if line.startswith("uid:")]
    return uids[0] if uids else fingerprint


def review_statement(
    ev: rv.Evidence, *, reviewer: dict[str, Any], approve: bool, comment: str | None, at: str
) -> dict[str, Any]:
    return {
        "_type": att.STATEMENT_TYPE,
        "subject": [
            {"name": ev.attestation["name"], "digest": {"sha256": ev.attestation["sha256"]}}
        ],
        "predicateType": rv.PREDICATE_TYPE,
        "predicate": {
            "release": {
                **({"package": ev.package} if ev.package else {}),
                "version": ev.version,
                "tag": ev.tag,
                "commitSha": ev.commit,
                "recordHash": ev.release_hash,
            },
            "reviewer": reviewer,
            "verdict": "approve" if approve else "reject",
            "reviewedAt": at,
            "comment": comment,
            "checks": {c.name: c.seen() for c in ev.checks},
        },
    }


def _refuse_unverified(ev: rv.Evidence) -> None:
    failed = [c for c in ev.verification if c["status"] == "failed"]
    if not failed:
        return
    first = failed[0]
    cls = {92: SignatureInvalid, 93: DigestMismatch}.get(first["code"], AttestationInvalid)
    raise cls(
        f"refusing to approve {ev.label}: verify fails at the {first['link']} link "
        f"({first['name']}): {first['detail']}",
        hint="an approval vouches for evidence that holds; reject it instead "
        "(--reject) or restore the evidence",
    )


def submit_review(
    git: Git,
    loaded: LoadedConfig,
    version: str,
    *,
    approve: bool,
    method: str = "gpg",
    comment: str | None = None,
    env: Mapping[str, str] | None = None,
    rebuild: bool = True,
) -> ReviewOutcome:
    from shipline.domain.signing import envelope as signing

    env = dict(os.environ) if env is None else dict(env)
    state, repo = loaded.state_dir, git.root
    ev = collect_evidence(git, loaded, version, rebuild=rebuild, env=env)
    if approve:
        _refuse_unverified(ev)
    if ev.attestation["sha256"] is None:
        raise AttestationInvalid(
            f"release {ev.label} has no attestation file on disk to review",
            hint="restore the state dir's attestations/",
        )
    plan = signing.plan_signing(method, True, None, rv.L3, repo=repo, state_dir=state, env=env)
    if method == "gpg":
        assert plan.key_id is not None
        fingerprint = signing.gpg_fingerprint(plan.key_id, env)
        uid: str | None = _gpg_uid(fingerprint, env)
        who: dict[str, Any] = {"identity": uid, "method": "gpg", "fingerprint": fingerprint}
    else:
        uid, who = None, {"identity": None, "method": "sigstore"}
    at = ldg.now_rfc3339()
    statement = review_statement(ev, reviewer=who, approve=approve, comment=comment, at=at)
    payload = att.encode_payload(statement)
    stamp = at.replace(":", "").replace("-", "")
    folder = state / rv.REVIEWS_DIR / "".join(c if c in _SAFE else "-" for c in ev.label)
    path = folder / f"{stamp}-{secrets.token_hex(4)}.review{att.SUFFIX}"

    def relative(p: Path) -> str:
        return repo_relative(repo, p)

    signed = signing.sign(
        plan,
        statement,
        payload,
        attestation=path,
        keys_dir=state / "keys",
        env=env,
        relative=relative,
        signed_at=at,
    )
    created: list[Path] = []
    try:
        for extra, data in {**signed.files, path: _line(signed.envelope)}.items():
            if not extra.exists():
                created.append(extra)
            write_atomic(extra, data)
        signing.verify(signed.envelope, payload, signed.block, rv.resolver(repo))
        record = {
            "recordType": "review",
            "version": ev.version,
            "releaseHash": ev.release_hash,
            "reviewer": uid or signed.block.get("identity") or "unknown",
            "approved": approve,
            "statement": relative(path),
            "signature": signed.block,
            "checks": statement["predicate"]["checks"],
            "recordedAt": at,
        }

        def release_unchanged(book: ldg.Ledger) -> None:
            found = book.find_release(ev.version, ev.package)
            if found is None or found[1]["hash"] != ev.release_hash:
                raise DigestMismatch(
                    f"{book.path}: release {ev.label}'s record changed while it was being reviewed",
                    hint="review it again",
                )

        sealed = ldg.append(state, record, check=release_unchanged)
    except BaseException:
        for p in reversed(created):
            p.unlink(missing_ok=True)
        raise
    return _conclude(git, loaded, ev, sealed)


def _conclude(
    git: Git, loaded: LoadedConfig, ev: rv.Evidence, sealed: dict[str, Any]
) -> ReviewOutcome:
    """Re-read the reviews and append the L4 level record when it now holds."""
    book = ldg.load(loaded.state_dir)
    _, release = rv.find_release(book, ev.label)
    authors = set(ev.author_identities)
    ev.reviews = rv.release_reviews(book, release, git.root, authors)
    ev.l4_missing = rv.decide(ev)
    done = any(
        r.get("recordType") == "level"
        and r.get("releaseHash") == ev.release_hash
        and r.get("slsaLevel") == rv.L4
        for r in book.records
    )
    if ev.l4_missing or done:
        return ReviewOutcome(sealed, ev, None)
    counted, _ = rv.approvals(ev.reviews)
    level = ldg.append(
        loaded.state_dir,
        {
            "recordType": "level",
            "version": ev.version,
            "releaseHash": ev.release_hash,
            "slsaLevel": rv.L4,
            "reason": "two-party review: approved by "
            + ", ".join(v.identity for v in counted)
            + "; rebuild reproducible, builder pinned, dependencies attested",
            "evidence": [v.hash for v in counted],
            "recordedAt": ldg.now_rfc3339(),
        },
    )
    ev.level = rv.L4
    return ReviewOutcome(sealed, ev, level)


def _line(envelope: dict[str, Any]) -> bytes:
    import json

    return (json.dumps(envelope, separators=(",", ":"), ensure_ascii=False) + "\n").encode()

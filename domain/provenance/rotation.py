"""Signer rotation: the previous signer endorses the next one, signed.

A release signed by another key or identity than the release before it is
what a forgery looks like (re-sign the latest release with your own key,
re-pin it, recompute the chain), so ``verify`` fails it with 92 unless the
ledger holds a ``rotation`` record, between the two releases, signed by the
previous signer and naming the new one. ``shipline trust rotate --to FPR``
writes it: an in-toto statement (predicate :data:`PREDICATE_TYPE`) whose
subject is the last release record's hash, signed like attestations are
(``GPG_KEY_ID`` must be the previous signer's key), kept under
``<state>/rotations/`` and appended to the ledger. Only the holder of the old
key can make one, so it cannot be forged along with the release.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import AttestationInvalid, SignatureInvalid, UsageError
from shipline.domain.jsonio import write_atomic
from shipline.domain.provenance import attestation as att
from shipline.domain.provenance import ledger as ldg
from shipline.domain.provenance.trust import Signer, signer_of
from shipline.domain.repo_paths import repo_relative

ROTATE_HINT = "nothing to rotate: that signer already signs the releases"
ROTATION_SIGNER_HINT = (
    "a rotation must be signed by the previous signer: run `shipline trust rotate` where "
    "the old key or identity is available"
)
ROTATION_STATEMENT_HINT = (
    "the rotation statement was edited: restore it and releases.json from a backup"
)

PREDICATE_TYPE = "https://shipline.dev/signer-rotation/v1"
ROTATIONS_DIR = "rotations"


def last_signed_release(records: list[dict[str, Any]]) -> tuple[dict[str, Any], Signer] | None:
    """The latest release record with a signature, and its signer."""
    for record in reversed(records):
        if record.get("recordType") == "release" and record.get("artifacts"):
            signer = signer_of(record["artifacts"][0]["signature"])
            if signer is not None:
                return record, signer
    return None


def rotation_statement(
    release: dict[str, Any], previous: Signer, following: Signer, at: str, reason: str | None
) -> dict[str, Any]:
    return {
        "_type": att.STATEMENT_TYPE,
        "subject": [
            {"name": f"release {release['version']}", "digest": {"sha256": release["hash"]}}
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "previousSigner": previous.to_json(),
            "nextSigner": following.to_json(),
            "after": {"version": release["version"], "recordHash": release["hash"]},
            "rotatedAt": at,
            "reason": reason,
        },
    }


def rotate(
    loaded: LoadedConfig,
    repo: Path,
    following: Signer,
    *,
    reason: str | None = None,
    method: str | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Sign and record that the last release's signer hands over to
    ``following``; returns the sealed ledger record."""
    from shipline.domain.signing import envelope as signing

    env = dict(os.environ) if env is None else dict(env)
    state = loaded.state_dir
    book = ldg.load(state)
    found = last_signed_release(book.records)
    if found is None:
        raise UsageError(
            f"{book.path}: no signed release is recorded: there is no signer to rotate from",
            hint="sign the next release with the new key; it becomes the first signer",
        )
    release, previous = found
    if following == previous:
        raise UsageError(
            f"{following} already signs the releases (last: {release['version']})", hint=ROTATE_HINT
        )
    signing_cfg = loaded.release.security.provenance.signing
    method = method or signing_cfg.method
    plan = signing.plan_signing(
        method,
        signing_cfg.keyless,
        signing_cfg.key_ref,
        "SLSA_BUILD_LEVEL_3",
        repo=repo,
        state_dir=state,
        env=env,
    )
    at = ldg.now_rfc3339()
    statement = rotation_statement(release, previous, following, at, reason)
    payload = att.encode_payload(statement)
    stamp = at.replace(":", "").replace("-", "")
    path = state / ROTATIONS_DIR / f"{stamp}-{release['hash'][:12]}.rotation{att.SUFFIX}"

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
    signer = signer_of(signed.block)
    if signer != previous:
        raise SignatureInvalid(
            f"a rotation must be signed by the previous signer, {previous} (release "
            f"{release['version']}); this one would be signed by {signer}",
            hint="sign with the old key (GPG_KEY_ID=<its fingerprint>); if it is lost, the "
            "consumers must pin the new signer themselves (verify --trust-key)",
        )
    created: list[Path] = []
    try:
        for file, data in signed.files.items():
            if not file.exists():
                created.append(file)
            write_atomic(file, data)
        created.append(path)
        att.write_envelope(path, signed.envelope)
        record = {
            "recordType": "rotation",
            "version": release["version"],
            "releaseHash": release["hash"],
            "previousSigner": previous.to_json(),
            "nextSigner": following.to_json(),
            "statement": relative(path),
            "signature": signed.block,
            "reason": reason,
            "recordedAt": at,
        }
        check_rotation(record, _resolver(repo))

        def still_last(current: ldg.Ledger) -> None:
            now = last_signed_release(current.records)
            if now is None or now[0]["hash"] != release["hash"]:
                raise AttestationInvalid(
                    f"{current.path}: a release was recorded meanwhile",
                    hint="run the rotation again",
                )

        return ldg.append(state, record, check=still_last)
    except BaseException:
        for file in reversed(created):
            file.unlink(missing_ok=True)
        raise


def check_rotation(record: dict[str, Any], resolve: Callable[[str], Path]) -> str:
    """Verify a rotation record: its statement is signed by its previous
    signer (92) and says what the record says (94). Returns a description."""
    from shipline.domain.signing import envelope as signing

    previous = Signer.from_json(record["previousSigner"])
    following = Signer.from_json(record["nextSigner"])
    if signer_of(record["signature"]) != previous:
        raise SignatureInvalid(
            f"rotation after {record['version']} is signed by "
            f"{signer_of(record['signature'])}, not by the previous signer "
            f"{previous}",
            hint=ROTATION_SIGNER_HINT,
        )
    envelope = att.read_envelope(resolve(record["statement"]))
    payload = att.envelope_payload(envelope)
    signing.verify(envelope, payload, record["signature"], resolve)
    from shipline.domain.jsonio import StrictJSONError, loads_strict

    try:
        statement = loads_strict(payload)
    except StrictJSONError as exc:
        raise AttestationInvalid(
            f"{record['statement']}: {exc}", hint=ROTATION_STATEMENT_HINT
        ) from None
    expected = rotation_statement(
        {"version": record["version"], "hash": record["releaseHash"]}, previous, following, "", None
    )
    predicate = statement.get("predicate") if isinstance(statement, dict) else None
    if (
        not isinstance(predicate, dict)
        or statement.get("predicateType") != PREDICATE_TYPE
        or statement.get("subject") != expected["subject"]
        or any(
            predicate.get(k) != expected["predicate"][k]
            for k in ("previousSigner", "nextSigner", "after")
        )
    ):
        raise AttestationInvalid(
            f"{record['statement']}: the signed statement does not say "
            f"what the rotation record says ({previous} → {following} "
            f"after {record['version']})",
            hint=ROTATION_STATEMENT_HINT,
        )
    return f"{previous} → {following}, signed by {previous}"


def _resolver(repo: Path) -> Callable[[str], Path]:
    return lambda rel: Path(rel) if Path(rel).is_absolute() else repo / rel

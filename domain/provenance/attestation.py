"""in-toto Statement v1 with an SLSA provenance v1 predicate, in a DSSE
envelope (PROV-003), as plain dicts.

Plain dicts, not the in-toto protobuf bindings, because those turn integers
into floats and would change the signed bytes. One statement per release:
its subjects are every artifact of the release (name and SHA-256 as a
pair), computed before the statement is built.

Where shipline puts its own facts (documented for consumers):

- ``buildDefinition.externalParameters``: ``version``, ``tag`` (``null``
  when the release has no tag yet) and ``repository``; ``package`` for a
  package of a workspace (each subject is then annotated with it too);
- ``buildDefinition.internalParameters.ledgerHead``: ``{count, hash}`` of
  the ledger *before* this release was recorded (the anchor that exposes a
  dropped ledger tail or a rewritten ledger), plus ``signingMethod``;
- ``buildDefinition.resolvedDependencies[0]``: the source, ``{uri,
  digest{gitCommit}}``;
- ``runDetails.byproducts``: the SBOM with its SHA-256, when there is one.

The envelope is stored as ``<state>/attestations/<name>-<version>.intoto.jsonl``
(one JSON line). Validation is strict and every problem is exit 94.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipline.domain.errors import AttestationInvalid
from shipline.domain.jsonio import StrictJSONError, loads_strict, write_atomic
from shipline.domain.provenance.ledger import LedgerHead
from shipline.domain.signing.dsse import PAYLOAD_TYPE, make_envelope, pae

ATTESTATION_HINT = (
    "the attestation was edited or damaged: restore it from the release's files, or attest "
    "a new version with `shipline attest`"
)

__all__ = ["PAYLOAD_TYPE", "make_envelope", "pae"]  # re-exported: statements travel in DSSE

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://shipline.dev/buildtypes/release/v1"
SUFFIX = ".intoto.jsonl"
MAX_ENVELOPE_BYTES = 16 * 1024 * 1024

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_GIT_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._+-]+")


@dataclass(frozen=True)
class Subject:
    name: str
    sha256: str


@dataclass(frozen=True)
class BuildFacts:
    """What the statement says about the build besides its subjects."""

    version: str
    tag: str | None
    commit_sha: str
    repository: str
    builder_id: str
    invocation_id: str
    started_on: str
    finished_on: str
    ledger_head: LedgerHead
    signing_method: str
    sbom: tuple[str, str, str] | None = None
    """(name, sha256, media type) of the SBOM, recorded as a byproduct."""
    package: str | None = None
    """The workspace package built (a release train attests each package
    on its own): an external parameter, and an annotation on every subject
    so a subject read alone still says which package it is."""


def _subject(s: Subject, package: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": s.name, "digest": {"sha256": s.sha256}}
    if package is not None:
        out["annotations"] = {"package": package}
    return out


def build_statement(subjects: list[Subject], facts: BuildFacts) -> dict[str, Any]:
    """The release's statement; refuses an empty or ambiguous subject list."""
    names = [s.name for s in subjects]
    if not subjects or len(set(names)) != len(names):
        raise AttestationInvalid(
            f"subjects must be one or more distinct names, got {names}",
            hint="give artifacts with the same file name distinct names",
        )
    for subject in subjects:
        if not _HEX64.match(subject.sha256):
            raise AttestationInvalid(
                f"subject {subject.name}: {subject.sha256!r} is not SHA-256", hint=ATTESTATION_HINT
            )
    run_details: dict[str, Any] = {
        "builder": {"id": facts.builder_id},
        "metadata": {
            "invocationId": facts.invocation_id,
            "startedOn": facts.started_on,
            "finishedOn": facts.finished_on,
        },
    }
    if facts.sbom is not None:
        name, digest, media_type = facts.sbom
        run_details["byproducts"] = [
            {"name": name, "digest": {"sha256": digest}, "mediaType": media_type}
        ]
    return {
        "_type": STATEMENT_TYPE,
        "subject": [_subject(s, facts.package) for s in subjects],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "version": facts.version,
                    "tag": facts.tag,
                    "repository": facts.repository,
                    **({"package": facts.package} if facts.package is not None else {}),
                },
                "internalParameters": {
                    "ledgerHead": facts.ledger_head.to_json(),
                    "signingMethod": facts.signing_method,
                },
                "resolvedDependencies": [
                    {"uri": facts.repository, "digest": {"gitCommit": facts.commit_sha}}
                ],
            },
            "runDetails": run_details,
        },
    }


def encode_payload(statement: dict[str, Any]) -> bytes:
    """The statement's bytes as signed: compact JSON, keys in built order."""
    return json.dumps(statement, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


# --- validation ------------------------------------------------------------------


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise AttestationInvalid(f"{what} must be a non-empty base64 string", hint=ATTESTATION_HINT)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        try:
            return base64.urlsafe_b64decode(value.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise AttestationInvalid(f"{what} is not valid base64", hint=ATTESTATION_HINT) from None


def envelope_payload(envelope: Any, *, require_signature: bool = True) -> bytes:
    """Check a DSSE envelope's shape and return its decoded payload."""
    if not isinstance(envelope, dict) or set(envelope) != {"payload", "payloadType", "signatures"}:
        keys = sorted(envelope) if isinstance(envelope, dict) else type(envelope).__name__
        raise AttestationInvalid(
            f"DSSE envelope must have exactly payload, payloadType, signatures (got {keys})",
            hint=ATTESTATION_HINT,
        )
    if envelope["payloadType"] != PAYLOAD_TYPE:
        raise AttestationInvalid(
            f"payloadType is {envelope['payloadType']!r}, expected {PAYLOAD_TYPE!r}",
            hint=ATTESTATION_HINT,
        )
    signatures = envelope["signatures"]
    if not isinstance(signatures, list):
        raise AttestationInvalid("signatures must be a list", hint=ATTESTATION_HINT)
    if require_signature and not signatures:
        raise AttestationInvalid("the envelope carries no signature", hint=ATTESTATION_HINT)
    for number, sig in enumerate(signatures, 1):
        if not isinstance(sig, dict) or not set(sig) <= {"keyid", "sig"} or "sig" not in sig:
            raise AttestationInvalid(
                f"signature {number} must be {{keyid, sig}}", hint=ATTESTATION_HINT
            )
        if "keyid" in sig and not isinstance(sig["keyid"], str):
            raise AttestationInvalid(
                f"signature {number}: keyid must be a string", hint=ATTESTATION_HINT
            )
        _b64(sig["sig"], f"signature {number} sig")
    return _b64(envelope["payload"], "payload")


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise AttestationInvalid(message, hint=ATTESTATION_HINT)


def _is_obj(value: Any) -> bool:
    return isinstance(value, dict)


def validate_statement(statement: Any) -> None:
    """Refuse anything but an in-toto v1 statement with an SLSA v1 predicate."""
    _require(_is_obj(statement), "the payload is not a JSON object")
    extra = set(statement) - {"_type", "subject", "predicateType", "predicate"}
    _require(not extra, f"unknown statement keys {sorted(extra)}")
    if statement.get("_type") != STATEMENT_TYPE:  # messages built only on failure
        raise AttestationInvalid(
            f"_type is {statement.get('_type')!r}, expected {STATEMENT_TYPE!r}",
            hint=ATTESTATION_HINT,
        )
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise AttestationInvalid(
            f"predicateType is {statement.get('predicateType')!r}, expected {PREDICATE_TYPE!r}",
            hint=ATTESTATION_HINT,
        )
    subjects = statement.get("subject")
    _require(isinstance(subjects, list) and bool(subjects), "subject must be a non-empty list")
    names: set[str] = set()
    for number, subject in enumerate(subjects, 1):
        _require(
            _is_obj(subject) and set(subject) <= {"name", "digest", "uri", "annotations"},
            f"subject {number} must be {{name, digest}}",
        )
        name = subject.get("name")
        _require(isinstance(name, str) and bool(name), f"subject {number} has no name")
        _require(name not in names, f"subject name {name!r} appears twice")
        names.add(name)
        digest = subject.get("digest")
        _require(
            _is_obj(digest)
            and isinstance(digest.get("sha256"), str)
            and bool(_HEX64.match(digest["sha256"])),
            f"subject {name!r} has no lowercase hex sha256 digest",
        )
    predicate = statement.get("predicate")
    _require(_is_obj(predicate), "predicate must be an object")
    build = predicate.get("buildDefinition")
    run = predicate.get("runDetails")
    _require(_is_obj(build) and _is_obj(run), "predicate needs buildDefinition and runDetails")
    _require(
        isinstance(build.get("buildType"), str) and bool(build["buildType"]),
        "buildDefinition.buildType must be a non-empty string",
    )
    _require(
        _is_obj(build.get("externalParameters")),
        "buildDefinition.externalParameters must be an object",
    )
    _require(
        _is_obj(build.get("internalParameters", {})),
        "buildDefinition.internalParameters must be an object",
    )
    deps = build.get("resolvedDependencies", [])
    _require(
        isinstance(deps, list) and all(_is_obj(d) for d in deps),
        "buildDefinition.resolvedDependencies must be a list of objects",
    )
    builder = run.get("builder")
    _require(
        _is_obj(builder) and isinstance(builder.get("id"), str) and bool(builder["id"]),
        "runDetails.builder.id must be a non-empty string",
    )
    metadata = run.get("metadata", {})
    _require(_is_obj(metadata), "runDetails.metadata must be an object")
    for key in ("startedOn", "finishedOn"):
        if key in metadata:
            _require(
                isinstance(metadata[key], str) and bool(_RFC3339.match(metadata[key])),
                f"runDetails.metadata.{key} is not an RFC 3339 time",
            )
    if "invocationId" in metadata:
        _require(
            isinstance(metadata["invocationId"], str),
            "runDetails.metadata.invocationId must be a string",
        )


def decode_envelope(
    envelope: Any, *, require_signature: bool = True, payload: bytes | None = None
) -> dict[str, Any]:
    """Validate an envelope and its statement; return the statement.
    ``payload``: the envelope's payload, already checked and decoded."""
    if payload is None:
        payload = envelope_payload(envelope, require_signature=require_signature)
    try:
        statement = loads_strict(payload)
    except StrictJSONError as exc:
        raise AttestationInvalid(
            f"the payload is not strict JSON: {exc}", hint=ATTESTATION_HINT
        ) from None
    validate_statement(statement)
    return dict(statement)


# --- files -------------------------------------------------------------------------


def attestation_path(state_dir: Path, name: str, version: str) -> Path:
    safe = _SAFE_NAME.sub("-", f"{name}-{version}").strip("-") or "release"
    return state_dir / "attestations" / f"{safe}{SUFFIX}"


def write_envelope(path: Path, envelope: dict[str, Any]) -> None:
    """One envelope as one JSON line (the ``.intoto.jsonl`` convention)."""
    line = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False) + "\n"
    write_atomic(path, line)


def read_envelope(path: Path) -> dict[str, Any]:
    """The single envelope in an ``.intoto.jsonl`` file (exit 94 otherwise)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ENVELOPE_BYTES + 1)
    except FileNotFoundError:
        raise AttestationInvalid(
            f"{path}: attestation file is missing", hint=ATTESTATION_HINT
        ) from None
    if len(data) > MAX_ENVELOPE_BYTES:
        raise AttestationInvalid(
            f"{path}: larger than any attestation ({MAX_ENVELOPE_BYTES} bytes)",
            hint=ATTESTATION_HINT,
        )
    lines = [line for line in data.split(b"\n") if line.strip()]
    if len(lines) != 1:
        raise AttestationInvalid(
            f"{path}: expected one DSSE envelope line, found {len(lines)}", hint=ATTESTATION_HINT
        )
    try:
        envelope = loads_strict(lines[0])
    except StrictJSONError as exc:
        raise AttestationInvalid(
            f"{path}: not a JSON envelope: {exc}", hint=ATTESTATION_HINT
        ) from None
    if not isinstance(envelope, dict):
        raise AttestationInvalid(f"{path}: the line is not a JSON object", hint=ATTESTATION_HINT)
    return envelope

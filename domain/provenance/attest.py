"""The provenance sub-protocol for one release (seed ct-provenance-keeper):
digests → SBOM → statement → signature → verification → ledger record.

``shipline attest FILE... --version V`` runs it for files CI built; the
release pipeline runs it with the artifacts it built. The order is the
protocol's, and each step exists for a reason:

1. The signing method is decided and its key or identity checked first
   (90 / 91), so a missing key fails before anything is computed or written.
2. Every artifact is digested before anything is attested (PROV-002) and
   digested again right before the record is written: a file that changed
   in between refuses to bind (93).
3. The statement carries the ledger head as it stood before the release
   (from the tag's anchor when the tag has one), so a dropped ledger tail
   or a rewritten ledger is caught by ``verify``.
4. The signature is verified with the pinned key or identity before the
   record is written (PROV-006); only then is ``chainVerified`` true.
5. Files are written, then the ledger record is appended under its lock; if
   the append fails, the files this run created are removed again, so an
   interrupted attest leaves no orphan attestation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.digests import FileDigest, require_digest
from shipline.domain.errors import AttestationInvalid, ReleaseExists, UsageError
from shipline.domain.events import ChainLink, LogLine, StepFinished, StepStarted
from shipline.domain.gitops import Git
from shipline.domain.provenance import attestation as att
from shipline.domain.provenance import ledger
from shipline.domain.provenance.attest_record import (
    STEP,
    Writes,
    build_record,
    record_level,
    write_sbom,
)
from shipline.domain.provenance.attest_request import (
    ArtifactInput,
    AttestRequest,
    Builder,
    artifact_type,
    detect_builder,
    normalize_version,
)
from shipline.domain.provenance.attest_seal import Prepared, seal
from shipline.domain.provenance.attest_signing import check_signing, repository_uri
from shipline.domain.repo_paths import repo_relative
from shipline.domain.signing import envelope as signing

TAG_COMMIT_HINT = (
    "attest the commit the tag points at (--commit), or move the tag back to the built commit"
)

__all__ = [
    "ArtifactInput",
    "AttestRequest",
    "Builder",
    "Prepared",
    "artifact_type",
    "attest",
    "check_signing",
    "detect_builder",
    "normalize_version",
    "prepare",
    "seal",
]


def attest(
    git: Git,
    loaded: LoadedConfig,
    request: AttestRequest,
    emit: Callable[[Any], None] = lambda _e: None,
) -> dict[str, Any]:
    """Run the sub-protocol for ``request``; return the sealed ledger record."""
    version = normalize_version(request.version)
    emit(StepStarted(step=STEP, title=f"Provenance for {version}"))
    prepared = prepare(git, loaded, request, emit)
    try:
        sealed = seal(loaded, prepared)
    except BaseException:
        prepared.undo()
        raise
    signature = prepared.record["artifacts"][0]["signature"]["method"]
    emit(
        StepFinished(
            step=STEP,
            status="ok",
            detail=f"{version} recorded ({prepared.level}, {signature}) in "
            f"{repo_relative(git.root, ledger.ledger_path(loaded.state_dir))}",
        )
    )
    return sealed


def prepare(
    git: Git,
    loaded: LoadedConfig,
    request: AttestRequest,
    emit: Callable[[Any], None] = lambda _e: None,
) -> Prepared:
    """Digests, SBOM, statement and signature for ``request``, written under
    the state dir; the record is returned unsealed. Files written are
    removed again when anything fails."""
    env = request.env
    prov = loaded.release.security.provenance
    state = loaded.state_dir
    repo = git.root
    version = normalize_version(request.version)
    plan = check_signing(git, loaded, env, emit, method=request.sign)
    prov = prov.model_copy(
        update={"signing": prov.signing.model_copy(update={"method": plan.method})}
    )
    if not request.artifacts:
        raise UsageError(
            "attest needs at least one artifact file",
            hint="name the built files: `shipline attest dist/* --version X.Y.Z`",
        )
    book = ledger.load(state)
    if book.find_release(version, request.package) is not None:
        what = f"{request.package}@{version}" if request.package else f"version {version}"
        raise ReleaseExists(
            f"{book.path}: {what} is already recorded",
            hint="a version is attested once; release a new version",
        )

    wanted = request.tag or f"{loaded.release.tag_prefix}{version}"
    commit, tag, head = _source(git, book, wanted, request.commit)
    emit(ChainLink(link="commit", status="ok", name=commit[:12], detail={"tag": tag}))

    def relative(path: Path) -> str:
        return repo_relative(repo, path)

    started = ledger.now_rfc3339()
    digests: list[tuple[ArtifactInput, FileDigest]] = []
    for item in request.artifacts:
        found = require_digest(item.path, item.expected_sha256)
        digests.append((item, found))
        emit(
            ChainLink(
                link="artifact",
                status="ok",
                name=item.name or item.path.name,
                detail={"sha256": found.sha256, "size": found.size},
            )
        )
    subjects = [att.Subject(item.name or item.path.name, found.sha256) for item, found in digests]
    builder = detect_builder(env)
    writes = Writes()
    try:
        sbom_entry, sbom_fact = write_sbom(
            repo,
            state,
            request.package or repo.name,
            version,
            request.sbom,
            prov,
            writes,
            relative,
            emit,
        )
        facts = att.BuildFacts(
            version=version,
            tag=tag,
            commit_sha=commit,
            repository=repository_uri(git),
            builder_id=builder.id,
            invocation_id=builder.invocation_id,
            started_on=started,
            finished_on=ledger.now_rfc3339(),
            ledger_head=head,
            signing_method=plan.method,
            sbom=sbom_fact,
            package=request.package,
        )
        statement = att.build_statement(subjects, facts)
        payload = att.encode_payload(statement)
        name = request.package or _release_name(repo, subjects)
        path = att.attestation_path(state, name, version)
        _refuse_taken(book, relative(path), name, version)
        signed = signing.sign(
            plan,
            statement,
            payload,
            attestation=path,
            keys_dir=state / "keys",
            env=env,
            relative=relative,
            signed_at=ledger.now_rfc3339(),
        )
        for item, found in digests:  # bind only to the bytes that were attested
            require_digest(item.path, found.sha256)
        for extra, data in signed.files.items():
            writes.write(extra, data)
        writes.write(path, (_envelope_line(signed.envelope)).encode())
        signing.verify(
            signed.envelope,
            payload,
            signed.block,
            lambda rel: Path(rel) if Path(rel).is_absolute() else repo / rel,
        )
        emit(
            ChainLink(
                link="attestation",
                status="ok",
                name=relative(path),
                detail={
                    "signature": signed.block["method"],
                    "signed": signed.block["signed"],
                    "identity": signed.block.get("identity") or signed.block.get("fingerprint"),
                },
            )
        )
        record = build_record(
            version,
            commit,
            tag,
            builder,
            digests,
            relative(path),
            signed.block,
            sbom_entry,
            head,
            relative,
            package=request.package,
        )
        level = record_level(prov, env, plan.method, record)
        for line in level.shortfall:
            emit(LogLine(step=STEP, text=f"shortfall: {line}"))
    except BaseException:
        writes.undo()
        raise
    return Prepared(record, head, [str(p) for p in writes.created], level.achieved)


def _source(
    git: Git, book: ledger.Ledger, tag: str, commit: str | None
) -> tuple[str, str | None, ledger.LedgerHead]:
    """The commit attested, the tag (when it exists) and the ledger head the
    statement anchors: the tag's anchor when it has one (93 if the ledger no
    longer has that prefix), else the current head."""
    head = book.head()
    if git.tag_exists(tag):
        tagged = git.out("rev-parse", f"refs/tags/{tag}^{{commit}}")
        if commit is not None and commit != tagged:
            raise AttestationInvalid(
                f"tag {tag} points at {tagged[:12]}, not {commit[:12]}", hint=TAG_COMMIT_HINT
            )
        message = git.try_out("for-each-ref", f"refs/tags/{tag}", "--format=%(contents)") or ""
        anchored = ledger.parse_anchor(message)
        if anchored is not None:
            problem = ledger.prefix_problem(book.records, anchored)
            if problem:
                from shipline.domain.errors import DigestMismatch

                raise DigestMismatch(
                    f"tag {tag}: {problem}", hint="restore releases.json from a backup"
                )
            head = anchored
        return tagged, tag, head
    resolved = git.try_out("rev-parse", "--verify", "-q", f"{commit or 'HEAD'}^{{commit}}")
    if not resolved:
        raise UsageError(
            f"{commit or 'HEAD'}: no such commit to attest",
            hint="commit first, or pass the commit the artifacts were built from",
        )
    return resolved, None, head


def _refuse_taken(book: ledger.Ledger, rel: str, name: str, version: str) -> None:
    """51 when a recorded release already owns the attestation file this
    one would write (two packages whose names differ only in what a file
    name cannot hold, ``@acme/core`` and ``acme-core``): never overwrite it."""
    for record in book.records:
        if record.get("recordType") == "release" and any(
            a.get("attestation") == rel for a in record.get("artifacts") or []
        ):
            owner = ledger.record_package(record)
            raise ReleaseExists(
                f"{rel} is already the attestation of "
                f"{owner + '@' if owner else ''}{record.get('version')}; {name} {version} "
                "would overwrite it",
                hint="two packages' names make one file name: rename one package",
            )


def _release_name(repo: Path, subjects: list[att.Subject]) -> str:
    return subjects[0].name if len(subjects) == 1 else repo.name


def _envelope_line(envelope: dict[str, Any]) -> str:
    import json

    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False) + "\n"

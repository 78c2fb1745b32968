"""``shipline check protocol``: a recorded release validated against the
release, provenance or artifact-publish protocol, like the seed's
``cleo check protocol``."""

from __future__ import annotations

import argparse
from typing import Any

from shipline.domain.cli.session import Session
from shipline.domain.errors import ExitCode
from shipline.domain.events import ErrorEvent


def check_protocol(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    """Validate a recorded release against one protocol, like the seed's
    ``cleo check protocol``: 0 when valid, else the protocol's own code."""
    from shipline.domain.errors import ShiplineError
    from shipline.domain.provenance import ledger as ldg
    from shipline.domain.review.target import find_target, parse_target

    target = parse_target(args.version)  # VERSION, or NAME@VERSION in a workspace
    version = target.label
    book = ldg.load(session.state_dir)
    _index, record = find_target(book, target, session.git, session.config)
    kind = args.protocol_type
    checks = {
        "release": _release_protocol,
        "provenance": _provenance_protocol,
        "artifact-publish": _publish_protocol,
    }[kind](session, args, record, book)
    if args.has_attestation is not None:
        checks.append(_attestation_claim(kind, args.has_attestation, record))
    failures = [(code, text) for code, text in checks if code]
    for code, text in failures[1:]:
        session.emit(ErrorEvent(code=code, message=text))
    if failures:
        code, text = failures[0]
        raise ShiplineError(
            f"{kind} protocol: release {version}: {text}",
            code=ExitCode(code),
            hint="fix the release (or record a new one); records are never edited",
        )
    for _code, text in checks:
        session.text(f"      ok {text}")
    return {
        "message": f"{kind} protocol: release {version} is valid ({len(checks)} checks)",
        "protocol": kind,
        "version": target.version,
        "package": target.package,
        "checks": [t for _c, t in checks],
    }


Check = tuple[int, str]


def _release_protocol(
    session: Session, args: argparse.Namespace, record: dict[str, Any], book: Any
) -> list[Check]:
    git = session.git
    out: list[Check] = [(0, f"version {record['version']} is semver (RLSE-001)")]
    tag = record["gitTag"]
    tagged = (
        git.try_out("rev-parse", "--verify", "-q", f"refs/tags/{tag}^{{commit}}") if tag else None
    )
    if tag is None:
        out.append((ExitCode.TAG_FAILED, "the release has no tag (RLSE-004)"))
    elif tagged is None:
        out.append((ExitCode.TAG_FAILED, f"tag {tag} does not exist in {git.root} (RLSE-004)"))
    elif tagged != record["commitSha"]:
        out.append(
            (
                ExitCode.TAG_FAILED,
                f"tag {tag} points at {tagged[:12]}, the ledger "
                f"records {record['commitSha'][:12]} (RLSE-004)",
            )
        )
    else:
        out.append((0, f"tag {tag} points at the recorded commit {tagged[:12]} (RLSE-004)"))
    version_files, changelog_file = _release_files(session, record)
    if tagged is not None:
        from shipline.domain.release.version_files import version_in

        for vf in version_files:
            text = git.try_out("show", f"{tagged}:{vf.path}")
            if text is None:
                continue
            found = version_in(text, vf)  # read where the version-file writer writes it
            if found is None or not _same_release(found, record["version"]):
                out.append(
                    (
                        ExitCode.VERSION_BUMP_FAILED,
                        f"{vf.path} at {tag} does not carry "
                        f"version {record['version']} (it carries {found or 'none'}) "
                        "(RLSE-006)",
                    )
                )
            else:
                out.append((0, f"{vf.path} at {tag} carries {record['version']} (RLSE-006)"))
    if args.has_changelog is False:
        out.append(
            (
                ExitCode.CHANGELOG_FAILED,
                "--has-changelog false: every release needs a "
                "changelog entry before its tag (RLSE-002)",
            )
        )
    else:  # RLSE-002 holds unless the caller says there is none: a config that
        # turned the changelog off does not make a release without one valid
        from shipline.domain.gitops import GitError
        from shipline.domain.release.changelog import has_entry

        path = changelog_file

        try:
            data = git.raw(["show", f"{tagged}:{path}"]) if tagged else None
        except GitError:
            data = None
        if data is None or not has_entry(data, path, record["version"]):
            out.append(
                (
                    ExitCode.CHANGELOG_FAILED,
                    f"{path} at {tag} has no entry for {record['version']} (RLSE-002)",
                )
            )
        else:
            out.append((0, f"{path} at {tag} has the entry for {record['version']} (RLSE-002)"))
    if not record["chainVerified"]:
        out.append((ExitCode.ATTESTATION_INVALID, "the release's chain was not verified"))
    return out


def _release_files(session: Session, record: dict[str, Any]) -> tuple[list[Any], str]:
    """The files that carry the release's version, and its changelog: the
    config's for the one release; for a workspace package, its manifest (a
    crate that inherits the workspace version: the root Cargo.toml) and its
    own changelog."""
    from shipline.domain.provenance.ledger import record_package
    from shipline.domain.release.plan import changelog_path

    package = record_package(record)
    if package is None:
        return session.config.release.version_files, changelog_path(session.git, session.config)
    from shipline.domain.config import VersionFile
    from shipline.domain.workspace.changelogs import package_changelog
    from shipline.domain.workspace.released import released_workspace

    workspace = released_workspace(session.git, session.config)
    member = workspace.package(package) if workspace is not None else None
    if member is None:
        return [], f"{package}'s changelog"  # no longer in the workspace: nothing to read
    manifest = "Cargo.toml" if member.version_from_workspace else member.manifest
    return [VersionFile(path=manifest)], package_changelog(session.config, member)


def _same_release(found: str, version: str) -> bool:
    """``found`` names release ``version`` (in any spelling: 1.0.0b1 is 1.0.0-beta.1)."""
    from shipline.domain.release.schemes import parse_any
    from shipline.domain.release.version_files.sites import names

    parsed = parse_any(version)
    return parsed is not None and names(found, parsed)


def _attestation_claim(kind: str, claimed: bool, record: dict[str, Any]) -> Check:
    """``--has-attestation B`` compared with the record: provenance always
    needs one (PROV-003); for the other protocols the record must match
    the caller's claim."""
    artifacts = record["artifacts"]
    has = bool(artifacts) and all(a["attestation"] for a in artifacts)
    if kind == "provenance" and not claimed:
        return (
            ExitCode.ATTESTATION_INVALID,
            "--has-attestation false: the provenance "
            "protocol needs an in-toto attestation (PROV-003)",
        )
    if claimed and not has:
        what = "no artifacts" if not artifacts else "artifacts without an attestation"
        return (
            ExitCode.ATTESTATION_INVALID,
            f"--has-attestation true but the release has {what} (PROV-003)",
        )
    if not claimed and has:
        return (
            ExitCode.ATTESTATION_INVALID,
            "--has-attestation false but the release "
            f"records the attestation {artifacts[0]['attestation']}",
        )
    return (
        0,
        f"attestation {'recorded: ' + artifacts[0]['attestation'] if has else 'absent'}"
        " as claimed (--has-attestation)",
    )


def _provenance_protocol(
    session: Session, args: argparse.Namespace, record: dict[str, Any], book: Any
) -> list[Check]:
    from shipline.domain.review.chain import verify_chain as verify_provenance_chain

    out: list[Check] = []
    if not record["artifacts"]:
        return [
            (
                ExitCode.ATTESTATION_INVALID,
                "a source-only release has no attested "
                "artifacts, hence no provenance (PROV-002, PROV-003)",
            )
        ]
    attestation = record["artifacts"][0]["attestation"]
    if attestation is None:
        return [
            (
                ExitCode.ATTESTATION_INVALID,
                "the release's artifacts were recorded without "
                "an attestation: provenance was disabled when it shipped (PROV-003)",
            )
        ]
    out.append((0, f"in-toto attestation {attestation} recorded (PROV-003, PROV-005)"))
    if args.has_sbom and record["sbom"] is None:
        out.append((ExitCode.ATTESTATION_INVALID, "--has-sbom true but the record has no SBOM"))
    elif record["sbom"] is not None:
        out.append(
            (
                0,
                f"SBOM {record['sbom']['format']} {record['sbom']['specVersion']} "
                f"recorded ({record['sbom']['path']})",
            )
        )
    if record["slsaLevel"] is None:
        out.append((ExitCode.ATTESTATION_INVALID, "no SLSA level recorded (PROV-004)"))
    else:
        short = record["metadata"]["shortfall"]
        out.append(
            (
                0,
                f"SLSA level {record['slsaLevel']} recorded (PROV-004)"
                + (f"; shortfall flagged: {short}" if short else ""),
            )
        )
    if not record["chainVerified"]:
        out.append((ExitCode.ATTESTATION_INVALID, "chainVerified is false (PROV-006)"))
    meta = record["metadata"]
    out.append(
        (
            0,
            f"chain recorded from commit {record['commitSha'][:12]}: "
            f"{meta['completeness']}"
            + (f" (missing: {', '.join(meta['missing'])})" if meta["missing"] else "")
            + " (PROV-001)",
        )
    )
    from shipline.domain.review.target import record_label

    report = verify_provenance_chain(session.state_dir, record_label(record), repo=session.repo)
    for failure in report.failures:
        out.append((failure.code, f"{failure.link} {failure.name}: {failure.detail}"))
    if report.ok:
        out.append(
            (0, f"provenance chain verified offline ({len(report.checks)} checks, PROV-006)")
        )
    return out


def _publish_protocol(
    session: Session, args: argparse.Namespace, record: dict[str, Any], book: Any
) -> list[Check]:
    artifacts = record["artifacts"]
    if not artifacts:
        return [
            (
                ExitCode.ARTIFACT_TYPE_UNKNOWN,
                "a source-only release published no artifacts (ARTP-005)",
            )
        ]
    out: list[Check] = []
    if args.artifact_type and not any(a["type"] == args.artifact_type for a in artifacts):
        kinds = sorted({a["type"] for a in artifacts})
        out.append(
            (
                ExitCode.ARTIFACT_TYPE_UNKNOWN,
                f"no artifact of type {args.artifact_type} "
                f"in this release (it has {', '.join(kinds)})",
            )
        )
    if args.build_passed is False:
        out.append((ExitCode.ARTIFACT_BUILD_FAILED, "--build-passed false: the build failed"))
    published = {
        r["artifact"]: r
        for r in book.records
        if r["recordType"] == "publish" and r["releaseHash"] == record["hash"]
    }
    for artifact in artifacts:
        out.append((0, f"{artifact['name']}: sha256 {artifact['sha256'][:16]}... (ARTP-004)"))
        entry = published.get(artifact["name"])
        if entry is None and artifact["registry"] is None:
            out.append(
                (
                    ExitCode.ARTIFACT_PUBLISH_FAILED,
                    f"{artifact['name']} has no publish "
                    "record: it was attested but never published",
                )
            )
        elif entry is not None and entry["sha256"] != artifact["sha256"]:
            out.append(
                (
                    ExitCode.DIGEST_MISMATCH,
                    f"{artifact['name']}: published digest "
                    f"{entry['sha256']} is not the built {artifact['sha256']}",
                )
            )
        else:
            where = entry["registry"] if entry is not None else artifact["registry"]
            out.append((0, f"{artifact['name']} published to {where}"))
    return out

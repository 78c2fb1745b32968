"""Gathering a release's review evidence (:func:`collect_evidence`): the
commit range since the previous tag, the build-configuration diff, the
artifacts, SBOM summary and ``verify`` checks, and the checks shipline runs
itself. The model and the decision live in :mod:`shipline.domain.review.decide`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import ShiplineError
from shipline.domain.gitops import Git
from shipline.domain.provenance import ledger as ldg
from shipline.domain.review.checks import (
    FAIL,
    NOT_RUN,
    PASS,
    Check,
    builder_image_check,
    dependency_check,
)
from shipline.domain.review.decide import (
    BUILD_CONFIG,
    Evidence,
    author_identities,
    decide,
    release_reviews,
    release_subject,
    resolver,
)
from shipline.domain.review.package_scope import commits_between, package_scope
from shipline.domain.review.siblings import released_siblings
from shipline.domain.review.target import find_target, parse_target, record_label


def _previous_tag(git: Git, record: Mapping[str, Any], prefix: str) -> str | None:
    start = (
        record.get("gitTag")
        if record.get("gitTag") and git.tag_exists(record["gitTag"])
        else record["commitSha"]
    )
    return (
        git.try_out("describe", "--tags", "--abbrev=0", "--match", f"{prefix}*", f"{start}^")
        or None
    )


def _config_at(git: Git, loaded: LoadedConfig, commit: str) -> Any:
    """The release config as it was at ``commit`` (the current one if unreadable)."""
    from shipline.domain.config_loading import parse_config
    from shipline.domain.jsonio import StrictJSONError, loads_strict

    if loaded.path is None:
        return loaded.config
    rel = os.path.relpath(loaded.path, git.root)
    text = git.try_out("show", f"{commit}:{rel}")
    try:
        return parse_config(loads_strict(text), f"{commit[:12]}:{rel}") if text else loaded.config
    except (StrictJSONError, ShiplineError):
        return loaded.config


def _config_diff(
    git: Git,
    previous: str | None,
    commit: str,
    owns: Callable[[str], bool] | None = None,
    config: tuple[str, ...] = BUILD_CONFIG,
) -> tuple[list[dict[str, str]], str]:
    """The build configuration (``config``) that changed since ``previous``;
    for a package, only the files that are its own (``owns``)."""
    base = previous or git.out("hash-object", "-t", "tree", "/dev/null")
    names = git.try_out("diff", "--name-status", base, commit, "--", *config) or ""
    changes = [
        {"status": parts[0], "path": parts[-1]}
        for parts in (line.split("\t") for line in names.splitlines())
        if len(parts) > 1 and (owns is None or owns(parts[-1]))
    ]
    if owns is None:
        paths: list[str] = list(BUILD_CONFIG)
    elif changes:
        paths = [f":(literal){c['path']}" for c in changes]
    else:
        return changes, ""
    diff = git.try_out("diff", base, commit, "--", *paths) or ""
    return changes, diff[:200_000]


def _changelog(git: Git, path: str | None, commit: str, version: str) -> dict[str, Any] | None:
    """The changelog's entry for ``version`` as the release commit has it."""
    from shipline.domain.gitops import GitError
    from shipline.domain.release.changelog import entry_text

    if path is None:
        return None
    try:
        data = git.raw(["show", f"{commit}:{path}"])
    except GitError:
        data = None
    return {"path": path, "entry": entry_text(data, path, version) if data else None}


def _rebuild_check(git: Git, record: Mapping[str, Any], env: Mapping[str, str]) -> Check:
    from shipline.domain.review.rebuild import IDENTICAL, rebuild

    report = rebuild(git, record, env)
    items = [f"{a.name}: {a.detail}" for a in report.artifacts if a.status != IDENTICAL]
    return Check("rebuild", PASS if report.ok else FAIL, report.summary(), items + report.errors)


def collect_evidence(
    git: Git,
    loaded: LoadedConfig,
    version: str,
    *,
    rebuild: bool = True,
    env: Mapping[str, str] | None = None,
) -> Evidence:
    """Everything a reviewer of ``version`` sees (50 when it is not recorded)."""
    from shipline.domain.review.chain import REVIEW_LINKS
    from shipline.domain.review.chain import verify_chain as verify_provenance_chain

    env = dict(os.environ) if env is None else env
    state, repo = loaded.state_dir, git.root
    resolve = resolver(repo)
    book = ldg.load(state, verify_chain=False)
    _, record = find_target(book, parse_target(version), git, loaded)
    commit = record["commitSha"]
    package = ldg.record_package(record)
    if package is not None:
        scope = package_scope(git, loaded, record)
        previous, commits, changelog_file = scope.previous_tag, scope.commits, scope.changelog
        changes, diff = _config_diff(git, previous, commit, scope.owns, scope.config_paths)
    else:
        from shipline.domain.release.plan import changelog_path

        previous = _previous_tag(git, record, loaded.release.tag_prefix)
        commits = commits_between(git, previous, commit)
        try:
            changelog_file = changelog_path(git, loaded)
        except ShiplineError:  # a changelog path the config no longer allows: not shown
            changelog_file = None
        changes, diff = _config_diff(git, previous, commit)
    subject = release_subject(record, repo)
    block = record["artifacts"][0]["signature"] if record["artifacts"] else {}
    sbom, sbom_path = None, None
    if record.get("sbom"):
        from shipline.domain.provenance.sbom import summarize

        sbom_path = resolve(record["sbom"]["path"])
        try:
            sbom = summarize(sbom_path.read_bytes())
        except (OSError, ShiplineError) as exc:
            sbom = {"error": getattr(exc, "message", str(exc))}
    report = verify_provenance_chain(state, record_label(record), repo=repo)
    # the release's own links; reviews are judged one by one below, so a forged
    # review never blocks an honest approval
    chain = [c for c in report.checks if c.link not in REVIEW_LINKS]
    verify_ok = not any(c.status == "failed" for c in chain)
    checks = [
        _rebuild_check(git, record, env)
        if rebuild
        else Check("rebuild", NOT_RUN, "the rebuild was skipped (--no-rebuild)"),
        builder_image_check(
            _config_at(git, loaded, commit).release.security.provenance.builder_image
        ),
        dependency_check(
            state,
            sbom_path if sbom_path and sbom_path.is_file() else None,
            lambda unpinned: released_siblings(git, state, book.records, record, unpinned, resolve),
        ),
    ]
    checks.append(
        Check(
            "verify",
            PASS if verify_ok else FAIL,
            f"{len(chain)} provenance checks, {sum(c.status == 'failed' for c in chain)} failed",
        )
    )
    authors = author_identities(git, record, resolve)
    levels = [
        r["slsaLevel"]
        for r in book.records
        if r.get("recordType") == "level" and r.get("releaseHash") == record["hash"]
    ]
    evidence = Evidence(
        version=record["version"],
        tag=record.get("gitTag"),
        commit=commit,
        release_hash=record["hash"],
        previous_tag=previous,
        commits=commits,
        config_changes=changes,
        config_diff=diff,
        artifacts=[
            {k: a[k] for k in ("name", "type", "sha256", "size", "path", "registry")}
            for a in record["artifacts"]
        ],
        attestation={
            "path": record["artifacts"][0]["attestation"] if record["artifacts"] else None,
            "name": subject[0] if subject else None,
            "sha256": subject[1] if subject else None,
            "signature": block.get("method"),
            "signedBy": block.get("identity") or block.get("fingerprint"),
        },
        sbom=sbom,
        verification=[c.to_json() for c in chain],
        verify_ok=verify_ok,
        release_level=record.get("slsaLevel"),
        level=levels[-1] if levels else record.get("slsaLevel"),
        author_identities=sorted(authors),
        checks=checks,
        package=package,
        changelog=_changelog(git, changelog_file, commit, record["version"]),
    )
    evidence.reviews = release_reviews(book, record, repo, authors)
    evidence.l4_missing = decide(evidence)
    return evidence

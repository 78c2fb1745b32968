"""What keeps a plan honest: the manifest's version against the last tag,
tags that are not on the branch, and the repository checks ``ship`` would
make first.

A plan that says "would be released" must be one ``ship`` carries out: so
a failed preflight check, or a hand-written changelog with no notes for
the release, makes it unreleasable (``release plan`` exits with that
check's code, 54 or 58), a manifest ahead of the last reachable tag
is released as the manifest says (or bumped from it when that version is
already tagged elsewhere) instead of proposing a downgrade or an existing
tag, and every disagreement is said in ``warnings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipline.domain.config import LoadedConfig, VersionFile
from shipline.domain.errors import VersionBumpFailed
from shipline.domain.gitops import Git
from shipline.domain.release import version_files as bumpfiles
from shipline.domain.release import versioning
from shipline.domain.release.gates import (
    CHANGELOG_ENTRY,
    Outcome,
    RepoFacts,
    check_repository,
    first_failure,
)

if TYPE_CHECKING:
    from shipline.domain.release.plan_model import ReleasePlan

Version = versioning.Version
_MAX_OFF_BRANCH = 3


@dataclass(frozen=True)
class ManifestVersion:
    path: str
    version: Version


@dataclass(frozen=True)
class Ahead:
    """The manifest names a version above the last reachable tag."""

    version: Version
    tagged: bool
    """A tag for it exists (off this branch): bump from it instead."""
    reason: str


def read_manifest(root: Path, files: list[VersionFile]) -> dict[str, str]:
    """``{path: version}`` of the version files; ``{}`` when one cannot be
    read (the bump step reports that with its own exit code)."""
    if not files:
        return {}
    try:
        return bumpfiles.read_versions(root, files)
    except VersionBumpFailed:
        return {}


def manifest_version(found: dict[str, str]) -> ManifestVersion | None:
    """The first version file's version, when it is a semantic version."""
    for path, text in found.items():
        version = versioning.try_parse(text[1:] if text[:1] == "v" else text)
        return ManifestVersion(path, version) if version is not None else None
    return None


def manifest_ahead(
    git: Git, prefix: str, manifest: ManifestVersion | None, last: Version | None
) -> Ahead | None:
    if manifest is None or last is None or manifest.version <= last:
        return None
    tag = f"{prefix}{manifest.version}"
    if git.tag_exists(tag):
        return Ahead(
            manifest.version,
            True,
            f"{manifest.path} says {manifest.version}, which tag {tag} already "
            "names off this branch: the next version is counted from it",
        )
    return Ahead(
        manifest.version,
        False,
        f"{manifest.path} already says {manifest.version}, above the last tag "
        f"{prefix}{last}, and no tag {tag} exists: releasing {manifest.version} as "
        "the manifest says (pass --bump or a version to choose another)",
    )


def warnings(
    git: Git,
    prefix: str,
    manifest: ManifestVersion | None,
    last_tag: str | None,
    last: Version | None,
) -> list[str]:
    out: list[str] = []
    if manifest is not None and last is not None and manifest.version != last:
        side = "ahead of" if manifest.version > last else "behind"
        out.append(
            f"{manifest.path} says {manifest.version}, {side} the last tag on this "
            f"branch {last_tag}"
        )
    out.extend(off_branch_tags(git, prefix, last))
    return out


def off_branch_tags(git: Git, prefix: str, last: Version | None) -> list[str]:
    """Release tags newer than the last reachable one that HEAD does not
    contain, explained (they are why the "last release" may look old)."""
    if git.head() is None:
        return []
    targets = versioning.tag_targets(git, prefix)
    newer = [
        (name, v)
        for name, v in versioning.sort_tags(list(targets), prefix)
        if last is None or v > last
    ]
    out: list[str] = []
    for name, _ in reversed(newer):
        sha = targets[name][0]
        if git.run(["merge-base", "--is-ancestor", sha, "HEAD"], check=False).ok:
            continue
        if len(out) == _MAX_OFF_BRANCH:
            out.append("more tags off this branch are not listed")
            break
        out.append(
            f"tag {name} is not on this branch (it tags {sha[:7]}, which HEAD does not "
            "contain): not counted as the last release"
        )
    return out


def preflight(git: Git, loaded: LoadedConfig, plan: ReleasePlan) -> list[Outcome]:
    """Run the repository checks ``ship`` starts with; a failure makes the
    plan unreleasable with that check as its blocker."""
    if not plan.releasable or not plan.tag:
        return []
    facts = RepoFacts(git, loaded.release, plan.tag, loaded.state_dir, plan.push)
    outcomes = check_repository(facts)
    failure = first_failure(outcomes)
    if failure is None and plan.changelog_todo:
        failure = unwritten_entry(plan.changelog_path or "the changelog", plan.changelog_todo)
        outcomes.append(failure)
    if failure is not None:
        plan.releasable = False
        plan.blocker = f"{failure.name}: {failure.detail}"
        plan.blocker_code = int(failure.code)
        plan.blocker_hint = failure.hint
    return outcomes


def unwritten_entry(path: str, todo: str) -> Outcome:
    """A hand-written changelog with no notes for this release: ``ship``
    would stop at its changelog step (57), so the plan says it first."""
    return Outcome(
        CHANGELOG_ENTRY,
        False,
        f"{path}: {todo}",
        hint=f"write the release notes under an Unreleased heading in {path}, or pass "
        "them with --changelog-entry FILE (the TUI lets you write them)",
    )

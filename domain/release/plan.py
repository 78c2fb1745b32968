"""What a release would do now, computed without changing anything.

``make_plan`` answers every question the pipeline needs before it writes a
byte: last release, commits since, the bump and why, the next version,
every file's line before and after, the changelog entry, the gates, the
git commands in order, and the artifacts. ``release plan``, ``ship
--dry-run`` and the TUI's first screens all show this one object.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from shipline.domain.config import LoadedConfig
from shipline.domain.config_checks import confine
from shipline.domain.errors import ChangelogFailed
from shipline.domain.gitops import Git
from shipline.domain.release import changelog, commits, schemes, versioning
from shipline.domain.release import plan_truth as truth
from shipline.domain.release import version_files as bumpfiles
from shipline.domain.release.bump_rules import without_excluded
from shipline.domain.release.gates import (
    CHANGELOG_ENTRY,
    CLEAN_WORKTREE,
    MIGRATION_NOTES,
    RELEASE_BRANCH,
    REMOTE_IN_SYNC,
    TAG_IS_NEW,
    VERSION_CONSISTENT,
    command_line,
)
from shipline.domain.release.git_commands import release_commands
from shipline.domain.release.history import ensure_complete_history
from shipline.domain.release.plan_model import (
    ArtifactView,
    CommitView,
    FileView,
    GateView,
    LineView,
    PlannedRelease,
    PlanOptions,
    ReleasePlan,
)
from shipline.domain.release.version_files.evidence import release_evidence
from shipline.domain.textsafe import visible


def release_date(epoch: float | None = None) -> str:
    """Today (UTC), or the day ``SOURCE_DATE_EPOCH`` names (reproducible
    releases and tests)."""
    if epoch is None and os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
        epoch = int(os.environ["SOURCE_DATE_EPOCH"])
    moment = datetime.fromtimestamp(epoch, UTC) if epoch is not None else datetime.now(UTC)
    return moment.strftime("%Y-%m-%d")


def make_plan(git: Git, loaded: LoadedConfig, options: PlanOptions) -> PlannedRelease:
    """The release that ``options`` asks for, read from the repository
    (nothing is changed but a deepening fetch of a shallow clone)."""
    with git.reading():  # HEAD, branch and tags are asked for once
        return _plan(git, loaded, options)


def _plan(git: Git, loaded: LoadedConfig, options: PlanOptions) -> PlannedRelease:
    cfg = loaded.release
    fetched = ensure_complete_history(git, cfg)  # 54 on a shallow or tagless clone
    branch = git.current_branch()
    head = git.head()
    tags = versioning.release_tags(git, cfg.tag_prefix)
    last_tag, last_version = tags[-1] if tags else (None, None)
    stable = [(t, v) for t, v in tags if not v.prerelease]
    last_stable_tag, last_stable = stable[-1] if stable else (None, None)
    files = cfg.version_files
    first_release = last_version is None
    evidence = (
        release_evidence(git, last_tag, last_version, (cfg.changelog.path,))
        if last_tag and last_version
        else []
    )
    if loaded.path is None and last_version is not None:
        files = files + bumpfiles.evidence_entries(git.root, evidence, last_version, files)

    # A stable release lists everything since the last stable one (so an
    # rc series rolls up); a prerelease lists what is new since the last tag.
    since_stable = (
        commits.walk(git, f"{last_stable_tag}..HEAD" if last_stable_tag else None) if head else []
    )
    since_stable = without_excluded(since_stable, cfg.exclude_commits)
    base_version = last_stable
    manifest = truth.manifest_version(truth.read_manifest(git.root, files) if head else {})
    if first_release and manifest is not None:
        base_version = manifest.version
    ahead = truth.manifest_ahead(git, cfg.tag_prefix, manifest, last_version)
    decision = versioning.infer_bump(
        since_stable, base_version or versioning.parse_version("0.0.0"), cfg.bump_rules
    )
    bump = options.bump or decision.bump
    reasons = list(decision.reasons)
    if fetched:
        reasons.insert(0, fetched)
    if options.bump:
        reasons.insert(0, f"--bump {options.bump} given")

    plan = ReleasePlan(
        repo=str(git.root),
        branch=branch,
        head=head,
        last_tag=last_tag,
        last_version=str(last_version) if last_version else None,
        first_release=first_release,
        commits=[],
        bump=bump,
        reasons=reasons,
        version=None,
        tag=None,
        releasable=False,
        push=cfg.push.enabled and not options.no_push,
        warnings=truth.warnings(git, cfg.tag_prefix, manifest, last_tag, last_version),
    )
    if head is None:
        plan.blocker = "the repository has no commits yet"
        return PlannedRelease(plan)

    if (
        ahead is not None
        and not ahead.tagged
        and options.version is None
        and options.bump is None
        and not options.pre
    ):
        # The manifest already names an unreleased version above the last
        # tag: release that, never a version below it or a tag that exists.
        target = versioning.Target(ahead.version)
        plan.bump, plan.reasons = None, [ahead.reason]
    else:
        if ahead is not None:
            base_version = ahead.version
            plan.reasons.append(ahead.reason)
        target = versioning.next_version(
            last_stable=base_version,
            last_tag=last_version,
            bump=bump,
            pre=options.pre,
            explicit=options.version,
            first_release=first_release,
            first_pre=cfg.prerelease_start,
        )
    prerelease = target.version is not None and bool(target.version.prerelease)
    entry_commits = since_stable
    since_last = prerelease or cfg.changelog.prereleases == "since-last"
    if since_last and last_tag and last_tag != last_stable_tag:
        entry_commits = without_excluded(
            commits.walk(git, f"{last_tag}..HEAD"), cfg.exclude_commits
        )
    plan.commits = [
        CommitView(
            sha=c.sha,
            short=c.short,
            subject=c.subject,
            type=c.type,
            scope=c.scope,
            breaking=c.breaking,
            conventional=c.conventional,
        )
        for c in entry_commits
    ]
    plan.reasons.extend(r for r in target.reasons if r not in plan.reasons)
    promotes = not prerelease and bool(since_stable)  # an rc series, made final as it is
    if not entry_commits and not options.version and not promotes:
        since = last_tag or "the start of history"
        plan.blocker = f"no commits since {since}: nothing to release"
        return PlannedRelease(plan, commits=entry_commits)
    if target.version is None:
        plan.blocker = (
            decision.reasons[0]
            if "none Conventional" in decision.reasons[0]
            else (
                "no release-worthy commits (only chores, docs or tests): pass "
                "--bump patch or a VERSION to release anyway"
            )
        )
        plan.needs_bump = True
        return PlannedRelease(plan, commits=entry_commits)

    version = schemes.spell(target.version, cfg.version_scheme)
    tag = versioning.tag_name(git, cfg.tag_prefix, target.version, cfg.version_scheme)
    plan.version, plan.tag, plan.releasable = version, tag, True

    bumps = bumpfiles.plan_bumps(git.root, files, version, cfg.version_scheme)
    learned = {vf.path for vf in files} - {vf.path for vf in cfg.version_files}
    for b in bumps:
        if b.path in learned and b.why is None:
            b.why = f"the release commit of {last_tag} bumped it"
    if last_version is not None:
        bumpfiles.refuse_left_behind(
            git.root, evidence, last_version, {b.path: b.new_text for b in bumps}
        )
    plan.files = [
        FileView(
            path=b.path,
            old_version=b.old_version,
            why=b.why,
            changes=[LineView(line=c.line, before=c.before, after=c.after) for c in b.changes],
        )
        for b in bumps
    ]

    planned = PlannedRelease(
        plan,
        bumps=bumps,
        commits=entry_commits,
        version_files=files,
        evidence=evidence,
        old_version=str(last_version) if last_version else None,
    )
    if cfg.changelog.enabled and not options.no_changelog:
        _plan_changelog(
            git,
            loaded,
            options,
            planned,
            version,
            entry_commits,
            last_version if since_last else last_stable,
        )

    missing = changelog.migration_problems(entry_commits, plan.changelog_entry)
    plan.missing_migration = [f"{c.short} {c.subject}" for c in missing]
    plan.missing_migration_shas = [c.short for c in missing]

    before = manifest.version if manifest is not None else last_version
    previous = schemes.spell(before, cfg.version_scheme) if before else "0.0.0"
    message = cfg.commit_message.format(version=version, tag=tag, previous_version=previous)
    plan.commit_message = message
    from shipline.domain.provenance.ledger import ledger_anchor

    plan.tag_message = f"Release {tag}\n\n{ledger_anchor(loaded.state_dir)}"
    plan.gates = _gate_views(loaded, plan)
    paths = [b.path for b in bumps] + ([plan.changelog_path] if plan.changelog_path else [])
    plan.git_commands = _git_commands(loaded, plan, paths)
    if not options.no_artifacts:
        plan.artifacts = [
            ArtifactView(type=a.type, name=a.name, registry=a.registry)
            for a in cfg.enabled_artifacts
        ]
    return planned


def _plan_changelog(
    git: Git,
    loaded: LoadedConfig,
    options: PlanOptions,
    planned: PlannedRelease,
    version: str,
    entry_commits: list[commits.Commit],
    previous: versioning.Version | None,
) -> None:
    cfg = loaded.release
    rel = changelog_path(git, loaded)
    path = git.root / rel
    try:
        original = path.read_bytes() if path.exists() else None
        proposal = changelog.propose(
            original,
            rel,
            version=version,
            date=release_date(),
            previous=schemes.spell(previous, cfg.version_scheme) if previous else None,
            commits=entry_commits,
            exclude=changelog.release_commit_pattern(cfg.commit_message),
            explicit=visible(options.changelog_entry) if options.changelog_entry else None,
            settings=cfg.changelog,
        )
    except (OSError, UnicodeDecodeError) as exc:
        raise ChangelogFailed(
            f"{rel}: cannot read: {exc}", hint="make the changelog a readable text file"
        ) from None
    planned.changelog_original = original
    planned.changelog_text = proposal.data
    planned.plan.changelog_path = rel
    planned.plan.changelog_entry = proposal.entry
    planned.plan.changelog_todo = proposal.todo


def changelog_path(git: Git, loaded: LoadedConfig) -> str:
    """The configured changelog, else the repository's own (CHANGES.rst,
    HISTORY.md...), else CHANGELOG.md."""
    cfg = loaded.release.changelog
    found = changelog.resolve_path(git.root, cfg.path, "path" in cfg.model_fields_set)
    # a discovered file is confined like a configured one: a symlink is followed
    # (its target is written and committed), one leading outside the repository is 90
    return confine(git.root, found, "the changelog")


def _gate_views(loaded: LoadedConfig, plan: ReleasePlan) -> list[GateView]:
    views = [
        GateView(name=CLEAN_WORKTREE, kind="repository"),
        GateView(name=RELEASE_BRANCH, kind="repository"),
        GateView(name=TAG_IS_NEW, kind="repository"),
    ]
    if plan.push:
        views.append(GateView(name=REMOTE_IN_SYNC, kind="repository"))
    views.append(GateView(name=VERSION_CONSISTENT, kind="release"))
    if plan.changelog_path:
        views.append(GateView(name=CHANGELOG_ENTRY, kind="release"))
    if plan.changelog_path or plan.missing_migration:
        views.append(GateView(name=MIGRATION_NOTES, kind="release"))
    views.extend(
        GateView(name=g.name, kind="command", command=command_line(g)) for g in loaded.release.gates
    )
    return views


def _git_commands(loaded: LoadedConfig, plan: ReleasePlan, paths: list[str]) -> list[list[str]]:
    assert plan.tag and plan.commit_message and plan.tag_message
    return release_commands(
        paths=paths,
        commit_message=plan.commit_message,
        tag=plan.tag,
        tag_message=plan.tag_message,
        sign=loaded.release.tag.sign,
        remote=loaded.release.push.remote if plan.push else None,
        branch=plan.branch,
    )

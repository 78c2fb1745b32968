"""``shipline changelog``: the changelog from Conventional Commits, printed.

Default: the changes since the last release (an ``Unreleased`` entry);
``--since TAG``: the releases after that tag, each under its version, and
what is unreleased; ``--all``: every release in the history, prereleases
folded into their final release as ``ship`` does. The output follows the
repository's changelog file (its headings, sections and bullets) when it
has one.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from shipline.domain.cli.session import Session
from shipline.domain.errors import UsageError
from shipline.domain.release import changelog
from shipline.domain.release.bump_rules import without_excluded
from shipline.domain.release.versioning import release_tags
from shipline.domain.textsafe import escape_json_text


def changelog_command(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    with session.git.reading():  # only reads: HEAD and the tags are asked for once
        return _changelog(session, args)


def _changelog(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    git = session.git
    # the whole history is read while the config (and pydantic) loads
    pending = changelog.PendingWalk(git, None) if args.all else None
    cfg = session.config.release
    exclude = changelog.release_commit_pattern(cfg.commit_message)
    if args.all:
        releases = changelog.history(
            git, cfg.tag_prefix, pending=pending, prereleases=cfg.changelog.prereleases
        )
    else:
        since = args.since
        if since is None:
            tags = release_tags(git, cfg.tag_prefix)
            since = tags[-1][0] if tags else None
        elif git.try_out("rev-parse", "--verify", "-q", f"refs/tags/{since}") is None:
            raise UsageError(f"--since {since}: no such tag", hint="list tags with `git tag`")
        releases = (
            changelog.history(
                git, cfg.tag_prefix, since=since, prereleases=cfg.changelog.prereleases
            )
            if since
            else [changelog.Release(None, None, None, changelog.walk(git, None))]
        )
    for release in releases:  # the repository's own exclusions (release.excludeCommits)
        release.commits = without_excluded(release.commits, cfg.exclude_commits)
    style = _style(session)  # the JSON lists the sections the text shows
    if session.output == "json":
        return {"releases": changelog.history_json(releases, exclude, style)}
    if args.format == "json":
        session.text(
            escape_json_text(
                json.dumps(
                    {"releases": changelog.history_json(releases, exclude, style)},
                    indent=2,
                    ensure_ascii=False,
                )
            )
        )
    else:
        session.text(changelog.render_history(releases, exclude, style))
    return {}


def _style(session: Session) -> changelog.Style:
    """The style of the repository's changelog file (shipline's own without one)."""
    cfg = session.config.release.changelog
    rel = changelog.resolve_path(session.git.root, cfg.path, "path" in cfg.model_fields_set)
    path = session.git.root / rel
    try:
        data = path.read_bytes() if path.is_file() else None
    except OSError:
        data = None
    return changelog.read(data, rel, cfg)[1]

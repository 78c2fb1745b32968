"""Every release of a repository, for ``shipline changelog``.

Time is linear in commits plus tags: one ``git log`` and one
``git for-each-ref``, then each commit is assigned once to the oldest
release tag that contains it (one graph walk per tag that stops at commits
already assigned). Prereleases are folded into the stable release that
follows them, as ``ship`` rolls an rc series up (unless the repository
writes each prerelease's changes only under it: ``since-last``);
``--since TAG`` keeps the releases after that tag, each under its own
version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shipline.domain.gitops import Git
from shipline.domain.release.changelog import groups, render
from shipline.domain.release.changelog.style import Style
from shipline.domain.release.changelog.writer import HEADER, RST_HEADER
from shipline.domain.release.commits import Commit, PendingWalk, walk
from shipline.domain.release.versioning import sort_tags, tag_targets
from shipline.domain.textsafe import visible


@dataclass
class Release:
    version: str | None
    """None for the unreleased changes on top."""
    tag: str | None
    date: str | None
    commits: list[Commit] = field(default_factory=list)
    prerelease: bool = False


def _day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


def history(
    git: Git,
    prefix: str,
    since: str | None = None,
    pending: PendingWalk | None = None,
    prereleases: str = "rollup",
) -> list[Release]:
    """Every release reachable from HEAD, newest first, with its commits;
    with ``since``, only the releases after that tag. ``pending``: the walk
    of all of HEAD's history, already started. ``prereleases`` is the
    repository's ``release.changelog.prereleases``: ``since-last`` keeps
    each prerelease as its own entry, with a final release listing only
    what came after its last prerelease (as the release wrote them)."""
    if git.head() is None:
        return []
    target = tag_targets(git, prefix)
    if since is not None:
        commits = walk(git, f"{since}..HEAD")
    else:
        commits = (pending or PendingWalk(git, None)).commits()
    by_sha = {c.sha: c for c in commits}
    # a tag is reachable from HEAD exactly when its commit is in HEAD's history
    tags = [(t, v) for t, v in sort_tags(list(target), prefix) if target[t][0] in by_sha]
    owner: dict[str, int] = {}
    releases = [
        Release(str(v), t, _day(target[t][1]), prerelease=bool(v.prerelease)) for t, v in tags
    ]
    starts = [target[t][0] for t, _ in tags] + [git.head() or ""]
    releases.append(Release(None, None, None))
    for index, start in enumerate(starts):
        stack = [start]
        while stack:
            sha = stack.pop()
            if sha in owner or sha not in by_sha:
                continue
            owner[sha] = index
            stack.extend(by_sha[sha].parents)
    for c in commits:
        releases[owner.get(c.sha, len(releases) - 1)].commits.append(c)
    if not releases[-1].commits:
        releases.pop()
    if prereleases == "since-last":
        return list(reversed(releases))
    return list(reversed(_fold_prereleases(releases)))


def _fold_prereleases(releases: list[Release]) -> list[Release]:
    """Oldest first in and out: each prerelease's commits join the next
    stable release; prereleases after the last stable one stay."""
    out: list[Release] = []
    held: list[Release] = []
    for r in releases:
        if r.prerelease:
            held.append(r)
            continue
        if r.version is not None:
            for p in reversed(held):
                r.commits.extend(p.commits)
        else:
            out.extend(held)
        held = []
        out.append(r)
    out.extend(held)
    return out


def render_history(
    releases: list[Release],
    exclude: re.Pattern[str] = groups.RELEASE_COMMIT,
    style: Style | None = None,
    header: str | None = None,
) -> str:
    """The releases as a changelog in ``style`` (shipline's own by default);
    no placeholders: an empty release is its heading alone."""
    from shipline.domain.release.changelog.style import DEFAULT

    style = style or DEFAULT
    if header is None:
        header = RST_HEADER if style.fmt == "rst" else HEADER
    parts = [header]
    previous_of = {
        id(r): (releases[i + 1].version if i + 1 < len(releases) else None)
        for i, r in enumerate(releases)
    }
    for r in releases:
        by_key = groups.group_keys(r.commits, exclude)
        if r.version is None:
            head = render.heading_lines(style, style.unreleased_heading, style.entry_level)
            body = render.body_lines(style, by_key, placeholders=False)
            lines = head + ([""] * style.after_heading + body if body else [])
        else:
            lines = render.entry_lines(
                style, r.version, r.date, previous_of[id(r)], by_key, placeholders=False
            )
        parts.append("\n".join(lines) + "\n")
    # commit text is anyone's: no control or escape sequence reaches the output
    return visible(("\n" * style.between_entries).join(parts))


def history_json(
    releases: list[Release],
    exclude: re.Pattern[str] = groups.RELEASE_COMMIT,
    style: Style | None = None,
) -> list[dict[str, object]]:
    """The releases as data, each commit under the section the rendered
    changelog puts it in (:func:`.render.sections`: the file's titles, or
    the configured ``release.changelog.sections``), in the same order."""
    from shipline.domain.release.changelog.style import DEFAULT

    style = style or DEFAULT
    return [
        {
            "version": r.version,
            "tag": r.tag,
            "date": r.date,
            "groups": {
                title: [
                    {
                        "sha": c.sha,
                        "type": c.type,
                        "scope": c.scope,
                        "description": c.description,
                        "breaking": c.breaking,
                        "migration": c.breaking_notes,
                    }
                    for c in items
                ]
                for title, _, items in render.sections(style, groups.group_keys(r.commits, exclude))
            },
        }
        for r in releases
    ]

"""Complete history before a release.

The next version and the changelog are computed from the commits since the
last release tag. A shallow clone (CI checkouts default to depth 1) or a
clone without the release tags sees only part of that: a breaking change
outside the fetched history becomes a patch release, and a clone with no
tags looks like a first release. So :func:`ensure_complete_history` runs
before anything is planned: it refuses (54) with the fix, or, when
``release.history.deepen`` allows and the remote answers, fetches the
missing history and tags itself.
"""

from __future__ import annotations

from shipline.domain.config import ReleaseConfig
from shipline.domain.errors import GateFailed
from shipline.domain.gitops import Git
from shipline.domain.release.versioning import sort_tags, tag_targets

FIX_SHALLOW = (
    "`git fetch --unshallow --tags` (in CI: `fetch-depth: 0` on "
    "actions/checkout, `GIT_DEPTH: 0` on GitLab), or set release.history.deepen: "
    "true to let shipline fetch it"
)
FIX_TAGS = (
    "`git fetch --tags` (in CI: `fetch-depth: 0` and `fetch-tags: true` on "
    "actions/checkout), or set release.history.deepen: true to let shipline fetch them"
)


def _remote(git: Git, cfg: ReleaseConfig) -> str | None:
    """The configured remote, when this clone has it."""
    return cfg.push.remote if git.remote_url(cfg.push.remote) else None


def _fetch(git: Git, remote: str, *args: str) -> bool:
    return git.run(["fetch", "-q", *args, "--tags", remote], check=False, timeout=600).ok


def ensure_complete_history(git: Git, cfg: ReleaseConfig) -> str | None:
    """Refuse (54) to plan from part of the history; returns what was
    fetched when ``release.history.deepen`` repaired the clone."""
    if git.head() is None:
        return None
    remote = _remote(git, cfg)
    deepen = cfg.history.deepen and remote is not None
    if git.out("rev-parse", "--is-shallow-repository") == "true":
        if deepen and remote and _fetch(git, remote, "--unshallow"):
            return f"fetched the full history and tags from {remote} (the clone was shallow)"
        raise GateFailed(
            "this clone is shallow: commits before its fetch depth are missing, so the bump "
            "and the changelog would be computed from part of the history"
            + (f" (fetching from {remote} failed)" if deepen else ""),
            hint=FIX_SHALLOW,
        )
    if remote is None or sort_tags(list(tag_targets(git, cfg.tag_prefix)), cfg.tag_prefix):
        return None
    # no release tag here: a first release, or a clone that did not fetch tags
    found = sort_tags(_remote_tags(git, remote), cfg.tag_prefix)
    if not found:
        return None
    if deepen and _fetch(git, remote):
        return f"fetched {len(found)} release tag(s) from {remote} (the clone had none)"
    raise GateFailed(
        f"this clone has no release tags but {remote} has {len(found)} (latest "
        f"{found[-1][0]}): the release would be taken as the first one",
        hint=FIX_TAGS,
    )


def _remote_tags(git: Git, remote: str) -> list[str]:
    done = git.run(["ls-remote", "--tags", "--refs", remote], check=False, timeout=30)
    if not done.ok:
        return []  # unreachable: nothing to compare with
    return [
        line.partition("\t")[2].removeprefix("refs/tags/")
        for line in done.stdout.splitlines()
        if "\t" in line
    ]

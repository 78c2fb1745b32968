"""Which commits belong to which package of a workspace, since each
package's own last release.

One ``git log --topo-order --name-only`` walk over the union of the
packages' ranges reads every commit once, with the files it touched. Whether
a commit is already in a package's last release is one bit of a mask pushed
from each tagged commit to its parents in the same pass (children come
before parents in topological order), so the cost is linear in commits plus
packages, never commits × packages git calls.

A commit counts for a package when it touches a file under the package's
folder (a file belongs to the deepest package that holds it), when it
touches one of the workspace's shared paths, or when its Conventional scope
is mapped to the package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shipline.domain.ecosystems.workspaces import WorkspacePackage
from shipline.domain.gitops import Git
from shipline.domain.release.commits import Commit, parse_message

_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%ct%x1f%B%x1f"


@dataclass
class TouchedCommit:
    commit: Commit
    files: list[str] = field(default_factory=list)


def read_history(git: Git, since: Sequence[str | None], tip: str = "HEAD") -> list[TouchedCommit]:
    """Commits reachable from ``tip`` that are not in every one of ``since``
    (tags or commits; ``None`` for a package never released), newest first,
    children before parents, with the files each touched."""
    if git.head() is None:
        return []
    args = [
        "log",
        "-z",
        "--topo-order",
        "--name-only",
        f"--format={_FORMAT}",
        "--no-color",
        "--no-show-signature",
        "--no-renames",
        tip,
    ]
    if since and all(since):
        base = git.run(["merge-base", "--octopus", *sorted({s for s in since if s})], check=False)
        if base.ok and base.stdout.strip():
            args += ["--not", *base.stdout.split()]
    data = git.raw(args).decode("utf-8", errors="replace")
    out: list[TouchedCommit] = []
    for record in data.split("\x1e")[1:]:
        head, _, files = record.partition("\x1f\0")
        fields = head.split("\x1f", 5)
        if len(fields) != 6:
            continue
        sha, parents, author, email, when, message = fields
        commit = parse_message(sha, tuple(parents.split()), author, email, int(when or 0), message)
        out.append(TouchedCommit(commit, [f for f in files.lstrip("\n").split("\0") if f]))
    return out


def released_masks(history: list[TouchedCommit], tagged: Mapping[str, int]) -> dict[str, int]:
    """``{sha: mask}``: bit ``i`` is set when the commit is in (an ancestor
    of, or is) the commit of release ``i``. ``tagged`` maps a commit sha to
    the bits of the releases made at it."""
    masks: dict[str, int] = {}
    for item in history:  # children first: a commit's mask is final when it is reached
        sha = item.commit.sha
        mask = masks.get(sha, 0) | tagged.get(sha, 0)
        masks[sha] = mask
        if mask:
            for parent in item.commit.parents:
                masks[parent] = masks.get(parent, 0) | mask
    return masks


def owner_of(path: str, packages: Sequence[WorkspacePackage]) -> WorkspacePackage | None:
    """The deepest package whose folder holds ``path`` (a root package only
    holds what no other package does)."""
    owners = [p for p in packages if p.owns(path)]
    if not owners:
        return None
    return max(owners, key=lambda p: -1 if p.path == "." else len(p.path))


def commits_by_package(
    git: Git,
    packages: Sequence[WorkspacePackage],
    last_release: Mapping[str, str | None],
    *,
    shared_paths: Sequence[str] = (),
    scopes: Mapping[str, str] | None = None,
    tip: str = "HEAD",
) -> dict[str, list[Commit]]:
    """Each package's own commits since its own last release (the released
    commit's sha in ``last_release``; ``None``: since the beginning) up to
    ``tip`` (a review looks at a past release commit), newest first."""
    names = [p.name for p in packages]
    since = [last_release.get(name) for name in names]
    history = read_history(git, since, tip)
    bits: dict[str, int] = {}
    for index, name in enumerate(names):
        sha = last_release.get(name)
        if sha:
            bits[sha] = bits.get(sha, 0) | (1 << index)
    masks = released_masks(history, bits)
    shared = tuple(p.rstrip("/") for p in shared_paths)
    scopes = scopes or {}
    by_name: dict[str, list[Commit]] = {name: [] for name in names}
    index_of = {name: i for i, name in enumerate(names)}
    for item in history:
        mask = masks.get(item.commit.sha, 0)
        owners: set[str] = set()
        for path in item.files:
            if any(path == s or path.startswith(s + "/") for s in shared):
                owners.update(names)
                break
            owner = owner_of(path, packages)
            if owner is not None:
                owners.add(owner.name)
        scoped = scopes.get(item.commit.scope or "")
        if scoped in index_of:
            owners.add(scoped)
        for name in owners:
            if not mask >> index_of[name] & 1:
                by_name[name].append(item.commit)
    return by_name

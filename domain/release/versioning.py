"""Semantic versions: validation, release tags, bump inference, next version.

Rules (documented in the README):

* A version is semver 2.0 ``MAJOR.MINOR.PATCH[-pre][+build]``; a leading
  ``v`` is accepted and dropped, and a PEP 440 spelling (``1.0.0b1``, a
  tag ``v1.0.0b1``) reads as the same release (:mod:`.schemes`). Anything
  else is exit 53.
* Bump inference over the commits since the last *stable* release:
  a breaking change (``!`` or a ``BREAKING CHANGE:`` footer) → major;
  ``feat`` → minor; ``fix``, ``perf`` and reverts → patch; anything else
  (docs, chore, refactor, test, ci, style, build, non-conventional) → no
  release unless ``--bump`` or a version is given.
* 0.x (initial development, semver item 4): a breaking change bumps the
  minor, a feature bumps the minor, a fix the patch; 1.0.0 is only ever
  made on purpose (``--bump major`` or ``release ship 1.0.0``).
* Prereleases: ``--pre rc`` on top of 1.3.0 with a minor bump gives
  ``1.4.0-rc.1``; again gives ``1.4.0-rc.2``; a release without ``--pre``
  promotes the series to ``1.4.0`` (its changelog rolls the series up).
  A project whose tool numbers prereleases from 0 (commitizen:
  ``release.prereleaseStart`` 0) gets ``1.4.0-rc.0`` first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import semver

from shipline.domain.config import BumpRule
from shipline.domain.errors import InvalidVersion
from shipline.domain.gitops import Git
from shipline.domain.release import schemes
from shipline.domain.release.bump_rules import describe, level_for
from shipline.domain.release.commits import Commit, changes

Version = semver.Version
_PRE_LABEL = re.compile(r"^[0-9A-Za-z-]+$")


def parse_version(text: str) -> Version:
    """A semver version; a leading ``v`` is fine (exit 53 otherwise)."""
    version = schemes.parse_any(text.strip())
    if version is None:
        raise InvalidVersion(
            f"'{text}' is not a valid semantic version",
            hint="use MAJOR.MINOR.PATCH[-prerelease][+build], e.g. 1.4.0 or v1.4.0-rc.1",
        )
    return version


def try_parse(text: str) -> Version | None:
    """A SemVer or PEP 440 version (``1.0.0b1`` is ``1.0.0-beta.1``), else ``None``."""
    return schemes.parse_any(text) if text[:1] not in ("v", "V") else None


def tag_targets(git: Git, prefix: str) -> dict[str, tuple[str, int]]:
    """``{tag: (commit, creator time)}`` for every tag starting with ``prefix``
    (one ``for-each-ref``; annotated tags are peeled to their commit)."""
    if git.head() is None:
        return {}
    refs = git.out(
        "for-each-ref",
        "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(creatordate:unix)",
        f"refs/tags/{prefix}*" if prefix else "refs/tags/",
    )  # "*" stops at a "/"
    out: dict[str, tuple[str, int]] = {}
    for line in refs.splitlines():
        name, obj, peeled, when = line.split("\0")
        out[name] = (peeled or obj, int(when or 0))
    return out


def release_tags(git: Git, prefix: str) -> list[tuple[str, Version]]:
    """The newest release tag and the newest stable release tag reachable
    from HEAD (one or two entries, oldest version first). Candidates are
    tried newest version first, so the usual cost is one ancestry check,
    not a walk of the whole history per tag."""
    targets = tag_targets(git, prefix)
    found: list[tuple[str, Version]] = []
    have_stable = False
    for name, version in reversed(sort_tags(list(targets), prefix)):
        if found and (version.prerelease or have_stable):
            continue
        if git.run(["merge-base", "--is-ancestor", targets[name][0], "HEAD"], check=False).ok:
            found.append((name, version))
            have_stable = have_stable or not version.prerelease
            if have_stable:
                break
    return list(reversed(found))


def sort_tags(names: list[str], prefix: str) -> list[tuple[str, Version]]:
    """The release tags among ``names`` with their versions, oldest first. A
    plan asks this of the same tags several times (history check, plan
    truth, the bump): the parse is done once per tag list."""
    return list(_sorted_tags(tuple(names), prefix))


@lru_cache(maxsize=16)
def _sorted_tags(names: tuple[str, ...], prefix: str) -> tuple[tuple[str, Version], ...]:
    found: list[tuple[str, Version]] = []
    for name in names:
        if not name.startswith(prefix):
            continue
        version = try_parse(name[len(prefix) :])
        if version is not None:
            found.append((name, version))
    found.sort(key=lambda tv: tv[1])
    return tuple(found)


@dataclass
class BumpDecision:
    bump: str | None
    reasons: list[str] = field(default_factory=list)


def infer_bump(
    commits: list[Commit], base: Version, rules: Sequence[BumpRule] = ()
) -> BumpDecision:
    """The bump the commits ask for under the repository's ``rules`` and
    the built-in ones (:mod:`shipline.domain.release.bump_rules`), and
    why, in words a reviewer can check."""
    buckets: dict[str, list[tuple[Commit, int | None]]] = {"major": [], "minor": [], "patch": []}
    considered = changes(commits)
    for c in considered:
        level = level_for(c, rules)
        if level.bump in buckets:
            buckets[level.bump].append((c, level.rule))
    initial = base.major == 0
    for bump in ("major", "minor", "patch"):
        found = buckets[bump]
        if not found:
            continue
        what = _why(found, rules, bump)
        if bump == "major" and initial:
            return BumpDecision(
                "minor",
                [
                    f"{what} → minor: 0.x treats breaking changes as "
                    "minor (use --bump major for 1.0.0)"
                ],
            )
        return BumpDecision(bump, [f"{what} → {bump}"])
    if considered and not any(c.conventional for c in considered):
        return BumpDecision(None, [none_conventional(len(considered))])
    return BumpDecision(None, ["no feat, fix, perf or breaking commits since the last release"])


def none_conventional(count: int) -> str:
    """The answer for a history that never used Conventional Commits."""
    return f"{count} commit{'' if count == 1 else 's'}, none Conventional; pass --bump or a version"


_NOUN = {"major": "breaking change", "minor": "feature", "patch": "fix"}


def _why(found: list[tuple[Commit, int | None]], rules: Sequence[BumpRule], bump: str) -> str:
    """``2 features (e.g. abc1234 feat: x)`` or, when a rule decided,
    ``1 commit matching release.bumpRules[0] (type refactor) (e.g. ...)``."""
    first, rule = next(((c, r) for c, r in found if r is None), found[0])
    items = [c for c, _ in found]
    if rule is None:
        return f"{_count(items, _NOUN[bump])} (e.g. {first.short} {first.subject})"
    return (
        f"{_count(items, 'commit')} matching {describe(rules[rule], rule)} "
        f"(e.g. {first.short} {first.subject})"
    )


def _count(items: list[Commit], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else ('es' if noun.endswith('x') else 's')}"


@dataclass
class Target:
    version: Version | None
    reasons: list[str] = field(default_factory=list)


def next_version(
    *,
    last_stable: Version | None,
    last_tag: Version | None,
    bump: str | None,
    pre: str | None,
    explicit: str | None,
    first_release: bool,
    first_pre: int = 1,
) -> Target:
    """The version to release. ``last_stable`` is the last stable release (or
    the manifest's version for a first release), ``last_tag`` the newest
    release tag of any kind."""
    if pre is not None and not _PRE_LABEL.match(pre):
        raise InvalidVersion(
            f"--pre '{pre}' is not a valid prerelease label",
            hint="use letters, digits and hyphens, e.g. rc, beta, alpha",
        )
    newest = max((v for v in (last_stable, last_tag) if v is not None), default=None)
    if explicit is not None:
        version = parse_version(explicit)
        if newest is not None and not first_release and version <= newest:
            raise InvalidVersion(
                f"{version} is not greater than the last release {newest}",
                hint=f"choose a version above {newest}",
            )
        return Target(version, [f"version {version} given"])
    base = last_stable or Version(0, 0, 0)
    if bump is None:
        return Target(None)
    if bump == "prerelease":
        label = pre or (_label(last_tag) if last_tag and last_tag.prerelease else "rc")
        if last_tag is not None and last_tag.prerelease:
            return Target(
                _next_pre(last_tag.finalize_version(), last_tag, label, first_pre),
                [f"continues the {last_tag.finalize_version()} prerelease series"],
            )
        core = base.bump_patch()
        return Target(core.replace(prerelease=f"{label}.{first_pre}"), [f"first {label} of {core}"])
    core = {"major": base.bump_major, "minor": base.bump_minor, "patch": base.bump_patch}[bump]()
    reasons: list[str] = []
    series = last_tag if last_tag is not None and last_tag.prerelease else None
    if series is not None and series.finalize_version() > core:
        core = series.finalize_version()
        reasons.append(f"the open prerelease series {series} already targets {core}")
    if pre is None:
        if series is not None and series.finalize_version() == core:
            reasons.append(f"promotes {series} to {core}")
        return Target(core, reasons)
    return Target(_next_pre(core, series, pre, first_pre), reasons)


def _label(v: Version) -> str:
    return str(v.prerelease).split(".")[0]


def _next_pre(core: Version, series: Version | None, label: str, first: int) -> Version:
    """``core-label.N``: N one above the series' number when it is the same
    core and label, else ``first`` (1, or 0 where the project's tool says so)."""
    if series is not None and series.finalize_version() == core and _label(series) == label:
        parts = str(series.prerelease).split(".")
        number = int(parts[-1]) + 1 if parts[-1].isdigit() else first
        return core.replace(prerelease=f"{label}.{number}")
    return core.replace(prerelease=f"{label}.{first}")


def tag_name(git: Git, prefix: str, version: Version, scheme: str | None = None) -> str:
    """``prefix`` + the version in the release's scheme when it has one
    (``release.versionScheme``), else a prerelease spelled like the project's
    newest prerelease tag: a project that tagged ``v1.0.0b1`` gets
    ``v1.0.0b2`` and one that tagged ``v1.0.0-rc1`` gets ``v1.0.0-rc2``,
    not ``v1.0.0-beta.2`` or ``v1.0.0-rc.2``."""
    if scheme is not None:
        return f"{prefix}{schemes.spell(version, scheme)}"
    if version.prerelease:
        pres = [
            (name, v)
            for name, v in sort_tags(list(tag_targets(git, prefix)), prefix)
            if v.prerelease
        ]
        if pres:
            name, newest = pres[-1]
            found = schemes.scheme_of(name[len(prefix) :], newest)
            if found is not None and schemes.spells(version, found):
                return f"{prefix}{schemes.render(version, found)}"
    return f"{prefix}{version}"

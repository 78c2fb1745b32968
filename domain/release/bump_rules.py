"""A repository's own release rules: which commits bump what, and which
commits do not count at all.

``release.bumpRules`` are tried in order before the built-in rules
(breaking → major, ``feat`` → minor, ``fix``/``perf``/revert → patch,
anything else → no release). The first rule whose every criterion matches
a commit decides its level: ``refactor`` → patch in a commitizen project,
``deps`` → patch in a release-please one, ``Add ...`` → minor in a history
that never used Conventional Commits. A breaking change stays major unless
a rule says ``none`` (semantic-release's ``"release": false``).

``release.excludeCommits`` are regular expressions searched in subjects; a
commit that matches is left out of the bump and the changelog, as
python-semantic-release's ``exclude_commit_patterns`` and git-cliff's
``skip`` parsers do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from shipline.domain.config import BumpRule
from shipline.domain.release.commits import Commit

BUILT_IN = {"feat": "minor", "fix": "patch", "perf": "patch", "revert": "patch"}
"""Conventional type → level when no rule matches."""

ORDER = {"none": 0, "patch": 1, "minor": 2, "major": 3}


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True)
class Level:
    """A commit's bump and the rule that decided it (``None``: built in)."""

    bump: str
    rule: int | None = None


def matches(rule: BumpRule, commit: Commit) -> bool:
    if rule.type is not None and commit.type != rule.type.lower():
        return False
    if rule.scope is not None and commit.scope != rule.scope:
        return False
    return rule.pattern is None or _regex(rule.pattern).search(commit.subject) is not None


def level_for(commit: Commit, rules: Sequence[BumpRule]) -> Level:
    """The level ``commit`` asks for under ``rules`` then the built-in rules."""
    for index, rule in enumerate(rules):
        if matches(rule, commit):
            if commit.breaking and rule.bump != "none":
                return Level("major", index)
            return Level(rule.bump, index)
    if commit.breaking:
        return Level("major")
    return Level(BUILT_IN.get(commit.type or "", "none"))


def excluded(commit: Commit, patterns: Sequence[str]) -> bool:
    return any(_regex(p).search(commit.subject) for p in patterns)


def without_excluded(commits: list[Commit], patterns: Sequence[str]) -> list[Commit]:
    """``commits`` minus those an exclusion pattern matches."""
    if not patterns:
        return commits
    return [c for c in commits if not excluded(c, patterns)]


def describe(rule: BumpRule, index: int) -> str:
    """``release.bumpRules[0] (type refactor)``, for the plan's reasons."""
    what = ", ".join(
        f"{k} {v}"
        for k, v in (("type", rule.type), ("scope", rule.scope), ("pattern", rule.pattern))
        if v is not None
    )
    return f"release.bumpRules[{index}] ({what})"

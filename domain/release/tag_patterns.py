"""Per-package release tags in a workspace: ``@scope/cli@3.0.1``,
``cli-v3.0.1``, ``cli/v3.0.1``.

A pattern holds ``{name}`` (the package's full name, ``@scope/cli``) or
``{short}`` (without the npm scope, ``cli``) and ``{version}``. The pattern a
repository already uses is read from its tags (the one that matches most
tags of its packages); a repository without package tags gets the
ecosystem's convention (``{name}@{version}`` for npm, as changesets and
lerna tag; ``{short}-v{version}`` otherwise, as release-please and
cargo-release tag).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shipline.domain.config import check_tag_pattern
from shipline.domain.release.versioning import Version, try_parse

__all__ = ["check_tag_pattern"]

CANDIDATES = ("{name}@{version}", "{name}@v{version}", "{short}-v{version}", "{short}/v{version}",
              "{name}-v{version}", "{name}/v{version}", "{short}@{version}",
              "{short}-{version}")
"""Patterns recognised in existing tags, most specific first."""



def short_name(name: str) -> str:
    """``@scope/cli`` → ``cli``; other names unchanged."""
    return name.rsplit("/", 1)[-1] if name.startswith("@") else name


def render(pattern: str, name: str, version: str) -> str:
    return (pattern.replace("{name}", name).replace("{short}", short_name(name))
            .replace("{version}", version))


def _regex(pattern: str, name: str) -> re.Pattern[str]:
    head, _, tail = pattern.partition("{version}")
    return re.compile(re.escape(render(head, name, "")) + r"(?P<version>.+)" +
                      re.escape(render(tail, name, "")) + "$")


def package_versions(pattern: str, name: str, tags: Iterable[str]) -> list[tuple[str, Version]]:
    """The release tags of package ``name`` among ``tags``, oldest version first."""
    regex = _regex(pattern, name)
    found = []
    for tag in tags:
        match = regex.match(tag)
        if match:
            version = try_parse(match.group("version"))
            if version is not None:
                found.append((tag, version))
    found.sort(key=lambda item: item[1])
    return found


def detect_pattern(names: Iterable[str], tags: Iterable[str]) -> str | None:
    """The candidate pattern that matches the most tags of these packages."""
    names = list(names)
    tags = list(tags)
    best, best_count = None, 0
    for pattern in CANDIDATES:
        count = sum(len(package_versions(pattern, name, tags)) for name in names)
        if count > best_count:
            best, best_count = pattern, count
    return best


def default_pattern(ecosystem: str) -> str:
    return "{name}@{version}" if ecosystem == "npm" else "{short}-v{version}"

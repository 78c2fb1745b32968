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

from collections.abc import Iterable

from shipline.domain.config_workspace import check_tag_pattern
from shipline.domain.release.versioning import Version, try_parse

__all__ = ["check_tag_pattern"]

CANDIDATES = (
    "{name}@{version}",
    "{name}@v{version}",
    "{short}-v{version}",
    "{short}/v{version}",
    "{name}-v{version}",
    "{name}/v{version}",
    "{short}@{version}",
    "{short}-{version}",
)
"""Patterns recognised in existing tags, most specific first."""


def short_name(name: str) -> str:
    """``@scope/cli`` → ``cli``; other names unchanged."""
    return name.rsplit("/", 1)[-1] if name.startswith("@") else name


def render(pattern: str, name: str, version: str) -> str:
    return (
        pattern.replace("{name}", name)
        .replace("{short}", short_name(name))
        .replace("{version}", version)
    )


def index_tags(
    pattern: str, names: Iterable[str], tags: Iterable[str]
) -> dict[str, list[tuple[str, Version]]]:
    """``{package: [(tag, version), …]}``, oldest version first, for the tags
    that ``pattern`` gives these packages. Each tag is looked up by its
    prefixes in one table of the packages' tag heads, so the cost is tags
    plus packages, not their product."""
    head, _, tail = pattern.partition("{version}")
    heads = {render(head, name, ""): name for name in names}
    suffix = render(tail, "", "")
    found: dict[str, list[tuple[str, Version]]] = {}
    shortest = min((len(h) for h in heads), default=0)
    for tag in tags:
        if suffix and not tag.endswith(suffix):
            continue
        core = tag[: len(tag) - len(suffix)] if suffix else tag
        for cut in range(shortest, len(core)):
            name = heads.get(core[:cut])
            if name is None:
                continue
            version = try_parse(core[cut:])
            if version is not None:
                found.setdefault(name, []).append((tag, version))
    for versions in found.values():
        versions.sort(key=lambda item: item[1])
    return found


def package_versions(pattern: str, name: str, tags: Iterable[str]) -> list[tuple[str, Version]]:
    """The release tags of package ``name`` among ``tags``, oldest version first."""
    return index_tags(pattern, [name], tags).get(name, [])


def detect_pattern(names: Iterable[str], tags: Iterable[str]) -> str | None:
    """The candidate pattern that matches the most tags of these packages."""
    names = list(names)
    tags = list(tags)
    best, best_count = None, 0
    for pattern in CANDIDATES:
        count = sum(len(v) for v in index_tags(pattern, names, tags).values())
        if count > best_count:
            best, best_count = pattern, count
    return best


def default_pattern(ecosystem: str) -> str:
    return "{name}@{version}" if ecosystem == "npm" else "{short}-v{version}"

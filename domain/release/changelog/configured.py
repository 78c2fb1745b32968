"""Sections a project configured (``release.changelog.sections``, imported
from git-cliff's ``commit_parsers`` groups or release-please's
``changelog-sections``) laid over the style learned from the file.

The configuration says which titles hold which commit types and in which
order; the file still gives everything else (headings, bullets, blank
lines). Breaking changes stay first, under the file's title for them,
unless a section lists them (RLSE-005); commits of a type no section
lists keep their usual title, or are left out (``unlistedTypes: omit``,
as release-please and git-cliff's ``filter_commits`` do).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from shipline.domain.config import ChangelogConfig, ChangelogSection
from shipline.domain.errors import ConfigInvalid
from shipline.domain.release.changelog import groups
from shipline.domain.release.changelog.style import Style


def check(sections: Sequence[ChangelogSection]) -> None:
    """Every listed type is one the changelog sorts commits by (90 otherwise)."""
    for index, section in enumerate(sections):
        unknown = [t for t in section.types if t not in groups.DEFAULT_TITLES]
        if unknown:
            raise ConfigInvalid(
                f"release.changelog.sections[{index}] ({section.title!r}): "
                f"unknown commit type {unknown[0]!r}",
                hint="list Conventional Commit types: "
                + ", ".join(groups.DEFAULT_TITLES)
                + " ('other' is every commit of no known type)",
            )


def with_sections(style: Style, settings: ChangelogConfig | None) -> Style:
    """``style`` whose section titles and order are the configured ones;
    commits of other types kept under their usual titles, or omitted."""
    if settings is None or not settings.sections:
        return style
    sections, unlisted = settings.sections, settings.unlisted_types
    check(sections)
    titles = dict(style.titles) if unlisted == "keep" else {}
    titles.setdefault(groups.BREAKING, style.title_for(groups.BREAKING) or groups.BREAKING_TITLE)
    order: list[str] = []
    for section in sections:
        for kind in section.types:
            titles[kind] = section.title
            order.append(kind)
    if groups.BREAKING not in order:
        order.insert(0, groups.BREAKING)
    order.extend(k for k in style.order if k not in order)
    return replace(
        style, titles=titles, order=tuple(order), flat=False, listed_only=unlisted == "omit"
    )

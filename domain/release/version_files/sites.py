"""Where a version sits in a file: a *site* is the span of one version
string plus the scheme it is spelled in. Every file kind only finds sites;
reading is slicing, writing is replacing the spans, so the bytes around
them stay exactly as they were."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import semver

from shipline.domain.errors import VersionBumpFailed
from shipline.domain.release import schemes

ANY_VERSION = re.compile(
    r"(?<![0-9.])\d+\.\d+\.\d+"
    r"(?:(?:a|b|rc)\d+)?(?:\.dev\d+)?"
    r"(?:-[0-9A-Za-z]+(?:\.[A-Za-z]*\d[0-9A-Za-z]*)*)?(?:\+[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?"
    r"(?![0-9])"
)
"""Anything that looks like a version, in either scheme (markers, shapes).
After a prerelease label, only dotted parts with a digit belong to it
(``1.0.0-rc.1``, not the ``.tar`` of ``1.0.0-rc.1.tar.gz``)."""


@dataclass(frozen=True)
class Site:
    start: int
    end: int
    scheme: str
    what: str = ""
    """What holds it, for messages (``[project] version``, ``uv.lock demo``)."""


@dataclass
class Located:
    """A file's text and the sites found in it."""

    path: str
    text: str
    sites: list[Site] = field(default_factory=list)

    def version_at(self, site: Site) -> str:
        return self.text[site.start : site.end]

    @property
    def versions(self) -> list[str]:
        return [self.version_at(s) for s in self.sites]


def names(text: str, version: semver.Version) -> bool:
    """Whether ``text`` is ``version`` in some spelling (``1.0.0b1``, ``1.0.0-beta.1``)."""
    parsed = schemes.parse_any(text)
    return parsed is not None and schemes.canonical(parsed) == schemes.canonical(version)


def spelled(version: semver.Version) -> set[str]:
    """Every spelling of ``version`` a file may hold (SemVer and PEP 440)."""
    pep = schemes.semver_to_pep440(version)
    return {str(version)} | ({pep} if pep else set())


def occurrences(
    text: str, version: semver.Version, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Spans of ``version`` (in any spelling) as a whole version: not the
    ``1.2.3`` inside ``11.2.3``, ``1.2.30`` or ``1.2.3-rc.1``."""
    alternatives = "|".join(re.escape(s) for s in sorted(spelled(version), key=len, reverse=True))
    pattern = re.compile(
        rf"(?<![0-9.])(?:{alternatives})(?![0-9]|\.[0-9]|\.dev|\.post|[-.]?(?:a|b|c|rc|alpha|beta|dev|"
        rf"pre|post)\.?[0-9]|\+[0-9A-Za-z])"
    )
    return [m.span() for m in pattern.finditer(text, start, len(text) if end is None else end)]


def shape(line: str) -> str:
    """A line with its versions blanked: two lines that differ only by the
    version have the same shape."""
    return ANY_VERSION.sub("\0", line.strip())


def current_of(located: list[Located]) -> semver.Version | None:
    """The one release every site names; 55 naming each file when they differ."""
    found: semver.Version | None = None
    for loc in located:
        for site in loc.sites:
            text = loc.version_at(site)
            version = schemes.parse_any(text)
            if version is None:
                raise VersionBumpFailed(
                    f"{loc.path}: {text!r} ({site.what or 'version'}) is not a version",
                    hint="write a SemVer or PEP 440 version there",
                )
            if found is None:
                found = version
            elif schemes.canonical(version) != schemes.canonical(found):
                _disagree(located)
    return found


def _disagree(located: list[Located]) -> None:
    inside = [
        loc
        for loc in located
        if len(
            {
                schemes.canonical(v)
                for v in (schemes.parse_any(x) for x in loc.versions)
                if v is not None
            }
        )
        > 1
    ]
    if inside:
        loc = inside[0]
        listing = ", ".join(f"{s.what or 'version'} {loc.version_at(s)}" for s in loc.sites)
        raise VersionBumpFailed(
            f"{loc.path}: holds different versions: {listing}", hint="make them agree, then release"
        )
    listing = ", ".join(f"{loc.path} has {loc.versions[0]}" for loc in located if loc.sites)
    raise VersionBumpFailed(
        f"versionBump files disagree: {listing}",
        hint="make every file carry the last released version, commit, then release",
    )


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1

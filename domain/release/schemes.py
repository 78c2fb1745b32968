"""Version schemes: one release, written the way each file expects it.

shipline reasons in SemVer (``4.17.0-rc.1``). Python packaging wants PEP 440
(``4.17.0rc1``): pyproject.toml, ``__version__``, uv.lock and requirements
files get the PEP 440 spelling of the same release, everything else (tags,
package.json, Cargo.toml) the SemVer one. Tags and files written in PEP 440
(``v1.0.0b1``) are read back as the same release, so a project that tagged
its betas the Python way keeps its history.

The mapping is the obvious one and round-trips: ``alpha.N``/``a.N`` ↔
``aN``, ``beta.N``/``b.N`` ↔ ``bN``, ``rc.N`` ↔ ``rcN``, ``dev.N`` ↔
``.devN`` (also after a pre-release: ``rc.1.dev.2`` ↔ ``rc1.dev2``).
A SemVer prerelease with another label (``pre.1``) has no PEP 440 spelling:
writing it into a Python file is exit 53 with the labels that work.

commitizen's ``semver`` scheme joins label and number (``1.5.0-rc0``,
``1.5.0-a0``, ``1.5.0-rc1-dev2``): shipline calls it ``semver-compact``
and reads such versions as the same release (``rc0`` is ``rc.0``), so a
project's ``rc10`` sorts after its ``rc9``. A release-wide scheme
(``release.versionScheme``, imported from commitizen's ``version_scheme``)
spells the tag, the commit message and every file one way, as that tool does.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import semver

from shipline.domain.errors import InvalidVersion

SEMVER = "semver"
PEP440 = "pep440"
SEMVER_COMPACT = "semver-compact"
SCHEMES = (SEMVER, PEP440)
"""The schemes a single file may be written in (``versionBump[].scheme``)."""
RELEASE_SCHEMES = (PEP440, SEMVER, SEMVER_COMPACT)
"""The schemes a whole release may be spelled in (``release.versionScheme``)."""

_COMPACT = re.compile(
    r"^(?:(?P<pre>alpha|beta|rc|a|b|c)(?P<pre_n>\d+))?"
    r"(?:-?dev(?P<dev_n>\d+))?$"
)
_TO_COMPACT_LABEL = {"alpha": "a", "a": "a", "beta": "b", "b": "b", "rc": "rc", "c": "rc"}

_PEP440 = re.compile(
    r"^(?P<core>\d+\.\d+\.\d+)"
    r"(?:[-_.]?(?P<pre>alpha|beta|preview|pre|rc|a|b|c)[-_.]?(?P<pre_n>\d+)?)?"
    r"(?P<dev>[-_.]?dev[-_.]?(?P<dev_n>\d+)?)?"
    r"(?:\+(?P<local>[0-9A-Za-z.]+))?$",
    re.IGNORECASE,
)
_TO_SEMVER_LABEL = {
    "a": "alpha",
    "alpha": "alpha",
    "b": "beta",
    "beta": "beta",
    "rc": "rc",
    "c": "rc",
    "pre": "rc",
    "preview": "rc",
}
_TO_PEP_LABEL = {"alpha": "a", "a": "a", "beta": "b", "b": "b", "rc": "rc", "c": "rc"}
_PYTHON_NAMES = re.compile(
    r"^(pyproject\.toml|uv\.lock|setup\.cfg|setup\.py|PKG-INFO|"
    r"requirements.*\.(txt|in)|constraints.*\.txt|.*\.pyi?)$"
)


def pep440_to_semver(text: str) -> semver.Version | None:
    """The SemVer release a PEP 440 string names (``1.0.0b1`` → ``1.0.0-beta.1``),
    or ``None`` when ``text`` is not a three-part PEP 440 version."""
    match = _PEP440.match(text)
    if match is None:
        return None
    pre = _dotted(match["pre"], match["pre_n"], (match["dev_n"] or "0") if match["dev"] else None)
    try:
        return semver.Version.parse(
            match["core"]
            + (f"-{pre}" if pre else "")
            + (f"+{match['local']}" if match["local"] else "")
        )
    except ValueError:
        return None


def semver_to_pep440(version: semver.Version) -> str | None:
    """The PEP 440 spelling of a SemVer release, or ``None`` when it has none."""
    return _spelled(version, _TO_PEP_LABEL, "", ".")


def _spelled(
    version: semver.Version, labels: dict[str, str], lead: str, dev_sep: str
) -> str | None:
    """``version`` with its prerelease as ``label N`` and ``dev N`` pieces
    (``rc1.dev2``, ``-rc1-dev2``), or ``None`` for a label ``labels`` lacks
    or another shape of prerelease."""
    core = f"{version.major}.{version.minor}.{version.patch}"
    local = f"+{version.build}" if version.build else ""
    if not version.prerelease:
        return core + local
    parts = str(version.prerelease).split(".")
    pieces: list[str] = []
    if parts[0] != "dev":
        label = labels.get(parts[0])
        if label is None:
            return None
        numbered = len(parts) > 1 and parts[1].isdigit()
        pieces.append(f"{lead}{label}{int(parts[1]) if numbered else 0}")
        parts = parts[2:] if numbered else parts[1:]
    if parts:
        if parts[0] != "dev" or len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
            return None
        pieces.append(f"{dev_sep}dev{int(parts[1]) if len(parts) == 2 else 0}")
    return core + "".join(pieces) + local


def parse_any(text: str) -> semver.Version | None:
    """A SemVer or PEP 440 version string (a leading ``v`` is fine) as SemVer;
    a compact prerelease (``-rc0``, ``-rc1-dev2``) as its dotted release."""
    bare = text[1:] if text[:1] in ("v", "V") else text
    try:
        version = semver.Version.parse(bare)
    except (ValueError, TypeError):
        return pep440_to_semver(bare)
    return _from_compact(version) if version.prerelease else version


def _from_compact(version: semver.Version) -> semver.Version:
    match = _COMPACT.match(str(version.prerelease))
    if match is None or not (match["pre"] or match["dev_n"]):
        return version
    return version.replace(prerelease=_dotted(match["pre"], match["pre_n"], match["dev_n"]))


def _dotted(pre: str | None, pre_n: str | None, dev_n: str | None) -> str:
    """SemVer's dotted prerelease (``rc.1.dev.2``) of a label, its number and
    a dev number, whichever spelling they were read from."""
    parts: list[str] = []
    if pre:
        parts += [_TO_SEMVER_LABEL[pre.lower()], str(int(pre_n or 0))]
    if dev_n is not None:
        parts += ["dev", str(int(dev_n))]
    return ".".join(parts)


def _to_compact(version: semver.Version) -> str | None:
    """commitizen's ``semver`` spelling: ``1.5.0-rc0``, ``1.5.0-rc1-dev2``."""
    return _spelled(version, _TO_COMPACT_LABEL, "-", "-")


_PIP_PIN = re.compile(r"(?:===?|~=|>=|<=|!=)\s*\{version\}")


def scheme_for(path: str, pattern: str | None = None) -> str:
    """The scheme a file's version is written in: by the file's name, or a
    pip requirement in the pattern (``myproj=={version}`` in a README)."""
    if pattern and _PIP_PIN.search(pattern):
        return PEP440
    where = PurePosixPath(path)
    python = _PYTHON_NAMES.match(where.name) or (
        where.suffix in (".txt", ".in") and any(p.startswith("requirements") for p in where.parts)
    )
    return PEP440 if python else SEMVER


def render(version: semver.Version, scheme: str, where: str = "") -> str:
    """``version`` spelled in ``scheme``; exit 53 when the scheme cannot say it."""
    if scheme in (PEP440, SEMVER_COMPACT):
        spelled = _spelled_in(version, scheme)
        if spelled is None:
            name = "PEP 440" if scheme == PEP440 else "semver-compact"
            raise InvalidVersion(
                f"{version} has no {name} spelling" + (f" (needed by {where})" if where else ""),
                hint="use a prerelease label the scheme knows: --pre rc, beta, alpha or dev",
            )
        return spelled
    return str(version)


def _spelled_in(version: semver.Version, scheme: str) -> str | None:
    if scheme == PEP440:
        return semver_to_pep440(version)
    return _to_compact(version) if scheme == SEMVER_COMPACT else str(version)


def spells(version: semver.Version, scheme: str) -> bool:
    """Whether ``scheme`` has a spelling for ``version``."""
    return _spelled_in(version, scheme) is not None


def scheme_of(text: str, version: semver.Version) -> str | None:
    """The release scheme that spells ``version`` exactly as ``text``
    (``1.0.0b1``: pep440; ``1.0.0-rc1``: semver-compact), if any."""
    return next((s for s in RELEASE_SCHEMES if _spelled_in(version, s) == text), None)


def spell(version: semver.Version, scheme: str | None) -> str:
    """The release's own spelling: ``release.versionScheme``'s, else SemVer's."""
    return str(version) if scheme is None else render(version, scheme, "release.versionScheme")


def same_release(a: str, b: str) -> bool:
    """Whether two spellings name one release (``1.0.0b1`` and ``1.0.0-beta.1``)."""
    if a == b:
        return True
    va, vb = parse_any(a), parse_any(b)
    return va is not None and vb is not None and canonical(va) == canonical(vb)


def canonical(version: semver.Version) -> str:
    """One spelling per release, so ``a.1`` and ``alpha.1`` compare equal."""
    return semver_to_pep440(version) or str(version)

"""Version files: every file that carries the version, rewritten in place
touching nothing else (comments, quoting, indentation, key order, line ends).

Each kind of file only finds *sites* (:mod:`.sites`): reading is slicing,
writing is replacing those spans with the release spelled in the site's
scheme (PEP 440 in Python files, SemVer elsewhere: :mod:`..schemes`). So a
plan shows exactly which lines change and the bytes around them stay.

Kinds, by file name: ``pyproject.toml`` ([project] or [tool.poetry]),
``Cargo.toml`` ([package] or [workspace.package], and requirements on
sibling crates), ``package.json`` (and pins on sibling packages),
``package-lock.json``, ``uv.lock`` and ``Cargo.lock`` (the project's own
entries), ``*.py`` (``__version__`` / ``VERSION``), any file with version
markers, any other file holding just a version, or a ``pattern``.

Beside what is configured, the files that belong with it are bumped too
(:func:`expand`): the lock file next to a manifest, the crates of a Cargo
workspace and the members of a uv workspace, each only when it carries the
release being bumped. Versions are read in two passes: the manifests say
which release is current, then lock entries and pins *at that release* are
found. Every failure is exit 55 naming the file and what to do.

The last release commit is evidence of the rest (:mod:`.evidence`):
:func:`evidence_entries` turns what it bumped into entries (``init``
proposes them; with no config they are bumped), and
:func:`refuse_left_behind` is the consistency gate's look for the old
version on the lines that release bumped.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

import semver

from shipline.domain.config import VersionFile
from shipline.domain.errors import VersionBumpFailed
from shipline.domain.jsonio import write_atomic
from shipline.domain.release import schemes
from shipline.domain.release.version_files import entries as kinds
from shipline.domain.release.version_files import json_kinds
from shipline.domain.release.version_files.entries import expand
from shipline.domain.release.version_files.evidence import Evidence, left_behind, pattern_for
from shipline.domain.release.version_files.sites import Located, Site, current_of, names


@dataclass
class LineChange:
    line: int
    before: str
    after: str


@dataclass
class FileBump:
    path: str
    old_version: str
    new_text: str
    changes: list[LineChange] = field(default_factory=list)
    why: str | None = None
    """Why a file that is not configured is bumped (``beside pyproject.toml``)."""


@dataclass
class _Resolved:
    current: semver.Version | None
    files: list[Located]
    primary: dict[str, list[Site]]
    why: dict[str, str] = field(default_factory=dict)


def _resolve(
    root: Path,
    files: list[VersionFile],
    current: semver.Version | None = None,
    *,
    expand: bool = True,
) -> _Resolved:
    """Every file's sites. ``current`` (the release the files should carry)
    is read from the configured files unless given; ``expand`` adds what
    belongs with them (:func:`~.entries.entries`)."""
    listed = kinds.entries(root, files) if expand else [kinds.Entry(vf) for vf in files]
    if not listed:
        return _Resolved(current, [], {})
    texts = {e.vf.path: kinds.read_text(root, e) for e in listed}
    primary: dict[str, list[Site]] = {}
    configured: list[Located] = []
    missing: list[tuple[str, str]] = []
    for entry in listed:
        sites, looked = kinds.primary(entry, texts[entry.vf.path])
        if not sites and not entry.auto and entry.name not in kinds.LOCKS:
            missing.append((entry.vf.path, looked))
        if not entry.auto:
            primary.setdefault(entry.vf.path, []).extend(sites)
            configured.append(Located(entry.vf.path, texts[entry.vf.path], sites))
    kinds.refuse_missing(missing, any(loc.sites for loc in configured))
    if current is None:
        current = current_of(_merged(configured))
    else:
        wrong = [
            f"{loc.path} has {loc.version_at(s)}"
            for loc in configured
            for s in loc.sites
            if not names(loc.version_at(s), current)
        ]
        if wrong:
            raise VersionBumpFailed(
                f"expected {current}; {', '.join(dict.fromkeys(wrong))}",
                hint="fix the files by hand or `shipline release abort`",
            )
    if current is None:
        locks = ", ".join(e.vf.path for e in listed if not e.auto)
        raise VersionBumpFailed(
            f"{locks}: a lock file alone does not say which release is current",
            hint="list the project's manifest in release.versionBump too",
        )
    kept: list[kinds.Entry] = []
    for entry in listed:
        if entry.auto:
            sites, _ = kinds.primary(entry, texts[entry.vf.path])
            if any(not names(texts[entry.vf.path][s.start : s.end], current) for s in sites):
                continue  # a member with its own version: not released with this one
            primary.setdefault(entry.vf.path, []).extend(sites)
        kept.append(entry)
    siblings = {
        name
        for e in kept
        if e.name == "package.json" and primary.get(e.vf.path)
        for name in [json_kinds.package_name(texts[e.vf.path])]
        if name
    }
    located = [Located(e.vf.path, texts[e.vf.path], list(primary.get(e.vf.path, []))) for e in kept]
    for entry, loc in zip(kept, located, strict=True):
        loc.sites.extend(kinds.context(entry, texts[entry.vf.path], current, siblings))
    return _Resolved(
        current,
        [f for f in _merged(located) if f.sites],
        primary,
        {e.vf.path: e.why for e in kept if e.auto and e.why},
    )


def _merged(located: list[Located]) -> list[Located]:
    """One :class:`Located` per path, its sites in file order, each once."""
    by_path: dict[str, Located] = {}
    for loc in located:
        into = by_path.setdefault(loc.path, Located(loc.path, loc.text, []))
        into.sites.extend(
            s for s in loc.sites if (s.start, s.end) not in {(x.start, x.end) for x in into.sites}
        )
    for loc in by_path.values():
        loc.sites.sort(key=lambda s: s.start)
    return list(by_path.values())


# --- public API ----------------------------------------------------------------


def read_versions(root: Path, files: list[VersionFile]) -> dict[str, str]:
    """``{path: version}`` for every file (each spelled as the file spells it);
    55 when the files, or the sites inside one file, disagree."""
    resolved = _resolve(root, files)
    out = {}
    for loc in resolved.files:
        first = (resolved.primary.get(loc.path) or loc.sites)[0]
        out[loc.path] = loc.version_at(first)
    return out


def version_in(text: str, vf: VersionFile) -> str | None:
    """The version ``vf`` carries in ``text`` (the file's content at some
    commit), read exactly as :func:`read_versions` reads it from the working
    tree; ``None`` when the file holds none where the writer looks."""
    try:
        sites, _ = kinds.primary(kinds.Entry(vf), text)
    except VersionBumpFailed:
        return None
    return Located(vf.path, text, sites).version_at(sites[0]) if sites else None


def plan_bumps(
    root: Path,
    files: list[VersionFile],
    version: str,
    scheme: str | None = None,
    *,
    expand: bool = True,
) -> list[FileBump]:
    """Each file's new text and the lines that change; nothing is written.
    ``scheme`` (``release.versionScheme``) spells the version the same way in
    every file, as the project's tool does; else each file has its own.
    ``expand=False`` bumps the given files alone: a release train, where a
    workspace's members and lock are each a package's own
    (:mod:`shipline.domain.workspace.member_locks`)."""
    target = schemes.parse_any(version)
    if target is None:
        raise VersionBumpFailed(
            f"{version}: not a version",
            hint="give a SemVer version such as 1.4.0 (or a PEP 440 one for Python files)",
        )
    resolved = _resolve(root, files, expand=expand)
    bumps: list[FileBump] = []
    for loc in resolved.files:
        new_text = loc.text
        for site in sorted(loc.sites, key=lambda s: s.start, reverse=True):
            old = loc.version_at(site)
            spelling = scheme or _kept_compact(old, target) or site.scheme
            new = ("v" if old[:1] == "v" else "") + schemes.render(target, spelling, loc.path)
            new_text = new_text[: site.start] + new + new_text[site.end :]
        first = (resolved.primary.get(loc.path) or loc.sites)[0]
        bumps.append(
            FileBump(
                loc.path,
                loc.version_at(first),
                new_text,
                line_changes(loc.text, new_text),
                resolved.why.get(loc.path),
            )
        )
    return bumps


def _kept_compact(old: str, target: semver.Version) -> str | None:
    """``semver-compact`` for a file that spells its prerelease that way
    (``3.0.0-rc1``): the next one is written alike (``3.0.0-rc2``) when
    that spelling can say it."""
    bare = old[1:] if old[:1] == "v" else old
    parsed = schemes.parse_any(bare)
    if parsed is None or not parsed.prerelease or str(parsed) == bare:
        return None
    if schemes.scheme_of(bare, parsed) != schemes.SEMVER_COMPACT:
        return None
    return schemes.SEMVER_COMPACT if schemes.spells(target, schemes.SEMVER_COMPACT) else None


def line_changes(old: str, new: str) -> list[LineChange]:
    """The lines a same-length rewrite changed (numbered from 1)."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    return [
        LineChange(i + 1, a, b)
        for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True))
        if a != b
    ]


def apply_bumps(root: Path, bumps: list[FileBump]) -> None:
    """Write every new text atomically, keeping each file's mode; if one
    write fails, the files already written are put back (nothing half-done)."""
    done: list[tuple[Path, bytes, int]] = []
    for bump in bumps:
        path = root / bump.path
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            original = path.read_bytes()
            write_atomic(path, bump.new_text, mode=mode)
            done.append((path, original, mode))
        except OSError as exc:
            for written, before, before_mode in reversed(done):
                write_atomic(written, before, mode=before_mode)
            raise VersionBumpFailed(
                f"{bump.path}: cannot write: {exc.strerror}", hint="check the file's permissions"
            ) from None


def check_consistent(root: Path, files: list[VersionFile], version: str) -> None:
    """Re-read every file: each must now say ``version`` (55 otherwise)."""
    target = schemes.parse_any(version)
    if target is None:
        raise VersionBumpFailed(
            f"{version}: not a version",
            hint="give a SemVer version such as 1.4.0 (or a PEP 440 one for Python files)",
        )
    try:
        _resolve(root, files, target)
    except VersionBumpFailed as exc:
        raise VersionBumpFailed(
            f"version inconsistent after the bump: {exc.message}",
            hint=exc.hint
            or "make every release.versionBump file carry "
            "the same version, then `shipline release resume`",
        ) from None


def evidence_entries(
    root: Path, evidence: list[Evidence], version: semver.Version, files: list[VersionFile]
) -> list[VersionFile]:
    """``versionBump`` entries for what the last release bumped beyond
    ``files`` (and what comes with them). A file a built-in kind reads at
    ``version`` is listed as it is; any other gets one pattern per line shape
    (``myproj=={version}``)."""
    known = set(expand(root, files))
    known_paths = {vf.path for vf in known}
    out: list[VersionFile] = []
    for ev in evidence:
        if ev.path in known_paths or not _readable(root / ev.path):
            continue
        try:
            found = read_versions(root, [VersionFile(path=ev.path)])
        except VersionBumpFailed:
            found = {}
        if found and all(names(v, version) for v in found.values()):
            out.append(VersionFile(path=ev.path))
            continue
        patterns = dict.fromkeys(p for line in ev.lines if (p := pattern_for(line, version)))
        out.extend(VersionFile(path=ev.path, pattern=p) for p in patterns)
    return out


def refuse_left_behind(
    root: Path, evidence: list[Evidence], old: semver.Version, texts: dict[str, str] | None = None
) -> None:
    """55 naming every line that the last release bumped and this one would
    leave at ``old`` (``texts``: the files as the release will write them)."""
    lines = left_behind(root, evidence, old, texts)
    if lines:
        shown = ", ".join(lines[:6]) + (f" and {len(lines) - 6} more" if len(lines) > 6 else "")
        raise VersionBumpFailed(
            f"{old} would be left behind in {shown}: the last release bumped "
            f"{'that line' if len(lines) == 1 else 'those lines'}",
            hint="add the file to release.versionBump (`shipline init --force` proposes it), "
            "or edit the line if it should not follow the version",
        )


def _readable(path: Path) -> bool:
    """A UTF-8 text file (evidence in anything else is not followed)."""
    try:
        path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return True

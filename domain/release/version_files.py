"""Version files: find the version in each ``versionBump`` file and rewrite
it in place, touching nothing else (comments, quoting, indentation, key order).

Every kind of file is handled the same way: a *locator* returns the spans of
the version string(s) in the text; reading is slicing, writing is replacing
those spans. So a plan shows exactly which lines change, and the bytes
around them stay as they were.

Kinds, by file name: ``pyproject.toml`` ([project] or [tool.poetry]),
``Cargo.toml`` ([package] or [workspace.package]; workspace members that
carry their own version are bumped too), ``package.json`` (plus the root
entries of a sibling ``package-lock.json``), ``*.py`` (``__version__``), any
other file holding just a version (``VERSION``), or a config ``pattern``
with ``{version}``. Every failure is exit 55 naming the file.
"""

from __future__ import annotations

import glob
import json
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from shipline.domain.config import VersionFile
from shipline.domain.errors import VersionBumpFailed
from shipline.domain.jsonio import write_atomic

Span = tuple[int, int]
_VERSION_CHARS = r"[0-9A-Za-z.+-]+"


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


@dataclass
class _Found:
    path: str
    text: str
    spans: list[Span]

    @property
    def versions(self) -> list[str]:
        return [self.text[a:b] for a, b in self.spans]


# --- locators ----------------------------------------------------------------


def _toml_spans(text: str, tables: tuple[str, ...], rel: str) -> list[Span]:
    """The ``version = "..."`` value in the first of ``tables`` that has one."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise VersionBumpFailed(f"{rel}: not valid TOML: {exc}",
                                hint="fix the file's syntax") from None
    headers = list(re.finditer(r"(?m)^[ \t]*\[([^\[\]\n]+)\][ \t]*(?:#.*)?$", text))
    for table in tables:
        node: object = data
        for part in table.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get("version"), str):
            continue
        for i, header in enumerate(headers):
            if header.group(1).strip().replace(" ", "") != table:
                continue
            end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
            match = re.compile(r"(?m)^[ \t]*version[ \t]*=[ \t]*([\"'])([^\"'\n]*)\1").search(
                text, header.end(), end)
            if match:
                return [match.span(2)]
    return []


def _json_spans(text: str, paths: set[tuple[object, ...]], rel: str) -> list[Span]:
    """Spans of the string values at ``paths`` (e.g. ``("version",)``),
    found by a small tokenizer so formatting and key order are kept."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise VersionBumpFailed(f"{rel}: not valid JSON: line {exc.lineno} column {exc.colno}: "
                                f"{exc.msg}", hint="fix the file's syntax") from None
    stack: list[list[object]] = []  # [kind, key-or-index, expecting-key]
    spans: list[Span] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            top = stack[-1] if stack else None
            if top is not None and top[0] == "obj" and top[2]:
                top[1], top[2] = json.loads(text[i:j + 1]), False
            elif tuple(frame[1] for frame in stack) in paths:
                spans.append((i + 1, j))
            i = j + 1
            continue
        if ch == "{":
            stack.append(["obj", None, True])
        elif ch == "[":
            stack.append(["arr", 0, False])
        elif ch in "}]":
            stack.pop()
        elif ch == "," and stack:
            if stack[-1][0] == "obj":
                stack[-1][2] = True
            else:
                stack[-1][1] = int(stack[-1][1]) + 1  # type: ignore[call-overload]
        i += 1
    return spans


def _regex_spans(text: str, pattern: re.Pattern[str]) -> list[Span]:
    return [m.span("v") for m in pattern.finditer(text)]


_PY_VERSION = re.compile(
    r"(?m)^__version__[ \t]*(?::[ \t]*str[ \t]*)?=[ \t]*([\"'])(?P<v>[^\"'\n]+)\1")


def _plain_spans(text: str) -> list[Span]:
    stripped = text.strip()
    if not stripped or "\n" in stripped or not re.fullmatch(r"v?" + _VERSION_CHARS, stripped):
        return []
    start = text.index(stripped)
    if stripped[0] == "v":
        start += 1
    return [(start, text.index(stripped) + len(stripped))]


def _pattern(template: str, rel: str) -> re.Pattern[str]:
    if template.count("{version}") != 1:
        raise VersionBumpFailed(f"{rel}: pattern must contain {{version}} exactly once",
                                hint='e.g. "pattern": "__version__ = \\"{version}\\""')
    before, after = template.split("{version}")
    lazy = "?" if after else ""
    return re.compile(re.escape(before) + f"(?P<v>{_VERSION_CHARS}{lazy})" + re.escape(after))


def _locate(root: Path, vf: VersionFile) -> _Found:
    rel = vf.path
    path = root / rel
    if not path.is_file():
        raise VersionBumpFailed(f"{rel}: versionBump file not found",
                                hint="create it or fix release.versionBump in the config")
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VersionBumpFailed(f"{rel}: cannot read as UTF-8: {exc}") from None
    name = Path(rel).name
    looked = "its version"
    if vf.pattern:
        spans = _regex_spans(text, _pattern(vf.pattern, rel))
        looked = f"the pattern {vf.pattern!r}"
    elif name == "pyproject.toml":
        spans = _toml_spans(text, ("project", "tool.poetry"), rel)
        looked = "[project] version or [tool.poetry] version"
        if not spans and "version" in (tomllib.loads(text).get("project", {}).get("dynamic")
                                       or []):
            raise VersionBumpFailed(
                f"{rel}: the version is dynamic, not in the file",
                hint="list the file that holds it in release.versionBump instead "
                     '(e.g. {"path": "src/pkg/__init__.py"})')
    elif name == "Cargo.toml":
        spans = _toml_spans(text, ("package", "workspace.package"), rel)
        looked = "[package] version or [workspace.package] version"
    elif name == "package-lock.json":
        spans = _json_spans(text, {("version",), ("packages", "", "version")}, rel)
        looked = 'the root "version" entries'
    elif name.endswith(".json"):
        spans = _json_spans(text, {("version",)}, rel)
        looked = 'a top-level "version"'
    elif name.endswith(".py"):
        spans = _regex_spans(text, _PY_VERSION)
        looked = "__version__ = \"...\""
    else:
        spans = _plain_spans(text)
        looked = "a file holding only the version"
    if not spans:
        raise VersionBumpFailed(f"{rel}: no version found (looked for {looked})",
                                hint="add the version to the file, or give a pattern in "
                                     "release.versionBump")
    return _Found(rel, text, spans)


def expand(root: Path, files: list[VersionFile]) -> list[VersionFile]:
    """The configured files plus what belongs with them: package-lock.json
    beside a package.json, and the members of a Cargo workspace that carry
    their own version."""
    out = list(files)
    listed = {f.path for f in files}
    for vf in files:
        name = Path(vf.path).name
        parent = Path(vf.path).parent
        if name == "package.json" and not vf.pattern:
            lock = (parent / "package-lock.json").as_posix()
            if lock not in listed and (root / lock).is_file():
                out.append(VersionFile(path=lock))
                listed.add(lock)
        if name == "Cargo.toml" and not vf.pattern and (root / vf.path).is_file():
            for member in _cargo_members(root, Path(vf.path)):
                if member not in listed:
                    out.append(VersionFile(path=member))
                    listed.add(member)
    return out


def _cargo_members(root: Path, manifest: Path) -> list[str]:
    try:
        data = tomllib.loads((root / manifest).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []  # _locate reports it
    members = data.get("workspace", {}).get("members", [])
    base = root / manifest.parent
    found: list[str] = []
    for pattern in members if isinstance(members, list) else []:
        for directory in sorted(glob.glob(str(base / pattern))):
            crate = Path(directory) / "Cargo.toml"
            if not crate.is_file():
                continue
            try:
                package = tomllib.loads(crate.read_text(encoding="utf-8")).get("package", {})
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                package = {"version": ""}
            if isinstance(package.get("version"), str):  # not version.workspace = true
                found.append(crate.relative_to(root).as_posix())
    return found


# --- public API ----------------------------------------------------------------


def read_versions(root: Path, files: list[VersionFile]) -> dict[str, str]:
    """``{path: version}`` for every file; 55 when a file has two
    different versions inside it."""
    out: dict[str, str] = {}
    for vf in expand(root, files):
        found = _locate(root, vf)
        versions = set(found.versions)
        if len(versions) > 1:
            raise VersionBumpFailed(f"{vf.path}: holds different versions: "
                                    f"{', '.join(sorted(versions))}",
                                    hint="make them agree, then release")
        out[vf.path] = found.versions[0]
    return out


def _agree(versions: dict[str, str]) -> None:
    distinct = {_bare(v) for v in versions.values()}
    if len(distinct) > 1:
        listing = ", ".join(f"{p} has {v}" for p, v in versions.items())
        raise VersionBumpFailed(f"versionBump files disagree: {listing}",
                                hint="make every file carry the last released version, "
                                     "commit, then release")


def _bare(version: str) -> str:
    return version[1:] if version[:1] == "v" else version


def plan_bumps(root: Path, files: list[VersionFile], version: str) -> list[FileBump]:
    """Each file's new text and the lines that change; nothing is written."""
    found = [_locate(root, vf) for vf in expand(root, files)]
    current = {}
    for f in found:
        if len(set(f.versions)) > 1:
            raise VersionBumpFailed(f"{f.path}: holds different versions: "
                                    f"{', '.join(sorted(set(f.versions)))}")
        current[f.path] = f.versions[0]
    _agree(current)
    bumps: list[FileBump] = []
    for f in found:
        new_text = f.text
        for start, end in sorted(f.spans, reverse=True):
            keep_v = f.text[start:end].startswith("v")
            new_text = new_text[:start] + ("v" if keep_v else "") + version + new_text[end:]
        bumps.append(FileBump(f.path, f.versions[0], new_text, _line_changes(f.text, new_text)))
    return bumps


def _line_changes(old: str, new: str) -> list[LineChange]:
    old_lines, new_lines = old.split("\n"), new.split("\n")
    return [LineChange(i + 1, a, b) for i, (a, b) in enumerate(zip(old_lines, new_lines,
                                                                    strict=True)) if a != b]


def apply_bumps(root: Path, bumps: list[FileBump]) -> None:
    """Write every new text atomically, keeping each file's mode."""
    for bump in bumps:
        path = root / bump.path
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            write_atomic(path, bump.new_text, mode=mode)
        except OSError as exc:
            raise VersionBumpFailed(f"{bump.path}: cannot write: {exc.strerror}",
                                    hint="check the file's permissions") from None


def check_consistent(root: Path, files: list[VersionFile], version: str) -> None:
    """Re-read every file: each must now say ``version`` (55 otherwise)."""
    wrong = {p: v for p, v in read_versions(root, files).items() if _bare(v) != version}
    if wrong:
        listing = ", ".join(f"{p} has {v}" for p, v in wrong.items())
        raise VersionBumpFailed(f"version inconsistent after the bump: expected {version}; "
                                f"{listing}", hint="fix the files by hand or `shipline release "
                                "abort`")

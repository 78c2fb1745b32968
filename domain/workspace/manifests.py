"""Rewriting one requirement in a dependent's manifest, touching nothing
else: the span of the version requirement is replaced in the file's own
bytes (quotes, spacing, key order and comments stay).

* package.json: ``"@acme/core": "^1.0.0"`` in any dependency section;
* Cargo.toml: ``core = "2.13.0"``, ``core = { path = "../core", version =
  "2.13.0" }``, a ``[dependencies.core]`` table, or the root's
  ``[workspace.dependencies]`` when the member says ``core.workspace = true``;
* pyproject.toml: ``"svc-models>=0.2"`` in a dependency list.
"""

from __future__ import annotations

import re
from pathlib import Path

from shipline.domain.python_names import normalize_python_name


def _replace_once(text: str, pattern: re.Pattern[str], new: str) -> str | None:
    """``text`` with group ``spec`` of every match replaced, or None when
    nothing matched."""
    out, last, hit = [], 0, False
    for match in pattern.finditer(text):
        out.append(text[last : match.start("spec")])
        out.append(new)
        last = match.end("spec")
        hit = True
    if not hit:
        return None
    out.append(text[last:])
    return "".join(out)


def npm_rewrite(text: str, name: str, spec: str, new: str) -> str | None:
    pattern = re.compile(r'"' + re.escape(name) + r'"\s*:\s*"(?P<spec>' + re.escape(spec) + r')"')
    return _replace_once(text, pattern, new)


def cargo_rewrite(text: str, name: str, spec: str, new: str) -> str | None:
    key = re.escape(name)
    quoted = r'"(?P<spec>' + re.escape(spec) + r')"'
    plain = re.compile(r"(?m)^[ \t]*" + key + r"[ \t]*=[ \t]*" + quoted)
    inline = re.compile(
        r"(?m)^[ \t]*" + key + r"[ \t]*=[ \t]*\{[^}\n]*?\bversion[ \t]*=[ \t]*" + quoted
    )
    for pattern in (plain, inline):
        rewritten = _replace_once(text, pattern, new)
        if rewritten is not None:
            return rewritten
    table = re.compile(
        r"(?m)^\[(?:[\w.-]+\.)?(?:dependencies|dev-dependencies|"
        r"build-dependencies)\." + key + r"\][ \t]*$"
    )
    header = table.search(text)
    if header is None:
        return None
    end = re.compile(r"(?m)^\[").search(text, header.end())
    stop = end.start() if end else len(text)
    version = re.compile(r"(?m)^[ \t]*version[ \t]*=[ \t]*" + quoted)
    match = version.search(text, header.end(), stop)
    if match is None:
        return None
    return text[: match.start("spec")] + new + text[match.end("spec") :]


def python_rewrite(text: str, name: str, spec: str, new: str) -> str | None:
    wanted = normalize_python_name(name)
    pattern = re.compile(
        r"""(?P<q>["'])(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)"""
        r"""(?P<extras>\s*(?:\[[^\]]*\])?\s*)(?P<spec>"""
        + re.escape(spec)
        + r")(?=\s*(?:;[^\"']*)?(?P=q))"
    )
    out, last, hit = [], 0, False
    for match in pattern.finditer(text):
        if normalize_python_name(match["name"]) != wanted:
            continue
        out.append(text[last : match.start("spec")])
        out.append(new)
        last = match.end("spec")
        hit = True
    if not hit:
        return None
    out.append(text[last:])
    return "".join(out)


REWRITE = {"npm": npm_rewrite, "cargo": cargo_rewrite, "python": python_rewrite}


def rewrite_requirement(
    root: Path, manifest: str, ecosystem: str, name: str, spec: str, new: str
) -> tuple[str, bytes, bytes] | None:
    """(path, old bytes, new bytes) of the one file whose requirement changes;
    a Cargo member that inherits the requirement from the workspace has it
    rewritten in the root Cargo.toml. ``None`` when it is nowhere to be found."""
    candidates = [manifest] + (
        ["Cargo.toml"] if ecosystem == "cargo" and manifest != "Cargo.toml" else []
    )
    for rel in candidates:
        path = root / rel
        old = path.read_bytes()
        text = old.decode("utf-8")
        rewritten = REWRITE[ecosystem](text, name, spec, new)
        if rewritten is not None and rewritten != text:
            return rel, old, rewritten.encode("utf-8")
    return None

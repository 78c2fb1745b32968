"""The rules a config must meet before shipline writes anything: templates
name only the placeholders they are given, tag names are names git accepts,
gates run something, URLs carry no secret, and every path the release
writes stays inside the repository.

Each rule returns what is wrong (or ``None``) so the config models can
report it with the key's path (exit 90) at load, instead of a release
failing with 56 after its commit exists, or writing ``../x`` outside the
repository before it fails (issue 13, items 5, 7 and 15).
"""

from __future__ import annotations

import os
import re
import string
import urllib.parse
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from shipline.domain.errors import ConfigInvalid

_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


class StrictModel(BaseModel):
    """The base of every config model: an unknown key is refused (with its
    path, exit 90) instead of silently ignored, the camelCase keys of the
    file and the snake_case names both work, a loaded config cannot change,
    and the validator is built on first use rather than at import (start-up
    time)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a regular expression Python compiles, or ``None``."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    return None


def template_problem(template: str, allowed: set[str], required: str | None = None) -> str | None:
    """What is wrong with a ``str.format`` template that is given only
    ``allowed`` names: an unknown or computed placeholder (``{x}``,
    ``{version.__class__}``, ``{version!r}``), a lone brace, or a missing
    ``required`` one."""
    names: list[str] = []
    try:
        for _text, field, spec, conversion in string.Formatter().parse(template):
            if field is None:
                continue
            if field not in allowed:
                known = ", ".join("{" + a + "}" for a in sorted(allowed))
                return (
                    f"unknown placeholder {{{field}}}: only {known} (write {{{{ and }}}} "
                    "for literal braces)"
                )
            if spec or conversion:
                return f"placeholder {{{field}}} takes no format spec or conversion"
            names.append(field)
    except ValueError as exc:
        return f"not a valid template: {exc} (write {{{{ and }}}} for literal braces)"
    if required is not None and required not in names:
        return f"must contain {{{required}}}"
    return None


def ref_problem(ref: str) -> str | None:
    """Why ``ref`` (a full ``refs/...`` name) breaks ``git check-ref-format``,
    or ``None``. The rules of git-check-ref-format(1), checked in-process."""
    if ref.endswith("/") or ref.startswith("/") or "//" in ref:
        return "has an empty path component"
    if ".." in ref:
        return "contains '..'"
    if "@{" in ref or ref == "@":
        return "contains '@{'"
    if _REF_FORBIDDEN.search(ref):
        return "contains a space, a control character or one of ~ ^ : ? * [ \\"
    if ref.endswith("."):
        return "ends with '.'"
    for part in ref.split("/"):
        if part.startswith("."):
            return f"a component starts with '.' ({part!r})"
        if part.endswith(".lock"):
            return f"a component ends with '.lock' ({part!r})"
    return None


def tag_prefix_problem(prefix: str) -> str | None:
    """Why tags ``<prefix>1.2.3`` would be refused by git or read as an
    option by it (``-x``), or ``None``."""
    if prefix.startswith("-"):
        return "starts with '-': git would read the tag as an option"
    problem = ref_problem(f"refs/tags/{prefix}1.0.0-rc.1+build.1")
    return f"makes tag names git refuses: {problem}" if problem else None


def url_secret_problem(url: str) -> str | None:
    """A password (or a token in the user part) in a URL is a secret in the
    config: refused, and never repeated in the message."""
    try:
        parts = urllib.parse.urlsplit(url.removeprefix("sparse+"))
    except ValueError:
        return "is not a valid URL"
    if parts.password is not None:
        return "the URL carries a password: secrets never go in the config"
    query = urllib.parse.parse_qs(parts.query)
    if any(
        key.lower() in ("token", "password", "access_token", "api_key", "apikey") for key in query
    ):
        return "the URL carries a token in its query: secrets never go in the config"
    return None


def confine(repo: Path, rel: str, where: str) -> str:
    """``rel`` as a path inside ``repo``, relative and with symlinks resolved
    (so the release writes the file a symlink points to and the symlink
    stays a symlink); 90 when it resolves outside the repository."""
    if not rel or "\0" in rel:
        raise ConfigInvalid(f"{where}: an empty path", hint="name a file inside the repository")
    root = repo.resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root):
        via = (
            " (through a symlink)"
            if Path(os.path.normpath(root / rel)).is_relative_to(root)
            else ""
        )
        raise ConfigInvalid(
            f"{where}: {rel} resolves outside the repository{via}",
            hint="shipline writes only inside the repository: use a path under it",
        )
    return target.relative_to(root).as_posix() if target != root else "."

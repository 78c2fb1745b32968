"""Reading a PEP 503 simple index for a ``python-package`` artifact: which
files of a project it lists (with the sha256 it states), and which of
them are a given version, compared as PEP 440 versions so ``1.4.0-rc.1``
(SemVer, as tags say it) is ``1.4.0rc1`` (as wheels say it)."""

from __future__ import annotations

import re
import urllib.parse

from shipline.domain.artifacts import httpio
from shipline.domain.errors import ShiplineError
from shipline.domain.python_names import normalize_python_name

_LINK = re.compile(r'<a\s[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', re.IGNORECASE)


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality, so ``1.4.0-rc.1`` (SemVer) equals ``1.4.0rc1``."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def dist_version(filename: str) -> tuple[str, str] | None:
    """(normalized project name, version) of a wheel or sdist file name."""
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return (normalize_python_name(parts[0]), parts[1]) if len(parts) >= 5 else None
    for ext in (".tar.gz", ".zip"):
        if filename.endswith(ext):
            stem, _, version = filename[: -len(ext)].rpartition("-")
            return (normalize_python_name(stem), version) if stem else None
    return None


def listed_files(
    page: str,
    *,
    error: type[ShiplineError],
    what: str,
    timeout: float,
    headers: dict[str, str],
) -> dict[str, tuple[str, str | None]]:
    """File name -> (download URL, sha256 from the index) of every file on a
    project's simple-index ``page``; empty when the project is absent."""
    resp = httpio.request(
        "GET", page, error=error, what=what, timeout=timeout, allow=(404,), headers=headers
    )
    if resp.status == 404:
        return {}
    found: dict[str, tuple[str, str | None]] = {}
    for href, text in _LINK.findall(resp.body.decode(errors="replace")):
        url, _, fragment = urllib.parse.urljoin(page, href).partition("#")
        digest = fragment[7:] if fragment.startswith("sha256=") else None
        found[text.strip()] = (url, digest)
    return found

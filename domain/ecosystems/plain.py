"""Plain repositories: a VERSION file holding just a version."""

from __future__ import annotations

from pathlib import Path

from shipline.domain.ecosystems.detection import (
    Ecosystem,
    Found,
    VersionFileCandidate,
    readable_version,
)

PLAIN_VERSION_NAMES = ("VERSION", "VERSION.txt", "version.txt")


def detect_plain(root: Path, found: Found) -> None:
    for rel in PLAIN_VERSION_NAMES:
        if not (root / rel).is_file():
            continue
        version = readable_version(root, rel)
        if version is None:
            found.notes.append(f"{rel}: does not hold just a version: skipped")
            continue
        found.files.append(VersionFileCandidate(rel, version, "plain version file"))
        found.ecosystems.append(Ecosystem("plain", rel, root.name, version))
        return

"""Container images: a Dockerfile or Containerfile becomes an oci-image
artifact, on ghcr.io when the remote is on GitHub."""

from __future__ import annotations

import re
from pathlib import Path

from shipline.domain.ecosystems.detection import (
    CREDENTIALS_FOR,
    ArtifactCandidate,
    Ecosystem,
    Found,
)


def detect_docker(root: Path, found: Found, remote_url: str | None) -> None:
    dockerfile = next((n for n in ("Dockerfile", "Containerfile") if (root / n).is_file()), None)
    if dockerfile is None:
        return
    name = re.sub(r"[^a-z0-9._-]+", "-", root.name.lower()).strip("-.") or "app"
    registry = None
    owner = _github_owner(remote_url)
    if owner:
        registry = f"https://ghcr.io/{owner.lower()}"
    else:
        found.notes.append(
            f"{dockerfile}: no image registry known; set the oci-image "
            "artifact's registry (e.g. https://ghcr.io/OWNER)"
        )
    options = {"dockerfile": dockerfile} if dockerfile != "Dockerfile" else {}
    found.ecosystems.append(Ecosystem("docker", dockerfile, name))
    found.artifacts.append(
        ArtifactCandidate(
            "oci-image",
            name,
            registry,
            CREDENTIALS_FOR["oci-image"],
            options=options,
            source=dockerfile,
        )
    )


def _github_owner(url: str | None) -> str | None:
    match = re.search(r"github\.com[:/]+([^/]+)/", url or "")
    return match.group(1) if match else None

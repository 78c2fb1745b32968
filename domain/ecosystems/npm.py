"""npm packages: package.json and its lock file, the test and lint scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipline.domain.ecosystems.detection import (
    CREDENTIALS_FOR,
    DEFAULT_REGISTRY,
    ArtifactCandidate,
    Ecosystem,
    Found,
    GateCandidate,
    VersionFileCandidate,
    read_json,
    readable_version,
)
from shipline.domain.ecosystems.toolchain import js_runner

_NPM_DEFAULT_TEST = 'echo "Error: no test specified" && exit 1'


def detect_npm(root: Path, found: Found) -> None:
    manifest = root / "package.json"
    if not manifest.is_file():
        return
    data = read_json(manifest)
    if not isinstance(data, dict):
        found.notes.append("package.json is not a JSON object: skipped")
        return
    name = data.get("name") if isinstance(data.get("name"), str) else None
    version = readable_version(root, "package.json") if "version" in data else None
    if version:
        found.files.append(VersionFileCandidate("package.json", version, '"version"'))
        if (root / "package-lock.json").is_file():
            lock = readable_version(root, "package-lock.json")
            if lock:
                found.files.append(
                    VersionFileCandidate(
                        "package-lock.json",
                        lock,
                        "lock file beside package.json",
                        selected=lock == version,
                    )
                )
    found.ecosystems.append(
        Ecosystem("npm", "package.json", name, version, "private" if data.get("private") else "")
    )
    if data.get("private"):
        found.notes.append("package.json is private: no npm-package artifact proposed")
    else:
        found.artifacts.append(
            ArtifactCandidate(
                "npm-package",
                name or root.name,
                DEFAULT_REGISTRY["npm-package"],
                CREDENTIALS_FOR["npm-package"],
                source="package.json",
            )
        )
    scripts: dict[str, Any] = data["scripts"] if isinstance(data.get("scripts"), dict) else {}
    runner = js_runner(root)
    why = f", {runner.why}" if runner.why else ""
    if isinstance(scripts.get("test"), str) and scripts["test"].strip() != _NPM_DEFAULT_TEST:
        found.gates.append(
            GateCandidate(
                f"{runner.prefix} test", f"{runner.prefix} test", "package.json scripts.test" + why
            )
        )
    if isinstance(scripts.get("lint"), str):
        found.gates.append(
            GateCandidate(
                f"{runner.prefix} lint",
                f"{runner.prefix} run lint",
                "package.json scripts.lint" + why,
            )
        )

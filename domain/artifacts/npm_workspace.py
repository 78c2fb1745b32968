"""What ``npm pack`` packs for a package of a pnpm or yarn workspace.

Such a package names its siblings with the ``workspace:`` protocol
(``"@acme/core": "workspace:^"``), which only the workspace's own tool
understands; pnpm and yarn replace it with the sibling's version when they
publish. npm does not: it would publish ``workspace:^`` as is, and nobody
could install the package. So when a manifest has such a requirement, the
package is packed from a copy of its folder whose package.json has them
replaced the way pnpm does it (``workspace:*`` → ``1.3.0``, ``workspace:^``
→ ``^1.3.0``, ``workspace:~`` → ``~1.3.0``, ``workspace:^1.2.0`` →
``^1.2.0``), the siblings' versions read from their manifests in the
repository (at the release commit, so already bumped). The package's own
folder is never changed. A rebuild reads the same files and packs the same
bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shipline.domain.errors import ShiplineError

PROTOCOL = "workspace:"
SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
_SKIP = frozenset({"node_modules", ".git", ".shipline", ".cleo"})


def workspace_requirements(manifest: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(section, name, spec) of every ``workspace:`` requirement."""
    return [
        (section, name, spec)
        for section in SECTIONS
        if isinstance(manifest.get(section), dict)
        for name, spec in manifest[section].items()
        if isinstance(spec, str) and spec.startswith(PROTOCOL)
    ]


def sibling_versions(repo: Path) -> dict[str, str]:
    """name → version of every package.json in the repository (outside
    node_modules and the state folder)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(repo):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        if "package.json" not in files:
            continue
        try:
            data = json.loads((Path(folder) / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            name, version = data.get("name"), data.get("version")
            if isinstance(name, str) and isinstance(version, str):
                found.setdefault(name, version)
    return found


def published_spec(spec: str, version: str) -> str | None:
    """The range pnpm publishes for ``spec``; ``None`` for a form it cannot
    be resolved from (a path or an alias)."""
    rest = spec[len(PROTOCOL) :]
    if rest == "*":
        return version
    if rest in ("^", "~"):
        return rest + version
    if rest and not rest.startswith((".", "/")) and "@" not in rest:
        return rest
    return None


def resolved(
    manifest: Mapping[str, Any], versions: Mapping[str, str], label: str, error: type[ShiplineError]
) -> dict[str, Any]:
    """``manifest`` with every ``workspace:`` requirement replaced."""
    out = json.loads(json.dumps(manifest))
    for section, name, spec in workspace_requirements(manifest):
        version = versions.get(name)
        replaced = published_spec(spec, version) if version is not None else None
        if replaced is None:
            raise error(
                f"{label}: package.json requires {name} as {spec!r}, which npm cannot "
                "publish and shipline cannot resolve"
                + ("" if version is not None else f" (no package {name} in the repository)"),
                hint="require it as workspace:^, workspace:~, workspace:* or "
                "workspace:<range>, or with a plain version range",
            )
        out[section][name] = replaced
    return dict(out)


@contextmanager
def packable_folder(
    source: Path, repo: Path, label: str, error: type[ShiplineError]
) -> Iterator[Path]:
    """``source`` itself, or a throw-away copy with its ``workspace:``
    requirements resolved (removed again afterwards)."""
    manifest = json.loads((source / "package.json").read_text(encoding="utf-8"))
    if not workspace_requirements(manifest):
        yield source
        return
    data = resolved(manifest, sibling_versions(repo), label, error)
    scratch = Path(tempfile.mkdtemp(prefix="shipline-npm-pack-"))
    try:
        copy = scratch / "package"
        shutil.copytree(source, copy, symlinks=True, ignore=shutil.ignore_patterns(*_SKIP))
        (copy / "package.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        yield copy
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

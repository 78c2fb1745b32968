"""pnpm's ``pnpm-lock.yaml`` (lockfile v6 and v9), without dev dependencies.

An importer is one package of the workspace (``.`` is the root). Its
``dependencies`` and ``optionalDependencies`` give, per name, the version
pnpm resolved: ``1.3.0``, ``1.3.0(react@18.2.0)`` with the peers it was
resolved against, or ``link:../core`` for a sibling of the workspace (the
sibling is a component at its ``package.json`` version, and its own
dependencies follow). v9 keeps each package's metadata (``resolution``
with its ``integrity``) in ``packages`` under ``name@version`` and its
dependencies in ``snapshots`` under ``name@version(peers)``; v6 keeps both in
``packages`` under ``/name@version(peers)``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from shipline.domain.jsonio import StrictJSONError, read_strict
from shipline.domain.provenance.lockfiles.model import (
    Inventory,
    LockfileInvalid,
    Package,
    finish,
    integrity_hashes,
    purl_for,
    relative,
)

RUNTIME = ("dependencies", "optionalDependencies")
HINT = "regenerate it with `pnpm install`"


def read_pnpm_lock(path: Path, root: Path, artifact_name: str | None = None) -> Inventory:
    """The runtime dependencies of ``artifact_name``'s importer (the root's
    when it is not a member of the workspace)."""
    import yaml

    name = relative(path, root)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LockfileInvalid(f"{name}: not YAML: {exc}", hint=HINT) from None
    if not isinstance(data, dict):
        raise LockfileInvalid(f"{name}: not a pnpm lock file", hint=HINT)
    major = str(data.get("lockfileVersion", "")).split(".")[0]
    if major not in ("6", "9"):
        raise LockfileInvalid(
            f"{name}: lockfileVersion {data.get('lockfileVersion')!r} is not 6 or 9",
            hint="regenerate it with pnpm 8 or later",
        )
    importers = data.get("importers") or {".": data}
    if not isinstance(importers, dict):
        raise LockfileInvalid(f"{name}: importers: not a map", hint=HINT)
    lock = _Lock(name, root, major, importers, data.get("packages"), data.get("snapshots"))
    member = next(
        (key for key in importers if artifact_name and lock.member_name(key) == artifact_name), "."
    )
    return finish([name], "npm", lock.requires_of_importer(member), lock.packages)


class _Lock:
    def __init__(
        self, name: str, root: Path, major: str, importers: dict[Any, Any], meta: Any, snaps: Any
    ) -> None:
        self.name, self.root, self.major, self.importers = name, root, major, importers
        self.meta = meta if isinstance(meta, dict) else {}
        self.snaps = (snaps if isinstance(snaps, dict) else {}) if major == "9" else self.meta
        self.packages: dict[str, Package] = {}

    def member_name(self, importer: str) -> str | None:
        found = self._manifest(importer).get("name")
        return found if isinstance(found, str) else None

    def _requirements(self, entry: Any, where: str) -> list[tuple[str, str]]:
        out = []
        for kind in RUNTIME:
            table = entry.get(kind) if isinstance(entry, dict) else None
            for dep, spec in (table or {}).items():
                version = spec.get("version") if isinstance(spec, dict) else spec
                if not isinstance(version, str) or not version:
                    raise LockfileInvalid(f"{where}.{kind}[{dep!r}]: no version", hint=HINT)
                out.append((str(dep), version))
        return out

    def requires_of_importer(self, importer: str) -> list[str]:
        where = f"{self.name}: importers[{importer!r}]"
        wanted = self._requirements(self.importers.get(importer), where)
        return [self._resolve(dep, version, importer) for dep, version in wanted]

    def _resolve(self, dep: str, version: str, importer: str) -> str:
        """The purl of ``dep`` at ``version``, added with what it requires."""
        if version.startswith("link:"):
            sibling = os.path.normpath(os.path.join(importer, version[len("link:") :]))
            return self._sibling(dep, sibling)
        bare = version.split("(", 1)[0]
        if "@" in bare[1:]:  # an alias (`"string-width-cjs": "npm:string-width@4.2.3"`)
            dep, _, bare = bare.rpartition("@")
            version = version[len(dep) + 1 :]
        purl = purl_for("npm", dep, bare)
        if purl in self.packages:
            return purl
        self.packages[purl] = Package(dep, bare, purl)  # a cycle stops here
        prefix = "/" if self.major == "6" else ""
        meta = self.meta.get(f"{prefix}{dep}@{bare}") or self.meta.get(f"{prefix}{dep}@{version}")
        where = f"{self.name}: packages[{dep}@{bare}]"
        if not isinstance(meta, dict):
            raise LockfileInvalid(f"{where}: missing (required by {importer})", hint=HINT)
        resolution = meta.get("resolution")
        integrity = resolution.get("integrity") if isinstance(resolution, dict) else None
        hashes = integrity_hashes(integrity, where, HINT)
        snap = self.snaps.get(f"{prefix}{dep}@{version}", {})
        requires = {self._resolve(d, v, importer) for d, v in self._requirements(snap, where)}
        self.packages[purl] = Package(
            dep, bare, purl, tuple(sorted(hashes)), tuple(sorted(requires))
        )
        return purl

    def _sibling(self, dep: str, importer: str) -> str:
        """A package of the workspace, at its ``package.json`` version."""
        version = str(self._manifest(importer, dep).get("version") or "0.0.0")
        purl = purl_for("npm", dep, version)
        if purl not in self.packages:
            self.packages[purl] = Package(dep, version, purl)  # a cycle stops here
            requires = self.requires_of_importer(importer) if importer in self.importers else []
            self.packages[purl] = Package(dep, version, purl, (), tuple(sorted(set(requires))))
        return purl

    def _manifest(self, importer: str, dep: str | None = None) -> dict[str, Any]:
        try:
            manifest = read_strict(self.root / importer / "package.json")
        except (OSError, StrictJSONError) as exc:
            if dep is None:
                return {}
            raise LockfileInvalid(
                f"{self.name}: {dep} links to {importer}, whose package.json cannot be read: {exc}",
                hint=HINT,
            ) from None
        return manifest if isinstance(manifest, dict) else {}

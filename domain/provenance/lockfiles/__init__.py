"""An artifact's real dependencies, read from its lock files (or, without
one, from an installed environment), for the SBOM (:mod:`shipline.domain.provenance.sbom`).

Read, in this order, one lock file per ecosystem:

- Python: ``uv.lock``, else ``poetry.lock``, else hashed requirements
  (``requirements.txt`` when it carries ``--hash``, otherwise every other
  ``requirements*.txt`` with hashes; ``-r`` includes followed). Only the
  runtime closure of the project is listed: uv's dev groups and poetry's
  non-``main`` groups are left out; markers are not evaluated, because a
  wheel's dependencies are resolved on the consumer's platform, so every
  platform's dependencies belong in its SBOM.
- npm: ``package-lock.json`` v2/v3 (``packages``), without ``dev`` entries;
  else ``pnpm-lock.yaml`` v6/v9, the artifact's importer without its
  ``devDependencies`` (:mod:`.pnpm`).
- Rust: ``Cargo.lock`` (v1-v4).

Without any of them, the installed distributions of an environment
(:func:`read_environment`): ``importlib.metadata`` gives names, versions and
``Requires-Dist`` edges, and each component's SHA-256 is that of its
``RECORD`` file, which itself lists the hash of every installed file, so it
commits to the whole installed distribution.

Every package carries a purl (``packageurl``) and the hashes its lock file
records (``SHA-256`` from uv, poetry, pip and cargo; npm's ``integrity`` is
usually ``SHA-512``).

A malformed lock file raises :class:`LockfileInvalid`, exit 86: of the SPEC's
codes, "artifact pre-validation failed" is the one for a manifest of the
artifact that is wrong before anything is built or signed (as it is for a
manifest version that differs). 94 is about attestations, 90 about shipline's
own config, and 87 about a build command that failed; nothing has been
written when this is raised. The message names the file and the line or key.
"""

from __future__ import annotations

from pathlib import Path

from shipline.domain.provenance.lockfiles.cargo import read_cargo_lock
from shipline.domain.provenance.lockfiles.environment import read_environment, site_packages
from shipline.domain.provenance.lockfiles.model import Inventory, LockfileInvalid, Package, purl_for
from shipline.domain.provenance.lockfiles.npm import read_package_lock
from shipline.domain.provenance.lockfiles.pnpm import read_pnpm_lock
from shipline.domain.provenance.lockfiles.python import (
    hashed_requirements,
    read_poetry_lock,
    read_requirements,
    read_uv_lock,
)

__all__ = [
    "Inventory",
    "LockfileInvalid",
    "Package",
    "find_lockfiles",
    "purl_for",
    "read_cargo_lock",
    "read_environment",
    "read_lockfiles",
    "read_package_lock",
    "read_pnpm_lock",
    "read_poetry_lock",
    "read_requirements",
    "read_uv_lock",
    "site_packages",
]


# -- discovery --------------------------------------------------------------------------------


def find_lockfiles(root: Path) -> list[Path]:
    """The lock files :func:`read_lockfiles` would read, in order."""
    found: list[Path] = []
    for python in ("uv.lock", "poetry.lock"):
        if (root / python).is_file():
            found.append(root / python)
            break
    else:
        found.extend(hashed_requirements(root))
    for npm in ("package-lock.json", "pnpm-lock.yaml"):
        if (root / npm).is_file():
            found.append(root / npm)
            break
    found.extend(root / n for n in ("Cargo.lock",) if (root / n).is_file())
    return found


def read_lockfiles(root: Path, artifact_name: str | None = None) -> Inventory | None:
    """Every ecosystem's lock file under ``root`` merged, or ``None`` when
    there is none."""
    inventories: list[Inventory] = []
    paths = find_lockfiles(root)
    requirements = [p for p in paths if p.name.startswith("requirements")]
    if requirements:
        inventories.append(read_requirements(requirements, root))
    for path in paths:
        if path.name == "uv.lock":
            inventories.append(read_uv_lock(path, root, artifact_name))
        elif path.name == "poetry.lock":
            inventories.append(read_poetry_lock(path, root))
        elif path.name == "package-lock.json":
            inventories.append(read_package_lock(path, root, artifact_name))
        elif path.name == "pnpm-lock.yaml":
            inventories.append(read_pnpm_lock(path, root, artifact_name))
        elif path.name == "Cargo.lock":
            inventories.append(read_cargo_lock(path, root, artifact_name))
    if not inventories:
        return None
    packages = {p.purl: p for inv in inventories for p in inv.packages}
    return Inventory(
        tuple(s for inv in inventories for s in inv.sources),
        inventories[0].ecosystem,
        tuple(sorted({d for inv in inventories for d in inv.direct})),
        tuple(packages[k] for k in sorted(packages)),
    )

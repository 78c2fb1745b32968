"""An installed environment's distributions, when there is no lock file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from shipline.domain.provenance.lockfiles.model import (
    Inventory,
    LockfileInvalid,
    Package,
    finish,
    purl_for,
)
from shipline.domain.python_names import normalize_python_name

# -- an installed environment -----------------------------------------------------------------


def site_packages(environment: Path) -> list[Path]:
    """The ``site-packages`` folders of a venv, an interpreter inside one, or
    a ``site-packages`` folder itself."""
    env = environment
    if env.is_file():  # .../bin/python
        env = env.parent.parent
    if (env / "pyvenv.cfg").is_file() or (env / "lib").is_dir() or (env / "Lib").is_dir():
        found = sorted(env.glob("lib/python*/site-packages")) + sorted(
            env.glob("Lib/site-packages")
        )
        if found:
            return found
    if env.is_dir() and any(env.glob("*.dist-info")):
        return [env]
    raise LockfileInvalid(
        f"{environment}: no site-packages with installed distributions",
        hint="point at a virtual environment, its python, or site-packages",
    )


def _metadata_headers(text: str) -> dict[str, list[str]]:
    """The header fields of a core-metadata file (lower-case names), read up to
    the blank line before the description: the email parser would read all
    of it, long READMEs included, which was most of an environment's cost."""
    headers: dict[str, list[str]] = {}
    last: str | None = None
    for line in text.splitlines():
        if not line.strip():
            break
        if line[0] in " \t" and last is not None:
            headers[last][-1] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if sep:
            last = key.strip().lower()
            headers.setdefault(last, []).append(value.strip())
    return headers


def read_environment(paths: list[str] | None = None, artifact_name: str | None = None) -> Inventory:
    """The distributions installed on ``paths`` (``sys.path`` when ``None``)."""
    import sys
    from importlib import metadata

    from packaging.markers import default_environment
    from packaging.requirements import InvalidRequirement, Requirement

    search = list(paths) if paths is not None else list(sys.path)
    dists: dict[str, tuple[str, str, list[str], Any]] = {}
    for dist in metadata.distributions(path=search):
        headers = _metadata_headers(dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "")
        name, version = headers.get("name", [""])[0], headers.get("version", [""])[0]
        if (
            name and version and normalize_python_name(name) not in dists
        ):  # the first on the path wins
            dists[normalize_python_name(name)] = (
                name,
                version,
                headers.get("requires-dist", []),
                dist,
            )
    base_env: dict[str, Any] = {**default_environment()}
    parsed: dict[str, list[Requirement]] = {}
    wanted_extras: dict[str, set[str]] = {n: {""} for n in dists}
    for key, (_, _, requires_dist, _) in dists.items():
        reqs = []
        for text in requires_dist:
            try:
                reqs.append(Requirement(text))
            except InvalidRequirement:
                continue  # a broken Requires-Dist is the package's bug, not the SBOM's
        parsed[key] = reqs
        for req in reqs:
            if normalize_python_name(req.name) in wanted_extras:
                wanted_extras[normalize_python_name(req.name)].update(req.extras)

    def applies(req: Requirement, extras: set[str]) -> bool:
        if req.marker is None:
            return True
        return any(req.marker.evaluate({**base_env, "extra": x}) for x in extras)

    keys = {n: purl_for("pypi", d[0], d[1]) for n, d in dists.items()}
    own = normalize_python_name(artifact_name) if artifact_name else None
    packages: dict[str, Package] = {}
    for key, (name, version, _, dist) in dists.items():
        requires = sorted(
            {
                keys[normalize_python_name(r.name)]
                for r in parsed[key]
                if normalize_python_name(r.name) in keys
                and normalize_python_name(r.name) != own
                and applies(r, wanted_extras[key])
            }
        )
        record = dist.read_text("RECORD")
        hashes = (
            (("SHA-256", hashlib.sha256(record.encode("utf-8")).hexdigest()),) if record else ()
        )
        packages[keys[key]] = Package(name, version, keys[key], hashes, tuple(requires))
    if own in dists:
        direct = list(packages.pop(keys[own]).requires)
    else:
        required = {r for p in packages.values() for r in p.requires}
        direct = [p for p in packages if p not in required]
    shown = [_display(p) for p in search] if paths is not None else [Path(sys.prefix).name]
    return finish(["environment:" + ":".join(shown)], "pypi", direct, packages)


def _display(path: str) -> str:
    """A site-packages path from its virtual environment's folder down
    (``.venv/lib/python3.11/site-packages``): where the venv lives on this
    machine is no part of the SBOM, so equal environments give equal SBOMs."""
    here = Path(path)
    for parent in here.parents:
        if (parent / "pyvenv.cfg").is_file():
            return str(here.relative_to(parent.parent))
    return here.name

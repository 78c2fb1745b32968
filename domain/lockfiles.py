"""An artifact's real dependencies, read from its lock files (or, without
one, from an installed environment), for the SBOM (:mod:`domain.sbom`).

Read, in this order, one lock file per ecosystem:

- Python: ``uv.lock``, else ``poetry.lock``, else hashed requirements
  (``requirements.txt`` when it carries ``--hash``, otherwise every other
  ``requirements*.txt`` with hashes; ``-r`` includes followed). Only the
  runtime closure of the project is listed: uv's dev groups and poetry's
  non-``main`` groups are left out; markers are not evaluated, because a
  wheel's dependencies are resolved on the consumer's platform, so every
  platform's dependencies belong in its SBOM.
- npm: ``package-lock.json`` v2/v3 (``packages``), without ``dev`` entries.
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

import base64
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ArtifactValidationFailed
from .jsonio import StrictJSONError, loads_strict

_ALGS = {"sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512",
         "md5": "MD5"}


class LockfileInvalid(ArtifactValidationFailed):
    """A lock file that cannot be read; exit 86 (see the module docstring)."""


@dataclass(frozen=True)
class Package:
    """One dependency."""

    name: str
    version: str
    purl: str
    hashes: tuple[tuple[str, str], ...] = ()
    """``(algorithm, lowercase hex)``, e.g. ``("SHA-256", "9f86...")``; sorted."""
    requires: tuple[str, ...] = ()
    """purls of the packages this one depends on; sorted."""


@dataclass(frozen=True)
class Inventory:
    """What an artifact depends on, and where that was read."""

    sources: tuple[str, ...]
    """The lock files read (relative names) or ``environment:<site-packages>``."""
    ecosystem: str
    """``pypi``, ``npm`` or ``cargo``: the first source's, for the root's purl."""
    direct: tuple[str, ...]
    """purls the artifact itself depends on; sorted."""
    packages: tuple[Package, ...]
    """Every dependency, direct and transitive, sorted by purl."""

    def fingerprint(self) -> str:
        """SHA-256 over the whole inventory: the SBOM's serial number and
        default timestamp are derived from it, so equal inputs give equal
        documents."""
        digest = hashlib.sha256()
        for line in (*self.sources, "|", *self.direct, "|"):
            digest.update(line.encode() + b"\n")
        for pkg in self.packages:
            digest.update(repr((pkg.purl, pkg.hashes, pkg.requires)).encode() + b"\n")
        return digest.hexdigest()


def purl_for(ecosystem: str, name: str, version: str) -> str:
    from packageurl import PackageURL

    if ecosystem == "pypi":
        return PackageURL(type="pypi", name=name.lower().replace("_", "-"),
                          version=version).to_string()
    if ecosystem == "npm" and name.startswith("@") and "/" in name:
        scope, _, bare = name.partition("/")
        return PackageURL(type="npm", namespace=scope, name=bare, version=version).to_string()
    return PackageURL(type=ecosystem, name=name, version=version).to_string()


def _hash(text: str, where: str) -> tuple[str, str]:
    alg, sep, value = text.partition(":")
    if not sep or alg.lower() not in _ALGS or not re.fullmatch(r"[0-9a-fA-F]+", value):
        raise LockfileInvalid(f"{where}: {text!r} is not a hash of the form sha256:<hex>",
                              hint="regenerate the lock file")
    return _ALGS[alg.lower()], value.lower()


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _load_toml(path: Path, root: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise LockfileInvalid(f"{_rel(path, root)}: not UTF-8 (byte {exc.start})",
                              hint="regenerate the lock file") from None
    except tomllib.TOMLDecodeError as exc:
        raise LockfileInvalid(f"{_rel(path, root)}: {exc}", hint="regenerate the lock file") \
            from None


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _str(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise LockfileInvalid(f"{where}.{key}: missing or not a string",
                              hint="regenerate the lock file")
    return value


def _table_list(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise LockfileInvalid(f"{where}: {key} is not a list of tables",
                              hint="regenerate the lock file")
    return value


class _IdSet:
    """Membership by identity (lock entries are dicts, unhashable and costly to compare)."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.ids = {id(i) for i in items}

    def __contains__(self, item: Any) -> bool:
        return id(item) in self.ids

    def __iter__(self) -> Any:
        return iter(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def _closure(nodes: dict[str, tuple[str, ...]], start: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        key = todo.pop()
        if key in seen or key not in nodes:
            continue
        seen.add(key)
        todo.extend(nodes[key])
    return seen


def _finish(sources: list[str], ecosystem: str, direct: list[str],
            packages: dict[str, Package]) -> Inventory:
    keep = _closure({p: packages[p].requires for p in packages}, direct)
    return Inventory(tuple(sources), ecosystem, tuple(sorted(set(direct) & keep)),
                     tuple(packages[p] for p in sorted(keep)))


# -- uv.lock ----------------------------------------------------------------------------------

def read_uv_lock(path: Path, root: Path, artifact_name: str | None = None) -> Inventory:
    name = _rel(path, root)
    data = _load_toml(path, root)
    if not isinstance(data.get("version"), int):
        raise LockfileInvalid(f"{name}: version: missing (not a uv lock file)",
                              hint="regenerate it with `uv lock`")
    entries = _table_list(data, "package", name)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for i, entry in enumerate(entries):
        where = f"{name}: package[{i}]"
        entry["_where"] = where
        _str(entry, "name", where)
        if not isinstance(entry.get("source"), dict):
            raise LockfileInvalid(f"{where}.source: missing", hint="regenerate it with `uv lock`")
        by_name.setdefault(_norm(entry["name"]), []).append(entry)

    def resolve(dep: Any, where: str) -> dict[str, Any]:
        if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
            raise LockfileInvalid(f"{where}: a dependency without a name",
                                  hint="regenerate it with `uv lock`")
        candidates = by_name.get(_norm(dep["name"]), [])
        if "version" in dep:
            candidates = [c for c in candidates if c.get("version") == dep["version"]]
        if not candidates:
            raise LockfileInvalid(f"{where}: dependency {dep['name']!r} is not a locked package",
                                  hint="regenerate it with `uv lock`")
        return candidates[0]

    def is_root(entry: dict[str, Any]) -> bool:
        src = entry["source"]
        return src.get("editable") == "." or src.get("virtual") == "."

    found_roots = [e for e in entries if is_root(e)]
    if artifact_name:
        found_roots = [e for e in entries
                       if _norm(e["name"]) == _norm(artifact_name)] or found_roots
    roots = _IdSet(found_roots)
    # Nodes are (package, extra) pairs so an extra pulls in only its own dependencies.
    packages: dict[str, Package] = {}
    keys: dict[int, str] = {}
    for entry in entries:
        if entry in roots:
            continue
        version = _str(entry, "version", entry["_where"])
        keys[id(entry)] = purl_for("pypi", entry["name"], version)

    def deps_of(entry: dict[str, Any], extras: tuple[str, ...]) -> list[tuple[dict[str, Any],
                                                                            tuple[str, ...]]]:
        out = []
        lists: list[Any] = [entry.get("dependencies", [])]
        optional = entry.get("optional-dependencies", {})
        lists.extend(optional.get(x, []) for x in extras if isinstance(optional, dict))
        for deps in lists:
            if not isinstance(deps, list):
                raise LockfileInvalid(f"{entry['_where']}.dependencies: not a list",
                                      hint="regenerate it with `uv lock`")
            for dep in deps:
                target = resolve(dep, entry["_where"])
                out.append((target, tuple(sorted(dep.get("extra", [])))))
        return out

    requires: dict[str, set[str]] = {}
    direct: set[str] = set()
    seen: set[tuple[int, tuple[str, ...]]] = set()
    todo: list[tuple[dict[str, Any], tuple[str, ...]]] = []
    for root_entry in roots:
        for target, extras in deps_of(root_entry, ()):
            if target in roots:
                continue
            direct.add(keys[id(target)])
            todo.append((target, extras))
    if not roots:  # no project in the lock: everything it pins
        todo = [(e, ()) for e in entries]
        direct = {keys[id(e)] for e in entries}
    while todo:
        entry, extras = todo.pop()
        if (id(entry), extras) in seen:
            continue
        seen.add((id(entry), extras))
        own = keys[id(entry)]
        requires.setdefault(own, set())
        for target, target_extras in deps_of(entry, extras):
            if target in roots:
                continue
            requires[own].add(keys[id(target)])
            todo.append((target, target_extras))
    for entry in entries:
        own = keys.get(id(entry))
        if own is None or own not in requires:
            continue
        hashes = set()
        files = [entry.get("sdist"), *entry.get("wheels", [])]
        for i, item in enumerate(f for f in files if isinstance(f, dict)):
            if "hash" in item:
                hashes.add(_hash(str(item["hash"]), f"{entry['_where']}.files[{i}].hash"))
        packages[own] = Package(entry["name"], entry["version"], own, tuple(sorted(hashes)),
                                tuple(sorted(requires[own])))
    return _finish([name], "pypi", sorted(direct), packages)


# -- poetry.lock ------------------------------------------------------------------------------

def _pyproject_direct(root: Path) -> set[str] | None:
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    data = _load_toml(path, root)
    names: set[str] = set()
    for spec in data.get("project", {}).get("dependencies", []) or []:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(spec))
        if match:
            names.add(_norm(match.group(1)))
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {}) or {}
    names.update(_norm(n) for n in poetry if n.lower() != "python")
    return names or None


def read_poetry_lock(path: Path, root: Path) -> Inventory:
    name = _rel(path, root)
    data = _load_toml(path, root)
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        raise LockfileInvalid(f"{name}: metadata: missing (not a poetry lock file)",
                              hint="regenerate it with `poetry lock`")
    old_files = metadata.get("files", {}) if isinstance(metadata.get("files"), dict) else {}
    entries = _table_list(data, "package", name)
    runtime = []
    for i, entry in enumerate(entries):
        where = f"{name}: package[{i}]"
        _str(entry, "name", where)
        _str(entry, "version", where)
        groups = entry.get("groups")
        if entry.get("category", "main") != "main" or (
                isinstance(groups, list) and "main" not in groups):
            continue
        runtime.append((where, entry))
    keys = {_norm(e["name"]): purl_for("pypi", e["name"], e["version"]) for _, e in runtime}
    packages: dict[str, Package] = {}
    for where, entry in runtime:
        deps = entry.get("dependencies", {})
        if not isinstance(deps, dict):
            raise LockfileInvalid(f"{where}.dependencies: not a table",
                                  hint="regenerate it with `poetry lock`")
        files = entry.get("files", old_files.get(entry["name"], []))
        hashes = {_hash(str(f.get("hash", "")), f"{where}.files[{j}].hash")
                  for j, f in enumerate(files) if isinstance(f, dict)}
        own = keys[_norm(entry["name"])]
        packages[own] = Package(entry["name"], entry["version"], own, tuple(sorted(hashes)),
                                tuple(sorted(keys[_norm(d)] for d in deps if _norm(d) in keys)))
    wanted = _pyproject_direct(root)
    required = {r for p in packages.values() for r in p.requires}
    direct = [keys[n] for n in sorted(wanted) if n in keys] if wanted else \
        [p for p in packages if p not in required]
    return _finish([name], "pypi", direct, packages)


# -- requirements with hashes -----------------------------------------------------------------

_REQ = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([^\s;\\]+)")


def _requirement_lines(path: Path, root: Path, seen: set[Path]) -> list[tuple[str, int, str]]:
    if path.resolve() in seen:
        return []
    seen.add(path.resolve())
    name = _rel(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockfileInvalid(f"{name}: no such file", hint="fix the -r include") from None
    except UnicodeDecodeError as exc:
        raise LockfileInvalid(f"{name}: not UTF-8 (byte {exc.start})",
                              hint="regenerate the requirements file") from None
    out: list[tuple[str, int, str]] = []
    logical, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not logical:
            start = number
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        out.append((name, start, logical))
        logical = ""
    if logical:
        out.append((name, start, logical))
    for entry in list(out):
        match = re.match(r"\s*(-r|--requirement)[\s=]+(\S+)", entry[2])
        if match:
            out.extend(_requirement_lines(path.parent / match.group(2), root, seen))
    return out


def read_requirements(paths: list[Path], root: Path) -> Inventory:
    seen: set[Path] = set()
    lines = [item for p in paths for item in _requirement_lines(p, root, seen)]
    found: dict[str, tuple[str, str, set[tuple[str, str]]]] = {}
    via: dict[str, set[str]] = {}
    current: str | None = None
    for name, number, line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            if current is None:
                continue
            text = stripped.lstrip("#").strip()
            if text.startswith("via"):
                via[current].update(_norm(v) for v in text[3:].split() if not v.startswith("-"))
            elif via.get(current) is not None and re.fullmatch(r"[A-Za-z0-9._-]+", text):
                via[current].add(_norm(text))  # multi-line "# via" lists
            continue
        stripped = stripped.split(" #", 1)[0].strip()
        if not stripped or stripped.startswith("-"):
            current = None if stripped else current
            continue
        where = f"{name}: line {number}"
        match = _REQ.match(stripped)
        if not match:
            raise LockfileInvalid(f"{where}: {stripped.split()[0]!r} is not pinned with ==",
                                  hint="a hashed requirements file pins every package "
                                  "(`uv pip compile --generate-hashes`)")
        hashes = {_hash(h, where) for h in re.findall(r"--hash[=\s]+(\S+)", stripped)}
        if not hashes:
            raise LockfileInvalid(f"{where}: {match.group(1)} has no --hash",
                                  hint="regenerate it with --generate-hashes")
        current = _norm(match.group(1))
        found[current] = (match.group(1), match.group(3), hashes)
        via.setdefault(current, set())
    keys = {n: purl_for("pypi", v[0], v[1]) for n, v in found.items()}
    requires: dict[str, set[str]] = {k: set() for k in keys}
    direct = []
    for child, parents in via.items():
        known = [p for p in parents if p in keys]
        if not known:
            direct.append(keys[child])
        for parent in known:
            requires[parent].add(keys[child])
    packages = {keys[n]: Package(v[0], v[1], keys[n], tuple(sorted(v[2])),
                                 tuple(sorted(requires[n]))) for n, v in found.items()}
    return _finish([_rel(p, root) for p in paths], "pypi", direct, packages)


def _hashed_requirements(root: Path) -> list[Path]:
    def hashed(path: Path) -> bool:
        try:
            return "--hash" in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False

    main = root / "requirements.txt"
    if main.is_file() and hashed(main):
        return [main]
    return [p for p in sorted(root.glob("requirements*.txt")) if p.is_file() and hashed(p)]


# -- package-lock.json ------------------------------------------------------------------------

def _integrity(value: Any, where: str) -> set[tuple[str, str]]:
    out = set()
    for item in str(value or "").split():
        alg, sep, b64 = item.partition("-")
        if not sep or alg.lower() not in _ALGS:
            raise LockfileInvalid(f"{where}.integrity: {item[:40]!r} is not an SRI hash",
                                  hint="regenerate it with `npm install`")
        try:
            out.add((_ALGS[alg.lower()], base64.b64decode(b64, validate=True).hex()))
        except ValueError:
            raise LockfileInvalid(f"{where}.integrity: not base64",
                                  hint="regenerate it with `npm install`") from None
    return out


def read_package_lock(path: Path, root: Path) -> Inventory:
    name = _rel(path, root)
    try:
        data = loads_strict(path.read_bytes())
    except StrictJSONError as exc:
        raise LockfileInvalid(f"{name}: {exc}", hint="regenerate it with `npm install`") from None
    if not isinstance(data, dict) or data.get("lockfileVersion") not in (2, 3):
        version = data.get("lockfileVersion") if isinstance(data, dict) else None
        raise LockfileInvalid(f"{name}: lockfileVersion {version!r} is not 2 or 3",
                              hint="regenerate it with npm 7 or later")
    entries = data.get("packages")
    if not isinstance(entries, dict) or not isinstance(entries.get(""), dict):
        raise LockfileInvalid(f"{name}: packages[\"\"]: missing (the root package)",
                              hint="regenerate it with `npm install`")
    located: dict[str, tuple[str, str, set[tuple[str, str]]]] = {}
    for key, entry in entries.items():
        if not key or not isinstance(entry, dict) or entry.get("dev") or entry.get("link"):
            continue
        where = f"{name}: packages[{key!r}]"
        pkg_name = entry.get("name") or key.rsplit("node_modules/", 1)[-1]
        version = _str(entry, "version", where)
        located[key] = (purl_for("npm", pkg_name, version), pkg_name,
                        _integrity(entry.get("integrity"), where))

    def find(from_key: str, dep: str) -> str | None:
        base = from_key
        while True:  # node's resolution: nearest node_modules upwards
            candidate = f"{base}/node_modules/{dep}" if base else f"node_modules/{dep}"
            if candidate in located:
                return located[candidate][0]
            if not base:
                return None
            base = base.rsplit("/node_modules/", 1)[0] if "/node_modules/" in base else ""

    def deps(key: str) -> list[str]:
        entry = entries[key]
        names = [*(entry.get("dependencies") or {}), *(entry.get("optionalDependencies") or {}),
                 *(entry.get("peerDependencies") or {})]
        return sorted({p for p in (find(key, n) for n in names) if p})

    packages: dict[str, Package] = {}
    for key, (purl, pkg_name, hashes) in located.items():
        old = packages.get(purl)
        merged = set(deps(key)) | set(old.requires if old else ())
        packages[purl] = Package(pkg_name, purl.rsplit("@", 1)[1], purl,
                                 tuple(sorted(hashes | set(old.hashes if old else ()))),
                                 tuple(sorted(merged)))
    return _finish([name], "npm", deps(""), packages)


# -- Cargo.lock -------------------------------------------------------------------------------

def read_cargo_lock(path: Path, root: Path, artifact_name: str | None = None) -> Inventory:
    name = _rel(path, root)
    data = _load_toml(path, root)
    entries = _table_list(data, "package", name)
    if not entries:
        raise LockfileInvalid(f"{name}: no [[package]] entries",
                              hint="run `cargo generate-lockfile`")
    by_name: dict[str, list[dict[str, Any]]] = {}
    for i, entry in enumerate(entries):
        entry["_where"] = f"{name}: package[{i}]"
        _str(entry, "name", entry["_where"])
        _str(entry, "version", entry["_where"])
        by_name.setdefault(entry["name"], []).append(entry)
    checksums = data.get("metadata", {}) if isinstance(data.get("metadata"), dict) else {}

    def resolve(spec: Any, where: str) -> dict[str, Any]:
        parts = str(spec).split(" ")
        candidates = by_name.get(parts[0], [])
        if len(parts) > 1:
            candidates = [c for c in candidates if c["version"] == parts[1]]
        if not candidates:
            raise LockfileInvalid(f"{where}.dependencies: {spec!r} is not a locked package",
                                  hint="run `cargo generate-lockfile`")
        return candidates[0]

    members = [e for e in entries if "source" not in e]
    roots = _IdSet([e for e in members if e["name"] == artifact_name] or
                   (members if len(members) == 1 else []))
    packages: dict[str, Package] = {}
    for entry in entries:
        if entry in roots:
            continue
        purl = purl_for("cargo", entry["name"], entry["version"])
        checksum = entry.get("checksum") or checksums.get(
            f"checksum {entry['name']} {entry['version']} ({entry.get('source')})")
        hashes = ((_hash(f"sha256:{checksum}", f"{entry['_where']}.checksum"),)
                  if checksum else ())
        requires = [resolve(d, entry["_where"]) for d in entry.get("dependencies", [])]
        packages[purl] = Package(entry["name"], entry["version"], purl, hashes, tuple(sorted(
            purl_for("cargo", r["name"], r["version"]) for r in requires if r not in roots)))
    if roots:
        direct = [purl_for("cargo", r["name"], r["version"]) for root_entry in roots
                  for r in (resolve(d, root_entry["_where"])
                            for d in root_entry.get("dependencies", [])) if r not in roots]
    else:
        required = {r for p in packages.values() for r in p.requires}
        direct = [p for p in packages if p not in required]
    return _finish([name], "cargo", direct, packages)


# -- discovery --------------------------------------------------------------------------------

def find_lockfiles(root: Path) -> list[Path]:
    """The lock files :func:`read_lockfiles` would read, in order."""
    found: list[Path] = []
    for python in ("uv.lock", "poetry.lock"):
        if (root / python).is_file():
            found.append(root / python)
            break
    else:
        found.extend(_hashed_requirements(root))
    found.extend(root / n for n in ("package-lock.json", "Cargo.lock") if (root / n).is_file())
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
            inventories.append(read_package_lock(path, root))
        elif path.name == "Cargo.lock":
            inventories.append(read_cargo_lock(path, root, artifact_name))
    if not inventories:
        return None
    packages = {p.purl: p for inv in inventories for p in inv.packages}
    return Inventory(tuple(s for inv in inventories for s in inv.sources),
                     inventories[0].ecosystem,
                     tuple(sorted({d for inv in inventories for d in inv.direct})),
                     tuple(packages[k] for k in sorted(packages)))


# -- an installed environment -----------------------------------------------------------------

def site_packages(environment: Path) -> list[Path]:
    """The ``site-packages`` folders of a venv, an interpreter inside one, or
    a ``site-packages`` folder itself."""
    env = environment
    if env.is_file():  # .../bin/python
        env = env.parent.parent
    if (env / "pyvenv.cfg").is_file() or (env / "lib").is_dir() or (env / "Lib").is_dir():
        found = sorted(env.glob("lib/python*/site-packages")) + \
            sorted(env.glob("Lib/site-packages"))
        if found:
            return found
    if env.is_dir() and any(env.glob("*.dist-info")):
        return [env]
    raise LockfileInvalid(f"{environment}: no site-packages with installed distributions",
                          hint="point at a virtual environment, its python, or site-packages")


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


def read_environment(paths: list[str] | None = None,
                     artifact_name: str | None = None) -> Inventory:
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
        if name and version and _norm(name) not in dists:  # the first on the path wins
            dists[_norm(name)] = (name, version, headers.get("requires-dist", []), dist)
    base_env = default_environment()
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
            if _norm(req.name) in wanted_extras:
                wanted_extras[_norm(req.name)].update(req.extras)

    def applies(req: Requirement, extras: set[str]) -> bool:
        if req.marker is None:
            return True
        return any(req.marker.evaluate({**base_env, "extra": x}) for x in extras)

    keys = {n: purl_for("pypi", d[0], d[1]) for n, d in dists.items()}
    own = _norm(artifact_name) if artifact_name else None
    packages: dict[str, Package] = {}
    for key, (name, version, _, dist) in dists.items():
        requires = sorted({keys[_norm(r.name)] for r in parsed[key]
                           if _norm(r.name) in keys and _norm(r.name) != own
                           and applies(r, wanted_extras[key])})
        record = dist.read_text("RECORD")
        hashes = (("SHA-256", hashlib.sha256(record.encode("utf-8")).hexdigest()),) \
            if record else ()
        packages[keys[key]] = Package(name, version, keys[key], hashes, tuple(requires))
    if own in dists:
        direct = list(packages.pop(keys[own]).requires)
    else:
        required = {r for p in packages.values() for r in p.requires}
        direct = [p for p in packages if p not in required]
    where = "environment:" + (":".join(search) if paths is not None else sys.prefix)
    return _finish([where], "pypi", direct, packages)

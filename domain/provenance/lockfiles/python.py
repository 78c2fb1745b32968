"""Python lock files: ``uv.lock``, ``poetry.lock`` and hashed requirements."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shipline.domain.provenance.lockfiles.model import (
    IdSet,
    Inventory,
    LockfileInvalid,
    Package,
    finish,
    load_toml,
    parse_hash,
    purl_for,
    relative,
    require_str,
    table_list,
    vcs_url,
)
from shipline.domain.python_names import normalize_python_name

# -- uv.lock ----------------------------------------------------------------------------------


def _uv_qualifiers(source: dict[str, Any]) -> dict[str, str]:
    """Where a package not from PyPI comes from, as purl qualifiers."""
    if "git" in source:
        return {"vcs_url": vcs_url(str(source["git"]))}
    if "url" in source:
        return {"download_url": str(source["url"])}
    registry = str(source.get("registry", ""))
    if registry and registry.rstrip("/") != "https://pypi.org/simple":
        return {"repository_url": registry}
    return {}


def read_uv_lock(path: Path, root: Path, artifact_name: str | None = None) -> Inventory:
    name = relative(path, root)
    data = load_toml(path, root)
    if not isinstance(data.get("version"), int):
        raise LockfileInvalid(
            f"{name}: version: missing (not a uv lock file)", hint="regenerate it with `uv lock`"
        )
    entries = table_list(data, "package", name)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for i, entry in enumerate(entries):
        where = f"{name}: package[{i}]"
        entry["_where"] = where
        require_str(entry, "name", where)
        if not isinstance(entry.get("source"), dict):
            raise LockfileInvalid(f"{where}.source: missing", hint="regenerate it with `uv lock`")
        by_name.setdefault(normalize_python_name(entry["name"]), []).append(entry)

    def resolve(dep: Any, where: str) -> dict[str, Any]:
        if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
            raise LockfileInvalid(
                f"{where}: a dependency without a name", hint="regenerate it with `uv lock`"
            )
        candidates = by_name.get(normalize_python_name(dep["name"]), [])
        if "version" in dep:
            candidates = [c for c in candidates if c.get("version") == dep["version"]]
        if not candidates:
            raise LockfileInvalid(
                f"{where}: dependency {dep['name']!r} is not a locked package",
                hint="regenerate it with `uv lock`",
            )
        return candidates[0]

    def is_root(entry: dict[str, Any]) -> bool:
        src = entry["source"]
        return bool(src.get("editable") == "." or src.get("virtual") == ".")

    found_roots = [e for e in entries if is_root(e)]
    if artifact_name:
        found_roots = [
            e
            for e in entries
            if normalize_python_name(e["name"]) == normalize_python_name(artifact_name)
        ] or found_roots
    roots = IdSet(found_roots)
    # Nodes are (package, extra) pairs so an extra pulls in only its own dependencies.
    packages: dict[str, Package] = {}
    keys: dict[int, str] = {}
    for entry in entries:
        if entry in roots:
            continue
        version = require_str(entry, "version", entry["_where"])
        keys[id(entry)] = purl_for("pypi", entry["name"], version, _uv_qualifiers(entry["source"]))

    def deps_of(
        entry: dict[str, Any], extras: tuple[str, ...]
    ) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
        out = []
        lists: list[Any] = [entry.get("dependencies", [])]
        optional = entry.get("optional-dependencies", {})
        lists.extend(optional.get(x, []) for x in extras if isinstance(optional, dict))
        for deps in lists:
            if not isinstance(deps, list):
                raise LockfileInvalid(
                    f"{entry['_where']}.dependencies: not a list",
                    hint="regenerate it with `uv lock`",
                )
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
        key = keys.get(id(entry))
        if key is None or key not in requires:
            continue
        hashes = set()
        files = [entry.get("sdist"), *entry.get("wheels", [])]
        for i, item in enumerate(f for f in files if isinstance(f, dict)):
            if "hash" in item:
                hashes.add(parse_hash(str(item["hash"]), f"{entry['_where']}.files[{i}].hash"))
        packages[key] = Package(
            entry["name"],
            entry["version"],
            key,
            tuple(sorted(hashes)),
            tuple(sorted(requires[key])),
        )
    return finish([name], "pypi", sorted(direct), packages)


# -- poetry.lock ------------------------------------------------------------------------------


def _pyproject_direct(root: Path) -> set[str] | None:
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    data = load_toml(path, root)
    names: set[str] = set()
    for spec in data.get("project", {}).get("dependencies", []) or []:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(spec))
        if match:
            names.add(normalize_python_name(match.group(1)))
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {}) or {}
    names.update(normalize_python_name(n) for n in poetry if n.lower() != "python")
    return names or None


def read_poetry_lock(path: Path, root: Path) -> Inventory:
    name = relative(path, root)
    data = load_toml(path, root)
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        raise LockfileInvalid(
            f"{name}: metadata: missing (not a poetry lock file)",
            hint="regenerate it with `poetry lock`",
        )
    old_files = metadata.get("files", {}) if isinstance(metadata.get("files"), dict) else {}
    entries = table_list(data, "package", name)
    runtime = []
    for i, entry in enumerate(entries):
        where = f"{name}: package[{i}]"
        require_str(entry, "name", where)
        require_str(entry, "version", where)
        groups = entry.get("groups")
        if entry.get("category", "main") != "main" or (
            isinstance(groups, list) and "main" not in groups
        ):
            continue
        runtime.append((where, entry))
    keys = {
        normalize_python_name(e["name"]): purl_for("pypi", e["name"], e["version"])
        for _, e in runtime
    }
    packages: dict[str, Package] = {}
    for where, entry in runtime:
        deps = entry.get("dependencies", {})
        if not isinstance(deps, dict):
            raise LockfileInvalid(
                f"{where}.dependencies: not a table", hint="regenerate it with `poetry lock`"
            )
        files = entry.get("files", old_files.get(entry["name"], []))
        hashes = {
            parse_hash(str(f.get("hash", "")), f"{where}.files[{j}].hash")
            for j, f in enumerate(files)
            if isinstance(f, dict)
        }
        own = keys[normalize_python_name(entry["name"])]
        requires = sorted(
            keys[normalize_python_name(d)] for d in deps if normalize_python_name(d) in keys
        )
        packages[own] = Package(
            entry["name"], entry["version"], own, tuple(sorted(hashes)), tuple(requires)
        )
    wanted = _pyproject_direct(root)
    required = {r for p in packages.values() for r in p.requires}
    direct = (
        [keys[n] for n in sorted(wanted) if n in keys]
        if wanted
        else [p for p in packages if p not in required]
    )
    return finish([name], "pypi", direct, packages)


# -- requirements with hashes -----------------------------------------------------------------

_REQ = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([^\s;\\]+)")


def _requirement_lines(path: Path, root: Path, seen: set[Path]) -> list[tuple[str, int, str]]:
    if path.resolve() in seen:
        return []
    seen.add(path.resolve())
    name = relative(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockfileInvalid(f"{name}: no such file", hint="fix the -r include") from None
    except UnicodeDecodeError as exc:
        raise LockfileInvalid(
            f"{name}: not UTF-8 (byte {exc.start})", hint="regenerate the requirements file"
        ) from None
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
                via[current].update(
                    normalize_python_name(v) for v in text[3:].split() if not v.startswith("-")
                )
            elif via.get(current) is not None and re.fullmatch(r"[A-Za-z0-9._-]+", text):
                via[current].add(normalize_python_name(text))  # multi-line "# via" lists
            continue
        stripped = stripped.split(" #", 1)[0].strip()
        if not stripped or stripped.startswith("-"):
            current = None if stripped else current
            continue
        where = f"{name}: line {number}"
        match = _REQ.match(stripped)
        if not match:
            raise LockfileInvalid(
                f"{where}: {stripped.split()[0]!r} is not pinned with ==",
                hint="a hashed requirements file pins every package "
                "(`uv pip compile --generate-hashes`)",
            )
        hashes = {parse_hash(h, where) for h in re.findall(r"--hash[=\s]+(\S+)", stripped)}
        if not hashes:
            raise LockfileInvalid(
                f"{where}: {match.group(1)} has no --hash",
                hint="regenerate it with --generate-hashes",
            )
        current = normalize_python_name(match.group(1))
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
    packages = {
        keys[n]: Package(v[0], v[1], keys[n], tuple(sorted(v[2])), tuple(sorted(requires[n])))
        for n, v in found.items()
    }
    return finish([relative(p, root) for p in paths], "pypi", direct, packages)


def hashed_requirements(root: Path) -> list[Path]:
    def hashed(path: Path) -> bool:
        try:
            return "--hash" in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False

    main = root / "requirements.txt"
    if main.is_file() and hashed(main):
        return [main]
    return [p for p in sorted(root.glob("requirements*.txt")) if p.is_file() and hashed(p)]

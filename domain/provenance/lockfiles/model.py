"""The inventory types, purls, hashes and the helpers every lock-file reader
shares; :class:`LockfileInvalid` is exit 86 (see the package docstring)."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipline.domain.errors import ArtifactValidationFailed

ALGORITHMS = {
    "sha1": "SHA-1",
    "sha256": "SHA-256",
    "sha384": "SHA-384",
    "sha512": "SHA-512",
    "md5": "MD5",
}


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
    """``pypi``, ``npm``, ``cargo`` (the first source's, for the root's purl) or ``generic``."""
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


def purl_for(
    ecosystem: str, name: str, version: str, qualifiers: dict[str, str] | None = None
) -> str:
    from packageurl import PackageURL

    extra = {k: v for k, v in (qualifiers or {}).items() if v}
    if ecosystem == "pypi":
        return PackageURL(
            type="pypi", name=name.lower().replace("_", "-"), version=version, qualifiers=extra
        ).to_string()
    if ecosystem == "npm" and name.startswith("@") and "/" in name:
        scope, _, bare = name.partition("/")
        return PackageURL(
            type="npm", namespace=scope, name=bare, version=version, qualifiers=extra
        ).to_string()
    return PackageURL(type=ecosystem, name=name, version=version, qualifiers=extra).to_string()


def vcs_url(url: str) -> str:
    """``https://host/repo?rev=x#<commit>`` → ``git+https://host/repo@<commit>``
    (purl's ``vcs_url`` form)."""
    base, _, commit = url.partition("#")
    base = base.split("?", 1)[0].removeprefix("git+")
    return f"git+{base}@{commit}" if commit else f"git+{base}"


def parse_hash(text: str, where: str) -> tuple[str, str]:
    alg, sep, value = text.partition(":")
    if not sep or alg.lower() not in ALGORITHMS or not re.fullmatch(r"[0-9a-fA-F]+", value):
        raise LockfileInvalid(
            f"{where}: {text!r} is not a hash of the form sha256:<hex>",
            hint="regenerate the lock file",
        )
    return ALGORITHMS[alg.lower()], value.lower()


def load_toml(path: Path, root: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise LockfileInvalid(
            f"{relative(path, root)}: not UTF-8 (byte {exc.start})", hint="regenerate the lock file"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise LockfileInvalid(
            f"{relative(path, root)}: {exc}", hint="regenerate the lock file"
        ) from None


def integrity_hashes(
    value: Any, where: str, hint: str = "regenerate it with `npm install`"
) -> set[tuple[str, str]]:
    """An SRI ``integrity`` value (npm, pnpm): ``{(algorithm, hex)}``."""
    import base64

    out = set()
    for item in str(value or "").split():
        alg, sep, b64 = item.partition("-")
        if not sep or alg.lower() not in ALGORITHMS:
            raise LockfileInvalid(f"{where}.integrity: {item[:40]!r} is not an SRI hash", hint=hint)
        try:
            out.add((ALGORITHMS[alg.lower()], base64.b64decode(b64, validate=True).hex()))
        except ValueError:
            raise LockfileInvalid(f"{where}.integrity: not base64", hint=hint) from None
    return out


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def require_str(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise LockfileInvalid(
            f"{where}.{key}: missing or not a string", hint="regenerate the lock file"
        )
    return value


def table_list(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise LockfileInvalid(
            f"{where}: {key} is not a list of tables", hint="regenerate the lock file"
        )
    return value


class IdSet:
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


def closure(nodes: dict[str, tuple[str, ...]], start: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        key = todo.pop()
        if key in seen or key not in nodes:
            continue
        seen.add(key)
        todo.extend(nodes[key])
    return seen


def finish(
    sources: list[str], ecosystem: str, direct: list[str], packages: dict[str, Package]
) -> Inventory:
    keep = closure({p: packages[p].requires for p in packages}, direct)
    return Inventory(
        tuple(sources),
        ecosystem,
        tuple(sorted(set(direct) & keep)),
        tuple(packages[p] for p in sorted(keep)),
    )

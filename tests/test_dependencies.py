"""Every third-party package shipline imports is a declared dependency, and
every declared dependency has a job (issue 12: pypiserver, packaging, build
and twine were missing from the metadata; gitpython and tomlkit were
declared and never imported). Read from the source, so an import on a path
no test walks counts too."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent

NOT_IMPORTED = {
    "build": "run as `python -m build` by the python-package artifact",
    "twine": "run as `python -m twine` by the python-package artifact",
    "flit-core": "the build backend of the demo's sample package (built offline)",
}
"""Declared dependencies that shipline runs or hands to a tool instead of importing."""

TRANSITIVE = {
    "lark": "rfc3987-syntax's parser, used only by the stand-in for rfc3987_syntax "
    "(domain/provenance/sbom/cyclonedx.py), which needs that package installed",
}
"""Imported, but only where the package that depends on them is present."""


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(Requirement(spec).name) for spec in project["dependencies"]}


def imported() -> dict[str, set[str]]:
    """Distribution -> the modules of shipline that import it."""
    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in ("domain", "tui", "shipline"):
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" in path.parts or (folder == "shipline" and path.is_symlink()):
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top == "shipline":
                        continue
                    for dist in owners.get(top, [f"<no distribution for {top}>"]):
                        found.setdefault(canonicalize_name(dist), set()).add(
                            str(path.relative_to(ROOT))
                        )
    return found


def test_every_import_is_a_declared_dependency() -> None:
    missing = {
        dist: sorted(where)
        for dist, where in imported().items()
        if dist not in declared() and dist not in TRANSITIVE
    }
    assert not missing, f"imported but not in [project].dependencies: {missing}"


def test_every_declared_dependency_has_a_job() -> None:
    idle = declared() - set(imported()) - set(NOT_IMPORTED)
    assert not idle, f"declared but never imported nor run: {sorted(idle)}"
    assert set(NOT_IMPORTED) <= declared()

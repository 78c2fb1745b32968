"""Python projects: pyproject.toml (PEP 621 or Poetry), a dynamic version
held in a ``__version__`` file found from hatch, pdm, setuptools or flit
settings or the package itself, and the pytest / ruff gates."""

from __future__ import annotations

import re
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
    dig,
    options_for,
    read_toml,
    readable_version,
)
from shipline.domain.ecosystems.toolchain import python_runner, python_test_command


def _module_files(module: str) -> list[str]:
    """Where ``pkg.sub`` lives: ``src/pkg/sub/__init__.py``, ``pkg/sub.py``..."""
    rel = module.replace(".", "/")
    return [f"{base}{rel}/__init__.py" for base in ("src/", "")] + [
        f"{base}{rel}.py" for base in ("src/", "")
    ]


def _version_holders(root: Path, data: dict[str, Any], name: str | None) -> list[str]:
    """Files that may hold a Python project's ``__version__``, best first."""
    out: list[str] = []
    for path in (
        dig(data, "tool", "hatch", "version", "path"),
        dig(data, "tool", "pdm", "version", "path"),
    ):
        if isinstance(path, str):
            out.append(path)
    dynamic = dig(data, "tool", "setuptools", "dynamic", "version")
    if isinstance(dynamic, dict):
        if isinstance(dynamic.get("attr"), str):
            module = dynamic["attr"].rsplit(".", 1)[0]
            out.extend(_module_files(module))
        files = dynamic.get("file")
        for f in [files] if isinstance(files, str) else files if isinstance(files, list) else []:
            out.append(f)
    flit = dig(data, "tool", "flit", "module", "name")
    for module in [flit] if isinstance(flit, str) else []:
        out.extend(_module_files(module))
    if name:
        out.extend(_module_files(re.sub(r"[-.]+", "_", name).lower()))
    for pattern in (
        "src/*/__init__.py",
        "*/__init__.py",
        "src/*/__about__.py",
        "*/__about__.py",
        "src/*/_version.py",
        "*/_version.py",
        "src/*/__version__.py",
        "*/__version__.py",
    ):
        out.extend(
            p.relative_to(root).as_posix()
            for p in sorted(root.glob(pattern))
            if "tests" not in p.parts and not p.parts[-2].startswith(".")
        )
    return list(dict.fromkeys(out))


def _vcs_versioned(data: dict[str, Any]) -> bool:
    requires = " ".join(map(str, dig(data, "build-system", "requires") or []))
    return (
        dig(data, "tool", "hatch", "version", "source") == "vcs"
        or dig(data, "tool", "pdm", "version", "source") == "scm"
        or dig(data, "tool", "setuptools_scm") is not None
        or "setuptools_scm" in requires
        or "setuptools-scm" in requires
        or "hatch-vcs" in requires
    )


def detect_python(root: Path, found: Found) -> None:
    manifest = root / "pyproject.toml"
    if not manifest.is_file():
        return
    data = read_toml(manifest)
    if data is None:
        found.notes.append("pyproject.toml is not valid TOML: skipped")
        return
    poetry = dig(data, "tool", "poetry")
    name = dig(data, "project", "name") or dig(poetry, "name")
    static = readable_version(root, "pyproject.toml")
    dynamic = "version" in (dig(data, "project", "dynamic") or [])
    flavour = (
        "poetry"
        if isinstance(dig(poetry, "version"), str)
        and not isinstance(dig(data, "project", "version"), str)
        else "pep 621"
    )
    if static:
        found.files.append(
            VersionFileCandidate(
                "pyproject.toml",
                static,
                "[tool.poetry] version" if flavour == "poetry" else "[project] version",
            )
        )
    holders = _version_holders(root, data, name if isinstance(name, str) else None)
    holder_found = False
    for rel in holders:
        if not (root / rel).is_file() or holder_found:
            continue
        version = readable_version(root, rel)
        if version is None:
            continue
        holder_found = True
        if static:  # both: bump the __version__ too when it agrees today
            same = version == static
            found.files.append(
                VersionFileCandidate(
                    rel,
                    version,
                    "__version__" + ("" if same else f" (differs: {static} in pyproject.toml)"),
                    selected=same,
                )
            )
        else:
            found.files.append(VersionFileCandidate(rel, version, "__version__ (dynamic version)"))
    detail = flavour
    if dynamic and not holder_found:
        if _vcs_versioned(data):
            detail = "version from git tags"
            found.notes.append(
                "pyproject.toml: the version comes from git tags "
                "(setuptools-scm / hatch-vcs): no file to bump, the tag is the "
                "version"
            )
        else:
            found.notes.append(
                "pyproject.toml: the version is dynamic and no file holding "
                "__version__ was found: pass --version-file PATH"
            )
    elif dynamic:
        detail = "dynamic version"
    version = static or next(
        (f.version for f in found.files if f.path != "pyproject.toml" and f.selected), None
    )
    found.ecosystems.append(Ecosystem("python", "pyproject.toml", name, version, detail))
    found.artifacts.append(
        ArtifactCandidate(
            "python-package",
            name if isinstance(name, str) else root.name,
            DEFAULT_REGISTRY["python-package"],
            CREDENTIALS_FOR["python-package"],
            options=options_for("python-package", DEFAULT_REGISTRY["python-package"]),
            source="pyproject.toml",
        )
    )
    if (
        dig(data, "tool", "pytest") is not None
        or (root / "pytest.ini").is_file()
        or (root / "conftest.py").is_file()
        or (root / "tests").is_dir()
        or (root / "test").is_dir()
    ):
        command, why = python_test_command(root, data)
        found.gates.append(
            GateCandidate(
                "pytest" if "pytest" in command else "tests",
                command,
                "tests / pytest config" + (f", {why}" if why else ""),
            )
        )
    if (
        dig(data, "tool", "ruff") is not None
        or (root / "ruff.toml").is_file()
        or (root / ".ruff.toml").is_file()
    ):
        runner = python_runner(root, data)
        found.gates.append(
            GateCandidate(
                "ruff",
                f"{runner.prefix}ruff check .",
                "ruff config" + (f", {runner.why}" if runner.why else ""),
            )
        )

"""The project's existing release-tool configuration, imported (issue 10,
part 2): commitizen, python-semantic-release, bump-my-version/bumpversion,
release-please, semantic-release and git-cliff, one module each.

Each importer returns a :class:`~.model.ToolImport`: shipline settings with
the file and key they came from, and notes on what it could not take.
:func:`import_tool_configs` runs them all and merges the settings into the
``release`` keys of a shipline config: ``shipline init`` writes those (and
shows every source); with no shipline config, ``release plan`` and
``ship`` use them directly, so switching costs nothing. A tool's file that
is not valid TOML/JSON/YAML/INI is exit 90 naming the file.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipline.domain import config_loading
from shipline.domain.config import LoadedConfig

if TYPE_CHECKING:
    from shipline.domain.release.imports.model import Setting, ToolImport

IMPORTERS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "commitizen": (
        (".cz.toml", "cz.toml", ".cz.json", "cz.json", ".cz.yaml", "cz.yaml"),
        (("pyproject.toml", "[tool.commitizen"),),
    ),
    "python_semantic_release": (
        ("releaserc.toml",),
        (("pyproject.toml", "[tool.semantic_release"),),
    ),
    "bumpversion": (
        (".bumpversion.toml", ".bumpversion.cfg"),
        (("pyproject.toml", "[tool.bumpversion"), ("setup.cfg", "[bumpversion]")),
    ),
    "release_please": (("release-please-config.json",), ()),
    "semantic_release": (
        (
            ".releaserc",
            ".releaserc.json",
            ".releaserc.yaml",
            ".releaserc.yml",
            ".releaserc.js",
            ".releaserc.cjs",
            ".releaserc.mjs",
            "release.config.js",
            "release.config.cjs",
            "release.config.mjs",
        ),
        (("package.json", '"release"'),),
    ),
    "git_cliff": (("cliff.toml",), (("pyproject.toml", "[tool.git-cliff"),)),
    "changesets": ((".changeset/config.json",), ()),
}
"""Importer module → (its own files, (shared file, text that shows the tool
is configured in it)). In order of precedence: the first tool that sets a
single-valued key wins. A module is imported only when its tool is there,
so a repository without any costs a few ``stat`` calls."""


def _present(root: Path) -> list[str]:
    texts: dict[str, str] = {}

    def mentions(name: str, marker: str) -> bool:
        if name not in texts:
            try:
                texts[name] = (root / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                texts[name] = ""
        return marker in texts[name]

    return [
        module
        for module, (own, shared) in IMPORTERS.items()
        if any((root / n).is_file() for n in own)
        or any(mentions(n, marker) for n, marker in shared)
    ]


_LISTS = (
    "versionBump",
    "bumpRules",
    "excludeCommits",
    "workspace.fixed",
    "workspace.ignore",
    "workspace.packages",
)


@dataclass
class Imported:
    tools: list[ToolImport] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)
    """The settings kept after merging, each with its source."""
    notes: list[str] = field(default_factory=list)

    def release_data(self) -> dict[str, Any]:
        """The ``release`` keys of a shipline config these settings make."""
        out: dict[str, Any] = {}
        for s in self.settings:
            if s.key.startswith("workspace."):
                workspace = out.setdefault("workspace", {})
                sub = s.key.split(".", 1)[1]
                if s.key in _LISTS:
                    workspace.setdefault(sub, []).append(s.value)
                else:
                    workspace[sub] = s.value
            elif s.key in _LISTS:
                out.setdefault(s.key, []).append(s.value)
            elif s.key.startswith("changelog."):
                out.setdefault("changelog", {})[s.key.split(".", 1)[1]] = s.value
            else:
                out[s.key] = s.value
        return out


def import_tool_configs(root: Path) -> Imported:
    """Every tool configuration found at ``root``, merged."""
    imported = Imported()
    for module in _present(root):
        tool = import_module(f"{__name__}.{module}").read(root)
        if tool is not None:
            imported.tools.append(tool)
            imported.notes.extend(tool.notes)
    chosen: dict[str, Setting] = {}
    seen: set[str] = set()
    for tool in imported.tools:
        for s in tool.settings:
            problem = _problem(s)
            if problem:
                imported.notes.append(f"{tool.tool}: {s.source}: {problem}: not imported")
                continue
            if s.key in _LISTS:
                key = s.key + json.dumps(s.value, sort_keys=True)
                if key not in seen:
                    seen.add(key)
                    imported.settings.append(s)
            elif s.key not in chosen:
                chosen[s.key] = s
                imported.settings.append(s)
            elif chosen[s.key].value != s.value:
                imported.notes.append(
                    f"{tool.tool}: {s.source} = {s.value!r} ignored: "
                    f"{chosen[s.key].source} = {chosen[s.key].value!r} "
                    "is used"
                )
    return imported


def _problem(s: Setting) -> str | None:
    """Why a setting cannot go into a shipline config as it is."""
    patterns = (
        [s.value]
        if s.key == "excludeCommits"
        else [s.value.get("pattern")]
        if s.key == "bumpRules"
        else []
    )
    for pattern in patterns:
        if pattern is None:
            continue
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"{pattern!r} is not a regular expression shipline reads ({exc})"
    if s.key == "commitMessage":
        fields = set(re.findall(r"\{([^{}]*)\}", s.value))
        if "version" not in fields:
            return f"{s.value!r} does not name the new version"
        if fields - {"version", "tag", "previous_version"}:
            return f"{s.value!r} uses placeholders shipline does not have"
    return None


def load_config(
    repo: Path, state_dir: Path | None = None, config_file: Path | None = None
) -> LoadedConfig:
    """:func:`shipline.domain.config_loading.load_config`, except that a repository
    without a shipline config gets the settings of the release tool it
    already uses (versionBump falls back to the manifests when the tool
    lists no file). Reading them adds a few milliseconds, only then."""
    loaded = config_loading.load_config(repo, state_dir, config_file)
    if loaded.path is not None:
        return loaded
    imported = import_tool_configs(repo)
    if not imported.tools:
        return loaded
    release = imported.release_data()
    release.setdefault(
        "versionBump",
        [
            f if isinstance(f, str) else f.model_dump(exclude_none=True)
            for f in config_loading.default_version_files(repo)
        ],
    )
    sources = tuple(dict.fromkeys(t.file for t in imported.tools))
    source = "settings imported from " + ", ".join(sources)
    parsed = config_loading.confined(
        repo, config_loading.parse_config({"release": release}, source), source
    )
    return dataclasses.replace(loaded, config=parsed, imported_from=sources)


__all__ = ["IMPORTERS", "Imported", "import_tool_configs", "load_config"]

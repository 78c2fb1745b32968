"""semantic-release (JavaScript): ``.releaserc`` (JSON or YAML),
``.releaserc.json``, ``.releaserc.yaml`` / ``.yml``, or ``release`` in
package.json. ``.releaserc.js`` / ``release.config.js`` are programs, not
data: they are named in a note and not run.

Imported: ``tagFormat``, ``branches`` (the one release branch),
commit-analyzer's ``releaseRules``, the changelog plugin's file (no plugin:
semantic-release writes no changelog file), the git plugin's commit
message, and the npm plugin's package.json.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shipline.domain.errors import ConfigInvalid
from shipline.domain.release.imports.model import (
    ToolImport,
    read_json,
    read_text,
    read_yaml,
    rule,
    tag_prefix,
)

DEFAULT_GIT_MESSAGE = "chore(release): ${nextRelease.version} [skip ci]\n\n${nextRelease.notes}"
_PROGRAMS = (
    ".releaserc.js",
    ".releaserc.cjs",
    ".releaserc.mjs",
    "release.config.js",
    "release.config.cjs",
    "release.config.mjs",
)


def _find(root: Path) -> tuple[str, str, Any] | None:
    if (root / ".releaserc").is_file():
        text = read_text(root, ".releaserc")
        reader = read_json if text.lstrip().startswith("{") else read_yaml
        return ".releaserc", "", reader(root, ".releaserc")
    for name, reader in (
        (".releaserc.json", read_json),
        (".releaserc.yaml", read_yaml),
        (".releaserc.yml", read_yaml),
    ):
        if (root / name).is_file():
            return name, "", reader(root, name)
    if (root / "package.json").is_file():
        try:
            package = read_json(root, "package.json")
        except ConfigInvalid:  # a broken package.json is reported where it is used
            return None
        if isinstance(package, dict) and isinstance(package.get("release"), dict):
            return "package.json", '"release"', package["release"]
    return None


def _plugins(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{plugin name: options}``; semantic-release's default plugins when none listed."""
    listed = config.get("plugins")
    if not isinstance(listed, list):
        listed = [
            "@semantic-release/commit-analyzer",
            "@semantic-release/release-notes-generator",
            "@semantic-release/npm",
            "@semantic-release/github",
        ]
    out: dict[str, dict[str, Any]] = {}
    for item in listed:
        if isinstance(item, str):
            out[item] = {}
        elif isinstance(item, list) and item and isinstance(item[0], str):
            out[item[0]] = item[1] if len(item) > 1 and isinstance(item[1], dict) else {}
    return out


def read(root: Path) -> ToolImport | None:
    found = _find(root)
    if found is None:
        program = next((n for n in _PROGRAMS if (root / n).is_file()), None)
        if program is None:
            return None
        imp = ToolImport("semantic-release", program)
        imp.note(
            f"{program} is a program, not data: nothing imported (a .releaserc.json "
            "with the same settings would be)"
        )
        return imp
    name, key, config = found
    imp = ToolImport("semantic-release", name)
    if not isinstance(config, dict):
        imp.note("the configuration is not an object: nothing imported")
        return imp
    at = f"{key}." if key else ""
    tag_prefix(
        imp,
        config.get("tagFormat", "v${version}"),
        ("${version}",),
        f"{at}tagFormat"
        if "tagFormat" in config
        else "(semantic-release default tagFormat 'v${version}')",
    )
    _branches(imp, config.get("branches"), f"{at}branches")
    plugins = _plugins(config)
    analyzer = plugins.get("@semantic-release/commit-analyzer", {})
    for index, spec in enumerate(analyzer.get("releaseRules") or []):
        _release_rule(imp, spec, f"{at}plugins commit-analyzer releaseRules[{index}]")
    changelog = plugins.get("@semantic-release/changelog")
    if changelog is None:
        imp.add("changelog.enabled", False, f"{at}plugins (no @semantic-release/changelog)")
    else:
        imp.add(
            "changelog.path",
            changelog.get("changelogFile", "CHANGELOG.md"),
            f"{at}plugins @semantic-release/changelog changelogFile",
        )
    git = plugins.get("@semantic-release/git")
    if git is None:
        imp.note(
            "no @semantic-release/git plugin: semantic-release only tags; shipline "
            "also makes a release commit"
        )
    else:
        _message(
            imp,
            git.get("message", DEFAULT_GIT_MESSAGE),
            f"{at}plugins @semantic-release/git message",
        )
    if "@semantic-release/npm" in plugins:
        for rel in ("package.json", "package-lock.json"):
            if (root / rel).is_file():
                imp.add("versionBump", rel, f"{at}plugins @semantic-release/npm")
    return imp


def _branches(imp: ToolImport, branches: Any, where: str) -> None:
    if branches is None:
        return
    items = branches if isinstance(branches, list) else [branches]
    names = []
    for item in items:
        if (
            isinstance(item, dict)
            and not item.get("prerelease")
            and not item.get("range")
            and isinstance(item.get("name"), str)
        ):
            names.append(item["name"])
        elif isinstance(item, str) and re.fullmatch(r"[\w./-]+", item):
            names.append(item)
    if len(names) == 1:
        imp.add("branch", names[0], where)
    elif names and not {"main", "master"} >= set(names):
        imp.note(f"{where} {names}: shipline releases from one branch; set release.branch")


def _release_rule(imp: ToolImport, spec: Any, where: str) -> None:
    if not isinstance(spec, dict):
        return
    release = spec.get("release")
    bump = "none" if release is False else release
    if bump not in ("major", "minor", "patch", "none"):
        imp.note(f"{where}: release {release!r} is not imported")
        return
    extra = set(spec) - {"type", "scope", "release"}
    if extra or not (spec.get("type") or spec.get("scope")):
        imp.note(f"{where}: rules on {sorted(extra) or 'nothing'} are not imported")
        return
    rule(imp, where, bump, type=spec.get("type"), scope=spec.get("scope"))


def _message(imp: ToolImport, message: str, where: str) -> None:
    text = re.sub(r"\s*\$\{nextRelease\.notes\}", "", message)
    text = (
        text.replace("${nextRelease.version}", "{version}")
        .replace("${nextRelease.gitTag}", "{tag}")
        .replace("${lastRelease.version}", "{previous_version}")
    )
    if "${" in text:
        imp.note(f"{where}: {message!r} uses placeholders shipline does not have: not imported")
        return
    if text != message.replace("${nextRelease.version}", "{version}").replace(
        "${nextRelease.gitTag}", "{tag}"
    ).replace("${lastRelease.version}", "{previous_version}"):
        imp.note(f"{where}: the release notes are not put in the commit message")
    imp.add("commitMessage", text, where)

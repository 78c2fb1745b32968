"""``shipline init`` and the release tool a project already uses: its
settings (:mod:`shipline.domain.release.imports`) replace what detection
guessed, unless a flag says otherwise, and every one is shown with the
file and key it came from."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from shipline.domain.cli.session import Session
from shipline.domain.events import LogLine
from shipline.domain.release.imports import Imported

_FLAG_FOR = {
    "versionBump": "version_file",
    "changelog.path": "changelog",
    "tagPrefix": "tag_prefix",
    "branch": "branch",
}


def apply_imports(answers: Any, imported: Imported, args: argparse.Namespace) -> Any:
    """``answers`` with the imported settings no flag overrides."""
    data = imported.release_data()
    changes: dict[str, Any] = {}
    if "versionBump" in data and getattr(args, "version_file", None) is None:
        changes["version_files"] = data["versionBump"]
    path = data.get("changelog", {}).get("path")
    if path and getattr(args, "changelog", None) is None:
        changes["changelog"] = path
    if "tagPrefix" in data and getattr(args, "tag_prefix", None) is None:
        changes["tag_prefix"] = data["tagPrefix"]
    if "branch" in data and getattr(args, "branch", None) is None:
        changes["branch"] = data["branch"]
    extra: dict[str, Any] = {
        k: data[k]
        for k in (
            "commitMessage",
            "bumpRules",
            "excludeCommits",
            "versionScheme",
            "prereleaseStart",
        )
        if k in data
    }
    if "enabled" in data.get("changelog", {}) and getattr(args, "changelog", None) is None:
        extra["changelog"] = {"enabled": data["changelog"]["enabled"]}
    for key in ("sections", "unlistedTypes", "prereleases"):
        if key in data.get("changelog", {}):
            extra.setdefault("changelog", {})[key] = data["changelog"][key]
    return dataclasses.replace(answers, extra=extra, **changes)


def overridden(key: str, args: argparse.Namespace) -> bool:
    flag = _FLAG_FOR.get(key)
    return flag is not None and getattr(args, flag, None) is not None


def show_imports(session: Session, imported: Imported, args: argparse.Namespace) -> None:
    say = session.emit
    for tool in imported.tools:
        say(LogLine(step="init", text=f"found {tool.tool} configuration: {tool.file}"))
    for s in imported.settings:
        value = s.value if isinstance(s.value, str) else json.dumps(s.value, ensure_ascii=False)
        flag = " (a flag overrides it)" if overridden(s.key, args) else ""
        say(
            LogLine(
                step="init",
                text=f"imported {s.key} = {value!r}{flag} from {s.source}"
                if isinstance(s.value, str)
                else f"imported {s.key} = {value}{flag} from {s.source}",
            )
        )
    for note in imported.notes:
        say(LogLine(step="init", text=f"note: {note}"))


def imports_json(imported: Imported) -> list[dict[str, Any]]:
    return [{"key": s.key, "value": s.value, "source": s.source} for s in imported.settings]

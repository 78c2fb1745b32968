"""The answers ``shipline init`` writes its config from, and the parsing and
checking of every flag that gives one (all before any question is asked).
Shared by the command and its questionary wizard; a token where a variable
name belongs, or a registry URL with a password, is refused here (2)."""

from __future__ import annotations

import argparse
import re
import urllib.parse
from dataclasses import dataclass, field, replace
from typing import Any

from shipline.domain.ecosystems.detect import (
    CREDENTIALS_FOR,
    DEFAULT_REGISTRY,
    ArtifactCandidate,
    Detection,
    default_provenance,
    options_for,
)
from shipline.domain.errors import ArtifactTypeUnknown, UsageError

ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


TOKEN_PREFIXES = (
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "github_pat_",
    "glpat-",
    "pypi-",
    "npm_",
    "sk-",
    "xox",
)


SBOM_FORMATS = {"cyclonedx": "CycloneDX", "spdx": "SPDX"}


SBOM_SPEC = {"CycloneDX": "1.6", "SPDX": "2.3"}


@dataclass
class Answers:
    """Everything the config is written from."""

    version_files: list[str | dict[str, str]]
    changelog: str | None
    gates: list[tuple[str, str]]
    artifacts: list[ArtifactCandidate]
    signing: str
    level: int
    sbom: str
    remote: str
    branch: str | None
    tag_prefix: str
    given: set[str] = field(default_factory=set)
    """Questions answered by flags (the wizard skips them)."""
    forge: dict[str, Any] | None = None
    """``release.forge``: from ``--forge`` or detected (remote URL, CI)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Release keys imported from the project's release tool (commitMessage,
    bumpRules, excludeCommits, changelog.enabled)."""


# --- flag parsing (every check before any question) -------------------------


def parse_level(text: str) -> int:
    match = re.fullmatch(r"(?:slsa_build_level_|l)?([1-4])", text.strip().lower())
    if not match:
        raise UsageError(
            f"--level {text}: not an SLSA build level",
            hint="use 1, 2, 3 or 4 (or L3, SLSA_BUILD_LEVEL_3)",
        )
    return int(match.group(1))


def check_env_name(name: str, where: str) -> str:
    """``name`` if it is an environment variable's name; a token is refused."""
    if name.startswith(TOKEN_PREFIXES) or not ENV_NAME.fullmatch(name):
        raise UsageError(
            f"{where}: {_mask(name)} is not an environment variable name",
            hint="give the NAME of the variable that holds the token, e.g. "
            "PYPI_TOKEN; never the token itself",
        )
    return name


def check_registry(url: str, where: str) -> str:
    if urllib.parse.urlsplit(url.removeprefix("sparse+")).password:
        raise UsageError(
            f"{where}: the registry URL carries a password",
            hint="remove it from the URL and name the variable that holds it "
            "with --credentials-env",
        )
    return url


def _scrub(text: str) -> str:
    """``text`` with any URL password replaced, for messages."""
    return re.sub(r"(://[^/:@\s]*):[^/@\s]*@", r"\1:***@", text)


def _mask(text: str) -> str:
    return repr(text[:4] + "…") if len(text) > 8 else repr(text)


def _canonical_type(name: str, where: str) -> str:
    from shipline.domain.artifacts import ALIASES, HANDLER_TYPES, known_types

    canonical = ALIASES.get(name, name)
    if canonical not in HANDLER_TYPES:
        raise ArtifactTypeUnknown(
            f"{where}: unknown artifact type '{name}'",
            hint="use one of: " + ", ".join(known_types()),
        )
    return canonical


def parse_artifacts(specs: list[str], detection: Detection) -> list[ArtifactCandidate]:
    """``TYPE[:NAME[@REGISTRY]]`` each; ``none`` alone means source-only."""
    if specs == ["none"]:
        return []
    out: list[ArtifactCandidate] = []
    for spec in specs:
        shown = _scrub(spec)
        kind, _, rest = spec.partition(":")
        if not kind:
            raise UsageError(f"--artifact {shown!r}: no type", hint="TYPE[:NAME[@REGISTRY]]")
        kind = _canonical_type(kind, f"--artifact {shown}")
        at = rest.find("@", 1)  # an npm scope (@org/pkg) is part of the name
        name, registry = (rest[:at], rest[at + 1 :]) if at > 0 else (rest, "")
        detected = [
            a for a in detection.artifacts if a.type == kind and (not name or a.name == name)
        ]
        if not detected:
            default = DEFAULT_REGISTRY.get(kind)
            detected = [
                ArtifactCandidate(
                    kind,
                    name or detection.root.name,
                    default,
                    CREDENTIALS_FOR.get(kind),
                    options=options_for(kind, default),
                )
            ]
        for cand in detected:
            if registry:
                check_registry(registry, f"--artifact {shown}")
                cand = replace(
                    cand, registry=registry, options=options_for(kind, registry, cand.options)
                )
            out.append(replace(cand, selected=True))
    return out


def apply_credentials(
    specs: list[str], artifacts: list[ArtifactCandidate]
) -> list[ArtifactCandidate]:
    """``[TYPE=]VAR`` each: VAR for the artifacts of TYPE, or for all; ``none`` clears."""
    out = list(artifacts)
    for spec in specs:
        kind, sep, var = spec.rpartition("=")
        where = "--credentials-env" + (f" {kind}=…" if sep else "")  # never echo a token
        kind = _canonical_type(kind, where) if sep else ""
        value = None if var == "none" else check_env_name(var, where)
        if kind and not any(a.type == kind for a in out):
            raise UsageError(
                f"{where}: there is no {kind} artifact",
                hint=f"add one with --artifact {kind}, or drop this flag",
            )
        out = [replace(a, credentials_env=value) if not kind or a.type == kind else a for a in out]
    return out


def parse_version_file(spec: str) -> str | dict[str, str]:
    path, sep, pattern = spec.partition(":")
    if not path:
        raise UsageError(f"--version-file {spec!r}: no path", hint="PATH or PATH:PATTERN")
    if sep and "{version}" not in pattern:
        raise UsageError(
            f"--version-file {spec}: the pattern has no {{version}}",
            hint="e.g. --version-file 'src/ver.h:VERSION \"{version}\"'",
        )
    return {"path": path, "pattern": pattern} if sep else path


def parse_gate(spec: str) -> tuple[str, str]:
    name, sep, command = spec.partition("=")
    if not sep or not name.strip():
        raise UsageError(
            f"--gate {spec!r}: expected NAME=COMMAND",
            hint="e.g. --gate tests='pytest -q'; NAME= drops a detected gate",
        )
    return name.strip(), command.strip()


def merge_gates(detected: list[tuple[str, str]], specs: list[str]) -> list[tuple[str, str]]:
    gates = dict(detected)
    for name, command in map(parse_gate, specs):
        if command:
            gates[name] = command
        else:
            gates.pop(name, None)
    return list(gates.items())


def answers_from(
    detection: Detection, args: argparse.Namespace, signing_key: str | None
) -> Answers:
    """The detected defaults with every flag applied."""
    given = {
        k
        for k in (
            "version_file",
            "changelog",
            "gate",
            "artifact",
            "signing",
            "level",
            "sbom",
            "remote",
        )
        if getattr(args, k, None) is not None
    }
    method, level = default_provenance(detection, signing_key)
    signing = args.signing or method
    if args.level is not None:
        level = parse_level(args.level)
        if args.signing is None and level > 1 and method == "none":
            signing = "sigstore"  # a level above 1 needs signed provenance
    elif signing != method:
        level = 3 if signing != "none" and detection.ci else 1
    files = (
        [parse_version_file(s) for s in args.version_file]
        if args.version_file
        else [f.entry() for f in detection.version_files if f.selected]
    )
    changelog = (
        args.changelog if args.changelog is not None else (detection.changelog or "CHANGELOG.md")
    )
    artifacts = (
        parse_artifacts(args.artifact, detection)
        if args.artifact
        else [a for a in detection.artifacts if a.selected]
    )
    if args.credentials_env:
        artifacts = apply_credentials(args.credentials_env, artifacts)
        given.add("credentials_env")
    prefix = (
        detection.tag_prefix
        if args.tag_prefix is None
        else ("" if args.tag_prefix == "none" else args.tag_prefix)
    )
    return Answers(
        forge=parse_forge(args, detection),
        version_files=files,
        changelog=None if changelog == "none" else changelog,
        gates=merge_gates([(g.name, g.run) for g in detection.gates], args.gate or []),
        artifacts=artifacts,
        signing=signing,
        level=level,
        sbom=SBOM_FORMATS[(args.sbom or "cyclonedx").lower()],
        remote=args.remote or detection.remote or "origin",
        branch=args.branch or detection.branch,
        tag_prefix=prefix,
        given=given,
    )


def parse_forge(args: argparse.Namespace, detection: Detection) -> dict[str, Any] | None:
    """``--forge github[:owner/name]`` / ``gitlab[:group/name]`` / ``none``;
    without it, what the remote URL and the CI environment say."""
    import os

    from shipline.domain.ecosystems.forge_remote import detect_forge

    detected = detect_forge(detection.remote_url, os.environ)
    spec = getattr(args, "forge", None)
    if spec is None:
        return detected
    kind, _, repository = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "none":
        return None
    if kind not in ("github", "gitlab"):
        raise UsageError(
            f"--forge {spec}: not github, gitlab or none", hint="e.g. --forge github:OWNER/NAME"
        )
    if not repository:
        if detected is None or detected["type"] != kind:
            raise UsageError(
                f"--forge {spec}: the repository cannot be told from the remote",
                hint=f"name it: --forge {kind}:OWNER/NAME",
            )
        return detected
    entry: dict[str, Any] = {"type": kind, "repository": repository}
    if detected is not None and detected["type"] == kind and "apiUrl" in detected:
        entry["apiUrl"] = detected["apiUrl"]
    entry["tokenEnv"] = "GITHUB_TOKEN" if kind == "github" else "GITLAB_TOKEN"
    return entry

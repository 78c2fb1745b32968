"""``shipline init``: detect the repository's ecosystems, ask what detection
cannot know (or take it from flags), and write a valid
``.shipline/config.json``; then show what ``release plan`` would do with it.

Order matters for "nothing half-written": an existing config is refused
(2, unless ``--force``) and every flag is checked before a question is
asked; the finished config is validated with the same pydantic models
``release`` loads it with (90), its version files are read back, and only
then is it written, atomically. Secrets never enter it: artifacts carry the
*name* of the variable that holds a token, and a value that looks like a
token, or a registry URL with a password, is refused (2).

Exit codes for bad flags: an unknown ``--artifact`` type is 85, the SPEC's
code for exactly that fault, the same in every mode (a CI script checking
for 85 sees it whether the type came from a config or a flag); malformed
flags (``--gate`` without ``=``, a level that is not 1-4, a token where a
variable name belongs) are usage errors, 2; a combination the config
models refuse (``--signing none`` with a level above 1) is 90, as it would
be in a hand-written config.
"""

from __future__ import annotations

import argparse
import re
import urllib.parse
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from shipline.domain.cli.commands.init_imports import apply_imports, imports_json, show_imports
from shipline.domain.cli.session import Session
from shipline.domain.config import parse_config, state_dir_for
from shipline.domain.ecosystems.detect import (
    ARTIFACT_FOR,
    CREDENTIALS_FOR,
    DEFAULT_REGISTRY,
    ArtifactCandidate,
    Detection,
    default_provenance,
    detect,
    options_for,
    readable_version,
    unique_names,
)
from shipline.domain.errors import ArtifactTypeUnknown, ShiplineError, UsageError
from shipline.domain.events import LogLine, StepFinished, StepStarted
from shipline.domain.gitops import Git
from shipline.domain.jsonio import dumps_pretty, write_atomic
from shipline.domain.release.imports import import_tool_configs, load_config

ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")
TOKEN_PREFIXES = ("ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "glpat-", "pypi-", "npm_",
                  "sk-", "xox")
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
    extra: dict[str, Any] = field(default_factory=dict)
    """Release keys imported from the project's release tool (commitMessage,
    bumpRules, excludeCommits, changelog.enabled)."""


# --- flag parsing (every check before any question) -------------------------


def parse_level(text: str) -> int:
    match = re.fullmatch(r"(?:slsa_build_level_|l)?([1-4])", text.strip().lower())
    if not match:
        raise UsageError(f"--level {text}: not an SLSA build level",
                         hint="use 1, 2, 3 or 4 (or L3, SLSA_BUILD_LEVEL_3)")
    return int(match.group(1))


def check_env_name(name: str, where: str) -> str:
    """``name`` if it is an environment variable's name; a token is refused."""
    if name.startswith(TOKEN_PREFIXES) or not ENV_NAME.fullmatch(name):
        raise UsageError(f"{where}: {_mask(name)} is not an environment variable name",
                         hint="give the NAME of the variable that holds the token, e.g. "
                              "PYPI_TOKEN; never the token itself")
    return name


def check_registry(url: str, where: str) -> str:
    if urllib.parse.urlsplit(url.removeprefix("sparse+")).password:
        raise UsageError(f"{where}: the registry URL carries a password",
                         hint="remove it from the URL and name the variable that holds it "
                              "with --credentials-env")
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
        raise ArtifactTypeUnknown(f"{where}: unknown artifact type '{name}'",
                                  hint="use one of: " + ", ".join(known_types()))
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
        name, registry = (rest[:at], rest[at + 1:]) if at > 0 else (rest, "")
        detected = [a for a in detection.artifacts if a.type == kind
                    and (not name or a.name == name)]
        if not detected:
            default = DEFAULT_REGISTRY.get(kind)
            detected = [ArtifactCandidate(kind, name or detection.root.name, default,
                                          CREDENTIALS_FOR.get(kind),
                                          options=options_for(kind, default))]
        for cand in detected:
            if registry:
                check_registry(registry, f"--artifact {shown}")
                cand = replace(cand, registry=registry,
                               options=options_for(kind, registry, cand.options))
            out.append(replace(cand, selected=True))
    return out


def apply_credentials(specs: list[str], artifacts: list[ArtifactCandidate]) -> list[
        ArtifactCandidate]:
    """``[TYPE=]VAR`` each: VAR for the artifacts of TYPE, or for all; ``none`` clears."""
    out = list(artifacts)
    for spec in specs:
        kind, sep, var = spec.rpartition("=")
        where = "--credentials-env" + (f" {kind}=…" if sep else "")  # never echo a token
        kind = _canonical_type(kind, where) if sep else ""
        value = None if var == "none" else check_env_name(var, where)
        if kind and not any(a.type == kind for a in out):
            raise UsageError(f"{where}: there is no {kind} artifact",
                             hint=f"add one with --artifact {kind}, or drop this flag")
        out = [replace(a, credentials_env=value) if not kind or a.type == kind else a
               for a in out]
    return out


def parse_version_file(spec: str) -> str | dict[str, str]:
    path, sep, pattern = spec.partition(":")
    if not path:
        raise UsageError(f"--version-file {spec!r}: no path", hint="PATH or PATH:PATTERN")
    if sep and "{version}" not in pattern:
        raise UsageError(f"--version-file {spec}: the pattern has no {{version}}",
                         hint='e.g. --version-file \'src/ver.h:VERSION "{version}"\'')
    return {"path": path, "pattern": pattern} if sep else path


def parse_gate(spec: str) -> tuple[str, str]:
    name, sep, command = spec.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"--gate {spec!r}: expected NAME=COMMAND",
                         hint="e.g. --gate tests='pytest -q'; NAME= drops a detected gate")
    return name.strip(), command.strip()


def merge_gates(detected: list[tuple[str, str]], specs: list[str]) -> list[tuple[str, str]]:
    gates = dict(detected)
    for name, command in map(parse_gate, specs):
        if command:
            gates[name] = command
        else:
            gates.pop(name, None)
    return list(gates.items())


def answers_from(detection: Detection, args: argparse.Namespace,
                 signing_key: str | None) -> Answers:
    """The detected defaults with every flag applied."""
    given = {k for k in ("version_file", "changelog", "gate", "artifact", "signing", "level",
                         "sbom", "remote") if getattr(args, k, None) is not None}
    method, level = default_provenance(detection, signing_key)
    signing = args.signing or method
    if args.level is not None:
        level = parse_level(args.level)
        if args.signing is None and level > 1 and method == "none":
            signing = "sigstore"  # a level above 1 needs signed provenance
    elif signing != method:
        level = 3 if signing != "none" and detection.ci else 1
    files = [parse_version_file(s) for s in args.version_file] if args.version_file else \
        [f.entry() for f in detection.version_files if f.selected]
    changelog = args.changelog if args.changelog is not None else \
        (detection.changelog or "CHANGELOG.md")
    artifacts = parse_artifacts(args.artifact, detection) if args.artifact else \
        [a for a in detection.artifacts if a.selected]
    if args.credentials_env:
        artifacts = apply_credentials(args.credentials_env, artifacts)
        given.add("credentials_env")
    prefix = detection.tag_prefix if args.tag_prefix is None else \
        ("" if args.tag_prefix == "none" else args.tag_prefix)
    return Answers(
        version_files=files,
        changelog=None if changelog == "none" else changelog,
        gates=merge_gates([(g.name, g.run) for g in detection.gates], args.gate or []),
        artifacts=artifacts, signing=signing, level=level,
        sbom=SBOM_FORMATS[(args.sbom or "cyclonedx").lower()],
        remote=args.remote or detection.remote or "origin",
        branch=args.branch or detection.branch, tag_prefix=prefix, given=given)


# --- the config ----------------------------------------------------------------


def config_data(answers: Answers) -> dict[str, Any]:
    release: dict[str, Any] = {"tagPrefix": answers.tag_prefix}
    if answers.branch:
        release["branch"] = answers.branch
    release["versionBump"] = list(answers.version_files)
    release["changelog"] = {"path": answers.changelog} if answers.changelog else \
        {"path": "CHANGELOG.md", "enabled": False}
    release["gates"] = [{"name": n, "run": c, "timeoutSeconds": 900} for n, c in answers.gates]
    release["artifacts"] = [a.entry() for a in unique_names(answers.artifacts)]
    release["security"] = {"provenance": {
        "enabled": True, "framework": "slsa", "level": f"SLSA_BUILD_LEVEL_{answers.level}",
        "signing": {"method": answers.signing, "keyless": answers.signing == "sigstore",
                    "keyRef": None},
        "sbom": {"format": answers.sbom, "specVersion": SBOM_SPEC[answers.sbom]},
    }}
    release["push"] = {"remote": answers.remote}
    for key, value in answers.extra.items():
        if isinstance(value, dict):
            release.setdefault(key, {}).update(value)
        else:
            release[key] = value
    return {"release": release}


def validate(data: dict[str, Any], root: Path, source: str) -> None:
    """The checks ``release`` would make when loading it (90), plus: every
    version file can be read back (2: it was a flag or an answer)."""
    from shipline.domain.provenance.levels import check_method_level

    config = parse_config(data, source)
    check_method_level(config.release.security.provenance)
    for vf in config.release.version_files:
        if readable_version(root, vf.path, vf.pattern) is None:
            what = "no such file" if not (root / vf.path).is_file() else "no version found in it"
            raise UsageError(f"version file {vf.path}: {what}",
                             hint="pass an existing file holding the version, or "
                                  "--version-file PATH:PATTERN with {version}")


# --- the command ---------------------------------------------------------------


def init(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    repo = session.repo
    target = state_dir_for(repo, session.state_dir_override) / "config.json"
    rel = _rel(repo, target)
    if target.exists() and not args.force:
        raise UsageError(f"{rel} already exists: not overwritten",
                         hint="edit it, or pass --force to replace it")
    detection = detect(repo)
    signing_key = session.git.config_get("user.signingkey")
    imported = import_tool_configs(repo)
    answers = apply_imports(answers_from(detection, args, signing_key), imported, args)
    check_refs(session.git, answers)
    _show_detection(session, detection)
    show_imports(session, imported, args)
    if session.interactive and not args.yes:
        from shipline.domain.cli.commands.init_wizard import ask

        answers = ask(detection, answers)
    if detection.remotes and answers.remote not in detection.remotes:
        session.emit(LogLine(step="init", text=f"note: remote {answers.remote} is not "
                             f"configured (git remote add {answers.remote} URL)"))
    data = config_data(answers)
    validate(data, repo, rel)
    write_atomic(target, dumps_pretty(data))
    session.emit(StepFinished(step="init", status="ok", detail=f"wrote {rel}"))
    plan = _show_plan(session, repo)
    return {"message": f"wrote {rel}: review it and commit it", "path": rel, "config": data,
            "detected": detection.to_json(), "imported": imports_json(imported),
            "import_notes": imported.notes, "plan": plan}


def check_refs(git: Git, answers: Answers) -> None:
    """The branch and the tags ``tagPrefix`` makes must be valid git names (2)."""
    if answers.branch and not git.run(["check-ref-format", "--branch", answers.branch],
                                      check=False).ok:
        raise UsageError(f"--branch {answers.branch!r}: not a valid git branch name",
                         hint="e.g. --branch main")
    if not git.run(["check-ref-format", f"refs/tags/{answers.tag_prefix}1.0.0"],
                   check=False).ok:
        raise UsageError(f"--tag-prefix {answers.tag_prefix!r}: makes invalid tag names",
                         hint="e.g. --tag-prefix v, or none for bare versions")


def detected_config(root: Path, signing_key: str | None = None) -> dict[str, Any]:
    """The config ``init --yes`` would write for ``root``, without writing
    it (for the TUI). Raises like ``init`` does."""
    from shipline.domain.cli.main import build_parser

    args = build_parser().parse_args(["init", "--yes"])
    answers = apply_imports(answers_from(detect(root), args, signing_key),
                            import_tool_configs(root), args)
    data = config_data(answers)
    validate(data, root, "(proposed config)")
    return data


def _rel(repo: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return str(path)


def _show_detection(session: Session, d: Detection) -> None:
    say = session.emit
    say(StepStarted(step="init", title=f"Set up shipline in {d.root.name}"))
    for e in d.ecosystems:
        extra = ", ".join(x for x in (e.name, e.version, e.detail) if x)
        say(LogLine(step="init", text=f"found {e.kind}: {e.manifest}"
                    + (f" ({extra})" if extra else "")))
    if not d.ecosystems:
        say(LogLine(step="init", text="no manifest found (pyproject.toml, package.json, "
                    "Cargo.toml, Dockerfile, VERSION)"))
    tags = f"{d.release_tags} release tag(s), prefix {d.tag_prefix or 'none'}" \
        if d.release_tags else "no release tags yet"
    say(LogLine(step="init", text=f"branch {d.branch or '?'}; remote {d.remote or 'none'}; "
                f"{tags}; CI {d.ci or 'none'}; changelog {d.changelog or 'none yet'}"))
    for note in d.notes:
        say(LogLine(step="init", text=f"note: {note}"))


def _show_plan(session: Session, repo: Path) -> dict[str, Any]:
    """What ``release plan`` would do with the new config, in a few lines."""
    from shipline.domain.release.plan import PlanOptions, make_plan

    say = session.emit
    say(StepStarted(step="plan", title="What `shipline release plan` would do now"))
    try:
        p = make_plan(Git(repo), load_config(repo, session.state_dir_override),
                      PlanOptions()).plan
    except ShiplineError as exc:
        say(LogLine(step="plan", text=f"release plan stops here: error {int(exc.code)}: "
                    f"{exc.message}" + (f" ({exc.hint})" if exc.hint else "")))
        say(StepFinished(step="plan", status="failed", detail=f"exit {int(exc.code)}"))
        return {"ok": False, "exit_code": int(exc.code), "error": exc.message}
    last = p.last_tag or "none (first release)"
    say(LogLine(step="plan", text=f"last release {last}; {len(p.commits)} commit(s) since"))
    if not p.releasable:
        say(StepFinished(step="plan", status="skipped", detail=p.blocker or ""))
        return {"ok": True, "releasable": False, "blocker": p.blocker}
    say(LogLine(step="plan", text=f"next {p.tag} ({p.bump or 'explicit'} bump)"))
    say(LogLine(step="plan", text="bumps " + (", ".join(f.path for f in p.files) or "no file")))
    say(LogLine(step="plan", text="gates " + ", ".join(g.name for g in p.gates)))
    arts = ", ".join(f"{a.type}:{a.name}" for a in p.artifacts) or "none (source-only)"
    say(LogLine(step="plan", text=f"artifacts {arts}"))
    say(StepFinished(step="plan", status="planned",
                     detail="run `shipline release plan` for every line it would change"))
    return {"ok": True, "releasable": True, "version": p.version, "tag": p.tag,
            "files": [f.path for f in p.files], "gates": [g.name for g in p.gates],
            "artifacts": [a.type for a in p.artifacts]}


__all__ = ["ARTIFACT_FOR", "Answers", "answers_from", "config_data", "detected_config", "init",
           "validate"]

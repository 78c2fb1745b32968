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
from pathlib import Path
from typing import Any

from shipline.domain.cli.commands.init_answers import SBOM_SPEC, Answers, answers_from
from shipline.domain.cli.commands.init_imports import apply_imports, imports_json, show_imports
from shipline.domain.cli.commands.workspace import packages_section
from shipline.domain.cli.session import Session
from shipline.domain.config_loading import parse_config, state_dir_for
from shipline.domain.ecosystems.detect import (
    ARTIFACT_FOR,
    Detection,
    detect,
    readable_version,
    unique_names,
)
from shipline.domain.errors import ShiplineError, UsageError
from shipline.domain.events import LogLine, StepFinished, StepStarted
from shipline.domain.gitops import Git
from shipline.domain.jsonio import dumps_pretty, write_atomic
from shipline.domain.release.imports import import_tool_configs, load_config
from shipline.domain.workspace.released import released_per_package

# --- the config ----------------------------------------------------------------


def config_data(answers: Answers) -> dict[str, Any]:
    release: dict[str, Any] = {"tagPrefix": answers.tag_prefix}
    if answers.branch:
        release["branch"] = answers.branch
    release["versionBump"] = list(answers.version_files)
    release["changelog"] = (
        {"path": answers.changelog}
        if answers.changelog
        else {"path": "CHANGELOG.md", "enabled": False}
    )
    release["gates"] = [{"name": n, "run": c, "timeoutSeconds": 900} for n, c in answers.gates]
    release["artifacts"] = [a.entry() for a in unique_names(answers.artifacts)]
    release["security"] = {
        "provenance": {
            "enabled": True,
            "framework": "slsa",
            "level": f"SLSA_BUILD_LEVEL_{answers.level}",
            "signing": {
                "method": answers.signing,
                "keyless": answers.signing == "sigstore",
                "keyRef": None,
            },
            "sbom": {"format": answers.sbom, "specVersion": SBOM_SPEC[answers.sbom]},
        }
    }
    release["push"] = {"remote": answers.remote}
    if answers.forge:
        release["forge"] = dict(answers.forge)
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
            raise UsageError(
                f"version file {vf.path}: {what}",
                hint="pass an existing file holding the version, or "
                "--version-file PATH:PATTERN with {version}",
            )


# --- the command ---------------------------------------------------------------


def init(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    repo = session.repo
    target = (
        session.config_override.resolve()
        if session.config_override
        else state_dir_for(repo, session.state_dir_override) / "config.json"
    )
    rel = _rel(repo, target)
    if target.exists() and not args.force:
        raise UsageError(
            f"{rel} already exists: not overwritten", hint="edit it, or pass --force to replace it"
        )
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
        session.emit(
            LogLine(
                step="init",
                text=f"note: remote {answers.remote} is not "
                f"configured (git remote add {answers.remote} URL)",
            )
        )
    if answers.forge:
        forge = answers.forge
        session.emit(
            LogLine(
                step="init",
                text=f"forge: a {forge['type']} release of "
                f"{forge['repository']} after the push (token from "
                f"{forge['tokenEnv']})",
            )
        )
    data = config_data(answers)
    workspace = released_per_package(session.git, answers.tag_prefix)
    if workspace is not None:
        data["release"].setdefault("workspace", {}).update(packages_section(session.git, workspace))
        session.emit(
            LogLine(
                step="init",
                text=f"found a {workspace.kind} workspace of "
                f"{len(workspace.packages)} packages: each released with its "
                "own tag (release.workspace)",
            )
        )
    validate(data, repo, rel)
    write_atomic(target, dumps_pretty(data))
    session.emit(StepFinished(step="init", status="ok", detail=f"wrote {rel}"))
    plan = _show_train(session, workspace) if workspace is not None else _show_plan(session, repo)
    return {
        "message": f"wrote {rel}: review it and commit it",
        "path": rel,
        "config": data,
        "detected": detection.to_json(),
        "imported": imports_json(imported),
        "import_notes": imported.notes,
        "plan": plan,
    }


def check_refs(git: Git, answers: Answers) -> None:
    """The branch and the tags ``tagPrefix`` makes must be valid git names (2)."""
    if (
        answers.branch
        and not git.run(["check-ref-format", "--branch", answers.branch], check=False).ok
    ):
        raise UsageError(
            f"--branch {answers.branch!r}: not a valid git branch name", hint="e.g. --branch main"
        )
    if not git.run(["check-ref-format", f"refs/tags/{answers.tag_prefix}1.0.0"], check=False).ok:
        raise UsageError(
            f"--tag-prefix {answers.tag_prefix!r}: makes invalid tag names",
            hint="e.g. --tag-prefix v, or none for bare versions",
        )


def detected_config(root: Path, signing_key: str | None = None) -> dict[str, Any]:
    """The config ``init --yes`` would write for ``root``, without writing
    it (for the TUI). Raises like ``init`` does."""
    from shipline.domain.cli.parsers import build_parser

    args = build_parser().parse_args(["init", "--yes"])
    answers = apply_imports(
        answers_from(detect(root), args, signing_key), import_tool_configs(root), args
    )
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
        say(
            LogLine(
                step="init", text=f"found {e.kind}: {e.manifest}" + (f" ({extra})" if extra else "")
            )
        )
    for f in d.version_files:
        where = f"{f.path} ({f.pattern})" if f.pattern else f.path
        say(
            LogLine(
                step="init",
                text=f"version file {where}: {f.source}"
                + ("" if f.selected else f" — not selected, it says {f.version}"),
            )
        )
    if not d.ecosystems:
        say(
            LogLine(
                step="init",
                text="no manifest found (pyproject.toml, package.json, "
                "Cargo.toml, Dockerfile, VERSION)",
            )
        )
    tags = (
        f"{d.release_tags} release tag(s), prefix {d.tag_prefix or 'none'}"
        if d.release_tags
        else "no release tags yet"
    )
    say(
        LogLine(
            step="init",
            text=f"branch {d.branch or '?'}; remote {d.remote or 'none'}; "
            f"{tags}; CI {d.ci or 'none'}; changelog {d.changelog or 'none yet'}",
        )
    )
    for note in d.notes:
        say(LogLine(step="init", text=f"note: {note}"))


def _show_plan(session: Session, repo: Path) -> dict[str, Any]:
    """What ``release plan`` would do with the new config, in a few lines."""
    from shipline.domain.release.plan import make_plan
    from shipline.domain.release.plan_model import PlanOptions

    say = session.emit
    say(StepStarted(step="plan", title="What `shipline release plan` would do now"))
    try:
        p = make_plan(
            Git(repo),
            load_config(repo, session.state_dir_override, session.config_override),
            PlanOptions(),
        ).plan
    except ShiplineError as exc:
        say(
            LogLine(
                step="plan",
                text=f"release plan stops here: error {int(exc.code)}: "
                f"{exc.message}" + (f" ({exc.hint})" if exc.hint else ""),
            )
        )
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
    say(
        StepFinished(
            step="plan",
            status="planned",
            detail="run `shipline release plan` for every line it would change",
        )
    )
    return {
        "ok": True,
        "releasable": True,
        "version": p.version,
        "tag": p.tag,
        "files": [f.path for f in p.files],
        "gates": [g.name for g in p.gates],
        "artifacts": [a.type for a in p.artifacts],
    }


__all__ = [
    "ARTIFACT_FOR",
    "Answers",
    "answers_from",
    "config_data",
    "detected_config",
    "init",
    "validate",
]


def _show_train(session: Session, workspace: Any) -> dict[str, Any]:
    """What ``release plan`` would do in the workspace, one line a package."""
    from shipline.domain.workspace.plan import plan_workspace

    say = session.emit
    say(StepStarted(step="plan", title="What `shipline release plan` would do now"))
    loaded = load_config(session.repo, session.state_dir_override, session.config_override)
    try:
        plan = plan_workspace(session.git, loaded, picks={})
    except ShiplineError as exc:
        say(
            StepFinished(
                step="plan", status="failed", detail=f"exit {int(exc.code)}: {exc.message}"
            )
        )
        return {"ok": False, "exit_code": int(exc.code), "error": exc.message}
    for p in plan.packages:
        what = f"next {p.tag}" if p.selected else "nothing to release"
        say(
            LogLine(
                step="plan",
                text=f"{p.name}: last {p.last_tag or 'none'}, {len(p.commits)} commit(s); {what}",
            )
        )
    say(
        StepFinished(
            step="plan",
            status="planned",
            detail="run `shipline release plan` for every package's reasons",
        )
    )
    return {
        "ok": True,
        "releasable": bool(plan.releasing),
        "packages": [p.to_json() for p in plan.packages],
    }

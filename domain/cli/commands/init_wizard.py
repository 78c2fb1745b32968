"""The questions of ``shipline init``, asked with questionary.

Each question starts from the detected answer (pre-selected, pre-filled)
and is skipped when a flag already answered it. Prompts use the current
prompt_toolkit app session, so tests drive them through a pipe input
(``create_pipe_input`` + ``create_app_session``) or a real pseudo-terminal.
Ctrl-C raises KeyboardInterrupt (``unsafe_ask``): the command exits 130
and writes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from shipline.domain.cli.commands.init_answers import (
    Answers,
    check_env_name,
    check_registry,
    parse_gate,
    parse_version_file,
)
from shipline.domain.ecosystems.detect import (
    CREDENTIALS_FOR,
    DEFAULT_REGISTRY,
    ArtifactCandidate,
    Detection,
    options_for,
)
from shipline.domain.errors import ShiplineError

LEVEL_TITLES = {
    1: "1: provenance exists (any build)",
    2: "2: signed provenance from a hosted build",
    3: "3: hardened hosted build, transparency log",
    4: "4: plus reproducible build and two-party review",
}


def _valid(check: Any) -> Any:
    """A questionary validator from one of init's flag checks."""

    def validate(text: str) -> bool | str:
        try:
            check(text)
        except ShiplineError as exc:
            return exc.message
        return True

    return validate


def ask(detection: Detection, answers: Answers) -> Answers:
    import questionary
    from questionary import Choice

    a = replace(answers)
    if "version_file" not in a.given:
        if detection.version_files:
            a.version_files = questionary.checkbox(
                "Version files to bump",
                choices=[
                    Choice(
                        f"{f.path}  ({f.version}; {f.source})", value=f.entry(), checked=f.selected
                    )
                    for f in detection.version_files
                ],
            ).unsafe_ask()
        else:
            spec = questionary.text(
                "Version file (PATH or PATH:PATTERN; empty: none)",
                validate=lambda t: True if not t else _valid(parse_version_file)(t),
            ).unsafe_ask()
            a.version_files = [parse_version_file(spec)] if spec else []
    if "changelog" not in a.given:
        path = (
            questionary.text("Changelog file (none: no changelog)", default=a.changelog or "none")
            .unsafe_ask()
            .strip()
        )
        a.changelog = None if path in ("", "none") else path
    if "gate" not in a.given:
        gates = []
        for name, command in a.gates:
            new = (
                questionary.text(f"Gate '{name}' command (empty: drop it)", default=command)
                .unsafe_ask()
                .strip()
            )
            if new:
                gates.append((name, new))
        while True:
            spec = (
                questionary.text(
                    "Another gate as NAME=COMMAND (empty: done)",
                    validate=lambda t: True if not t.strip() else _valid(parse_gate)(t),
                )
                .unsafe_ask()
                .strip()
            )
            if not spec:
                break
            name, command = parse_gate(spec)
            if command:
                gates.append((name, command))
        a.gates = gates
    if "artifact" not in a.given:
        a.artifacts = _ask_artifacts(detection, a)
    elif "credentials_env" not in a.given:
        a.artifacts = [_ask_details(art, registry=False) for art in a.artifacts]
    _ask_provenance(detection, a)
    if "remote" not in a.given:
        if detection.remotes:
            a.remote = questionary.select(
                "Push to remote", choices=detection.remotes, default=a.remote
            ).unsafe_ask()
        else:
            a.remote = (
                questionary.text("Push to remote (none configured yet)", default=a.remote)
                .unsafe_ask()
                .strip()
                or "origin"
            )
    return a


def _ask_artifacts(detection: Detection, a: Answers) -> list[ArtifactCandidate]:
    import questionary
    from questionary import Choice

    offered = list(detection.artifacts)
    if not any(c.type == "tarball" for c in offered):
        offered.append(
            ArtifactCandidate(
                "tarball",
                detection.root.name,
                DEFAULT_REGISTRY["tarball"],
                None,
                selected=False,
                source="a source archive",
            )
        )
    picked = questionary.checkbox(
        "Artifacts to publish (none: a source-only release)",
        choices=[
            Choice(
                f"{c.type} {c.name}" + (f" (from {c.source})" if c.source else ""),
                value=i,
                checked=c.selected,
            )
            for i, c in enumerate(offered)
        ],
    ).unsafe_ask()
    return [_ask_details(offered[i]) for i in picked]


def _ask_details(art: ArtifactCandidate, registry: bool = True) -> ArtifactCandidate:
    import questionary

    label = f"{art.type} {art.name}"
    if registry:
        url = (
            questionary.text(
                f"{label}: registry URL",
                default=art.registry or "",
                validate=_valid(lambda t: check_registry(t, "registry")),
            )
            .unsafe_ask()
            .strip()
            or None
        )
        if url != art.registry:
            art = replace(art, registry=url, options=options_for(art.type, url, art.options))
    default = art.credentials_env or CREDENTIALS_FOR.get(art.type) or ""
    var = (
        questionary.text(
            f"{label}: NAME of the environment variable holding the token (empty: none)",
            default=default,
            validate=lambda t: (
                True
                if not t.strip()
                else _valid(lambda x: check_env_name(x, "credentials"))(t.strip())
            ),
        )
        .unsafe_ask()
        .strip()
    )
    return replace(art, credentials_env=var or None)


def _ask_provenance(detection: Detection, a: Answers) -> None:
    import questionary
    from questionary import Choice

    if "signing" not in a.given:
        a.signing = questionary.select(
            "Sign provenance with",
            default=a.signing,
            choices=[
                Choice("sigstore (keyless, in CI)", value="sigstore"),
                Choice("gpg (GPG_KEY_ID)", value="gpg"),
                Choice("none (SLSA level 1 only)", value="none"),
            ],
        ).unsafe_ask()
    if "level" not in a.given:
        if a.signing == "none":
            a.level = 1  # unsigned provenance is level 1 only (seed signing.md)
        else:
            default = a.level if a.level > 1 or not detection.ci else 3
            a.level = questionary.select(
                "Target SLSA build level",
                default=cast(Any, default),  # a choice's value
                choices=[Choice(t, value=n) for n, t in LEVEL_TITLES.items()],
            ).unsafe_ask()
    if "sbom" not in a.given:
        a.sbom = questionary.select(
            "SBOM format", choices=["CycloneDX", "SPDX"], default=a.sbom
        ).unsafe_ask()


__all__ = ["ask"]

"""One forge release, the same for a single release and for each package of
a release train: whether there is one to make, the preflight gate (86), and
the release itself (written ahead in the journal as a ``forge`` effect,
resumable at every call, recorded once in the ledger as a ``forge`` record
that names the release record). :mod:`.forge_step` and :mod:`.train_forge`
are the two runs that use it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.errors import ArtifactValidationFailed
from shipline.domain.events import ChainLink, GateResult, LogLine
from shipline.domain.pipeline.effects import Effect, EffectLog
from shipline.domain.pipeline.journal import Journal

GATE = "forge release"


def skip_reason(loaded: LoadedConfig, options: Mapping[str, Any]) -> str | None:
    """Why this run makes no forge release (``None``: it makes one)."""
    forge = loaded.release.forge
    if forge is None:
        return "no release.forge in the config"
    if options.get("no_forge"):
        return "--no-forge"
    if options.get("no_push") or not loaded.release.push.enabled:
        return "the tag is not pushed (--no-push), so the forge has nothing to release"
    if options.get("handoff"):
        return "handed off to CI"
    return None


def make_client(loaded: LoadedConfig, **transport: Any) -> Any:
    from shipline.domain.forge.publish import make_client as client_for

    forge = loaded.release.forge
    assert forge is not None
    return client_for(forge, os.environ, **transport)


def preflight(
    loaded: LoadedConfig, tags: Sequence[tuple[str, str]], options: Mapping[str, Any]
) -> Generator[Any, None, None]:
    """86 unless a release can be made for every ``(tag, version)``: the
    token is set and can write releases, and none exists for a tag yet (the
    tags are not pushed, so one that does was made by someone else)."""
    if skip_reason(loaded, options) is not None:
        return
    from shipline.domain.forge.publish import ForgeRequest, prevalidate

    yield GateResult(name=GATE, status="running")
    try:
        client = make_client(loaded)
        for tag, version in tags:
            request = ForgeRequest(
                tag=tag, version=version, title="", notes="", prerelease=False, assets=[]
            )
            for event in prevalidate(client, request, before_push=True):
                yield event.model_copy(update={"step": "preflight"})
    except ArtifactValidationFailed as exc:
        yield GateResult(name=GATE, status="failed", detail=exc.message)
        raise
    named = ", ".join(tag for tag, _ in tags)
    yield GateResult(
        name=GATE,
        status="passed",
        detail=f"{client.name} {client.repository}: the token can make the release of {named}",
    )


def effect(loaded: LoadedConfig, tag: str, name: str = "") -> Effect:
    """The journal's ``forge`` effect for ``tag`` (``name``: the package in a train)."""
    forge = loaded.release.forge
    assert forge is not None
    return Effect("forge", name, {"where": f"{forge.type} {forge.repository}", "tag": tag})


@dataclass(frozen=True)
class ReleaseToMake:
    """One forge release: for ``tag``, about the ledger's ``record``."""

    record: dict[str, Any]
    tag: str
    version: str
    title: str
    notes: str
    work_dir: Path
    """Where ``SHA256SUMS`` is written."""
    package: str | None = None
    files_version: str | None = None
    """Where the forge keeps this release's files (:class:`ForgeRequest`)."""


def make_release(
    loaded: LoadedConfig,
    repo: Path,
    run: Journal,
    save: Callable[[], None],
    client: Any,
    wanted: ReleaseToMake,
    progress: dict[str, Any],
) -> Generator[Any, None, tuple[str, dict[str, Any]]]:
    """Create (or find) the release, attach its files, compare them and
    record it once; returns its URL and ``{file: {url, sha256, size}}``.
    ``progress`` is this release's part of the journal."""
    from shipline.domain.forge.assets import release_assets
    from shipline.domain.forge.publish import ForgeRequest, publish
    from shipline.domain.release import versioning

    request = ForgeRequest(
        tag=wanted.tag,
        version=wanted.version,
        title=wanted.title,
        notes=wanted.notes,
        prerelease=bool(versioning.parse_version(wanted.version).prerelease),
        assets=release_assets(wanted.record, repo, wanted.work_dir),
        files_version=wanted.files_version,
    )
    made = effect(loaded, wanted.tag, wanted.package or "")
    effects = EffectLog(run, save)
    effects.intend(made)  # write-ahead: a crash mid-call is live, never "local"
    calls = publish(client, request, progress, save)
    while True:
        try:
            event = next(calls)
        except StopIteration as stop:
            url, attached = stop.value
            break
        if wanted.package and isinstance(event, ChainLink):
            event = event.model_copy(update={"package": wanted.package})
        yield event
    effects.done(made)
    sealed = record(loaded, wanted, url, attached)
    yield LogLine(step="forge", text=f"{client.name} release {url} recorded (record {sealed[:12]})")
    return url, attached


def record(
    loaded: LoadedConfig, wanted: ReleaseToMake, url: str, attached: Mapping[str, Any]
) -> str:
    """Append the ``forge`` record once (a resumed run finds it)."""
    from shipline.domain.provenance import ledger

    forge = loaded.release.forge
    assert forge is not None
    release_hash = wanted.record["hash"]
    for found in reversed(ledger.load(loaded.state_dir).records):
        if (
            found.get("recordType") == "forge"
            and found.get("releaseHash") == release_hash
            and found.get("releaseUrl") == url
        ):
            return str(found["hash"])
    sealed = ledger.append(
        loaded.state_dir,
        {
            "recordType": "forge",
            "version": wanted.version,
            "releaseHash": release_hash,
            "forge": forge.type,
            "repository": forge.repository,
            "apiUrl": forge.api,
            "tokenEnv": forge.token_variable,
            "tag": wanted.tag,
            "releaseUrl": url,
            "assets": [
                {"name": name, "url": a["url"], "sha256": a["sha256"], "size": a["size"]}
                for name, a in sorted(attached.items())
            ],
            "publishedAt": ledger.now_rfc3339(),
            "recordedAt": ledger.now_rfc3339(),
        },
    )
    return str(sealed["hash"])

"""The forge release of a version: checked before the point of no return,
made after the push, resumable at every call.

``prevalidate`` (86): the token is set, can write releases of the
repository, and no release for the tag holds files other than the ones
this release attaches (a name shipline does not attach, or the same name
with other bytes).

``publish`` (after the push): the release for the tag is found or created
(title, notes = the changelog entry, prerelease flag); each file is
uploaded unless the forge already holds the same name with the same
SHA-256 (skipped) - the same name with other bytes is 93; an upload the
forge never finished is removed and redone. Then every file is downloaded
back and its SHA-256 compared (93). ``progress`` (the journal's dict) is
written through ``save`` after the release and after every file, so a
crash at any call resumes without a second release or a second file.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from shipline.domain import runner
from shipline.domain.config_forge import ForgeConfig
from shipline.domain.errors import ArtifactValidationFailed, DigestMismatch, ExitCode
from shipline.domain.events import ChainLink, LogLine, StepProgress
from shipline.domain.forge.model import ForgeClient, LocalAsset, RemoteAsset, RemoteRelease

STEP = "forge"


@dataclass(frozen=True)
class ForgeRequest:
    tag: str
    version: str
    title: str
    notes: str
    prerelease: bool
    assets: list[LocalAsset]
    files_version: str | None = None
    """Where the forge keeps the files, when not under ``version`` (GitLab's
    generic package version): a train's packages may share a version and
    must not share a place (each has its own ``SHA256SUMS``)."""

    @property
    def files_at(self) -> str:
        return self.files_version or self.version


def make_client(cfg: ForgeConfig, env: Mapping[str, str], **transport: Any) -> ForgeClient:
    """The client for ``release.forge``; 86 when its token variable is unset.
    The token is registered for redaction the moment it is read."""
    variable = cfg.token_variable
    token = runner.secret_from_env(variable, env)
    if not token:
        raise ArtifactValidationFailed(
            f"release.forge: {variable} is not set: no token to create the {cfg.type} release "
            f"of {cfg.repository}",
            hint=f"export {variable} (a token that can write releases of {cfg.repository}), "
            "or set release.forge.tokenEnv to the variable that holds it",
        )
    if cfg.type == "github":
        from shipline.domain.forge.github import GitHubClient

        return GitHubClient(cfg.repository, cfg.api, token, variable, cfg.upload_url, **transport)
    from shipline.domain.forge.gitlab import GitLabClient

    return GitLabClient(cfg.repository, cfg.api, token, variable, **transport)


def prevalidate(
    client: ForgeClient, request: ForgeRequest, *, before_push: bool = False
) -> Iterator[Any]:
    """86 unless the release can be made as planned (see the module).
    ``before_push``: the tag is not on the forge yet, so any release for it
    was made by someone else."""
    client.set_code(ExitCode.ARTIFACT_VALIDATION_FAILED)
    yield LogLine(step=STEP, text=client.check_access())
    release = client.find_release(request.tag)
    if release is None:
        yield LogLine(step=STEP, text=f"no {client.name} release for {request.tag} yet")
        return
    if before_push:
        raise ArtifactValidationFailed(
            f"{client.name} already has a release for {request.tag} ({release.url}, "
            f'"{release.name}") though this release has not pushed the tag yet',
            hint=f"a release for this tag was made by someone else: delete it on "
            f"{client.name} or choose another version",
        )
    release.extra["version"] = request.files_at
    wanted = {a.name: a for a in request.assets}
    for remote in client.list_assets(release):
        if not remote.complete:
            continue  # an unfinished upload: removed and redone by publish
        local = wanted.get(remote.name)
        if local is None:
            raise ArtifactValidationFailed(
                f"{client.name} already has a release for {request.tag} ({release.url}) with "
                f"{remote.name}, which this release does not attach",
                hint="a release for this tag was made by someone else: delete it on "
                f"{client.name} or choose another version",
            )
        sha = remote.sha256 or client.download_sha256(remote)
        if sha != local.sha256:
            raise ArtifactValidationFailed(
                f"{client.name} already has a release for {request.tag} ({release.url}) whose "
                f"{remote.name} has SHA-256 {sha}, not {local.sha256}",
                hint=f"delete that release on {client.name} or choose another version",
            )
    yield LogLine(
        step=STEP,
        text=f"{client.name} release for {request.tag} exists with "
        "matching files: it will be reused",
    )


def publish(
    client: ForgeClient, request: ForgeRequest, progress: dict[str, Any], save: Callable[[], None]
) -> Generator[Any, None, tuple[str, dict[str, Any]]]:
    """Make the release and attach the files (see the module); returns the
    release URL and ``{name: {url, sha256, size}}``."""
    client.set_code(ExitCode.ARTIFACT_PUBLISH_FAILED)
    where = f"{client.name} {client.repository}"
    yield ChainLink(
        link="forge",
        status="running",
        name="release",
        detail={"tag": request.tag, "repository": where},
    )
    release = client.find_release(request.tag)
    reused = release is not None
    if release is None:
        release = client.create_release(
            request.tag, request.title, request.notes, request.prerelease
        )
        reused = not release.created
    release.extra["version"] = request.files_at
    progress["release"] = {"url": release.url, "handle": release.handle, "reused": reused}
    save()
    yield LogLine(
        step=STEP,
        text=f"{'reusing' if reused else 'created'} the {client.name} release {release.url}",
    )
    remotes = {r.name: r for r in client.list_assets(release)}
    attached: dict[str, Any] = progress.setdefault("assets", {})
    total = sum(a.size for a in request.assets)
    done = 0
    final: list[RemoteAsset] = []
    for asset in request.assets:
        remote = remotes.get(asset.name)
        if remote is not None and not remote.complete:
            client.remove(release, remote)
            yield LogLine(step=STEP, text=f"removed the unfinished upload of {asset.name}")
            remote = None
        if remote is not None:
            sha = remote.sha256 or client.download_sha256(remote)
            if sha != asset.sha256:
                raise _mismatch(client, release, asset, sha, "already holds")
            how = "already there"
        else:
            yield StepProgress(step=STEP, detail=f"uploading {asset.name}", done=done, total=total)
            remote = client.upload(release, asset)
            how = "uploaded"
        done += asset.size
        attached[asset.name] = {
            "url": remote.url,
            "sha256": asset.sha256,
            "size": asset.size,
            "kind": asset.kind,
        }
        save()
        final.append(remote)
        yield StepProgress(step=STEP, detail=f"{asset.name} {how}", done=done, total=total)
        yield ChainLink(
            link="forge",
            status="running",
            name=asset.name,
            detail={"url": remote.url, "sha256": asset.sha256, "": how},
        )
    for name in client.attach(release, final):
        yield LogLine(step=STEP, text=f"linked {name} from the release")
    for asset, remote in zip(request.assets, final, strict=True):
        sha = client.download_sha256(remote)
        if sha != asset.sha256:
            raise _mismatch(client, release, asset, sha, "serves")
        yield ChainLink(
            link="forge",
            status="ok",
            name=asset.name,
            detail={"url": remote.url, "sha256": asset.sha256},
        )
    progress["verified"] = True
    save()
    yield ChainLink(
        link="forge",
        status="ok",
        name="release",
        detail={
            "url": release.url,
            "tag": request.tag,
            "": f"{len(final)} file(s), downloaded back and compared",
        },
    )
    return release.url, dict(attached)


def _mismatch(
    client: ForgeClient, release: RemoteRelease, asset: LocalAsset, sha: str, verb: str
) -> DigestMismatch:
    return DigestMismatch(
        f"{client.name} release {release.url} {verb} {asset.name} with SHA-256 {sha}, "
        f"but this release's file is {asset.sha256}",
        hint=f"someone else changed the file on {client.name}: delete that asset there, then "
        "`shipline release resume` uploads this one",
    )

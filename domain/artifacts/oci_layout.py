"""OCI image layouts for the ``oci-image`` handler: build one with umoci from
a base-less root filesystem, and check one the way a registry would.

The umoci build is byte-for-byte reproducible: the files come from ``git
archive`` of the release commit (committed content only, never the
worktree's clutter), every path's mtime is set to ``SOURCE_DATE_EPOCH``,
and the image's creation and history times are that same instant. Two
builds of one commit have one manifest digest.

:func:`check_layout` is the handler's dry run: ``oci-layout`` and
``index.json`` well formed, exactly one manifest tagged with the release
tag, and every blob (manifest, config, layers) present with the size and
SHA-256 its descriptor claims.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shipline.domain import runner
from shipline.domain.digests import sha256_file
from shipline.domain.errors import ShiplineError

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
LAYER_PREFIXES = ("application/vnd.oci.image.layer.", "application/vnd.docker.image.rootfs.")


@dataclass(frozen=True)
class LayoutInfo:
    """A checked layout: its tagged manifest's digest and blob path."""

    layout: Path
    tag: str
    digest: str
    """``sha256:<hex>`` of the manifest: the image's identity everywhere."""
    manifest_path: Path
    media_type: str
    details: list[str] = field(default_factory=list)


def blob_path(layout: Path, digest: str) -> Path:
    algo, _, hexd = digest.partition(":")
    return layout / "blobs" / algo / hexd


def _load_json(path: Path, what: str, error: type[ShiplineError]) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise error(
            f"OCI layout {path.parent}: {what} {path.name} is missing", hint="rebuild the image"
        ) from None
    except (OSError, ValueError) as exc:
        raise error(
            f"OCI layout: {path} is not valid JSON ({exc})", hint="rebuild the image"
        ) from None


def _check_blob(layout: Path, desc: Any, what: str, error: type[ShiplineError]) -> Path:
    if not isinstance(desc, dict) or not isinstance(desc.get("digest"), str):
        raise error(
            f"OCI layout {layout}: {what} descriptor has no digest", hint="rebuild the image"
        )
    digest = desc["digest"]
    if not digest.startswith("sha256:") or len(digest) != 71:
        raise error(
            f"OCI layout {layout}: {what} digest {digest!r} is not sha256:<64 hex>",
            hint="rebuild the image",
        )
    path = blob_path(layout, digest)
    if not path.is_file():
        raise error(
            f"OCI layout {layout}: {what} blob {digest} is missing", hint="rebuild the image"
        )
    got = sha256_file(path)
    if "sha256:" + got.sha256 != digest:
        raise error(
            f"OCI layout {layout}: {what} blob {digest} has sha256 {got.sha256}",
            hint="the layout is corrupt: rebuild the image",
        )
    if desc.get("size") != got.size:
        raise error(
            f"OCI layout {layout}: {what} blob {digest} is {got.size} bytes, its "
            f"descriptor says {desc.get('size')}",
            hint="rebuild the image",
        )
    return path


def check_layout(layout: Path, tag: str, error: type[ShiplineError]) -> LayoutInfo:
    """Validate ``layout`` and its manifest tagged ``tag``; raise ``error``
    with a one-line message naming the first problem."""
    marker = _load_json(layout / "oci-layout", "marker file", error)
    if not isinstance(marker, dict) or marker.get("imageLayoutVersion") != "1.0.0":
        raise error(
            f"OCI layout {layout}: oci-layout is not imageLayoutVersion 1.0.0",
            hint="rebuild the image",
        )
    index = _load_json(layout / "index.json", "index", error)
    manifests = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(manifests, list):
        raise error(
            f"OCI layout {layout}: index.json has no manifests list", hint="rebuild the image"
        )
    tagged = [
        m
        for m in manifests
        if isinstance(m, dict)
        and (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag
    ]
    if len(tagged) != 1:
        raise error(
            f"OCI layout {layout}: {len(tagged)} manifests are tagged {tag!r} "
            "(expected exactly one)",
            hint="rebuild the image",
        )
    desc = tagged[0]
    if desc.get("mediaType") not in MANIFEST_TYPES:
        raise error(
            f"OCI layout {layout}: manifest media type {desc.get('mediaType')!r} is "
            "not an image manifest",
            hint="build a single-platform image",
        )
    manifest_path = _check_blob(layout, desc, "manifest", error)
    manifest = _load_json(manifest_path, "manifest", error)
    if not isinstance(manifest, dict) or manifest.get("schemaVersion") != 2:
        raise error(
            f"OCI layout {layout}: manifest is not schemaVersion 2", hint="rebuild the image"
        )
    config_desc: dict[str, Any] = manifest.get("config") or {}
    config_path = _check_blob(layout, config_desc, "config", error)
    layers = manifest.get("layers")
    if not isinstance(layers, list) or not layers:
        raise error(f"OCI layout {layout}: manifest has no layers", hint="rebuild the image")
    for i, layer in enumerate(layers):
        _check_blob(layout, layer, f"layer {i}", error)
        if not str(layer.get("mediaType", "")).startswith(LAYER_PREFIXES):
            raise error(
                f"OCI layout {layout}: layer {i} media type {layer.get('mediaType')!r}"
                " is not a layer type",
                hint="rebuild the image",
            )
    config = _load_json(config_path, "config", error)
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    if (
        not isinstance(rootfs, dict)
        or rootfs.get("type") != "layers"
        or len(rootfs.get("diff_ids") or []) != len(layers)
    ):
        raise error(
            f"OCI layout {layout}: config rootfs.diff_ids do not match the {len(layers)} layers",
            hint="rebuild the image",
        )
    for key in ("architecture", "os"):
        if not config.get(key):
            raise error(f"OCI layout {layout}: config has no {key}", hint="rebuild the image")
    size = sum(int(layer["size"]) for layer in layers)
    details = [
        f"manifest {desc['digest']} ({desc['mediaType']})",
        f"config {config_desc['digest']}: {config['os']}/{config['architecture']}",
        f"{len(layers)} layer(s), {size} bytes compressed",
    ]
    return LayoutInfo(
        layout, tag, str(desc["digest"]), manifest_path, str(desc["mediaType"]), details
    )


# -- building with umoci ---------------------------------------------------


def _rfc3339(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _umoci(
    argv: list[str], error: type[ShiplineError], timeout: float, env: dict[str, str]
) -> None:
    try:
        done = runner.run(["umoci", *argv], env=env, timeout=timeout)
    except runner.ToolNotFound:
        raise error("umoci is not installed", hint="apt-get install umoci") from None
    except runner.ToolTimeout:
        raise error(
            f"umoci {argv[0]} did not finish within {timeout:g} s",
            hint="raise options.timeoutSeconds",
        ) from None
    if not done.ok:
        raise error(
            f"umoci {argv[0]} failed (exit {done.returncode}): "
            f"{done.output.strip().splitlines()[-1] if done.output.strip() else ''}",
            hint="check the image options and the project files",
        )


def git_tree_tar(
    repo: Path, commit: str, subdir: str, error: type[ShiplineError], timeout: float
) -> bytes:
    """``git archive`` of ``subdir`` (relative to the repository) at
    ``commit``, with the subdir's content at the archive's root."""
    rel = Path(subdir).as_posix().strip("/")
    rel = "" if rel in ("", ".") else rel
    try:
        rc, data, err = runner.run_bytes(
            ["git", "-C", str(repo), "archive", "--format=tar", f"{commit or 'HEAD'}:{rel}"],
            timeout=timeout,
        )
    except runner.ToolNotFound:
        raise error("git is not installed", hint="install git") from None
    if rc != 0:
        raise error(
            f"git archive {commit or 'HEAD'}:{rel} failed: {err.strip()[:200]}",
            hint="the artifact's path must be committed in the release commit",
        )
    return data


def build_umoci(
    layout: Path,
    tag: str,
    files_tar: bytes,
    *,
    epoch: int,
    workdir: str,
    config: dict[str, Any],
    error: type[ShiplineError],
    timeout: float,
    env: dict[str, str],
) -> LayoutInfo:
    """Build a base-less image with ``files_tar`` unpacked under
    ``workdir``; ``config`` holds ``cmd``/``entrypoint`` (lists), ``env``
    (list of ``K=V``) and ``labels`` (dict). Reproducible for one epoch."""
    bundle = layout.parent / (layout.name + ".bundle")
    for stale in (layout, bundle):
        shutil.rmtree(stale, ignore_errors=True)
    layout.parent.mkdir(parents=True, exist_ok=True)
    image = f"{layout}:{tag}"
    when = _rfc3339(epoch)
    try:
        _umoci(["init", "--layout", str(layout)], error, timeout, env)
        _umoci(["new", "--image", image], error, timeout, env)
        _umoci(["unpack", "--rootless", "--image", image, str(bundle)], error, timeout, env)
        target = bundle / "rootfs" / workdir.strip("/")
        target.mkdir(parents=True, exist_ok=True)
        _extract(files_tar, target, error)
        _pin_mtimes(bundle / "rootfs", epoch)
        _umoci(
            [
                "repack",
                "--refresh-bundle",
                "--history.created",
                when,
                "--history.created_by",
                "shipline oci-image (umoci)",
                "--image",
                image,
                str(bundle),
            ],
            error,
            timeout,
            env,
        )
        args = [
            "config",
            "--image",
            image,
            "--created",
            when,
            "--history.created",
            when,
            "--config.workingdir",
            workdir,
        ]
        for flag in ("cmd", "entrypoint", "env"):
            for value in config.get(flag) or []:
                args += [f"--config.{flag}", str(value)]
        for key, value in sorted((config.get("labels") or {}).items()):
            args += ["--config.label", f"{key}={value}"]
        _umoci(args, error, timeout, env)
        _umoci(["gc", "--layout", str(layout)], error, timeout, env)
        return check_layout(layout, tag, error)
    except BaseException:
        shutil.rmtree(layout, ignore_errors=True)  # never leave half an image behind
        raise
    finally:
        shutil.rmtree(bundle, ignore_errors=True)


def _extract(data: bytes, target: Path, error: type[ShiplineError]) -> None:
    """Unpack a ``git archive`` tar under ``target``, refusing any entry that
    would land outside it (tarfile's "data" filter where this Python has it:
    3.11.4+; the same checks by hand before that)."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        if hasattr(tarfile, "data_filter"):
            try:
                tar.extractall(target, filter="data")
            except tarfile.FilterError as exc:
                raise error(
                    f"the project files cannot go into the image: {exc}",
                    hint="remove the offending path or link from the commit",
                ) from None
            return
        root = target.resolve()
        for member in tar.getmembers():
            dest = (root / member.name).resolve()
            link_ok = True
            if member.issym():
                link_ok = (dest.parent / member.linkname).resolve().is_relative_to(root)
            elif member.islnk():
                link_ok = (root / member.linkname).resolve().is_relative_to(root)
            if not dest.is_relative_to(root) or not link_ok or member.isdev():
                raise error(
                    f"the project files cannot go into the image: {member.name!r} "
                    "points outside the image's work directory",
                    hint="remove the offending path or link from the commit",
                )
        tar.extractall(target)  # every member checked above


def _pin_mtimes(root: Path, epoch: int) -> None:
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in [*filenames, *dirnames]:
            os.utime(os.path.join(dirpath, name), (epoch, epoch), follow_symlinks=False)
    os.utime(root, (epoch, epoch))

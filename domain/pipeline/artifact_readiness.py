"""Artifacts checked before the release writes anything.

The artifacts step pre-validates every artifact (ARTP-001) after the release
commit and tag, because only then does a manifest carry the new version.
Everything else it checks holds or fails the same before the first write:
the tools, the credential variable, the registry, the version not published
yet, a crate's dependencies packageable. ``release ship`` and a release
train ask those in their preflight (:meth:`Handler.ready`), so a missing
``NPM_TOKEN`` or a version already on the registry stops the release with 86
before its commit, not after it with a release to abort.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from shipline.domain.config_artifacts import ArtifactConfig
from shipline.domain.events import LogLine
from shipline.domain.gitops import Git


def artifacts_ready(
    git: Git,
    artifacts: Sequence[ArtifactConfig],
    version: str,
    tag: str,
    *,
    package: str = "",
    env: Mapping[str, str] | None = None,
) -> Iterator[Any]:
    """Each artifact's :meth:`ready`, as preflight lines; raises the first 86."""
    from shipline.domain.artifacts import ArtifactContext, load_handler

    said: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="shipline-ready-") as scratch:
        ctx = ArtifactContext(
            repo_root=git.root,
            version=version,
            release_commit="",
            source_date_epoch=0,
            out_dir=Path(scratch),
            tag=tag,
            env=dict(os.environ if env is None else env),
            emit=said.append,
            step="preflight",
            package=package,
        )
        for cfg in artifacts:
            handler = load_handler(cfg, ctx)
            try:
                handler.ready()
            finally:
                yield from said
                said.clear()
            yield LogLine(step="preflight", text=f"ready to build and publish {handler.label}")

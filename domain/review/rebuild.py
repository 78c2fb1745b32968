"""Reproducible rebuild of a recorded release (SLSA L4 "reproducible build");
for a package of a release train, that package's own artifacts
(``release.workspace.packages[].artifacts`` as the config was at the commit).

A reviewer must not trust the release manager's build: shipline checks out
the release's commit into a clean temporary ``git worktree`` (detached, so
no branch moves and the reviewer's checkout is untouched), loads the config
*as it was at that commit*, builds every enabled artifact with the same
handlers and ``SOURCE_DATE_EPOCH`` the pipeline used (the release commit's
committer time, which is what the pipeline sets: the ledger does not need to
carry it because the commit fixes it), and compares each rebuilt file's
SHA-256 with the ledger.

When an archive differs, :func:`first_difference` names the first member
that differs (tar, gzip'd tar, zip, wheel): by name, by content SHA-256, then
by metadata (mtime, mode, owner), and only when every member is identical,
the container itself (compression or header bytes). For any other file it
names the first differing byte offset.

The worktree and its build outputs are removed afterwards, also on failure.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shipline.domain.errors import ShiplineError
from shipline.domain.gitops import Git

IDENTICAL, DIFFERS, NOT_REBUILT = "identical", "differs", "not-rebuilt"
_MAX_MEMBER_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class ArtifactComparison:
    name: str
    recorded: str
    rebuilt: str | None
    status: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RebuildReport:
    commit: str
    source_date_epoch: int | None
    artifacts: list[ArtifactComparison] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Artifacts that could not be rebuilt (tool missing, build failed)."""

    @property
    def ok(self) -> bool:
        return (
            bool(self.artifacts)
            and not self.errors
            and all(a.status == IDENTICAL for a in self.artifacts)
        )

    def summary(self) -> str:
        same = sum(a.status == IDENTICAL for a in self.artifacts)
        text = f"{same}/{len(self.artifacts)} artifact(s) rebuilt bit-for-bit"
        bad = [f"{a.name}: {a.detail}" for a in self.artifacts if a.status != IDENTICAL]
        return "; ".join([text, *bad, *self.errors])

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "commit": self.commit,
            "sourceDateEpoch": self.source_date_epoch,
            "artifacts": [a.to_json() for a in self.artifacts],
            "errors": list(self.errors),
            "summary": self.summary(),
        }


def rebuild(git: Git, record: Mapping[str, Any], env: Mapping[str, str]) -> RebuildReport:
    """Rebuild ``record``'s artifacts from its commit and compare digests."""
    from shipline.domain.artifacts import ArtifactContext, load_handler
    from shipline.domain.pipeline.train_artifacts import package_artifacts
    from shipline.domain.provenance.ledger import record_package
    from shipline.domain.release.imports import load_config

    commit = record["commitSha"]
    report = RebuildReport(commit, None)
    recorded = {a["name"]: a for a in record["artifacts"]}
    tmp = Path(tempfile.mkdtemp(prefix="shipline-rebuild-"))
    tree = tmp / git.root.name  # the tarball's default name is the checkout's folder name
    try:
        done = git.run(["worktree", "add", "--detach", "--quiet", str(tree), commit], check=False)
        if done.returncode != 0:
            report.errors.append(
                f"cannot check out {commit[:12]} into a clean worktree: "
                f"{(done.stderr or '').strip()[-300:]}"
            )
            return report
        report.source_date_epoch = int(git.out("log", "-1", "--format=%ct", commit))
        try:
            loaded = load_config(tree)
        except ShiplineError as exc:
            report.errors.append(f"the config at {commit[:12]} does not load: {exc.message}")
            return report
        ctx = ArtifactContext(
            repo_root=tree,
            version=record["version"],
            release_commit=commit,
            source_date_epoch=report.source_date_epoch,
            out_dir=tmp / "out",
            tag=record.get("gitTag") or "",
            env=dict(env),
        )
        package = record_package(dict(record))
        configs = (
            loaded.release.enabled_artifacts
            if package is None
            else package_artifacts(loaded, package)  # a train's package: its own artifacts
        )
        rebuilt: dict[str, Path] = {}
        for cfg in configs:
            try:
                handler = load_handler(cfg, ctx)
                for built in handler.build():
                    rebuilt[built.path.name] = built.path
            except ShiplineError as exc:
                report.errors.append(
                    f"{cfg.type} {cfg.name or ''}: rebuild failed ({int(exc.code)}): {exc.message}"
                )
        if not configs:
            whose = f"{package}'s " if package else ""
            report.errors.append(
                f"the config at {commit[:12]} enables no {whose}artifacts to rebuild"
            )
        for name, entry in recorded.items():
            report.artifacts.append(_compare(git.root, entry, rebuilt.get(name)))
        return report
    finally:
        git.run(["worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)
        git.run(["worktree", "prune"], check=False)


def _compare(repo: Path, entry: Mapping[str, Any], rebuilt: Path | None) -> ArtifactComparison:
    name, recorded = entry["name"], entry["sha256"]
    if rebuilt is None:
        return ArtifactComparison(
            name, recorded, None, NOT_REBUILT, "the rebuild did not produce this file"
        )
    digest = _sha256(rebuilt.read_bytes())
    if digest == recorded:
        return ArtifactComparison(name, recorded, digest, IDENTICAL, f"sha256:{digest}")
    original = Path(entry["path"]) if entry.get("path") else None
    if original is not None and not original.is_absolute():
        original = repo / original
    if original is None or not original.is_file() or _sha256(original.read_bytes()) != recorded:
        where = "the recorded file is not on disk (or changed), so members cannot be compared"
    else:
        where = first_difference(original, rebuilt) or "no difference found"
    return ArtifactComparison(
        name, recorded, digest, DIFFERS, f"rebuilt sha256 {digest} != recorded {recorded}: {where}"
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- where two builds differ ------------------------------------------------------

Member = tuple[str, str, tuple[tuple[str, Any], ...]]
"""(name, content sha256, metadata) of one archive member, in archive order."""


def members(path: Path) -> list[Member] | None:
    """The member listing of a tar/tar.gz/zip/wheel with each member's
    SHA-256, or ``None`` when ``path`` is not such an archive."""
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        out: list[Member] = []
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                body = zf.read(info) if info.file_size <= _MAX_MEMBER_BYTES else b""
                meta: tuple[tuple[str, Any], ...] = (
                    ("date_time", info.date_time),
                    ("mode", info.external_attr >> 16),
                    ("compression", info.compress_type),
                )
                out.append((info.filename, _sha256(body), meta))
        return out
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            out = []
            for m in tf.getmembers():
                handle = tf.extractfile(m) if m.isfile() else None
                body = handle.read() if handle is not None else m.linkname.encode()
                meta = (
                    ("mtime", int(m.mtime)),
                    ("mode", oct(m.mode)),
                    ("owner", f"{m.uid}:{m.gid} {m.uname}:{m.gname}"),
                    ("type", m.type),
                )
                out.append((m.name, _sha256(body), meta))
            return out
    except (tarfile.TarError, EOFError, OSError):
        return None


def first_difference(recorded: Path, rebuilt: Path) -> str | None:
    """Where ``rebuilt`` first differs from ``recorded``, in plain words."""
    a, b = members(recorded), members(rebuilt)
    if a is None or b is None:
        x, y = recorded.read_bytes(), rebuilt.read_bytes()
        if x == y:
            return None
        offset = next(
            (i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), min(len(x), len(y))
        )
        return f"first differing byte at offset {offset} (sizes {len(x)} and {len(y)})"
    for i, (ma, mb) in enumerate(zip(a, b, strict=False)):
        if ma[0] != mb[0]:
            return f"member #{i + 1}: the release has {ma[0]!r}, the rebuild has {mb[0]!r}"
        if ma[1] != mb[1]:
            return f"first differing member {ma[0]!r}: content sha256 {ma[1]} != {mb[1]}"
    if len(a) != len(b):
        longer, which = (a, "release") if len(a) > len(b) else (b, "rebuild")
        return f"only the {which} has member {longer[min(len(a), len(b))][0]!r}"
    for ma, mb in zip(a, b, strict=True):
        for (key, va), (_, vb) in zip(ma[2], mb[2], strict=True):
            if va != vb:
                return f"first differing member {ma[0]!r}: same content, {key} {va} != {vb}"
    return "every member is identical: the container differs (compression or header bytes)"

"""The release journal and the lock that lets only one release run.

The journal (``<state>/journal.json``) is rewritten atomically after every
step, so a crash at any point leaves either the previous or the next state;
``release resume`` continues from the last completed step and ``release
abort`` undoes what is local (bumped files, release commit, local tag).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shipline.domain import runner
from shipline.domain.errors import ReleaseInProgress, ShiplineError
from shipline.domain.jsonio import StrictJSONError, dumps_pretty, read_strict, write_atomic

JOURNAL = "journal.json"
LOCK = "release.lock"
STATE_GITIGNORE = "journal.json\nrelease.lock\n*.lock\nwork/\n"


class Journal(BaseModel):
    """Everything a resumed or aborted release needs, and nothing secret."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    release_id: str
    version: str
    tag: str
    branch: str
    base_head: str | None
    started_at: str
    options: dict[str, Any]
    completed: list[str] = Field(default_factory=list)
    current: str | None = None
    """The step that was running when the journal was last written."""
    originals: dict[str, str | None] = Field(default_factory=dict)
    """Repository-relative path → base64 of its bytes before the release
    (``None``: the file did not exist)."""
    bumped_files: list[str] = Field(default_factory=list)
    changelog_entry: str | None = None
    commit_message: str = ""
    tag_message: str = ""
    release_commit: str | None = None
    external: list[str] = Field(default_factory=list)
    """Effects outside this machine that completed (``push``,
    ``publish:NAME``): never undone by abort."""
    intents: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Effects recorded *before* they started (write-ahead, see
    :mod:`shipline.domain.pipeline.effects`): key → detail and time."""
    data: dict[str, Any] = Field(default_factory=dict)
    """Later steps' records (built files, attestation, published refs)."""

    @property
    def may_be_live(self) -> bool:
        """Whether anything of this release may have left the machine (an
        effect done, or intended and perhaps cut off half-way)."""
        return bool(self.external or self.intents)

    def remember_original(self, rel: str, content: bytes | None) -> None:
        if rel not in self.originals:
            self.originals[rel] = None if content is None else base64.b64encode(content).decode()

    def original_bytes(self, rel: str) -> bytes | None:
        value = self.originals.get(rel)
        return None if value is None else base64.b64decode(value)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def journal_path(state_dir: Path) -> Path:
    return state_dir / JOURNAL


def load(state_dir: Path) -> Journal | None:
    path = journal_path(state_dir)
    if not path.exists():
        return None
    try:
        return Journal.model_validate(read_strict(path))
    except (StrictJSONError, ValueError) as exc:
        raise ShiplineError(
            f"{path}: the release journal is damaged: {exc}",
            hint="inspect it; if no release is under way, delete it",
            code=ReleaseInProgress.code,
        ) from None


def save(state_dir: Path, journal: Journal) -> None:
    ensure_state_dir(state_dir)
    write_atomic(journal_path(state_dir), dumps_pretty(journal.model_dump(mode="json")), 0o600)


def remove(state_dir: Path) -> None:
    """Drop the journal; a state dir that holds nothing else of value (only
    the .gitignore this module wrote) goes too, so a refused or undone
    release leaves the work tree as it found it."""
    with contextlib.suppress(FileNotFoundError):
        journal_path(state_dir).unlink()
    _prune_empty_dirs(state_dir)
    ignore = state_dir / ".gitignore"
    try:
        names = {p.name for p in state_dir.iterdir()}
        if (
            not names <= {".gitignore", LOCK, "config.json"}
            or ignore.read_text() != STATE_GITIGNORE
        ):
            return
        tracked = runner.run(
            ["git", "ls-files", "--error-unmatch", ".gitignore"], cwd=state_dir, timeout=30
        ).ok
        if not tracked:
            for name in names - {"config.json"}:
                (state_dir / name).unlink()
        if not any(state_dir.iterdir()):
            state_dir.rmdir()
    except OSError:
        pass


def _prune_empty_dirs(state_dir: Path) -> None:
    """Remove the folders a release left empty (``work/``, ``attestations/``
    after an abort); a folder with anything in it stays."""
    if not state_dir.is_dir():
        return
    folders = sorted(
        (p for p in state_dir.rglob("*") if p.is_dir() and not p.is_symlink()),
        key=lambda p: len(p.parts),
        reverse=True,
    )
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only an empty folder goes


def ensure_state_dir(state_dir: Path) -> None:
    """Create the state dir with a .gitignore for the files that must never
    be committed (journal, lock, work files)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ignore = state_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text(STATE_GITIGNORE)


def lock_path(state_dir: Path) -> Path:
    """The lock lives in the repository's git dir, so that taking it leaves
    the work tree exactly as it was (a refused release writes nothing);
    outside a repository, in the state dir."""
    start = state_dir.resolve()
    probe = start if start.is_dir() else start.parent
    while not probe.is_dir():
        probe = probe.parent
    done = runner.run(["git", "rev-parse", "--git-common-dir"], cwd=probe, timeout=30)
    if not done.ok:
        return state_dir / LOCK
    git_dir = (probe / done.stdout.strip()).resolve()
    key = hashlib.sha256(str(start).encode()).hexdigest()[:12]
    return git_dir / "shipline" / f"release-{key}.lock"


class ReleaseLock:
    """An exclusive, non-blocking lock held for a whole ship/resume/abort.
    The kernel drops it when the process dies, so a crash never leaves it
    stuck; the journal then says a release is half done."""

    def __init__(self, state_dir: Path):
        self.path = lock_path(state_dir)
        self._fd: int | None = None

    def __enter__(self) -> ReleaseLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise ReleaseInProgress(
                f"another release is in progress (lock {self.path} held by pid {holder})",
                hint="wait for it to finish; if it died, `shipline release resume` or "
                "`shipline release abort`",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
